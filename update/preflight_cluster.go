package update

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// More pre-flight checks: what the platform and the nodes say.
const (
	// CheckPlatformUpgradeable is the ClusterVersion's Upgradeable
	// condition, which the CVO aggregates from the ClusterOperators (OLM's
	// among them, False for an operator whose olm.maxOpenShiftVersion is
	// below the next minor) and which gates minor updates.
	CheckPlatformUpgradeable = "PlatformUpgradeable"
	// CheckNodes: nodes the MCO counts as unavailable (cordoned, NotReady).
	CheckNodes = "Nodes"
	// CheckCapacity: memory left for the VMIs of the nodes drained at once.
	CheckCapacity = "Capacity"
	// CheckInstallPlans: InstallPlans waiting for approval.
	CheckInstallPlans = "InstallPlans"
	// CheckDisruptionBudgets: PodDisruptionBudgets that allow no
	// disruption, so a drain waits on them.
	CheckDisruptionBudgets = "PodDisruptionBudgets"
)

// PodDisruptionBudgets lists the PodDisruptionBudgets of every namespace.
// It is an optional port: Preflight checks the budgets when the Cluster
// also implements it.
type PodDisruptionBudgets interface {
	ListPodDisruptionBudgets(ctx context.Context) ([]policyv1.PodDisruptionBudget, error)
}

// checkPlatformUpgradeable reads the ClusterVersion's Upgradeable: False
// blocks a minor update (the CVO refuses it without --force), not a
// z-stream. The message names the ClusterOperators behind it, as the CVO
// writes it (pkg/cvo/upgradeable.go).
func checkPlatformUpgradeable(cv *ClusterVersion, o PreflightOptions) []Finding {
	c := meta(cv.Conditions, "Upgradeable")
	if c == nil || c.Status != metav1.ConditionFalse {
		return nil
	}
	f := Finding{Check: CheckPlatformUpgradeable, Severity: SeverityError, Objects: []string{"ClusterVersion version"},
		Reason: fmt.Sprintf("ClusterVersion Upgradeable=False (%s): %s", c.Reason, c.Message),
		Remedy: "resolve what the message names (oc adm upgrade shows it; oc get clusteroperators), then plan again: the CVO refuses a minor update while Upgradeable is False"}
	if o.Kind == KindZStream {
		f.Severity = SeverityInfo
		f.Reason += " (z-stream updates are not blocked by it)"
		f.Remedy = ""
	}
	return []Finding{f}
}

func meta(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

// nodeReady is the node's Ready condition, as the MCO reads it.
func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// poolNodes returns the nodes of a pool by its role label.
func poolNodes(pool string, nodes []corev1.Node) []*corev1.Node {
	var out []*corev1.Node
	for i := range nodes {
		if _, ok := nodes[i].Labels["node-role.kubernetes.io/"+pool]; ok {
			out = append(out, &nodes[i])
		}
	}
	return out
}

// checkNodes finds the nodes the MCO counts as unavailable (NotReady, or
// cordoned: machine-config-operator pkg/controller/node getUnavailableMachines)
// and never picks for an update: when a pool has at least maxUnavailable of
// them, its rollout cannot start.
func checkNodes(pools []MachineConfigPool, nodes []corev1.Node, o PreflightOptions) []Finding {
	var out []Finding
	for _, p := range pools {
		var unavailable []string
		for _, n := range poolNodes(p.Name, nodes) {
			switch {
			case !nodeReady(n):
				unavailable = append(unavailable, "node "+n.Name+" (NotReady)")
			case n.Spec.Unschedulable:
				unavailable = append(unavailable, "node "+n.Name+" (cordoned)")
			}
		}
		if len(unavailable) == 0 {
			continue
		}
		maxU := int(max(p.MaxUnavailable, 1))
		f := Finding{Check: CheckNodes, Severity: SeverityWarning, Objects: unavailable,
			Reason: fmt.Sprintf("pool %s: %s unavailable to the MCO, which counts them against maxUnavailable %d and never picks them", p.Name, countOf(len(unavailable), "node is", "nodes are"), maxU),
			Remedy: "bring the nodes back (oc adm uncordon; fix the NotReady ones) before the update"}
		if len(unavailable) >= maxU && drainsNodes(o) && !p.Paused {
			f.Severity = SeverityError
			f.Reason += ": the pool's rollout cannot start"
		}
		out = append(out, f)
	}
	return out
}

// vmiMemoryBytes is what a VMI takes on its node: its memory request, else
// its guest memory.
func vmiMemoryBytes(vmi *kubevirtv1.VirtualMachineInstance) int64 {
	if q, ok := vmi.Spec.Domain.Resources.Requests[corev1.ResourceMemory]; ok {
		return q.Value()
	}
	if m := vmi.Spec.Domain.Memory; m != nil && m.Guest != nil {
		return m.Guest.Value()
	}
	return 0
}

// checkCapacity asks, for each pool that drains nodes, whether the other
// schedulable nodes have the allocatable memory left to take the VMIs of
// the maxUnavailable fullest nodes drained at once. It counts only VMIs
// (other pods are not known here), so it is an optimistic bound: a
// Warning, not an Error.
func checkCapacity(pools []MachineConfigPool, nodes []corev1.Node, vmis []kubevirtv1.VirtualMachineInstance, o PreflightOptions) []Finding {
	if !drainsNodes(o) {
		return nil
	}
	used := map[string]int64{}
	for i := range vmis {
		if !vmis[i].IsFinal() && vmis[i].Status.NodeName != "" {
			used[vmis[i].Status.NodeName] += vmiMemoryBytes(&vmis[i])
		}
	}
	var out []Finding
	for _, p := range pools {
		if p.Name == MasterPool || p.Paused {
			continue
		}
		members := poolNodes(p.Name, nodes)
		if len(members) == 0 {
			continue
		}
		sort.Slice(members, func(i, j int) bool { return used[members[i].Name] > used[members[j].Name] })
		maxU := min(int(max(p.MaxUnavailable, 1)), len(members))
		var need int64
		var drained []string
		for _, n := range members[:maxU] {
			need += used[n.Name]
			drained = append(drained, n.Name)
		}
		if need == 0 {
			continue
		}
		var free int64
		known := false
		isDrained := map[string]bool{}
		for _, n := range drained {
			isDrained[n] = true
		}
		for i := range nodes {
			n := &nodes[i]
			if isDrained[n.Name] || n.Spec.Unschedulable || !nodeReady(n) {
				continue
			}
			if a, ok := n.Status.Allocatable[corev1.ResourceMemory]; ok {
				free += max(a.Value()-used[n.Name], 0)
				known = true
			}
		}
		if free >= need || !known { // no node says its allocatable memory: nothing to judge by
			continue
		}
		out = append(out, Finding{Check: CheckCapacity, Severity: SeverityWarning, Objects: []string{"MachineConfigPool " + p.Name},
			Reason: fmt.Sprintf("pool %s drains %s at once (%s) holding %s of VMI memory, but the other schedulable nodes have only %s of allocatable memory left: migrations will wait for room",
				p.Name, countOf(maxU, "node", "nodes"), strings.Join(drained, ", "), gib(need), gib(free)),
			Remedy: "add capacity, or lower the pool's maxUnavailable, before the update"})
	}
	return out
}

func gib(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// checkInstallPlans reports InstallPlans of the operator's namespace that
// wait for approval: the plan approves only the one it expects, and any
// other stops it.
func checkInstallPlans(ips []InstallPlan) []Finding {
	var waiting []string
	for _, ip := range ips {
		if ip.Phase == InstallPlanRequiresApproval && !ip.Approved {
			waiting = append(waiting, "InstallPlan "+ip.Namespace+"/"+ip.Name+" ("+strings.Join(ip.CSVNames, ", ")+")")
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	return []Finding{{Check: CheckInstallPlans, Severity: SeverityWarning, Objects: waiting,
		Reason: fmt.Sprintf("%s %s for approval: the plan approves only the one it expects at each step, and stops at any other", countOf(len(waiting), "InstallPlan", "InstallPlans"), verb(len(waiting), "waits", "wait")),
		Remedy: "approve or delete the ones you do not mean the plan to meet"}}
}

// checkDisruptionBudgets reports PodDisruptionBudgets that allow no
// disruption now (status.disruptionsAllowed 0 with pods expected), as
// `oc adm upgrade recommend` flags PodDisruptionBudgetAtLimit: a drain of a
// node with such a pod waits until the budget allows it. The budgets
// KubeVirt keeps for its own VMIs (owned by a VirtualMachineInstance) are
// left out: its eviction webhook migrates those VMIs instead.
func checkDisruptionBudgets(pdbs []policyv1.PodDisruptionBudget, o PreflightOptions) []Finding {
	if !drainsNodes(o) {
		return nil
	}
	var atLimit []string
	for _, p := range pdbs {
		if ownedByVMI(p.OwnerReferences) || p.Status.ExpectedPods == 0 || p.Status.DisruptionsAllowed > 0 {
			continue
		}
		atLimit = append(atLimit, "PodDisruptionBudget "+p.Namespace+"/"+p.Name)
	}
	if len(atLimit) == 0 {
		return nil
	}
	return []Finding{{Check: CheckDisruptionBudgets, Severity: SeverityError, Objects: atLimit,
		Reason: fmt.Sprintf("%s %s no disruption (PodDisruptionBudgetAtLimit): the drain of a node running one of their pods waits until it does", countOf(len(atLimit), "PodDisruptionBudget", "PodDisruptionBudgets"), verb(len(atLimit), "allows", "allow")),
		Remedy: "scale the workloads up or relax the budgets (minAvailable / maxUnavailable) before the update"}}
}

func ownedByVMI(refs []metav1.OwnerReference) bool {
	for _, r := range refs {
		if r.Kind == "VirtualMachineInstance" {
			return true
		}
	}
	return false
}
