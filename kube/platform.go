package kube

import (
	"context"
	"encoding/json"
	"fmt"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// GetClusterVersion implements update.ClusterVersions.
func (c *Cluster) GetClusterVersion(ctx context.Context) (*update.ClusterVersion, error) {
	u, err := c.dyn.Resource(ClusterVersionResource).Get(ctx, ClusterVersionName, metav1.GetOptions{})
	if err != nil {
		return nil, MapError("get", kindClusterVersion, "", ClusterVersionName, err)
	}
	var cv configv1.ClusterVersion
	if err := fromUnstructured(u, &cv); err != nil {
		return nil, err
	}
	return ClusterVersionFrom(&cv), nil
}

// ClusterVersionFrom converts the CVO's ClusterVersion into the port's
// view. Target is status.desired.version, which the CVO fills whether the
// update was asked by version or by image alone
// (spec.desiredUpdate.image); ConditionalUpdates keep each entry's
// version, its risks with their matching rules, and its Recommended
// condition (zero while the CVO has not evaluated the risks).
func ClusterVersionFrom(cv *configv1.ClusterVersion) *update.ClusterVersion {
	out := &update.ClusterVersion{Channel: cv.Spec.Channel, Target: cv.Status.Desired.Version}
	if cv.Spec.DesiredUpdate != nil {
		out.DesiredVersion = cv.Spec.DesiredUpdate.Version
	}
	for _, h := range cv.Status.History {
		e := update.UpdateHistory{State: string(h.State), Version: h.Version, StartedTime: h.StartedTime.Time}
		if h.CompletionTime != nil {
			e.CompletionTime = h.CompletionTime.Time
		}
		out.History = append(out.History, e)
	}
	for _, cond := range cv.Status.Conditions {
		out.Conditions = append(out.Conditions, metav1.Condition{
			Type: string(cond.Type), Status: metav1.ConditionStatus(cond.Status),
			LastTransitionTime: cond.LastTransitionTime, Reason: cond.Reason, Message: cond.Message,
		})
	}
	for _, r := range cv.Status.AvailableUpdates {
		out.AvailableUpdates = append(out.AvailableUpdates, r.Version)
	}
	for _, cu := range cv.Status.ConditionalUpdates {
		u := update.ConditionalUpdate{Version: cu.Release.Version}
		for _, r := range cu.Risks {
			risk := channel.Risk{Name: r.Name, Message: r.Message, URL: r.URL}
			for _, m := range r.MatchingRules {
				rule := channel.MatchingRule{Type: channel.RuleType(m.Type)}
				if m.PromQL != nil {
					rule.PromQL = &channel.PromQLRule{PromQL: m.PromQL.PromQL}
				}
				risk.MatchingRules = append(risk.MatchingRules, rule)
			}
			u.Risks = append(u.Risks, risk)
		}
		if c := apimeta.FindStatusCondition(cu.Conditions, "Recommended"); c != nil {
			u.Recommended = *c
		}
		out.ConditionalUpdates = append(out.ConditionalUpdates, u)
	}
	out.DesiredChannels = append(out.DesiredChannels, cv.Status.Desired.Channels...)
	return out
}

// SetChannel implements update.ClusterVersions with a merge patch of
// spec.channel.
func (c *Cluster) SetChannel(ctx context.Context, channel string) error {
	return c.mergePatchClusterVersion(ctx, "set channel of", map[string]any{"spec": map[string]any{"channel": channel}})
}

// SetDesiredUpdate implements update.ClusterVersions. It replaces
// spec.desiredUpdate with {version}, as `oc adm upgrade --to` does: an
// image, architecture or force left from an earlier update does not carry
// over. The CVO finds the release image from the version in its
// availableUpdates.
func (c *Cluster) SetDesiredUpdate(ctx context.Context, version string) error {
	// A merge patch with null for the other fields replaces the whole
	// object whether or not spec.desiredUpdate exists.
	return c.mergePatchClusterVersion(ctx, "set desired update of", map[string]any{"spec": map[string]any{
		"desiredUpdate": map[string]any{"version": version, "image": nil, "architecture": nil, "force": nil, "acceptRisks": nil, "mode": nil},
	}})
}

func (c *Cluster) mergePatchClusterVersion(ctx context.Context, op string, patch map[string]any) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return MapError(op, kindClusterVersion, "", ClusterVersionName, err)
	}
	_, err = c.dyn.Resource(ClusterVersionResource).Patch(ctx, ClusterVersionName, types.MergePatchType, data, metav1.PatchOptions{})
	return MapError(op, kindClusterVersion, "", ClusterVersionName, err)
}

// ListMachineConfigPools implements update.MachineConfigPools.
func (c *Cluster) ListMachineConfigPools(ctx context.Context) ([]update.MachineConfigPool, error) {
	pools, err := listTyped[mcfgv1.MachineConfigPool](ctx, c, MachineConfigPoolResource, "", "")
	if err != nil {
		return nil, ListError(kindMachineConfigPool, "", err)
	}
	sortByNamespaceName(pools)
	out := make([]update.MachineConfigPool, 0, len(pools))
	for i := range pools {
		p, err := MachineConfigPoolFrom(&pools[i])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// MachineConfigPoolFrom converts the MCO's MachineConfigPool into the
// port's view: TargetConfig is spec.configuration.name (the rendered
// MachineConfig the render controller made for the pool), NodeSelector
// spec.nodeSelector, and MaxUnavailable spec.maxUnavailable resolved to a
// node count as the MCO resolves it (default 1, a percentage of the
// pool's machines rounded down, never less than 1). A maxUnavailable that
// is neither a number nor a percentage is an error naming the pool.
func MachineConfigPoolFrom(p *mcfgv1.MachineConfigPool) (update.MachineConfigPool, error) {
	maxUnavailable, err := resolveMaxUnavailable(p.Spec.MaxUnavailable, p.Status.MachineCount)
	if err != nil {
		return update.MachineConfigPool{}, fmt.Errorf("read %s %s: spec.maxUnavailable: %w", kindMachineConfigPool, p.Name, err)
	}
	out := update.MachineConfigPool{
		Name: p.Name, Paused: p.Spec.Paused, MaxUnavailable: maxUnavailable,
		TargetConfig: p.Spec.Configuration.Name, NodeSelector: p.Spec.NodeSelector.DeepCopy(),
		MachineCount: p.Status.MachineCount, UpdatedMachineCount: p.Status.UpdatedMachineCount,
		ReadyMachineCount: p.Status.ReadyMachineCount, UnavailableMachineCount: p.Status.UnavailableMachineCount,
		DegradedMachineCount: p.Status.DegradedMachineCount,
	}
	for _, cond := range p.Status.Conditions {
		out.Conditions = append(out.Conditions, metav1.Condition{
			Type: string(cond.Type), Status: metav1.ConditionStatus(cond.Status),
			LastTransitionTime: cond.LastTransitionTime, Reason: cond.Reason, Message: cond.Message,
		})
	}
	return out, nil
}

// resolveMaxUnavailable resolves spec.maxUnavailable to a node count as the
// MCO does: default 1, a percentage of the pool's machines rounded down,
// and never less than 1 (0 does not stop updates; pausing does).
func resolveMaxUnavailable(v *intstr.IntOrString, machines int32) (int32, error) {
	if v == nil {
		return 1, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(machines), false)
	if err != nil {
		return 0, err
	}
	return int32(max(n, 1)), nil
}

// SetPoolPaused implements update.MachineConfigPools with a merge patch of
// spec.paused.
func (c *Cluster) SetPoolPaused(ctx context.Context, name string, paused bool) error {
	const op = "pause"
	data, _ := json.Marshal(map[string]any{"spec": map[string]any{"paused": paused}})
	_, err := c.dyn.Resource(MachineConfigPoolResource).Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
	return MapError(op, kindMachineConfigPool, "", name, err)
}
