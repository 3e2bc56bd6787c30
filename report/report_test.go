package report_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func render(t testing.TB, p report.Page) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, p); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	got := render(t, smallPage())
	file := filepath.Join("testdata", "small.golden.html")
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run TestGolden -update to write it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("the page differs from %s at line %d:\n got: %s\nwant: %s\n(run go test ./report -run TestGolden -update if the change is intended)", file, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("the page differs from %s in length: %d lines, want %d", file, len(gl), len(wl))
	}
}

func TestDeterministic(t *testing.T) {
	p := bigPage(500, 20)
	a, b := render(t, p), render(t, p)
	if a != b {
		t.Fatal("two renderings of the same page differ")
	}
	// The order of InFlight samples does not matter: they are sorted.
	rev := p
	rev.InFlight = append([]report.Sample(nil), p.InFlight...)
	for i, j := 0, len(rev.InFlight)-1; i < j; i, j = i+1, j-1 {
		rev.InFlight[i], rev.InFlight[j] = rev.InFlight[j], rev.InFlight[i]
	}
	if c := render(t, rev); c != a {
		t.Fatal("the samples' order changed the page")
	}
}

var (
	rowRe   = regexp.MustCompile(`<tr data-ns="([^"]*)" data-outcome="([^"]*)" data-moves="(\d+)">`)
	countRe = regexp.MustCompile(`data-count="([^"]+)">([^<]*)<`)
	jsonRe  = regexp.MustCompile(`(?s)<script type="application/json" id="filter-data">(.*?)</script>`)
)

func counts(page string) map[string]int {
	out := map[string]int{}
	for _, m := range countRe.FindAllStringSubmatch(page, -1) {
		n, err := strconv.Atoi(m[2])
		if err != nil {
			n = -1
		}
		out[m[1]] = n
	}
	return out
}

// TestNumbersAddUp: the header's counts are the table's rows.
func TestNumbersAddUp(t *testing.T) {
	for _, tt := range []struct {
		reason string
		page   report.Page
	}{
		{"a small page with every outcome", smallPage()},
		{"a large page where outcomes repeat", bigPage(2000, 50)},
		{"no VMs at all", report.Page{}},
	} {
		page := render(t, tt.page)
		c := counts(page)
		rows := rowRe.FindAllStringSubmatch(page, -1)
		byOutcome := map[string]int{}
		moves := 0
		for _, r := range rows {
			byOutcome[r[2]]++
			n, _ := strconv.Atoi(r[3])
			moves += n
		}
		if c["vms"] != len(rows) || len(rows) != len(tt.page.VMs) {
			t.Errorf("%s: header says %d VMs, the table has %d rows, the input %d VMs", tt.reason, c["vms"], len(rows), len(tt.page.VMs))
		}
		sum := 0
		for _, o := range report.Outcomes() {
			got, ok := c[string(o)]
			if !ok {
				t.Errorf("%s: the header does not show the count of %s (every outcome is shown, zero too)", tt.reason, o)
			}
			if got != byOutcome[string(o)] {
				t.Errorf("%s: header says %d %s, the table has %d such rows", tt.reason, got, o, byOutcome[string(o)])
			}
			sum += got
		}
		if sum != c["vms"] {
			t.Errorf("%s: the outcome counts add up to %d, not the %d VMs", tt.reason, sum, c["vms"])
		}
		if c["moves"] != moves {
			t.Errorf("%s: header says %d moves, the rows add up to %d", tt.reason, c["moves"], moves)
		}
		if c["nodes"] != len(tt.page.Nodes) || c["steps"] != len(tt.page.Steps) {
			t.Errorf("%s: header says %d nodes and %d steps, the input has %d and %d", tt.reason, c["nodes"], c["steps"], len(tt.page.Nodes), len(tt.page.Steps))
		}
	}
}

func TestPluralsAndDurations(t *testing.T) {
	one := report.Page{
		Nodes: []report.NodeLane{{Node: "n", Spans: []report.Span{span("", report.KindDrain, 0, time.Minute)}}},
		Steps: []report.Span{span("s", "", 0, 83*time.Minute)},
		VMs:   []report.VMRow{{Namespace: "a", Name: "b", Outcome: report.ShutDown, Moves: 1, Downtime: 83 * time.Minute}},
	}
	page := render(t, one)
	for _, want := range []string{
		`<span class="n" data-count="vms">1</span><span class="l">VM</span>`,
		`<span class="n" data-count="moves">1</span><span class="l">move</span>`,
		`<span class="n" data-count="nodes">1</span><span class="l">node</span>`,
		`<span class="n" data-count="steps">1</span><span class="l">step</span>`,
		`<span class="n">1h 23m</span><span class="l">downtime, 1 VM</span>`,
		`<td class="num">1h 23m</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("one of each: the page lacks %s", want)
		}
	}
	two := one
	two.VMs = append(two.VMs, report.VMRow{Namespace: "a", Name: "c", Outcome: report.Migrated, Moves: 1})
	page = render(t, two)
	for _, want := range []string{
		`<span class="l">VMs</span>`,
		`<span class="n" data-count="moves">2</span><span class="l">moves</span>`,
		`<span class="n">1h 23m</span><span class="l">downtime, 1 VM</span>`,
		`<td class="num">none</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("two VMs: the page lacks %s", want)
		}
	}
	none := render(t, report.Page{})
	for _, want := range []string{`data-count="vms">0</span><span class="l">VMs</span>`, `data-count="moves">0</span><span class="l">moves</span>`, `<span class="n">0s</span><span class="l">downtime, 0 VMs</span>`} {
		if !strings.Contains(none, want) {
			t.Errorf("nothing: the page lacks %s", want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		reason string
		d      time.Duration
		want   string
	}{
		{"zero", 0, "0s"},
		{"under half a second rounds to nothing, shown as such", 300 * time.Millisecond, "<1s"},
		{"half a second rounds up", 500 * time.Millisecond, "1s"},
		{"seconds", 45 * time.Second, "45s"},
		{"whole minutes drop the seconds", 12 * time.Minute, "12m"},
		{"minutes and seconds", 12*time.Minute + 5*time.Second, "12m 5s"},
		{"the issue's example", time.Hour + 23*time.Minute, "1h 23m"},
		{"seconds round into the hour", 59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h"},
		{"under a day rounds to minutes", 2*time.Hour + 10*time.Minute + 31*time.Second, "2h 11m"},
		{"minutes round into the day", 23*time.Hour + 59*time.Minute + 40*time.Second, "1d"},
		{"days and hours", 51*time.Hour + 20*time.Minute, "2d 3h"},
		{"negative", -90 * time.Second, "-1m 30s"},
		{"the most negative duration does not overflow", time.Duration(-1 << 63), "-106751d 23h"},
	} {
		if got := report.FormatDuration(tt.d); got != tt.want {
			t.Errorf("%s: FormatDuration(%v) = %q, want %q", tt.reason, tt.d, got, tt.want)
		}
	}
}

func TestCountInFlight(t *testing.T) {
	m := time.Minute
	for _, tt := range []struct {
		reason     string
		migrations []report.Span
		evictions  []report.Span
		want       []report.Sample
	}{
		{reason: "nothing in flight", want: nil},
		{
			reason:     "overlapping migrations add up; the end is excluded, so back-to-back ones never count twice",
			migrations: []report.Span{span("", "", 0, 2*m), span("", "", m, 3*m), span("", "", 3*m, 4*m)},
			want: []report.Sample{
				{At: at(0), Migrations: 1}, {At: at(m), Migrations: 2}, {At: at(2 * m), Migrations: 1}, {At: at(4 * m)},
			},
		},
		{
			reason:     "migrations and evictions are counted apart; a start and an end at the same time net out",
			migrations: []report.Span{span("", "", 0, 2*m)},
			evictions:  []report.Span{span("", "", 2*m, 3*m), span("", "", 0, m)},
			want: []report.Sample{
				{At: at(0), Migrations: 1, Evictions: 1}, {At: at(m), Migrations: 1}, {At: at(2 * m), Evictions: 1}, {At: at(3 * m)},
			},
		},
		{
			reason:     "empty and backwards spans count for nothing",
			migrations: []report.Span{span("", "", m, m), span("", "", 2*m, m)},
			want:       nil,
		},
	} {
		got := report.CountInFlight(tt.migrations, tt.evictions)
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %d samples %v, want %v", tt.reason, len(got), got, tt.want)
			continue
		}
		for i := range got {
			if !got[i].At.Equal(tt.want[i].At) || got[i].Migrations != tt.want[i].Migrations || got[i].Evictions != tt.want[i].Evictions {
				t.Errorf("%s: sample %d = %+v, want %+v", tt.reason, i, got[i], tt.want[i])
			}
		}
	}
}

func TestInputErrors(t *testing.T) {
	good := func() report.Page { return smallPage() }
	for _, tt := range []struct {
		reason string
		edit   func(*report.Page)
		field  string
	}{
		{"an outcome the page does not know (the table could not count it)", func(p *report.Page) { p.VMs[2].Outcome = "stuck" }, "VMs[2].Outcome"},
		{"an empty outcome", func(p *report.Page) { p.VMs[0].Outcome = "" }, "VMs[0].Outcome"},
		{"negative moves", func(p *report.Page) { p.VMs[1].Moves = -1 }, "VMs[1].Moves"},
		{"negative downtime", func(p *report.Page) { p.VMs[1].Downtime = -time.Second }, "VMs[1].Downtime"},
		{"a step that ends before it starts", func(p *report.Page) { p.Steps[2].End = p.Steps[2].Start.Add(-time.Second) }, "Steps[2].End"},
		{"a step without a start", func(p *report.Page) { p.Steps[1].Start = time.Time{} }, "Steps[1].Start"},
		{"a running step still needs an end: when the data was read", func(p *report.Page) { p.Steps[1].Kind, p.Steps[1].End = report.KindRunning, time.Time{} }, "Steps[1].End"},
		{"a node kind on a step", func(p *report.Page) { p.Steps[0].Kind = report.KindDrain }, "Steps[0].Kind"},
		{"a step kind on a node", func(p *report.Page) { p.Nodes[1].Spans[2].Kind = report.KindDone }, "Nodes[1].Spans[2].Kind"},
		{"a node span without a kind", func(p *report.Page) { p.Nodes[0].Spans[0].Kind = "" }, "Nodes[0].Spans[0].Kind"},
		{"a sample without a time", func(p *report.Page) { p.InFlight[1].At = time.Time{} }, "InFlight[1].At"},
		{"a negative count", func(p *report.Page) { p.InFlight[0].Evictions = -2 }, "InFlight[0].Evictions"},
	} {
		p := good()
		tt.edit(&p)
		var buf bytes.Buffer
		err := report.Write(&buf, p)
		var ie *report.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: Write returned %v, want an *InputError", tt.reason, err)
			continue
		}
		if ie.Field != tt.field {
			t.Errorf("%s: the error names %s, want %s (%v)", tt.reason, ie.Field, tt.field, err)
		}
		if ie.Value == "" || ie.Want == "" || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: the error must name the field, the value and what to do: %v", tt.reason, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Write wrote %d bytes before failing", tt.reason, buf.Len())
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteReturnsTheWritersError(t *testing.T) {
	boom := errors.New("disk full")
	if err := report.Write(failingWriter{boom}, smallPage()); !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the writer's error", err)
	}
}

// TestEmptyInputs: a page with parts missing renders, says so, and draws
// only what it has.
func TestEmptyInputs(t *testing.T) {
	full := smallPage()
	for _, tt := range []struct {
		reason         string
		page           report.Page
		want, wantNone []string
	}{
		{"the zero Page", report.Page{}, []string{"<title>Update report</title>", "No steps, node phases or migrations were recorded.", "No VMs."},
			[]string{"<svg class=\"chart\"", "<table", `id="filter-data"`, "Generated"}},
		{"only VMs (a status page of a cluster not updating)", report.Page{VMs: full.VMs}, []string{"No steps, node phases or migrations were recorded.", "<table"},
			[]string{"<svg class=\"chart\"", "No VMs."}},
		{"only nodes", report.Page{Nodes: full.Nodes}, []string{"<h3>Nodes</h3>", "No VMs."}, []string{"<h3>Plan steps</h3>", "in flight"}},
		{"only samples", report.Page{InFlight: full.InFlight}, []string{"<h3>Migrations and evictions in flight</h3>"}, []string{"<h3>Nodes</h3>"}},
		{"lanes with no spans and a step of no length", report.Page{Steps: full.Steps[:1], Nodes: []report.NodeLane{{Node: "idle"}}}, []string{"idle", "preflight"}, nil},
		{"empty strings everywhere", report.Page{Summary: []report.Fact{{}}, VMs: []report.VMRow{{Outcome: report.Untouched}}}, []string{"<dt></dt><dd></dd>", `data-ns=""`}, nil},
	} {
		page := render(t, tt.page)
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the page lacks %q", tt.reason, w)
			}
		}
		for _, w := range tt.wantNone {
			if strings.Contains(page, w) {
				t.Errorf("%s: the page has %q", tt.reason, w)
			}
		}
	}
}

// TestSelfContained: nothing on the page makes the browser fetch, and the
// Content-Security-Policy allows exactly the page's own inline code.
func TestSelfContained(t *testing.T) {
	page := render(t, smallPage())
	for _, bad := range []string{"http:", "https:", "src=", "@import", "url(", "<link", "<iframe", "<object", "<embed", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must load nothing", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("a link leaves the page: href=%q", m[1])
		}
	}
	cspM := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if cspM == nil {
		t.Fatal("the page has no Content-Security-Policy")
	}
	csp := html.UnescapeString(cspM[1])
	if !strings.HasPrefix(csp, "default-src 'none';") {
		t.Errorf("the policy must forbid every fetch by default: %s", csp)
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("the policy allows unsafe code: %s", csp)
	}
	hashOf := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 2 {
		t.Fatalf("the page has %d inline scripts, want 2 (the error trap and the filters)", len(scripts))
	}
	for _, s := range scripts {
		if !strings.Contains(csp, hashOf(s[1])) {
			t.Errorf("the policy does not allow the script starting %.40q, the browser would block it", s[1])
		}
	}
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(styles) != 1 || !strings.Contains(csp, "style-src "+hashOf(styles[0][1])) {
		t.Errorf("the policy does not allow the page's one style element")
	}
	if strings.Contains(page, ` style="`) {
		t.Error("the page has a style attribute, which its policy blocks")
	}
}

// TestEscaping: text from the caller cannot become markup or script,
// anywhere it lands, and the filters' JSON still carries it exactly.
func TestEscaping(t *testing.T) {
	const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)>"'&` + "\u2028"
	p := smallPage()
	p.Title = evil
	p.Summary = append(p.Summary, report.Fact{Name: evil, Value: evil})
	p.Steps[0].Name = evil
	p.Nodes[0].Node, p.Nodes[0].Pool = evil, evil
	p.VMs[0].Namespace, p.VMs[0].Name, p.VMs[0].Reason = evil, evil, evil
	page := render(t, p)
	for _, bad := range []string{"<script>alert", "<img", `"'&`} {
		if strings.Contains(page, bad) {
			t.Errorf("the caller's text came through unescaped: %q", bad)
		}
	}
	if n := strings.Count(page, "</script>"); n != 3 {
		t.Errorf("the page ends %d script elements, want 3: the caller's text closed one", n)
	}
	m := jsonRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no filter data")
	}
	var data struct {
		Namespace []struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"namespace"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("the filter data is not JSON: %v\n%s", err, m[1])
	}
	found := false
	for _, ns := range data.Namespace {
		found = found || ns.Value == evil && ns.Count == 1
	}
	if !found {
		t.Errorf("the filter data lost the namespace %q: %+v", evil, data.Namespace)
	}
	// The row's attribute decodes to the same namespace the filter compares.
	row := rowRe.FindStringSubmatch(page)
	if row == nil || html.UnescapeString(row[1]) != evil {
		t.Errorf("the first row's data-ns does not decode to the namespace: %v", row)
	}
}

// TestLargePage: 10,000 VMs and 500 node lanes make a page of reasonable
// size, with every row.
func TestLargePage(t *testing.T) {
	p := bigPage(10000, 500)
	page := render(t, p)
	if n := len(rowRe.FindAllStringIndex(page, -1)); n != 10000 {
		t.Errorf("the page has %d rows, want 10000", n)
	}
	const limit = 4 << 20
	if len(page) > limit {
		t.Errorf("the page is %d bytes (%d per VM), more than %d", len(page), len(page)/10000, limit)
	}
	t.Logf("10,000 VMs and 500 nodes: %d bytes", len(page))
	// Dense samples are folded: the in-flight paths stay bounded by the
	// chart's width, not by the number of samples.
	paths := regexp.MustCompile(`<path class="line mig" d="([^"]*)"`).FindStringSubmatch(page)
	if paths == nil {
		t.Fatal("no migrations line")
	}
	if cols := strings.Count(paths[1], "H"); cols > 2*(980-250)+2 {
		t.Errorf("the migrations line has %d columns for %d samples; want at most two per unit of width", cols, len(p.InFlight))
	}
	t.Logf("%d samples drawn as %d columns", len(p.InFlight), strings.Count(paths[1], "H"))
}

// TestPeakSurvivesFolding: a burst narrower than a column still reaches
// its height.
func TestPeakSurvivesFolding(t *testing.T) {
	var migrations []report.Span
	// 50 migrations over one second in the middle of a ten-hour window.
	for i := range 50 {
		migrations = append(migrations, report.Span{Start: at(5*time.Hour + time.Duration(i)*time.Millisecond), End: at(5*time.Hour + time.Second)})
	}
	p := report.Page{
		Steps:    []report.Span{span("long", "", 0, 10*time.Hour)},
		InFlight: report.CountInFlight(migrations, nil),
	}
	page := render(t, p)
	if !strings.Contains(page, "at most 50 migrations and 0 evictions at once") {
		t.Error("the caption does not give the peak of 50")
	}
	paths := regexp.MustCompile(`<path class="line mig" d="([^"]*)"`).FindStringSubmatch(page)
	// The plot is 120 units tall from y=24; the peak, 50, is the axis top.
	if paths == nil || !strings.Contains(paths[1], "V24") {
		t.Errorf("the line does not reach the peak at the top of the plot: %v", paths)
	}
}

// TestWithoutJavaScript: what a browser with JavaScript off shows is the
// markup itself (headless Chromium cannot dump a page with scripts off):
// every row visible, every chart drawn, and no filter control that could
// not work, only a note saying the filters need JavaScript.
func TestWithoutJavaScript(t *testing.T) {
	p := smallPage()
	page := render(t, p)
	if n := strings.Count(page, " hidden"); n != 1 || !strings.Contains(page, `<div id="filters" class="filters" hidden></div>`) {
		t.Errorf("the markup hides %d things; want only the empty filter bar", n)
	}
	if n := len(rowRe.FindAllString(page, -1)); n != len(p.VMs) {
		t.Errorf("%d rows in the markup, want %d", n, len(p.VMs))
	}
	if strings.Contains(page, "<select") || strings.Contains(page, "<input") || strings.Contains(page, "<button") {
		t.Error("the markup has a control that needs JavaScript")
	}
	if !strings.Contains(page, "<noscript><p class=\"muted\">The filters need JavaScript; every row is shown.</p></noscript>") {
		t.Error("no note for readers without JavaScript")
	}
	if n := strings.Count(page, `<svg class="chart"`); n != 3 {
		t.Errorf("%d charts in the markup, want 3 (steps, nodes, in flight)", n)
	}
	if n := strings.Count(page, "<title>"); n < len(p.Steps)+len(p.Nodes) {
		t.Errorf("%d hover titles, want one per bar at least: they show times without script", n)
	}
}

func TestLocationAndKinds(t *testing.T) {
	p := report.Page{
		Generated: at(96 * time.Minute),
		Location:  time.FixedZone("CET", 3600),
		Steps: []report.Span{
			span("update-cnv-4.17", "", 0, 20*time.Minute),
			span("roll-worker-pool", report.KindRunning, 20*time.Minute, 96*time.Minute),
		},
	}
	page := render(t, p)
	for _, tt := range []struct{ reason, want string }{
		{"times are shown in the page's Location", "Generated 2026-03-14 11:36:00 CET"},
		{"the axis starts at the local clock time", `y="14">10:00</text>`},
		{"a bar's title gives local times", "roll-worker-pool (running) · 10:20:00 → 11:36:00 · 1h 16m"},
		{"a running step has its own look", `class="bar k-running"`},
		{"the legend lists the kinds shown, in order", `<p class="legend"><span class="sw k-done"></span>done <span class="sw k-running"></span>running </p>`},
	} {
		if !strings.Contains(page, tt.want) {
			t.Errorf("%s: the page lacks %q", tt.reason, tt.want)
		}
	}
	if strings.Contains(page, `<span class="sw k-failed">`) {
		t.Error("the legend shows failed, which no step is")
	}
}
