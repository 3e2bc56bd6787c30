package workload_test

import (
	"fmt"
	"os"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// running returns a running VMI on an old launcher, live-migratable or not.
func running(name string, migratable bool) *v1.VirtualMachineInstance {
	status := corev1.ConditionTrue
	reason := ""
	if !migratable {
		status, reason = corev1.ConditionFalse, v1.VirtualMachineInstanceReasonDisksNotMigratable
	}
	yes := true
	return &v1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name,
			OwnerReferences: []metav1.OwnerReference{{Kind: "VirtualMachine", Name: name, Controller: &yes}}},
		Status: v1.VirtualMachineInstanceStatus{
			Phase: v1.Running, NodeName: "worker-" + name, LauncherContainerImageVersion: "virt-launcher:v1.8",
			Conditions: []v1.VirtualMachineInstanceCondition{{Type: v1.VirtualMachineInstanceIsMigratable, Status: status, Reason: reason}},
		},
	}
}

// Select applies KubeVirt's table: with both methods a migratable VMI
// migrates and the others are evicted; with LiveMigrate alone the others
// stay behind.
func ExampleSelect() {
	both := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodEvict, v1.WorkloadUpdateMethodLiveMigrate}}
	liveOnly := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}}
	for _, vmi := range []*v1.VirtualMachineInstance{running("web", true), running("db", false)} {
		fmt.Println(vmi.Name, workload.Select(vmi, both).Method, workload.Select(vmi, liveOnly).Code)
	}
	fmt.Println(workload.Select(running("web", true), v1.KubeVirtWorkloadUpdateStrategy{}).Reason)
	// Output:
	// web LiveMigrate LiveMigrate
	// db Evict NotMigratable
	// automatic workload updates are off: spec.workloadUpdateStrategy.workloadUpdateMethods names no method; add LiveMigrate (and Evict for VMIs that cannot migrate)
}

// Decide adds the outdated check: a VMI already on the target launcher is
// left alone.
func ExampleDecide() {
	s := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}}
	fmt.Println(workload.Decide(running("web", true), s, "virt-launcher:v1.9", nil).Method)
	fmt.Println(workload.Decide(running("web", true), s, "virt-launcher:v1.8", nil).Reason)
	// Output:
	// LiveMigrate
	// already runs the target launcher image
}

// Outdated compares the launcher images, or reads the label when an image
// is not known.
func ExampleOutdated() {
	vmi := running("web", true)
	fmt.Println(workload.Outdated(vmi, "virt-launcher:v1.9"), workload.Outdated(vmi, ""))
	vmi.Labels = map[string]string{v1.OutdatedLauncherImageLabel: ""}
	fmt.Println(workload.Outdated(vmi, ""))
	// Output:
	// true false
	// true
}

// What evicting the launcher pod really does depends on the eviction
// strategy.
func ExamplePredictEviction() {
	always := v1.RunStrategyAlways
	lm := v1.EvictionStrategyLiveMigrate
	for _, vmi := range []*v1.VirtualMachineInstance{running("web", true), running("db", false)} {
		p := workload.PredictEviction(vmi, &lm, &always)
		fmt.Println(vmi.Name, p.Strategy, p.Outcome, p.BlocksDrain)
	}
	none := v1.EvictionStrategyNone
	p := workload.PredictEviction(running("db", false), &none, &always)
	fmt.Println("db", p.Strategy, p.Outcome, p.Restart)
	// Output:
	// web LiveMigrate Migrates false
	// db LiveMigrate Denied true
	// db None ShutsDown Restarts
}

// A VMI that cannot migrate, with eviction strategy LiveMigrate, blocks node
// drains; the remedy is the documented workaround.
func ExampleFindBlocker() {
	vmi := running("db", false)
	lm := v1.EvictionStrategyLiveMigrate
	vmi.Spec.EvictionStrategy = &lm
	s := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}}
	b, _ := workload.FindBlocker(vmi, s, "virt-launcher:v1.9", nil)
	fmt.Println(b.Name, b.Cause, b.NeverUpdates, b.BlocksDrain)
	fmt.Println(b.Workaround)
	// Output:
	// db DisksNotLiveMigratable true true
	// remove evictionStrategy LiveMigrate from it (or use LiveMigrateIfPossible) and set runStrategy Always on its VirtualMachine, so it is powered off and restarted on the new launcher instead of blocking
}

// KubeVirt's own updater case: 50 migratable and 50 non-migratable VMIs,
// both methods, nothing running: 5 migrations and 10 evictions.
func ExamplePlanner_Reconcile() {
	var vmis []*v1.VirtualMachineInstance
	for i := range 50 {
		vmis = append(vmis, running("m"+strconv.Itoa(i), true), running("n"+strconv.Itoa(i), false))
	}
	p := workload.NewPlanner(workload.DefaultPolicy(), 1)
	plan := p.Reconcile(workload.Snapshot{
		VMIs:          vmis,
		Strategy:      v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate, v1.WorkloadUpdateMethodEvict}},
		LauncherImage: "virt-launcher:v1.9",
		Now:           start,
	})
	fmt.Println(len(plan.Migrate), "migrations,", len(plan.Evict), "evictions; look again in", plan.RequeueAfter.Round(time.Second))
	fmt.Printf("outdated %d, to migrate %d, to evict %d\n", plan.Progress.Outdated, plan.Progress.Migrate, plan.Progress.Evict)
	// Output:
	// 5 migrations, 10 evictions; look again in 30s
	// outdated 100, to migrate 50, to evict 50
}

// A controller keeps the batch time between passes (and persists it), so the
// Evict pace survives a restart; the fake clock stands in for time.
func ExamplePlanner_ReconcileInto() {
	clk := clocktesting.NewFakeClock(start)
	var vmis []*v1.VirtualMachineInstance
	for i := range 25 {
		vmis = append(vmis, running("n"+strconv.Itoa(i), false))
	}
	p := workload.Planner{Policy: workload.DefaultPolicy(), Clock: clk}
	s := workload.Snapshot{VMIs: vmis, LauncherImage: "virt-launcher:v1.9",
		Strategy: v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodEvict}}}
	var plan workload.Plan
	for range 3 {
		p.ReconcileInto(&plan, s)
		fmt.Println(clk.Since(start), "evict", len(plan.Evict))
		s.VMIs = s.VMIs[len(plan.Evict):] // their pods go away
		s.LastEvictionBatch = plan.LastEvictionBatch
		clk.Step(plan.RequeueAfter)
	}
	// Output:
	// 0s evict 10
	// 1m0.000000001s evict 10
	// 2m0.000000002s evict 5
}

// The wait before retrying a VMI whose migrations failed: KubeVirt's 20 s,
// doubling, with no cap; DefaultPolicy caps it at 320 s.
func ExampleBackoff_Delay() {
	var delays []time.Duration
	for n := 1; n <= 6; n++ {
		delays = append(delays, workload.Backoff{}.Delay(n))
	}
	fmt.Println("KubeVirt:", delays)
	capped := workload.DefaultPolicy().Backoff
	fmt.Println("DefaultPolicy, 6 failures:", capped.Delay(6))
	// Output:
	// KubeVirt: [20s 40s 1m20s 2m40s 5m20s 10m40s]
	// DefaultPolicy, 6 failures: 5m20s
}

// A target pod Unschedulable for five minutes fails the migration.
func ExamplePendingTimeouts_Check() {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(start)},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}},
	}
	m := &v1.VirtualMachineInstanceMigration{Status: v1.VirtualMachineInstanceMigrationStatus{Phase: v1.MigrationScheduling}}
	for _, after := range []time.Duration{4*time.Minute + 59*time.Second, 5 * time.Minute} {
		v := workload.PendingTimeouts{}.Check(m, pod, start.Add(after))
		fmt.Println(m.Status.Phase, after, v.Expired)
	}
	// Once the migration runs, its target pod no longer times out this way.
	m.Status.Phase = v1.MigrationRunning
	fmt.Println(m.Status.Phase, workload.PendingTimeouts{}.Check(m, pod, start.Add(time.Hour)).Expired)
	// Output:
	// Scheduling 4m59s false
	// Scheduling 5m0s true
	// Running false
}

// failed is a workload-update migration created at at that failed 30 s
// later.
func failed(name string, at time.Time) *v1.VirtualMachineInstanceMigration {
	return &v1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name, CreationTimestamp: metav1.NewTime(at),
			Annotations: map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""}},
		Spec: v1.VirtualMachineInstanceMigrationSpec{VMIName: "web"},
		Status: v1.VirtualMachineInstanceMigrationStatus{Phase: v1.MigrationFailed,
			PhaseTransitionTimestamps: []v1.VirtualMachineInstanceMigrationPhaseTransitionTimestamp{
				{Phase: v1.MigrationFailed, PhaseTransitionTimestamp: metav1.NewTime(at.Add(30 * time.Second))}}},
	}
}

// Failures counts the failed attempts since the last success and gives the
// backoff clock, the newest one's failure; NextAttempt is when the next may
// start: two failures, so 40 s after the clock.
func ExampleFailures() {
	ms := []*v1.VirtualMachineInstanceMigration{failed("a", start), failed("b", start.Add(time.Minute))}
	n, clock := workload.Failures(ms)
	fmt.Println(n, clock.Sub(start), workload.Backoff{}.NextAttempt(ms).Sub(start))
	// Output:
	// 2 1m30s 2m10s
}

// Only the five most recent finalized attempts are kept.
func ExampleSuperseded() {
	var ms []*v1.VirtualMachineInstanceMigration
	for i := range 7 {
		ms = append(ms, failed("attempt-"+strconv.Itoa(i), start.Add(time.Duration(i)*time.Minute)))
	}
	for _, m := range workload.Superseded(ms, workload.DefaultKeepFinalizedMigrations) {
		fmt.Println("delete", m.Name)
	}
	// Output:
	// delete attempt-0
	// delete attempt-1
}

// The migration object to create for a VMI, as KubeVirt's updater makes it.
func ExampleNewMigration() {
	m := workload.NewMigration(running("web", true))
	fmt.Println(m.Namespace, m.GenerateName, m.Spec.VMIName, *m.Spec.Priority)
	// Output:
	// prod kubevirt-workload-update- web system-critical
}

// ReadVMIList reads `kubectl get vmi -A -o json`.
func ExampleReadVMIList() {
	data, err := os.ReadFile("testdata/vmis.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	vmis, err := workload.ReadVMIList(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(vmis), vmis[1].Name, vmis[1].IsMigratable())
	_, err = workload.ReadVMIList([]byte(`{"kind": "PodList", "items": []}`))
	fmt.Println(err)
	// Output:
	// 5 db-0 false
	// VMI list: field "kind" is "PodList"; want "List" or "VirtualMachineInstanceList" (the output of kubectl get vmi -A -o json)
}

// ParseMethods reads a --methods flag; ValidateStrategy checks a strategy.
func ExampleParseMethods() {
	ms, err := workload.ParseMethods("LiveMigrate,Evict")
	fmt.Println(ms, err)
	_, err = workload.ParseMethods("LiveMigrate,Shutdown")
	fmt.Println(err)
	fmt.Println(workload.ValidateStrategy(v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{"Restart"}}))
	// Output:
	// [LiveMigrate Evict] <nil>
	// "Shutdown" is not a workload update method; use LiveMigrate and/or Evict (case matters)
	// workloadUpdateMethods[0]: "Restart" is not a workload update method; use LiveMigrate and/or Evict (case matters)
}

// Composition on the planner alone: a Strategy that never evicts VMs
// labelled critical. The planner still migrates a critical VM that can
// migrate; one that cannot stays on its old launcher, with the Strategy's
// reason, instead of being shut down. Every other VMI gets KubeVirt's
// table.
func ExampleStrategy() {
	neverEvictCritical := workload.StrategyFunc(func(vmi *v1.VirtualMachineInstance, m workload.Methods) workload.Decision {
		d := workload.KubeVirtTable{}.Select(vmi, m)
		if d.Method == workload.MethodEvict && vmi.Labels["critical"] == "true" {
			return workload.Decision{Method: workload.MethodNone, Code: "Critical",
				Reason: "labelled critical: never evicted; restart it in its maintenance window"}
		}
		return d
	})
	web, db, batch := running("web", true), running("db", false), running("batch", false)
	web.Labels = map[string]string{"critical": "true"}
	db.Labels = map[string]string{"critical": "true"}

	p := workload.Planner{Policy: workload.DefaultPolicy(), Strategy: neverEvictCritical}
	plan := p.Reconcile(workload.Snapshot{
		VMIs:          []*v1.VirtualMachineInstance{web, db, batch},
		Strategy:      v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate, v1.WorkloadUpdateMethodEvict}},
		LauncherImage: "virt-launcher:v1.9",
		Now:           start,
	})
	for _, d := range plan.Decisions {
		fmt.Println(d.Name, d.Method, d.Code, "now:", d.Now)
	}
	fmt.Println(plan.Decisions[1].Reason)
	// Output:
	// web LiveMigrate LiveMigrate now: true
	// db None Critical now: false
	// batch Evict EvictNotMigratable now: true
	// labelled critical: never evicted; restart it in its maintenance window
}

// A first-that-applies chain: a freeze for one namespace, then KubeVirt's
// table for everything else.
func ExampleFirstOf() {
	freeze := workload.StrategyFunc(func(vmi *v1.VirtualMachineInstance, _ workload.Methods) workload.Decision {
		if vmi != nil && vmi.Namespace == "finance" {
			return workload.Decision{Method: workload.MethodNone, Code: "Frozen", Reason: "finance is frozen until the quarter closes"}
		}
		return workload.Decision{} // no opinion: the next strategy decides
	})
	chain := workload.FirstOf{freeze, workload.KubeVirtTable{}}
	ledger, web := running("ledger", true), running("web", true)
	ledger.Namespace = "finance"
	m := workload.Methods{LiveMigrate: true}
	for _, vmi := range []*v1.VirtualMachineInstance{ledger, web} {
		d := chain.Select(vmi, m)
		fmt.Println(vmi.Namespace+"/"+vmi.Name, d.Method, d.Code)
	}
	// Output:
	// finance/ledger None Frozen
	// prod/web LiveMigrate LiveMigrate
}

// Composition on the planner alone: a priority order by namespace. With two
// migration slots, the VMIs of prod go first; with a disruption budget of
// one VMI per namespace as well, prod and dev get one slot each.
func ExampleAdmission() {
	var vmis []*v1.VirtualMachineInstance
	for i, ns := range []string{"dev", "dev", "prod", "test", "prod", "dev"} {
		vmi := running(fmt.Sprintf("vm-%d", i), true)
		vmi.Namespace = ns
		vmis = append(vmis, vmi)
	}
	two := uint32(2)
	s := workload.Snapshot{
		VMIs:            vmis,
		Strategy:        v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}},
		MigrationConfig: v1.MigrationConfiguration{ParallelMigrationsPerCluster: &two},
		LauncherImage:   "virt-launcher:v1.9",
		Now:             start,
	}
	for _, a := range []workload.Admission{
		workload.NamespaceOrder{"prod", "dev"},
		workload.Admissions{workload.NamespaceOrder{"prod", "dev"}, workload.NamespaceBudget{Max: 1}},
	} {
		p := workload.Planner{Policy: workload.DefaultPolicy(), Seed: 1, Admission: a}
		var picked []string
		for _, m := range p.Reconcile(s).Migrate {
			picked = append(picked, m.Namespace+"/"+m.VMI)
		}
		fmt.Println(picked)
	}
	// Output:
	// [prod/vm-2 prod/vm-4]
	// [dev/vm-0 prod/vm-4]
}

// Retry policies compose: a longer backoff for large VMs, every wait capped
// at ten minutes. Set it as Policy.Retry.
func ExampleRetryPolicy() {
	bySize := workload.PerVMI(func(vmi *v1.VirtualMachineInstance) workload.RetryPolicy {
		if vmi != nil && vmi.Labels["size"] == "large" {
			return workload.Backoff{Initial: 2 * time.Minute}
		}
		return nil // KubeVirt's backoff
	})
	policy := workload.DefaultPolicy()
	policy.Retry = workload.Capped{Policy: workload.MaxOf{workload.Backoff{}, bySize}, Max: 10 * time.Minute}

	small, large := running("web", true), running("db", true)
	large.Labels = map[string]string{"size": "large"}
	for _, vmi := range []*v1.VirtualMachineInstance{small, large} {
		var waits []time.Duration
		for n := 1; n <= 5; n++ {
			waits = append(waits, policy.Retry.When(vmi, n))
		}
		fmt.Println(vmi.Name, waits)
	}
	// Output:
	// web [20s 40s 1m20s 2m40s 5m20s]
	// db [2m0s 4m0s 8m0s 10m0s 10m0s]
}
