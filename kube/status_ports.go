package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/update"
)

// The resources `virtupdate status` reads besides the plans' ones.
var (
	// ClusterOperatorResource is the CVO's ClusterOperator.
	ClusterOperatorResource = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
	// MachineConfigResource is the MCO's MachineConfig.
	MachineConfigResource = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigs"}
)

const (
	kindClusterOperator = "ClusterOperator"
	kindMachineConfig   = "MachineConfig"
)

// The annotation prefixes by which the release payload marks the manifests
// it manages: a ClusterOperator carrying one belongs to the platform
// (`oc adm upgrade status` counts only those, pkg/cli/admin/upgrade/status
// controlplane.go assessControlPlaneStatus).
const (
	includeReleasePrefix = "include.release.openshift.io/"
	excludeReleasePrefix = "exclude.release.openshift.io/"
)

var (
	_ update.ClusterOperators = (*Cluster)(nil)
	_ update.MachineConfigs   = (*Cluster)(nil)
)

// ListClusterOperators implements update.ClusterOperators: the
// ClusterOperators of the release payload (those annotated
// include.release.openshift.io/* or exclude.release.openshift.io/*),
// sorted by name. ClusterOperators an add-on created for itself are left
// out: they are not part of a platform update, and `oc adm upgrade status`
// does not count them either.
func (c *Cluster) ListClusterOperators(ctx context.Context) ([]update.ClusterOperator, error) {
	cos, err := listTyped[configv1.ClusterOperator](ctx, c, ClusterOperatorResource, "", "")
	if err != nil {
		return nil, ClusterListError(kindClusterOperator, err)
	}
	sortByNamespaceName(cos)
	out := make([]update.ClusterOperator, 0, len(cos))
	for i := range cos {
		if !payloadManaged(cos[i].Annotations) {
			continue
		}
		out = append(out, ClusterOperatorFrom(&cos[i]))
	}
	return out, nil
}

// payloadManaged reports whether the annotations mark an object of the
// release payload.
func payloadManaged(annotations map[string]string) bool {
	for k := range annotations {
		if strings.HasPrefix(k, includeReleasePrefix) || strings.HasPrefix(k, excludeReleasePrefix) {
			return true
		}
	}
	return false
}

// ClusterOperatorFrom converts a ClusterOperator into the port's view:
// its status conditions and operand versions.
func ClusterOperatorFrom(co *configv1.ClusterOperator) update.ClusterOperator {
	out := update.ClusterOperator{Name: co.Name}
	for _, cond := range co.Status.Conditions {
		out.Conditions = append(out.Conditions, metav1.Condition{
			Type: string(cond.Type), Status: metav1.ConditionStatus(cond.Status),
			LastTransitionTime: cond.LastTransitionTime, Reason: cond.Reason, Message: cond.Message,
		})
	}
	for _, v := range co.Status.Versions {
		out.Versions = append(out.Versions, update.OperandVersion{Name: v.Name, Version: v.Version})
	}
	return out
}

// ListMachineConfigs implements update.MachineConfigs: every MachineConfig
// with the release its annotation names (rendered ones carry it), sorted
// by name. It reads their metadata only (a PartialObjectMetadataList, as
// `kubectl get --show-kind` can): a rendered MachineConfig embeds the whole
// Ignition config of its pool, hundreds of kilobytes, and a cluster keeps
// every rendered config it ever made.
func (c *Cluster) ListMachineConfigs(ctx context.Context) ([]update.MachineConfig, error) {
	items, err := listPages(ctx, c.opts.PageSize, "", c.machineConfigMetadataPage)
	if err != nil {
		return nil, ClusterListError(kindMachineConfig, err)
	}
	sortByNamespaceName(items)
	out := make([]update.MachineConfig, 0, len(items))
	for _, m := range items {
		out = append(out, update.MachineConfig{Name: m.Name, ReleaseVersion: m.Annotations[update.MachineConfigReleaseVersionAnnotation]})
	}
	return out, nil
}

// partialMetadataAccept asks the API server for the objects' metadata
// alone, falling back to the full objects on a server that does not offer
// it (their items decode into the same metadata).
const partialMetadataAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

// machineConfigMetadataPage reads one page of MachineConfigs' metadata
// through the typed client's REST client; a clientset without one (a
// fake) is read through the dynamic client instead.
func (c *Cluster) machineConfigMetadataPage(ctx context.Context, opts metav1.ListOptions) ([]metav1.PartialObjectMetadata, string, error) {
	rc, ok := c.core.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil {
		l, err := c.dyn.Resource(MachineConfigResource).List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		out := make([]metav1.PartialObjectMetadata, len(l.Items))
		for i := range l.Items {
			out[i].Name, out[i].Annotations = l.Items[i].GetName(), l.Items[i].GetAnnotations()
		}
		return out, l.GetContinue(), nil
	}
	gv := MachineConfigResource.GroupVersion()
	req := rc.Get().AbsPath("/apis", gv.Group, gv.Version, MachineConfigResource.Resource).SetHeader("Accept", partialMetadataAccept)
	if opts.Limit > 0 {
		req = req.Param("limit", strconv.FormatInt(opts.Limit, 10))
	}
	if opts.Continue != "" {
		req = req.Param("continue", opts.Continue)
	}
	data, err := req.DoRaw(ctx)
	if err != nil {
		// The typed client cannot decode the server's Status under this
		// Accept header: read it here, so the error keeps its message.
		var st metav1.Status
		if json.Unmarshal(data, &st) == nil && st.Kind == "Status" && st.Message != "" {
			return nil, "", &apierrors.StatusError{ErrStatus: st}
		}
		return nil, "", err
	}
	var l metav1.PartialObjectMetadataList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, "", fmt.Errorf("decode the MachineConfigs' metadata: %w", err)
	}
	return l.Items, l.Continue, nil
}

// ClusterListError wraps the error of a list of a cluster-scoped kind of
// an API that not every cluster serves (ClusterOperator, MachineConfig:
// OpenShift's) with what was listed, as [ListError] does; but a resource
// the API server does not serve (404, or meta.IsNoMatchError from a
// client's REST mapper) is update.ErrNotFound asking whether the cluster
// is OpenShift, which the ports report as "not known" rather than fail.
// A nil err is nil.
func ClusterListError(kind string, err error) error {
	if err == nil {
		return nil
	}
	var oe *update.ObjectError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("list %ss: %w", kind, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("list %ss: %w: %w %s", kind, ErrForbidden, err, rbacHint)
	case apierrors.IsNotFound(err), apimeta.IsNoMatchError(err):
		return fmt.Errorf("list %ss: %w: the API server serves no %s resource (is this an OpenShift cluster?): %w", kind, update.ErrNotFound, kind, err)
	case Transient(err):
		return fmt.Errorf("list %ss: %w: %w", kind, update.ErrTransient, err)
	}
	return fmt.Errorf("list %ss: %w", kind, err)
}
