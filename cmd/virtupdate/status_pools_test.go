package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// The rules of this file follow `oc adm upgrade status`:
// openshift/oc pkg/cli/admin/upgrade/status/workerpool.go (and its copy of
// the MCO's node state, mco/layered_node_state.go), pinned by its
// workerpool_test.go.

// releases maps the rendered configs of the tests to their release.
var releases = map[string]string{"rendered-old": "4.15.30", "rendered-new": "4.16.3"}

const poolTarget = "4.16.3"

// mcdNode is a node with the daemon's annotations as oc's tests build them
// (workerpool_test.go nodeBuilder): state, drain asked and applied.
func mcdNode(name, current, desired, state, desiredDrain, appliedDrain string, cordoned bool) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{
		update.NodeCurrentConfigAnnotation: current, update.NodeDesiredConfigAnnotation: desired, update.NodeStateAnnotation: state,
		update.NodeDesiredDrainAnnotation: desiredDrain, update.NodeLastAppliedDrainAnnotation: appliedDrain, update.NodeReasonAnnotation: "",
	}}, Spec: corev1.NodeSpec{Unschedulable: cordoned}}
	n.Status.Conditions = []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse},
		{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse},
	}
	return n
}

func without(n corev1.Node, keys ...string) corev1.Node {
	n.Annotations = maps.Clone(n.Annotations)
	for _, k := range keys {
		delete(n.Annotations, k)
	}
	return n
}

var (
	pendingNode   = mcdNode("a", "rendered-old", "rendered-old", "Done", "uncordon-rendered-old", "uncordon-rendered-old", false)
	drainingNode  = mcdNode("a", "rendered-old", "rendered-new", "Working", "drain-rendered-new", "uncordon-rendered-old", true)
	updatingNode  = mcdNode("a", "rendered-old", "rendered-new", "Working", "drain-rendered-new", "drain-rendered-new", true)
	rebootingNode = mcdNode("a", "rendered-old", "rendered-new", "Rebooting", "drain-rendered-new", "drain-rendered-new", true)
	updatedNode   = mcdNode("a", "rendered-new", "rendered-new", "Done", "drain-rendered-new", "drain-rendered-new", false)
)

// TestAssessNode: each node's assessment, phase, version, estimate and
// message. oc: workerpool_test.go Test_assessNodesStatus (its rows, and
// ours for the daemon's post-config action and a paused pool).
func TestAssessNode(t *testing.T) {
	master := update.MachineConfigPool{Name: "master", TargetConfig: "rendered-new"}
	degraded := mcdNode("a", "rendered-old", "rendered-new", "Degraded", "drain-rendered-new", "uncordon-rendered-old", true)
	degraded.Annotations[update.NodeReasonAnnotation] = "failed to drain node: a after 1 hour"
	noMCD := mcdNode("a", "", "", "", "", "", false)
	noMCD.Annotations = nil
	rebootAction := updatingNode
	rebootAction.Annotations = maps.Clone(updatingNode.Annotations)
	rebootAction.Annotations["machineconfiguration.openshift.io/post-config-action"] = "Rebooting"
	cordonedUpdated := updatedNode
	cordonedUpdated.Spec.Unschedulable = true
	for _, tt := range []struct {
		reason                             string
		node                               corev1.Node
		pool                               update.MachineConfigPool
		assessment, phase, version, est    string
		message                            string
		unavailable, degraded, updating, u bool
	}{
		{"pending: all is well", pendingNode, master, assessOutdated, phasePending, "4.15.30", "?", "", false, false, false, false},
		{"draining: all is well", drainingNode, master, assessProgressing, phaseDraining, "4.15.30", "+10m", "", true, false, true, false},
		{"draining: the daemon did not yet set its state", mcdNode("a", "rendered-old", "rendered-new", "Done", "uncordon-rendered-old", "uncordon-rendered-old", true), master,
			assessProgressing, phaseDraining, "4.15.30", "+10m", "", true, false, true, false},
		{"updating: all is well", updatingNode, master, assessProgressing, phaseUpdating, "4.15.30", "+5m", "", true, false, true, false},
		{"rebooting: all is well", rebootingNode, master, assessProgressing, phaseRebooting, "4.15.30", "+5m", "", true, false, true, false},
		{"rebooting by the daemon's post-config action (ours: the state stays Working)", rebootAction, master, assessProgressing, phaseRebooting, "4.15.30", "+5m", "", true, false, true, false},
		{"updated: all is well", updatedNode, master, assessCompleted, phaseCompleted, "4.16.3", "-", "", false, false, false, true},
		{"degraded: a PDB prohibits draining", degraded, master, assessDegraded, phaseDraining, "4.15.30", "?", "failed to drain node: a after 1 hour", true, true, true, false},
		{"updated, no desiredConfig", without(updatedNode, update.NodeDesiredConfigAnnotation), master, assessUnavailable, phaseCompleted, "4.16.3", "-", unavailableMCDWorking, true, false, false, true},
		{"updated, no currentConfig", without(updatedNode, update.NodeCurrentConfigAnnotation), master, assessUnavailable, phasePending, "", "?", unavailableMCDWorking, true, false, false, false},
		{"draining, no desiredDrain", without(drainingNode, update.NodeDesiredDrainAnnotation), master, assessProgressing, phaseUpdating, "4.15.30", "+5m", "", true, false, true, false},
		{"draining, no lastAppliedDrain", without(drainingNode, update.NodeLastAppliedDrainAnnotation), master, assessProgressing, phaseUpdating, "4.15.30", "+5m", "", true, false, true, false},
		{"pending, no state", without(pendingNode, update.NodeStateAnnotation), master, assessUnavailable, phasePending, "4.15.30", "?", unavailableMCDWorking, true, false, false, false},
		{"draining, no state", without(drainingNode, update.NodeStateAnnotation), master, assessProgressing, phaseDraining, "4.15.30", "+10m", "", true, false, true, false},
		{"updated, no state", without(updatedNode, update.NodeStateAnnotation), master, assessUnavailable, phaseCompleted, "4.16.3", "-", unavailableMCDWorking, true, false, false, true},
		{"updating, no desiredConfig nor state", without(updatingNode, update.NodeDesiredConfigAnnotation, update.NodeStateAnnotation), master, assessUnavailable, phasePending, "4.15.30", "?", unavailableUnschedulable, true, false, false, false},
		{"updating, no currentConfig nor state", without(updatingNode, update.NodeCurrentConfigAnnotation, update.NodeStateAnnotation), master, assessUnavailable, phasePending, "", "?", unavailableUnschedulable, true, false, false, false},
		{"no daemon annotations", noMCD, master, assessUnavailable, phasePending, "", "?", unavailableMCDWorking, true, false, false, false},
		{"updated but cordoned", cordonedUpdated, master, assessUnavailable, phaseCompleted, "4.16.3", "-", unavailableUnschedulable, true, false, false, true},
		{"outdated in a paused pool", pendingNode, update.MachineConfigPool{Name: "worker", Paused: true, TargetConfig: "rendered-new"}, assessExcluded, phasePaused, "4.15.30", "-", "", false, false, false, false},
		{"asked for another config than the pool's: not updating", drainingNode, update.MachineConfigPool{Name: "master", TargetConfig: "rendered-other"}, assessUnavailable, phasePending, "4.15.30", "?", unavailableUnschedulable, true, false, false, false},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			n := tt.node
			got := assessNode(&n, tt.pool, poolTarget, releases, cpNow)
			if got.Assessment != tt.assessment || got.Phase != tt.phase || got.Version != tt.version || got.Estimate != tt.est || got.Message != tt.message {
				t.Errorf("got %s/%s version %q est %q message %q; want %s/%s %q %q %q", got.Assessment, got.Phase, got.Version, got.Estimate, got.Message,
					tt.assessment, tt.phase, tt.version, tt.est, tt.message)
			}
			if got.unavailable != tt.unavailable || got.degraded != tt.degraded || got.updating != tt.updating || got.updated != tt.u {
				t.Errorf("unavailable %v degraded %v updating %v updated %v; want %v %v %v %v", got.unavailable, got.degraded, got.updating, got.updated,
					tt.unavailable, tt.degraded, tt.updating, tt.u)
			}
		})
	}
}

// TestNodeOrder: Degraded, then Unavailable, Progressing, Excluded,
// Outdated, Completed; within, by phase then name. oc: workerpool_test.go
// Test_assessNodesStatus_DisplayData_Sorting.
func TestNodeOrder(t *testing.T) {
	nodes := []nodeStatus{
		{Name: "e", Assessment: assessCompleted, Phase: phaseCompleted},
		{Name: "d", Assessment: assessProgressing, Phase: phaseRebooting},
		{Name: "c", Assessment: assessProgressing, Phase: phaseDraining},
		{Name: "b", Assessment: assessUnavailable, Phase: phasePending},
		{Name: "a", Assessment: assessDegraded, Phase: phaseDraining},
		{Name: "f", Assessment: assessOutdated, Phase: phasePending},
	}
	slices.SortFunc(nodes, nodeOrder)
	var got []string
	for _, n := range nodes {
		got = append(got, n.Name)
	}
	if want := []string{"a", "b", "c", "d", "f", "e"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestAssessPool: the pool's assessment and counts. oc: workerpool_test.go
// Test_assessMachineConfigPool ("progressing - all is well", "degraded -
// pdb prohibits draining", "completed - all is well", "paused worker pool
// with a pending node") and Test_machineConfigPoolInsights ("paused
// pool").
func TestAssessPool(t *testing.T) {
	worker := update.MachineConfigPool{Name: "worker", TargetConfig: "rendered-new", MaxUnavailable: 1}
	paused := worker
	paused.Paused = true
	degraded := mcdNode("b", "rendered-old", "rendered-new", "Degraded", "drain-rendered-new", "uncordon-rendered-old", true)
	assess := func(p update.MachineConfigPool, nodes ...corev1.Node) poolStatus {
		var out []nodeStatus
		for i := range nodes {
			nodes[i].Name = string(rune('a' + i))
			out = append(out, assessNode(&nodes[i], p, poolTarget, releases, cpNow))
		}
		return assessPool(p, out)
	}
	for _, tt := range []struct {
		reason     string
		pool       poolStatus
		assessment string
		completion float64
		// total, updated, outdated, available, progressing, draining, excluded, degraded
		counts        [8]int
		pausedFinding bool
	}{
		{"progressing: one updated, one draining, one pending", assess(worker, updatedNode, drainingNode, pendingNode), assessProgressing, 100.0 / 3, [8]int{3, 1, 2, 2, 1, 1, 0, 0}, false},
		{"degraded: a drain the daemon gave up on", assess(worker, updatedNode, degraded), assessDegraded, 50, [8]int{2, 1, 1, 1, 0, 1, 0, 1}, false},
		{"completed", assess(worker, updatedNode, updatedNode), assessCompleted, 100, [8]int{2, 2, 0, 2, 0, 0, 0, 0}, false},
		{"every node pending: pending", assess(worker, pendingNode, pendingNode), assessPending, 0, [8]int{2, 0, 2, 2, 0, 0, 0, 0}, false},
		{"paused with outdated nodes: excluded", assess(paused, updatedNode, pendingNode), assessExcluded, 50, [8]int{2, 1, 1, 2, 0, 0, 1, 0}, true},
		{"paused and all updated: completed, nothing held", assess(paused, updatedNode), assessCompleted, 100, [8]int{1, 1, 0, 1, 0, 0, 0, 0}, false},
		{"no node: empty", assess(worker), assessEmpty, 0, [8]int{}, false},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			p := tt.pool
			got := [8]int{p.Total, p.Updated, p.Outdated, p.Available, p.Progressing, p.Draining, p.Excluded, p.Degraded}
			if p.Assessment != tt.assessment || p.Completion != tt.completion || got != tt.counts {
				t.Errorf("%s %.1f%% %v; want %s %.1f%% %v", p.Assessment, p.Completion, got, tt.assessment, tt.completion, tt.counts)
			}
			findings := poolFindings(p)
			hasPaused := slices.ContainsFunc(findings, func(f update.Finding) bool {
				return f.Check == checkPoolPaused && f.Severity == update.SeverityWarning && strings.Contains(f.Reason, "will not be updated until it is unpaused")
			})
			if hasPaused != tt.pausedFinding {
				t.Errorf("paused finding %v, want %v (%v)", hasPaused, tt.pausedFinding, findings)
			}
		})
	}
}

// TestNodeFindings: a degraded node is an Error with the daemon's reason;
// a node unavailable for a reason an admin must fix (NotReady for 5m,
// disk or network for 1m), and not because it updates, a Warning; a
// cordon, the daemon's work or a short NotReady, nothing. oc:
// workerpool_test.go Test_nodeInsights; mco/layered_node_state.go
// SeriouslyUnavailable.
func TestNodeFindings(t *testing.T) {
	worker := update.MachineConfigPool{Name: "worker", TargetConfig: "rendered-new"}
	notReady := func(n corev1.Node, cond corev1.NodeConditionType, status corev1.ConditionStatus, since time.Duration) corev1.Node {
		n.Status.Conditions = slices.Clone(n.Status.Conditions)
		for i := range n.Status.Conditions {
			if n.Status.Conditions[i].Type == cond {
				n.Status.Conditions[i].Status, n.Status.Conditions[i].LastTransitionTime = status, metav1.NewTime(cpNow.Add(-since))
				n.Status.Conditions[i].Message = "kubelet stopped posting node status"
			}
		}
		return n
	}
	degraded := mcdNode("a", "rendered-old", "rendered-new", "Degraded", "drain-rendered-new", "uncordon-rendered-old", true)
	degraded.Annotations[update.NodeReasonAnnotation] = "failed to drain node: a after 1 hour"
	for _, tt := range []struct {
		reason string
		node   corev1.Node
		want   []string
	}{
		{"all is well", updatedNode, nil},
		{"degraded", degraded, []string{checkNodeDegraded + " Error"}},
		{"NotReady for 6m", notReady(updatedNode, corev1.NodeReady, corev1.ConditionFalse, 6*time.Minute), []string{checkNodeUnavailable + " Warning"}},
		{"NotReady for 4m", notReady(updatedNode, corev1.NodeReady, corev1.ConditionFalse, 4*time.Minute), nil},
		{"disk pressure for 2m", notReady(pendingNode, corev1.NodeDiskPressure, corev1.ConditionTrue, 2*time.Minute), []string{checkNodeUnavailable + " Warning"}},
		{"network unavailable for 30s", notReady(pendingNode, corev1.NodeNetworkUnavailable, corev1.ConditionTrue, 30*time.Second), nil},
		{"cordoned by an admin", mcdNode("a", "rendered-old", "rendered-old", "Done", "uncordon-rendered-old", "uncordon-rendered-old", true), nil},
		{"NotReady while it reboots into the update: it updates", notReady(rebootingNode, corev1.NodeReady, corev1.ConditionFalse, time.Hour), nil},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			n := tt.node
			ps := assessPool(worker, []nodeStatus{assessNode(&n, worker, poolTarget, releases, cpNow)})
			var got []string
			for _, f := range poolFindings(ps) {
				got = append(got, f.Check+" "+string(f.Severity))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNodesByPool: master first, then the custom pools, then worker, by
// spec.nodeSelector or, without it, the role label. oc: status.go Run and
// workerpool.go whichPool.
func TestNodesByPool(t *testing.T) {
	node := func(name string, roles ...string) corev1.Node {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
		for _, r := range roles {
			n.Labels["node-role.kubernetes.io/"+r] = ""
		}
		return n
	}
	pools := []update.MachineConfigPool{
		{Name: "worker"},
		{Name: "infra", NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/infra": ""}}},
		{Name: "master"},
	}
	nodes := []corev1.Node{node("m", "master", "worker"), node("i", "infra", "worker"), node("w", "worker"), node("x", "edge")}
	got, err := nodesByPool(pools, nodes)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ns []*corev1.Node) (out []string) {
		for _, n := range ns {
			out = append(out, n.Name)
		}
		return out
	}
	if !slices.Equal(names(got["master"]), []string{"m"}) || !slices.Equal(names(got["infra"]), []string{"i"}) || !slices.Equal(names(got["worker"]), []string{"w"}) {
		t.Errorf("got master %v, infra %v, worker %v", names(got["master"]), names(got["infra"]), names(got["worker"]))
	}
	bad := []update.MachineConfigPool{{Name: "odd", NodeSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Sideways"}}}}}
	if _, err := nodesByPool(bad, nodes); err == nil || !strings.Contains(err.Error(), "MachineConfigPool odd: spec.nodeSelector") {
		t.Errorf("a bad selector: err = %v, want it to name the pool and the field", err)
	}
}

// TestPoolFromStatus: without the nodes' releases the pool's own counts
// are all there is, and the report says so.
func TestPoolFromStatus(t *testing.T) {
	p := assessPoolFromStatus(update.MachineConfigPool{Name: "worker", Paused: true, MachineCount: 5, UpdatedMachineCount: 2, UnavailableMachineCount: 1})
	if p.Basis != basisPoolStatus || p.Assessment != assessExcluded || p.Total != 5 || p.Updated != 2 || p.Excluded != 3 || p.Available != 4 || p.Completion != 40 {
		t.Errorf("from the pool's status: %+v", p)
	}
}

// TestDrainingSince: a draining node has drained since its cordon, the
// TimeAdded the node lifecycle controller stamps on the
// node.kubernetes.io/unschedulable taint (kubernetes
// pkg/controller/util/node/controller_utils.go SwapNodeControllerTaint);
// without the taint it is not known.
func TestDrainingSince(t *testing.T) {
	master := update.MachineConfigPool{Name: "master", TargetConfig: "rendered-new"}
	n := drainingNode
	at := metav1.NewTime(cpNow.Add(-2 * time.Hour))
	n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &at}}
	if s := assessNode(&n, master, poolTarget, releases, cpNow); !s.Since.Equal(at.Time) {
		t.Errorf("since %v, want %v", s.Since, at.Time)
	}
	n = drainingNode
	if s := assessNode(&n, master, poolTarget, releases, cpNow); !s.Since.IsZero() {
		t.Errorf("since %v without the taint, want not known", s.Since)
	}
}
