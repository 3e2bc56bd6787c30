package window_test

import (
	"fmt"
	"time"

	"github.com/virtupdate/virtupdate/window"
)

const layout = "Mon 2006-01-02 15:04 MST"

// A weeknight window in Berlin: Friday's night runs into Saturday, and from
// Monday noon the next one opens that evening.
func Example() {
	w, err := window.Parse("Mon-Fri 22:00-05:00 Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	berlin := w.Location

	open, closes := w.Open(time.Date(2026, 3, 7, 3, 0, 0, 0, berlin))
	fmt.Println("Saturday 03:00 open:", open, "- closes", closes.Format(layout))

	open, opens := w.Open(time.Date(2026, 3, 9, 12, 0, 0, 0, berlin))
	fmt.Println("Monday 12:00 open:", open, "- opens", opens.Format(layout))
	// Output:
	// Saturday 03:00 open: true - closes Sat 2026-03-07 05:00 CET
	// Monday 12:00 open: false - opens Mon 2026-03-09 22:00 CET
}

// Errors name the part and the value.
func ExampleParse() {
	_, err := window.Parse("Mon-Fry 22:00-05:00")
	fmt.Println(err)
	_, err = window.Parse("Sat 22:00+0s")
	fmt.Println(err)
	// Output:
	// window "Mon-Fry 22:00-05:00": day "Fry": want Mon..Sun
	// window "Sat 22:00+0s": duration "0s": want more than 0
}

// The window ends at 05:00 on the clock, so it is shorter on the night the
// clocks spring forward and longer on the night they fall back.
func ExampleWindow_Open_daylightSaving() {
	w := window.MustParse("22:00-05:00 Europe/Berlin")
	for _, night := range []time.Time{
		time.Date(2026, 3, 21, 22, 0, 0, 0, w.Location),
		time.Date(2026, 3, 28, 22, 0, 0, 0, w.Location),
		time.Date(2026, 10, 24, 22, 0, 0, 0, w.Location),
	} {
		_, closes := w.Open(night)
		fmt.Println(night.Format("2006-01-02"), "open for", closes.Sub(night), "until", closes.Format("15:04 MST"))
	}
	// Output:
	// 2026-03-21 open for 7h0m0s until 05:00 CET
	// 2026-03-28 open for 6h0m0s until 05:00 CEST
	// 2026-10-24 open for 8h0m0s until 05:00 CET
}

// Weeknights and weekends together: Friday's night runs into the weekend
// window, so the union stays open from Friday 22:00 until Monday 00:00.
// Monday's small hours would be Sunday's night, and Sunday is not a
// weeknight.
func ExampleAny() {
	g := window.Any{
		window.MustParse("Mon-Fri 22:00-05:00 Europe/Berlin"),
		window.MustParse("Sat,Sun 00:00+24h Europe/Berlin"),
	}
	berlin := g[0].(window.Window).Location
	open, closes := g.Open(time.Date(2026, 3, 6, 23, 0, 0, 0, berlin))
	fmt.Println(open, closes.Format(layout))
	// Output:
	// true Mon 2026-03-09 00:00 CET
}

// A one-off window as a GateFunc, next to the weekly one.
func ExampleGateFunc() {
	from := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	to := from.Add(2 * time.Hour)
	once := window.GateFunc(func(t time.Time) (bool, time.Time) {
		switch {
		case t.Before(from):
			return false, from
		case t.Before(to):
			return true, to
		default:
			return false, time.Time{} // never again
		}
	})
	g := window.Any{once, window.MustParse("Sat 00:00+24h UTC")}
	_, opens := g.Open(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	fmt.Println("opens", opens.Format(layout))
	_, opens = g.Open(to)
	fmt.Println("then", opens.Format(layout))
	// Output:
	// opens Tue 2026-03-10 14:00 UTC
	// then Sat 2026-03-14 00:00 UTC
}

// String writes a window back in the syntax Parse reads.
func ExampleWindow_String() {
	w := window.Window{
		Days:     []time.Weekday{time.Saturday, time.Sunday},
		Start:    window.TimeOfDay{Hour: 1, Minute: 30},
		Duration: 3 * time.Hour,
	}
	fmt.Println(w)
	fmt.Println(window.Window{Days: []time.Weekday{time.Friday}, Start: window.TimeOfDay{Hour: 22}, Duration: 30 * time.Hour})
	// Output:
	// Sat,Sun 01:30-04:30 UTC
	// Fri 22:00+30h UTC
}
