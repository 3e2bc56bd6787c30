package crclient

import (
	"context"
	"slices"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// GetSubscription implements update.OLM.
func (c *Cluster) GetSubscription(ctx context.Context, namespace, name string) (*update.Subscription, error) {
	s := &operatorsv1alpha1.Subscription{}
	if err := c.get(ctx, c.c, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		return nil, mapError("get", kindSubscription, namespace, name, err)
	}
	return kube.SubscriptionFrom(s), nil
}

// ListCSVs implements update.OLM.
func (c *Cluster) ListCSVs(ctx context.Context, namespace string) ([]conditions.CSV, error) {
	var l operatorsv1alpha1.ClusterServiceVersionList
	opts, _ := listOptions(namespace, "")
	if err := c.list(ctx, c.c, &l, &operatorsv1alpha1.ClusterServiceVersion{}, opts...); err != nil {
		return nil, kube.ListError(kindCSV, namespace, err)
	}
	sortByNamespaceName(l.Items)
	out := make([]conditions.CSV, 0, len(l.Items))
	for i := range l.Items {
		out = append(out, kube.CSVFrom(&l.Items[i]))
	}
	return out, nil
}

// ListInstallPlans implements update.OLM.
func (c *Cluster) ListInstallPlans(ctx context.Context, namespace string) ([]update.InstallPlan, error) {
	var l operatorsv1alpha1.InstallPlanList
	opts, _ := listOptions(namespace, "")
	if err := c.list(ctx, c.c, &l, &operatorsv1alpha1.InstallPlan{}, opts...); err != nil {
		return nil, kube.ListError(kindInstallPlan, namespace, err)
	}
	sortByNamespaceName(l.Items)
	out := make([]update.InstallPlan, 0, len(l.Items))
	for i := range l.Items {
		ip := &l.Items[i]
		out = append(out, update.InstallPlan{
			Namespace: ip.Namespace, Name: ip.Name, CSVNames: slices.Clone(ip.Spec.ClusterServiceVersionNames),
			Approval: string(ip.Spec.Approval), Approved: ip.Spec.Approved, Phase: string(ip.Status.Phase),
		})
	}
	return out, nil
}

// ApproveInstallPlan implements update.OLM with a merge patch of
// spec.approved, as OLM's documentation does it.
func (c *Cluster) ApproveInstallPlan(ctx context.Context, namespace, name string) error {
	ip := &operatorsv1alpha1.InstallPlan{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	return c.mergePatch(ctx, "approve", kindInstallPlan, ip, map[string]any{"spec": map[string]any{"approved": true}})
}
