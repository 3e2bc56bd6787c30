package window

import (
	"testing"
	"time"
)

func TestAlwaysAndGateFunc(t *testing.T) {
	noon := func(t time.Time) (bool, time.Time) {
		d := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
		if t.Before(d) {
			return false, d
		}
		return true, d.Add(time.Hour)
	}
	runOpenCases(t, []openCase{
		{name: "always", gate: Always{}, at: "2026-03-09T03:00:00Z", open: true, next: "",
			reason: "Always is open and never closes: the default when no window is configured"},
		{name: "func", gate: GateFunc(noon), at: "2026-03-09T03:00:00Z", open: false, next: "2026-03-09T12:00:00Z",
			reason: "GateFunc calls the function"},
		{name: "nil func", gate: GateFunc(nil), at: "2026-03-09T03:00:00Z", open: false, next: "",
			reason: "a nil GateFunc is never open rather than a panic"},
	})
}

func TestAny(t *testing.T) {
	w := func(s string) Gate { return mustParse(t, s) }
	runOpenCases(t, []openCase{
		{name: "empty", gate: Any{}, at: "2026-03-09T21:00:00Z", open: false, next: "",
			reason: "the union of nothing is never open"},
		{name: "nil member", gate: Any{nil}, at: "2026-03-09T21:00:00Z", open: false, next: "",
			reason: "a nil member is never open"},
		{name: "with always", gate: Any{w("Mon 20:00-22:00 UTC"), Always{}}, at: "2026-03-09T21:00:00Z", open: true, next: "",
			reason: "a member that never closes keeps the union open"},
		{name: "earliest opening", gate: Any{w("Wed 20:00-22:00 UTC"), w("Tue 20:00-22:00 UTC"), nil}, at: "2026-03-09T12:00:00Z", open: false, next: "2026-03-10T20:00:00Z",
			reason: "closed, the union opens at its members' earliest opening, whatever their order"},
		{name: "overlap extends", gate: Any{w("Mon 22:00-02:00 UTC"), w("Tue 01:00-04:00 UTC")}, at: "2026-03-09T23:00:00Z", open: true, next: "2026-03-10T04:00:00Z",
			reason: "the first closes at 02:00 while the second is open since 01:00: the union stays open to 04:00"},
		{name: "touching extends", gate: Any{w("Mon 20:00-22:00 UTC"), w("Mon 22:00-23:00 UTC")}, at: "2026-03-09T21:00:00Z", open: true, next: "2026-03-09T23:00:00Z",
			reason: "the second opens the instant the first closes: one stretch"},
		{name: "a minute apart", gate: Any{w("Mon 20:00-22:00 UTC"), w("Mon 22:01-23:00 UTC")}, at: "2026-03-09T21:00:00Z", open: true, next: "2026-03-09T22:00:00Z",
			reason: "a closed minute between them ends the stretch"},
		{name: "latest contiguous, not latest", gate: Any{w("Mon 20:00-21:00 UTC"), w("Mon 20:30-22:00 UTC"), w("Tue 10:00-12:00 UTC")}, at: "2026-03-09T20:15:00Z", open: true, next: "2026-03-09T22:00:00Z",
			reason: "Tuesday's window closes later but is not contiguous"},
		{name: "a later member opening after the close", gate: Any{w("Mon 20:00-21:00 UTC"), w("Mon 21:30-23:00 UTC")}, at: "2026-03-09T20:30:00Z", open: true, next: "2026-03-09T21:00:00Z",
			reason: "the union closes at 21:00 and reopens at 21:30"},
		{name: "a chain of three", gate: Any{w("Mon 20:00-21:00 UTC"), w("Mon 22:00-23:00 UTC"), w("Mon 20:30-22:00 UTC")}, at: "2026-03-09T20:15:00Z", open: true, next: "2026-03-09T23:00:00Z",
			reason: "the chain is followed from each close to the next member open there"},
		{name: "zones with different DST dates", gate: Any{w("Mon 22:00-23:00 Europe/Berlin"), w("Mon 16:00-17:30 America/New_York")}, at: "2026-03-16T20:30:00Z", open: true, next: "2026-03-16T22:00:00Z",
			reason: "on 2026-03-16 New York is on EDT and Berlin still on CET: 16:00-17:30 EDT (20:00-21:30Z) overlaps 22:00-23:00 CET (21:00-22:00Z)"},
		{name: "same windows a week earlier", gate: Any{w("Mon 22:00-23:00 Europe/Berlin"), w("Mon 16:00-17:30 America/New_York")}, at: "2026-03-02T21:10:00Z", open: true, next: "2026-03-02T22:30:00Z",
			reason: "on 2026-03-02 both are on standard time: 21:00-22:00Z and 21:00-22:30Z"},
		{name: "a union open forever", gate: Any{w("00:00-12:00 UTC"), w("12:00-24:00 UTC")}, at: "2026-03-09T10:00:00Z", open: true, next: "",
			reason: "day and night windows cover all time; after Horizon of contiguous open time the union is reported as never closing"},
		{name: "nested", gate: Any{Any{w("Mon 20:00-21:00 UTC")}, Any{w("Mon 21:00-22:00 UTC")}}, at: "2026-03-09T20:30:00Z", open: true, next: "2026-03-09T22:00:00Z",
			reason: "an Any is a Gate and composes"},
	})
}

// A member that breaks the contract (open, with a close that is not after
// t) must not make the union loop.
func TestAnyStopsOnBrokenMember(t *testing.T) {
	stuck := GateFunc(func(t time.Time) (bool, time.Time) { return true, t })
	at := ts(t, "2026-03-09T20:30:00Z")
	open, next := Any{stuck}.Open(at)
	if !open || !next.Equal(at) {
		t.Errorf("Open = %v, %s; want true and the member's own close", open, fmtTime(next))
	}
}

func TestAnyOpenDoesNotAllocate(t *testing.T) {
	a := Any{mustParse(t, "Mon-Fri 22:00-05:00 Europe/Berlin"), mustParse(t, "Sat,Sun 00:00+24h Europe/Berlin")}
	at := ts(t, "2026-03-06T23:00:00+01:00")
	if allocs := testing.AllocsPerRun(100, func() { a.Open(at) }); allocs != 0 {
		t.Errorf("Any.Open allocates %v times per call; want 0", allocs)
	}
}
