package main

import (
	"fmt"
	"strings"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/workload"
)

// nodeUpdateTime is how long oc expects a node to update and reboot once
// drained (its "+5m" per-node estimate), the part of a node's time that
// does not depend on its VMIs.
const nodeUpdateTime = 5 * time.Minute

// etaPart is the time one part of the update still needs.
type etaPart struct {
	Known            bool   `json:"known"`
	RemainingSeconds int64  `json:"remainingSeconds"`
	Basis            string `json:"basis"`
}

// poolETA is a pool's remaining time: the nodes left, in batches of
// maxUnavailable, each batch as long as a node takes.
type poolETA struct {
	Pool           string `json:"pool"`
	NodesLeft      int    `json:"nodesLeft"`
	Parallel       int    `json:"parallel"`
	PerNodeSeconds int64  `json:"perNodeSeconds,omitempty"`
	etaPart
}

// etaStatus is how long the update still needs, by our reckoning:
//
//   - the control plane: oc's estimate from the ClusterOperators'
//     completion curve (estimateControlPlane), which knows nothing of the
//     worker nodes;
//   - each worker pool (they roll at the same time, once the control plane
//     is done): the nodes left, maxUnavailable at a time, each taking the
//     time a node of that pool took so far — measured per node by a
//     --watch, else read from how long the pool has rolled for the nodes
//     it updated; before any node of the pool updated, five minutes per
//     node plus the migrations of the VMIs it holds, at the median
//     migration time observed, parallelOutboundMigrationsPerNode at a time.
//     A node left that holds a VMI whose eviction is denied never drains:
//     that pool has no ETA;
//   - the workload update of OpenShift Virtualization: its own ETA.
//
// The total is the control plane plus the slowest worker pool, or the
// workload update when that ends later. oc instead gives a node a fixed
// "+10m" draining and "+5m" updating, and its only time estimate is the
// control plane's: its curve, fitted on one CI cluster, says nothing of a
// pool of 59 nodes full of VMs that drain one at a time.
type etaStatus struct {
	Known            bool      `json:"known"`
	RemainingSeconds int64     `json:"remainingSeconds"`
	Basis            string    `json:"basis"`
	ControlPlane     *etaPart  `json:"controlPlane,omitempty"`
	Pools            []poolETA `json:"pools,omitempty"`
	Workloads        *etaPart  `json:"workloads,omitempty"`
}

// etaFacts are what the ETA is computed from.
type etaFacts struct {
	now time.Time
	// platformUpdating: the platform update runs; cp is its control plane
	// (nil without a ClusterVersion).
	platformUpdating bool
	cp               *controlPlaneStatus
	pools            []poolStatus
	mem              *statusMemory
	vmis             map[string][]*kubevirtv1.VirtualMachineInstance
	cluster          kubevirtv1.EvictionStrategy
	// migration is the median migration observed (0: none observed);
	// outbound the migrations a node sends at once.
	migration time.Duration
	outbound  int
	// workloads is the workload update's progress, nil without OpenShift
	// Virtualization.
	workloads *workload.Progress
}

func seconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

// estimatePool is one pool's ETA (see etaStatus).
func estimatePool(ps poolStatus, f etaFacts) poolETA {
	e := poolETA{Pool: ps.Name, NodesLeft: ps.Total - ps.Updated, Parallel: max(min(int(ps.MaxUnavailable), ps.Total), 1)}
	switch {
	case e.NodesLeft <= 0:
		e.NodesLeft, e.Known, e.Basis = 0, true, "every node runs the target release"
		return e
	case ps.Paused:
		e.Basis = "the pool is paused: its nodes wait until it is unpaused"
		return e
	}
	var left []nodeStatus
	for _, n := range ps.Nodes {
		if n.Phase == phaseCompleted {
			continue
		}
		left = append(left, n)
		for _, vmi := range f.vmis[n.Name] {
			if p := workload.PredictEviction(vmi, &f.cluster, nil); p.Outcome == workload.EvictionDenied || p.Outcome == workload.EvictionExternal {
				e.Basis = fmt.Sprintf("VMI %s/%s (eviction strategy %s, not live-migratable) on node %s denies its eviction: that drain never finishes", vmi.Namespace, vmi.Name, p.Strategy, n.Name)
				return e
			}
		}
	}
	var perNode time.Duration
	switch observed := f.mem.nodeDurations(ps.Name); {
	case len(observed) > 0:
		var sum time.Duration
		for _, d := range observed {
			sum += d
		}
		perNode = sum / time.Duration(len(observed))
		e.Basis = fmt.Sprintf("%s per node, the mean time from drain to ready of the %s this watch saw update", report.FormatDuration(perNode), plural(len(observed), "node", "nodes"))
	case ps.Updated > 0 && !ps.Since.IsZero() && f.now.After(ps.Since):
		elapsed := f.now.Sub(ps.Since)
		perNode = elapsed * time.Duration(min(e.Parallel, ps.Updated)) / time.Duration(ps.Updated)
		e.Basis = fmt.Sprintf("%s per node: the pool has rolled for %s and updated %s, %d at a time", report.FormatDuration(perNode), report.FormatDuration(elapsed), plural(ps.Updated, "node", "nodes"), e.Parallel)
	case len(left) == 0:
		// Counted from the pool's status: no node to look at.
		e.Basis = "no node of the pool has updated yet, and its nodes cannot be read one by one"
		return e
	default:
		var sum time.Duration
		vmis := 0
		for _, n := range left {
			sum += nodeUpdateTime
			if k := len(f.vmis[n.Name]); k > 0 {
				if f.migration <= 0 {
					e.Basis = "no node of the pool has updated yet and no VMI migration has been observed to time its drains by"
					return e
				}
				vmis += k
				sum += time.Duration((k+f.outbound-1)/f.outbound) * f.migration
			}
		}
		perNode = sum / time.Duration(len(left))
		if vmis == 0 {
			e.Basis = fmt.Sprintf("no node of the pool has updated yet: %s per node to update and reboot (no VMI on the nodes left)", report.FormatDuration(nodeUpdateTime))
			break
		}
		e.Basis = fmt.Sprintf("no node of the pool has updated yet: %s per node, %s to update and reboot plus the migrations of its VMIs (%d on the nodes left) at the observed median of %s, %d at a time",
			report.FormatDuration(perNode), report.FormatDuration(nodeUpdateTime), vmis, report.FormatDuration(f.migration), f.outbound)
	}
	batches := (e.NodesLeft + e.Parallel - 1) / e.Parallel
	e.PerNodeSeconds, e.Known, e.RemainingSeconds = seconds(perNode), true, seconds(time.Duration(batches)*perNode)
	return e
}

// estimate computes the update's ETA (see etaStatus).
func estimate(f etaFacts) etaStatus {
	var out etaStatus
	var platform time.Duration
	platformKnown := true
	var unknown, paused []string
	if f.platformUpdating {
		cp := &etaPart{Known: true}
		switch {
		case f.cp == nil || f.cp.Assessment == assessCompleted:
			cp.Basis = "the control plane is updated"
		case f.cp.EstimatedRemainingSeconds != nil && *f.cp.EstimatedRemainingSeconds >= 0:
			cp.RemainingSeconds = *f.cp.EstimatedRemainingSeconds
			cp.Basis = fmt.Sprintf("oc's estimate from the ClusterOperators' completion (%.0f%%)", f.cp.Completion)
		case f.cp.EstimatedRemainingSeconds != nil:
			cp.Basis = fmt.Sprintf("overdue by %s by oc's estimate from the ClusterOperators' completion (%.0f%%): counted as done any moment", report.FormatDuration(-time.Duration(*f.cp.EstimatedRemainingSeconds)*time.Second), f.cp.Completion)
		default:
			cp.Known, cp.Basis = false, "the ClusterOperators cannot be read: the control plane's progress is not known"
		}
		out.ControlPlane = cp
		if !cp.Known {
			platformKnown = false
			unknown = append(unknown, "control plane: "+cp.Basis)
		}
		platform = time.Duration(cp.RemainingSeconds) * time.Second
		var slowest time.Duration
		for _, ps := range f.pools {
			if ps.ControlPlane || ps.Total == 0 {
				continue
			}
			e := estimatePool(ps, f)
			out.Pools = append(out.Pools, e)
			if ps.Paused && !e.Known {
				paused = append(paused, ps.Name)
				continue
			}
			if !e.Known {
				platformKnown = false
				unknown = append(unknown, "pool "+ps.Name+": "+e.Basis)
				continue
			}
			slowest = max(slowest, time.Duration(e.RemainingSeconds)*time.Second)
		}
		platform += slowest
	}
	var work time.Duration
	workKnown := true
	if w := f.workloads; w != nil && w.Outdated-w.Blocked-w.Stuck > 0 {
		p := &etaPart{Known: w.ETAKnown}
		if w.ETAKnown {
			p.RemainingSeconds = seconds(w.ETA)
			p.Basis = fmt.Sprintf("the outdated VMIs' migrations at the median of %s over %d observed", report.FormatDuration(w.MedianMigration), w.ObservedMigrations)
			work = w.ETA
		} else {
			p.Basis = "no migration observed yet"
			workKnown = false
			unknown = append(unknown, "workloads: "+p.Basis)
		}
		out.Workloads = p
	}
	switch {
	case !f.platformUpdating && out.Workloads == nil:
		out.Known, out.Basis = true, "nothing is updating"
	case !platformKnown || !workKnown:
		out.Basis = "not known: " + strings.Join(unknown, "; ")
	default:
		out.Known = true
		out.RemainingSeconds = seconds(max(platform, work))
		out.Basis = "the control plane, then the slowest worker pool"
		switch {
		case !f.platformUpdating:
			out.Basis = "the workload update"
		case work > platform:
			out.Basis = "the workload update, which ends after the platform's"
		}
	}
	if len(paused) > 0 {
		which := "pool " + paused[0]
		if len(paused) > 1 {
			which = "pools " + strings.Join(paused, ", ")
		}
		out.Basis += "; not counting the paused " + which + ", which will not finish until unpaused"
	}
	return out
}
