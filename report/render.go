package report

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	//go:embed page.html.tmpl
	pageTemplate string
	//go:embed page.css
	pageStyle string
	//go:embed page.js
	pageScript string
)

// onErrorScript runs first: it marks the body when any later script fails,
// so a test (or a person with the inspector) can tell.
const onErrorScript = `window.onerror = function (m) { document.body.setAttribute("data-error", String(m)); };`

var (
	tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
		"plotLeft":   func() int { return plotLeft },
		"plotRight":  func() int { return plotRight },
		"labelRight": func() int { return plotLeft - 8 },
	}).Parse(pageTemplate))
	// csp allows the page's own style and scripts, by hash, and nothing else:
	// no fetch of any kind, no other inline code.
	csp = "default-src 'none'; style-src " + hash(pageStyle) + "; script-src " + hash(onErrorScript) + " " + hash(pageScript) +
		"; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write renders p as one self-contained HTML page. It checks p first and
// returns an *InputError, having written nothing, when a field is wrong;
// otherwise it returns the first error of w.
func Write(w io.Writer, p Page) error {
	if err := validate(&p); err != nil {
		return err
	}
	v := build(&p)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := tmpl.Execute(bw, v); err != nil {
		return err
	}
	return bw.Flush()
}

// view is what the template renders: every number and text already made.
type view struct {
	Title, Generated string
	CSP              string
	Style            template.CSS
	OnError, Script  template.JS
	Facts            []Fact

	VMs, VMsNoun   string
	VMCount        int
	Outcomes       []outcomeCount
	OutcomeBar     []outcomeSlice
	Moves          int
	MovesText      string
	Downtime       string
	DowntimeVMs    string
	NodeCount      int
	NodesText      string
	StepCount      int
	StepsText      string
	Window         string
	Steps, Lanes   *ganttChart
	Flight         *flightChart
	FlightCaption  string
	HasCharts      bool
	Rows           template.HTML
	Filters        filterData
	NodeScrollable bool
}

type outcomeCount struct {
	Outcome Outcome
	Label   string
	N       int
}

type outcomeSlice struct {
	Outcome     Outcome
	X, W, Title string
}

// rows renders the table's rows. The template could, but executing it
// costs tens of microseconds a row, most of a large page's time; the rows'
// values all land in element text or double-quoted attributes, where
// html/template's own HTMLEscapeString is the escaping it would apply.
func rows(vms []VMRow) template.HTML {
	var b strings.Builder
	b.Grow(len(vms) * 200)
	esc := template.HTMLEscapeString
	for _, r := range vms {
		dt := "none"
		if r.Downtime > 0 {
			dt = FormatDuration(r.Downtime)
		}
		moves := strconv.Itoa(r.Moves)
		b.WriteString(`<tr data-ns="`)
		b.WriteString(esc(r.Namespace))
		b.WriteString(`" data-outcome="`)
		b.WriteString(esc(string(r.Outcome)))
		b.WriteString(`" data-moves="`)
		b.WriteString(moves)
		b.WriteString(`"><td>`)
		b.WriteString(esc(r.Namespace))
		b.WriteString(`</td><td>`)
		b.WriteString(esc(r.Name))
		b.WriteString(`</td><td><span class="badge o-`)
		b.WriteString(esc(string(r.Outcome)))
		b.WriteString(`">`)
		b.WriteString(esc(r.Outcome.Label()))
		b.WriteString(`</span></td><td class="num">`)
		b.WriteString(moves)
		b.WriteString(`</td><td class="num">`)
		b.WriteString(dt)
		b.WriteString(`</td><td>`)
		b.WriteString(esc(r.Reason))
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

// filterData is the JSON block the filters are built from.
type filterData struct {
	Namespace []facet `json:"namespace"`
	Outcome   []facet `json:"outcome"`
	Moves     []facet `json:"moves"`
}

type facet struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

func build(p *Page) view {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	v := view{
		Title: p.Title, CSP: csp,
		Style: template.CSS(pageStyle), OnError: template.JS(onErrorScript), Script: template.JS(pageScript),
		Facts: p.Summary,
	}
	if v.Title == "" {
		v.Title = "Update report"
	}
	if !p.Generated.IsZero() {
		v.Generated = stamp(p.Generated.In(loc))
	}

	// Counts, all from the rows.
	byOutcome := map[Outcome]int{}
	byNamespace := map[string]int{}
	byMoves := map[int]int{}
	var downtime time.Duration
	down := 0
	for _, r := range p.VMs {
		byOutcome[r.Outcome]++
		byNamespace[r.Namespace]++
		byMoves[r.Moves]++
		v.Moves += r.Moves
		if r.Downtime > 0 {
			downtime += r.Downtime
			down++
		}
	}
	v.Rows = rows(p.VMs)
	v.VMCount = len(p.VMs)
	v.VMs, v.VMsNoun = strconv.Itoa(v.VMCount), noun(v.VMCount, "VM", "VMs")
	for _, o := range outcomes {
		v.Outcomes = append(v.Outcomes, outcomeCount{Outcome: o, Label: o.Label(), N: byOutcome[o]})
	}
	v.OutcomeBar = outcomeBar(v.Outcomes, v.VMCount)
	v.MovesText = noun(v.Moves, "move", "moves")
	v.Downtime = FormatDuration(downtime)
	v.DowntimeVMs = count(down, "VM", "VMs")
	v.NodeCount, v.NodesText = len(p.Nodes), noun(len(p.Nodes), "node", "nodes")
	v.StepCount, v.StepsText = len(p.Steps), noun(len(p.Steps), "step", "steps")
	v.NodeScrollable = len(p.Nodes) > 30

	// Filters: every namespace, outcome and number of moves that occurs.
	for _, ns := range sortedKeys(byNamespace) {
		v.Filters.Namespace = append(v.Filters.Namespace, facet{Value: ns, Label: ns, Count: byNamespace[ns]})
	}
	for _, o := range v.Outcomes {
		if o.N > 0 {
			v.Filters.Outcome = append(v.Filters.Outcome, facet{Value: string(o.Outcome), Label: o.Label, Count: o.N})
		}
	}
	moves := make([]int, 0, len(byMoves))
	for m := range byMoves {
		moves = append(moves, m)
	}
	sort.Ints(moves)
	for _, m := range moves {
		v.Filters.Moves = append(v.Filters.Moves, facet{Value: strconv.Itoa(m), Label: strconv.Itoa(m), Count: byMoves[m]})
	}
	// "N or more" for every N that more than one count reaches.
	for i, m := range moves {
		if m == 0 || i == len(moves)-1 {
			continue
		}
		n := 0
		for _, k := range moves[i:] {
			n += byMoves[k]
		}
		v.Filters.Moves = append(v.Filters.Moves, facet{Value: strconv.Itoa(m) + "+", Label: strconv.Itoa(m) + " or more", Count: n})
	}
	if v.Filters.Namespace == nil {
		v.Filters.Namespace = []facet{}
	}
	if v.Filters.Outcome == nil {
		v.Filters.Outcome = []facet{}
	}
	if v.Filters.Moves == nil {
		v.Filters.Moves = []facet{}
	}

	// Charts, on one time axis.
	if w, ok := timeWindow(p, loc); ok {
		v.HasCharts = true
		v.Window = stamp(w.t0.In(loc)) + " to " + stamp(w.t1.In(loc)) + " (" + FormatDuration(w.t1.Sub(w.t0)) + ")"
		v.Steps = stepsChart(w, p.Steps)
		v.Lanes = lanesChart(w, p.Nodes)
		v.Flight = inFlightChart(w, p.InFlight)
		if v.Flight != nil {
			v.FlightCaption = "at most " + count(v.Flight.PeakMigrations, "migration", "migrations") +
				" and " + count(v.Flight.PeakEvictions, "eviction", "evictions") + " at once"
		}
	}
	return v
}

// outcomeBar is the stacked bar of outcome shares, 1000 units wide; the
// shares it shows add up to 100%.
func outcomeBar(counts []outcomeCount, total int) []outcomeSlice {
	if total == 0 {
		return nil
	}
	ns := make([]int, len(counts))
	for i, c := range counts {
		ns[i] = c.N
	}
	share := shares(ns, total)
	var out []outcomeSlice
	done := 0
	for i, c := range counts {
		if c.N == 0 {
			continue
		}
		x0 := float64(done) * chartWidth / float64(total)
		done += c.N
		x1 := float64(done) * chartWidth / float64(total)
		out = append(out, outcomeSlice{Outcome: c.Outcome, X: num(x0), W: num(x1 - x0),
			Title: strconv.Itoa(c.N) + " " + c.Label + " (" + pctText(share[i], c.N) + ")"})
	}
	return out
}

// noun is the word count takes: "VM" for one, "VMs" otherwise.
func noun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
