package fake

import (
	"cmp"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// Node labels the fake MCO reads.
const (
	LabelZone         = "topology.kubernetes.io/zone"
	LabelRoleWorker   = "node-role.kubernetes.io/worker"
	LabelRoleMaster   = "node-role.kubernetes.io/master"
	LabelControlPlane = "node-role.kubernetes.io/control-plane"
)

// Node phases of a rollout.
const (
	nodeReady     = ""
	nodeDraining  = "Draining"
	nodeRebooting = "Rebooting"
	nodeDown      = "Down" // failed to come back
)

type nodeSim struct {
	config     string    // the platform version whose configuration the node runs
	phase      string    // nodeReady, nodeDraining, nodeRebooting or nodeDown
	rebootDone time.Time // when a rebooting node is ready again
	blockedBy  map[key]bool
	failBoot   bool // fault: the next reboot does not come back
}

// mcoState is what the fake keeps about the machine-config rollout.
type mcoState struct {
	desired string // the configuration (platform version) pools roll out to
	nodes   map[string]*nodeSim
}

// FailNodeBoot makes the named node fail to come back from its next reboot:
// it stays NotReady and its pool cannot finish.
func (c *Cluster) FailNodeBoot(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodeSim(node).failBoot = true
}

func (c *Cluster) nodeSim(name string) *nodeSim {
	if c.mco.nodes == nil {
		c.mco.nodes = map[string]*nodeSim{}
	}
	s := c.mco.nodes[name]
	if s == nil {
		// A node first seen runs what the cluster runs.
		s = &nodeSim{config: cmp.Or(c.mco.desired, c.ocpVersion())}
		c.mco.nodes[name] = s
	}
	return s
}

// poolOf is the machine config pool a node belongs to, by its role label.
func poolOf(n *corev1.Node) string {
	if _, ok := n.Labels[LabelRoleMaster]; ok {
		return "master"
	}
	if _, ok := n.Labels[LabelControlPlane]; ok {
		return "master"
	}
	return "worker"
}

// mcoController plays the machine-config operator: after a platform update
// each pool that is not paused updates at most maxUnavailable nodes at a
// time, ordered by zone label alphabetically then oldest first (nodes
// without a zone last, oldest first); a node is cordoned and drained (its
// VMIs evicted by their eviction strategy), rebooted and made ready.
type mcoController struct{ c *Cluster }

func (mcoController) name() string { return ControllerMCO }

func (m mcoController) reconcile(now time.Time) time.Time {
	c := m.c
	if c.mco.desired == "" {
		c.mco.desired = c.ocpVersion() // what every node runs at the start
	}
	var next time.Time
	wake := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	byPool := map[string][]*corev1.Node{}
	for _, name := range c.sortedNodeNames() {
		byPool[c.nodePool[name]] = append(byPool[c.nodePool[name]], c.nodes[name])
	}
	for _, poolName := range slices.Sorted(mapsKeys(c.pools)) {
		pool := c.pools[poolName]
		nodes := byPool[poolName]
		for _, n := range nodes {
			s := c.nodeSim(n.Name)
			switch s.phase {
			case nodeDraining:
				if c.drain(n, s) {
					s.phase, s.rebootDone = nodeRebooting, now.Add(c.timing.NodeReboot)
					setNodeReady(n, false, now)
					c.record(KindNode, "", n.Name, "Rebooting", "drained; rebooting into "+c.mco.desired)
					wake(s.rebootDone)
				}
			case nodeRebooting:
				if now.Before(s.rebootDone) {
					wake(s.rebootDone)
					continue
				}
				if s.failBoot {
					s.failBoot, s.phase = false, nodeDown
					c.record(KindNode, "", n.Name, "NodeNotReady", "the node did not come back from its reboot (injected)")
					continue
				}
				s.phase, s.config = nodeReady, c.mco.desired
				n.Spec.Unschedulable = false
				setNodeReady(n, true, now)
				c.record(KindNode, "", n.Name, "Updated", "node runs "+s.config+" and is schedulable again")
			}
		}
		if !pool.Paused {
			c.startNodes(pool, nodes, now)
		}
		c.poolStatus(pool, nodes)
	}
	return next
}

// startNodes begins draining as many outdated ready nodes as the pool's
// maxUnavailable allows, in the MCO's order.
func (c *Cluster) startNodes(pool *update.MachineConfigPool, nodes []*corev1.Node, now time.Time) {
	maxUnavailable := max(int(pool.MaxUnavailable), 1)
	unavailable := 0
	var candidates []*corev1.Node
	for _, n := range nodes {
		s := c.nodeSim(n.Name)
		if s.phase != nodeReady {
			unavailable++
			continue
		}
		if s.config != c.mco.desired {
			candidates = append(candidates, n)
		}
	}
	slices.SortStableFunc(candidates, nodeOrder)
	for _, n := range candidates {
		if unavailable >= maxUnavailable {
			return
		}
		unavailable++
		s := c.nodeSim(n.Name)
		s.phase = nodeDraining
		n.Spec.Unschedulable = true
		c.record(KindNode, "", n.Name, "Draining", "pool "+pool.Name+": cordoned; draining for "+c.mco.desired)
		if c.drain(n, s) {
			s.phase, s.rebootDone = nodeRebooting, now.Add(c.timing.NodeReboot)
			setNodeReady(n, false, now)
			c.record(KindNode, "", n.Name, "Rebooting", "nothing to drain; rebooting into "+c.mco.desired)
		}
	}
}

// nodeOrder is the MCO's update order: by zone label ascending, nodes
// without a zone last, then oldest first, then by name.
func nodeOrder(a, b *corev1.Node) int {
	za, okA := a.Labels[LabelZone]
	zb, okB := b.Labels[LabelZone]
	if okA != okB {
		if okA {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(za, zb),
		a.CreationTimestamp.Time.Compare(b.CreationTimestamp.Time),
		cmp.Compare(a.Name, b.Name))
}

// drain evicts the VMIs still running on the node and reports whether none
// is left. A VMI whose eviction is denied for good blocks the drain, and
// with it the pool, as on a real cluster.
func (c *Cluster) drain(n *corev1.Node, s *nodeSim) bool {
	done := true
	for _, k := range c.runningOn(n.Name) {
		vmi := c.vmis[k]
		if vmi == nil || vmi.Status.NodeName != n.Name || vmi.IsFinal() {
			continue
		}
		done = false
		if vmi.Status.EvacuationNodeName != "" || c.unfinishedMigration(k) != nil {
			continue // already moving
		}
		if err := c.evictLocked(vmi, "drain of node "+n.Name); err != nil {
			if s.blockedBy == nil {
				s.blockedBy = map[key]bool{}
			}
			if !s.blockedBy[k] {
				s.blockedBy[k] = true
				c.record(KindNode, "", n.Name, "DrainBlocked", "cannot evict VMI "+k.namespace+"/"+k.name+": "+err.Error())
			}
		}
	}
	if done {
		s.blockedBy = nil
	}
	return done
}

func setNodeReady(n *corev1.Node, ready bool, now time.Time) {
	status := corev1.ConditionTrue
	if !ready {
		status = corev1.ConditionFalse
	}
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			n.Status.Conditions[i].Status = status
			n.Status.Conditions[i].LastTransitionTime = metav1.NewTime(now)
			return
		}
	}
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: status, LastTransitionTime: metav1.NewTime(now)})
}

// poolStatus recomputes the pool's machine counts and its Updated and
// Updating conditions.
func (c *Cluster) poolStatus(pool *update.MachineConfigPool, nodes []*corev1.Node) {
	var updated, ready, unavailable, degraded int32
	for _, n := range nodes {
		s := c.nodeSim(n.Name)
		if s.config == c.mco.desired && s.phase == nodeReady {
			updated++
		}
		switch s.phase {
		case nodeReady:
			ready++
		case nodeDown:
			degraded++
			unavailable++
		default:
			unavailable++
		}
	}
	wasRolling := pool.UpdatedMachineCount < pool.MachineCount || pool.ReadyMachineCount < pool.MachineCount
	pool.MachineCount, pool.UpdatedMachineCount, pool.ReadyMachineCount = int32(len(nodes)), updated, ready
	pool.UnavailableMachineCount, pool.DegradedMachineCount = unavailable, degraded
	if pool.Updated() && wasRolling {
		c.record(KindMachineConfigPool, "", pool.Name, "Updated", "all machines run "+c.mco.desired)
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
