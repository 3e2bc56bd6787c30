package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// TestLiveCommandsOnAPIServer runs status and check against a real
// kube-apiserver (envtest with the upstream CRDs, internal/kubetest), once
// with HCO 1.18's HyperConverged CRD (storage v1beta1) and once with HCO
// main's (storage v1). Without KUBEBUILDER_ASSETS it skips, saying how to
// get the binaries; with CI=true it fails instead.
func TestLiveCommandsOnAPIServer(t *testing.T) {
	if _, missing := kubetest.Assets(); missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + missing)
		}
		t.Skip(missing)
	}
	start := time.Now()
	s, err := kubetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	t.Logf("test API server up in %v, custom resources ready in %v", s.Started.Round(time.Millisecond), s.WarmedUp.Round(time.Millisecond))
	cfg := s.Config

	old := connect
	connect = func(f *clusterFlags) (update.Cluster, error) {
		return kube.New(cfg, kube.Options{Namespace: f.namespace})
	}
	t.Cleanup(func() { connect = old })

	for _, h := range s.HCOs() {
		t.Run(h.Name, func(t *testing.T) {
			if err := s.UseHCO(t.Context(), h); err != nil {
				t.Fatal(err)
			}
			seedLive(t, cfg, h)

			out, _, err := run(t, "", "status", "-o", "json")
			if err != nil {
				t.Fatalf("status: %v\n%s", err, out)
			}
			var st statusReport
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatal(err)
			}
			if st.Platform.Version != "4.14.20" || st.HyperConverged.Version != "4.14.3" || st.HyperConverged.Verdict != "Succeeded" ||
				len(st.Pools) != 1 || st.Pools[0].Name != "worker" {
				t.Errorf("status from the API server = %+v", st)
			}

			out, _, err = run(t, "", "check", "--to", "4.16.3", "-o", "json")
			if err != nil {
				t.Fatalf("check: %v\n%s", err, out)
			}
			var ck checkReport
			if err := json.Unmarshal([]byte(out), &ck); err != nil {
				t.Fatal(err)
			}
			if !ck.Ready || ck.Kind != update.KindEUS || ck.From.CNV != "4.14.3" {
				t.Errorf("check from the API server = %+v", ck)
			}
		})
	}
	t.Logf("all in %v", time.Since(start).Round(time.Millisecond))
}

// seedLive creates a ClusterVersion on 4.14.20 and a worker pool (unless
// they exist), and a healthy HyperConverged on 4.14.3, status included, in
// the shape of the CRD's storage version (replacing the one an earlier
// run made: it was stored in the other version).
func seedLive(t *testing.T, cfg *rest.Config, h kubetest.HCO) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	core := kubernetes.NewForConfigOrDie(cfg)
	if _, err := core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: update.DefaultNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// Every OpenShift cluster has the CVO's admin-gates and the admin's
	// admin-acks; here the one gate of 4.14 is acknowledged.
	const gate = "ack-4.14-kube-1.28-api-removals-in-4.15"
	for _, cm := range []corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Namespace: update.AdminGatesNamespace, Name: update.AdminGatesName}, Data: map[string]string{gate: "Kubernetes 1.28 removes APIs"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: update.AdminAcksNamespace, Name: update.AdminAcksName}, Data: map[string]string{gate: "true"}},
	} {
		if _, err := core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cm.Namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		if _, err := core.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, &cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	dyn := dynamic.NewForConfigOrDie(cfg)
	now := time.Now().UTC().Format(time.RFC3339)
	create := func(gvr schema.GroupVersionResource, u *unstructured.Unstructured, status map[string]any) {
		created, err := dyn.Resource(gvr).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return
		}
		if err != nil {
			t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		created.Object["status"] = status
		if _, err := dyn.Resource(gvr).Namespace(u.GetNamespace()).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("status of %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
	object := func(gvr schema.GroupVersionResource, kind, ns, name string, spec map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}}
	}
	const image = "quay.io/openshift-release-dev/ocp-release:4.14.20-x86_64"
	create(kube.ClusterVersionResource, object(kube.ClusterVersionResource, "ClusterVersion", "", kube.ClusterVersionName,
		map[string]any{"clusterID": "00000000-0000-4000-8000-000000000000", "channel": "eus-4.16"}),
		map[string]any{"history": []any{map[string]any{"state": "Completed", "version": "4.14.20", "image": image, "startedTime": now, "completionTime": now, "verified": false}},
			"desired": map[string]any{"version": "4.14.20", "image": image}, "observedGeneration": int64(1), "versionHash": "x", "availableUpdates": nil})
	create(kube.MachineConfigPoolResource, object(kube.MachineConfigPoolResource, "MachineConfigPool", "", "worker", map[string]any{"maxUnavailable": 1}),
		map[string]any{"machineCount": 2, "updatedMachineCount": 2, "readyMachineCount": 2, "unavailableMachineCount": 0, "degradedMachineCount": 0})

	healthy := []any{}
	for _, typ := range []string{"ReconcileComplete", "Available", "Progressing", "Degraded", "Upgradeable"} {
		status := "True"
		if typ == "Progressing" || typ == "Degraded" {
			status = "False"
		}
		healthy = append(healthy, map[string]any{"type": typ, "status": status, "reason": "ReconcileCompleted",
			"message": "Reconcile completed successfully", "lastTransitionTime": now, "observedGeneration": int64(1)})
	}
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}
	hc, err := kubetest.HyperConvergedObject(&update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}}, h.StorageVersion)
	if err != nil {
		t.Fatal(err)
	}
	unstructured.RemoveNestedField(hc.Object, "status")
	gvr := kubetest.HyperConvergedResource(h.StorageVersion)
	if err := dyn.Resource(gvr).Namespace(update.DefaultNamespace).Delete(ctx, update.HyperConvergedName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	create(gvr, hc, map[string]any{"conditions": healthy, "versions": []any{map[string]any{"name": "operator", "version": "4.14.3"}}, "observedGeneration": int64(1)})
}
