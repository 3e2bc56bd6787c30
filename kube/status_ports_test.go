package kube

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestListClusterOperators: the payload's ClusterOperators are listed with
// their conditions (times included) and versions, sorted by name; one
// without the release payload's annotation is left out, as `oc adm upgrade
// status` leaves it out (oc pkg/cli/admin/upgrade/status/controlplane.go
// assessControlPlaneStatus, test "only count operators with
// *.release.openshift.io annotations" in controlplane_test.go).
func TestListClusterOperators(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.seed(t, updatetest.Fixture{})
	since := metav1.NewTime(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	cos := []struct {
		co      update.ClusterOperator
		payload bool
	}{
		{update.ClusterOperator{Name: "kube-apiserver", Versions: []update.OperandVersion{{Name: "operator", Version: "4.16.3"}, {Name: "raw-internal", Version: "4.16.3"}},
			Conditions: []metav1.Condition{{Type: "Available", Status: metav1.ConditionTrue, LastTransitionTime: since, Reason: "AsExpected"},
				{Type: "Degraded", Status: metav1.ConditionTrue, LastTransitionTime: since, Reason: "NodeInstaller", Message: "1 node is failing"}}}, true},
		{update.ClusterOperator{Name: "etcd", Versions: []update.OperandVersion{{Name: "operator", Version: "4.15.30"}}}, true},
		{update.ClusterOperator{Name: "addon-operator", Versions: []update.OperandVersion{{Name: "operator", Version: "1.0"}}}, false},
	}
	for _, x := range cos {
		a.create(t, ClusterOperatorResource, "ClusterOperator", clusterOperatorObject(x.co, x.payload))
	}
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListClusterOperators(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, co := range got {
		names = append(names, co.Name)
	}
	if !slices.Equal(names, []string{"etcd", "kube-apiserver"}) {
		t.Fatalf("listed %v, want the payload's etcd and kube-apiserver, sorted", names)
	}
	kas := got[1]
	if len(kas.Versions) != 2 || kas.Versions[0] != (update.OperandVersion{Name: "operator", Version: "4.16.3"}) {
		t.Errorf("versions = %+v", kas.Versions)
	}
	if len(kas.Conditions) != 2 || kas.Conditions[1].Type != "Degraded" || kas.Conditions[1].Status != metav1.ConditionTrue ||
		!kas.Conditions[1].LastTransitionTime.Equal(&since) || kas.Conditions[1].Message != "1 node is failing" {
		t.Errorf("conditions = %+v", kas.Conditions)
	}
}

// bodyRecorder records the bodies of the responses to the requests whose
// path contains the substring.
type bodyRecorder struct {
	next   http.RoundTripper
	path   string
	mu     sync.Mutex
	bodies []string
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.Path, b.path) {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, string(data))
	b.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// TestListMachineConfigs: every MachineConfig is listed with the release
// its machineconfiguration.openshift.io/release-image-version annotation
// names (the annotation the render controller puts on a rendered config,
// which oc reads: pkg/cli/admin/upgrade/status/workerpool.go
// getOpenShiftVersionOfMachineConfig), page by page, and only their
// metadata crosses the wire: the Ignition config they embed never does.
func TestListMachineConfigs(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.seed(t, updatetest.Fixture{})
	want := []update.MachineConfig{
		{Name: "00-worker"},
		{Name: "rendered-master-1a2b", ReleaseVersion: "4.15.30"},
		{Name: "rendered-worker-3c4d", ReleaseVersion: "4.15.30"},
		{Name: "rendered-worker-5e6f", ReleaseVersion: "4.16.3"},
	}
	for _, mc := range want {
		a.create(t, MachineConfigResource, "MachineConfig", machineConfigObject(mc))
	}
	rec := &bodyRecorder{path: "/machineconfigs"}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { rec.next = rt; return rec }
	c, err := New(cfg, Options{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListMachineConfigs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if len(rec.bodies) != 2 {
		t.Errorf("%d requests, want 2 pages of at most 3", len(rec.bodies))
	}
	for _, b := range rec.bodies {
		if strings.Contains(b, "/etc/fixture") || !strings.Contains(b, "PartialObjectMetadataList") {
			t.Errorf("the list carried more than metadata: %.300s", b)
		}
	}
}

// TestListMachineConfigsWithoutRESTClient: a clientset that has no REST
// client (client-go's fake) is read through the dynamic client.
func TestListMachineConfigsWithoutRESTClient(t *testing.T) {
	mc := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
		"metadata": map[string]any{"name": "rendered-worker-1", "annotations": map[string]any{update.MachineConfigReleaseVersionAnnotation: "4.16.3"}}}}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{MachineConfigResource: "MachineConfigList"}, mc)
	c := NewForClients(fake.NewClientset(), dyn, Options{})
	got, err := c.ListMachineConfigs(context.Background())
	if err != nil || len(got) != 1 || got[0] != (update.MachineConfig{Name: "rendered-worker-1", ReleaseVersion: "4.16.3"}) {
		t.Errorf("got %+v, %v", got, err)
	}
}

// TestClusterListError: a resource the server does not serve (a cluster
// that is not OpenShift) is ErrNotFound, which status reads as "not
// known" rather than as a failure to read the cluster; forbidden names the
// roles to bind; a passing failure is ErrTransient.
func TestClusterListError(t *testing.T) {
	gr := schema.GroupResource{Group: "config.openshift.io", Resource: "clusteroperators"}
	for _, tt := range []struct {
		reason string
		err    error
		is     error
		says   string
	}{
		{"the resource is not served", apierrors.NewNotFound(gr, ""), update.ErrNotFound, "is this an OpenShift cluster?"},
		{"forbidden", apierrors.NewForbidden(gr, "", errors.New("no")), ErrForbidden, "deploy/rbac.yaml"},
		{"the server is unavailable", apierrors.NewServiceUnavailable("later"), update.ErrTransient, "list ClusterOperators"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			err := ClusterListError(kindClusterOperator, tt.err)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want %v saying %q", err, tt.is, tt.says)
			}
		})
	}
}

// TestPlatformTargetAndPoolSelector: the ClusterVersion's Target is
// status.desired.version, also when the update was asked by image alone
// (spec.desiredUpdate has no version, oc's status reads
// cv.Status.Desired.Version: controlplane.go assessControlPlaneStatus);
// a pool carries spec.configuration.name and spec.nodeSelector.
func TestPlatformTargetAndPoolSelector(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/infra": ""}}
	a.seed(t, updatetest.Fixture{Pools: []update.MachineConfigPool{{Name: "infra", MaxUnavailable: 1, TargetConfig: "rendered-infra-5e6f", NodeSelector: sel}}})
	cv := kubetest.ClusterVersionObject(&update.ClusterVersion{Channel: "stable-4.16", Target: "4.16.3", History: []update.UpdateHistory{
		{State: update.UpdatePartial, Version: "4.16.3"}, {State: update.UpdateCompleted, Version: "4.15.30"}}})
	cv.Spec.DesiredUpdate = &configv1.Update{Image: kubetest.ReleaseImage("4.16.3")}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cv)
	if err != nil {
		t.Fatal(err)
	}
	unstructured.RemoveNestedField(obj, "spec", "signatureStores")
	a.create(t, ClusterVersionResource, "ClusterVersion", obj)
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetClusterVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.DesiredVersion != "" || got.Target != "4.16.3" || got.CurrentVersion() != "4.15.30" {
		t.Errorf("desired %q, target %q, current %q; want an update asked by image to 4.16.3 from 4.15.30", got.DesiredVersion, got.Target, got.CurrentVersion())
	}
	pools, err := c.ListMachineConfigPools(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 1 || pools[0].TargetConfig != "rendered-infra-5e6f" || pools[0].NodeSelector == nil ||
		pools[0].NodeSelector.MatchLabels["node-role.kubernetes.io/infra"] != "" || len(pools[0].NodeSelector.MatchLabels) != 1 {
		t.Errorf("pools = %+v", pools)
	}
}
