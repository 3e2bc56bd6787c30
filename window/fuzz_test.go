package window

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParse: Parse never panics; an error is an *Error naming the input;
// a window it accepts is valid and comes back unchanged through String.
// The corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Mon-Fri 22:00-05:00 Europe/Berlin",
		"sat,sun 00:00+24h UTC",
		"Fri-Mon 9:30+90m America/New_York",
		"0,6 00:00-24:00",
		"Mon-Fry 22:00-05:00",
		"22:00+169h",
		"Sun 02:30+1h Europe/Berlin",
	} {
		f.Add(s)
	}
	at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v is not an *Error wrapping ErrInvalid", s, err)
			}
			if e.Window != s || !strings.HasPrefix(err.Error(), "window") {
				t.Fatalf("Parse(%q) error %q does not name the input", s, err)
			}
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("Parse(%q) returned an invalid window: %v", s, err)
		}
		if w.Location == nil {
			t.Fatalf("Parse(%q) left Location nil", s)
		}
		if !slices.IsSorted(w.Days) || len(slices.Compact(slices.Clone(w.Days))) != len(w.Days) {
			t.Fatalf("Parse(%q) days %v are not sorted and unique", s, w.Days)
		}
		text := w.String()
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, text, err)
		}
		if !sameWindow(back, w) || back.String() != text {
			t.Fatalf("Parse(%q) = %+v; through String %q it became %+v", s, w, text, back)
		}
		if _, err := w.MarshalText(); err != nil {
			t.Fatalf("MarshalText of Parse(%q): %v", s, err)
		}
		checkGate(t, w, at)
	})
}

// fuzzZones are zones with unusual daylight-saving rules: half-hour
// shifts, negative DST, a skipped day, two-hour shifts, frequent changes.
var fuzzZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata",
	"Pacific/Chatham", "America/Sao_Paulo", "Europe/Dublin", "Antarctica/Troll", "America/St_Johns", "Africa/Casablanca",
}

// fuzzWindow builds a valid window from fuzz input: bit d of days for
// Weekday d; no bit set means every day.
func fuzzWindow(t *testing.T, days, hour, minute uint8, dur uint32, zoneIdx uint8) Window {
	w := Window{
		Start:    TimeOfDay{Hour: int(hour % 24), Minute: int(minute % 60)},
		Duration: time.Duration(int64(dur)%int64(MaxDuration/time.Second)+1) * time.Second,
		Location: zone(t, fuzzZones[int(zoneIdx)%len(fuzzZones)]),
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if days&(1<<d) != 0 {
			w.Days = append(w.Days, d)
		}
	}
	return w
}

// fuzzInstant takes sec as Unix seconds, folded into the years 1900 to 2100.
func fuzzInstant(sec int64, nsec uint32) time.Time {
	const from, span = -2208988800, 200 * 36524 * 864 // 1900-01-01, ~200 years
	s := (sec - from) % span
	if s < 0 {
		s += span
	}
	return time.Unix(from+s, int64(nsec%1e9))
}

// FuzzOpen checks the Gate contract on windows and on unions of two: for
// any t, a non-zero next is after t; closed, Open(next) is open and every
// sampled instant of [t, next) is closed and reports the same next; open,
// every sampled instant of [t, next) is open with the same close and
// Open(next) is closed. A Window's answer also matches a direct check of
// its occurrences.
func FuzzOpen(f *testing.F) {
	f.Add(uint8(0x3e), uint8(22), uint8(0), uint32(7*3600), uint8(1), int64(1774740600), uint32(0), uint8(0x41), uint8(0), uint32(86400), uint8(2), false)
	f.Add(uint8(0x01), uint8(2), uint8(0), uint32(1800), uint8(1), int64(1774141200), uint32(0), uint8(0), uint8(0), uint32(0), uint8(0), false)
	f.Add(uint8(0x01), uint8(2), uint8(30), uint32(3600), uint8(1), int64(1792890000), uint32(5), uint8(0x40), uint8(1), uint32(3600), uint8(2), true)
	f.Add(uint8(0x00), uint8(0), uint8(0), uint32(86399), uint8(4), int64(1325239200), uint32(0), uint8(0x20), uint8(23), uint32(7200), uint8(3), true)
	f.Add(uint8(0x7f), uint8(12), uint8(0), uint32(43200), uint8(0), int64(0), uint32(0), uint8(0x7f), uint8(0), uint32(43200), uint8(0), true)
	f.Fuzz(func(t *testing.T, days, hour, minute uint8, dur uint32, zoneIdx uint8, sec int64, nsec uint32,
		days2, hour2 uint8, dur2 uint32, zone2 uint8, union bool) {
		at := fuzzInstant(sec, nsec)
		w := fuzzWindow(t, days, hour, minute, dur, zoneIdx)
		checkGate(t, w, at)
		if union {
			w2 := fuzzWindow(t, days2, hour2, 0, dur2, zone2)
			checkGate(t, Any{w, w2}, at)
		}
	})
}

// checkGate checks g's answer at t against the Gate contract, and every
// answer it samples against the definition of its windows (directOpen).
func checkGate(t *testing.T, g Gate, at time.Time) {
	t.Helper()
	open, next := g.Open(at)
	agree := func(s time.Time, o bool) {
		t.Helper()
		if want := directOpen(g, s); o != want {
			t.Fatalf("%v: Open(%s) says open=%v; its occurrences say %v", g, fmtTime(s), o, want)
		}
	}
	agree(at, open)
	if next.IsZero() {
		if !open {
			// A valid window, or a union of them, always opens within Horizon.
			t.Fatalf("%v: Open(%s) = closed, never opens", g, fmtTime(at))
		}
		for _, d := range []time.Duration{time.Nanosecond, time.Hour, 25 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour} {
			if o, n := g.Open(at.Add(d)); !o || !n.IsZero() {
				t.Fatalf("%v: Open(%s) = open forever, but Open(%s) = %v, %s", g, fmtTime(at), fmtTime(at.Add(d)), o, fmtTime(n))
			}
		}
		return
	}
	if !next.After(at) {
		t.Fatalf("%v: Open(%s) = %v, %s: next is not after t", g, fmtTime(at), open, fmtTime(next))
	}
	span := next.Sub(at)
	for _, s := range []time.Time{at.Add(span / 8), at.Add(span / 3), at.Add(span / 2), at.Add(span * 7 / 8), next.Add(-time.Nanosecond)} {
		o, n := g.Open(s)
		if o != open || !n.Equal(next) {
			t.Fatalf("%v: Open(%s) = %v, %s but Open(%s) = %v, %s: the stretch must answer alike", g, fmtTime(at), open, fmtTime(next), fmtTime(s), o, fmtTime(n))
		}
		agree(s, o)
	}
	if o, _ := g.Open(next); o == open {
		t.Fatalf("%v: Open(%s) = %v, %s but Open(next) is %v too", g, fmtTime(at), open, fmtTime(next), o)
	}
	agree(next, !open)
}

// directOpen answers from the definition: t is open when some occurrence
// of a window holds it (each occurrence's ends resolved separately).
func directOpen(g Gate, t time.Time) bool {
	switch g := g.(type) {
	case Window:
		mask, _ := g.days()
		loc := g.location()
		today := floorDiv(localSeconds(t, loc), secondsPerDay)
		for day := today - 9; day <= today+1; day++ {
			if mask&(1<<weekdayOf(day)) == 0 {
				continue
			}
			ws := day*secondsPerDay + g.Start.seconds()
			s := resolve(ws, 0, loc)
			e := resolve(ws+int64(g.Duration/time.Second), int64(g.Duration%time.Second), loc)
			if !t.Before(s) && t.Before(e) {
				return true
			}
		}
		return false
	case Any:
		for _, m := range g {
			if m != nil && directOpen(m, t) {
				return true
			}
		}
		return false
	default:
		o, _ := g.Open(t)
		return o
	}
}
