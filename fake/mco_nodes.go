package fake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/update"
)

// ControllerNodeMaintenance names the node-maintenance operator the fake
// plays, for Disable.
const ControllerNodeMaintenance = "node-maintenance-operator"

// nodeMaintenanceController plays the node-maintenance operator (see
// reconcileNodeMaintenances). Until it has its own place among the
// cluster's controllers, the MCO's controller runs it first.
type nodeMaintenanceController struct{ c *Cluster }

func (nodeMaintenanceController) name() string { return ControllerNodeMaintenance }

func (n nodeMaintenanceController) reconcile(time.Time) time.Time {
	n.c.reconcileNodeMaintenances()
	return time.Time{}
}

// Phases of a NodeMaintenance (status.phase), as the node-maintenance
// operator sets them.
const (
	NodeMaintenanceRunning   = "Running"
	NodeMaintenanceSucceeded = "Succeeded"
	NodeMaintenanceFailed    = "Failed"
)

// reconcileNodeMaintenances plays the node-maintenance operator, for both
// API groups: a NodeMaintenance goes Running, cordons its node and drains
// it (the VMIs are evicted as any drain evicts them), and goes Succeeded
// once nothing is left to evict; a drain that cannot finish keeps it
// Running. While the object exists its node stays cordoned. A
// NodeMaintenance for a node that does not exist goes Failed.
func (c *Cluster) reconcileNodeMaintenances() {
	for _, k := range sortedKeys(c.nms) {
		nm := c.nms[k]
		what := "NodeMaintenance " + nm.Group + "/" + nm.Name
		n := c.nodes[nm.NodeName]
		if n == nil {
			if nm.Phase != NodeMaintenanceFailed {
				nm.Phase = NodeMaintenanceFailed
				c.record(KindNodeMaintenance, "", nm.Name, NodeMaintenanceFailed, what+": node "+strconv.Quote(nm.NodeName)+" not found")
			}
			continue
		}
		if nm.Phase == "" {
			nm.Phase = NodeMaintenanceRunning
			msg := what + ": putting node " + n.Name + " into maintenance"
			if nm.Reason != "" {
				msg += " (" + nm.Reason + ")"
			}
			c.record(KindNodeMaintenance, "", nm.Name, NodeMaintenanceRunning, msg)
		}
		if !n.Spec.Unschedulable {
			n.Spec.Unschedulable = true
			c.platformChanged()
			c.workloadChanged()
			c.record(KindNode, "", n.Name, "Cordoned", what+": cordoned")
		}
		drained := c.drain(n, c.nodeSim(n.Name))
		switch {
		case drained && nm.Phase != NodeMaintenanceSucceeded:
			nm.Phase = NodeMaintenanceSucceeded
			c.record(KindNodeMaintenance, "", nm.Name, NodeMaintenanceSucceeded, what+": node "+n.Name+" is cordoned and drained")
		case !drained && nm.Phase != NodeMaintenanceRunning:
			nm.Phase = NodeMaintenanceRunning
			c.record(KindNodeMaintenance, "", nm.Name, NodeMaintenanceRunning, what+": draining node "+n.Name+" again")
		}
	}
}

// DeleteNodeMaintenance deletes a NodeMaintenance (group
// update.NodeMaintenanceKubeVirt or update.NodeMaintenanceMedik8s): the
// maintenance ends and the node-maintenance operator uncordons the node,
// unless another NodeMaintenance still holds it.
func (c *Cluster) DeleteNodeMaintenance(group, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	nm, ok := c.nms[key{group, name}]
	if !ok {
		return update.NotFound("delete", KindNodeMaintenance, "", group+"/"+name)
	}
	delete(c.nms, key{group, name})
	c.platformChanged()
	c.record(KindNodeMaintenance, "", name, "Deleted", "NodeMaintenance "+group+"/"+name+" deleted: maintenance of node "+nm.NodeName+" ends")
	for _, other := range c.nms {
		if other.NodeName == nm.NodeName {
			return nil
		}
	}
	if n := c.nodes[nm.NodeName]; n != nil && n.Spec.Unschedulable && c.nodeSim(n.Name).phase == nodeReady {
		n.Spec.Unschedulable = false
		c.workloadChanged()
		c.record(KindNode, "", n.Name, "Uncordoned", "NodeMaintenance "+group+"/"+name+" deleted: uncordoned")
	}
	return nil
}

// Cordon sets spec.unschedulable of a node, as `oc adm cordon` and
// `oc adm uncordon` do. The MCO never picks a cordoned node for an update
// and counts it as unavailable, so a cordoned node holds up its pool.
func (c *Cluster) Cordon(node string, unschedulable bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[node]
	if !ok {
		return update.NotFound("cordon", KindNode, "", node)
	}
	if n.Spec.Unschedulable == unschedulable {
		return nil
	}
	n.Spec.Unschedulable = unschedulable
	c.platformChanged()
	c.workloadChanged()
	reason, msg := "Uncordoned", "spec.unschedulable = false"
	if unschedulable {
		reason, msg = "Cordoned", "spec.unschedulable = true"
	}
	c.record(KindNode, "", node, reason, msg)
	return nil
}

// SetNodeReady sets the node's Ready condition, as its kubelet reports it.
// A NotReady node is unavailable to the MCO and takes no migrations.
func (c *Cluster) SetNodeReady(node string, ready bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[node]
	if !ok {
		return update.NotFound("set the Ready condition of", KindNode, "", node)
	}
	if i := slices.IndexFunc(n.Status.Conditions, func(x corev1.NodeCondition) bool { return x.Type == corev1.NodeReady }); i >= 0 &&
		(n.Status.Conditions[i].Status == corev1.ConditionTrue) == ready {
		return nil
	}
	setNodeReady(n, ready, c.clock.Now())
	c.platformChanged()
	c.workloadChanged()
	reason := "NodeReady"
	if !ready {
		reason = "NodeNotReady"
	}
	c.record(KindNode, "", node, reason, "the kubelet reports Ready="+strconv.FormatBool(ready))
	return nil
}

// SetPoolMaxUnavailable sets spec.maxUnavailable of a pool: a node count
// (intstr.FromInt32(2)) or a percentage of the pool's nodes
// (intstr.FromString("25%")), which the MCO rounds down, and never below 1.
// The pool's MaxUnavailable (as ListMachineConfigPools reads it) is the
// resolved count. A negative count or a string that is not a percentage
// from 0% to 100% is refused with update.ErrInvalid.
func (c *Cluster) SetPoolMaxUnavailable(pool string, v intstr.IntOrString) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pools[pool]
	if !ok {
		return update.NotFound("set spec.maxUnavailable of", KindMachineConfigPool, "", pool)
	}
	if err := checkMaxUnavailable(v); err != nil {
		return &update.ObjectError{Op: "set spec.maxUnavailable of", Kind: KindMachineConfigPool, Name: pool, Err: fmt.Errorf("%w: %v", update.ErrInvalid, err)}
	}
	c.setPoolMaxUnavailable(p, v)
	c.record(KindMachineConfigPool, "", pool, "MaxUnavailableChanged", "spec.maxUnavailable = "+v.String())
	return nil
}

// setPoolMaxUnavailable stores a checked spec.maxUnavailable of the pool
// and resolves its MaxUnavailable for the pool's nodes.
func (c *Cluster) setPoolMaxUnavailable(p *update.MachineConfigPool, v intstr.IntOrString) {
	c.platformChanged()
	if c.mco.maxUnavailable == nil {
		c.mco.maxUnavailable = map[*update.MachineConfigPool]intstr.IntOrString{}
	}
	for stale := range c.mco.maxUnavailable {
		if c.pools[stale.Name] != stale {
			delete(c.mco.maxUnavailable, stale) // a pool replaced by AddPools
		}
	}
	c.mco.maxUnavailable[p] = v
	nodes := 0
	for _, name := range c.sortedNodeNames() {
		if c.nodePool[name] == p.Name {
			nodes++
		}
	}
	p.MaxUnavailable = int32(c.poolMaxUnavailable(p, nodes))
}

// checkMaxUnavailable accepts a non-negative count or a percentage from 0%
// to 100%.
func checkMaxUnavailable(v intstr.IntOrString) error {
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return fmt.Errorf("%d is negative: use a node count of 1 or more, or a percentage like 25%%", v.IntVal)
		}
		return nil
	}
	digits, ok := strings.CutSuffix(v.StrVal, "%")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n < 0 || n > 100 || digits != strconv.Itoa(n) {
		return fmt.Errorf("%q is neither a node count nor a percentage from 0%% to 100%% (e.g. 1 or \"25%%\")", v.StrVal)
	}
	return nil
}
