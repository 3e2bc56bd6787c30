package report_test

import (
	"fmt"
	"time"

	"github.com/virtupdate/virtupdate/report"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func span(name, kind string, from, to time.Duration) report.Span {
	return report.Span{Name: name, Kind: kind, Start: at(from), End: at(to)}
}

// smallPage is a minor update of a three-worker cluster: every outcome, a
// failed step, a node that did not come back, text that must be escaped.
func smallPage() report.Page {
	m := time.Minute
	nodes := []report.NodeLane{
		{Node: "master-0", Pool: "master", Spans: []report.Span{
			span("", report.KindDrain, 40*m, 44*m), span("", report.KindReboot, 44*m, 50*m), span("", report.KindReady, 50*m, 95*m)}},
		{Node: "worker-0", Pool: "worker", Spans: []report.Span{
			span("", report.KindDrain, 52*m, 61*m), span("", report.KindReboot, 61*m, 68*m), span("", report.KindReady, 68*m, 95*m)}},
		{Node: "worker-1", Pool: "worker", Spans: []report.Span{
			span("", report.KindDrain, 68*m, 80*m), span("", report.KindReboot, 80*m, 87*m), span("", report.KindReady, 87*m, 95*m)}},
		{Node: "worker-2", Pool: "worker", Spans: []report.Span{
			span("", report.KindDrain, 87*m, 90*m), span("", report.KindFailed, 90*m, 95*m)}},
	}
	migrations := []report.Span{
		span("", "", 53*m, 55*m), span("", "", 53*m, 57*m), span("", "", 54*m, 56*m),
		span("", "", 69*m, 74*m), span("", "", 70*m, 72*m), span("", "", 88*m, 89*m),
	}
	evictions := []report.Span{span("", "", 58*m, 60*m), span("", "", 76*m, 79*m)}
	return report.Page{
		Title:     "Simulated update 4.16.30 → 4.17.12",
		Generated: at(96 * m),
		Summary: []report.Fact{
			{Name: "From", Value: "OCP 4.16.30, CNV 4.16.9"},
			{Name: "To", Value: "OCP 4.17.12, CNV 4.17.5"},
			{Name: "Result", Value: "stopped: node worker-2 did not come back"},
			{Name: "Duration", Value: report.FormatDuration(95 * m)},
		},
		Steps: []report.Span{
			span("preflight", "", 0, 0),
			span("disable-workload-updates", report.KindDone, 0, 1*m),
			span("update-cnv-4.17", report.KindDone, 1*m, 24*m),
			span("set-channel-4.17", report.KindDone, 24*m, 25*m),
			span("update-ocp-4.17.12", report.KindDone, 25*m, 40*m),
			span("roll-master-pool", report.KindDone, 40*m, 51*m),
			span("roll-worker-pool", report.KindFailed, 51*m, 95*m),
		},
		Nodes:    nodes,
		InFlight: report.CountInFlight(migrations, evictions),
		VMs: []report.VMRow{
			{Namespace: "default", Name: "fedora-a", Outcome: report.Migrated, Moves: 1},
			{Namespace: "default", Name: "fedora-b", Outcome: report.Migrated, Moves: 2, Reason: "first migration failed: target pod Unschedulable"},
			{Namespace: "default", Name: "standalone-vmi", Outcome: report.Deleted, Moves: 1, Downtime: 35 * m, Reason: "a VMI without a VirtualMachine is deleted when evicted"},
			{Namespace: "prod", Name: "db-0", Outcome: report.Migrated, Moves: 1},
			{Namespace: "prod", Name: "db-1", Outcome: report.Blocked, Moves: 5, Reason: "stuck after 5 failed migrations: <target pod> \"Unschedulable\" & retries exhausted"},
			{Namespace: "prod", Name: "gpu-1", Outcome: report.ShutDown, Moves: 1, Downtime: 4*m + 12*time.Second, Reason: "not live-migratable (host device); evicted and restarted"},
			{Namespace: "prod", Name: "legacy", Outcome: report.ShutDown, Moves: 1, Downtime: 83 * m, Reason: "runStrategy Manual: shut down, not restarted"},
			{Namespace: "test", Name: "scratch", Outcome: report.Untouched, Reason: "already on the new virt-launcher"},
		},
	}
}

// bigPage has vms VM rows over 40 namespaces and nodes node lanes, with
// the migrations of every VM sampled exactly.
func bigPage(vms, nodes int) report.Page {
	p := smallPage()
	p.Title = fmt.Sprintf("Forecast: %d VMs on %d nodes", vms, nodes)
	p.Nodes, p.VMs = nil, nil
	per := 10 * time.Minute
	for i := range nodes {
		start := 40*time.Minute + time.Duration(i)*per/2
		pool := "worker"
		if i < 3 {
			pool = "master"
		}
		p.Nodes = append(p.Nodes, report.NodeLane{Node: fmt.Sprintf("node-%03d.example.internal", i), Pool: pool, Spans: []report.Span{
			{Kind: report.KindDrain, Start: at(start), End: at(start + 6*time.Minute)},
			{Kind: report.KindReboot, Start: at(start + 6*time.Minute), End: at(start + 9*time.Minute)},
			{Kind: report.KindReady, Start: at(start + 9*time.Minute), End: at(start + per)},
		}})
	}
	end := 40*time.Minute + time.Duration(nodes)*per/2 + per
	p.Steps[len(p.Steps)-1].End = at(end)
	outcomes := report.Outcomes()
	var migrations []report.Span
	for i := range vms {
		o := outcomes[(i*7)%len(outcomes)]
		if i%3 != 0 {
			o = report.Migrated
		}
		r := report.VMRow{Namespace: fmt.Sprintf("team-%02d", i%40), Name: fmt.Sprintf("vm-%05d", i), Outcome: o, Moves: 1 + i%3}
		switch o {
		case report.ShutDown, report.Deleted:
			r.Downtime = time.Duration(i%90) * time.Minute
			r.Reason = "not live-migratable: a PVC with ReadWriteOnce access"
		case report.Blocked:
			r.Moves, r.Reason = 5, "stuck after 5 failed migrations"
		case report.Untouched:
			r.Moves, r.Reason = 0, "already on the new virt-launcher"
		}
		p.VMs = append(p.VMs, r)
		s := 40*time.Minute + time.Duration(i)*(end-50*time.Minute)/time.Duration(vms+1)
		migrations = append(migrations, report.Span{Start: at(s), End: at(s + time.Duration(60+i%240)*time.Second)})
	}
	p.InFlight = report.CountInFlight(migrations, nil)
	return p
}
