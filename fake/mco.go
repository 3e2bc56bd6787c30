package fake

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/update"
)

// Node labels the fake MCO reads.
const (
	LabelZone         = "topology.kubernetes.io/zone"
	LabelRoleWorker   = "node-role.kubernetes.io/worker"
	LabelRoleMaster   = "node-role.kubernetes.io/master"
	LabelControlPlane = "node-role.kubernetes.io/control-plane"
)

// The MachineConfigPool condition types the fake MCO sets, as the MCO's
// node controller does.
const (
	PoolConditionUpdated  = "Updated"
	PoolConditionUpdating = "Updating"
	PoolConditionDegraded = "Degraded"
)

// Node phases of a rollout, as the machine-config daemon works through them.
const (
	nodeReady     = ""          // not being updated (state Done)
	nodeDraining  = "Draining"  // cordoned by the MCO's drain, evicting pods
	nodeRebooting = "Rebooting" // drained, rebooting into the new config
	nodeDown      = "Down"      // did not come back from its reboot
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
	// maxUnavailable holds spec.maxUnavailable as set (an int or a
	// percentage) by SetPoolMaxUnavailable, per pool object; a pool without
	// an entry has the count of its MaxUnavailable field (0: the default 1).
	maxUnavailable map[*update.MachineConfigPool]intstr.IntOrString
	// stalled is, per pool, the last "no progress possible" state reported,
	// so that each is recorded once.
	stalled map[string]string
	// byPool groups the nodes by pool, built when byPoolOf nodes existed.
	byPool   map[string][]*corev1.Node
	byPoolOf int
	// idle: the last reconcile found no node mid-update and changed
	// nothing, at platform generation idleGen; until something the MCO
	// reads changes, another reconcile would change nothing either.
	idle    bool
	idleGen int
}

// FailNodeBoot makes the named node fail to come back from its next reboot:
// it stays NotReady (unavailable to the MCO) and its pool cannot finish.
func (c *Cluster) FailNodeBoot(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodeSim(node).failBoot = true
	c.platformChanged()
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
		return update.MasterPool
	}
	if _, ok := n.Labels[LabelControlPlane]; ok {
		return update.MasterPool
	}
	return "worker"
}

// renderedConfig names the configuration a pool rolls out for a platform
// version, in the shape of the MCO's rendered MachineConfigs.
func renderedConfig(pool, version string) string {
	return "MachineConfig rendered-" + pool + "-" + version
}

// nodeNotReady is why the MCO does not consider the node ready for
// workloads, "" when it does: NodeReady not True, DiskPressure or
// NetworkUnavailable not False (when the condition is present), or the node
// cordoned (spec.unschedulable). Such a node is unavailable and never a
// candidate for an update.
func nodeNotReady(n *corev1.Node) string {
	for _, cond := range n.Status.Conditions {
		switch {
		case cond.Type == corev1.NodeReady && cond.Status != corev1.ConditionTrue:
			return fmt.Sprintf("node %s is reporting NotReady=%v", n.Name, cond.Status)
		case cond.Type == corev1.NodeDiskPressure && cond.Status != corev1.ConditionFalse:
			return fmt.Sprintf("node %s is reporting OutOfDisk=%v", n.Name, cond.Status)
		case cond.Type == corev1.NodeNetworkUnavailable && cond.Status != corev1.ConditionFalse:
			return fmt.Sprintf("node %s is reporting NetworkUnavailable=%v", n.Name, cond.Status)
		}
	}
	if n.Spec.Unschedulable {
		return fmt.Sprintf("node %s is reporting Unschedulable", n.Name)
	}
	return ""
}

// unavailableForUpdate is the MCO's count of unavailable machines: a node
// that is not ready, or whose update is under way.
func unavailableForUpdate(n *corev1.Node, s *nodeSim) bool {
	return nodeNotReady(n) != "" || s.phase != nodeReady
}

// scaledMaxUnavailable resolves spec.maxUnavailable for a pool of n nodes
// as the MCO does: 1 when unset, a percentage of the nodes rounded down,
// and never less than 1 (0 does not stop updates; pausing does).
func scaledMaxUnavailable(v *intstr.IntOrString, nodes int) (int, error) {
	if v == nil {
		return 1, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, nodes, false)
	if err != nil {
		return 0, err
	}
	return max(n, 1), nil
}

// poolMaxUnavailable is the pool's spec.maxUnavailable resolved for n nodes.
func (c *Cluster) poolMaxUnavailable(pool *update.MachineConfigPool, nodes int) int {
	if v, ok := c.mco.maxUnavailable[pool]; ok {
		if n, err := scaledMaxUnavailable(&v, nodes); err == nil {
			return n
		}
		return 1 // SetPoolMaxUnavailable accepts only values that resolve
	}
	return max(int(pool.MaxUnavailable), 1)
}

// mcoController plays the machine-config operator: after a platform update
// each pool that is not paused updates at most maxUnavailable nodes at a
// time, ordered by zone label alphabetically then oldest first (nodes
// without a zone last, oldest first); a node is cordoned and drained (its
// VMIs evicted by their eviction strategy), rebooted and uncordoned. A node
// that is cordoned, NotReady or mid-update counts against maxUnavailable and
// is never picked, so such a node stalls a pool whose capacity it uses up.
// The node-maintenance operator runs first (see reconcileNodeMaintenances).
type mcoController struct{ c *Cluster }

func (mcoController) name() string { return ControllerMCO }

func (m mcoController) reconcile(now time.Time) time.Time {
	c := m.c
	if c.mco.idle && c.mco.idleGen == c.platformGen {
		if checkIdleMCO == nil {
			return time.Time{}
		}
		defer checkIdleMCO(c)()
	}
	events, gen := len(c.events), c.platformGen
	next := m.reconcileAll(now)
	busy := false
	for _, s := range c.mco.nodes {
		if s.phase == nodeDraining || s.phase == nodeRebooting {
			busy = true
			break
		}
	}
	c.mco.idle = !busy && next.IsZero() && len(c.events) == events && c.platformGen == gen
	c.mco.idleGen = c.platformGen
	return next
}

// checkIdleMCO, when set (by this package's tests), is called before a
// reconcile of the MCO that an idle MCO skips, and the function it returns
// after it: it fails when that reconcile changed anything.
var checkIdleMCO func(c *Cluster) (after func())

// reconcileAll is one pass over every pool and node.
func (m mcoController) reconcileAll(now time.Time) time.Time {
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
	byPool := c.nodesByPool()
	for _, poolName := range slices.Sorted(mapsKeys(c.pools)) {
		pool := c.pools[poolName]
		nodes := byPool[poolName]
		for _, n := range nodes {
			s := c.nodeSim(n.Name)
			switch s.phase {
			case nodeDraining:
				// The drain controller cordons again a node someone
				// uncordoned during its drain.
				if !n.Spec.Unschedulable {
					n.Spec.Unschedulable = true
					c.platformChanged()
				}
				if c.drain(n, s) {
					s.phase, s.rebootDone = nodeRebooting, now.Add(c.timing.NodeReboot)
					setNodeReady(n, false, now)
					c.platformChanged()
					c.record(KindNode, "", n.Name, "Rebooting", "drained; rebooting into "+c.mco.desired)
					wake(s.rebootDone)
				}
			case nodeRebooting:
				if now.Before(s.rebootDone) {
					wake(s.rebootDone)
					continue
				}
				c.platformChanged()
				if s.failBoot {
					s.failBoot, s.phase = false, nodeDown
					c.record(KindNode, "", n.Name, "NodeNotReady", "the node did not come back from its reboot (injected)")
					continue
				}
				// The daemon asks for "uncordon-<config>" and the drain
				// controller uncordons: the MCO only ever cordons nodes it
				// picked, and a cordoned node is never picked.
				s.phase, s.config = nodeReady, c.mco.desired
				n.Spec.Unschedulable = false
				setNodeReady(n, true, now)
				c.workloadChanged()
				c.record(KindNode, "", n.Name, "Updated", "node runs "+s.config+" and is schedulable again")
			}
		}
		if !pool.Paused {
			c.startNodes(pool, nodes, now)
		}
		c.poolStatus(pool, nodes, now)
	}
	return next
}

// nodesByPool groups the nodes by pool, in name order. The grouping is kept
// between reconciles and rebuilt when a node is added.
func (c *Cluster) nodesByPool() map[string][]*corev1.Node {
	names := c.sortedNodeNames()
	if c.mco.byPool != nil && c.mco.byPoolOf == len(names) {
		stale := false
		for pool, nodes := range c.mco.byPool {
			for _, n := range nodes {
				if c.nodes[n.Name] != n || c.nodePool[n.Name] != pool {
					stale = true // replaced by AddNodes
					break
				}
			}
		}
		if !stale {
			return c.mco.byPool
		}
	}
	byPool := map[string][]*corev1.Node{}
	for _, name := range names {
		byPool[c.nodePool[name]] = append(byPool[c.nodePool[name]], c.nodes[name])
	}
	c.mco.byPool, c.mco.byPoolOf = byPool, len(names)
	return byPool
}

// startNodes begins draining as many outdated nodes as the pool's capacity
// allows, in the MCO's order: capacity is maxUnavailable minus the
// unavailable nodes, and candidates are the nodes not yet targeted that are
// ready (not cordoned, not NotReady). A pool that can make no progress
// while nodes are outdated is reported once, with why.
func (c *Cluster) startNodes(pool *update.MachineConfigPool, nodes []*corev1.Node, now time.Time) {
	maxUnavailable := c.poolMaxUnavailable(pool, len(nodes))
	var unavailable, outdated int
	var busy bool    // the MCO has a node mid-update
	var why []string // nodes unavailable or skipped for other reasons
	var candidates []*corev1.Node
	for _, n := range nodes {
		s := c.nodeSim(n.Name)
		notReady := nodeNotReady(n)
		if unavailableForUpdate(n, s) {
			unavailable++
		}
		switch {
		case s.phase == nodeDraining || s.phase == nodeRebooting:
			busy = true
		case s.phase == nodeDown:
			why = append(why, fmt.Sprintf("node %s did not come back from its reboot", n.Name))
			if s.config != c.mco.desired {
				outdated++
			}
		case s.config != c.mco.desired:
			outdated++
			if notReady != "" {
				why = append(why, notReady)
				continue
			}
			candidates = append(candidates, n)
		case notReady != "":
			why = append(why, notReady)
		}
	}
	capacity := maxUnavailable - unavailable
	if !busy && outdated > 0 && (capacity <= 0 || len(candidates) == 0) {
		msg := fmt.Sprintf("pool %s: no node can be updated (unavailable %d, maxUnavailable %d, %d outdated): %s",
			pool.Name, unavailable, maxUnavailable, outdated, strings.Join(why, "; "))
		if c.mco.stalled[pool.Name] != msg {
			if c.mco.stalled == nil {
				c.mco.stalled = map[string]string{}
			}
			c.mco.stalled[pool.Name] = msg
			c.record(KindMachineConfigPool, "", pool.Name, "NoCapacity", msg)
		}
		return
	}
	delete(c.mco.stalled, pool.Name)
	if capacity <= 0 {
		return
	}
	slices.SortStableFunc(candidates, nodeOrder)
	if len(candidates) > capacity {
		candidates = candidates[:capacity]
	}
	for _, n := range candidates {
		s := c.nodeSim(n.Name)
		s.phase = nodeDraining
		n.Spec.Unschedulable = true
		c.platformChanged()
		c.workloadChanged()
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
		// A 429 that started an evacuation is how the eviction webhook
		// answers a migratable VMI: the drain retries until it has left.
		if err := c.evictLocked(vmi, "drain of node "+n.Name); err != nil && !errors.Is(err, update.ErrEvacuationStarted) {
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

// poolStatus recomputes the pool's machine counts and conditions as the
// MCO's status does: updated machines run the pool's configuration and are
// done; ready machines are updated machines that are ready (not cordoned,
// not NotReady); unavailable machines are not ready or mid-update. The pool
// is Updated only when every machine is updated and ready and none is
// unavailable; otherwise it is Updating, unless paused.
func (c *Cluster) poolStatus(pool *update.MachineConfigPool, nodes []*corev1.Node, now time.Time) {
	var updated, ready, unavailable int32
	for _, n := range nodes {
		s := c.nodeSim(n.Name)
		done := s.config == c.mco.desired && s.phase == nodeReady
		if done {
			updated++
			if nodeNotReady(n) == "" {
				ready++
			}
		}
		if unavailableForUpdate(n, s) {
			unavailable++
		}
	}
	// A pool reported Updated=False before (by the fake's MCO) that is now
	// updated finished a rollout.
	wasRolling := false
	if i := slices.IndexFunc(pool.Conditions, func(x metav1.Condition) bool { return x.Type == PoolConditionUpdated }); i >= 0 {
		wasRolling = pool.Conditions[i].Status == metav1.ConditionFalse
	}
	pool.MachineCount, pool.UpdatedMachineCount, pool.ReadyMachineCount = int32(len(nodes)), updated, ready
	pool.UnavailableMachineCount, pool.DegradedMachineCount = unavailable, 0
	pool.MaxUnavailable = int32(c.poolMaxUnavailable(pool, len(nodes)))
	target := renderedConfig(pool.Name, c.mco.desired)
	allUpdated := pool.Updated() && unavailable == 0
	switch {
	case allUpdated:
		setPoolCondition(pool, now, PoolConditionUpdated, metav1.ConditionTrue, "All nodes are updated with "+target)
		setPoolCondition(pool, now, PoolConditionUpdating, metav1.ConditionFalse, "")
	case pool.Paused:
		setPoolCondition(pool, now, PoolConditionUpdated, metav1.ConditionFalse, "")
		setPoolCondition(pool, now, PoolConditionUpdating, metav1.ConditionFalse, "Pool is paused; will not update to "+target)
	default:
		setPoolCondition(pool, now, PoolConditionUpdated, metav1.ConditionFalse, "")
		setPoolCondition(pool, now, PoolConditionUpdating, metav1.ConditionTrue, "All nodes are updating to "+target)
	}
	setPoolCondition(pool, now, PoolConditionDegraded, metav1.ConditionFalse, "")
	if allUpdated && wasRolling {
		c.record(KindMachineConfigPool, "", pool.Name, "Updated", "all machines run "+c.mco.desired)
	}
}

// setPoolCondition sets a condition of the pool; its lastTransitionTime
// changes only when its status does.
func setPoolCondition(pool *update.MachineConfigPool, now time.Time, typ string, status metav1.ConditionStatus, msg string) {
	for i := range pool.Conditions {
		if pool.Conditions[i].Type == typ {
			if pool.Conditions[i].Status != status {
				pool.Conditions[i].LastTransitionTime = metav1.NewTime(now)
			}
			pool.Conditions[i].Status, pool.Conditions[i].Message = status, msg
			return
		}
	}
	pool.Conditions = append(pool.Conditions, metav1.Condition{Type: typ, Status: status, Message: msg, LastTransitionTime: metav1.NewTime(now)})
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
