package fake

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// CountVMIs implements update.VMICounter: how many VMIs ListVMIs would
// return, without copying them.
func (c *Cluster) CountVMIs(ctx context.Context, opts update.ListOptions) (int, error) {
	if err := portRead(ctx, "count", KindVMI, opts.Namespace, ""); err != nil {
		return 0, err
	}
	sel, err := selectorOf(opts)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if opts.Namespace == "" && opts.LabelSelector == kubevirtv1.OutdatedLauncherImageLabel {
		// The verify step's poll: kept counted as VMIs are stored.
		return c.outdatedLabelled, nil
	}
	n := 0
	for k, v := range c.vmis {
		if opts.Namespace != "" && k.namespace != opts.Namespace {
			continue
		}
		if !sel.Empty() && !sel.Matches(labels.Set(v.Labels)) {
			continue
		}
		n++
	}
	return n, nil
}

var _ update.VMICounter = (*Cluster)(nil)

// LabelVMI sets a label on a VMI, as a user or a controller of theirs would
// (a label a custom workload.Strategy reads, say); ErrNotFound when there
// is no such VMI. Its VirtualMachine's template is not changed, so a VMI
// started again later does not carry it.
func (c *Cluster) LabelVMI(namespace, name, label, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vmis[key{namespace, name}]
	if !ok {
		return update.NotFound("label", KindVMI, namespace, name)
	}
	v = v.DeepCopy()
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	v.Labels[label] = value
	v.ResourceVersion = c.nextRV()
	c.putVMI(v)
	return nil
}

// VMIState is what a report of a simulation reads of one VMI, without a
// copy of the whole object.
type VMIState struct {
	Namespace, Name string
	// Node is status.nodeName; Final is true once the VMI has stopped
	// (phase Succeeded or Failed).
	Node  string
	Final bool
	// Outdated is true while it carries KubeVirt's
	// kubevirt.io/outdatedLauncherImage label.
	Outdated bool
}

// VMIStates returns every VMI's state, sorted by namespace and name: what
// ListVMIs would say of them, at a fraction of its cost on a large cluster
// (nothing is deep-copied). It is not a port: code that must also run on a
// real cluster lists VMIs.
func (c *Cluster) VMIStates() []VMIState {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := c.sortedVMIKeys()
	out := make([]VMIState, 0, len(keys))
	for _, k := range keys {
		v := c.vmis[k]
		_, outdated := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]
		out = append(out, VMIState{Namespace: k.namespace, Name: k.name, Node: v.Status.NodeName, Final: v.IsFinal(), Outdated: outdated})
	}
	return out
}
