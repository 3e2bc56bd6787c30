package crclient

import (
	"context"
	"errors"
	"flag"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/virtupdate/virtupdate/internal/kubetest"
)

// The integration tests run against a real kube-apiserver and etcd started
// by envtest from $KUBEBUILDER_ASSETS, with the upstream CRDs
// (internal/kubetest), as the kube adapter's tests do. Without them the
// tests that need the server skip, saying how to get them, except under
// CI=true where they fail.

var (
	// shared is the package's test API server (internal/kubetest).
	shared kubetest.Shared
	// server is the test API server, nil when there is none; serverConfig
	// is its admin config.
	server       *kubetest.Server
	serverConfig *rest.Config
)

func TestMain(m *testing.M) {
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	shared.OnStart = func(s *kubetest.Server) { server, serverConfig = s, s.Config }
	os.Exit(shared.Main(m, "crclient"))
}

// needServer returns the admin config of the test API server, or skips the
// test (fails it under CI=true) when there is none.
func needServer(t *testing.T) *rest.Config { return shared.Need(t) }

// forEachHCO runs f once with each HyperConverged CRD installed, HCO
// 1.18's (storage v1beta1) and HCO main's (storage v1).
func forEachHCO(t *testing.T, f func(t *testing.T, h kubetest.HCO)) { shared.ForEachHCO(t, f) }

// testScheme is client-go's scheme with the adapter's types.
func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// directClient is a client reading from the API server, for seeding and
// inspecting.
func directClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: testScheme(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// managerOptions choose how the manager's client reads.
type managerOptions struct {
	// cacheUnstructured makes the client read unstructured objects (the
	// HyperConverged, its CRD, NodeMaintenances) from the cache too.
	cacheUnstructured bool
}

// startManager starts a controller-runtime manager on the test API server
// and stops it when the test ends.
func startManager(t *testing.T, cfg *rest.Config, mo managerOptions) manager.Manager {
	t.Helper()
	opts := manager.Options{
		Scheme:                 testScheme(t),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	}
	if mo.cacheUnstructured {
		opts.Client = client.Options{Cache: &client.CacheOptions{Unstructured: true}}
	}
	mgr, err := manager.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("manager: %v", err)
		}
	})
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		t.Fatal("the manager's cache did not start")
	}
	return mgr
}
