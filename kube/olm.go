package kube

import (
	"context"
	"slices"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// GetSubscription implements update.OLM.
func (c *Cluster) GetSubscription(ctx context.Context, namespace, name string) (*update.Subscription, error) {
	u, err := c.dyn.Resource(SubscriptionResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, MapError("get", kindSubscription, namespace, name, err)
	}
	var s operatorsv1alpha1.Subscription
	if err := fromUnstructured(u, &s); err != nil {
		return nil, err
	}
	return SubscriptionFrom(&s), nil
}

// SubscriptionFrom converts OLM's Subscription into the port's view:
// package, channel and installPlanApproval of its spec (none when spec is
// nil), currentCSV, installedCSV, state and the InstallPlan's name of its
// status.
func SubscriptionFrom(s *operatorsv1alpha1.Subscription) *update.Subscription {
	out := &update.Subscription{Namespace: s.Namespace, Name: s.Name}
	if s.Spec != nil {
		out.Package, out.Channel = s.Spec.Package, s.Spec.Channel
		out.InstallPlanApproval = string(s.Spec.InstallPlanApproval)
	}
	out.CurrentCSV, out.InstalledCSV, out.State = s.Status.CurrentCSV, s.Status.InstalledCSV, string(s.Status.State)
	if s.Status.InstallPlanRef != nil {
		out.InstallPlanRef = s.Status.InstallPlanRef.Name
	}
	return out
}

// ListCSVs implements update.OLM.
func (c *Cluster) ListCSVs(ctx context.Context, namespace string) ([]conditions.CSV, error) {
	csvs, err := listTyped[operatorsv1alpha1.ClusterServiceVersion](ctx, c, CSVResource, namespace, "")
	if err != nil {
		return nil, ListError(kindCSV, namespace, err)
	}
	sortByNamespaceName(csvs)
	out := make([]conditions.CSV, 0, len(csvs))
	for i := range csvs {
		out = append(out, CSVFrom(&csvs[i]))
	}
	return out, nil
}

// CSVFrom converts OLM's ClusterServiceVersion into the conditions
// package's view. Version is spec.version, "" when it is unset (0.0.0
// without a pre-release).
func CSVFrom(x *operatorsv1alpha1.ClusterServiceVersion) conditions.CSV {
	out := conditions.CSV{
		Name: x.Name, DisplayName: x.Spec.DisplayName, Replaces: x.Spec.Replaces,
		Phase: conditions.CSVPhase(x.Status.Phase), Reason: string(x.Status.Reason), Message: x.Status.Message,
	}
	if v := x.Spec.Version.Version; v.Major != 0 || v.Minor != 0 || v.Patch != 0 || len(v.Pre) > 0 {
		out.Version = x.Spec.Version.String()
	}
	return out
}

// ListInstallPlans implements update.OLM.
func (c *Cluster) ListInstallPlans(ctx context.Context, namespace string) ([]update.InstallPlan, error) {
	ips, err := listTyped[operatorsv1alpha1.InstallPlan](ctx, c, InstallPlanResource, namespace, "")
	if err != nil {
		return nil, ListError(kindInstallPlan, namespace, err)
	}
	sortByNamespaceName(ips)
	out := make([]update.InstallPlan, 0, len(ips))
	for i := range ips {
		ip := &ips[i]
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
	_, err := c.dyn.Resource(InstallPlanResource).Namespace(namespace).Patch(ctx, name, types.MergePatchType,
		[]byte(`{"spec":{"approved":true}}`), metav1.PatchOptions{})
	return MapError("approve", kindInstallPlan, namespace, name, err)
}
