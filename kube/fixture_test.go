package kube

import (
	"context"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// seeder writes fixtures with the admin's clients (internal/kubetest's,
// which kube/crclient's tests share).
func (a admin) seeder() *kubetest.Seeder { return kubetest.NewSeederForClients(a.core, a.dyn) }

// wipe deletes every object the tests create, so each conformance case
// starts from its fixture alone.
func (a admin) wipe(t *testing.T) {
	t.Helper()
	if err := a.seeder().Wipe(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// create creates the object and, when it has a status, writes it through
// the status subresource as the owning controller would (or with the
// object, for a resource without one).
func (a admin) create(t *testing.T, gvr schema.GroupVersionResource, kind string, obj any) *unstructured.Unstructured {
	t.Helper()
	created, err := a.seeder().Create(context.Background(), gvr, kind, obj)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// seed wipes the cluster and creates the fixture's objects with the API
// types of their owners, the HyperConverged through the storage version
// of the CRD installed. The fixture's PodDisruptionBudgets are deleted
// when the test ends, so they hold back no eviction of a later test.
func (a admin) seed(t *testing.T, f updatetest.Fixture) {
	t.Helper()
	if err := a.seeder().Seed(context.Background(), f, server.HCO().StorageVersion); err != nil {
		t.Fatal(err)
	}
	for i := range f.PodDisruptionBudgets {
		p := f.PodDisruptionBudgets[i]
		t.Cleanup(func() {
			_ = a.core.PolicyV1().PodDisruptionBudgets(p.Namespace).Delete(context.Background(), p.Name, metav1.DeleteOptions{})
		})
	}
}

// stripMeta clears what the API server sets.
func stripMeta[T metav1.Object](o T) T {
	o.SetResourceVersion("")
	o.SetUID("")
	return o
}

// payloadAnnotation marks a ClusterOperator as the release payload's, as
// the CVO's manifests do.
const payloadAnnotation = "include.release.openshift.io/self-managed-high-availability"

// clusterOperatorObject is the CVO's object for the port's view; payload
// adds the release payload's annotation. The CRD requires each condition's
// lastTransitionTime: a zero one becomes kubetest.FixtureTime.
func clusterOperatorObject(co update.ClusterOperator, payload bool) *configv1.ClusterOperator {
	out := &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: co.Name}}
	if payload {
		out.Annotations = map[string]string{payloadAnnotation: "true"}
	}
	for _, c := range co.Conditions {
		ltt := c.LastTransitionTime
		if ltt.IsZero() {
			ltt = metav1.NewTime(kubetest.FixtureTime)
		}
		out.Status.Conditions = append(out.Status.Conditions, configv1.ClusterOperatorStatusCondition{
			Type: configv1.ClusterStatusConditionType(c.Type), Status: configv1.ConditionStatus(c.Status),
			LastTransitionTime: ltt, Reason: c.Reason, Message: c.Message,
		})
	}
	for _, v := range co.Versions {
		out.Status.Versions = append(out.Status.Versions, configv1.OperandVersion{Name: v.Name, Version: v.Version})
	}
	return out
}

// machineConfigObject is a rendered MachineConfig of the release, with an
// Ignition config of some size, as the render controller writes one.
func machineConfigObject(mc update.MachineConfig) *mcfgv1.MachineConfig {
	out := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: mc.Name}}
	if mc.ReleaseVersion != "" {
		out.Annotations = map[string]string{update.MachineConfigReleaseVersionAnnotation: mc.ReleaseVersion}
	}
	out.Spec.Config.Raw = []byte(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/fixture","contents":{"source":"data:,` + strings.Repeat("x", 4096) + `"}}]}}`)
	return out
}
