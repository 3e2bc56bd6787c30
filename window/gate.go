package window

import "time"

// Gate says when work may start. Open reports whether t is inside the gate
// and, with it, the next instant at which that changes:
//
//   - open: next is when it closes, the first instant after t that is not
//     open; the zero time means it never closes.
//   - closed: next is when it opens, the first instant after t that is
//     open; the zero time means it never opens.
//
// A non-zero next is always strictly after t, so asking again at next always
// makes progress. Implementations must be pure and deterministic: the answer
// depends on t alone, never on the wall clock or on earlier calls.
//
// A gate decides when work may start, not when it must stop: work started
// inside a gate may run past its close.
type Gate interface {
	Open(t time.Time) (open bool, next time.Time)
}

// GateFunc adapts a function to a [Gate]. A nil GateFunc is never open.
type GateFunc func(t time.Time) (open bool, next time.Time)

// Open calls f(t).
func (f GateFunc) Open(t time.Time) (bool, time.Time) {
	if f == nil {
		return false, time.Time{}
	}
	return f(t)
}

// Always is the gate that is always open and never closes. It is the
// default for callers that configure no window.
type Always struct{}

// Open reports true and the zero time (never closes).
func (Always) Open(time.Time) (bool, time.Time) { return true, time.Time{} }

// Any is the union of its gates: open when any of them is open.
//
// Closed, it opens at the earliest opening of its members. Open, it closes
// at the end of the contiguous stretch its members cover together: where an
// open member closes while another is open (or opens at that very instant),
// the union stays open until that one closes too, and so on.
//
// Any follows such a chain for at most [Horizon] past t. A union still open
// then is reported as never closing (the zero time); for members that repeat
// every week ([Window], [Always] and unions of them) that is exact, since two
// weeks of contiguous open time contain a whole period. A [GateFunc] member
// that does not repeat weekly may in fact close later than that.
//
// An empty Any is never open. A nil member is never open.
type Any []Gate

// Horizon is how far past t [Any] follows a chain of overlapping members
// and how far a [Window] looks for its next opening: two weeks, so that a
// weekly occurrence lost to a daylight-saving gap is followed by the next
// one, and a day more.
const Horizon = 15 * 24 * time.Hour

// maxChainSteps bounds the members' answers Any follows while open, against
// members that advance by tiny steps.
const maxChainSteps = 4096

// Open reports whether any member is open at t, and when the union closes
// or opens.
func (a Any) Open(t time.Time) (bool, time.Time) {
	open, next := a.at(t)
	if !open || next.IsZero() {
		return open, next
	}
	horizon := t.Add(Horizon)
	for range maxChainSteps {
		if next.After(horizon) {
			return true, time.Time{}
		}
		o, n := a.at(next)
		if !o {
			return true, next
		}
		if n.IsZero() {
			return true, time.Time{}
		}
		if !n.After(next) {
			// A member broke the contract (its close is not after the
			// instant asked); stop here rather than loop.
			return true, next
		}
		next = n
	}
	// Still open after many steps: next is an instant the union is known to
	// reach open; report it, the caller asks again then.
	return true, next
}

// at evaluates the members at one instant: open when any is open, then the
// latest close among the open ones (zero when one never closes); closed,
// the earliest opening (zero when none ever opens).
func (a Any) at(t time.Time) (bool, time.Time) {
	var (
		open    bool
		forever bool
		close   time.Time
		opens   time.Time
	)
	for _, g := range a {
		if g == nil {
			continue
		}
		o, n := g.Open(t)
		switch {
		case o && n.IsZero():
			open, forever = true, true
		case o:
			if !open || n.After(close) {
				close = n
			}
			open = true
		case !n.IsZero() && (opens.IsZero() || n.Before(opens)):
			opens = n
		}
	}
	switch {
	case forever:
		return true, time.Time{}
	case open:
		return true, close
	default:
		return false, opens
	}
}

var (
	_ Gate = Window{}
	_ Gate = Always{}
	_ Gate = Any(nil)
	_ Gate = GateFunc(nil)
)
