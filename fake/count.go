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
