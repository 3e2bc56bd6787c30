package main

import (
	"strings"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// workerPool is a pool of total nodes, updated of them on the target,
// rolling since the given time, maxUnavailable m; the nodes left are
// pending.
func workerPool(total, updated int, m int32, rollingFor time.Duration) poolStatus {
	p := poolStatus{Name: "worker", Total: total, Updated: updated, MaxUnavailable: m}
	if rollingFor > 0 {
		p.Since = cpNow.Add(-rollingFor)
	}
	for i := range total {
		n := nodeStatus{Name: "w" + string(rune('a'+i)), Phase: phasePending}
		if i < updated {
			n.Phase = phaseCompleted
		}
		p.Nodes = append(p.Nodes, n)
	}
	return p
}

// TestEstimatePool: a worker pool's time left is the nodes left, in
// batches of maxUnavailable, each as long as a node took so far. Ours: oc
// gives each node a fixed "+10m" draining or "+5m" updating
// (workerpool.go assessNodesStatus) and no pool estimate at all.
func TestEstimatePool(t *testing.T) {
	live := kubevirtv1.EvictionStrategyLiveMigrate
	mem := newStatusMemory()
	mem.durations["worker"] = []time.Duration{10 * time.Minute, 20 * time.Minute}
	for _, tt := range []struct {
		reason string
		pool   poolStatus
		facts  etaFacts
		known  bool
		left   time.Duration
		says   string
	}{
		{"every node updated", workerPool(3, 3, 1, time.Hour), etaFacts{}, true, 0, "every node runs the target release"},
		{"22 of 59 after 2h, one at a time: 37 × 2h/22", workerPool(59, 22, 1, 2*time.Hour), etaFacts{}, true,
			(37 * 2 * time.Hour / 22).Round(time.Second), "the pool has rolled for 2h and updated 22 nodes, 1 at a time"},
		{"22 of 59 after 2h, ten at a time: 4 batches of 2h×10/22", workerPool(59, 22, 10, 2*time.Hour), etaFacts{}, true,
			(4 * 2 * time.Hour * 10 / 22).Round(time.Second), "10 at a time"},
		{"3 of 59 in the first batch of ten: a node takes the time so far", workerPool(59, 3, 10, 30*time.Minute), etaFacts{}, true,
			6 * 30 * time.Minute, "updated 3 nodes, 10 at a time"},
		{"a watch measured the nodes: their mean", workerPool(10, 2, 2, time.Hour), etaFacts{mem: mem}, true,
			4 * 15 * time.Minute, "the mean time from drain to ready of the 2 nodes this watch saw update"},
		{"paused: not known", func() poolStatus { p := workerPool(3, 1, 1, time.Hour); p.Paused = true; return p }(), etaFacts{}, false, 0, "paused"},
		{"a VMI left that denies its eviction: not known", workerPool(3, 1, 1, time.Hour),
			etaFacts{vmis: map[string][]*kubevirtv1.VirtualMachineInstance{"wc": {vmi("gpu", "wc", false, &live)}}, cluster: live}, false, 0, "VMI prod/gpu"},
		{"not started, no VMIs: 5m a node", workerPool(4, 0, 2, 0), etaFacts{outbound: 1}, true, 2 * nodeUpdateTime, "5m per node to update and reboot (no VMI on the nodes left)"},
		{"not started, VMIs: 5m plus their migrations, per node", workerPool(2, 0, 1, 0),
			etaFacts{outbound: 2, migration: time.Minute, vmis: map[string][]*kubevirtv1.VirtualMachineInstance{
				"wa": {vmi("a", "wa", true, nil), vmi("b", "wa", true, nil), vmi("c", "wa", true, nil)}}}, true,
			2 * (nodeUpdateTime + time.Minute), "3 on the nodes left"},
		{"not started, VMIs, no migration observed: not known", workerPool(2, 0, 1, 0),
			etaFacts{outbound: 1, vmis: map[string][]*kubevirtv1.VirtualMachineInstance{"wa": {vmi("a", "wa", true, nil)}}}, false, 0, "no VMI migration has been observed"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			f := tt.facts
			f.now = cpNow
			if f.outbound == 0 {
				f.outbound = 1
			}
			e := estimatePool(tt.pool, f)
			if e.Known != tt.known || time.Duration(e.RemainingSeconds)*time.Second != tt.left || !strings.Contains(e.Basis, tt.says) {
				t.Errorf("known %v, left %v, basis %q; want %v, %v, saying %q", e.Known, time.Duration(e.RemainingSeconds)*time.Second, e.Basis, tt.known, tt.left, tt.says)
			}
		})
	}
}

// TestEstimate: the control plane's time left by oc's estimate, then the
// slowest worker pool; the workload update when it ends later. Where oc
// counts the update done once its ClusterOperators are (its estimate says
// nothing left), the 37 workers still to drain are not.
func TestEstimate(t *testing.T) {
	est := func(s int64) *int64 { return &s }
	done := &controlPlaneStatus{Assessment: assessCompleted, Completion: 100}
	for _, tt := range []struct {
		reason string
		facts  etaFacts
		known  bool
		left   time.Duration
		says   string
	}{
		{"nothing updating", etaFacts{}, true, 0, "nothing is updating"},
		{"control plane done, 37 of 59 workers left: the workers' time, where oc's curve says nothing is left", etaFacts{platformUpdating: true, cp: done,
			pools: []poolStatus{workerPool(59, 22, 1, 2*time.Hour)}}, true, (37 * 2 * time.Hour / 22).Round(time.Second), "the control plane, then the slowest worker pool"},
		{"control plane 20m left, then the slower of two pools", etaFacts{platformUpdating: true,
			cp:    &controlPlaneStatus{Assessment: assessProgressing, Completion: 50, EstimatedRemainingSeconds: est(1200)},
			pools: []poolStatus{workerPool(4, 0, 1, 0), func() poolStatus { p := workerPool(2, 0, 1, 0); p.Name = "infra"; return p }()}}, true,
			20*time.Minute + 4*nodeUpdateTime, "the slowest worker pool"},
		{"the control plane overdue: counted as done any moment", etaFacts{platformUpdating: true,
			cp: &controlPlaneStatus{Assessment: assessProgressingSlow, Completion: 90, EstimatedRemainingSeconds: est(-300)}}, true, 0, ""},
		{"no ClusterOperators: not known", etaFacts{platformUpdating: true, cp: &controlPlaneStatus{Assessment: assessProgressing}}, false, 0, "control plane: the ClusterOperators cannot be read"},
		{"the workload update ends later", etaFacts{platformUpdating: true, cp: done, pools: []poolStatus{workerPool(2, 2, 1, time.Hour)},
			workloads: &workload.Progress{Outdated: 10, ETAKnown: true, ETA: time.Hour}}, true, time.Hour, "the workload update, which ends after the platform's"},
		{"a workload update alone", etaFacts{workloads: &workload.Progress{Outdated: 10, ETAKnown: true, ETA: time.Hour}}, true, time.Hour, "the workload update"},
		{"blocked and stuck VMIs are not waited for", etaFacts{workloads: &workload.Progress{Outdated: 2, Blocked: 1, Stuck: 1}}, true, 0, "nothing is updating"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			f := tt.facts
			f.now, f.outbound = cpNow, 1
			e := estimate(f)
			if e.Known != tt.known || time.Duration(e.RemainingSeconds)*time.Second != tt.left || !strings.Contains(e.Basis, tt.says) {
				t.Errorf("known %v, left %v, basis %q; want %v, %v, saying %q", e.Known, time.Duration(e.RemainingSeconds)*time.Second, e.Basis, tt.known, tt.left, tt.says)
			}
		})
	}
}

// TestEstimatePausedPool: a paused pool will not finish until someone
// unpauses it; the ETA is the rest's, and says it leaves the pool out.
func TestEstimatePausedPool(t *testing.T) {
	paused := workerPool(2, 0, 1, 0)
	paused.Name, paused.Paused = "infra", true
	e := estimate(etaFacts{now: cpNow, outbound: 1, platformUpdating: true, cp: &controlPlaneStatus{Assessment: assessCompleted},
		pools: []poolStatus{workerPool(4, 2, 1, time.Hour), paused}})
	if !e.Known || time.Duration(e.RemainingSeconds)*time.Second != time.Hour || !strings.Contains(e.Basis, "not counting the paused pool infra") {
		t.Errorf("ETA %+v", e)
	}
}
