package kube

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/virtupdate/virtupdate/update"
)

// ListNodes implements update.Nodes.
func (c *Cluster) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	nodes, err := listPages(ctx, c.opts.PageSize, "", func(ctx context.Context, opts metav1.ListOptions) ([]corev1.Node, string, error) {
		l, err := c.core.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
	if err != nil {
		return nil, ListError(kindNode, "", err)
	}
	sortByNamespaceName(nodes)
	return nodes, nil
}

// ListNodeMaintenances implements update.Nodes. A cluster usually has one of
// the two NodeMaintenance operators or none: a group whose resource the API
// server does not serve lists nothing.
func (c *Cluster) ListNodeMaintenances(ctx context.Context) ([]update.NodeMaintenance, error) {
	var out []update.NodeMaintenance
	for _, gvr := range NodeMaintenanceResources {
		items, err := listPages(ctx, c.opts.PageSize, "", func(ctx context.Context, opts metav1.ListOptions) ([]unstructured.Unstructured, string, error) {
			l, err := c.dyn.Resource(gvr).List(ctx, opts)
			if err != nil {
				return nil, "", err
			}
			return l.Items, l.GetContinue(), nil
		})
		if apierrors.IsNotFound(err) {
			continue // the group is not installed
		}
		if err != nil {
			return nil, ListError(kindNodeMaintenance, "", fmt.Errorf("API group %s: %w", gvr.Group, err))
		}
		for i := range items {
			u := items[i].Object
			nodeName, _, _ := unstructured.NestedString(u, "spec", "nodeName")
			reason, _, _ := unstructured.NestedString(u, "spec", "reason")
			phase, _, _ := unstructured.NestedString(u, "status", "phase")
			out = append(out, update.NodeMaintenance{Group: gvr.Group, Name: items[i].GetName(), NodeName: nodeName, Reason: reason, Phase: phase})
		}
	}
	slices.SortFunc(out, func(a, b update.NodeMaintenance) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// ListPodDisruptionBudgets implements update.PodDisruptionBudgets: every
// PodDisruptionBudget (policy/v1) of every namespace, paged, sorted by
// namespace and name. Pre-flight reads them for the budgets at their limit
// that block node drains.
func (c *Cluster) ListPodDisruptionBudgets(ctx context.Context) ([]policyv1.PodDisruptionBudget, error) {
	items, err := listPages(ctx, c.opts.PageSize, "", func(ctx context.Context, opts metav1.ListOptions) ([]policyv1.PodDisruptionBudget, string, error) {
		l, err := c.core.PolicyV1().PodDisruptionBudgets("").List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
	if err != nil {
		return nil, ListError(kindPodDisruptionBudget, "", err)
	}
	sortByNamespaceName(items)
	return items, nil
}

var _ update.PodDisruptionBudgets = (*Cluster)(nil)
