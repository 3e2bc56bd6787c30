package controller_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// small is a z-stream of a small cluster: 8 migratable VMIs on 3 workers,
// 2 that cannot migrate and are evicted (eviction strategy None), one whose
// migrations always fail, one that blocks drains (cannot migrate, eviction
// strategy LiveMigrate).
const small = `
seed: 4
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict], batchEvictionSize: 2}}
nodes: [{name: "worker-{i}", count: 3}]
vms:
  - {namespace: prod, name: "db-{i}", count: 8, memory: 2Gi}
  - {namespace: prod, name: "legacy-{i}", count: 2, migratable: false, evictionStrategy: None}
  - {namespace: prod, name: "pinned", migratable: false, evictionStrategy: LiveMigrate}
faults:
  migrationFailures: [{vmi: prod/db-2, count: 99}]
`

// outdatedCluster is the small cluster once the CNV update has made every
// VMI outdated, with the fake's own workload updater off.
func outdatedCluster(t *testing.T) *fake.Cluster {
	t.Helper()
	s, err := fake.ParseScenario([]byte(small))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	cl.Disable(fake.ControllerWorkloadUpdate)
	ok, err := cl.RunUntil(func() bool { return cl.OutdatedVMIs() == 11 }, 6*time.Hour)
	if err != nil || !ok {
		t.Fatalf("the CNV update did not make the 11 VMIs outdated (ok=%v, err=%v, outdated=%d)", ok, err, cl.OutdatedVMIs())
	}
	return cl
}

// newReconciler returns a reconciler on cl with its own registry and a
// fake recorder.
func newReconciler(t *testing.T, cl controller.Cluster, clk controller.Clock, opts ...controller.Option) (*controller.Reconciler, *prometheus.Registry, *events.FakeRecorder) {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec := events.NewFakeRecorder(1000)
	all := append([]controller.Option{controller.Seed(7), clk, controller.Registerer{Registerer: reg}, controller.Recorder{EventRecorder: rec}}, opts...)
	r, err := controller.New(cl, all...)
	if err != nil {
		t.Fatal(err)
	}
	return r, reg, rec
}

// gauge reads a gauge of reg; NaN when it is unset, -1 when absent.
func gauge(t *testing.T, reg prometheus.Gatherer, name string) (value float64, help string) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue(), mf.GetHelp()
		}
	}
	return -1, ""
}

// drain returns the events recorded so far.
func drain(rec *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func count(evs []string, prefix string) int {
	n := 0
	for _, e := range evs {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// workloadMigrations lists the migrations the workload updater (ours) made.
func workloadMigrations(t *testing.T, cl update.Workloads) []kubevirtv1.VirtualMachineInstanceMigration {
	t.Helper()
	ms, err := cl.ListMigrations(context.Background(), update.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []kubevirtv1.VirtualMachineInstanceMigration
	for _, m := range ms {
		if _, ok := m.Annotations[kubevirtv1.WorkloadUpdateMigrationAnnotation]; ok {
			out = append(out, m)
		}
	}
	return out
}

func isNaN(f float64) bool { return math.IsNaN(f) }
