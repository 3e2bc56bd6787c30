package window

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	const (
		su = time.Sunday
		mo = time.Monday
		tu = time.Tuesday
		we = time.Wednesday
		th = time.Thursday
		fr = time.Friday
		sa = time.Saturday
	)
	tests := []struct {
		in       string
		days     []time.Weekday
		start    TimeOfDay
		duration time.Duration
		zone     string
		str      string // String() of the result
		reason   string
	}{
		{"Mon-Fri 22:00-05:00 Europe/Berlin", []time.Weekday{mo, tu, we, th, fr}, TimeOfDay{22, 0}, 7 * time.Hour, "Europe/Berlin", "Mon-Fri 22:00-05:00 Europe/Berlin",
			"a range of days; an end before the start is on the next day"},
		{"sat,sun 00:00+24h UTC", []time.Weekday{su, sa}, TimeOfDay{0, 0}, 24 * time.Hour, "UTC", "Sat,Sun 00:00+24h UTC",
			"a list of days in any case; a duration; Days come back in time.Weekday order"},
		{"22:00-05:00", nil, TimeOfDay{22, 0}, 7 * time.Hour, "UTC", "22:00-05:00 UTC",
			"days omitted: every day; zone omitted: UTC (kured's and system-upgrade-controller's default)"},
		{"Fri-Mon 9:30+90m America/New_York", []time.Weekday{su, mo, fr, sa}, TimeOfDay{9, 30}, 90 * time.Minute, "America/New_York", "Fri-Mon 09:30-11:00 America/New_York",
			"a range wraps the week; H:MM is accepted; a duration under a day is written back as an end"},
		{"0,6 00:00-24:00", []time.Weekday{su, sa}, TimeOfDay{0, 0}, 24 * time.Hour, "UTC", "Sat,Sun 00:00+24h UTC",
			"numbers 0..6 with Sunday 0, as kured's --reboot-days; 24:00 ends at midnight"},
		{"mo,Tue,wednesday,THU,fr 01:00-03:00", []time.Weekday{mo, tu, we, th, fr}, TimeOfDay{1, 0}, 2 * time.Hour, "UTC", "Mon-Fri 01:00-03:00 UTC",
			"two letters, three letters and full names, as kured's days.go accepts"},
		{"Mon,Mon,Mon-Tue 12:00-13:00", []time.Weekday{mo, tu}, TimeOfDay{12, 0}, time.Hour, "UTC", "Mon,Tue 12:00-13:00 UTC",
			"duplicates are merged"},
		{"Sun-Sat 23:00+1h30m", []time.Weekday{su, mo, tu, we, th, fr, sa}, TimeOfDay{23, 0}, 90 * time.Minute, "UTC", "Mon-Sun 23:00-00:30 UTC",
			"all seven days listed stay listed"},
		{"Wed 12:00+168h", []time.Weekday{we}, TimeOfDay{12, 0}, 168 * time.Hour, "UTC", "Wed 12:00+168h UTC",
			"the longest duration, a week"},
		{"  Sat   02:00+45s  Europe/Berlin ", []time.Weekday{sa}, TimeOfDay{2, 0}, 45 * time.Second, "Europe/Berlin", "Sat 02:00+45s Europe/Berlin",
			"extra spaces are fine; a duration need not be whole minutes"},
		{"Mon,Wed,Fri,Sat 00:00+1h", []time.Weekday{mo, we, fr, sa}, TimeOfDay{0, 0}, time.Hour, "UTC", "Mon,Wed,Fri,Sat 00:00-01:00 UTC",
			"two days in a row are written as a list, three or more as a range"},
		{"Mon-Wed,Fri-Sun 00:00+1h", []time.Weekday{su, mo, tu, we, fr, sa}, TimeOfDay{0, 0}, time.Hour, "UTC", "Fri-Wed 00:00-01:00 UTC",
			"a run through the weekend is written as one range"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			w, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v (%s)", err, tc.reason)
			}
			if !slices.Equal(w.Days, tc.days) || w.Start != tc.start || w.Duration != tc.duration || w.Location.String() != tc.zone {
				t.Errorf("Parse = %+v; want days %v start %v duration %v zone %s (%s)", w, tc.days, tc.start, tc.duration, tc.zone, tc.reason)
			}
			if got := w.String(); got != tc.str {
				t.Errorf("String = %q; want %q (%s)", got, tc.str, tc.reason)
			}
			if err := w.Validate(); err != nil {
				t.Errorf("Validate of a parsed window: %v", err)
			}
			back, err := Parse(w.String())
			if err != nil || !sameWindow(back, w) {
				t.Errorf("Parse(String()) = %+v, %v; want %+v", back, err, w)
			}
		})
	}
}

func sameWindow(a, b Window) bool {
	return slices.Equal(a.Days, b.Days) && a.Start == b.Start && a.Duration == b.Duration && a.location().String() == b.location().String()
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		part   string
		value  string
		msg    string
		reason string
	}{
		{"Mon-Fry 22:00-05:00", "day", "Fry", `window "Mon-Fry 22:00-05:00": day "Fry": want Mon..Sun`,
			"a misspelt day is named, with what is accepted"},
		{"7 22:00-05:00", "day", "7", `window "7 22:00-05:00": day "7": want 0..6 (Sunday is 0) or Mon..Sun`,
			"numbers stop at 6, as kured's; Sunday is 0, not 7"},
		{"Mon,,Tue 22:00-05:00", "day", "", `window "Mon,,Tue 22:00-05:00": day "": want Mon..Sun`,
			"an empty item is a mistake (kured skips it)"},
		{"Mon-Tue-Wed 22:00-05:00", "day", "Tue-Wed", `window "Mon-Tue-Wed 22:00-05:00": day "Tue-Wed": want Mon..Sun`,
			"a range has two ends"},
		{"Mon - Fri 22:00-05:00", "days", "Mon - Fri", `window "Mon - Fri 22:00-05:00": days "Mon - Fri": want one list without spaces, as in Mon-Fri or Sat,Sun`,
			"spaces split the parts, so days take none"},
		{"25:00-05:00", "start", "25:00", `window "25:00-05:00": start "25:00": want HH:MM from 00:00 to 23:59`,
			"the hour is out of range"},
		{"24:00+1h", "start", "24:00", `window "24:00+1h": start "24:00": want HH:MM from 00:00 to 23:59`,
			"24:00 may end a window, not start one"},
		{"9pm-5am", "window", "9pm-5am", `window "9pm-5am": ` + syntax,
			"12-hour times (kured's 9pm) are not accepted; no part has a time"},
		{"22:60-05:00", "start", "22:60", `window "22:60-05:00": start "22:60": want HH:MM from 00:00 to 23:59`,
			"minutes stop at 59"},
		{"22:0-05:00", "start", "22:0", `window "22:0-05:00": start "22:0": want HH:MM from 00:00 to 23:59`,
			"minutes take two digits"},
		{"22:00-24:30", "end", "24:30", `window "22:00-24:30": end "24:30": want HH:MM from 00:00 to 24:00`,
			"nothing after 24:00"},
		{"22:00-5", "end", "5", `window "22:00-5": end "5": want HH:MM from 00:00 to 24:00`,
			"an end needs minutes"},
		{"22:00-22:00", "end", "22:00", `window "22:00-22:00": end "22:00": equals the start; for a whole day write 22:00+24h`,
			"an empty window is a mistake (kured makes it one second long)"},
		{"22:00", "time", "22:00", `window "22:00": time "22:00": want START-END (as 22:00-05:00) or START+DURATION (as 22:00+7h)`,
			"a start alone says nothing of the end"},
		{"22:00+0s", "duration", "0s", `window "22:00+0s": duration "0s": want more than 0`,
			"a zero duration is an error"},
		{"22:00+-1h", "duration", "-1h0m0s", `window "22:00+-1h": duration "-1h0m0s": want more than 0`,
			"a negative duration is an error"},
		{"22:00+169h", "duration", "169h0m0s", `window "22:00+169h": duration "169h0m0s": want at most 168h (a week); a longer window is always open, use no window instead`,
			"more than a week is a mistake"},
		{"22:00+7", "duration", "7", `window "22:00+7": duration "7": want a Go duration such as 7h, 90m or 1h30m`,
			"a duration needs a unit"},
		{"22:00-05:00 Europe/Berln", "zone", "Europe/Berln", "",
			"an unknown zone is named; the message goes on with time.LoadLocation's error"},
		{"22:00-05:00 Local", "zone", "Local", `window "22:00-05:00 Local": zone "Local": want an IANA time zone name such as Europe/Berlin or UTC; Local depends on the machine`,
			"Local would differ between machines"},
		{"22:00-05:00 Europe/Berlin extra", "field", "extra", `window "22:00-05:00 Europe/Berlin extra": field "extra": ` + syntax,
			"nothing may follow the zone"},
		{"", "window", "", `window: window "": ` + syntax,
			"an empty text is no window"},
		{"Mon-Fri", "window", "Mon-Fri", `window "Mon-Fri": ` + syntax,
			"days alone are no window"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded; want an error (%s)", tc.in, tc.reason)
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse error %v is not an *Error wrapping ErrInvalid", err)
			}
			if e.Window != tc.in || e.Part != tc.part || e.Value != tc.value {
				t.Errorf("error names window %q part %q value %q; want %q %q %q (%s)", e.Window, e.Part, e.Value, tc.in, tc.part, tc.value, tc.reason)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("error\n  %s\nwant\n  %s", err, tc.msg)
			}
		})
	}
}

func TestParseZoneErrorWrapsCause(t *testing.T) {
	_, err := Parse("22:00-05:00 Europe/Berln")
	var e *Error
	if !errors.As(err, &e) || e.Err == nil || !errors.Is(err, e.Err) {
		t.Fatalf("want an *Error carrying time.LoadLocation's error, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		w      Window
		msg    string
		reason string
	}{
		{Window{Duration: time.Hour}, "", "the zero start, every day, UTC, for an hour is valid"},
		{Window{}, `window: Duration "0s": want more than 0`, "the zero Window has no duration"},
		{Window{Duration: 8 * 24 * time.Hour}, `window: Duration "192h0m0s": want at most 168h (a week); a longer window is always open, use no window instead`, "at most a week"},
		{Window{Days: []time.Weekday{time.Monday, 7}, Duration: time.Hour}, `window: Days[1] "7": want a time.Weekday, 0 (Sunday) to 6 (Saturday)`, "names the index and the value"},
		{Window{Start: TimeOfDay{Hour: 24}, Duration: time.Hour}, `window: Start.Hour "24": want 0 to 23`, "the struct field is named"},
		{Window{Start: TimeOfDay{Minute: -1}, Duration: time.Hour}, `window: Start.Minute "-1": want 0 to 59`, "the struct field is named"},
	}
	for _, tc := range tests {
		err := tc.w.Validate()
		switch {
		case tc.msg == "" && err != nil:
			t.Errorf("Validate(%+v) = %v; want nil (%s)", tc.w, err, tc.reason)
		case tc.msg != "" && (err == nil || err.Error() != tc.msg || !errors.Is(err, ErrInvalid)):
			t.Errorf("Validate(%+v) = %v; want %s wrapping ErrInvalid (%s)", tc.w, err, tc.msg, tc.reason)
		}
	}
}

func TestText(t *testing.T) {
	var got struct{ Window Window }
	if err := json.Unmarshal([]byte(`{"Window": "Mon-Fri 22:00-05:00 Europe/Berlin"}`), &got); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"Window":"Mon-Fri 22:00-05:00 Europe/Berlin"}` {
		t.Errorf("round trip through JSON gave %s", out)
	}
	if err := json.Unmarshal([]byte(`{"Window": "Mon-Fry 22:00-05:00"}`), &got); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad window in JSON gave %v; want ErrInvalid", err)
	}
	fixed := Window{Duration: time.Hour, Location: time.FixedZone("Nowhere", 3600)}
	if _, err := fixed.MarshalText(); err == nil {
		t.Error("MarshalText of a window in a zone with no loadable name succeeded; its text would not parse back")
	}
	if _, err := (Window{}).MarshalText(); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarshalText of an invalid window gave %v; want ErrInvalid", err)
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse of a bad window did not panic")
		}
	}()
	MustParse("Mon-Fry 22:00-05:00")
}
