package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FormatDuration renders d for a person: "0s", "<1s", "45s", "12m 5s",
// "1h 23m", "2d 3h". It keeps the two largest units, rounding the smaller
// one to the nearest: seconds under an hour, minutes under a day, hours
// beyond. A negative d gets a leading "-".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		if d == -d { // the most negative duration has no positive twin
			d++
		}
		return "-" + FormatDuration(-d)
	}
	if d == 0 {
		return "0s"
	}
	if d < time.Second/2 {
		return "<1s"
	}
	if r := d.Round(time.Second); r < time.Minute {
		return strconv.Itoa(int(r/time.Second)) + "s"
	} else if r < time.Hour {
		return units(int64(r/time.Minute), "m", int64(r%time.Minute/time.Second), "s")
	}
	if r := d.Round(time.Minute); r < 24*time.Hour {
		return units(int64(r/time.Hour), "h", int64(r%time.Hour/time.Minute), "m")
	}
	r := d.Round(time.Hour)
	return units(int64(r/(24*time.Hour)), "d", int64(r%(24*time.Hour)/time.Hour), "h")
}

func units(big int64, bigUnit string, small int64, smallUnit string) string {
	if small == 0 {
		return strconv.FormatInt(big, 10) + bigUnit
	}
	return strconv.FormatInt(big, 10) + bigUnit + " " + strconv.FormatInt(small, 10) + smallUnit
}

// count renders "1 VM", "2 VMs", "0 VMs".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// clock renders a time of day, with the date when it is not the day of ref.
func clock(t, ref time.Time) string {
	if t.Year() == ref.Year() && t.YearDay() == ref.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04:05")
}

// stamp renders a full time with its zone.
func stamp(t time.Time) string {
	return t.Format("2006-01-02 15:04:05 MST")
}

// truncate shortens s to at most n characters, ending in "…" when cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// num renders a coordinate with at most one decimal.
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

// CountInFlight turns the intervals of single migrations and evictions
// (Start to End, End excluded) into samples of how many were in flight:
// one sample at every time a count changes, the last one back at zero.
// Names and kinds are ignored; a span with End before Start counts as
// empty. The result is sorted by time and is nil when nothing was in
// flight.
func CountInFlight(migrations, evictions []Span) []Sample {
	type change struct {
		at       time.Time
		mig, evi int
	}
	var changes []change
	add := func(spans []Span, m, e int) {
		for _, s := range spans {
			if !s.End.After(s.Start) {
				continue
			}
			changes = append(changes, change{s.Start, m, e}, change{s.End, -m, -e})
		}
	}
	add(migrations, 1, 0)
	add(evictions, 0, 1)
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].at.Before(changes[j].at) })
	var out []Sample
	mig, evi := 0, 0
	for i := 0; i < len(changes); {
		at := changes[i].at
		for ; i < len(changes) && changes[i].at.Equal(at); i++ {
			mig += changes[i].mig
			evi += changes[i].evi
		}
		if n := len(out); n > 0 && out[n-1].Migrations == mig && out[n-1].Evictions == evi {
			continue
		}
		out = append(out, Sample{At: at, Migrations: mig, Evictions: evi})
	}
	return out
}

// shares turns counts into whole percentages that add up to 100 (when
// total is not zero): each share rounded down, the points left over given
// to the largest remainders, the earlier count first on a tie.
func shares(counts []int, total int) []int {
	out := make([]int, len(counts))
	if total <= 0 {
		return out
	}
	left := 100
	type rem struct{ i, r int }
	var rems []rem
	for i, c := range counts {
		out[i] = c * 100 / total
		left -= out[i]
		rems = append(rems, rem{i, c * 100 % total})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; k < left && k < len(rems); k++ {
		out[rems[k].i]++
	}
	return out
}

// pctText renders a share: "12%", or "<1%" for a count that rounds to
// nothing.
func pctText(share, n int) string {
	if share == 0 && n > 0 {
		return "<1%"
	}
	return fmt.Sprintf("%d%%", share)
}
