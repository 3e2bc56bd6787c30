package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/workload"
)

// statusRows are the per-VMI rows of the status page, one per running VMI,
// from the workload planner's view of the live cluster: a VMI stuck after
// failed migrations or one that will not move by itself is Blocked; one
// that moved live to the new virt-launcher (a succeeded migration of it is
// listed, by a drain or the workload update) is Migrated; every other one is Untouched so far, with what it
// waits for. Moves counts its succeeded migrations still listed.
func statusRows(plan workload.Plan, vmis []v1.VirtualMachineInstance, migrations []v1.VirtualMachineInstanceMigration) []report.VMRow {
	type key struct{ ns, name string }
	moved := map[key]int{}
	moving := map[key]string{}
	for i := range migrations {
		m := &migrations[i]
		k := key{m.Namespace, m.Spec.VMIName}
		switch {
		case m.Status.Phase == v1.MigrationSucceeded:
			moved[k]++
		case !m.IsFinal():
			moving[k] = m.Name
		}
	}
	blocked := map[key]string{}
	for _, b := range plan.Blockers {
		blocked[key{b.Namespace, b.Name}] = strings.TrimSuffix("will not move to the new launcher by itself: "+b.Cause+": "+b.Message, ": ")
	}
	for _, s := range plan.Stuck {
		blocked[key{s.Namespace, s.Name}] = fmt.Sprintf("stuck: %s failed in a row (%s)", plural(s.Failures, "migration", "migrations"), strings.Join(s.Reasons, "; "))
	}
	decided := make(map[key]workload.VMIDecision, len(plan.Decisions))
	for _, d := range plan.Decisions {
		decided[key{d.Namespace, d.Name}] = d
	}
	rows := make([]report.VMRow, 0, len(vmis))
	for i := range vmis {
		vmi := &vmis[i]
		if vmi.IsFinal() || vmi.DeletionTimestamp != nil {
			continue
		}
		k := key{vmi.Namespace, vmi.Name}
		row := report.VMRow{Namespace: vmi.Namespace, Name: vmi.Name, Outcome: report.Untouched, Moves: moved[k]}
		d, outdated := decided[k]
		switch {
		case blocked[k] != "":
			row.Outcome, row.Reason = report.Blocked, blocked[k]
		case moving[k] != "":
			row.Reason = "migrating now (" + moving[k] + ")"
		case outdated:
			row.Reason = "waits for the workload update (" + string(d.Method) + "): " + d.Reason
		case moved[k] > 0:
			row.Outcome, row.Reason = report.Migrated, "migrated live; runs on the current virt-launcher"
		default:
			row.Reason = "on the current virt-launcher"
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b report.VMRow) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return rows
}

// statusHistory is what the status page draws over time: each node's
// phases as reads saw them, and the migrations in flight at each read. One
// read draws one instant; --watch adds a read each interval.
type statusHistory struct {
	order    []string
	lanes    map[string]*nodeHistory
	inFlight []report.Sample
	first    time.Time
}

type nodeHistory struct {
	pool  string
	spans []report.Span
}

func newStatusHistory() *statusHistory { return &statusHistory{lanes: map[string]*nodeHistory{}} }

// nodeKind is the lane kind of a node phase; "" for a phase the lane does
// not draw (pending, paused).
func nodeKind(n nodeStatus) string {
	switch {
	case n.Assessment == assessDegraded || n.Assessment == assessUnavailable:
		return report.KindFailed
	case n.Phase == phaseDraining:
		return report.KindDrain
	case n.Phase == phaseUpdating || n.Phase == phaseRebooting:
		return report.KindReboot
	case n.Phase == phaseCompleted:
		return report.KindReady
	}
	return ""
}

// observe adds one read.
func (h *statusHistory) observe(r *statusReport) {
	now := r.Observed
	if h.first.IsZero() {
		h.first = now
	}
	for _, p := range r.Pools {
		for _, n := range p.Nodes {
			lane := h.lanes[n.Name]
			if lane == nil {
				lane = &nodeHistory{pool: p.Name}
				h.lanes[n.Name] = lane
				h.order = append(h.order, n.Name)
			}
			kind := nodeKind(n)
			last := len(lane.spans) - 1
			if last >= 0 && lane.spans[last].Kind == kind && kind != "" {
				lane.spans[last].End = now
				continue
			}
			if last >= 0 && lane.spans[last].End.Before(now) {
				lane.spans[last].End = now
			}
			if kind == "" {
				continue
			}
			start := now
			if !n.Since.IsZero() && n.Since.Before(now) && (last < 0 || n.Since.After(lane.spans[last].End)) {
				start = n.Since
			}
			lane.spans = append(lane.spans, report.Span{Name: n.Phase, Start: start, End: now, Kind: kind})
		}
	}
	if r.Workloads != nil {
		h.inFlight = append(h.inFlight, report.Sample{At: now, Migrations: r.Workloads.InFlight})
	}
}

// page draws the latest read with the history behind it.
func (h *statusHistory) page(r *statusReport) report.Page {
	now := r.Observed
	p := report.Page{Title: "Update status", Generated: now}
	platform := r.Platform.Version
	if r.Platform.Target != "" && r.Platform.Target != r.Platform.Version {
		platform += " → " + r.Platform.Target
	}
	if r.Platform.Reason != "" {
		platform = r.Platform.Reason
	}
	p.Summary = append(p.Summary, report.Fact{Name: "OpenShift", Value: platform})
	if cp := r.ControlPlane; cp != nil {
		v := cp.Assessment
		if cp.CompletionKnown {
			v += fmt.Sprintf(", %.0f%% of the operators updated", cp.Completion)
		}
		p.Summary = append(p.Summary, report.Fact{Name: "Control plane", Value: v})
		if !cp.Started.IsZero() {
			s := report.Span{Name: "control plane to " + cp.Target, Start: cp.Started, End: now, Kind: report.KindRunning}
			if !cp.Completed.IsZero() {
				s.End, s.Kind = cp.Completed, report.KindDone
			}
			p.Steps = append(p.Steps, s)
		}
	}
	for _, pool := range r.Pools {
		p.Summary = append(p.Summary, report.Fact{Name: "Pool " + pool.Name,
			Value: fmt.Sprintf("%s, %d of %s updated", pool.Assessment, pool.Updated, plural(pool.Total, "node", "nodes"))})
		if pool.Since.IsZero() || pool.Assessment == assessPending || pool.Assessment == assessEmpty {
			continue
		}
		s := report.Span{Name: "pool " + pool.Name, Start: pool.Since, End: now, Kind: report.KindRunning}
		if pool.Assessment == assessCompleted {
			s.Kind = report.KindDone
		}
		if s.Start.After(s.End) {
			s.Start = s.End
		}
		p.Steps = append(p.Steps, s)
	}
	if r.HyperConverged != nil {
		p.Summary = append(p.Summary, report.Fact{Name: "OpenShift Virtualization", Value: r.HyperConverged.Version + " (" + r.HyperConverged.Verdict + ")"})
	} else {
		p.Summary = append(p.Summary, report.Fact{Name: "OpenShift Virtualization", Value: "not installed"})
	}
	if w := r.Workloads; w != nil {
		p.Summary = append(p.Summary, report.Fact{Name: "VMIs", Value: fmt.Sprintf("%d outdated, %s in flight, %d stuck, %d blocked",
			w.Progress.Outdated, plural(w.InFlight, "migration", "migrations"), len(w.Stuck), len(w.Blockers))})
	}
	eta := "not known"
	if r.ETA.Known {
		eta = report.FormatDuration(time.Duration(r.ETA.RemainingSeconds) * time.Second)
	}
	p.Summary = append(p.Summary, report.Fact{Name: "Remaining (estimate)", Value: eta})
	for _, name := range h.order {
		lane := h.lanes[name]
		p.Nodes = append(p.Nodes, report.NodeLane{Node: name, Pool: lane.pool, Spans: slices.Clone(lane.spans)})
	}
	p.InFlight = slices.Clone(h.inFlight)
	p.VMs = r.vmRows
	return p
}

// writeStatusPage writes the page to path through a file beside it and a
// rename, so a browser reloading it during --watch never reads half a page.
func writeStatusPage(path string, p report.Page) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".status-*.html")
	if err != nil {
		return usageError(fmt.Errorf("--html %s: %w", path, err))
	}
	defer os.Remove(tmp.Name())
	// A page is for reading: the mode a new file gets, not CreateTemp's 0600.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return usageError(fmt.Errorf("--html %s: %w", path, err))
	}
	if err := report.Write(tmp, p); err != nil {
		tmp.Close()
		return fmt.Errorf("--html %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return usageError(fmt.Errorf("--html %s: %w", path, err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return usageError(fmt.Errorf("--html %s: %w", path, err))
	}
	return nil
}
