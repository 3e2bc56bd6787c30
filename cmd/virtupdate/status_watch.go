package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/update"
)

// defaultWatchInterval is how often --watch reads the cluster.
const defaultWatchInterval = 15 * time.Second

// statusMemory is what a --watch remembers between reads: when it first
// saw each node in its phase, and how long the nodes it saw update took
// (from the first read that found them draining, updating or rebooting to
// the first that found them on the target: for a node already under way at
// the first read, a lower bound).
type statusMemory struct {
	marks     map[string]nodeMark
	started   map[string]time.Time
	counted   map[string]bool
	durations map[string][]time.Duration // by pool
}

type nodeMark struct {
	phase string
	since time.Time
}

func newStatusMemory() *statusMemory {
	return &statusMemory{marks: map[string]nodeMark{}, started: map[string]time.Time{}, counted: map[string]bool{}, durations: map[string][]time.Duration{}}
}

// note records the node's phase at now and gives the node, when it is
// under way and the cluster does not say since when, the time it was first
// seen in that phase. A nil memory (one read, no --watch) does nothing.
func (m *statusMemory) note(pool string, n *nodeStatus, now time.Time) {
	if m == nil {
		return
	}
	mark, ok := m.marks[n.Name]
	if !ok || mark.phase != n.Phase {
		mark = nodeMark{phase: n.Phase, since: now}
		m.marks[n.Name] = mark
	}
	switch n.Phase {
	case phaseDraining, phaseUpdating, phaseRebooting:
		if n.Since.IsZero() {
			n.Since = mark.since
		}
		if _, ok := m.started[n.Name]; !ok {
			m.started[n.Name] = now
		}
	case phaseCompleted:
		if start, ok := m.started[n.Name]; ok && !m.counted[n.Name] {
			m.counted[n.Name] = true
			m.durations[pool] = append(m.durations[pool], now.Sub(start))
		}
	}
}

// nodeDurations are the times the nodes of the pool took, as seen.
func (m *statusMemory) nodeDurations(pool string) []time.Duration {
	if m == nil {
		return nil
	}
	return m.durations[pool]
}

// watchOptions shape a --watch.
type watchOptions struct {
	interval time.Duration
	clock    clock.Clock
	// terminal: redraw the view in place; otherwise write a new view only
	// when it changed.
	terminal bool
	format   string
	text     textOptions
	// html, when set, is the page written after every read.
	html    string
	history *statusHistory
}

// writeHTML writes the status page of the read, when --html asks for it.
func (o watchOptions) writeHTML(r *statusReport) error {
	if o.html == "" {
		return nil
	}
	o.history.observe(r)
	return writeStatusPage(o.html, o.history.page(r))
}

// ANSI control sequences of the in-place redraw.
const (
	cursorHome      = "\x1b[H"
	clearToLineEnd  = "\x1b[K"
	clearToEndOfScr = "\x1b[J"
)

// errUpdateFindings ends a watch that met a finding of severity Error.
var errUpdateFindings = errors.New("the update has findings of severity Error (see Update Health above): fix them, then watch again")

// watchStatus shows the view read by read, every interval on the clock,
// until the update completes (nil: exit 0), a finding of severity Error
// appears (exit 1), the context ends (nil), or the cluster cannot be read
// (exit 3; a passing failure is shown and read again).
//
// On a terminal each view overwrites the last without clearing the screen
// first, so nothing flickers: the cursor goes home, each line is written
// and cleared to its end, then the rest of the screen is cleared. Elsewhere
// (a file, a pipe) a view is written only when what it says changed, the
// durations and ETAs that move with the clock alone aside.
func watchStatus(ctx context.Context, w io.Writer, read func(context.Context) (*statusReport, error), o watchOptions) error {
	var last, lastErr string
	for {
		r, err := read(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, update.ErrTransient):
			if msg := err.Error(); msg != lastErr || o.terminal {
				fmt.Fprintf(w, "reading the cluster failed, reading again in %s: %v\n", o.interval, err)
				lastErr = msg
			}
		case err != nil:
			return clusterError(err)
		default:
			lastErr = ""
			frame, key, err := renderStatus(r, o)
			if err != nil {
				return err
			}
			if err := o.writeHTML(r); err != nil {
				return err
			}
			switch {
			case o.terminal:
				var b strings.Builder
				b.WriteString(cursorHome)
				fmt.Fprintf(&b, "every %s, read at %s%s\n", o.interval, r.Observed.Format("15:04:05"), clearToLineEnd)
				for line := range strings.Lines(frame) {
					b.WriteString(strings.TrimSuffix(line, "\n") + clearToLineEnd + "\n")
				}
				b.WriteString(clearToEndOfScr)
				if _, err := io.WriteString(w, b.String()); err != nil {
					return err
				}
			case key != last:
				if last != "" && o.format == outputYAML {
					io.WriteString(w, "---\n")
				} else if last != "" && o.format == outputText {
					fmt.Fprintf(w, "\n--- %s\n", r.Observed.Format(time.RFC3339))
				}
				if _, err := io.WriteString(w, frame); err != nil {
					return err
				}
			}
			last = key
			if r.hasError() {
				return &exitError{code: exitBlocked, err: errUpdateFindings}
			}
			if !r.Updating {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-o.clock.After(o.interval):
		}
	}
}

// renderStatus renders the report in the format and returns it with its
// key: the text view without what changes with the clock alone.
func renderStatus(r *statusReport, o watchOptions) (frame, key string, err error) {
	var f, k bytes.Buffer
	stable := o.text
	stable.stable = true
	if err := writeStatusText(&k, r, stable); err != nil {
		return "", "", err
	}
	if o.format == outputText {
		err = writeStatusText(&f, r, o.text)
	} else {
		err = writeData(o.format, &f, r)
	}
	return f.String(), k.String(), err
}
