package fake

import (
	"os"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// BenchmarkZStreamRollout simulates a CNV z-stream update from the operator
// update to the last VMI on the new launcher, with KubeVirt's default caps
// (5 migrations per cluster, 2 outbound per node) and batches of 10
// evictions a minute. Two thirds of the VMIs are migratable; the other third
// cannot migrate and are evicted and restarted by their VirtualMachines.
// The sizes show how the time grows with the cluster:
//
//   - 1k-20nodes: 1,000 VMIs on 20 nodes;
//   - 10k-200nodes: 10,000 VMIs on 200 nodes (the PERFORMANCE.md target:
//     at most 0.5 s);
//   - 100k-500nodes: 100,000 VMIs on 500 nodes (target: at most 30 s and
//     4 GB peak). It runs only when the VIRTUPDATE_BENCH_LARGE environment
//     variable is 1 and -short is not given, e.g.
//     VIRTUPDATE_BENCH_LARGE=1 go test -run '^$' -bench 'ZStreamRollout/100k' -benchtime 1x ./fake
//
// Building the cluster is not timed; simulated-h is the simulated time the
// rollout took, which must not change with the size of the computation.
func BenchmarkZStreamRollout(b *testing.B) {
	for _, size := range []struct {
		name        string
		nodes, vmis int
		large       bool
	}{
		{name: "1k-20nodes", nodes: 20, vmis: 1000},
		{name: "10k-200nodes", nodes: 200, vmis: 10000},
		{name: "100k-500nodes", nodes: 500, vmis: 100000, large: true},
	} {
		b.Run(size.name, func(b *testing.B) {
			if size.large && (testing.Short() || os.Getenv("VIRTUPDATE_BENCH_LARGE") != "1") {
				b.Skip("set VIRTUPDATE_BENCH_LARGE=1 (and leave out -short) to run the 100,000-VMI rollout")
			}
			benchmarkRollout(b, size.nodes, size.vmis)
		})
	}
}

func benchmarkRollout(b *testing.B, nodes, vmis int) {
	defer withoutPassCheck()()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c := zstreamCluster(b, nodes, vmis, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
		b.StartTimer()
		done, err := c.RunUntil(allUpdated(c), 30*24*time.Hour)
		if err != nil || !done {
			b.Fatalf("rollout did not finish: %v %v", done, err)
		}
		b.ReportMetric(c.Clock().Now().Sub(t0).Hours(), "simulated-h")
	}
}
