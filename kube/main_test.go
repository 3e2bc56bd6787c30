package kube

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
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
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/virtupdate/virtupdate/update"
)

// The integration tests run against a real kube-apiserver and etcd started
// by envtest from $KUBEBUILDER_ASSETS (hack/kube-assets.sh builds them).
// Without them the tests that need the server skip, saying how to get them,
// except under CI=true where they fail.

var (
	// serverConfig is the admin config of the test API server, nil when
	// there is none (see noServer).
	serverConfig *rest.Config
	// noServer says why there is no server.
	noServer string
)

const howToGetServer = "run `export KUBEBUILDER_ASSETS=\"$(hack/kube-assets.sh)\"` at the repository root (the first run builds kube-apiserver and etcd from the Go module proxy, several minutes) and test again"

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	flag.Parse()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	switch {
	case assets == "":
		noServer = "KUBEBUILDER_ASSETS is not set: " + howToGetServer
	case !isFile(filepath.Join(assets, "kube-apiserver")) || !isFile(filepath.Join(assets, "etcd")):
		noServer = fmt.Sprintf("KUBEBUILDER_ASSETS=%s has no kube-apiserver and etcd: %s", assets, howToGetServer)
	}
	if noServer != "" {
		if os.Getenv("CI") != "true" {
			fmt.Fprintln(os.Stderr, "kube: the tests against a real API server skip:", noServer)
		}
		return m.Run()
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join("testdata", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube: start the test API server:", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "kube: stop the test API server:", err)
		}
	}()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "kube: test API server %s up in %v\n", cfg.Host, time.Since(start).Round(time.Millisecond))
	}
	cfg.QPS, cfg.Burst = 2000, 4000 // the tests create thousands of objects
	start = time.Now()
	if err := warmUp(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "kube: warm up the test API server:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "kube: custom resources ready in %v\n", time.Since(start).Round(time.Millisecond))
	}
	serverConfig = cfg
	return m.Run()
}

// warmUp creates and deletes one object of every custom resource, all at
// once: the first write of a freshly established CRD waits about two
// seconds, paid here in parallel rather than by each test in turn.
func warmUp(cfg *rest.Config) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(namespacedResources)+len(clusterResources))
	for _, gvr := range append(slices.Clone(namespacedResources), clusterResources...) {
		wg.Go(func() {
			ns := ""
			if slices.Contains(namespacedResources, gvr) {
				ns = "default"
			}
			u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "warm-up"}}}
			u.SetAPIVersion(gvr.GroupVersion().String())
			u.SetKind(kindOf(gvr))
			ctx := context.Background()
			if _, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{}); err != nil {
				errs <- fmt.Errorf("create %s: %w", gvr.Resource, err)
				return
			}
			if err := dyn.Resource(gvr).Namespace(ns).Delete(ctx, "warm-up", metav1.DeleteOptions{}); err != nil {
				errs <- fmt.Errorf("delete %s: %w", gvr.Resource, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// kindOf is the kind of one of the test resources.
func kindOf(gvr schema.GroupVersionResource) string {
	switch gvr.Resource {
	case "hyperconvergeds":
		return "HyperConverged"
	case "virtualmachineinstances":
		return "VirtualMachineInstance"
	case "virtualmachines":
		return "VirtualMachine"
	case "virtualmachineinstancemigrations":
		return "VirtualMachineInstanceMigration"
	case "subscriptions":
		return "Subscription"
	case "clusterserviceversions":
		return "ClusterServiceVersion"
	case "installplans":
		return "InstallPlan"
	case "clusterversions":
		return "ClusterVersion"
	case "machineconfigpools":
		return "MachineConfigPool"
	}
	return "NodeMaintenance"
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// needServer returns the admin config of the test API server, or skips the
// test (fails it under CI=true) when there is none.
func needServer(t *testing.T) *rest.Config {
	t.Helper()
	if serverConfig == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + noServer)
		}
		t.Skip(noServer)
	}
	return rest.CopyConfig(serverConfig)
}

// admin holds the clients the tests seed and inspect the cluster with.
type admin struct {
	core kubernetes.Interface
	dyn  dynamic.Interface
}

func newAdmin(t *testing.T, cfg *rest.Config) admin {
	t.Helper()
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return admin{core, dyn}
}

// ensureNamespace creates the namespace unless it exists. Namespaces are
// never deleted: envtest runs no namespace controller to finish it.
func (a admin) ensureNamespace(t *testing.T, name string) {
	t.Helper()
	_, err := a.core.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// waitFor polls cond every 50 ms until it holds or the timeout passes: it
// waits on the API server (RBAC changes take effect asynchronously).
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isConflict(err error) bool { return errors.Is(err, update.ErrConflict) }
