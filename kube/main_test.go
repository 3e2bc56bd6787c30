package kube

import (
	"context"
	"errors"
	"flag"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
)

// The integration tests run against a real kube-apiserver and etcd started
// by envtest from $KUBEBUILDER_ASSETS (hack/kube-assets.sh builds them),
// with the upstream CRDs (internal/kubetest). Without them the tests that
// need the server skip, saying how to get them, except under CI=true where
// they fail.

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
	shared.OnStart = func(s *kubetest.Server) { server, serverConfig = s, s.Config }
	os.Exit(shared.Main(m, "kube"))
}

// forEachHCO runs f once with each HyperConverged CRD installed, HCO
// 1.18's (storage v1beta1) and HCO main's (storage v1).
func forEachHCO(t *testing.T, f func(t *testing.T, h kubetest.HCO)) { shared.ForEachHCO(t, f) }

// useHCO installs the HyperConverged CRD h.
func useHCO(t *testing.T, h kubetest.HCO) { shared.UseHCO(t, h) }

// needServer returns the admin config of the test API server, or skips the
// test (fails it under CI=true) when there is none.
func needServer(t *testing.T) *rest.Config { return shared.Need(t) }

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
