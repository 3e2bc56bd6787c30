package fake

import (
	"cmp"
	"maps"
	"slices"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// The fake keeps a few indexes so that a reconcile over tens of thousands of
// VMIs does not sort or scan everything at every instant. Every write to
// c.vmis and c.migrations goes through the functions here.

// putVMI stores a VMI (the cluster keeps the pointer).
func (c *Cluster) putVMI(v *kubevirtv1.VirtualMachineInstance) {
	k := keyOf(v)
	if old, exists := c.vmis[k]; !exists {
		c.vmiOrder = nil
	} else {
		c.countOnNode(old, -1)
		c.countOutdatedLabel(old, -1)
	}
	c.vmis[k] = v
	c.countOnNode(v, +1)
	c.countOutdatedLabel(v, +1)
	c.refreshOutdated(k)
	c.touch(k)
	c.recheckStopped(k)
	c.workloadChanged()
}

// deleteVMI removes a VMI.
func (c *Cluster) deleteVMI(k key) {
	if old := c.vmis[k]; old != nil {
		c.countOnNode(old, -1)
		c.countOutdatedLabel(old, -1)
	}
	delete(c.vmis, k)
	delete(c.virt.evacuating, k)
	delete(c.outdated, k)
	c.vmiOrder = nil
	c.touch(k)
	c.recheckStopped(k)
	c.workloadChanged()
}

// moveVMI sets the node a running VMI runs on.
func (c *Cluster) moveVMI(v *kubevirtv1.VirtualMachineInstance, node string) {
	c.countOnNode(v, -1)
	v.Status.NodeName = node
	c.countOnNode(v, +1)
	c.touch(keyOf(v))
	c.workloadChanged()
}

// stopVMI ends a VMI: phase Succeeded.
func (c *Cluster) stopVMI(v *kubevirtv1.VirtualMachineInstance) {
	c.countOnNode(v, -1)
	v.Status.Phase = kubevirtv1.Succeeded
	c.refreshOutdated(keyOf(v))
	c.touch(keyOf(v))
	c.workloadChanged()
}

// countOnNode keeps the load per node and the index of running VMIs by
// node in step as a running VMI arrives (delta +1) or leaves (-1).
func (c *Cluster) countOnNode(v *kubevirtv1.VirtualMachineInstance, delta int) {
	if v.IsFinal() {
		return
	}
	if c.load == nil {
		c.load = nodeLoad{}
		c.onNode = map[string]map[key]bool{}
	}
	node, k := v.Status.NodeName, keyOf(v)
	c.load[node] += delta
	c.countTarget(node, delta)
	if delta > 0 {
		if c.onNode[node] == nil {
			c.onNode[node] = map[key]bool{}
		}
		c.onNode[node][k] = true
	} else {
		delete(c.onNode[node], k)
	}
}

// runningOn returns the keys of the running VMIs on a node, sorted.
func (c *Cluster) runningOn(node string) []key {
	return slices.SortedFunc(maps.Keys(c.onNode[node]), compareKeys)
}

// refreshOutdated keeps the set of running VMIs on an older launcher, and
// KubeVirt's kubevirt.io/outdatedLauncherImage label, in step with one VMI.
func (c *Cluster) refreshOutdated(k key) {
	v := c.vmis[k]
	img := ""
	if v != nil {
		img = v.Status.LauncherContainerImageVersion
	}
	out := v != nil && !v.IsFinal() && img != "" && img != c.cnv.launcherImage
	switch {
	case out && !c.outdated[k]:
		if c.outdated == nil {
			c.outdated = map[key]bool{}
		}
		c.outdated[k] = true
		c.touch(k)
	case !out && c.outdated[k]:
		delete(c.outdated, k)
		c.touch(k)
	}
	// The label follows the comparison only when both images are known.
	if v != nil && img != "" && c.cnv.launcherImage != "" {
		c.labelOutdated(v, out)
	}
}

// countOutdatedLabel counts a stored VMI in or out of c.outdatedLabelled,
// the number of VMIs carrying KubeVirt's outdated-launcher label, which
// CountVMIs answers for the verify step's polls without a scan.
func (c *Cluster) countOutdatedLabel(v *kubevirtv1.VirtualMachineInstance, delta int) {
	if _, has := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]; has {
		c.outdatedLabelled += delta
	}
}

// setLauncherImage sets the target launcher image and re-reads every VMI.
func (c *Cluster) setLauncherImage(img string) {
	c.cnv.launcherImage = img
	for k := range c.vmis {
		c.refreshOutdated(k)
	}
	c.workloadChanged()
}

// sortedVMIKeys returns the VMI keys sorted by namespace and name, cached
// until a VMI is added or deleted. Callers must not modify it.
func (c *Cluster) sortedVMIKeys() []key {
	if c.vmiOrder == nil {
		c.vmiOrder = sortedKeys(c.vmis)
	}
	return c.vmiOrder
}

// putMigration stores a migration and indexes it by VMI and, while it is
// not final, as active.
func (c *Cluster) putMigration(m *kubevirtv1.VirtualMachineInstanceMigration) {
	k := keyOf(m)
	if c.migsOf == nil {
		c.migsOf = map[key][]key{}
		c.activeMigs = map[key]bool{}
	}
	if _, exists := c.migrations[k]; !exists {
		vk := key{m.Namespace, m.Spec.VMIName}
		c.migsOf[vk] = append(c.migsOf[vk], k)
	}
	c.migrations[k] = m
	c.touch(key{m.Namespace, m.Spec.VMIName})
	if m.IsFinal() {
		delete(c.activeMigs, k)
	} else if !c.activeMigs[k] {
		c.activeMigs[k] = true
		c.activeOrder = nil
	}
	c.workloadChanged()
}

// deleteMigration removes a migration and its fake state.
func (c *Cluster) deleteMigration(k key) {
	m := c.migrations[k]
	if m == nil {
		return
	}
	vk := key{m.Namespace, m.Spec.VMIName}
	c.migsOf[vk] = slices.DeleteFunc(c.migsOf[vk], func(x key) bool { return x == k })
	if len(c.migsOf[vk]) == 0 {
		delete(c.migsOf, vk)
	}
	delete(c.migrations, k)
	delete(c.activeMigs, k)
	delete(c.virt.migrations, k)
	c.updater.tracker.DeleteMigration(k.namespace, k.name)
	c.touch(vk)
	c.workloadChanged()
}

// migrationsOf returns the migrations of one VMI, in creation order.
func (c *Cluster) migrationsOf(vk key) []*kubevirtv1.VirtualMachineInstanceMigration {
	keys := c.migsOf[vk]
	out := make([]*kubevirtv1.VirtualMachineInstanceMigration, 0, len(keys))
	for _, k := range keys {
		out = append(out, c.migrations[k])
	}
	return out
}

// workloadChanged marks a change the workload updater must look at.
func (c *Cluster) workloadChanged() { c.workloadGen++ }

// nodeLoad counts the running VMIs per node.
type nodeLoad map[string]int

// sortedNodeNames returns the node names sorted, cached until a node is
// added. Callers must not modify it.
func (c *Cluster) sortedNodeNames() []string {
	if len(c.nodeOrder) != len(c.nodes) {
		c.nodeOrder = slices.Sorted(maps.Keys(c.nodes))
	}
	return c.nodeOrder
}

// activeMigrationOrder returns the unfinished migrations in the order
// KubeVirt's migration queue serves them (workload.MigrationPriority,
// higher spec.priority first, then oldest, then by key), so a freed slot
// goes to the Pending migration of highest priority. The order is rebuilt
// only after a migration is added; finished ones are dropped as they are
// met. Only Pending migrations compete for slots, and their priority does
// not change, so a migration that started since does not make it stale.
func (c *Cluster) activeMigrationOrder() []key {
	if c.activeOrder == nil || len(c.activeOrder) > 2*len(c.activeMigs)+16 {
		c.activeOrder = slices.Collect(maps.Keys(c.activeMigs))
		slices.SortFunc(c.activeOrder, func(a, b key) int {
			ma, mb := c.migrations[a], c.migrations[b]
			return cmp.Or(cmp.Compare(workload.MigrationPriority(mb), workload.MigrationPriority(ma)),
				ma.CreationTimestamp.Time.Compare(mb.CreationTimestamp.Time), compareKeys(a, b))
		})
	}
	return c.activeOrder
}
