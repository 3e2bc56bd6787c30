package workload

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	v1 "kubevirt.io/api/core/v1"
)

func inNamespace(ns string) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) { v.Namespace = ns }
}

func labelled(k, val string) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) { v.Labels[k] = val }
}

// queueOf builds a queue of LiveMigrate entries as the planner would.
func queueOf(vmis ...*v1.VirtualMachineInstance) []Disruption {
	q := make([]Disruption, len(vmis))
	for i, v := range vmis {
		q[i] = Disruption{VMI: v, Method: MethodLiveMigrate, decision: i + 1}
	}
	return q
}

func queueNames(q []Disruption) []string {
	var out []string
	for _, d := range q {
		out = append(out, d.VMI.Namespace+"/"+d.VMI.Name)
	}
	return out
}

func TestNamespaceOrder(t *testing.T) {
	q := func() []Disruption {
		return queueOf(vmi("a", inNamespace("dev")), vmi("b", inNamespace("prod")), vmi("c", inNamespace("test")),
			vmi("d", inNamespace("prod")), vmi("e", inNamespace("dev")))
	}
	for _, tt := range []struct {
		reason string
		order  NamespaceOrder
		want   []string
	}{
		{"the nil order keeps the queue's", nil, []string{"dev/a", "prod/b", "test/c", "prod/d", "dev/e"}},
		{"listed namespaces first, the queue's order kept within one", NamespaceOrder{"prod"}, []string{"prod/b", "prod/d", "dev/a", "test/c", "dev/e"}},
		{"in the order listed, then the others", NamespaceOrder{"test", "prod"}, []string{"test/c", "prod/b", "prod/d", "dev/a", "dev/e"}},
		{"a namespace listed twice keeps its first place", NamespaceOrder{"dev", "prod", "dev"}, []string{"dev/a", "dev/e", "prod/b", "prod/d", "test/c"}},
		{"namespaces not in the queue change nothing", NamespaceOrder{"staging"}, []string{"dev/a", "prod/b", "test/c", "prod/d", "dev/e"}},
	} {
		got := tt.order.Admit(q(), nil)
		if d := cmp.Diff(tt.want, queueNames(got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, d)
		}
	}
}

func TestLabelOrder(t *testing.T) {
	const key = "example.com/tier"
	q := queueOf(vmi("a"), vmi("b", labelled(key, "gold")), vmi("c", labelled(key, "bronze")), vmi("d", labelled(key, "silver")), vmi("e", labelled(key, "gold")))
	got := LabelOrder{Key: key, Values: []string{"gold", "silver"}}.Admit(q, nil)
	if d := cmp.Diff([]string{"prod/b", "prod/e", "prod/d", "prod/a", "prod/c"}, queueNames(got)); d != "" {
		t.Errorf("by the label's rank, unlabelled and unlisted last, stable (-want +got):\n%s", d)
	}
	q = queueOf(vmi("a"), vmi("b", labelled(key, "gold")))
	if d := cmp.Diff([]string{"prod/a", "prod/b"}, queueNames(LabelOrder{Values: []string{"gold"}}.Admit(q, nil))); d != "" {
		t.Errorf("no Key keeps the queue's order (-want +got):\n%s", d)
	}
}

func TestNamespaceBudget(t *testing.T) {
	q := func() []Disruption {
		return queueOf(vmi("a1", inNamespace("a")), vmi("a2", inNamespace("a")), vmi("b1", inNamespace("b")),
			vmi("a3", inNamespace("a")), vmi("b2", inNamespace("b")), vmi("c1", inNamespace("c")))
	}
	busyB := []*v1.VirtualMachineInstance{vmi("b0", inNamespace("b"))}
	for _, tt := range []struct {
		reason    string
		budget    NamespaceBudget
		disrupted []*v1.VirtualMachineInstance
		want      []string
	}{
		{"the zero budget lets one VMI per namespace be disrupted", NamespaceBudget{}, nil, []string{"a/a1", "b/b1", "c/c1"}},
		{"Max 2", NamespaceBudget{Max: 2}, nil, []string{"a/a1", "a/a2", "b/b1", "b/b2", "c/c1"}},
		{"VMIs already disrupted take their namespace's places", NamespaceBudget{}, busyB, []string{"a/a1", "c/c1"}},
		{"PerNamespace overrides Max", NamespaceBudget{Max: 1, PerNamespace: map[string]int{"a": 3}}, nil, []string{"a/a1", "a/a2", "b/b1", "a/a3", "c/c1"}},
		{"zero or negative is the default, 1", NamespaceBudget{Max: -4, PerNamespace: map[string]int{"a": 0}}, nil, []string{"a/a1", "b/b1", "c/c1"}},
	} {
		got := tt.budget.Admit(q(), tt.disrupted)
		if d := cmp.Diff(tt.want, queueNames(got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, d)
		}
	}
	if got := (NamespaceBudget{}).Admit(nil, busyB); len(got) != 0 {
		t.Errorf("an empty queue stays empty: %v", got)
	}
}

func TestAdmissionsChain(t *testing.T) {
	q := queueOf(vmi("a1", inNamespace("a")), vmi("b1", inNamespace("b")), vmi("b2", inNamespace("b")), vmi("a2", inNamespace("a")))
	got := Admissions{nil, NamespaceOrder{"b"}, AdmissionFunc(nil), NamespaceBudget{}}.Admit(q, nil)
	if d := cmp.Diff([]string{"b/b1", "a/a1"}, queueNames(got)); d != "" {
		t.Errorf("order, then budget (-want +got):\n%s", d)
	}
	if got := (Admissions{}).Admit(queueOf(vmi("x")), nil); len(got) != 1 {
		t.Errorf("the empty chain admits all: %v", queueNames(got))
	}
}

// A pass-through Admission plans exactly as none: the admission path picks
// in the planner's own order and applies the same caps.
func TestPlannerPassThroughAdmissionIsDefault(t *testing.T) {
	pass := AdmissionFunc(func(q []Disruption, _ []*v1.VirtualMachineInstance) []Disruption { return q })
	for _, tt := range []struct {
		reason string
		s      Snapshot
		policy Policy
	}{
		{"KubeVirt's fleet, KubeVirt's policy", Snapshot{VMIs: kubevirtFleet(), Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}, KubeVirtPolicy()},
		{"KubeVirt's fleet, default policy", Snapshot{VMIs: kubevirtFleet(), Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}, DefaultPolicy()},
		{"a realistic cluster with a history, per-node caps", realisticCluster(4000), DefaultPolicy()},
		{"an Evict batch not due yet", Snapshot{VMIs: kubevirtFleet(), Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0, LastEvictionBatch: t0.Add(-10 * time.Second)}, DefaultPolicy()},
		{"batch size 0", Snapshot{VMIs: kubevirtFleet(), Strategy: v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{Evict}, BatchEvictionSize: ptr(0)}, LauncherImage: newImage, Now: t0}, DefaultPolicy()},
	} {
		for seed := range uint64(4) {
			a := Planner{Policy: tt.policy, Seed: seed}
			b := Planner{Policy: tt.policy, Seed: seed, Admission: pass}
			for pass := range 2 { // the second pass runs with the expectations of the first
				pa, pb := a.Reconcile(tt.s), b.Reconcile(tt.s)
				if d := cmp.Diff(pa, pb, cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("%s, seed %d, pass %d: (-none +pass-through):\n%s", tt.reason, seed, pass, d)
				}
			}
		}
	}
}

func TestPlannerNamespaceBudget(t *testing.T) {
	var vmis []*v1.VirtualMachineInstance
	for i := range 4 {
		vmis = append(vmis, vmi(fmt.Sprintf("a%d", i), inNamespace("a"), onNode(fmt.Sprintf("n%d", i))))
		vmis = append(vmis, vmi(fmt.Sprintf("b%d", i), inNamespace("b"), onNode(fmt.Sprintf("m%d", i))))
	}
	// a0 is already migrating: namespace a has no room left.
	running := mig("running", "a0", v1.MigrationRunning, t0.Add(-time.Minute))
	running.Namespace = "a"
	s := Snapshot{VMIs: vmis, Migrations: []*v1.VirtualMachineInstanceMigration{running}, Strategy: strategy(LM), LauncherImage: newImage, Now: t0}
	p := Planner{Policy: DefaultPolicy(), Admission: NamespaceBudget{}}
	plan := p.Reconcile(s)
	if len(plan.Migrate) != 1 || plan.Migrate[0].Namespace != "b" {
		t.Fatalf("one migration, in namespace b: %+v", plan.Migrate)
	}
	held := 0
	for _, d := range plan.Decisions {
		if d.Reason == reasonHeld {
			held++
			if d.Method != MethodLiveMigrate || d.Now {
				t.Errorf("a held VMI keeps its method and waits: %+v", d)
			}
		}
	}
	if held != 6 {
		t.Errorf("the other 6 candidates are held by the budget: %d", held)
	}
	if plan.RequeueAfter != DefaultResync {
		t.Errorf("look again after the resync: %s", plan.RequeueAfter)
	}

	// The next pass does not show the planned migration yet: the
	// expectation holds b's place.
	s.Now = t0.Add(time.Second)
	if plan := p.Reconcile(s); len(plan.Migrate) != 0 {
		t.Errorf("a planned migration not seen yet counts as disrupted: %+v", plan.Migrate)
	}
	// Then it shows it, Pending: b is still full.
	created := mig("created", plan.Migrate[0].VMI, v1.MigrationPending, t0)
	created.Namespace = "b"
	s.Migrations = append(s.Migrations, created)
	s.Now = t0.Add(2 * time.Second)
	if plan := p.Reconcile(s); len(plan.Migrate) != 0 || p.Expecting() != 0 {
		t.Errorf("both namespaces are at their budget: %+v (expecting %d)", plan.Migrate, p.Expecting())
	}
}

func TestPlannerNamespaceBudgetEvictions(t *testing.T) {
	pinned := notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)
	vmis := []*v1.VirtualMachineInstance{vmi("a1", inNamespace("a"), pinned), vmi("a2", inNamespace("a"), pinned), vmi("b1", inNamespace("b"), pinned)}
	// b's other VM is restarting after an eviction: its new VMI is Scheduling.
	vmis = append(vmis, vmi("b0", inNamespace("b"), phase(v1.Scheduling)))
	last := t0.Add(-2 * time.Minute)
	s := Snapshot{VMIs: vmis, Strategy: strategy(Evict), LauncherImage: newImage, Now: t0, LastEvictionBatch: last}
	plan := (&Planner{Admission: NamespaceBudget{}}).Reconcile(s)
	if d := cmp.Diff([]string{"a1"}, names(plan.Evict)); d != "" {
		t.Errorf("one eviction in a, none in b (-want +got):\n%s", d)
	}
	if !plan.LastEvictionBatch.Equal(t0) {
		t.Errorf("a batch was issued: %s", plan.LastEvictionBatch)
	}
	if want := DefaultResync; plan.RequeueAfter != want {
		t.Errorf("the held VMIs are looked at again after the resync: %s, want %s", plan.RequeueAfter, want)
	}

	// A due batch the budget holds back entirely keeps the batch clock.
	s.VMIs = []*v1.VirtualMachineInstance{vmi("b1", inNamespace("b"), pinned), vmi("b0", inNamespace("b"), phase(v1.Scheduling))}
	plan = (&Planner{Admission: NamespaceBudget{}}).Reconcile(s)
	if len(plan.Evict) != 0 || !plan.LastEvictionBatch.Equal(last) || plan.RequeueAfter != DefaultResync {
		t.Errorf("held batch: evict %v, clock %s, requeue %s", names(plan.Evict), plan.LastEvictionBatch, plan.RequeueAfter)
	}
	if plan.Decisions[0].Reason != reasonHeld {
		t.Errorf("the held VMI says why: %q", plan.Decisions[0].Reason)
	}
}

func TestPlannerNamespaceOrder(t *testing.T) {
	var vmis []*v1.VirtualMachineInstance
	for i := range 10 {
		ns := "dev"
		if i%3 == 0 {
			ns = "prod"
		}
		vmis = append(vmis, vmi(fmt.Sprintf("vm-%d", i), inNamespace(ns), onNode(fmt.Sprintf("n%d", i))))
	}
	s := Snapshot{VMIs: vmis, Strategy: strategy(LM), LauncherImage: newImage, Now: t0,
		MigrationConfig: v1.MigrationConfiguration{ParallelMigrationsPerCluster: ptr(uint32(4))}}
	for seed := range uint64(5) {
		plan := (&Planner{Seed: seed, Admission: NamespaceOrder{"prod"}}).Reconcile(s)
		prod := 0
		for _, a := range plan.Migrate {
			if a.Namespace == "prod" {
				prod++
			}
		}
		if len(plan.Migrate) != 4 || prod != 4 {
			t.Errorf("seed %d: the four prod VMIs take the four slots: %v", seed, plan.Migrate)
		}
	}
}

// The planner tolerates an Admission that returns what it was not given:
// entries of its own making and repeated entries are ignored, never acted on
// twice.
func TestPlannerIgnoresForeignAndRepeatedEntries(t *testing.T) {
	rogue := AdmissionFunc(func(q []Disruption, _ []*v1.VirtualMachineInstance) []Disruption {
		out := []Disruption{{VMI: vmi("ghost"), Method: MethodLiveMigrate}}
		return append(append(out, q...), q...)
	})
	s := Snapshot{VMIs: kubevirtFleet(), Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}
	plan := (&Planner{Policy: DefaultPolicy(), Admission: rogue}).Reconcile(s)
	if len(plan.Migrate) != 5 || len(plan.Evict) != 10 {
		t.Errorf("the caps hold: %d migrations, %d evictions", len(plan.Migrate), len(plan.Evict))
	}
	seen := map[string]bool{}
	for _, a := range append(plan.Migrate, plan.Evict...) {
		if seen[a.VMI] || a.VMI == "ghost" {
			t.Errorf("acted on %s twice, or on a VMI not in the snapshot", a.VMI)
		}
		seen[a.VMI] = true
	}
}

func TestPlannerDisruptedVMIs(t *testing.T) {
	var got []string
	spy := AdmissionFunc(func(q []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption {
		for _, v := range disrupted {
			got = append(got, v.Name)
		}
		return q
	})
	unfinished := mig("m", "with-migration", v1.MigrationPending, t0)
	s := Snapshot{
		VMIs: []*v1.VirtualMachineInstance{
			vmi("candidate"),
			vmi("migrating", migrating),
			vmi("with-migration"),
			vmi("deleting", deleting),
			vmi("starting", phase(v1.Scheduling)),
			vmi("stopped", phase(v1.Succeeded)),
			vmi("up-to-date", upToDate),
			nil,
		},
		Migrations: []*v1.VirtualMachineInstanceMigration{unfinished},
		Strategy:   strategy(LM), LauncherImage: newImage, Now: t0,
	}
	(&Planner{Admission: spy}).Reconcile(s)
	if d := cmp.Diff([]string{"migrating", "with-migration", "deleting", "starting"}, got); d != "" {
		t.Errorf("disrupted VMIs (-want +got):\n%s", d)
	}
}
