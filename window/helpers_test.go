package window

import (
	"testing"
	"time"
)

// ts parses an RFC 3339 time; the offset in the text says which of two
// equal clock readings is meant.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustParse(t testing.TB, s string) Window {
	t.Helper()
	w, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return w
}

// openCase is one question to a gate: at this instant, open or not, and
// the instant that changes (zero: never).
type openCase struct {
	name   string
	gate   Gate
	at     string // RFC 3339
	open   bool
	next   string // RFC 3339; empty: the zero time
	reason string
}

func runOpenCases(t *testing.T, cases []openCase) {
	t.Helper()
	for _, c := range cases {
		if c.reason == "" {
			t.Fatalf("%s: a case must say why (reason)", c.name)
		}
		t.Run(c.name, func(t *testing.T) {
			at := ts(t, c.at)
			var want time.Time
			if c.next != "" {
				want = ts(t, c.next)
			}
			open, next := c.gate.Open(at)
			if open != c.open || !next.Equal(want) {
				t.Errorf("Open(%s) = %v, %s; want %v, %s\nwhy: %s", c.at, open, fmtTime(next), c.open, fmtTime(want), c.reason)
			}
		})
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.RFC3339Nano) + " (" + t.UTC().Format(time.RFC3339Nano) + ")"
}
