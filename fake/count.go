package fake

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/virtupdate/virtupdate/update"
)

// CountVMIs implements update.VMICounter: how many VMIs ListVMIs would
// return, without copying them.
func (c *Cluster) CountVMIs(_ context.Context, opts update.ListOptions) (int, error) {
	sel, err := selectorOf(opts)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
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
