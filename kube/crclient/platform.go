package crclient

import (
	"context"
	"encoding/json"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// GetClusterVersion implements update.ClusterVersions.
func (c *Cluster) GetClusterVersion(ctx context.Context) (*update.ClusterVersion, error) {
	cv := &configv1.ClusterVersion{}
	if err := c.get(ctx, c.c, client.ObjectKey{Name: kube.ClusterVersionName}, cv); err != nil {
		return nil, mapError("get", kindClusterVersion, "", kube.ClusterVersionName, err)
	}
	return kube.ClusterVersionFrom(cv), nil
}

// SetChannel implements update.ClusterVersions with a merge patch of
// spec.channel.
func (c *Cluster) SetChannel(ctx context.Context, channel string) error {
	return c.mergePatchClusterVersion(ctx, "set channel of", map[string]any{"spec": map[string]any{"channel": channel}})
}

// SetDesiredUpdate implements update.ClusterVersions: it replaces
// spec.desiredUpdate with {version}, as `oc adm upgrade --to` does and the
// kube adapter does (a merge patch with null for the other fields).
func (c *Cluster) SetDesiredUpdate(ctx context.Context, version string) error {
	return c.mergePatchClusterVersion(ctx, "set desired update of", map[string]any{"spec": map[string]any{
		"desiredUpdate": map[string]any{"version": version, "image": nil, "architecture": nil, "force": nil, "acceptRisks": nil, "mode": nil},
	}})
}

func (c *Cluster) mergePatchClusterVersion(ctx context.Context, op string, patch map[string]any) error {
	cv := &configv1.ClusterVersion{ObjectMeta: metav1.ObjectMeta{Name: kube.ClusterVersionName}}
	return c.mergePatch(ctx, op, kindClusterVersion, cv, patch)
}

// mergePatch sends a JSON merge patch of obj (named) and notes the write.
func (c *Cluster) mergePatch(ctx context.Context, op, kind string, obj client.Object, patch map[string]any) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return mapError(op, kind, obj.GetNamespace(), obj.GetName(), err)
	}
	ns, name := obj.GetNamespace(), obj.GetName()
	if err := c.c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, data)); err != nil {
		return mapError(op, kind, ns, name, err)
	}
	c.wrote(obj)
	return nil
}

// ListMachineConfigPools implements update.MachineConfigPools.
func (c *Cluster) ListMachineConfigPools(ctx context.Context) ([]update.MachineConfigPool, error) {
	var l mcfgv1.MachineConfigPoolList
	if err := c.list(ctx, c.c, &l, &mcfgv1.MachineConfigPool{}); err != nil {
		return nil, kube.ListError(kindMachineConfigPool, "", err)
	}
	sortByNamespaceName(l.Items)
	out := make([]update.MachineConfigPool, 0, len(l.Items))
	for i := range l.Items {
		p, err := kube.MachineConfigPoolFrom(&l.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// SetPoolPaused implements update.MachineConfigPools with a merge patch of
// spec.paused.
func (c *Cluster) SetPoolPaused(ctx context.Context, name string, paused bool) error {
	p := &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: name}}
	return c.mergePatch(ctx, "pause", kindMachineConfigPool, p, map[string]any{"spec": map[string]any{"paused": paused}})
}

// The annotation prefixes by which the release payload marks the manifests
// it manages (`oc adm upgrade status` counts only those ClusterOperators,
// pkg/cli/admin/upgrade/status controlplane.go assessControlPlaneStatus).
const (
	includeReleasePrefix = "include.release.openshift.io/"
	excludeReleasePrefix = "exclude.release.openshift.io/"
)

// ListClusterOperators implements update.ClusterOperators as the kube
// adapter does: the release payload's ClusterOperators, sorted by name.
func (c *Cluster) ListClusterOperators(ctx context.Context) ([]update.ClusterOperator, error) {
	var l configv1.ClusterOperatorList
	if err := c.list(ctx, c.c, &l, &configv1.ClusterOperator{}); err != nil {
		return nil, kube.ClusterListError(kindClusterOperator, err)
	}
	sortByNamespaceName(l.Items)
	out := make([]update.ClusterOperator, 0, len(l.Items))
	for i := range l.Items {
		co := &l.Items[i]
		if !payloadManaged(co.Annotations) {
			continue
		}
		out = append(out, kube.ClusterOperatorFrom(co))
	}
	return out, nil
}

func payloadManaged(annotations map[string]string) bool {
	for k := range annotations {
		if strings.HasPrefix(k, includeReleasePrefix) || strings.HasPrefix(k, excludeReleasePrefix) {
			return true
		}
	}
	return false
}

// machineConfigListGVK is the kind of a metadata-only list of
// MachineConfigs.
var machineConfigListGVK = mcfgv1.GroupVersion.WithKind("MachineConfigList")

// ListMachineConfigs implements update.MachineConfigs: every MachineConfig
// with the release its annotation names, sorted by name. It reads their
// metadata only, a metav1.PartialObjectMetadataList, which the client
// serves from a metadata-only informer (pkg/cache: a
// PartialObjectMetadata read gets its own metadata informer) or the
// metadata client (pkg/client/metadata_client.go): a rendered
// MachineConfig embeds its pool's whole Ignition config, and neither the
// cache nor the answer holds it.
func (c *Cluster) ListMachineConfigs(ctx context.Context) ([]update.MachineConfig, error) {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(machineConfigListGVK)
	item := &metav1.PartialObjectMetadata{}
	item.SetGroupVersionKind(mcfgv1.GroupVersion.WithKind(kindMachineConfig))
	if err := c.list(ctx, c.c, l, item); err != nil {
		return nil, kube.ClusterListError(kindMachineConfig, err)
	}
	sortByNamespaceName(l.Items)
	out := make([]update.MachineConfig, 0, len(l.Items))
	for _, m := range l.Items {
		out = append(out, update.MachineConfig{Name: m.Name, ReleaseVersion: m.Annotations[update.MachineConfigReleaseVersionAnnotation]})
	}
	return out, nil
}
