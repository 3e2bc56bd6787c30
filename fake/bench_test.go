package fake

import (
	"os"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// BenchmarkZStreamRollout simulates a CNV z-stream update on 200 nodes and
// 10,000 VMIs (two thirds migratable, one third evicted and restarted by
// their VirtualMachines) from the operator update to the last VMI on the
// new launcher.
func BenchmarkZStreamRollout(b *testing.B) {
	nodes, vmis := 200, 10000
	if os.Getenv("FAKE_BENCH_SMALL") != "" { // for profiling
		nodes, vmis = 20, 1000
	}
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
