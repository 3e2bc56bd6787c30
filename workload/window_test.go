package workload_test

import (
	"testing"
	"time"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/window"
	"github.com/virtupdate/virtupdate/workload"
)

// Outside the planner's window no migration or eviction starts; the plan
// says how many it held and when the window opens, and asks to be run
// again then; inside it the same snapshot plans them (the held migrations
// left no creation expectation behind).
func TestPlannerHoldsOutsideTheWindow(t *testing.T) {
	// start is Sunday 2026-03-01 12:00 UTC; the window opens at 22:00 UTC.
	gate := window.MustParse("Sun 22:00-05:00 UTC")
	p := workload.Planner{Policy: workload.DefaultPolicy(), Window: gate}
	snap := workload.Snapshot{
		VMIs:          []*v1.VirtualMachineInstance{running("web", true), running("batch", false)},
		Strategy:      v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate, v1.WorkloadUpdateMethodEvict}},
		LauncherImage: "virt-launcher:v1.9",
		Now:           start,
	}
	plan := p.Reconcile(snap)
	opens := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	if len(plan.Migrate)+len(plan.Evict) != 0 || plan.Held != 2 || !plan.WindowOpens.Equal(opens) || plan.RequeueAfter != 10*time.Hour {
		t.Fatalf("outside the window: migrate %d evict %d held %d opens %s requeue %s; want 0, 0, 2, %s, 10h",
			len(plan.Migrate), len(plan.Evict), plan.Held, plan.WindowOpens, plan.RequeueAfter, opens)
	}
	if !plan.LastEvictionBatch.IsZero() {
		t.Errorf("a held batch moved the batch clock to %s", plan.LastEvictionBatch)
	}
	snap.Now = opens
	plan = p.Reconcile(snap)
	if len(plan.Migrate) != 1 || len(plan.Evict) != 1 || plan.Held != 0 {
		t.Fatalf("inside the window: migrate %d evict %d held %d; want 1, 1, 0", len(plan.Migrate), len(plan.Evict), plan.Held)
	}
}
