package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Node labels the model reads.
const (
	LabelRolePrefix = "node-role.kubernetes.io/"
	LabelZone       = "topology.kubernetes.io/zone"
	LabelHostname   = "kubernetes.io/hostname"
	LabelOS         = "kubernetes.io/os"
)

// The MCO's own pools.
const (
	PoolMaster = "master"
	PoolWorker = "worker"
)

// NodeRoles returns the node's roles, from its node-role.kubernetes.io/<role>
// labels, sorted.
func NodeRoles(n *corev1.Node) []string {
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, LabelRolePrefix); ok && r != "" {
			roles = append(roles, r)
		}
	}
	slices.Sort(roles)
	return roles
}

// NodeReady reports whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PoolOf returns the MachineConfigPool a node belongs to, as the MCO
// decides it: the pools whose spec.nodeSelector matches the node's labels
// (an empty selector matches nothing); of those, a single custom pool wins
// unless master matches too, master wins over worker, and a node matching
// two custom pools belongs to none (the MCO refuses it: the error says so).
// A Windows node belongs to none. "" means the node is in no pool.
//
// A pool without a node selector (a scenario written by hand) selects
// node-role.kubernetes.io/<name>; with no pools at all, the MCO's master and
// worker pools are assumed.
func PoolOf(n *corev1.Node, pools []MachineConfigPool) (string, error) {
	if n.Labels[LabelOS] == "windows" {
		return "", nil
	}
	if len(pools) == 0 {
		pools = []MachineConfigPool{{Name: PoolMaster}, {Name: PoolWorker}}
	}
	var master, worker bool
	var custom []string
	set := labels.Set(n.Labels)
	for _, p := range pools {
		sel := p.NodeSelector
		if sel == nil {
			sel = &metav1.LabelSelector{MatchLabels: map[string]string{LabelRolePrefix + p.Name: ""}}
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return "", fmt.Errorf("pool %s: spec.nodeSelector: %w", p.Name, err)
		}
		if s.Empty() || !s.Matches(set) {
			continue
		}
		switch p.Name {
		case PoolMaster:
			master = true
		case PoolWorker:
			worker = true
		default:
			custom = append(custom, p.Name)
		}
	}
	switch {
	case len(custom) > 1:
		slices.Sort(custom)
		return "", fmt.Errorf("node %s belongs to %d custom pools (%s): the MCO does not update it", n.Name, len(custom), strings.Join(custom, ", "))
	case master:
		return PoolMaster, nil
	case len(custom) == 1:
		return custom[0], nil
	case worker:
		return PoolWorker, nil
	}
	return "", nil
}

// NodeSummary is what the model reads of a node.
type NodeSummary struct {
	Name string
	// Roles are the node-role.kubernetes.io/<role> labels; Pool is the
	// MachineConfigPool (PoolOf), "" when none; PoolError says why a node
	// is in no pool when the MCO refuses it.
	Roles     []string
	Pool      string
	PoolError string
	// Zone is the topology.kubernetes.io/zone label.
	Zone    string
	Created time.Time
	// Memory and CPU are status.allocatable.
	Memory, CPU resource.Quantity
	// Cordoned is spec.unschedulable; Ready the Ready condition.
	Cordoned, Ready bool
	Taints          []corev1.Taint
}

// NodeSummaries summarises every node, in the order of Nodes.
func (o *Objects) NodeSummaries() []NodeSummary {
	out := make([]NodeSummary, 0, len(o.Nodes))
	for i := range o.Nodes {
		n := &o.Nodes[i]
		s := NodeSummary{Name: n.Name, Roles: NodeRoles(n), Zone: n.Labels[LabelZone], Created: n.CreationTimestamp.Time,
			Memory: n.Status.Allocatable[corev1.ResourceMemory], CPU: n.Status.Allocatable[corev1.ResourceCPU],
			Cordoned: n.Spec.Unschedulable, Ready: NodeReady(n), Taints: slices.Clone(n.Spec.Taints)}
		pool, err := PoolOf(n, o.Pools)
		s.Pool = pool
		if err != nil {
			s.PoolError = err.Error()
		}
		out = append(out, s)
	}
	return out
}
