package workload

import (
	"fmt"
	"testing"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

func BenchmarkSelect(b *testing.B) {
	v := vmi("vm", notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable))
	s := strategy(LM, Evict)
	b.ReportAllocs()
	for b.Loop() {
		if d := Select(v, s); d.Method != MethodEvict {
			b.Fatal(d)
		}
	}
}

// realisticCluster is 100,000 running VMIs on 500 nodes, built once: half
// still on the old launcher, one in ten not live-migratable (with the reason
// and message virt-handler writes), some with their own eviction strategy,
// and a migration history: running migrations, Pending ones of ours, and
// finished ones.
func realisticCluster(n int) Snapshot {
	vmis := make([]*v1.VirtualMachineInstance, n)
	lm, lmip := v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible
	for i := range vmis {
		v := vmi(fmt.Sprintf("vm-%06d", i), onNode(fmt.Sprintf("worker-%03d", i%500)))
		v.Namespace = fmt.Sprintf("tenant-%03d", i%300)
		if i%2 == 0 {
			upToDate(v)
		}
		switch i % 10 {
		case 3:
			notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)(v)
		case 7:
			v.Spec.EvictionStrategy = &lm
		case 9:
			v.Spec.EvictionStrategy = &lmip
		}
		vmis[i] = v
	}
	var migs []*v1.VirtualMachineInstanceMigration
	for i := range 3 {
		v := vmis[2*i+1]
		m := mig(fmt.Sprintf("running-%d", i), v.Name, v1.MigrationRunning, t0.Add(-time.Minute), fromNode(v.Status.NodeName))
		m.Namespace = v.Namespace
		migs = append(migs, m)
	}
	for i := range 1000 {
		v := vmis[i]
		p := v1.MigrationSucceeded
		if i%4 == 0 {
			p = v1.MigrationFailed
		}
		m := mig(fmt.Sprintf("done-%d", i), v.Name, p, t0.Add(-time.Hour), endedAt(t0.Add(-time.Hour+2*time.Minute)))
		m.Namespace = v.Namespace
		migs = append(migs, m)
	}
	return Snapshot{
		VMIs: vmis, Migrations: migs, Strategy: strategy(LM, Evict), LauncherImage: newImage,
		LastEvictionBatch: t0.Add(-2 * time.Minute), Now: t0,
	}
}

// BenchmarkReconcile100k is one planner reconcile over 100,000 VMIs, as a
// controller runs it: one Plan kept between passes.
func BenchmarkReconcile100k(b *testing.B) {
	s := realisticCluster(100_000)
	p := NewPlanner(DefaultPolicy(), 1)
	var plan Plan
	b.ReportAllocs()
	for b.Loop() {
		// Every pass sees the same snapshot, which never shows the
		// migrations the previous pass planned: forget them, or the planner
		// rightly waits to see them and plans none.
		p.ResetExpectations()
		if p.ReconcileInto(&plan, s); len(plan.Migrate) == 0 || len(plan.Evict) == 0 {
			b.Fatal(len(plan.Migrate), len(plan.Evict))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(s.VMIs)), "ns/vmi")
}

// BenchmarkReconcile100kFreshPlan is the same with a new Plan each time.
func BenchmarkReconcile100kFreshPlan(b *testing.B) {
	s := realisticCluster(100_000)
	p := NewPlanner(DefaultPolicy(), 1)
	b.ReportAllocs()
	for b.Loop() {
		p.ResetExpectations() // as in BenchmarkReconcile100k
		if plan := p.Reconcile(s); len(plan.Migrate) == 0 {
			b.Fatal(len(plan.Migrate))
		}
	}
}
