package workload

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	v1 "kubevirt.io/api/core/v1"
)

func names(actions []Action) []string {
	var out []string
	for _, a := range actions {
		if a.Migration != "" {
			out = append(out, a.Migration)
		} else {
			out = append(out, a.VMI)
		}
	}
	return out
}

// kubevirtFleet is the fleet of KubeVirt's own updater test: 50 migratable
// and 50 non-migratable outdated VMIs, each on its own node.
func kubevirtFleet() []*v1.VirtualMachineInstance {
	vmis := append(fleet("migratable", 50), fleet("pinned", 50, notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable))...)
	for i, v := range vmis {
		v.Status.NodeName = fmt.Sprintf("node-%03d", i)
	}
	return vmis
}

func TestReconcileKubeVirtCases(t *testing.T) {
	running := func(n int) []*v1.VirtualMachineInstanceMigration {
		var out []*v1.VirtualMachineInstanceMigration
		for i := range n {
			out = append(out, mig(fmt.Sprintf("running-%d", i), fmt.Sprintf("elsewhere-%d", i), v1.MigrationRunning, t0, userMigration))
		}
		return out
	}
	pending := func(n int) []*v1.VirtualMachineInstanceMigration {
		var out []*v1.VirtualMachineInstanceMigration
		for i := range n {
			// Our own Pending migrations, of VMIs that are not in the fleet.
			out = append(out, mig(fmt.Sprintf("pending-%d", i), fmt.Sprintf("queued-%d", i), v1.MigrationPending, t0))
		}
		return out
	}
	tests := []struct {
		reason             string
		policy             Policy
		migrations         []*v1.VirtualMachineInstanceMigration
		migrate, evict     int
		evictAllNotMigrate bool
	}{
		{"nothing running: 5 migrations and 10 evictions in the first reconcile", KubeVirtPolicy(), nil, 5, 10, true},
		{"the same with our default policy", DefaultPolicy(), nil, 5, 10, true},
		{"4 running and 5 pending migrations, KubeVirt's rule: exactly 1 new migration", KubeVirtPolicy(), append(running(4), pending(5)...), 1, 10, true},
		{"4 running and 5 pending of ours, counting pending (default): none", DefaultPolicy(), append(running(4), pending(5)...), 0, 10, true},
		{"4 running, no pending, default: 1", DefaultPolicy(), running(4), 1, 10, true},
		{"more running than the cap: none, never negative", KubeVirtPolicy(), running(7), 0, 10, true},
		{"finished migrations take no capacity", KubeVirtPolicy(), []*v1.VirtualMachineInstanceMigration{
			mig("done", "x", v1.MigrationSucceeded, t0), mig("failed", "y", v1.MigrationFailed, t0)}, 5, 10, true},
	}
	for _, tt := range tests {
		p := Planner{Policy: tt.policy, Seed: 1}
		plan := p.Reconcile(Snapshot{VMIs: kubevirtFleet(), Migrations: tt.migrations, Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0})
		if len(plan.Migrate) != tt.migrate || len(plan.Evict) != tt.evict {
			t.Errorf("%s: %d migrations, %d evictions; want %d and %d", tt.reason, len(plan.Migrate), len(plan.Evict), tt.migrate, tt.evict)
		}
		for _, a := range plan.Migrate {
			if !strings.HasPrefix(a.VMI, "migratable-") {
				t.Errorf("%s: migrating %s, which cannot migrate", tt.reason, a.VMI)
			}
		}
		// Evict takes the first ten non-migratable VMIs in input order.
		if d := cmp.Diff(names2(fleet("pinned", 10)), names(plan.Evict)); d != "" {
			t.Errorf("%s: evictions (-want +got)\n%s", tt.reason, d)
		}
		if !plan.LastEvictionBatch.Equal(t0) {
			t.Errorf("%s: LastEvictionBatch = %v, want now", tt.reason, plan.LastEvictionBatch)
		}
	}
}

func names2(vmis []*v1.VirtualMachineInstance) []string {
	var out []string
	for _, v := range vmis {
		out = append(out, v.Name)
	}
	return out
}

func TestReconcileMethodsTable(t *testing.T) {
	tests := []struct {
		reason         string
		strategy       v1.KubeVirtWorkloadUpdateStrategy
		migrate, evict int
	}{
		{"updates off: nothing", strategy(), 0, 0},
		{"LiveMigrate only: migrations, no evictions", strategy(LM), 5, 0},
		{"Evict only: everything evicted in batches, no migrations", strategy(Evict), 0, 10},
		{"both", strategy(Evict, LM), 5, 10},
	}
	for _, tt := range tests {
		plan := NewPlanner(KubeVirtPolicy(), 0).Reconcile(Snapshot{VMIs: kubevirtFleet(), Strategy: tt.strategy, LauncherImage: newImage, Now: t0})
		if len(plan.Migrate) != tt.migrate || len(plan.Evict) != tt.evict {
			t.Errorf("%s: %d migrations, %d evictions; want %d, %d", tt.reason, len(plan.Migrate), len(plan.Evict), tt.migrate, tt.evict)
		}
	}
}

// The fake clock drives several reconciles; evicted VMIs disappear between
// them, as their pods go away.
func TestReconcileEvictBatchTiming(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	vmis := fleet("vm", 25, notMigratable("X"))
	p := Planner{Policy: DefaultPolicy(), Clock: clk}
	s := Snapshot{VMIs: vmis, Strategy: strategy(LM, Evict), LauncherImage: newImage}

	type step struct {
		reason  string
		advance time.Duration
		evicted []string
		requeue time.Duration
	}
	steps := []step{
		{"first reconcile: the first batch at once (no batch yet)", 0, names2(vmis[0:10]), time.Minute + time.Nanosecond},
		{"30 s later: wait", 30 * time.Second, nil, 30*time.Second + time.Nanosecond},
		{"exactly one interval later: KubeVirt waits for strictly after", 30 * time.Second, nil, time.Nanosecond},
		{"just after the interval: the second batch", time.Nanosecond, names2(vmis[10:20]), time.Minute + time.Nanosecond},
		{"a minute later: the last five, nothing left to requeue for", time.Minute + time.Nanosecond, names2(vmis[20:25]), 0},
		{"nothing left", time.Hour, nil, 0},
	}
	gone := map[string]bool{}
	for _, st := range steps {
		clk.Step(st.advance)
		s.VMIs = slices.DeleteFunc(slices.Clone(vmis), func(v *v1.VirtualMachineInstance) bool { return gone[v.Name] })
		plan := p.Reconcile(s)
		if d := cmp.Diff(st.evicted, names(plan.Evict)); d != "" {
			t.Errorf("%s: evicted (-want +got)\n%s", st.reason, d)
		}
		if plan.RequeueAfter != st.requeue {
			t.Errorf("%s: RequeueAfter = %v, want %v", st.reason, plan.RequeueAfter, st.requeue)
		}
		for _, a := range plan.Evict {
			gone[a.VMI] = true
		}
		s.LastEvictionBatch = plan.LastEvictionBatch
	}
}

// The batch clock is part of the snapshot: a restarted caller that persisted
// it keeps the pace; one that did not (KubeVirt) evicts at once.
func TestReconcileEvictBatchClockPersists(t *testing.T) {
	s := Snapshot{VMIs: fleet("vm", 30, notMigratable("X")), Strategy: strategy(Evict), LauncherImage: newImage, Now: t0}
	first := NewPlanner(DefaultPolicy(), 0).Reconcile(s)

	s.Now = t0.Add(10 * time.Second)
	s.VMIs = s.VMIs[10:]
	s.LastEvictionBatch = first.LastEvictionBatch
	if plan := NewPlanner(DefaultPolicy(), 0).Reconcile(s); len(plan.Evict) != 0 || !plan.LastEvictionBatch.Equal(t0) {
		t.Errorf("restarted with the batch time: %d evictions, last batch %v; want none, t0", len(plan.Evict), plan.LastEvictionBatch)
	}
	s.LastEvictionBatch = time.Time{}
	if plan := NewPlanner(DefaultPolicy(), 0).Reconcile(s); len(plan.Evict) != 10 {
		t.Errorf("restarted without it: %d evictions, want a batch of 10 at once", len(plan.Evict))
	}
}

func TestReconcileBatchSettings(t *testing.T) {
	tests := []struct {
		reason   string
		size     *int
		interval *metav1.Duration
		last     time.Time
		want     int
	}{
		{"batch size 3", ptr(3), nil, time.Time{}, 3},
		{"batch size 0 evicts nothing", ptr(0), nil, time.Time{}, 0},
		{"negative batch size evicts nothing", ptr(-1), nil, time.Time{}, 0},
		{"interval 0: a batch every reconcile", ptr(2), &metav1.Duration{}, t0.Add(-time.Second), 2},
		{"interval 0, but the last batch was this very instant: strictly after, as KubeVirt", ptr(2), &metav1.Duration{}, t0, 0},
		{"interval 5m, last batch 4m ago: none", nil, &metav1.Duration{Duration: 5 * time.Minute}, t0.Add(-4 * time.Minute), 0},
		{"interval 5m, last batch 6m ago: a batch", nil, &metav1.Duration{Duration: 5 * time.Minute}, t0.Add(-6 * time.Minute), 10},
	}
	for _, tt := range tests {
		st := strategy(Evict)
		st.BatchEvictionSize, st.BatchEvictionInterval = tt.size, tt.interval
		plan := NewPlanner(DefaultPolicy(), 0).Reconcile(Snapshot{VMIs: fleet("vm", 20), Strategy: st, LauncherImage: newImage, LastEvictionBatch: tt.last, Now: t0})
		if len(plan.Evict) != tt.want {
			t.Errorf("%s: %d evictions, want %d", tt.reason, len(plan.Evict), tt.want)
		}
	}
}

func TestReconcilePerNodeLimit(t *testing.T) {
	// Ten migratable VMIs on node-a, one migration out of node-a running.
	vmis := fleet("vm", 10)
	vmis = append(vmis, vmi("other", onNode("node-b")))
	running := []*v1.VirtualMachineInstanceMigration{mig("m", "elsewhere", v1.MigrationRunning, t0, fromNode("node-a"), userMigration)}
	tests := []struct {
		reason string
		policy Policy
		cfg    v1.MigrationConfiguration
		want   map[string]int // migrations per node
	}{
		{"default: one more out of node-a (2 per node), one out of node-b", DefaultPolicy(), v1.MigrationConfiguration{}, map[string]int{"node-a": 1, "node-b": 1}},
		{"HCO 1.19's 1 per node: none out of node-a", DefaultPolicy(), v1.MigrationConfiguration{ParallelOutboundMigrationsPerNode: ptr(uint32(1))}, map[string]int{"node-b": 1}},
		{"KubeVirt's updater ignores the node cap: 4 slots filled", KubeVirtPolicy(), v1.MigrationConfiguration{}, nil},
	}
	for _, tt := range tests {
		plan := NewPlanner(tt.policy, 7).Reconcile(Snapshot{VMIs: vmis, Migrations: running, Strategy: strategy(LM), MigrationConfig: tt.cfg, LauncherImage: newImage, Now: t0})
		if tt.want == nil {
			if len(plan.Migrate) != 4 {
				t.Errorf("%s: %d migrations, want 4", tt.reason, len(plan.Migrate))
			}
			continue
		}
		got := map[string]int{}
		for _, a := range plan.Migrate {
			node := "node-a"
			if a.VMI == "other" {
				node = "node-b"
			}
			got[node]++
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
		if plan.RequeueAfter != DefaultResync {
			t.Errorf("%s: migrations wait for capacity; RequeueAfter = %v, want %v", tt.reason, plan.RequeueAfter, DefaultResync)
		}
	}
}

// A pending migration of ours with no source node yet counts against the
// node of its VMI.
func TestReconcilePendingCountsOnItsVMIsNode(t *testing.T) {
	vmis := fleet("vm", 4)
	pending := []*v1.VirtualMachineInstanceMigration{mig("p0", "vm-000", v1.MigrationPending, t0), mig("p1", "vm-001", v1.MigrationPending, t0)}
	plan := NewPlanner(DefaultPolicy(), 0).Reconcile(Snapshot{VMIs: vmis, Migrations: pending, Strategy: strategy(LM), LauncherImage: newImage, Now: t0})
	if len(plan.Migrate) != 0 {
		t.Errorf("node-a already has two pending migrations of ours; got %v", names(plan.Migrate))
	}
	plan = NewPlanner(KubeVirtPolicy(), 0).Reconcile(Snapshot{VMIs: vmis, Migrations: pending, Strategy: strategy(LM), LauncherImage: newImage, Now: t0})
	if d := cmp.Diff([]string{"vm-002", "vm-003"}, names(plan.Migrate)); d != "" {
		t.Errorf("KubeVirt: (-want +got)\n%s", d)
	}
}

func TestReconcileDeterministic(t *testing.T) {
	s := Snapshot{VMIs: fleet("vm", 200, func(v *v1.VirtualMachineInstance) { v.Status.NodeName = "" }), Strategy: strategy(LM), LauncherImage: newImage, Now: t0}
	a := NewPlanner(DefaultPolicy(), 42).Reconcile(s)
	b := NewPlanner(DefaultPolicy(), 42).Reconcile(s)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, same snapshot, different plans (-a +b)\n%s", d)
	}
	if !slices.IsSortedFunc(a.Migrate, func(x, y Action) int { return strings.Compare(x.VMI, y.VMI) }) {
		t.Errorf("migrations not in input order: %v", names(a.Migrate))
	}
	differs := false
	for seed := uint64(0); seed < 5 && !differs; seed++ {
		c := NewPlanner(DefaultPolicy(), seed+100).Reconcile(s)
		differs = !slices.Equal(names(a.Migrate), names(c.Migrate))
	}
	if !differs {
		t.Error("five other seeds picked the same five of 200 VMIs: the candidates are not shuffled")
	}
	s.Now = t0.Add(time.Second)
	if c := NewPlanner(DefaultPolicy(), 42).Reconcile(s); slices.Equal(names(a.Migrate), names(c.Migrate)) {
		t.Error("a later reconcile picked the same VMIs: the same failing ones would always come first")
	}
}

func TestReconcileBackoffAndStuck(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	failedAt := func(i int, end time.Time) *v1.VirtualMachineInstanceMigration {
		return mig(fmt.Sprintf("f%d", i), "vm", v1.MigrationFailed, end.Add(-time.Minute), endedAt(end), failedBecause(fmt.Sprintf("target pod unschedulable #%d", i)))
	}
	history := func(n int) []*v1.VirtualMachineInstanceMigration {
		var out []*v1.VirtualMachineInstanceMigration
		for i := range n {
			out = append(out, failedAt(i, at(time.Duration(i)*time.Hour)))
		}
		return out
	}
	lastOf := func(n int) time.Time { return at(time.Duration(n-1) * time.Hour) }
	tests := []struct {
		reason   string
		policy   Policy
		failures int
		since    time.Duration // after the last failure
		code     Code
		migrates bool
		requeue  time.Duration
	}{
		{"one failure, 19 s later: wait 1 s more", DefaultPolicy(), 1, 19 * time.Second, CodeBackoff, false, time.Second},
		{"one failure, 20 s later: retry", DefaultPolicy(), 1, 20 * time.Second, CodeLiveMigrate, true, 0},
		{"two failures, 39 s later: wait", DefaultPolicy(), 2, 39 * time.Second, CodeBackoff, false, time.Second},
		{"two failures, 40 s later: retry", DefaultPolicy(), 2, 40 * time.Second, CodeLiveMigrate, true, 0},
		{"four failures: 160 s", DefaultPolicy(), 4, 159 * time.Second, CodeBackoff, false, time.Second},
		{"five failures, default policy: stuck, not retried", DefaultPolicy(), 5, time.Hour, CodeStuck, false, 0},
		{"five failures, KubeVirt: 320 s then retry", KubeVirtPolicy(), 5, 319 * time.Second, CodeBackoff, false, time.Second},
		{"five failures, KubeVirt: retried forever", KubeVirtPolicy(), 5, 320 * time.Second, CodeLiveMigrate, true, 0},
		{"StuckAfter 2", Policy{StuckAfter: 2}, 2, time.Hour, CodeStuck, false, 0},
	}
	for _, tt := range tests {
		plan := NewPlanner(tt.policy, 0).Reconcile(Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Migrations: history(tt.failures),
			Strategy: strategy(LM), LauncherImage: newImage, Now: lastOf(tt.failures).Add(tt.since)})
		if len(plan.Decisions) != 1 {
			t.Fatalf("%s: %d decisions", tt.reason, len(plan.Decisions))
		}
		d := plan.Decisions[0]
		if d.Code != tt.code || (len(plan.Migrate) == 1) != tt.migrates || plan.RequeueAfter != tt.requeue {
			t.Errorf("%s: code %s, %d migrations, requeue %v; want %s, migrate %v, requeue %v", tt.reason, d.Code, len(plan.Migrate), plan.RequeueAfter, tt.code, tt.migrates, tt.requeue)
		}
		if tt.code == CodeBackoff && !d.RetryAt.Equal(lastOf(tt.failures).Add(Backoff{}.Delay(tt.failures))) {
			t.Errorf("%s: RetryAt %v", tt.reason, d.RetryAt)
		}
		if tt.code == CodeStuck {
			want := []Stuck{{Namespace: "prod", Name: "vm", Failures: tt.failures}}
			for i := tt.failures - 1; i >= 0; i-- {
				want[0].Reasons = append(want[0].Reasons, fmt.Sprintf("f%d: target pod unschedulable #%d", i, i))
			}
			if d := cmp.Diff(want, plan.Stuck); d != "" {
				t.Errorf("%s: stuck (-want +got)\n%s", tt.reason, d)
			}
			if plan.Progress.Stuck != 1 {
				t.Errorf("%s: Progress.Stuck = %d", tt.reason, plan.Progress.Stuck)
			}
		}
	}
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// shouldAbortMigration, pinned by workload-updater_test.go "should handle"
// ("a in progress change update", "a change abortion"), "should always
// cancel the migration when the testWorkloadUpdateMigrationAbortion
// annotation is present" and "shouldn't cancel the migration if the
// migration object is still in running phase but the domain is ready on the
// target".
func TestReconcileAbort(t *testing.T) {
	domainReady := func(v *v1.VirtualMachineInstance) {
		v.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{TargetNodeDomainReadyTimestamp: &metav1.Time{Time: t0}}
	}
	hotplugCPU := func(v *v1.VirtualMachineInstance) {
		v.Status.Conditions = append(v.Status.Conditions, v1.VirtualMachineInstanceCondition{Type: v1.VirtualMachineInstanceVCPUChange, Status: corev1.ConditionFalse})
	}
	abortionAnnotation := func(v *v1.VirtualMachineInstance) {
		v.Annotations = map[string]string{v1.WorkloadUpdateMigrationAbortionAnnotation: ""}
	}
	volumes := func(v *v1.VirtualMachineInstance) {
		v.Status.Conditions = append(v.Status.Conditions, v1.VirtualMachineInstanceCondition{Type: v1.VirtualMachineInstanceVolumesChange, Status: corev1.ConditionTrue})
	}
	tests := []struct {
		reason string
		vmi    *v1.VirtualMachineInstance
		m      *v1.VirtualMachineInstanceMigration
		abort  bool
	}{
		{"up to date with our pending migration: abort it", vmi("vm", upToDate), mig("m", "vm", v1.MigrationPending, t0), true},
		{"up to date with our scheduling migration: abort it", vmi("vm", upToDate), mig("m", "vm", v1.MigrationScheduling, t0), true},
		{"a user's migration is not ours to abort", vmi("vm", upToDate), mig("m", "vm", v1.MigrationPending, t0, userMigration), false},
		{"the target already has the domain: let it finish", vmi("vm", upToDate, domainReady), mig("m", "vm", v1.MigrationRunning, t0), false},
		{"a CPU hotplug is under way (any status)", vmi("vm", upToDate, hotplugCPU), mig("m", "vm", v1.MigrationPending, t0), false},
		{"a volume change is under way", vmi("vm", upToDate, volumes), mig("m", "vm", v1.MigrationPending, t0), false},
		{"still outdated: keep it", vmi("vm"), mig("m", "vm", v1.MigrationPending, t0), false},
		{"finished migrations are not aborted", vmi("vm", upToDate), mig("m", "vm", v1.MigrationSucceeded, t0), false},
		{"the abortion annotation cancels it even with a hotplug under way", vmi("vm", upToDate, hotplugCPU, abortionAnnotation), mig("m", "vm", v1.MigrationPending, t0), true},
		{"the abortion annotation cancels it even when the target domain is ready", vmi("vm", upToDate, domainReady, abortionAnnotation), mig("m", "vm", v1.MigrationRunning, t0), true},
	}
	for _, tt := range tests {
		plan := NewPlanner(DefaultPolicy(), 0).Reconcile(Snapshot{VMIs: []*v1.VirtualMachineInstance{tt.vmi}, Migrations: []*v1.VirtualMachineInstanceMigration{tt.m},
			Strategy: strategy(LM), LauncherImage: newImage, Now: t0})
		if got := len(plan.Abort) == 1; got != tt.abort {
			t.Errorf("%s: aborts %v, want abort %v", tt.reason, plan.Abort, tt.abort)
		}
	}
}

// The pending target-pod timeouts belong to KubeVirt's migration controller
// (pkg/virt-controller/watch/migration/migration.go handlePendingPodTimeout
// deletes the target pod; updateStatus then fails the migration, and the
// failed migration stays for handleMigrationBackoff and
// garbageCollectFinalizedMigrations). The planner never deletes a migration
// to time it out: it only looks again at the deadline.
func TestReconcileTargetPodTimeout(t *testing.T) {
	m := mig("m", "vm", v1.MigrationScheduling, t0)
	pod := targetPod(t0, true)
	s := Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Migrations: []*v1.VirtualMachineInstanceMigration{m},
		TargetPods: []*corev1.Pod{pod, nil}, Strategy: strategy(LM), LauncherImage: newImage}

	for _, pol := range []Policy{DefaultPolicy(), KubeVirtPolicy()} {
		s.Now = t0.Add(4*time.Minute + 59*time.Second)
		plan := NewPlanner(pol, 0).Reconcile(s)
		if len(plan.Abort) != 0 || plan.RequeueAfter != time.Second {
			t.Errorf("at 4m59s: aborts %v, requeue %v; want none, 1s (the deadline)", plan.Abort, plan.RequeueAfter)
		}
		if plan.Decisions[0].Code != CodeUnfinishedMigration || plan.Progress.Migrating != 1 {
			t.Errorf("at 4m59s: decision %s, migrating %d", plan.Decisions[0].Code, plan.Progress.Migrating)
		}
		s.Now = t0.Add(5 * time.Minute)
		plan = NewPlanner(pol, 0).Reconcile(s)
		if len(plan.Abort) != 0 || len(plan.Delete) != 0 || len(plan.Migrate) != 0 {
			t.Errorf("at 5m00s, timed out but not yet failed: abort %v, delete %v, migrate %v; want nothing: the migration controller fails it", plan.Abort, plan.Delete, plan.Migrate)
		}
	}

	// The migration controller has failed it and deleted the pod: the failed
	// migration stays, and its failure holds the VMI for the backoff.
	failedM := mig("m", "vm", v1.MigrationFailed, t0, endedAt(t0.Add(5*time.Minute)))
	s = Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm")}, Migrations: []*v1.VirtualMachineInstanceMigration{failedM},
		Strategy: strategy(LM), LauncherImage: newImage, Now: t0.Add(5*time.Minute + time.Second)}
	plan := NewPlanner(KubeVirtPolicy(), 0).Reconcile(s)
	if len(plan.Abort) != 0 || len(plan.Delete) != 0 {
		t.Errorf("after the failure: abort %v, delete %v; the failed migration stays", plan.Abort, plan.Delete)
	}
	if d := plan.Decisions[0]; d.Code != CodeBackoff || !d.RetryAt.Equal(t0.Add(5*time.Minute+20*time.Second)) {
		t.Errorf("after the failure: %s retry at %v; want Backoff until 20 s after the failure", d.Code, d.RetryAt)
	}

	// A running migration whose (stale) target pod is still reported
	// Pending: no deadline, nothing to do.
	running := mig("m", "vm", v1.MigrationRunning, t0)
	s = Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm", migrating)}, Migrations: []*v1.VirtualMachineInstanceMigration{running},
		TargetPods: []*corev1.Pod{pod}, Strategy: strategy(LM), LauncherImage: newImage, Now: t0.Add(time.Hour)}
	plan = NewPlanner(DefaultPolicy(), 0).Reconcile(s)
	if len(plan.Abort) != 0 || plan.RequeueAfter != 0 {
		t.Errorf("running: aborts %v, requeue %v; want none", plan.Abort, plan.RequeueAfter)
	}
}

func TestReconcileHistoryTrimming(t *testing.T) {
	var ms []*v1.VirtualMachineInstanceMigration
	for i := range 7 {
		ms = append(ms, mig(fmt.Sprintf("a-%d", i), "vm-a", v1.MigrationSucceeded, t0.Add(time.Duration(i)*time.Minute)))
	}
	for i := range 5 {
		ms = append(ms, mig(fmt.Sprintf("b-%d", i), "vm-b", v1.MigrationFailed, t0.Add(time.Duration(i)*time.Minute)))
	}
	plan := NewPlanner(DefaultPolicy(), 0).Reconcile(Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("vm-a", upToDate)}, Migrations: ms, Now: t0.Add(time.Hour)})
	want := []Action{
		{Kind: ActionDelete, Namespace: "prod", VMI: "vm-a", Migration: "a-0", Reason: reasonDeleteOldAttempt},
		{Kind: ActionDelete, Namespace: "prod", VMI: "vm-a", Migration: "a-1", Reason: reasonDeleteOldAttempt},
	}
	if d := cmp.Diff(want, plan.Delete); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	plan = NewPlanner(Policy{KeepFinalized: 4}, 0).Reconcile(Snapshot{Migrations: ms, Now: t0.Add(time.Hour)})
	if d := cmp.Diff([]string{"a-0", "a-1", "a-2", "b-0"}, names(plan.Delete)); d != "" {
		t.Errorf("keep 4: (-want +got)\n%s", d)
	}
}

func TestReconcileSkipDeniedEvictions(t *testing.T) {
	lm := v1.EvictionStrategyLiveMigrate
	// Ten VMIs the webhook will never let go, first in order, then five
	// that can be evicted.
	vmis := append(fleet("denied", 10, notMigratable("X"), evictionStrategy(lm)), fleet("ok", 5, notMigratable("X"))...)
	s := Snapshot{VMIs: vmis, Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}

	plan := NewPlanner(DefaultPolicy(), 0).Reconcile(s)
	if d := cmp.Diff(names2(vmis[10:]), names(plan.Evict)); d != "" {
		t.Errorf("default: (-want +got)\n%s", d)
	}
	if len(plan.Blockers) != 10 || plan.Progress.Blocked != 10 || plan.Progress.Evict != 5 {
		t.Errorf("default: %d blockers, progress %+v", len(plan.Blockers), plan.Progress)
	}
	plan = NewPlanner(KubeVirtPolicy(), 0).Reconcile(s)
	if d := cmp.Diff(names2(vmis[:10]), names(plan.Evict)); d != "" {
		t.Errorf("KubeVirt evicts them anyway: (-want +got)\n%s", d)
	}
}

func TestReconcileDecisionsAndProgress(t *testing.T) {
	ext := v1.EvictionStrategyExternal
	vmis := []*v1.VirtualMachineInstance{
		vmi("updated", upToDate),
		vmi("migrate-now"),
		vmi("migrating", migrating),
		vmi("evict", notMigratable("DisksNotLiveMigratable")),
		vmi("external", evictionStrategy(ext), notMigratable("X")),
		vmi("stopped", phase(v1.Succeeded)),
		nil,
	}
	done := []*v1.VirtualMachineInstanceMigration{
		mig("d1", "updated", v1.MigrationSucceeded, t0.Add(-time.Hour), endedAt(t0.Add(-time.Hour+2*time.Minute))),
		mig("d2", "updated", v1.MigrationSucceeded, t0.Add(-time.Hour), endedAt(t0.Add(-time.Hour+4*time.Minute))),
		mig("d3", "updated", v1.MigrationSucceeded, t0.Add(-time.Hour), endedAt(t0.Add(-time.Hour+3*time.Minute))),
		nil,
	}
	plan := NewPlanner(DefaultPolicy(), 0).Reconcile(Snapshot{VMIs: vmis, Migrations: done, Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0})
	type row struct {
		Name, Code, Cause string
		Method            Method
		Eviction          EvictionOutcome
		Now               bool
	}
	var got []row
	for _, d := range plan.Decisions {
		got = append(got, row{d.Name, string(d.Code), d.Cause, d.Method, d.Eviction, d.Now})
	}
	want := []row{
		{"migrate-now", "LiveMigrate", "", MethodLiveMigrate, "", true},
		{"migrating", "Migrating", "", MethodNone, "", false},
		{"evict", "EvictNotMigratable", "DisksNotLiveMigratable", MethodEvict, EvictionShutsDown, true},
		{"external", "EvictNotMigratable", "X", MethodEvict, EvictionExternal, false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decisions (-want +got)\n%s", d)
	}
	wantProgress := Progress{Running: 5, Updated: 1, Outdated: 4, Migrating: 1, Migrate: 1, Evict: 1, Blocked: 1,
		ObservedMigrations: 3, MedianMigration: 3 * time.Minute, ETA: 3 * time.Minute, ETAKnown: true}
	if d := cmp.Diff(wantProgress, plan.Progress); d != "" {
		t.Errorf("progress (-want +got)\n%s", d)
	}
}

func TestProgressETA(t *testing.T) {
	tests := []struct {
		reason    string
		p         Progress
		durations []time.Duration
		batch     int
		last      time.Time
		evictNow  int
		eta       time.Duration
		known     bool
	}{
		{"nothing left", Progress{}, nil, 10, time.Time{}, 0, 0, true},
		{"12 to migrate, 5 at a time, 2 min each: 3 waves", Progress{Migrate: 12}, []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute}, 10, time.Time{}, 0, 6 * time.Minute, true},
		{"migrations with none observed: unknown", Progress{Migrate: 1}, nil, 10, time.Time{}, 0, 0, false},
		{"25 to evict, 10 now: two more batches, the first one interval after this one", Progress{Evict: 25}, nil, 10, t0, 10, 2 * time.Minute, true},
		{"evictions with batch size 0: unknown", Progress{Evict: 3}, nil, 0, time.Time{}, 0, 0, false},
		{"the later of the two", Progress{Migrate: 5, Evict: 45}, []time.Duration{time.Minute}, 10, t0, 10, 4 * time.Minute, true},
	}
	for _, tt := range tests {
		got := tt.p.withETA(slices.Clone(tt.durations), 5, tt.batch, time.Minute, tt.last, t0, tt.evictNow)
		if got.ETA != tt.eta || got.ETAKnown != tt.known {
			t.Errorf("%s: ETA %v known %v, want %v %v", tt.reason, got.ETA, got.ETAKnown, tt.eta, tt.known)
		}
	}
}

func TestReconcileUsesItsClockWhenNowIsZero(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	p := Planner{Policy: DefaultPolicy(), Clock: clk}
	plan := p.Reconcile(Snapshot{VMIs: fleet("vm", 3, notMigratable("X")), Strategy: strategy(Evict), LauncherImage: newImage})
	if !plan.LastEvictionBatch.Equal(t0) {
		t.Errorf("LastEvictionBatch = %v, want the clock's %v", plan.LastEvictionBatch, t0)
	}
	var zero Planner
	if plan := zero.Reconcile(Snapshot{}); plan.Progress != (Progress{ETAKnown: true}) {
		t.Errorf("empty snapshot: %+v", plan.Progress)
	}
}
