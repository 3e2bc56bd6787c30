package kube

import (
	"testing"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// newFromFixture seeds the test API server with the fixture (after deleting
// what an earlier case left) and returns an adapter on it.
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
// kube-apiserver, as fake's test runs it against the in-memory cluster.
func TestConformance(t *testing.T) {
	needServer(t)
	updatetest.Run(t, newFromFixture)
}
