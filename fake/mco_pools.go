package fake

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/virtupdate/virtupdate/scenario"
)

// Which pool a node is in. While no pool has a node selector (a cluster
// built by hand or from a count-form scenario), a node is in the pool its
// role labels give (poolOf: master or control-plane, else worker). Once a
// pool has one (spec.nodeSelector, as a snapshot reads it), the MCO's rule
// decides for every node (scenario.PoolOf): the pools whose selector matches
// the node's labels, of which master wins, then a single custom pool, then
// worker; a node matched by two custom pools, or a Windows node, is in no
// pool and never updated. A pool without a selector stands for
// node-role.kubernetes.io/<name> then.

// bySelector reports whether any pool has a node selector. The caller holds
// c.mu.
func (c *Cluster) bySelector() bool {
	for _, p := range c.pools {
		if p.NodeSelector != nil {
			return true
		}
	}
	return false
}

// selectorPools are the pools in the form scenario.PoolOf reads. The caller
// holds c.mu.
func (c *Cluster) selectorPools() []scenario.MachineConfigPool {
	out := make([]scenario.MachineConfigPool, 0, len(c.pools))
	for _, name := range sortedPoolNames(c) {
		out = append(out, scenario.MachineConfigPool{Name: name, NodeSelector: c.pools[name].NodeSelector})
	}
	return out
}

// assignPool puts one node in its pool. pools is nil while no pool has a
// node selector. The caller holds c.mu.
func (c *Cluster) assignPool(n *corev1.Node, pools []scenario.MachineConfigPool) {
	if pools == nil {
		c.nodePool[n.Name] = poolOf(n)
		return
	}
	pool, err := scenario.PoolOf(n, pools)
	if err != nil {
		pool = "" // the MCO refuses the node: no pool updates it
	}
	c.nodePool[n.Name] = pool
}

// poolsForAssignment is what assignPool takes for the cluster's pools now.
// The caller holds c.mu.
func (c *Cluster) poolsForAssignment() []scenario.MachineConfigPool {
	if !c.bySelector() {
		return nil
	}
	return c.selectorPools()
}

// reassignPools puts every node in its pool again, after the pools
// changed. The caller holds c.mu.
func (c *Cluster) reassignPools() {
	pools := c.poolsForAssignment()
	for _, n := range c.nodes {
		c.assignPool(n, pools)
	}
}

func sortedPoolNames(c *Cluster) []string {
	return slices.Sorted(maps.Keys(c.pools))
}
