package window

import (
	"fmt"
	"testing"
	"time"
)

// wallOf returns the local-seconds count of a reading of loc's clock.
func wallOf(y int, m time.Month, d, hh, mm int) int64 {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC).Unix()
}

func TestResolve(t *testing.T) {
	berlin, ny, lordHowe, apia := zone(t, "Europe/Berlin"), zone(t, "America/New_York"), zone(t, "Australia/Lord_Howe"), zone(t, "Pacific/Apia")
	tests := []struct {
		name   string
		loc    *time.Location
		wall   int64
		want   string
		reason string
	}{
		{"ordinary", berlin, wallOf(2026, 3, 7, 3, 0), "2026-03-07T03:00:00+01:00",
			"a reading that occurs once is that instant"},
		{"berlin spring gap", berlin, wallOf(2026, 3, 29, 2, 30), "2026-03-29T03:00:00+02:00",
			"02:30 is skipped; the first instant showing 02:30 or later is the jump to 03:00 CEST"},
		{"berlin gap start", berlin, wallOf(2026, 3, 29, 2, 0), "2026-03-29T03:00:00+02:00",
			"02:00 itself is skipped too (the clock goes from 01:59:59 to 03:00)"},
		{"berlin gap end", berlin, wallOf(2026, 3, 29, 3, 0), "2026-03-29T03:00:00+02:00",
			"03:00 exists; the gap reading and 03:00 map to the same instant"},
		{"berlin fall repeat", berlin, wallOf(2026, 10, 25, 2, 30), "2026-10-25T02:30:00+02:00",
			"02:30 occurs twice; the first occurrence is CEST"},
		{"berlin fall after repeat", berlin, wallOf(2026, 10, 25, 3, 0), "2026-10-25T03:00:00+01:00",
			"03:00 occurs once, after the repeated hour"},
		{"new york spring gap", ny, wallOf(2026, 3, 8, 2, 30), "2026-03-08T03:00:00-04:00",
			"America/New_York skips 02:00-03:00 on 2026-03-08"},
		{"new york fall repeat", ny, wallOf(2026, 11, 1, 1, 30), "2026-11-01T01:30:00-04:00",
			"America/New_York repeats 01:00-02:00 on 2026-11-01; first is EDT"},
		{"lord howe half-hour gap", lordHowe, wallOf(2026, 10, 4, 2, 15), "2026-10-04T02:30:00+11:00",
			"Australia/Lord_Howe moves its clocks by 30 minutes, from 02:00 to 02:30"},
		{"apia skipped day", apia, wallOf(2011, 12, 30, 12, 0), "2011-12-31T00:00:00+14:00",
			"Samoa skipped Friday 2011-12-30 entirely; every reading of that day is the start of Saturday"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.wall, 0, tc.loc)
			if want := ts(t, tc.want); !got.Equal(want) {
				t.Errorf("resolve = %s; want %s (%s)", fmtTime(got), fmtTime(want), tc.reason)
			}
		})
	}
}

// firstShowing finds, by scanning a minute at a time, the first instant at
// which loc's clock reads wall or later. Exact when the zone's transitions
// and wall fall on whole minutes.
func firstShowing(wall int64, loc *time.Location) int64 {
	for u := wall - 15*3600; u <= wall+15*3600; u += 60 {
		if localSeconds(time.Unix(u, 0), loc) >= wall {
			return u
		}
	}
	panic(fmt.Sprintf("no instant shows %d", wall))
}

// TestResolveAgainstScan checks resolve around every transition from 2000
// to 2030 of zones with unusual rules against a brute-force scan.
func TestResolveAgainstScan(t *testing.T) {
	zones := []string{
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Pacific/Chatham",
		"America/Sao_Paulo", "Europe/Dublin", "Antarctica/Troll", "America/St_Johns", "Africa/Casablanca",
		"Asia/Tehran", "Asia/Kolkata", "UTC",
	}
	end := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	checked := 0
	for _, name := range zones {
		loc := zone(t, name)
		cur := time.Date(2000, 1, 1, 0, 0, 0, 0, loc)
		for range 1000 {
			_, zoneEnd := cur.ZoneBounds()
			if zoneEnd.IsZero() || zoneEnd.After(end) {
				break
			}
			_, before := zoneEnd.Add(-time.Second).Zone()
			_, after := zoneEnd.Zone()
			T := zoneEnd.Unix()
			cur = zoneEnd
			if T%60 != 0 {
				continue
			}
			b, a := T+int64(before), T+int64(after)
			for _, wall := range []int64{b - 3600, b - 60, b, a - 60, a, (a + b) / 2 / 60 * 60, max(a, b) + 3600} {
				want := firstShowing(wall, loc)
				if got := resolve(wall, 0, loc); got.Unix() != want {
					t.Errorf("%s: resolve(%s) = %s; the scan says %s", name,
						time.Unix(wall, 0).UTC().Format("2006-01-02 15:04 (wall)"), fmtTime(got), fmtTime(time.Unix(want, 0).In(loc)))
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Errorf("checked only %d readings; the zone walk is broken", checked)
	}
}

func TestResolveKeepsNanoseconds(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	got := resolve(wallOf(2026, 3, 7, 3, 0), 500, berlin)
	if got.Nanosecond() != 500 {
		t.Errorf("resolve dropped the nanoseconds: %s", fmtTime(got))
	}
}

func TestWeekdayOf(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC),
	} {
		if got := weekdayOf(floorDiv(d.Unix(), secondsPerDay)); got != d.Weekday() {
			t.Errorf("weekdayOf(%s) = %s; want %s (days before 1970 count down)", d.Format(time.DateOnly), got, d.Weekday())
		}
	}
}

// TestTimeDateIsNotEnough pins what the standard library does with readings
// in a gap or an overlap, the reason resolve exists: time.Date's choice
// differs between zones, and in New York it would open a window at 02:30
// an hour before the clocks jump. If this ever changes, the package doc's
// claim about time.Date must change with it.
func TestTimeDateIsNotEnough(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	tests := []struct {
		name     string
		loc      *time.Location
		y        int
		m        time.Month
		d, hh    int
		timeDate string
		resolved string
		reason   string
	}{
		{"berlin gap", berlin, 2026, 3, 29, 2, "2026-03-29T03:30:00+02:00", "2026-03-29T03:00:00+02:00",
			"time.Date goes an hour past the jump; resolve takes the jump"},
		{"new york gap", ny, 2026, 3, 8, 2, "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00",
			"time.Date goes back before the jump, where the clock shows 01:30, not 02:30"},
		{"berlin repeat", berlin, 2026, 10, 25, 2, "2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00+02:00",
			"time.Date picks the second occurrence in Berlin; resolve the first"},
		{"new york repeat", ny, 2026, 11, 1, 1, "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-04:00",
			"time.Date picks the first in New York; resolve agrees"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := time.Date(tc.y, tc.m, tc.d, tc.hh, 30, 0, 0, tc.loc), ts(t, tc.timeDate); !got.Equal(want) {
				t.Errorf("time.Date gave %s; the doc says %s", fmtTime(got), fmtTime(want))
			}
			if got, want := resolve(wallOf(tc.y, tc.m, tc.d, tc.hh, 30), 0, tc.loc), ts(t, tc.resolved); !got.Equal(want) {
				t.Errorf("resolve gave %s; want %s (%s)", fmtTime(got), fmtTime(want), tc.reason)
			}
		})
	}
}
