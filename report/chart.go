package report

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// The charts share one coordinate system: SVG user units, 1000 wide, the
// labels left of plotLeft, the time axis from plotLeft to plotRight.
const (
	chartWidth  = 1000
	plotLeft    = 250
	plotRight   = 980
	axisHeight  = 24
	stepRow     = 24
	stepBar     = 14
	laneRow     = 18
	laneBar     = 12
	flightPlot  = 120
	labelChars  = 34
	chartBottom = 6
)

// window is the page's time axis.
type window struct {
	t0, t1 time.Time
	loc    *time.Location
}

// timeWindow spans every step, node interval and sample; ok is false when
// the page has none.
func timeWindow(p *Page, loc *time.Location) (window, bool) {
	var w window
	seen := false
	see := func(t time.Time) {
		if !seen || t.Before(w.t0) {
			w.t0 = t
		}
		if !seen || t.After(w.t1) {
			w.t1 = t
		}
		seen = true
	}
	for _, s := range p.Steps {
		see(s.Start)
		see(s.End)
	}
	for _, n := range p.Nodes {
		for _, s := range n.Spans {
			see(s.Start)
			see(s.End)
		}
	}
	for _, s := range p.InFlight {
		see(s.At)
	}
	if !seen {
		return w, false
	}
	if !w.t1.After(w.t0) {
		w.t1 = w.t0.Add(time.Minute)
	}
	w.loc = loc
	return w, true
}

func (w window) x(t time.Time) float64 {
	f := float64(t.Sub(w.t0)) / float64(w.t1.Sub(w.t0))
	return plotLeft + f*(plotRight-plotLeft)
}

// tickSteps are the axis intervals a chart may use, smallest first.
var tickSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

type tick struct {
	X, Label string
}

// ticks marks the axis every interval from the start, at most ten marks
// (the longest windows take whole multiples of four weeks).
func (w window) ticks() []tick {
	span := w.t1.Sub(w.t0)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= 10 {
			step = s
			break
		}
	}
	for span/step > 10 {
		step *= 2
	}
	var out []tick
	for d := time.Duration(0); d <= span; d += step {
		label := "+" + FormatDuration(d)
		if d == 0 {
			label = w.t0.In(w.loc).Format("15:04")
		}
		out = append(out, tick{X: num(w.x(w.t0.Add(d))), Label: label})
	}
	return out
}

// ganttChart is a chart of labelled rows of bars.
type ganttChart struct {
	Height, GridBottom string
	Ticks              []tick
	Rows               []ganttRow
	// Legend names the kinds the chart shows, in a fixed order.
	Legend []string
}

// legend lists the kinds of order that occur in seen.
func legend(order []string, seen map[string]bool) []string {
	var out []string
	for _, k := range order {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

type ganttRow struct {
	// Y is the row's top; TextY its label's baseline.
	Y, TextY, Height string
	Label, Sub, Full string
	Odd              bool
	Bars             []ganttBar
}

type ganttBar struct {
	X, Y, W, H, Class, Title string
	// Note is a duration written beside the bar, at NoteX with NoteAnchor.
	Note, NoteX, NoteY, NoteAnchor string
}

func (w window) bar(s Span, y, h float64, class, what string, note bool) ganttBar {
	x0, x1 := w.x(s.Start), w.x(s.End)
	width := math.Max(x1-x0, 2)
	d := s.End.Sub(s.Start)
	b := ganttBar{
		X: num(x0), Y: num(y), W: num(width), H: num(h), Class: class,
		Title: what + " · " + clock(s.Start.In(w.loc), w.t0.In(w.loc)) + " → " + clock(s.End.In(w.loc), w.t0.In(w.loc)) + " · " + FormatDuration(d),
	}
	if note {
		b.Note, b.NoteY = FormatDuration(d), num(y+h/2+4)
		if x0+width > plotRight-60 {
			b.NoteX, b.NoteAnchor = num(x0-4), "end"
		} else {
			b.NoteX, b.NoteAnchor = num(x0+width+4), "start"
		}
	}
	return b
}

func stepsChart(w window, steps []Span) *ganttChart {
	if len(steps) == 0 {
		return nil
	}
	c := &ganttChart{Ticks: w.ticks()}
	seen := map[string]bool{}
	for i, s := range steps {
		top := float64(axisHeight + i*stepRow)
		kind := s.Kind
		if kind == "" {
			kind = KindDone
		}
		seen[kind] = true
		what := s.Name
		if kind != KindDone {
			what += " (" + kind + ")"
		}
		c.Rows = append(c.Rows, ganttRow{
			Y: num(top), TextY: num(top + stepRow/2 + 4), Height: num(stepRow),
			Label: truncate(s.Name, labelChars), Full: s.Name, Odd: i%2 == 1,
			Bars: []ganttBar{w.bar(s, top+(stepRow-stepBar)/2, stepBar, "k-"+kind, what, true)},
		})
	}
	c.Legend = legend([]string{KindDone, KindRunning, KindFailed}, seen)
	bottom := float64(axisHeight + len(steps)*stepRow)
	c.GridBottom, c.Height = num(bottom), num(bottom+chartBottom)
	return c
}

func lanesChart(w window, nodes []NodeLane) *ganttChart {
	if len(nodes) == 0 {
		return nil
	}
	c := &ganttChart{Ticks: w.ticks()}
	seen := map[string]bool{}
	for i, n := range nodes {
		top := float64(axisHeight + i*laneRow)
		full := n.Node
		if n.Pool != "" {
			full += " (" + n.Pool + ")"
		}
		label := truncate(n.Node, labelChars-len([]rune(n.Pool))-1)
		if n.Pool == "" || len([]rune(n.Pool)) > labelChars/2 {
			label = truncate(n.Node, labelChars)
		}
		r := ganttRow{
			Y: num(top), TextY: num(top + laneRow/2 + 4), Height: num(laneRow),
			Label: label, Full: full, Odd: i%2 == 1,
		}
		if label == n.Node {
			r.Sub = n.Pool
		}
		for _, s := range n.Spans {
			seen[s.Kind] = true
			r.Bars = append(r.Bars, w.bar(s, top+(laneRow-laneBar)/2, laneBar, "k-"+s.Kind, n.Node+" "+s.Kind, false))
		}
		c.Rows = append(c.Rows, r)
	}
	c.Legend = legend(nodeKinds, seen)
	bottom := float64(axisHeight + len(nodes)*laneRow)
	c.GridBottom, c.Height = num(bottom), num(bottom+chartBottom)
	return c
}

// flightChart is the step-shaped area chart of work in flight.
type flightChart struct {
	Height, PlotTop, Base string
	Ticks                 []tick
	YTicks                []yTick
	Migrations, Evictions series
	PeakMigrations        int
	PeakEvictions         int
}

type yTick struct {
	Y, Label string
}

type series struct {
	Line, Area string
}

func inFlightChart(w window, samples []Sample) *flightChart {
	if len(samples) == 0 {
		return nil
	}
	s := append([]Sample(nil), samples...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].At.Before(s[j].At) })
	c := &flightChart{Ticks: w.ticks()}
	for _, x := range s {
		c.PeakMigrations = max(c.PeakMigrations, x.Migrations)
		c.PeakEvictions = max(c.PeakEvictions, x.Evictions)
	}
	top := float64(axisHeight)
	base := top + flightPlot
	yMax, yStep := niceScale(max(c.PeakMigrations, c.PeakEvictions))
	y := func(v int) float64 { return base - float64(v)/float64(yMax)*flightPlot }
	for v := 0; v <= yMax; v += yStep {
		c.YTicks = append(c.YTicks, yTick{Y: num(y(v)), Label: strconv.Itoa(v)})
	}
	c.Migrations = stepSeries(w, s, func(x Sample) int { return x.Migrations }, y)
	c.Evictions = stepSeries(w, s, func(x Sample) int { return x.Evictions }, y)
	c.PlotTop, c.Base, c.Height = num(top), num(base), num(base+chartBottom)
	return c
}

// niceScale picks the axis maximum and interval for counts up to peak: at
// most five intervals of 1, 2 or 5 times a power of ten.
func niceScale(peak int) (top, step int) {
	peak = max(peak, 1)
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * p
			if (peak+step-1)/step <= 5 {
				return (peak + step - 1) / step * step, step
			}
		}
	}
}

// stepSeries draws the counts as a step function. Samples closer than half
// a unit of width share a column; the column shows their peak, then the
// last count, which holds until the next column.
func stepSeries(w window, s []Sample, val func(Sample) int, y func(int) float64) series {
	var line []byte
	col := func(t time.Time) float64 { return math.Round(w.x(t)*2) / 2 }
	x0 := col(s[0].At)
	line = append(line, "M"+num(x0)+" "+num(y(0))...)
	cur := 0
	for i := 0; i < len(s); {
		x := col(s[i].At)
		peak, last := 0, 0
		for ; i < len(s) && col(s[i].At) == x; i++ {
			last = val(s[i])
			peak = max(peak, last)
		}
		if peak != cur || last != peak {
			line = append(line, "H"+num(x)...)
		}
		if peak != cur {
			line = append(line, "V"+num(y(peak))...)
		}
		if last != peak {
			line = append(line, "V"+num(y(last))...)
		}
		cur = last
	}
	line = append(line, "H"+num(w.x(w.t1))...)
	area := string(line) + "V" + num(y(0)) + "Z"
	return series{Line: string(line), Area: area}
}
