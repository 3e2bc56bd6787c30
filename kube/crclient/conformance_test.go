package crclient

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestConformance runs the ports' conformance suite against a
// controller-runtime manager on a real kube-apiserver, once with HCO
// 1.18's CRD (storage v1beta1) and once with HCO main's (storage v1), as
// kube/conformance_test.go runs it against the client-go adapter. Two
// clients: the manager's default one (typed kinds from the cache,
// unstructured ones from the API server) with the options the package doc
// recommends, and one that reads every kind from the cache
// (client.CacheOptions.Unstructured), the HyperConverged included, with
// no APIReader: the read-your-writes rule alone keeps the suite's
// write-then-read steps exact.
func TestConformance(t *testing.T) {
	variants := []struct {
		name string
		mo   managerOptions
		opts func(manager.Manager) Options
	}{
		{"manager-client", managerOptions{}, func(m manager.Manager) Options {
			return Options{APIReader: m.GetAPIReader(), Config: m.GetConfig()}
		}},
		{"all-from-cache", managerOptions{cacheUnstructured: true}, nil},
	}
	forEachHCO(t, func(t *testing.T, _ kubetest.HCO) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				x := &fixtures{mo: v.mo, opts: v.opts, mgr: startManager(t, needServer(t), v.mo)}
				updatetest.Run(t, func(t *testing.T, f updatetest.Fixture) update.Cluster { return x.newCluster(t, f) })
			})
		}
	})
}
