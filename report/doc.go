// Package report renders one update — simulated, forecast or observed on a
// live cluster — as a single self-contained HTML page.
//
// A caller fills a [Page] from what it has and calls [Write]:
//
//   - Steps: one [Span] per plan step (name, start, end, and whether it is
//     done, still running or failed), drawn as a Gantt chart;
//   - Nodes: one [NodeLane] per node with its drain, reboot and ready
//     intervals, drawn as lanes under the steps, on the same time axis;
//   - InFlight: the number of migrations and evictions in flight over time,
//     as [Sample] values (a sample's counts hold until the next sample);
//     [CountInFlight] turns the intervals of individual migrations and
//     evictions into exact samples;
//   - VMs: one [VMRow] per VM with its [Outcome], number of moves, downtime
//     and the reason, shown as a table that can be filtered by namespace,
//     outcome and number of moves;
//   - Summary: the caller's own facts (versions, result, duration), shown in
//     the header next to the counts the page computes from the rows.
//
// # What the page promises
//
// The page makes no network request: no CDN, no external font, script,
// style or image. Its Content-Security-Policy forbids every fetch and allows
// only its own inline style and scripts, by their SHA-256 hashes. The style
// and the scripts are constants of this package; the data rides in the
// markup and in one inert JSON block, so the page renders the same with
// JavaScript disabled, except for the filters, which need it.
//
// The filters read the URL fragment at load, so a link can carry a view:
// page.html#outcome=ShutDown&namespace=prod&moves=2+ shows the rows of
// namespace prod that were shut down after two moves or more ("2" alone
// means exactly two). Changing a filter updates the fragment.
//
// The numbers add up: the outcome counts in the header are counted from the
// rows of the table, and every outcome is shown, with its zero. Durations
// read like "1h 23m" ([FormatDuration]); counts take the singular for one.
//
// Everything the caller provides is escaped by [html/template] in its
// context: text, attributes, and the JSON block of filter values, which is
// JSON-encoded with <, > and & escaped so no value can end the script
// element. The table's rows, the one part repeated thousands of times, are
// assembled in Go with html/template's own [template.HTMLEscapeString] (all
// their values sit in element text or double-quoted attributes, where that
// is the escaping the template applies): executing the template per row
// would cost most of a large page's time.
//
// Output is deterministic: the same Page gives the same bytes. The package
// never reads the clock ([Page.Generated] is the caller's), and times are
// shown in [Page.Location] (UTC when nil).
//
// # Why no charting library
//
// The charts are a handful of rectangles, two step-shaped areas and an
// axis; inline SVG computed here draws them in a few hundred lines. A
// JavaScript charting library would have to be inlined into every page
// (hundreds of kilobytes, re-audited at every update, and useless with
// JavaScript off); a Go charting module would be a new dependency for what
// [html/template] and a little arithmetic already do. Bars carry an SVG
// <title>, so hovering shows the exact times without any script.
//
// # Size and speed
//
// A page of 10,000 VM rows and 500 node lanes renders in about 30
// milliseconds into about 2.6 MB: the rows are plain table rows, more than
// 30 node lanes sit in a scrolling box, and sampled counts denser than the
// chart's resolution are folded into columns half a unit of width apart,
// each keeping its peak.
//
// # Mapping outcomes
//
// A caller with finer outcomes maps them onto the five the page knows; an
// Outcome outside them is an [InputError], since the table could not count
// it. For example: a VM evicted and restarted, or shut down and left off by
// its run strategy, is [ShutDown] (the Reason says which); a VMI without a
// VirtualMachine that its eviction deleted is [Deleted]; a VM stuck after
// failed migrations, or one that will never be updated while it holds a
// node's drain, is [Blocked].
package report
