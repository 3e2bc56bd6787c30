package window

import (
	"testing"
	"time"
)

var (
	sinkOpen bool
	sinkNext time.Time
)

func BenchmarkOpen(b *testing.B) {
	cases := []struct {
		name string
		gate Gate
		at   string
	}{
		{"window/UTC/open", MustParse("Mon-Fri 22:00-05:00 UTC"), "2026-03-07T03:00:00Z"},
		{"window/Berlin/open", MustParse("Mon-Fri 22:00-05:00 Europe/Berlin"), "2026-03-07T03:00:00+01:00"},
		{"window/Berlin/closed", MustParse("Mon-Fri 22:00-05:00 Europe/Berlin"), "2026-03-09T12:00:00+01:00"},
		{"window/Berlin/weekend-from-monday", MustParse("Sat 00:00+48h Europe/Berlin"), "2026-03-09T12:00:00+01:00"},
		{"window/Berlin/lost-in-gap", MustParse("Sun 02:00-02:30 Europe/Berlin"), "2026-03-22T02:45:00+01:00"},
		{"window/Berlin/chain", MustParse("Mon,Thu 00:00+72h Europe/Berlin"), "2026-03-09T10:00:00+01:00"},
		{"any/two-windows/open", Any{MustParse("Mon-Fri 22:00-05:00 Europe/Berlin"), MustParse("Sat,Sun 00:00+24h Europe/Berlin")}, "2026-03-06T23:00:00+01:00"},
	}
	for _, c := range cases {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkOpen, sinkNext = c.gate.Open(at)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("Mon-Fri 22:00-05:00 Europe/Berlin"); err != nil {
			b.Fatal(err)
		}
	}
}
