package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/virtupdate/virtupdate/update"
)

// progress shows a run while it goes: on a terminal one line redrawn in
// place, with a bar of the steps done; otherwise one plain line per event
// that says something (a step started, a wait's status changed, a report,
// a retry), so a log reads well.
type progress struct {
	w         io.Writer
	tty       bool
	steps     int
	doneSteps int
	start     time.Time
	step      time.Time
	last      string
}

func newProgress(w io.Writer, steps int) *progress {
	return &progress{w: w, tty: liveLine(w) != nil, steps: steps}
}

// bar renders "[#####.....]" for done of total steps.
func bar(done, total, width int) string {
	if total <= 0 {
		return ""
	}
	n := done * width / total
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func (p *progress) event(e update.Event) {
	if p.start.IsZero() {
		p.start = e.Time
	}
	switch e.Type {
	case update.EventStepStarted:
		p.step = e.Time
	case update.EventStepDone:
		p.doneSteps++
	}
	line := ""
	switch e.Type {
	case update.EventStepStarted, update.EventWaiting, update.EventProgress, update.EventReport, update.EventRetrying,
		update.EventPlanResumed, update.EventStepPlanned, update.EventPaused, update.EventPlanFailed, update.EventActSkipped:
		line = fmt.Sprintf("step %d/%d %s: %s", e.Step+1, p.steps, e.StepName, e.Message)
		if e.Step < 0 {
			line = e.Message
		}
	case update.EventStepDone:
		line = fmt.Sprintf("step %d/%d %s: done in %s", e.Step+1, p.steps, e.StepName, e.Time.Sub(p.step).Round(time.Second))
	default:
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s %s %s", bar(p.doneSteps, p.steps, 20), e.Time.Sub(p.start).Round(time.Second), truncate(line, 100))
		if e.Type == update.EventReport || e.Type == update.EventPlanFailed || e.Type == update.EventStepPlanned {
			fmt.Fprintln(p.w) // keep what matters on screen
		}
		return
	}
	if line == p.last {
		return
	}
	p.last = line
	fmt.Fprintf(p.w, "%s %s\n", e.Time.UTC().Format(time.RFC3339), line)
}

// done ends the redrawn line.
func (p *progress) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
