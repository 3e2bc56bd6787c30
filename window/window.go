package window

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxDuration is the longest Window: a week. A window that long on any day
// is always open.
const MaxDuration = 7 * 24 * time.Hour

// TimeOfDay is a reading of a wall clock, to the minute: Hour 0..23,
// Minute 0..59.
type TimeOfDay struct {
	Hour, Minute int
}

// String formats the time as HH:MM.
func (c TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

func (c TimeOfDay) valid() bool {
	return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60
}

func (c TimeOfDay) seconds() int64 { return int64(c.Hour)*3600 + int64(c.Minute)*60 }

// Window is a maintenance window that repeats every week: on each of Days,
// it opens when the clock of Location shows Start and stays open for
// Duration.
//
//   - Days: the days the window starts on; empty means every day. A window
//     belongs to the day it starts: Friday 22:00 for 7h is open on Saturday
//     at 03:00 whether or not Saturday is listed.
//   - Start: the wall-clock time it opens.
//   - Duration: how long it is open, measured on the same wall clock (see
//     the package documentation for daylight-saving days): more than zero,
//     at most [MaxDuration]. It may pass midnight, and be 24h or more.
//   - Location: the time zone of Start and Duration; nil means UTC.
//
// Each occurrence is half-open: open from its start, closed from its end
// on. Occurrences that overlap or touch (Saturday and Sunday 00:00 for 24h)
// form one stretch.
//
// Open on a Window that fails [Window.Validate] is never open (a bad
// window keeps work out rather than letting it in).
type Window struct {
	Days     []time.Weekday
	Start    TimeOfDay
	Duration time.Duration
	Location *time.Location
}

func (w Window) location() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}

// days returns the set of start days as a bit mask (bit d for Weekday d)
// and whether every listed day is a weekday.
func (w Window) days() (uint8, bool) {
	if len(w.Days) == 0 {
		return 0x7f, true
	}
	var mask uint8
	for _, d := range w.Days {
		if d < time.Sunday || d > time.Saturday {
			return 0, false
		}
		mask |= 1 << d
	}
	return mask, true
}

// alwaysOpen reports whether every occurrence reaches (on the wall clock)
// the start of the next one, so the union covers all time.
func alwaysOpen(mask uint8, d time.Duration) bool {
	maxGap := 0
	for i := range 7 {
		if mask&(1<<i) == 0 {
			continue
		}
		gap := 1
		for mask&(1<<((i+gap)%7)) == 0 {
			gap++
		}
		maxGap = max(maxGap, gap)
	}
	return maxGap > 0 && time.Duration(maxGap)*24*time.Hour <= d
}

// Open reports whether t is inside the window and when it closes, or when it
// next opens. It looks up to [Horizon] ahead; a valid Window always opens
// within that. It does not allocate.
func (w Window) Open(t time.Time) (bool, time.Time) {
	mask, ok := w.days()
	if !ok || mask == 0 || !w.Start.valid() || w.Duration <= 0 || w.Duration > MaxDuration {
		return false, time.Time{}
	}
	if sec := t.Unix(); sec < minUnix || sec > maxUnix {
		return false, time.Time{}
	}
	if alwaysOpen(mask, w.Duration) {
		return true, time.Time{}
	}
	loc := w.location()
	local := localSeconds(t, loc)
	today := floorDiv(local, secondsPerDay)

	// Here Duration < 7 days (else alwaysOpen), and no stretch of the window
	// lasts 7 days. An occurrence that holds t ends, on the clock, at or
	// after t's reading, so it starts at most Duration and a day before
	// today; the stretch holding t ends, or the next occurrence starts,
	// within Horizon. Occurrences are visited in the order of their starts,
	// which resolve keeps in the order of the days.
	startSec := w.Start.seconds()
	durSec := int64(w.Duration / time.Second)
	durNsec := int64(w.Duration % time.Second)
	first := today - int64(w.Duration/(24*time.Hour)) - 2
	last := today + int64(Horizon/(24*time.Hour))

	var (
		open  bool
		close time.Time
	)
	for day := first; day <= last; day++ {
		if mask&(1<<weekdayOf(day)) == 0 {
			continue
		}
		wallStart := day*secondsPerDay + startSec
		wallEnd := wallStart + durSec
		if !open && wallEnd < local {
			// t's clock already shows a time past the end, so the end (its
			// first showing) is no later than t: this one cannot hold t.
			continue
		}
		s := resolve(wallStart, 0, loc)
		e := resolve(wallEnd, durNsec, loc)
		if !s.Before(e) {
			// Lost in a daylight-saving gap: the clock never shows any
			// reading of this occurrence.
			continue
		}
		switch {
		case open && s.After(close):
			return true, close
		case open:
			if e.After(close) {
				close = e
			}
		case s.After(t):
			return false, s
		case t.Before(e):
			open, close = true, e
		}
	}
	if open {
		// Not reached for a valid window (its stretches are shorter than
		// the search); close is an instant the window is open until.
		return true, close
	}
	return false, time.Time{}
}

// Validate reports the first field that makes w invalid, as an [*Error]
// that wraps [ErrInvalid]: a day that is not a weekday, a Start out of
// range, a Duration not in (0, MaxDuration].
func (w Window) Validate() error {
	for i, d := range w.Days {
		if d < time.Sunday || d > time.Saturday {
			return &Error{Part: fmt.Sprintf("Days[%d]", i), Value: fmt.Sprint(int(d)), Want: "want a time.Weekday, 0 (Sunday) to 6 (Saturday)"}
		}
	}
	if w.Start.Hour < 0 || w.Start.Hour > 23 {
		return &Error{Part: "Start.Hour", Value: fmt.Sprint(w.Start.Hour), Want: "want 0 to 23"}
	}
	if w.Start.Minute < 0 || w.Start.Minute > 59 {
		return &Error{Part: "Start.Minute", Value: fmt.Sprint(w.Start.Minute), Want: "want 0 to 59"}
	}
	if err := checkDuration("Duration", w.Duration); err != nil {
		return err
	}
	return nil
}

func checkDuration(part string, d time.Duration) *Error {
	switch {
	case d <= 0:
		return &Error{Part: part, Value: d.String(), Want: "want more than 0"}
	case d > MaxDuration:
		return &Error{Part: part, Value: d.String(), Want: "want at most 168h (a week); a longer window is always open, use no window instead"}
	}
	return nil
}

// String formats w in the syntax [Parse] reads: the days (omitted when
// empty), START-END when Duration is under 24h in whole minutes, else
// START+DURATION, and the zone name ("UTC" for nil). Parse(w.String())
// gives w back, with Days sorted and without duplicates, when w is valid
// and its Location was loaded by name.
func (w Window) String() string {
	var b strings.Builder
	if len(w.Days) > 0 {
		b.WriteString(formatDays(w.Days))
		b.WriteByte(' ')
	}
	b.WriteString(w.Start.String())
	if w.Duration > 0 && w.Duration < 24*time.Hour && w.Duration%time.Minute == 0 && w.Start.valid() {
		end := (w.Start.Hour*60 + w.Start.Minute + int(w.Duration/time.Minute)) % (24 * 60)
		b.WriteByte('-')
		b.WriteString(TimeOfDay{Hour: end / 60, Minute: end % 60}.String())
	} else {
		b.WriteByte('+')
		b.WriteString(formatDuration(w.Duration))
	}
	b.WriteByte(' ')
	b.WriteString(w.location().String())
	return b.String()
}

// MarshalText formats a valid window with [Window.String]. It fails when w
// is invalid or when the text would not parse back (a Location made with
// time.FixedZone has no loadable name).
func (w Window) MarshalText() ([]byte, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	s := w.String()
	if _, err := Parse(s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// UnmarshalText parses text with [Parse].
func (w *Window) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*w = p
	return nil
}

// isoOrder lists the days Monday first, as schedules are written.
var isoOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// formatDays writes a set of days as runs in week order, Monday first:
// three days or more in a row as a range (Mon-Fri, Fri-Mon), shorter runs
// as a list (Sat,Sun). Days that are not weekdays are written as numbers.
func formatDays(days []time.Weekday) string {
	var mask uint8
	var bad []string
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			bad = append(bad, fmt.Sprint(int(d)))
			continue
		}
		mask |= 1 << d
	}
	type run struct {
		at   int // the first day's place in isoOrder
		text []string
	}
	var runs []run
	if mask == 0x7f {
		runs = append(runs, run{0, []string{"Mon-Sun"}})
	} else if mask != 0 {
		// Start after the first day missing, Monday first, so that a run
		// through the weekend stays one run; then order runs Monday first.
		from := 0
		for mask&(1<<isoOrder[from]) != 0 {
			from++
		}
		for i := 1; i <= 7; {
			at := (from + i) % 7
			d := isoOrder[at]
			if mask&(1<<d) == 0 {
				i++
				continue
			}
			n := 1
			for i+n <= 7 && mask&(1<<isoOrder[(from+i+n)%7]) != 0 {
				n++
			}
			end := isoOrder[(from+i+n-1)%7]
			switch n {
			case 1:
				runs = append(runs, run{at, []string{shortName(d)}})
			case 2:
				runs = append(runs, run{at, []string{shortName(d), shortName(end)}})
			default:
				runs = append(runs, run{at, []string{shortName(d) + "-" + shortName(end)}})
			}
			i += n
		}
		slices.SortFunc(runs, func(a, b run) int { return a.at - b.at })
	}
	var parts []string
	for _, r := range runs {
		parts = append(parts, r.text...)
	}
	return strings.Join(append(parts, bad...), ",")
}

func shortName(d time.Weekday) string { return d.String()[:3] }

// formatDuration is time.Duration.String without trailing zero units
// (24h, 1h30m, 90s), still readable by time.ParseDuration.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
