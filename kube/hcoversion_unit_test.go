package kube

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// These tests need no API server.

// TestHyperConvergedShapes: both versions' shapes read into the same
// update.HyperConverged. HCO: api/v1/hyperconverged_types.go
// (VirtualizationConfig holds workloadUpdateStrategy, liveMigrationConfig
// and evictionStrategy) and api/v1beta1/hyperconverged_types.go (directly
// under spec).
func TestHyperConvergedShapes(t *testing.T) {
	live := kubevirtv1.EvictionStrategyLiveMigrate
	size, perCluster := 3, uint32(7)
	hc := updatetest.HyperConverged(updatetest.Methods(kubevirtv1.WorkloadUpdateMethodEvict, kubevirtv1.WorkloadUpdateMethodLiveMigrate))
	hc.Spec.WorkloadUpdateStrategy.BatchEvictionSize = &size
	hc.Spec.LiveMigrationConfig.ParallelMigrationsPerCluster = &perCluster
	hc.Spec.EvictionStrategy = &live
	hc.Status.Versions = []update.OperandVersion{{Name: "operator", Version: "1.18.0"}}
	for _, version := range []string{HyperConvergedV1Beta1, HyperConvergedV1} {
		u, err := kubetest.HyperConvergedObject(hc, version)
		if err != nil {
			t.Fatal(err)
		}
		got, err := HyperConvergedFrom(u, version)
		if err != nil {
			t.Fatal(err)
		}
		if mustJSON(t, got.Spec) != mustJSON(t, hc.Spec) || got.Status.OperatorVersion() != "1.18.0" {
			t.Errorf("%s: read back spec %s status %+v, want %s", version, mustJSON(t, got.Spec), got.Status, mustJSON(t, hc.Spec))
		}
		_, underVirt, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "virtualization", "workloadUpdateStrategy")
		if underVirt != (version == HyperConvergedV1) {
			t.Errorf("%s: spec.virtualization.workloadUpdateStrategy present = %v", version, underVirt)
		}
	}

	// A v1 object keeps only spec.virtualization's values: a stale
	// top-level field (which v1's schema prunes) is not read.
	v1 := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"workloadUpdateStrategy": map[string]any{"workloadUpdateMethods": []any{"Evict"}},
		"virtualization":         map[string]any{"workloadUpdateStrategy": map[string]any{"workloadUpdateMethods": []any{}}},
	}}}
	got, err := HyperConvergedFrom(v1, HyperConvergedV1)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m == nil || len(*m) != 0 {
		t.Errorf("v1 read %s, want spec.virtualization's []", update.ShowMethods(m))
	}
	if _, ok := v1.Object["spec"].(map[string]any)["virtualization"]; !ok {
		t.Error("reading a v1 object changed it")
	}
	if methodsPath(HyperConvergedV1) != "/spec/virtualization/workloadUpdateStrategy/workloadUpdateMethods" ||
		methodsPath(HyperConvergedV1Beta1) != "/spec/workloadUpdateStrategy/workloadUpdateMethods" {
		t.Error("wrong JSON pointers")
	}
}

func crdWith(strategy string, versions ...map[string]any) *unstructured.Unstructured {
	vs := make([]any, len(versions))
	for i, v := range versions {
		vs[i] = v
	}
	spec := map[string]any{"versions": vs}
	if strategy != "" {
		spec["conversion"] = map[string]any{"strategy": strategy}
	}
	return &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
}

func crdVersion(name string, served, storage bool) map[string]any {
	return map[string]any{"name": name, "served": served, "storage": storage}
}

// TestVersionFromCRD: the storage version when virtupdate knows it, else a
// known served one.
func TestVersionFromCRD(t *testing.T) {
	for _, tt := range []struct {
		reason string
		crd    *unstructured.Unstructured
		want   string // "" for an error
	}{
		{"HCO 1.18 stores v1beta1 and serves v1 without conversion",
			crdWith("", crdVersion("v1", true, false), crdVersion("v1beta1", true, true)), HyperConvergedV1Beta1},
		{"HCO main stores v1 and converts v1beta1 through its webhook",
			crdWith("Webhook", crdVersion("v1", true, true), crdVersion("v1beta1", true, false)), HyperConvergedV1},
		{"a later HCO storing an unknown version still serving v1", crdWith("Webhook", crdVersion("v2", true, true), crdVersion("v1", true, false)), HyperConvergedV1},
		{"a storage version not served is not used", crdWith("", crdVersion("v1", false, true), crdVersion("v1beta1", true, false)), HyperConvergedV1Beta1},
		{"no known version served", crdWith("", crdVersion("v2", true, true)), ""},
	} {
		ch, err := versionFromCRD(tt.crd)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s: chose %s, want an error", tt.reason, ch.version)
		case tt.want == "" && !strings.Contains(err.Error(), "update virtupdate"):
			t.Errorf("%s: the error does not say what to do: %v", tt.reason, err)
		case tt.want != "" && (err != nil || ch.version != tt.want):
			t.Errorf("%s: chose %v (%v), want %s", tt.reason, ch, err, tt.want)
		}
	}
}

// TestVersionFallsBackOnDiscovery: without the CRD (forbidden), the version
// discovery prefers; a write through it that is not stored says why the
// version was chosen and wraps ErrForbidden.
func TestVersionFallsBackOnDiscovery(t *testing.T) {
	core := kubefake.NewClientset()
	core.Resources = []*metav1.APIResourceList{
		{GroupVersion: "hco.kubevirt.io/v1", APIResources: []metav1.APIResource{{Name: "hyperconvergeds"}}},
		{GroupVersion: "hco.kubevirt.io/v1beta1", APIResources: []metav1.APIResource{{Name: "hyperconvergeds"}}},
	}
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	dyn.PrependReactor("get", "customresourcedefinitions", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"},
			HyperConvergedCRDName, errors.New(`User "u" cannot get resource "customresourcedefinitions"`))
	})
	c := NewForClients(core, dyn, Options{})
	v, why, err := c.HyperConvergedVersion(context.Background())
	if err != nil || v != HyperConvergedV1 || !strings.Contains(why, "discovery") || !strings.Contains(why, "forbidden") {
		t.Fatalf("version %q (%s), %v; want v1 from discovery, saying the CRD was forbidden", v, why, err)
	}
	ch, _ := c.hcoVersion(context.Background())
	err = withVersionHint(update.NotStored("set workloadUpdateMethods of", kindHyperConverged, "ns", "hc", methodsField(v), "[]", "[LiveMigrate]"), ch)
	if !errors.Is(err, update.ErrNotStored) || !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "deploy/rbac.yaml") {
		t.Errorf("the error of a write not stored does not say the CRD could not be read: %v", err)
	}

	// Forced, neither is asked.
	c = NewForClients(core, dyn, Options{HyperConvergedVersion: HyperConvergedV1Beta1})
	if v, _, err := c.HyperConvergedVersion(context.Background()); err != nil || v != HyperConvergedV1Beta1 {
		t.Errorf("forced v1beta1: got %q, %v", v, err)
	}
	if _, err := New(&rest.Config{Host: "https://example.invalid"}, Options{HyperConvergedVersion: "v2"}); !errors.Is(err, update.ErrInvalid) || !strings.Contains(err.Error(), `"v2"`) {
		t.Errorf("New with an unknown version: err = %v, want ErrInvalid naming it", err)
	}

	// HCO not installed: no CRD, no group.
	dyn = dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	c = NewForClients(kubefake.NewClientset(), dyn, Options{})
	if _, err := c.GetHyperConverged(context.Background()); !errors.Is(err, update.ErrNotFound) || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("without HCO: err = %v, want ErrNotFound saying HCO is not installed", err)
	}
}
