package forecast

import (
	"context"
	"fmt"
	"testing"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// zstreamScenario is a CNV z-stream update (4.14.3 → 4.14.4, OpenShift
// stays on 4.14.20) of nodes workers and vmis VMIs with KubeVirt's default
// caps (5 migrations per cluster, 2 outbound per node) and workload
// updates by LiveMigrate then Evict, batches of 10 a minute: two thirds of
// the VMIs migrate, the other third cannot and is evicted and restarted by
// its VirtualMachine. It is the rollout of the fake's
// BenchmarkZStreamRollout, as a scenario.
func zstreamScenario(tb testing.TB, nodes, vmis int) Input {
	tb.Helper()
	migratable := vmis - vmis/3
	s, err := fake.ParseScenario(fmt.Appendf(nil, `
seed: 42
clusterVersion: {version: 4.14.20, channel: stable-4.14}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged:
  workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict], batchEvictionSize: 10, batchEvictionInterval: 1m0s}
  liveMigrationConfig: {parallelMigrationsPerCluster: 5, parallelOutboundMigrationsPerNode: 2}
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "w{i}", count: %d, zones: [zone-0, zone-1, zone-2]}
vms:
  - {namespace: ns, name: "vm-{i}", count: %d, memory: 4Gi}
  - {namespace: ns, name: "legacy-{i}", count: %d, memory: 4Gi, migratable: false, evictionStrategy: None}
`, nodes, migratable, vmis-migratable))
	if err != nil {
		tb.Fatal(err)
	}
	in, err := FromScenario(s)
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

// BenchmarkForecast forecasts the CNV z-stream update in 20 seeded runs
// on GOMAXPROCS goroutines (PERFORMANCE.md: the 10k case at most 10 s on 2
// cores). eta-p50-h is the median run's simulated duration.
//
//	go test -run '^$' -bench Forecast -benchmem -benchtime 1x ./forecast
func BenchmarkForecast(b *testing.B) {
	for _, size := range []struct {
		name        string
		nodes, vmis int
	}{
		{"1k-20nodes", 20, 1000},
		{"10k-200nodes", 200, 10000},
	} {
		b.Run(size.name, func(b *testing.B) {
			in := zstreamScenario(b, size.nodes, size.vmis)
			b.ReportAllocs()
			for b.Loop() {
				f, err := Run(context.Background(), in, Options{Request: update.Request{To: "4.14.20"}, Runs: 20})
				if err != nil {
					b.Fatal(err)
				}
				if f.Stopped() || f.Summary.VMs != size.vmis {
					b.Fatalf("stopped %v (%s), %d VMs", f.Stopped(), f.Summary.Result, f.Summary.VMs)
				}
				b.ReportMetric(f.Summary.ETAP50Seconds/3600, "eta-p50-h")
			}
		})
	}
}
