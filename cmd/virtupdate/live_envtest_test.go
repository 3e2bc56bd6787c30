package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// TestLiveCommandsOnAPIServer runs status and check against a real
// kube-apiserver (envtest, with the kube package's CRDs). Without
// KUBEBUILDER_ASSETS it skips, saying how to get the binaries; with CI=true
// it fails instead.
func TestLiveCommandsOnAPIServer(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KUBEBUILDER_ASSETS is not set under CI: run hack/test.sh, which builds kube-apiserver and etcd")
		}
		t.Skip("KUBEBUILDER_ASSETS is not set: run `export KUBEBUILDER_ASSETS=$(hack/kube-assets.sh)` to build kube-apiserver and etcd")
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets,
		CRDDirectoryPaths: []string{filepath.Join("..", "..", "kube", "testdata", "crds")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start the API server: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	seedLive(t, cfg)

	old := connect
	connect = func(f *clusterFlags) (update.Cluster, error) {
		return kube.New(cfg, kube.Options{Namespace: f.namespace})
	}
	t.Cleanup(func() { connect = old })

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
}

// seedLive creates a ClusterVersion on 4.14.20, a worker pool, and a healthy
// HyperConverged on 4.14.3, status included.
func seedLive(t *testing.T, cfg *rest.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	core := kubernetes.NewForConfigOrDie(cfg)
	if _, err := core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: update.DefaultNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cfg)
	now := time.Now().UTC().Format(time.RFC3339)
	healthy := []any{}
	for _, typ := range []string{"ReconcileComplete", "Available", "Progressing", "Degraded", "Upgradeable"} {
		status := "True"
		if typ == "Progressing" || typ == "Degraded" {
			status = "False"
		}
		healthy = append(healthy, map[string]any{"type": typ, "status": status, "reason": "ReconcileCompleted",
			"message": "Reconcile completed successfully", "lastTransitionTime": now, "observedGeneration": int64(1)})
	}
	create := func(gvr schema.GroupVersionResource, kind, ns, name string, spec, status map[string]any) {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}}
		var created *unstructured.Unstructured
		var err error
		// A CRD just established may refuse the first create for a moment.
		for range 50 {
			if created, err = dyn.Resource(gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{}); err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("create %s %s: %v", kind, name, err)
		}
		created.Object["status"] = status
		if _, err := dyn.Resource(gvr).Namespace(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("status of %s %s: %v", kind, name, err)
		}
	}
	create(kube.ClusterVersionResource, "ClusterVersion", "", kube.ClusterVersionName,
		map[string]any{"clusterID": "00000000-0000-4000-8000-000000000000", "channel": "eus-4.16"},
		map[string]any{"history": []any{map[string]any{"state": "Completed", "version": "4.14.20", "startedTime": now, "completionTime": now, "verified": false}},
			"desired": map[string]any{"version": "4.14.20"}, "observedGeneration": int64(1), "versionHash": "x", "availableUpdates": nil})
	create(kube.MachineConfigPoolResource, "MachineConfigPool", "", "worker", map[string]any{"maxUnavailable": 1},
		map[string]any{"machineCount": 2, "updatedMachineCount": 2, "readyMachineCount": 2, "unavailableMachineCount": 0, "degradedMachineCount": 0})
	create(kube.HyperConvergedResource, "HyperConverged", update.DefaultNamespace, update.HyperConvergedName,
		map[string]any{"workloadUpdateStrategy": map[string]any{"workloadUpdateMethods": []any{"LiveMigrate"}}},
		map[string]any{"conditions": healthy, "versions": []any{map[string]any{"name": "operator", "version": "4.14.3"}}, "observedGeneration": int64(1)})
}
