package report_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/virtupdate/virtupdate/report"
)

// A caller fills a Page from what it has — here two plan steps, one node
// and two VMs — and writes it. The page counts the rows itself.
func ExampleWrite() {
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	min := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	migrations := []report.Span{{Start: min(12), End: min(15)}}
	evictions := []report.Span{{Start: min(13), End: min(14)}}
	page := report.Page{
		Title:     "Simulated z-stream update",
		Generated: min(30),
		Summary:   []report.Fact{{Name: "Duration", Value: report.FormatDuration(83 * time.Minute)}},
		Steps: []report.Span{
			{Name: "update-cnv-4.17", Start: min(0), End: min(10)},
			{Name: "roll-worker-pool", Start: min(10), End: min(25), Kind: report.KindDone},
		},
		Nodes: []report.NodeLane{{Node: "worker-0", Pool: "worker", Spans: []report.Span{
			{Kind: report.KindDrain, Start: min(11), End: min(16)},
			{Kind: report.KindReboot, Start: min(16), End: min(21)},
			{Kind: report.KindReady, Start: min(21), End: min(25)},
		}}},
		InFlight: report.CountInFlight(migrations, evictions),
		VMs: []report.VMRow{
			{Namespace: "prod", Name: "db-0", Outcome: report.Migrated, Moves: 1},
			{Namespace: "prod", Name: "gpu-1", Outcome: report.ShutDown, Moves: 1, Downtime: 4 * time.Minute,
				Reason: "not live-migratable (host device)"},
		},
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, page); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	html := buf.String()
	fmt.Println("rows:", strings.Count(html, "<tr data-ns="))
	fmt.Println(strings.Contains(html, `data-count="ShutDown">1<`))
	fmt.Println("samples:", len(page.InFlight))
	fmt.Println("loads nothing:", !strings.Contains(html, "://"))

	// A bad field is refused before anything is written.
	page.VMs[0].Outcome = "stuck"
	err := report.Write(&buf, page)
	fmt.Println(err)
	// Output:
	// rows: 2
	// true
	// samples: 4
	// loads nothing: true
	// report: VMs[0].Outcome is "stuck" (VM prod/db-0): use one of "Migrated", "ShutDown", "Deleted", "Blocked", "Untouched"
}

func ExampleFormatDuration() {
	for _, d := range []time.Duration{0, 45 * time.Second, 12*time.Minute + 5*time.Second, 83 * time.Minute, 51 * time.Hour} {
		fmt.Println(report.FormatDuration(d))
	}
	// Output:
	// 0s
	// 45s
	// 12m 5s
	// 1h 23m
	// 2d 3h
}
