package crclient

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// ListNodes implements update.Nodes.
func (c *Cluster) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	var l corev1.NodeList
	if err := c.list(ctx, c.c, &l, &corev1.Node{}); err != nil {
		return nil, kube.ListError(kindNode, "", err)
	}
	sortByNamespaceName(l.Items)
	return l.Items, nil
}

// nodeMaintenanceGVKs are the kinds of the two NodeMaintenance APIs
// (kube.NodeMaintenanceResources), read as unstructured objects: neither
// operator has a Go module among our dependencies.
func nodeMaintenanceGVKs() []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for _, gvr := range kube.NodeMaintenanceResources {
		out = append(out, gvr.GroupVersion().WithKind(kindNodeMaintenance))
	}
	return out
}

// ListNodeMaintenances implements update.Nodes. A group whose kind the API
// server does not serve (a REST mapping error) lists nothing, as a 404
// does in the kube adapter.
func (c *Cluster) ListNodeMaintenances(ctx context.Context) ([]update.NodeMaintenance, error) {
	var out []update.NodeMaintenance
	for _, gvk := range nodeMaintenanceGVKs() {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		item := &unstructured.Unstructured{}
		item.SetGroupVersionKind(gvk)
		err := c.list(ctx, c.c, l, item)
		if notServed(err) {
			continue // the group is not installed
		}
		if err != nil {
			return nil, kube.ListError(kindNodeMaintenance, "", fmt.Errorf("API group %s: %w", gvk.Group, err))
		}
		for i := range l.Items {
			u := l.Items[i].Object
			nodeName, _, _ := unstructured.NestedString(u, "spec", "nodeName")
			reason, _, _ := unstructured.NestedString(u, "spec", "reason")
			phase, _, _ := unstructured.NestedString(u, "status", "phase")
			out = append(out, update.NodeMaintenance{Group: gvk.Group, Name: l.Items[i].GetName(), NodeName: nodeName, Reason: reason, Phase: phase})
		}
	}
	slices.SortFunc(out, func(a, b update.NodeMaintenance) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// ListPodDisruptionBudgets implements update.PodDisruptionBudgets: every
// PodDisruptionBudget (policy/v1) of every namespace, sorted by namespace
// and name.
func (c *Cluster) ListPodDisruptionBudgets(ctx context.Context) ([]policyv1.PodDisruptionBudget, error) {
	var l policyv1.PodDisruptionBudgetList
	if err := c.list(ctx, c.c, &l, &policyv1.PodDisruptionBudget{}); err != nil {
		return nil, kube.ListError(kindPodDisruptionBudget, "", err)
	}
	sortByNamespaceName(l.Items)
	return l.Items, nil
}

// GetKubeVirt implements update.KubeVirts as the kube adapter does: of the
// KubeVirt CRs in Options.Namespace, the one named kube.KubeVirtName or,
// when none has that name, the only one. None is update.ErrNotFound;
// several, none of them HCO's, is an error naming them.
func (c *Cluster) GetKubeVirt(ctx context.Context) (*kubevirtv1.KubeVirt, error) {
	const op = "get"
	ns := c.opts.Namespace
	var l kubevirtv1.KubeVirtList
	opts, _ := listOptions(ns, "")
	if err := c.list(ctx, c.c, &l, &kubevirtv1.KubeVirt{}, opts...); err != nil {
		return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: kube.KubeVirtName, Err: kube.ListError(kindKubeVirt, ns, err)}
	}
	kvs := l.Items
	for i := range kvs {
		if kvs[i].Name == kube.KubeVirtName {
			return &kvs[i], nil
		}
	}
	switch len(kvs) {
	case 0:
		return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: kube.KubeVirtName,
			Err: fmt.Errorf("%w: no KubeVirt CR in namespace %s (HCO creates %s there once the HyperConverged exists)", update.ErrNotFound, ns, kube.KubeVirtName)}
	case 1:
		return &kvs[0], nil
	}
	sortByNamespaceName(kvs)
	var names []string
	for i := range kvs {
		names = append(names, kvs[i].Name)
	}
	return nil, &update.ObjectError{Op: op, Kind: kindKubeVirt, Namespace: ns, Name: kube.KubeVirtName,
		Err: fmt.Errorf("namespace %s holds %d KubeVirt CRs (%s) and none is HCO's %s: KubeVirt acts on one only; delete the others or run with the namespace HCO manages",
			ns, len(kvs), strings.Join(names, ", "), kube.KubeVirtName)}
}
