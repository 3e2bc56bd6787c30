package main

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// statusFake is the fake cluster as `virtupdate status` reads a real one:
// its nodes carry the machine-config daemon's annotations and its pools
// their target config (fake.Cluster.MachineConfigDaemonAnnotations and
// PoolTargetConfig), which the fake's own ListNodes and
// ListMachineConfigPools do not fill in. The optional ports
// (ClusterOperators, MachineConfigs, PodDisruptionBudgets) are the fake's.
type statusFake struct{ *fake.Cluster }

func (s statusFake) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	nodes, err := s.Cluster.ListNodes(ctx)
	for i := range nodes {
		if nodes[i].Annotations == nil {
			nodes[i].Annotations = map[string]string{}
		}
		for k, v := range s.MachineConfigDaemonAnnotations(nodes[i].Name) {
			nodes[i].Annotations[k] = v
		}
	}
	return nodes, err
}

func (s statusFake) ListMachineConfigPools(ctx context.Context) ([]update.MachineConfigPool, error) {
	pools, err := s.Cluster.ListMachineConfigPools(ctx)
	for i := range pools {
		pools[i].TargetConfig = s.PoolTargetConfig(pools[i].Name)
	}
	return pools, err
}

var (
	_ update.ClusterOperators     = statusFake{}
	_ update.MachineConfigs       = statusFake{}
	_ update.PodDisruptionBudgets = statusFake{}
)

// newStatusFake builds the fake cluster of the scenario, wrapped.
func newStatusFake(t *testing.T, scenario string) statusFake {
	t.Helper()
	s, err := fake.ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	return statusFake{c}
}

// statusOf reads the fake once, as `virtupdate status` does.
func statusOf(t *testing.T, c statusFake, mem *statusMemory) *statusReport {
	t.Helper()
	var clk clock.PassiveClock = c.Clock()
	r, err := statusReader{c: c, clk: clk, namespace: update.DefaultNamespace, mem: mem}.read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}
