package report

import (
	"testing"
	"time"
)

func TestShares(t *testing.T) {
	for _, tt := range []struct {
		reason string
		counts []int
		want   []int
	}{
		{"eighths: 37.5 + 25 + 12.5 × 3 round to 100, not 98", []int{3, 2, 1, 1, 1}, []int{38, 25, 13, 12, 12}},
		{"thirds", []int{1, 1, 1}, []int{34, 33, 33}},
		{"one of a thousand rounds to nothing; the rest take the points", []int{999, 1}, []int{100, 0}},
		{"zeros", []int{0, 5, 0}, []int{0, 100, 0}},
	} {
		total := 0
		for _, c := range tt.counts {
			total += c
		}
		got := shares(tt.counts, total)
		sum := 0
		for i := range got {
			sum += got[i]
			if got[i] != tt.want[i] {
				t.Errorf("%s: shares(%v) = %v, want %v", tt.reason, tt.counts, got, tt.want)
				break
			}
		}
		if sum != 100 {
			t.Errorf("%s: shares add up to %d", tt.reason, sum)
		}
	}
	if got := shares([]int{0, 0}, 0); got[0] != 0 || got[1] != 0 {
		t.Errorf("no VMs: shares = %v, want zeros", got)
	}
}

func TestTicks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		reason    string
		span      time.Duration
		wantLabel string // the second tick
	}{
		{"a minute, in 10-second steps", time.Minute, "+10s"},
		{"95 minutes, in 10-minute steps", 95 * time.Minute, "+10m"},
		{"two days, in 6-hour steps", 48 * time.Hour, "+6h"},
		{"a year: beyond the table, the step doubles until ten marks fit", 365 * 24 * time.Hour, "+56d"},
	} {
		w := window{t0: t0, t1: t0.Add(tt.span), loc: time.UTC}
		ticks := w.ticks()
		if len(ticks) < 2 || len(ticks) > 11 {
			t.Errorf("%s: %d ticks, want 2 to 11", tt.reason, len(ticks))
			continue
		}
		if ticks[0].Label != "10:00" || ticks[0].X != "250" {
			t.Errorf("%s: the first tick is %+v, want the start's clock time at the plot's left", tt.reason, ticks[0])
		}
		if ticks[1].Label != tt.wantLabel {
			t.Errorf("%s: the second tick is %q, want %q", tt.reason, ticks[1].Label, tt.wantLabel)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct {
		peak, top, step int
	}{
		{0, 1, 1}, {1, 1, 1}, {3, 3, 1}, {5, 5, 1}, {6, 6, 2}, {24, 25, 5}, {99, 100, 20}, {1000, 1000, 200},
	} {
		top, step := niceScale(tt.peak)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d (at most five intervals of 1, 2 or 5 × 10ⁿ)", tt.peak, top, step, tt.top, tt.step)
		}
	}
}
