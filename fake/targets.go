package fake

// platformChanged marks a change to what the MCO and the choice of target
// nodes read: a node (added, cordoned, uncordoned, Ready or not, mid-update),
// a pool, a NodeMaintenance, the configuration being rolled out. Every such
// change goes with a call.
func (c *Cluster) platformChanged() { c.platformGen++ }

// targetIndex holds the nodes a migration or a restarted VMI may land on
// (ready, schedulable, not in the master pool) in name order, with the
// running VMIs of each, so that picking one reads a slice instead of the
// node objects. It is rebuilt when the platform changes (platformGen).
type targetIndex struct {
	built bool
	gen   int
	names []string
	load  []int // running VMIs of names[i]
	index map[string]int
}

// targetNodes returns the index, rebuilt if the platform changed.
func (c *Cluster) targetNodes() *targetIndex {
	t := &c.targets
	if t.built && t.gen == c.platformGen {
		return t
	}
	t.built, t.gen = true, c.platformGen
	t.names, t.load = t.names[:0], t.load[:0]
	if t.index == nil {
		t.index = map[string]int{}
	}
	clear(t.index)
	for _, name := range c.sortedNodeNames() {
		n := c.nodes[name]
		if n.Spec.Unschedulable || c.nodePool[name] == "master" || !nodeReadyStatus(n) {
			continue
		}
		t.index[name] = len(t.names)
		t.names = append(t.names, name)
		t.load = append(t.load, c.load[name])
	}
	return t
}

// countTarget keeps the index's count of running VMIs in step with c.load.
func (c *Cluster) countTarget(node string, delta int) {
	if t := &c.targets; t.built {
		if i, ok := t.index[node]; ok {
			t.load[i] += delta
		}
	}
}

// pickTarget chooses the node a migration from the node source, or a
// restarted VMI (source ""), lands on: a ready, schedulable node other than
// the source, the one with the fewest running VMIs, then by name. "" when
// there is none.
func (c *Cluster) pickTarget(source string) string {
	t := c.targetNodes()
	best := -1
	for i, name := range t.names {
		if name == source {
			continue
		}
		if best < 0 || t.load[i] < t.load[best] {
			best = i
		}
	}
	picked := ""
	if best >= 0 {
		picked = t.names[best]
	}
	if checkPickTarget != nil {
		checkPickTarget(c, source, picked)
	}
	return picked
}

// checkPickTarget, when set (by this package's tests), checks each choice
// of pickTarget against a scan of every node object.
var checkPickTarget func(c *Cluster, source, picked string)
