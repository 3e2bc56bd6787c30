package window

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every error of this package: a window that does
// not parse or does not validate.
var ErrInvalid = errors.New("invalid window")

// Error says which part of a window is wrong, its value, and what is
// wanted. It wraps [ErrInvalid] and, for a zone that does not load, the
// error of time.LoadLocation.
type Error struct {
	// Window is the text given to Parse; empty for Window.Validate.
	Window string
	// Part names the part: window (no time found), days, day, time,
	// start, end, duration, zone or field (text after the zone) for Parse;
	// the struct field (Days[i], Start.Hour, Start.Minute, Duration) for
	// Validate.
	Part string
	// Value is the offending text or field value.
	Value string
	// Want says what is accepted.
	Want string
	// Err is the underlying error, if any.
	Err error
}

// Error formats as: window "TEXT": PART "VALUE": WANT.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("window")
	if e.Window != "" {
		fmt.Fprintf(&b, " %q", e.Window)
	}
	if e.Part == "window" && e.Value == e.Window && e.Window != "" {
		fmt.Fprintf(&b, ": %s", e.Want) // the whole window is at fault: name it once
	} else {
		fmt.Fprintf(&b, ": %s %q: %s", e.Part, e.Value, e.Want)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns ErrInvalid and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}

const syntax = "want [DAYS] START-END or [DAYS] START+DURATION, then an optional ZONE, as in \"Mon-Fri 22:00-05:00 Europe/Berlin\" or \"Sat,Sun 00:00+24h UTC\""

// Parse reads a window written as
//
//	[DAYS] START-END [ZONE]
//	[DAYS] START+DURATION [ZONE]
//
// separated by spaces; see the package documentation for each part and for
// examples. The Window it returns has Days in ascending time.Weekday order
// without duplicates (nil when DAYS is omitted), and Location set (time.UTC
// when ZONE is omitted). Errors are [*Error]s that name the part and the
// value.
func Parse(s string) (Window, error) {
	fail := func(part, value, want string) (Window, error) {
		return Window{}, &Error{Window: s, Part: part, Value: value, Want: want}
	}
	fields := strings.Fields(s)
	at := slices.IndexFunc(fields, func(f string) bool {
		return f[0] >= '0' && f[0] <= '9' && strings.Contains(f, ":")
	})
	switch {
	case at < 0:
		return fail("window", s, syntax)
	case at > 1:
		return fail("days", strings.Join(fields[:at], " "), "want one list without spaces, as in Mon-Fri or Sat,Sun")
	case len(fields)-at > 2:
		return fail("field", strings.Join(fields[at+2:], " "), syntax)
	}

	var w Window
	if at == 1 {
		days, err := parseDays(fields[0])
		if err != nil {
			err.Window = s
			return Window{}, err
		}
		w.Days = days
	}

	span := fields[at]
	cut := strings.IndexAny(span, "-+")
	if cut < 0 {
		return fail("time", span, "want START-END (as 22:00-05:00) or START+DURATION (as 22:00+7h)")
	}
	start, ok := parseTimeOfDay(span[:cut], false)
	if !ok {
		return fail("start", span[:cut], "want HH:MM from 00:00 to 23:59")
	}
	w.Start = start
	rest := span[cut+1:]
	if span[cut] == '-' {
		end, ok := parseTimeOfDay(rest, true)
		if !ok {
			return fail("end", rest, "want HH:MM from 00:00 to 24:00")
		}
		from, to := start.Hour*60+start.Minute, end.Hour*60+end.Minute
		if from == to {
			return fail("end", rest, fmt.Sprintf("equals the start; for a whole day write %s+24h", start))
		}
		if to <= from {
			to += 24 * 60
		}
		w.Duration = time.Duration(to-from) * time.Minute
	} else {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return fail("duration", rest, "want a Go duration such as 7h, 90m or 1h30m")
		}
		if e := checkDuration("duration", d); e != nil {
			e.Window = s
			return Window{}, e
		}
		w.Duration = d
	}

	w.Location = time.UTC
	if len(fields) == at+2 {
		name := fields[at+1]
		if name == "Local" {
			return fail("zone", name, "want an IANA time zone name such as Europe/Berlin or UTC; Local depends on the machine")
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return Window{}, &Error{Window: s, Part: "zone", Value: name, Want: "want an IANA time zone name such as Europe/Berlin or UTC", Err: err}
		}
		w.Location = loc
	}
	return w, nil
}

// MustParse is Parse for windows known to be valid, as in tests and package
// variables; it panics on an error.
func MustParse(s string) Window {
	w, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return w
}

// parseTimeOfDay reads H:MM or HH:MM; 24:00 only when allow24.
func parseTimeOfDay(s string, allow24 bool) (TimeOfDay, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return TimeOfDay{}, false
	}
	hour, _ := strconv.Atoi(h)
	minute, _ := strconv.Atoi(m)
	switch {
	case minute > 59:
		return TimeOfDay{}, false
	case hour == 24 && minute == 0 && allow24:
		return TimeOfDay{Hour: 24}, true
	case hour > 23:
		return TimeOfDay{}, false
	}
	return TimeOfDay{Hour: hour, Minute: minute}, true
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDays reads a comma-separated list of days and ranges.
func parseDays(s string) ([]time.Weekday, *Error) {
	var mask uint8
	for item := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, err := parseDay(from)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseDay(to); err != nil {
				return nil, err
			}
		}
		// A range runs forward through the week and may wrap: Fri-Mon is
		// Fri, Sat, Sun, Mon.
		for d := a; ; d = (d + 1) % 7 {
			mask |= 1 << d
			if d == b {
				break
			}
		}
	}
	var days []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if mask&(1<<d) != 0 {
			days = append(days, d)
		}
	}
	return days, nil
}

var dayNames = map[string]time.Weekday{
	"su": time.Sunday, "sun": time.Sunday, "sunday": time.Sunday,
	"mo": time.Monday, "mon": time.Monday, "monday": time.Monday,
	"tu": time.Tuesday, "tue": time.Tuesday, "tuesday": time.Tuesday,
	"we": time.Wednesday, "wed": time.Wednesday, "wednesday": time.Wednesday,
	"th": time.Thursday, "thu": time.Thursday, "thursday": time.Thursday,
	"fr": time.Friday, "fri": time.Friday, "friday": time.Friday,
	"sa": time.Saturday, "sat": time.Saturday, "saturday": time.Saturday,
}

func parseDay(s string) (time.Weekday, *Error) {
	if d, ok := dayNames[strings.ToLower(s)]; ok {
		return d, nil
	}
	if s != "" && digits(s) {
		if n, err := strconv.Atoi(s); err == nil && n <= 6 {
			return time.Weekday(n), nil
		}
		return 0, &Error{Part: "day", Value: s, Want: "want 0..6 (Sunday is 0) or Mon..Sun"}
	}
	return 0, &Error{Part: "day", Value: s, Want: "want Mon..Sun"}
}
