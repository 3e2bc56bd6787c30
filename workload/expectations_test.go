package workload

import (
	"testing"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// execute ("don't process anything until expectations are satisfied: this
// ensures we don't do things like creating multiple migrations for the same
// vmi"), sync (ExpectCreations before creating; CreationObserved when a
// create fails) and addMigration (CreationObserved when a workload-update
// migration appears); pkg/controller/expectations.go ExpectationsTimeout (5
// minutes).
func TestReconcileNeverDuplicatesFromAStaleSnapshot(t *testing.T) {
	old := mig("kubevirt-workload-update-old", "vm", v1.MigrationSucceeded, t0.Add(-time.Hour), endedAt(t0.Add(-time.Hour+time.Minute)))
	stale := Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Migrations: []*v1.VirtualMachineInstanceMigration{old},
		Strategy: strategy(LM), LauncherImage: newImage}
	created := mig("kubevirt-workload-update-x7k2p", "vm", v1.MigrationPending, t0)
	fresh := stale
	fresh.Migrations = []*v1.VirtualMachineInstanceMigration{old, created}

	for _, pol := range []Policy{KubeVirtPolicy(), DefaultPolicy()} {
		p := NewPlanner(pol, 0)
		stale.Now = t0
		if plan := p.Reconcile(stale); len(plan.Migrate) != 1 || p.Expecting() != 1 {
			t.Fatalf("first reconcile: %d migrations, expecting %d; want 1, 1", len(plan.Migrate), p.Expecting())
		}
		// A snapshot read before the migration was created: no second one.
		stale.Now = t0.Add(time.Second)
		plan := p.Reconcile(stale)
		if len(plan.Migrate) != 0 {
			t.Errorf("stale snapshot 1 s later: %v; want no second migration", plan.Migrate)
		}
		if d := plan.Decisions[0]; d.Code != CodeUnfinishedMigration || d.Reason != reasonCreationExpected || d.Now {
			t.Errorf("stale snapshot: decision %+v; want UnfinishedMigration, waiting to see it", d)
		}
		if want := 5*time.Minute - time.Second; plan.RequeueAfter != want {
			t.Errorf("stale snapshot: requeue %v, want %v (the end of the expectation)", plan.RequeueAfter, want)
		}
		// The migration shows up: the expectation is met.
		fresh.Now = t0.Add(2 * time.Second)
		if plan := p.Reconcile(fresh); len(plan.Migrate) != 0 || p.Expecting() != 0 {
			t.Errorf("fresh snapshot: %v, expecting %d; want none, 0", plan.Migrate, p.Expecting())
		}
		// A planner that never saw it plans again after the timeout, as
		// KubeVirt's expectations expire.
		q := NewPlanner(pol, 0)
		stale.Now = t0
		q.Reconcile(stale)
		stale.Now = t0.Add(5*time.Minute - time.Nanosecond)
		if plan := q.Reconcile(stale); len(plan.Migrate) != 0 {
			t.Errorf("stale snapshot just before the timeout: %v", plan.Migrate)
		}
		stale.Now = t0.Add(5 * time.Minute)
		if plan := q.Reconcile(stale); len(plan.Migrate) != 1 {
			t.Errorf("stale snapshot at the timeout: %d migrations, want 1", len(plan.Migrate))
		}
		// A failed create, reported, lets the next reconcile try again.
		r := NewPlanner(pol, 0)
		stale.Now = t0
		r.Reconcile(stale)
		r.CreateFailed("prod", "vm")
		stale.Now = t0.Add(time.Second)
		if plan := r.Reconcile(stale); len(plan.Migrate) != 1 {
			t.Errorf("after CreateFailed: %d migrations, want 1", len(plan.Migrate))
		}
		r.ResetExpectations()
		if r.Expecting() != 0 {
			t.Errorf("after ResetExpectations: expecting %d", r.Expecting())
		}
	}
}

// Planned migrations not seen yet hold their place against
// parallelMigrationsPerCluster, so a stale snapshot does not let the planner
// create more than the cap allows; once seen, KubeVirt's rule applies again
// (its updater counts only running migrations, so Pending ones stack,
// pkg/virt-controller/watch/workload-updater/workload-updater.go sync
// maxNewMigrations).
func TestReconcileExpectationsHoldCapacity(t *testing.T) {
	two := uint32(2)
	vmis := fleet("vm", 6)
	stale := Snapshot{VMIs: vmis, Strategy: strategy(LM), LauncherImage: newImage,
		MigrationConfig: v1.MigrationConfiguration{ParallelMigrationsPerCluster: &two}}
	tests := []struct {
		reason    string
		policy    Policy
		afterSeen int // new migrations once the first two are seen Pending
	}{
		{"KubeVirt: seen Pending migrations do not count, so two more", KubeVirtPolicy(), 2},
		{"default: our Pending migrations count, so none", DefaultPolicy(), 0},
	}
	for _, tt := range tests {
		p := NewPlanner(tt.policy, 3)
		stale.Now = t0
		first := p.Reconcile(stale)
		if len(first.Migrate) != 2 {
			t.Fatalf("%s: first reconcile %d migrations, want 2", tt.reason, len(first.Migrate))
		}
		stale.Now = t0.Add(time.Second)
		if plan := p.Reconcile(stale); len(plan.Migrate) != 0 {
			t.Errorf("%s: stale snapshot: %d more migrations; the two planned ones hold the cap", tt.reason, len(plan.Migrate))
		}
		seen := stale
		seen.Now = t0.Add(2 * time.Second)
		for _, a := range first.Migrate {
			seen.Migrations = append(seen.Migrations, mig("kubevirt-workload-update-"+a.VMI, a.VMI, v1.MigrationPending, t0))
		}
		plan := p.Reconcile(seen)
		if len(plan.Migrate) != tt.afterSeen {
			t.Errorf("%s: after they are seen: %d migrations, want %d", tt.reason, len(plan.Migrate), tt.afterSeen)
		}
		for _, a := range plan.Migrate {
			for _, b := range first.Migrate {
				if a.VMI == b.VMI {
					t.Errorf("%s: %s migrated twice", tt.reason, a.VMI)
				}
			}
		}
	}
}

// With Policy.LimitPerNode, a planned migration not seen yet also holds its
// node's outbound slot.
func TestReconcileExpectationsHoldNodeSlot(t *testing.T) {
	one := uint32(1)
	s := Snapshot{VMIs: fleet("vm", 2), Strategy: strategy(LM), LauncherImage: newImage,
		MigrationConfig: v1.MigrationConfiguration{ParallelOutboundMigrationsPerNode: &one}, Now: t0}
	p := NewPlanner(DefaultPolicy(), 0)
	if plan := p.Reconcile(s); len(plan.Migrate) != 1 {
		t.Fatalf("first: %d migrations, want 1 (one per node)", len(plan.Migrate))
	}
	s.Now = t0.Add(time.Second)
	if plan := p.Reconcile(s); len(plan.Migrate) != 0 {
		t.Errorf("stale: %v; the node's slot is taken by the planned migration", plan.Migrate)
	}
}

// An expectation ends as soon as a snapshot shows that the planned migration
// no longer matters: the VMI is gone, stopped or already updated. Such a
// snapshot is newer than the plan, so it cannot lead to a duplicate.
func TestReconcileExpectationEndsWithTheVMI(t *testing.T) {
	base := Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Strategy: strategy(LM), LauncherImage: newImage, Now: t0}
	tests := []struct {
		reason string
		vmis   []*v1.VirtualMachineInstance
	}{
		{"the VMI is gone", nil},
		{"the VMI stopped", []*v1.VirtualMachineInstance{vmi("vm", phase(v1.Succeeded))}},
		{"the VMI is up to date", []*v1.VirtualMachineInstance{vmi("vm", upToDate)}},
	}
	for _, tt := range tests {
		p := NewPlanner(KubeVirtPolicy(), 0)
		p.Reconcile(base)
		later := base
		later.VMIs, later.Now = tt.vmis, t0.Add(time.Second)
		plan := p.Reconcile(later)
		if p.Expecting() != 0 || plan.RequeueAfter != 0 {
			t.Errorf("%s: expecting %d, requeue %v; want 0, 0", tt.reason, p.Expecting(), plan.RequeueAfter)
		}
		// Its slot is free again: another VMI may migrate.
		one := uint32(1)
		again := base
		again.VMIs = append(tt.vmis, vmi("other"))
		again.MigrationConfig = v1.MigrationConfiguration{ParallelMigrationsPerCluster: &one}
		again.Now = t0.Add(2 * time.Second)
		q := NewPlanner(KubeVirtPolicy(), 0)
		q.Reconcile(Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Strategy: strategy(LM), LauncherImage: newImage, Now: t0,
			MigrationConfig: again.MigrationConfig})
		if plan := q.Reconcile(again); len(plan.Migrate) != 1 || plan.Migrate[0].VMI != "other" {
			t.Errorf("%s: %v; want the other VMI migrated in the freed slot", tt.reason, plan.Migrate)
		}
	}
}
