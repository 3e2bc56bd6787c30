package window

import (
	"testing"
	"time"
)

// The windows follow kured's --reboot-days/--start-time/--end-time/
// --time-zone (kured: pkg/timewindow/timewindow.go TimeWindow.Contains,
// pkg/timewindow/days.go) and system-upgrade-controller's Plan spec.window
// (system-upgrade-controller: pkg/apis/upgrade.cattle.io/v1/types.go
// TimeWindowSpec, gating Job creation in pkg/upgrade/handle_upgrade.go).
// Where we differ, the case says so.

func TestWindowAcrossMidnight(t *testing.T) {
	weeknights := mustParse(t, "Mon-Fri 22:00-05:00 Europe/Berlin")
	runOpenCases(t, []openCase{
		{name: "saturday 03:00 is friday's night", gate: weeknights,
			at: "2026-03-07T03:00:00+01:00", open: true, next: "2026-03-07T05:00:00+01:00",
			reason: "a window belongs to the day it starts: Friday 22:00-05:00 is open on Saturday at 03:00 though Saturday is not listed (kured checks the instant's day and says closed: TimeWindow.Contains returns false when !days.Contains(loctime.Weekday()))"},
		{name: "monday 03:00 would be sunday's night", gate: weeknights,
			at: "2026-03-09T03:00:00+01:00", open: false, next: "2026-03-09T22:00:00+01:00",
			reason: "Sunday is not a start day, so Monday's small hours are closed (kured says open: it checks Monday and moves the start back 24h)"},
		{name: "monday noon", gate: weeknights,
			at: "2026-03-09T12:00:00+01:00", open: false, next: "2026-03-09T22:00:00+01:00",
			reason: "closed during the day; the next window opens the same evening"},
		{name: "start is inside", gate: weeknights,
			at: "2026-03-06T22:00:00+01:00", open: true, next: "2026-03-07T05:00:00+01:00",
			reason: "an occurrence includes its start"},
		{name: "just before the start", gate: weeknights,
			at: "2026-03-06T21:59:59.999999999+01:00", open: false, next: "2026-03-06T22:00:00+01:00",
			reason: "the next opening is the start itself, a nanosecond on"},
		{name: "end is outside", gate: weeknights,
			at: "2026-03-07T05:00:00+01:00", open: false, next: "2026-03-09T22:00:00+01:00",
			reason: "an occurrence excludes its end (kured includes the whole last second); after Friday's night the next is Monday's"},
		{name: "saturday evening", gate: weeknights,
			at: "2026-03-07T22:30:00+01:00", open: false, next: "2026-03-09T22:00:00+01:00",
			reason: "Saturday is not a start day"},
		{name: "nights do not chain", gate: weeknights,
			at: "2026-03-10T23:00:00+01:00", open: true, next: "2026-03-11T05:00:00+01:00",
			reason: "Tuesday's night closes Wednesday 05:00, long before Wednesday's opens"},
		{name: "asked in UTC", gate: weeknights,
			at: "2026-03-07T02:00:00Z", open: true, next: "2026-03-07T04:00:00Z",
			reason: "the instant counts, not the zone it is written in: 02:00Z is 03:00 in Berlin"},
	})
}

// kured's own cases for a window of two minutes around midnight
// (kured: pkg/timewindow/timewindow_test.go, "11:59pm" to "00:01am"),
// answered by the start-day rule.
func TestWindowStartDayUnlikeKured(t *testing.T) {
	monThu := mustParse(t, "Mon-Thu 23:59-00:01 America/Los_Angeles")
	monWedFri := mustParse(t, "Mon,Tue,Wed,Fri 23:59-00:01 America/Los_Angeles")
	runOpenCases(t, []openCase{
		{name: "thursday 23:59, thursday listed", gate: monThu,
			at: "2019-04-04T23:59:00-07:00", open: true, next: "2019-04-05T00:01:00-07:00",
			reason: "kured agrees: open"},
		{name: "friday 00:00, thursday listed", gate: monThu,
			at: "2019-04-05T00:00:00-07:00", open: true, next: "2019-04-05T00:01:00-07:00",
			reason: "Thursday's window runs to Friday 00:01; kured says closed because Friday is not listed"},
		{name: "thursday 23:59, thursday not listed", gate: monWedFri,
			at: "2019-04-04T23:59:00-07:00", open: false, next: "2019-04-05T23:59:00-07:00",
			reason: "kured agrees: closed; the next start day is Friday"},
		{name: "friday 00:00, thursday not listed", gate: monWedFri,
			at: "2019-04-05T00:00:00-07:00", open: false, next: "2019-04-05T23:59:00-07:00",
			reason: "Friday 00:00 is Thursday's night, not Friday's; kured says open because Friday is listed"},
	})
}

func TestWindowDSTLengths(t *testing.T) {
	nightly := mustParse(t, "22:00-05:00 Europe/Berlin")
	nightlyDur := mustParse(t, "22:00+7h Europe/Berlin")
	sunday := mustParse(t, "Sun 00:00+24h Europe/Berlin")
	nyNightly := mustParse(t, "22:00-05:00 America/New_York")
	runOpenCases(t, []openCase{
		{name: "spring forward night is 6h", gate: nightly,
			at: "2026-03-28T23:00:00+01:00", open: true, next: "2026-03-29T05:00:00+02:00",
			reason: "the window ends at 05:00 on the clock; the clocks skip 02:00-03:00, so it is open 6 elapsed hours (22:00 CET to 05:00 CEST)"},
		{name: "spring forward night by duration", gate: nightlyDur,
			at: "2026-03-28T23:00:00+01:00", open: true, next: "2026-03-29T05:00:00+02:00",
			reason: "Duration is wall-clock time: 22:00+7h is the same window as 22:00-05:00"},
		{name: "after spring forward", gate: nightly,
			at: "2026-03-29T05:00:00+02:00", open: false, next: "2026-03-29T22:00:00+02:00",
			reason: "closed at 05:00 CEST; the next night opens at 22:00 CEST"},
		{name: "fall back night is 8h", gate: nightly,
			at: "2026-10-24T22:00:00+02:00", open: true, next: "2026-10-25T05:00:00+01:00",
			reason: "the clocks repeat 02:00-03:00, so it is open 8 elapsed hours (22:00 CEST to 05:00 CET)"},
		{name: "fall back night, second 02:30", gate: nightly,
			at: "2026-10-25T02:30:00+01:00", open: true, next: "2026-10-25T05:00:00+01:00",
			reason: "both 02:30s lie inside 22:00-05:00"},
		{name: "fall back night by duration", gate: nightlyDur,
			at: "2026-10-25T02:30:00+01:00", open: true, next: "2026-10-25T05:00:00+01:00",
			reason: "Duration is wall-clock time, not 7 elapsed hours (that would end at 04:00 CET)"},
		{name: "spring forward sunday is 23h", gate: sunday,
			at: "2026-03-29T12:00:00+02:00", open: true, next: "2026-03-30T00:00:00+02:00",
			reason: "00:00+24h is the calendar day: 23 elapsed hours on the day the clocks spring forward"},
		{name: "fall back sunday is 25h", gate: sunday,
			at: "2026-10-25T23:30:00+01:00", open: true, next: "2026-10-26T00:00:00+01:00",
			reason: "and 25 elapsed hours when they fall back; it still closes at midnight on the clock"},
		{name: "new york spring forward night", gate: nyNightly,
			at: "2026-03-07T22:00:00-05:00", open: true, next: "2026-03-08T05:00:00-04:00",
			reason: "America/New_York springs forward on 2026-03-08 at 02:00: 6 elapsed hours"},
		{name: "new york fall back night", gate: nyNightly,
			at: "2026-11-01T01:30:00-05:00", open: true, next: "2026-11-01T05:00:00-05:00",
			reason: "America/New_York falls back on 2026-11-01 at 02:00: the second 01:30 is inside, and the night is 8 elapsed hours"},
	})
}

func TestWindowStartInSpringGap(t *testing.T) {
	berlin := mustParse(t, "Sun 02:30+1h Europe/Berlin")
	ny := mustParse(t, "Sun 02:30-04:00 America/New_York")
	inGap := mustParse(t, "Sun 02:00-02:30 Europe/Berlin")
	runOpenCases(t, []openCase{
		{name: "berlin 02:30 does not exist", gate: berlin,
			at: "2026-03-29T01:59:00+01:00", open: false, next: "2026-03-29T03:00:00+02:00",
			reason: "the clocks jump from 02:00 to 03:00; the first instant the clock shows 02:30 or later is 03:00 CEST, so the window opens there (not at 03:30, an hour after the missing time, as time.Date would give)"},
		{name: "berlin gap window ends on the clock", gate: berlin,
			at: "2026-03-29T03:15:00+02:00", open: true, next: "2026-03-29T03:30:00+02:00",
			reason: "it still ends at 02:30+1h = 03:30 on the clock: 30 elapsed minutes that day"},
		{name: "berlin normal sunday", gate: berlin,
			at: "2026-03-22T02:45:00+01:00", open: true, next: "2026-03-22T03:30:00+01:00",
			reason: "on other Sundays 02:30 exists"},
		{name: "new york 02:30 does not exist", gate: ny,
			at: "2026-03-08T01:00:00-05:00", open: false, next: "2026-03-08T03:00:00-04:00",
			reason: "America/New_York jumps from 02:00 EST to 03:00 EDT; the window opens at the jump"},
		{name: "window lost in the gap", gate: inGap,
			at: "2026-03-28T12:00:00+01:00", open: false, next: "2026-04-05T02:00:00+02:00",
			reason: "02:00-02:30 never shows on the clock on 2026-03-29, so that Sunday has no window; the next is a week later, 8 days on"},
		{name: "two weeks to the next window", gate: inGap,
			at: "2026-03-22T02:45:00+01:00", open: false, next: "2026-04-05T02:00:00+02:00",
			reason: "from just after one Sunday's window, the lost one makes the next opening 14 days away; the search covers 15 (Horizon)"},
		{name: "lost window, normal sunday before", gate: inGap,
			at: "2026-03-22T02:15:00+01:00", open: true, next: "2026-03-22T02:30:00+01:00",
			reason: "on other Sundays it happens"},
	})
}

func TestWindowStartInFallBackRepeat(t *testing.T) {
	berlin := mustParse(t, "Sun 02:30+1h Europe/Berlin")
	ny := mustParse(t, "Sun 01:30+1h America/New_York")
	berlinEnd := mustParse(t, "Sat 22:00-02:30 Europe/Berlin")
	nyEnd := mustParse(t, "Sat 22:00-01:30 America/New_York")
	runOpenCases(t, []openCase{
		{name: "berlin opens at the first 02:30", gate: berlin,
			at: "2026-10-25T02:29:00+02:00", open: false, next: "2026-10-25T02:30:00+02:00",
			reason: "02:30 occurs twice (CEST, then CET); a boundary is the first instant the clock shows it (time.Date picks the second for Berlin)"},
		{name: "berlin window holds the repeated hour", gate: berlin,
			at: "2026-10-25T02:45:00+01:00", open: true, next: "2026-10-25T03:30:00+01:00",
			reason: "from the first 02:30 to 03:30 on the clock: 2 elapsed hours"},
		{name: "new york opens at the first 01:30", gate: ny,
			at: "2026-11-01T01:00:00-04:00", open: false, next: "2026-11-01T01:30:00-04:00",
			reason: "01:30 occurs twice (EDT, then EST); the window opens at the first"},
		{name: "new york window holds the repeated hour", gate: ny,
			at: "2026-11-01T01:45:00-05:00", open: true, next: "2026-11-01T02:30:00-05:00",
			reason: "it ends at 02:30 EST: 2 elapsed hours"},
		{name: "berlin end at the first 02:30", gate: berlinEnd,
			at: "2026-10-25T02:15:00+02:00", open: true, next: "2026-10-25T02:30:00+02:00",
			reason: "an end that occurs twice is its first occurrence"},
		{name: "berlin closed when 02:15 comes again", gate: berlinEnd,
			at: "2026-10-25T02:15:00+01:00", open: false, next: "2026-10-31T22:00:00+01:00",
			reason: "the clock shows 02:15 again, but it has shown the end already: the window is over (errs on closed)"},
		{name: "new york closed when 01:15 comes again", gate: nyEnd,
			at: "2026-11-01T01:15:00-05:00", open: false, next: "2026-11-07T22:00:00-05:00",
			reason: "the same rule in America/New_York"},
	})
}

func TestWindowLongAndOverlapping(t *testing.T) {
	runOpenCases(t, []openCase{
		{name: "48h window on its second day", gate: mustParse(t, "Sat 00:00+48h Europe/Berlin"),
			at: "2026-03-08T23:59:00+01:00", open: true, next: "2026-03-09T00:00:00+01:00",
			reason: "a window may last more than a day; it belongs to Saturday and covers Sunday"},
		{name: "touching days are one stretch", gate: mustParse(t, "Sat,Sun 00:00+24h Europe/Berlin"),
			at: "2026-03-07T10:00:00+01:00", open: true, next: "2026-03-09T00:00:00+01:00",
			reason: "Saturday's window ends when Sunday's starts; Open reports the end of the stretch, Monday 00:00"},
		{name: "overlapping days are one stretch", gate: mustParse(t, "Mon,Tue 00:00+36h UTC"),
			at: "2026-03-09T06:00:00Z", open: true, next: "2026-03-11T12:00:00Z",
			reason: "Monday's window (to Tuesday 12:00) overlaps Tuesday's (to Wednesday 12:00)"},
		{name: "a gap between long windows", gate: mustParse(t, "Mon,Wed 00:00+36h UTC"),
			at: "2026-03-10T13:00:00Z", open: false, next: "2026-03-11T00:00:00Z",
			reason: "Monday's ends Tuesday 12:00, Wednesday's starts Wednesday 00:00"},
		{name: "a chain through the week", gate: mustParse(t, "Mon,Thu 00:00+72h UTC"),
			at: "2026-03-09T10:00:00Z", open: true, next: "2026-03-15T00:00:00Z",
			reason: "Monday's reaches Thursday 00:00, Thursday's Sunday 00:00; closed only on Sunday"},
		{name: "every day for 24h", gate: mustParse(t, "00:00+24h Europe/Berlin"),
			at: "2026-03-29T02:30:00+02:00", open: true, next: "",
			reason: "each day's window ends as the next starts, on the clock, even across a DST change: never closes"},
		{name: "one day for a week", gate: mustParse(t, "Mon 00:00+168h Europe/Berlin"),
			at: "2026-10-25T02:30:00+01:00", open: true, next: "",
			reason: "a week-long weekly window never closes"},
		{name: "two days covering the week", gate: mustParse(t, "Mon,Thu 00:00+96h UTC"),
			at: "2026-03-15T10:00:00Z", open: true, next: "",
			reason: "the longest gap between start days is 4 days and the window lasts 4 days"},
		{name: "no days is every day", gate: mustParse(t, "01:00-03:00 UTC"),
			at: "2026-03-15T02:00:00Z", open: true, next: "2026-03-15T03:00:00Z",
			reason: "omitted days mean every day (kured's --reboot-days default)"},
	})
}

func TestWindowZeroAndInvalid(t *testing.T) {
	hour := time.Hour
	runOpenCases(t, []openCase{
		{name: "nil location is UTC", gate: Window{Start: TimeOfDay{Hour: 1}, Duration: hour},
			at: "2026-03-15T01:30:00Z", open: true, next: "2026-03-15T02:00:00Z",
			reason: "system-upgrade-controller: \"if not specified UTC will be used\""},
		{name: "zero window", gate: Window{},
			at: "2026-03-15T01:30:00Z", open: false, next: "",
			reason: "a zero Duration is invalid; an invalid window is never open"},
		{name: "negative duration", gate: Window{Duration: -hour},
			at: "2026-03-15T01:30:00Z", open: false, next: "",
			reason: "invalid: never open"},
		{name: "a day that is not a weekday", gate: Window{Days: []time.Weekday{time.Monday, 9}, Duration: hour},
			at: "2026-03-16T00:30:00Z", open: false, next: "",
			reason: "invalid even though Monday is valid: a typo must not widen or shift the window"},
		{name: "longer than a week", gate: Window{Duration: MaxDuration + time.Second},
			at: "2026-03-15T01:30:00Z", open: false, next: "",
			reason: "invalid (Validate says at most a week): never open, though such a window would cover all time"},
		{name: "start hour out of range", gate: Window{Start: TimeOfDay{Hour: 25}, Duration: hour},
			at: "2026-03-16T00:30:00Z", open: false, next: "",
			reason: "invalid: never open"},
		{name: "a fixed zone", gate: Window{Start: TimeOfDay{Hour: 1}, Duration: hour, Location: time.FixedZone("UTC+1", 3600)},
			at: "2026-03-15T00:30:00Z", open: true, next: "2026-03-15T01:00:00Z",
			reason: "a zone with no transitions works too: 01:00+01:00 is 00:00Z"},
		{name: "empty days slice", gate: Window{Days: []time.Weekday{}, Start: TimeOfDay{Hour: 23}, Duration: 2 * hour},
			at: "2026-03-16T00:30:00Z", open: true, next: "2026-03-16T01:00:00Z",
			reason: "an empty slice is every day, like nil"},
		{name: "before year 1", gate: Window{Duration: hour},
			at: "0000-06-01T00:30:00Z", open: false, next: "",
			reason: "instants outside years 1-9999 are never open"},
		{name: "year 9999", gate: Window{Duration: hour},
			at: "9999-12-31T00:30:00Z", open: true, next: "9999-12-31T01:00:00Z",
			reason: "the last day of year 9999 still has its window"},
	})
}

func TestWindowResultsInItsZone(t *testing.T) {
	w := mustParse(t, "Mon-Fri 22:00-05:00 Europe/Berlin")
	_, next := w.Open(ts(t, "2026-03-09T11:00:00Z"))
	if got := next.Location().String(); got != "Europe/Berlin" {
		t.Errorf("next is in %s; want Europe/Berlin, the window's zone, so it prints as the operator wrote it", got)
	}
}

// TestWindowWalkYear follows a window through 2026 by its own answers, as a
// runner waiting for it would: every answer moves forward, open and closed
// alternate, and the night lengths change only on the DST nights.
func TestWindowWalkYear(t *testing.T) {
	tests := []struct {
		window   string
		openings int
		lengths  map[time.Duration]int
		reason   string
	}{
		{"22:00-05:00 Europe/Berlin", 365, map[time.Duration]int{7 * time.Hour: 363, 6 * time.Hour: 1, 8 * time.Hour: 1},
			"every night opens once, 7 elapsed hours but for 6 on 2026-03-28 and 8 on 2026-10-24"},
		{"Mon-Fri 22:00-05:00 Europe/Berlin", 261, map[time.Duration]int{7 * time.Hour: 261},
			"2026 has 261 weekdays; the DST nights are Saturday nights"},
		{"Sat,Sun 00:00+24h America/New_York", 52, map[time.Duration]int{48 * time.Hour: 50, 47 * time.Hour: 1, 49 * time.Hour: 1},
			"each weekend is one stretch (2026-01-03 to 2026-12-26 Saturdays): 48 elapsed hours, 47 on 2026-03-07 and 49 on 2026-10-31"},
		{"Sun 02:00-02:30 Europe/Berlin", 51, map[time.Duration]int{30 * time.Minute: 51},
			"52 Sundays less the one whose window falls in the spring gap"},
	}
	for _, tc := range tests {
		t.Run(tc.window, func(t *testing.T) {
			w := mustParse(t, tc.window)
			from := time.Date(2026, 1, 1, 0, 0, 0, 0, w.Location)
			to := time.Date(2027, 1, 1, 0, 0, 0, 0, w.Location)
			lengths := map[time.Duration]int{}
			openings := 0
			cur := from
			wasOpen, next := w.Open(cur)
			var opened time.Time
			for steps := 0; cur.Before(to); steps++ {
				if steps > 10000 {
					t.Fatal("walk does not end")
				}
				if next.IsZero() || !next.After(cur) {
					t.Fatalf("Open(%s) = %v, %s: next must be after t", fmtTime(cur), wasOpen, fmtTime(next))
				}
				cur = next
				open, n := w.Open(cur)
				if open == wasOpen {
					t.Fatalf("at %s open stayed %v: next must be where it changes", fmtTime(cur), open)
				}
				if open {
					opened = cur
					if cur.Before(to) {
						openings++
					}
				} else if !opened.IsZero() && opened.Before(to) {
					lengths[cur.Sub(opened)]++
				}
				wasOpen, next = open, n
			}
			if openings != tc.openings {
				t.Errorf("%d openings in 2026; want %d (%s)", openings, tc.openings, tc.reason)
			}
			for d, n := range tc.lengths {
				if lengths[d] != n {
					t.Errorf("%d stretches of %s; want %d; all: %v (%s)", lengths[d], d, n, lengths, tc.reason)
				}
			}
		})
	}
}

func TestWindowOpenDoesNotAllocate(t *testing.T) {
	w := mustParse(t, "Mon-Fri 22:00-05:00 Europe/Berlin")
	at := ts(t, "2026-03-29T02:30:00+02:00")
	allocs := testing.AllocsPerRun(100, func() { w.Open(at) })
	if allocs != 0 {
		t.Errorf("Window.Open allocates %v times per call; want 0 (a runner asks on every pass)", allocs)
	}
}
