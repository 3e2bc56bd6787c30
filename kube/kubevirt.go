package kube

import (
	"context"
	"fmt"
	"strings"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// KubeVirtName is the name HCO gives the KubeVirt CR it creates in its
// namespace: "kubevirt-" + the HyperConverged's name.
const KubeVirtName = "kubevirt-" + update.HyperConvergedName

// GetKubeVirt implements update.KubeVirts: it lists the KubeVirt CRs
// (kubevirt.io/v1) in Options.Namespace and returns the one named
// KubeVirtName or, when none has that name, the only one. None is
// update.ErrNotFound; several, none of them HCO's, is an error naming them.
// One list request: the role needs list on kubevirts, not get.
func (c *Cluster) GetKubeVirt(ctx context.Context) (*kubevirtv1.KubeVirt, error) {
	const op = "get"
	ns := c.opts.Namespace
	kvs, err := listTyped[kubevirtv1.KubeVirt](ctx, c, KubeVirtResource, ns, "")
	if err != nil {
		return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: KubeVirtName, Err: ListError(kindKubeVirt, ns, err)}
	}
	for i := range kvs {
		if kvs[i].Name == KubeVirtName {
			return &kvs[i], nil
		}
	}
	switch len(kvs) {
	case 0:
		return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: KubeVirtName,
			Err: fmt.Errorf("%w: no KubeVirt CR in namespace %s (HCO creates %s there once the HyperConverged exists)", update.ErrNotFound, ns, KubeVirtName)}
	case 1:
		return &kvs[0], nil
	}
	sortByNamespaceName(kvs)
	var names []string
	for i := range kvs {
		names = append(names, kvs[i].Name)
	}
	return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: KubeVirtName,
		Err: fmt.Errorf("namespace %s holds %d KubeVirt CRs (%s) and none is HCO's %s: KubeVirt acts on one only; delete the others or run with the namespace HCO manages",
			ns, len(kvs), strings.Join(names, ", "), KubeVirtName)}
}
