package kube

import (
	"testing"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// newFromFixture seeds the test API server with the fixture (after deleting
// what an earlier case left) and returns an adapter on it, which chooses
// the HyperConverged's API version itself.
func newFromFixture(t *testing.T, f updatetest.Fixture) update.Cluster {
	cfg := needServer(t)
	newAdmin(t, cfg).seed(t, f)
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConformance runs the ports' conformance suite against a real
// kube-apiserver, as fake's test runs it against the in-memory cluster,
// once with HCO 1.18's CRD (storage v1beta1) and once with HCO main's
// (storage v1).
func TestConformance(t *testing.T) {
	forEachHCO(t, func(t *testing.T, _ kubetest.HCO) {
		updatetest.Run(t, newFromFixture)
	})
}
