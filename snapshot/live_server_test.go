package snapshot_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/internal/kubetest"
)

// The tests and benchmarks of a live snapshot run against a real
// kube-apiserver and etcd started by envtest from $KUBEBUILDER_ASSETS
// (hack/kube-assets.sh builds them) with the upstream CRDs
// (internal/kubetest). The server starts on first use, once per test
// binary, and stops when the binary ends. Without the binaries the tests
// skip, saying how to get them, except under CI=true where they fail.

var (
	serverOnce sync.Once
	server     *kubetest.Server
	serverErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		if err := server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "snapshot: stop the test API server:", err)
		}
	}
	os.Exit(code)
}

// needServer returns the admin config of the test API server, starting it
// on first use, or skips the test (fails it under CI=true) when there are
// no binaries to start it with.
func needServer(tb testing.TB) *rest.Config {
	tb.Helper()
	if _, missing := kubetest.Assets(); missing != "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true and no test API server: " + missing)
		}
		tb.Skip(missing)
	}
	serverOnce.Do(func() {
		server, serverErr = kubetest.Start()
		if serverErr == nil {
			tb.Logf("test API server up in %v, custom resources ready in %v",
				server.Started.Round(time.Millisecond), server.WarmedUp.Round(time.Millisecond))
		}
	})
	if serverErr != nil {
		tb.Fatal(serverErr)
	}
	return rest.CopyConfig(server.Config)
}

// admin holds the clients the tests seed the cluster with.
type admin struct {
	core kubernetes.Interface
	dyn  dynamic.Interface
}

func newAdmin(tb testing.TB, cfg *rest.Config) admin {
	tb.Helper()
	cfg = rest.CopyConfig(cfg)
	// KubeVirt's own finalizer on VMIs, foregroundDeleteVirtualMachine,
	// draws a warning on every write.
	cfg.WarningHandler = rest.NoWarnings{}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return admin{core, dyn}
}

// ensureNamespaces creates the namespaces that do not exist. Namespaces
// are never deleted: envtest runs no namespace controller to finish it.
func (a admin) ensureNamespaces(ctx context.Context, names ...string) error {
	for _, name := range names {
		_, err := a.core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	return nil
}

// create creates obj (a typed object or a map) as a resource of gvr and,
// when withStatus and the object has a status, writes the status through
// the status subresource, as the owning controller would. It returns the
// object as created.
func (a admin) create(ctx context.Context, gvr schema.GroupVersionResource, kind string, obj any, withStatus bool) (*unstructured.Unstructured, error) {
	m, ok := obj.(map[string]any)
	if !ok {
		var err error
		if m, err = runtime.DefaultUnstructuredConverter.ToUnstructured(obj); err != nil {
			return nil, fmt.Errorf("convert %T: %w", obj, err)
		}
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	status := u.Object["status"]
	ri := a.dyn.Resource(gvr).Namespace(u.GetNamespace())
	created, err := ri.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create %s %s/%s: %w", kind, u.GetNamespace(), u.GetName(), err)
	}
	if withStatus && status != nil {
		created.Object["status"] = status
		if created, err = ri.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return nil, fmt.Errorf("write the status of %s %s/%s: %w", kind, u.GetNamespace(), u.GetName(), err)
		}
	}
	return created, nil
}

// parallel runs f(i) for i in [0, n) on workers goroutines and returns the
// first error.
func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
