package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/update"
)

// reportOutcome maps a simulated VMI's outcome onto the page's five.
func reportOutcome(o string) report.Outcome {
	switch o {
	case outcomeMigrated:
		return report.Migrated
	case outcomeRestarted, outcomeWaiting:
		return report.ShutDown
	case outcomeDeleted:
		return report.Deleted
	case outcomeStuck:
		return report.Blocked
	}
	return report.Untouched
}

// simulationPage draws a simulated update: the plan's steps from the
// runner's events; the node lanes, the migrations and evictions in flight
// and each VMI's downtime from the fake cluster's log.
func simulationPage(title string, plan *update.Plan, events []update.Event, log []fake.Event, sum simSummary) report.Page {
	p := report.Page{Title: title, Generated: sum.End}
	end := sum.End
	// Steps.
	started := map[int]time.Time{}
	for _, e := range events {
		switch e.Type {
		case update.EventStepStarted:
			started[e.Step] = e.Time
		case update.EventStepDone, update.EventPlanFailed:
			if t, ok := started[e.Step]; ok {
				kind := report.KindDone
				if e.Type == update.EventPlanFailed {
					kind = report.KindFailed
				}
				p.Steps = append(p.Steps, report.Span{Name: e.StepName, Start: t, End: e.Time, Kind: kind})
				delete(started, e.Step)
			}
		}
	}
	for i, t := range started { // a step the run stopped in
		p.Steps = append(p.Steps, report.Span{Name: plan.Steps[i].Name, Start: t, End: end, Kind: report.KindRunning})
	}
	// Nodes: draining until the reboot, rebooting until updated, ready after.
	type lane struct {
		spans      []report.Span
		open       string
		openedAt   time.Time
		everUpdate bool
	}
	lanes := map[string]*lane{}
	var order []string
	laneOf := func(n string) *lane {
		l := lanes[n]
		if l == nil {
			l = &lane{}
			lanes[n] = l
			order = append(order, n)
		}
		return l
	}
	closeSpan := func(l *lane, t time.Time) {
		if l.open != "" && t.After(l.openedAt) {
			l.spans = append(l.spans, report.Span{Name: l.open, Start: l.openedAt, End: t, Kind: l.open})
		}
		l.open = ""
	}
	// Migrations and evictions: intervals for the in-flight chart.
	var migrations, evictions []report.Span
	migStart := map[string]time.Time{}
	down := map[string]time.Time{}
	downtime := map[string]time.Duration{}
	for _, e := range log {
		k := e.Namespace + "/" + e.Name
		switch {
		case e.Kind == fake.KindNode && e.Reason == "Draining":
			l := laneOf(e.Name)
			if l.open != report.KindDrain {
				closeSpan(l, e.Time)
				l.open, l.openedAt = report.KindDrain, e.Time
			}
		case e.Kind == fake.KindNode && e.Reason == "Rebooting":
			l := laneOf(e.Name)
			closeSpan(l, e.Time)
			l.open, l.openedAt = report.KindReboot, e.Time
		case e.Kind == fake.KindNode && e.Reason == "Updated":
			l := laneOf(e.Name)
			closeSpan(l, e.Time)
			l.open, l.openedAt, l.everUpdate = report.KindReady, e.Time, true
		case e.Kind == fake.KindMigration && e.Reason == "Scheduling":
			// In flight as KubeVirt counts against parallelMigrationsPerCluster:
			// from its target pod on (pkg/virt-controller/watch/migration/
			// migration.go); a migration still Pending waits for a slot.
			migStart[k] = e.Time
		case e.Kind == fake.KindMigration && (e.Reason == "Succeeded" || e.Reason == "Failed" || e.Reason == "Deleted"):
			if t, ok := migStart[k]; ok {
				migrations = append(migrations, report.Span{Name: k, Start: t, End: e.Time})
				delete(migStart, k)
			}
		case e.Kind == fake.KindVMI && (e.Reason == "ShutDown" || e.Reason == "Deleted"):
			if _, ok := down[k]; !ok {
				down[k] = e.Time
			}
		case e.Kind == fake.KindVMI && e.Reason == "Restarted":
			if t, ok := down[k]; ok {
				evictions = append(evictions, report.Span{Name: k, Start: t, End: e.Time})
				downtime[k] += e.Time.Sub(t)
				delete(down, k)
			}
		}
	}
	for k, t := range migStart {
		migrations = append(migrations, report.Span{Name: k, Start: t, End: end})
	}
	for k, t := range down {
		evictions = append(evictions, report.Span{Name: k, Start: t, End: end})
		downtime[k] += end.Sub(t)
	}
	for _, n := range order {
		l := lanes[n]
		closeSpan(l, end)
		p.Nodes = append(p.Nodes, report.NodeLane{Node: n, Spans: l.spans})
	}
	p.InFlight = report.CountInFlight(migrations, evictions)
	for _, v := range sum.VMIs {
		k := v.Namespace + "/" + v.Name
		p.VMs = append(p.VMs, report.VMRow{Namespace: v.Namespace, Name: v.Name, Outcome: reportOutcome(v.Outcome),
			Moves: v.Attempts, Downtime: downtime[k], Reason: rowReason(v)})
	}
	p.Summary = []report.Fact{
		{Name: "update", Value: planKindName(plan.Kind) + ", " + showVersions(plan.From) + " → " + showVersions(plan.To)},
		{Name: "result", Value: sum.Result},
		{Name: "duration", Value: report.FormatDuration(sum.End.Sub(sum.Start))},
		{Name: "nodes rolled", Value: fmt.Sprint(sum.NodesRolled)},
	}
	return p
}

// rowReason is the VM table's Reason: the outcome, and why when there is
// a why (never an outcome followed by an empty colon).
func rowReason(v vmiOutcome) string {
	if strings.TrimSpace(v.Reason) == "" {
		return v.Outcome
	}
	return v.Outcome + ": " + v.Reason
}

// writeHTML writes the page to the file, replacing it.
func writeHTML(file string, p report.Page) error {
	f, err := os.Create(file)
	if err != nil {
		return usageError(fmt.Errorf("--html: %w", err))
	}
	if err := report.Write(f, p); err != nil {
		f.Close()
		return fmt.Errorf("--html %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--html %s: %w", file, err)
	}
	return nil
}
