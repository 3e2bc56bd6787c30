package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/virtupdate/virtupdate/update"
)

// Phases of a node in a platform update, as `oc adm upgrade status` names
// them (oc's last one is "Updated"), in the order it sorts them.
const (
	phaseDraining  = "Draining"
	phaseUpdating  = "Updating"
	phaseRebooting = "Rebooting"
	phasePaused    = "Paused"
	phasePending   = "Pending"
	phaseCompleted = "Completed"
)

// The machine-config daemon's states and drain verbs
// (machine-config-operator pkg/daemon/constants/constants.go), and the
// post-config action it sets before it reboots a node (pkg/daemon/update.go
// reboot), which the state annotation does not show: it stays Working.
const (
	mcdStateDone           = "Done"
	mcdStateWorking        = "Working"
	mcdStateRebooting      = "Rebooting"
	mcdStateDegraded       = "Degraded"
	mcdStateUnreconcilable = "Unreconcilable"
	mcdDrainVerb           = "drain"
	mcdPostConfigAction    = "machineconfiguration.openshift.io/post-config-action"
	mcdCurrentImage        = "machineconfiguration.openshift.io/currentImage"
	mcdDesiredImage        = "machineconfiguration.openshift.io/desiredImage"
)

// Why the MCO counts a node unavailable (machine-config-operator
// pkg/controller/common/layered_node_state.go, as oc words them).
const (
	unavailableMCDWorking     = "Machine Config Daemon is processing the node"
	unavailableUnschedulable  = "Node is marked unschedulable"
	unavailableNotReady       = "Not ready"
	unavailableDiskPressure   = "Disk pressure"
	unavailableNetworkMissing = "Network unavailable"
)

// Bases of a pool's counts.
const (
	basisNodes      = "nodes"
	basisPoolStatus = "pool status"
)

// nodeStatus is one node in a platform update.
type nodeStatus struct {
	Name string `json:"name"`
	// Assessment is Degraded, Unavailable, Progressing, Excluded, Outdated
	// or Completed; Phase Draining, Updating, Rebooting, Paused, Pending or
	// Completed.
	Assessment string `json:"assessment"`
	Phase      string `json:"phase"`
	// Version is the release of the MachineConfig the node runs, "" when
	// not known.
	Version string `json:"version,omitempty"`
	// Estimate is oc's per-node estimate: "+10m" draining, "+5m" updating
	// or rebooting, "-" nothing left, "?" not known.
	Estimate string `json:"estimate"`
	Message  string `json:"message,omitempty"`
	// Since is when the node entered its phase, when known: the cordon's
	// node.kubernetes.io/unschedulable taint for a drain, else when a
	// --watch first saw it.
	Since time.Time `json:"since,omitzero"`
	// VMIs is how many VMIs run on the node.
	VMIs int `json:"vmis"`

	unavailable, degraded, updating, updated bool
	seriouslyUnavailable                     bool
	unavailableSince                         time.Time
	unavailableSummary                       string
}

// reportedCounts are a pool's own status counts. Updated counts the
// machines on the pool's current rendered config, which during the
// control-plane phase of an update is still the old release's.
type reportedCounts struct {
	Machines    int32 `json:"machines"`
	Updated     int32 `json:"updated"`
	Ready       int32 `json:"ready"`
	Unavailable int32 `json:"unavailable"`
	Degraded    int32 `json:"degraded"`
}

// poolStatus is one MachineConfigPool in a platform update.
type poolStatus struct {
	Name string `json:"name"`
	// ControlPlane is true for the master pool.
	ControlPlane   bool  `json:"controlPlane,omitempty"`
	Paused         bool  `json:"paused"`
	MaxUnavailable int32 `json:"maxUnavailable"`
	// Assessment is Pending, Excluded, Degraded, Progressing, Completed or
	// Empty; Completion the percentage of nodes on the target release.
	Assessment string  `json:"assessment"`
	Completion float64 `json:"completion"`
	// Basis says what the counts are read from: "nodes" (each node's
	// MachineConfig and its release, as oc counts them) or "pool status"
	// (the nodes carry no machine-config daemon annotations or the
	// MachineConfigs cannot be read: the pool's own counts, which say
	// nothing of the target release).
	Basis string `json:"basis"`
	// The node counts, as oc counts them: Total, Updated (on the target),
	// Outdated (the rest), Available (not unavailable), Progressing
	// (draining, updating or rebooting, not degraded), Draining, Excluded
	// (a paused pool's outdated nodes), Degraded.
	Total       int            `json:"total"`
	Updated     int            `json:"updated"`
	Outdated    int            `json:"outdated"`
	Available   int            `json:"available"`
	Progressing int            `json:"progressing"`
	Draining    int            `json:"draining"`
	Excluded    int            `json:"excluded"`
	Degraded    int            `json:"degraded"`
	Reported    reportedCounts `json:"reported"`
	// Since is when the pool started rolling (its Updating condition's
	// time), when known.
	Since time.Time    `json:"since,omitzero"`
	Nodes []nodeStatus `json:"nodes"`
}

// poolSelector picks the pool's nodes: spec.nodeSelector, else its role
// label node-role.kubernetes.io/<name>.
func poolSelector(p update.MachineConfigPool) (labels.Selector, error) {
	if p.NodeSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(p.NodeSelector)
		if err != nil {
			return nil, fmt.Errorf("MachineConfigPool %s: spec.nodeSelector: %w", p.Name, err)
		}
		return s, nil
	}
	return labels.SelectorFromSet(labels.Set{"node-role.kubernetes.io/" + p.Name: ""}), nil
}

// nodesByPool assigns each node to one pool as oc does: master first, then
// the custom pools (by name), then worker; a node no pool selects is left
// out.
func nodesByPool(pools []update.MachineConfigPool, nodes []corev1.Node) (map[string][]*corev1.Node, error) {
	order := slices.Clone(pools)
	rank := func(name string) int {
		switch name {
		case update.MasterPool:
			return 0
		case "worker":
			return 2
		}
		return 1
	}
	slices.SortStableFunc(order, func(a, b update.MachineConfigPool) int {
		if d := rank(a.Name) - rank(b.Name); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	selectors := make([]labels.Selector, len(order))
	for i, p := range order {
		s, err := poolSelector(p)
		if err != nil {
			return nil, err
		}
		selectors[i] = s
	}
	out := map[string][]*corev1.Node{}
	for i := range nodes {
		set := labels.Set(nodes[i].Labels)
		for j, s := range selectors {
			if s.Matches(set) {
				out[order[j].Name] = append(out[order[j].Name], &nodes[i])
				break
			}
		}
	}
	return out, nil
}

// badCondition is one reason the MCO counts a node unavailable.
type badCondition struct {
	reason, message string
	since           time.Time
}

// nodeReadiness collects why the MCO does not count the node ready:
// NodeReady not True, DiskPressure or NetworkUnavailable not False, or
// cordoned (MCO layered_node_state.go checkNodeReady).
func nodeReadiness(n *corev1.Node) []badCondition {
	var out []badCondition
	for _, c := range n.Status.Conditions {
		b := badCondition{message: c.Message, since: c.LastTransitionTime.Time}
		switch {
		case c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue:
			b.reason = unavailableNotReady
		case c.Type == corev1.NodeDiskPressure && c.Status != corev1.ConditionFalse:
			b.reason = unavailableDiskPressure
		case c.Type == corev1.NodeNetworkUnavailable && c.Status != corev1.ConditionFalse:
			b.reason = unavailableNetworkMissing
		default:
			continue
		}
		out = append(out, b)
	}
	if n.Spec.Unschedulable {
		out = append(out, badCondition{reason: unavailableUnschedulable})
	}
	return out
}

// nodeDone: the daemon applied the desired config (current == desired,
// both set), any image it was asked for, and says Done.
func nodeDone(a map[string]string) bool {
	cur, des := a[update.NodeCurrentConfigAnnotation], a[update.NodeDesiredConfigAnnotation]
	if cur == "" || des == "" || cur != des || a[update.NodeStateAnnotation] != mcdStateDone {
		return false
	}
	ci, cok := a[mcdCurrentImage]
	di, dok := a[mcdDesiredImage]
	return (!cok && !dok) || (ci != "" && ci == di)
}

// nodeUnavailable is the MCO's count of unavailable machines: a node that
// is not ready, or whose daemon is working (or has not started) on a
// config it has not reached; one whose daemon failed (Degraded,
// Unreconcilable) is not (MCO layered_node_state.go isNodeUnavailable).
func nodeUnavailable(n *corev1.Node) (bool, []badCondition) {
	bad := nodeReadiness(n)
	if len(bad) > 0 {
		return true, bad
	}
	a := n.Annotations
	if nodeDone(a) {
		return false, nil
	}
	if s := a[update.NodeStateAnnotation]; s == mcdStateDegraded || s == mcdStateUnreconcilable {
		return false, nil
	}
	return true, []badCondition{{reason: unavailableMCDWorking}}
}

// seriouslyUnavailable: unavailable for a reason an admin must fix, not
// one the update causes: a cordon or the daemon's work do not count, nor
// NotReady for under five minutes or disk or network pressure for under
// one (oc mco/layered_node_state.go SeriouslyUnavailable).
func seriouslyUnavailable(bad []badCondition, now time.Time) bool {
	for _, b := range bad {
		switch {
		case b.reason == unavailableUnschedulable, b.reason == unavailableMCDWorking:
		case b.reason == unavailableNotReady && now.Sub(b.since) < 5*time.Minute:
		case (b.reason == unavailableDiskPressure || b.reason == unavailableNetworkMissing) && now.Sub(b.since) < time.Minute:
		default:
			return true
		}
	}
	return false
}

func unavailableText(n *corev1.Node, bad []badCondition) (reason, summary string, since time.Time) {
	var reasons, summaries []string
	for _, b := range bad {
		reasons = append(reasons, b.reason)
		s := b.reason
		switch b.reason {
		case unavailableNotReady:
			s = "node " + n.Name + " is not ready"
		case unavailableDiskPressure:
			s = "node " + n.Name + " has disk pressure"
		case unavailableNetworkMissing:
			s = "node " + n.Name + " has unavailable network"
		}
		if b.message != "" {
			s += " (" + b.message + ")"
		}
		summaries = append(summaries, s)
		if !b.since.IsZero() && (since.IsZero() || b.since.Before(since)) {
			since = b.since
		}
	}
	return strings.Join(reasons, " | "), strings.Join(summaries, " | "), since
}

// nodeDraining: the drain controller was asked to drain the node and has
// not yet (desiredDrain "drain-…" differs from lastAppliedDrain); or the
// node is to update and its daemon still says Done, so the drain is about
// to start (oc workerpool.go isNodeDraining).
func nodeDraining(a map[string]string, updating bool) bool {
	desired, applied := a[update.NodeDesiredDrainAnnotation], a[update.NodeLastAppliedDrainAnnotation]
	if desired == "" || applied == "" {
		return false
	}
	if desired != applied && strings.SplitN(desired, "-", 2)[0] == mcdDrainVerb {
		return true
	}
	return updating && a[update.NodeStateAnnotation] == mcdStateDone
}

// updatingPhase maps the daemon's state of an updating node to its phase:
// Working is Updating (Rebooting once the daemon set its post-config
// action to reboot), Rebooting is Rebooting, Done Completed, and anything
// else, or no state, Updating (oc workerpool.go mcdUpdatingStateToPhase).
func updatingPhase(a map[string]string) string {
	switch a[update.NodeStateAnnotation] {
	case mcdStateWorking:
		if a[mcdPostConfigAction] == mcdStateRebooting {
			return phaseRebooting
		}
		return phaseUpdating
	case mcdStateRebooting:
		return phaseRebooting
	case mcdStateDone:
		return phaseCompleted
	}
	return phaseUpdating
}

// assessNode reads one node of the pool by oc's rules
// (workerpool.go assessNodesStatus): the node runs the release of the
// MachineConfig its currentConfig names; it is updated when that is the
// target; updating when its desiredConfig is the pool's target
// (spec.configuration.name, when known) of the target release and not yet
// reached. A degraded daemon (Degraded, Unreconcilable) makes it Degraded;
// unavailable and not updating, Unavailable.
func assessNode(n *corev1.Node, pool update.MachineConfigPool, target string, releaseOf map[string]string, now time.Time) nodeStatus {
	a := n.Annotations
	desired, hasDesired := a[update.NodeDesiredConfigAnnotation]
	current := a[update.NodeCurrentConfigAnnotation]
	curVersion, desVersion := releaseOf[current], releaseOf[desired]
	foundCurrent, foundDesired := curVersion != "", desVersion != ""
	matched := current == desired
	desiredIsTarget := pool.TargetConfig == "" || desired == pool.TargetConfig
	s := nodeStatus{Name: n.Name, Version: curVersion}
	s.updated = foundCurrent && curVersion == target
	s.updating = !s.updated && foundCurrent && foundDesired && desVersion == target && !matched && desiredIsTarget
	state := a[update.NodeStateAnnotation]
	s.degraded = hasDesired && desired != "" && (state == mcdStateDegraded || state == mcdStateUnreconcilable)
	var bad []badCondition
	s.unavailable, bad = nodeUnavailable(n)

	switch {
	case s.updating && nodeDraining(a, true):
		s.Phase = phaseDraining
	case s.updating:
		s.Phase = updatingPhase(a)
	case s.updated:
		s.Phase = phaseCompleted
	case pool.Paused:
		s.Phase = phasePaused
	default:
		s.Phase = phasePending
	}
	switch s.Phase {
	case phasePaused:
		s.Assessment, s.Estimate = assessExcluded, "-"
	case phasePending:
		s.Assessment, s.Estimate = assessOutdated, "?"
	case phaseDraining:
		s.Assessment, s.Estimate = assessProgressing, "+10m"
	case phaseUpdating, phaseRebooting:
		s.Assessment, s.Estimate = assessProgressing, "+5m"
	case phaseCompleted:
		s.Assessment, s.Estimate = assessCompleted, "-"
	}
	if s.unavailable && !s.updating {
		s.Assessment, s.Estimate = assessUnavailable, "?"
		if s.updated {
			s.Estimate = "-"
		}
		s.Message, s.unavailableSummary, s.unavailableSince = unavailableText(n, bad)
		s.seriouslyUnavailable = seriouslyUnavailable(bad, now)
	}
	if s.degraded {
		s.Assessment, s.Estimate = assessDegraded, "?"
		if s.updated {
			s.Estimate = "-"
		}
		s.Message = a[update.NodeReasonAnnotation]
	}
	if s.Phase == phaseDraining {
		s.Since = cordonedSince(n)
	}
	return s
}

// cordonedSince is when the node was cordoned: the time the node lifecycle
// controller added the node.kubernetes.io/unschedulable taint of a node
// with spec.unschedulable (kubernetes pkg/controller/nodelifecycle
// doNoScheduleTaintingPass, through pkg/controller/util/node
// SwapNodeControllerTaint, which stamps TimeAdded), zero when not known.
func cordonedSince(n *corev1.Node) time.Time {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeUnschedulable && t.TimeAdded != nil {
			return t.TimeAdded.Time
		}
	}
	return time.Time{}
}

// nodeOrder sorts nodes as oc does: by assessment (Degraded first), then
// phase, then name.
var (
	assessmentRank = map[string]int{assessDegraded: 0, assessUnavailable: 1, assessProgressing: 2, assessExcluded: 3, assessOutdated: 4, assessCompleted: 5}
	phaseRank      = map[string]int{phaseDraining: 0, phaseUpdating: 1, phaseRebooting: 2, phasePaused: 3, phasePending: 4, phaseCompleted: 5}
)

func nodeOrder(a, b nodeStatus) int {
	if d := assessmentRank[a.Assessment] - assessmentRank[b.Assessment]; d != 0 {
		return d
	}
	if d := phaseRank[a.Phase] - phaseRank[b.Phase]; d != 0 {
		return d
	}
	return strings.Compare(a.Name, b.Name)
}

// assessPool counts the pool's nodes and assesses it as oc does
// (workerpool.go assessMachineConfigPool): Completed when every node is
// updated, Pending when every node is pending, else Degraded when a node
// is, Excluded when a node is held by the pause, else Progressing. A pool
// with no node is Empty.
func assessPool(p update.MachineConfigPool, nodes []nodeStatus) poolStatus {
	ps := poolStatus{Name: p.Name, ControlPlane: p.Name == update.MasterPool, Paused: p.Paused, MaxUnavailable: max(p.MaxUnavailable, 1),
		Basis: basisNodes, Total: len(nodes), Nodes: nodes, Reported: reportedOf(p), Since: poolSince(p)}
	pending := 0
	for _, n := range nodes {
		if !n.unavailable {
			ps.Available++
		}
		if n.degraded {
			ps.Degraded++
		}
		switch n.Phase {
		case phasePaused:
			ps.Excluded++
			ps.Outdated++
		case phasePending:
			pending++
			ps.Outdated++
		case phaseDraining, phaseUpdating, phaseRebooting:
			if n.Phase == phaseDraining {
				ps.Draining++
			}
			ps.Outdated++
			if !n.degraded {
				ps.Progressing++
			}
		case phaseCompleted:
			ps.Updated++
		}
	}
	switch {
	case len(nodes) == 0:
		ps.Assessment = assessEmpty
	case ps.Updated == len(nodes):
		ps.Assessment = assessCompleted
	case pending == len(nodes):
		ps.Assessment = assessPending
	case ps.Degraded > 0:
		ps.Assessment = assessDegraded
	case ps.Excluded > 0:
		ps.Assessment = assessExcluded
	default:
		ps.Assessment = assessProgressing
	}
	if len(nodes) > 0 {
		ps.Completion = 100 * float64(ps.Updated) / float64(len(nodes))
	}
	return ps
}

// assessPoolFromStatus is the pool read from its own status counts, when
// its nodes' releases cannot be known: updated then means on the pool's
// current rendered config, whatever release that is.
func assessPoolFromStatus(p update.MachineConfigPool) poolStatus {
	ps := poolStatus{Name: p.Name, ControlPlane: p.Name == update.MasterPool, Paused: p.Paused, MaxUnavailable: max(p.MaxUnavailable, 1),
		Basis: basisPoolStatus, Reported: reportedOf(p), Since: poolSince(p), Nodes: []nodeStatus{},
		Total: int(p.MachineCount), Updated: int(p.UpdatedMachineCount), Degraded: int(p.DegradedMachineCount),
		Available: int(p.MachineCount - p.UnavailableMachineCount)}
	ps.Outdated = ps.Total - ps.Updated
	switch {
	case ps.Total == 0:
		ps.Assessment = assessEmpty
	case ps.Updated == ps.Total:
		ps.Assessment = assessCompleted
	case ps.Degraded > 0:
		ps.Assessment = assessDegraded
	case p.Paused:
		ps.Assessment, ps.Excluded = assessExcluded, ps.Outdated
	default:
		ps.Assessment = assessProgressing
	}
	if ps.Total > 0 {
		ps.Completion = 100 * float64(ps.Updated) / float64(ps.Total)
	}
	return ps
}

func reportedOf(p update.MachineConfigPool) reportedCounts {
	return reportedCounts{Machines: p.MachineCount, Updated: p.UpdatedMachineCount, Ready: p.ReadyMachineCount,
		Unavailable: p.UnavailableMachineCount, Degraded: p.DegradedMachineCount}
}

// poolSince is when the pool's Updating condition turned True, zero when it
// is not True.
func poolSince(p update.MachineConfigPool) time.Time {
	if c := findCondition(p.Conditions, "Updating"); c != nil && c.Status == metav1.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// poolFindings are the pool's and its nodes' health findings (oc
// workerpool.go nodeInsights, machineConfigPoolInsights): a degraded node
// is an Error (the update of its pool stalls); a node unavailable for a
// reason an admin must fix, and not because it updates, a Warning; a
// paused pool with outdated nodes, a Warning.
func poolFindings(ps poolStatus) []update.Finding {
	var out []update.Finding
	for _, n := range ps.Nodes {
		obj := []string{"node " + n.Name}
		if n.unavailable && !n.updating && n.seriouslyUnavailable {
			out = append(out, update.Finding{Check: checkNodeUnavailable, Severity: update.SeverityWarning, Objects: obj,
				Reason: fmt.Sprintf("pool %s: %s: it slows the update down (the MCO counts it against maxUnavailable and never picks it)", ps.Name, n.unavailableSummary),
				Remedy: "bring the node back (fix its kubelet, its disk or its network)"})
		}
		if n.degraded {
			out = append(out, update.Finding{Check: checkNodeDegraded, Severity: update.SeverityError, Objects: obj,
				Reason: fmt.Sprintf("pool %s: node %s is degraded: %s", ps.Name, n.Name, orNoMessage(n.Message)),
				Remedy: "read the machine-config daemon's log on the node (oc -n openshift-machine-config-operator logs -l k8s-app=machine-config-daemon --field-selector spec.nodeName=" + n.Name + ") and fix what it names"})
		}
	}
	if ps.Excluded > 0 && ps.Paused {
		out = append(out, update.Finding{Check: checkPoolPaused, Severity: update.SeverityWarning, Objects: []string{"MachineConfigPool " + ps.Name},
			Reason: fmt.Sprintf("pool %s is paused: its %s will not be updated until it is unpaused", ps.Name, plural(ps.Excluded, "outdated node", "outdated nodes")),
			Remedy: fmt.Sprintf("unpause it when you are ready: oc patch mcp %s --type merge -p '{\"spec\":{\"paused\":false}}'", ps.Name)})
	}
	return out
}
