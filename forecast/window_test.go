package forecast

import (
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
)

// A forecast keeps to a maintenance window: with a window that opens six
// hours after the start (the scenario's clock starts at 00:00 UTC), the
// first step that changes the cluster waits for it, so the ETA is at least
// six hours longer, and no migration of the median run (the drains'
// evacuations and the workload update's) starts outside it.
func TestForecastKeepsToTheWindow(t *testing.T) {
	w, err := window.Parse("06:00+12h UTC")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Request: update.Request{To: "4.16.3", Force: true}, Runs: 5}
	without := forecastOf(t, "drain.yaml", opts)
	opts.Window = w
	with := forecastOf(t, "drain.yaml", opts)

	if with.Summary.RunsStopped != 0 || without.Summary.RunsStopped != 0 {
		t.Fatalf("runs stopped: %d with the window, %d without", with.Summary.RunsStopped, without.Summary.RunsStopped)
	}
	p50, p50w := secondsDuration(without.Summary.ETAP50Seconds), secondsDuration(with.Summary.ETAP50Seconds)
	if p50w < p50+6*time.Hour {
		t.Errorf("P50 is %s with the window, %s without: want at least 6h more", with.Summary.ETAP50, without.Summary.ETAP50)
	}
	if p50w > p50+6*time.Hour+time.Hour {
		t.Errorf("P50 is %s with the window, %s without: the wait should be about 6h", with.Summary.ETAP50, without.Summary.ETAP50)
	}
	if len(with.Migrations) == 0 {
		t.Fatal("the median run has no migrations: the test shows nothing")
	}
	for _, m := range with.Migrations {
		at := with.Start.Add(m.Start)
		if open, _ := w.Open(at); !open {
			t.Errorf("migration %s starts at %s, outside the window", m.Name, at.UTC().Format(time.RFC3339))
		}
	}
	if with.Summary.Window != "06:00-18:00 UTC" {
		t.Errorf("Summary.Window = %q, want the window as given", with.Summary.Window)
	}
	noted := false
	for _, n := range with.Summary.Notes {
		noted = noted || strings.Contains(n, "maintenance window")
	}
	if !noted || without.Summary.Window != "" {
		t.Errorf("the window is noted only when given: notes %v, window without %q", with.Summary.Notes, without.Summary.Window)
	}
}

// The fake's workload updater keeps to the window too, not only the
// runner: a step started inside a window runs on after it closes (an
// operator install, a pool's roll), and the workload update's migrations
// that would start then wait for the next window. A one-hour window each
// day cannot hold the EUS forecast, so its migrations spread over days,
// each starting inside a window (with the runner's gate alone, four of
// them start outside).
func TestForecastWorkloadUpdateWaitsForTheNextWindow(t *testing.T) {
	w, err := window.Parse("06:00+1h UTC")
	if err != nil {
		t.Fatal(err)
	}
	f := forecastOf(t, "eus.yaml", Options{Runs: 1, Window: w})
	if f.Summary.RunsStopped != 0 {
		t.Fatalf("the run stopped: %s", f.Summary.Result)
	}
	if len(f.Migrations) == 0 {
		t.Fatal("no migrations")
	}
	days := map[int]bool{}
	outside := 0
	for _, m := range f.Migrations {
		at := f.Start.Add(m.Start)
		days[at.YearDay()] = true
		if open, _ := w.Open(at); !open {
			outside++
		}
	}
	if outside != 0 || len(days) < 2 {
		t.Errorf("ETA %s: %d migrations on %d days, %d of them starting outside the window; want none outside, over two days or more",
			f.Summary.ETAP50, len(f.Migrations), len(days), outside)
	}
}
