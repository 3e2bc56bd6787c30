package workload

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "kubevirt.io/api/core/v1"
)

// trackerWorld is a random cluster that changes step by step, seen both as a
// Snapshot (for Planner.ReconcileInto) and through a Tracker told of every
// change.
type trackerWorld struct {
	rng      *rand.Rand
	vmis     map[vmiKey]*v1.VirtualMachineInstance
	migs     map[vmiKey]*v1.VirtualMachineInstanceMigration // by namespace and name
	settings Settings
	tracker  *Tracker
	names    int
}

var (
	worldNamespaces = []string{"a", "b", "prod"}
	worldNodes      = []string{"", "n1", "n2", "n3", "n4"}
	worldImages     = []string{"", oldImage, newImage}
)

func (w *trackerWorld) pick(n int) int { return w.rng.IntN(n) }

func (w *trackerWorld) randomVMI(k vmiKey) *v1.VirtualMachineInstance {
	v := vmi(k.name)
	v.Namespace = k.namespace
	w.mutateVMI(v)
	w.mutateVMI(v)
	return v
}

// mutateVMI changes one thing of a VMI, in place.
func (w *trackerWorld) mutateVMI(v *v1.VirtualMachineInstance) {
	switch w.pick(10) {
	case 0:
		v.Status.Phase = []v1.VirtualMachineInstancePhase{v1.Running, v1.Running, v1.Running, v1.Succeeded, v1.Scheduling}[w.pick(5)]
	case 1:
		v.Status.LauncherContainerImageVersion = worldImages[w.pick(len(worldImages))]
	case 2:
		if w.pick(2) == 0 {
			v.Labels[v1.OutdatedLauncherImageLabel] = ""
		} else {
			delete(v.Labels, v1.OutdatedLauncherImageLabel)
		}
	case 3:
		switch w.pick(3) {
		case 0:
			notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)(v)
		case 1:
			v.Status.Conditions = slices.DeleteFunc(slices.Clone(v.Status.Conditions), func(c v1.VirtualMachineInstanceCondition) bool {
				return c.Type == v1.VirtualMachineInstanceIsMigratable
			})
		default:
			v.Status.Conditions = append(slices.DeleteFunc(slices.Clone(v.Status.Conditions), func(c v1.VirtualMachineInstanceCondition) bool {
				return c.Type == v1.VirtualMachineInstanceIsMigratable
			}), v1.VirtualMachineInstanceCondition{Type: v1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue})
		}
	case 4:
		strategies := []v1.EvictionStrategy{v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal}
		if i := w.pick(5); i < 4 {
			v.Spec.EvictionStrategy = &strategies[i]
		} else {
			v.Spec.EvictionStrategy = nil
		}
	case 5, 6:
		v.Status.NodeName = worldNodes[w.pick(len(worldNodes))]
	case 7:
		ts := metav1.NewTime(w.settings.Now.Add(-time.Minute))
		switch w.pick(3) {
		case 0:
			v.Status.MigrationState = nil
		case 1:
			v.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{StartTimestamp: &ts, SourceNode: v.Status.NodeName}
		default:
			v.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{StartTimestamp: &ts, EndTimestamp: &ts, Completed: true}
			if w.pick(2) == 0 {
				v.Status.MigrationState.TargetNodeDomainReadyTimestamp = &ts
			}
		}
	case 8:
		if w.pick(4) == 0 {
			ts := metav1.NewTime(w.settings.Now)
			v.DeletionTimestamp = &ts
		} else {
			v.DeletionTimestamp = nil
		}
	case 9:
		if v.Annotations == nil {
			v.Annotations = map[string]string{}
		}
		if w.pick(2) == 0 {
			v.Annotations[v1.WorkloadUpdateMigrationAbortionAnnotation] = ""
		} else {
			delete(v.Annotations, v1.WorkloadUpdateMigrationAbortionAnnotation)
		}
	}
}

// randomMigration picks an existing migration, in a reproducible way.
func (w *trackerWorld) randomMigration() (vmiKey, bool) {
	if len(w.migs) == 0 {
		return vmiKey{}, false
	}
	keys := slices.SortedFunc(maps.Keys(w.migs), compareVMIKeys)
	return keys[w.pick(len(keys))], true
}

func compareVMIKeys(a, b vmiKey) int {
	return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
}

func (w *trackerWorld) newMigration(vk vmiKey) *v1.VirtualMachineInstanceMigration {
	w.names++
	created := w.settings.Now.Add(-time.Duration(w.pick(3600)) * time.Second)
	m := mig(fmt.Sprintf("m-%04d", w.names), vk.name, v1.MigrationPending, created)
	m.Namespace = vk.namespace
	switch w.pick(5) {
	case 0:
		userMigration(m)
	case 1:
		m.Annotations = map[string]string{v1.EvacuationMigrationAnnotation: ""}
	}
	w.mutateMigration(m)
	w.mutateMigration(m)
	return m
}

// mutateMigration changes one thing of a migration, in place.
func (w *trackerWorld) mutateMigration(m *v1.VirtualMachineInstanceMigration) {
	switch w.pick(5) {
	case 0, 1:
		phases := []v1.VirtualMachineInstanceMigrationPhase{v1.MigrationPhaseUnset, v1.MigrationPending, v1.MigrationScheduling,
			v1.MigrationRunning, v1.MigrationSucceeded, v1.MigrationFailed, v1.MigrationFailed, v1.MigrationFailed, v1.MigrationFailed}
		m.Status.Phase = phases[w.pick(len(phases))]
		if m.IsFinal() {
			at := m.CreationTimestamp.Add(time.Duration(w.pick(600)) * time.Second)
			m.Status.PhaseTransitionTimestamps = append(slices.Clone(m.Status.PhaseTransitionTimestamps),
				v1.VirtualMachineInstanceMigrationPhaseTransitionTimestamp{Phase: m.Status.Phase, PhaseTransitionTimestamp: metav1.NewTime(at)})
		}
	case 2:
		if w.pick(2) == 0 {
			m.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{SourceNode: worldNodes[w.pick(len(worldNodes))], FailureReason: "boom"}
		} else {
			m.Status.MigrationState = nil
		}
	case 3:
		if w.pick(5) == 0 {
			ts := metav1.NewTime(w.settings.Now)
			m.DeletionTimestamp = &ts
		} else {
			m.DeletionTimestamp = nil
		}
	case 4:
		m.CreationTimestamp = metav1.NewTime(w.settings.Now.Add(-time.Duration(w.pick(3600)) * time.Second))
	}
}

func (w *trackerWorld) randomKey() vmiKey {
	return vmiKey{worldNamespaces[w.pick(len(worldNamespaces))], fmt.Sprintf("vm-%02d", w.pick(20))}
}

// step changes the world a little and tells the tracker.
func (w *trackerWorld) step() {
	for range 1 + w.pick(4) {
		switch w.pick(12) {
		case 0, 1:
			k := w.randomKey()
			v := w.randomVMI(k)
			w.vmis[k] = v
			w.tracker.SetVMI(v)
		case 2:
			k := w.randomKey()
			if w.vmis[k] != nil {
				delete(w.vmis, k)
				w.tracker.DeleteVMI(k.namespace, k.name)
			}
		case 3, 4, 5:
			if v := w.vmis[w.randomKey()]; v != nil {
				w.mutateVMI(v)
				w.tracker.SetVMI(v)
			}
		case 6, 7:
			m := w.newMigration(w.randomKey())
			w.migs[vmiKey{m.Namespace, m.Name}] = m
			w.tracker.SetMigration(m)
		case 8, 9:
			if k, ok := w.randomMigration(); ok {
				m := w.migs[k]
				if w.pick(3) == 0 {
					// a new object in place of the old one
					m = m.DeepCopy()
					w.migs[k] = m
				}
				w.mutateMigration(m)
				w.tracker.SetMigration(m)
			}
		case 10:
			if k, ok := w.randomMigration(); ok {
				delete(w.migs, k)
				w.tracker.DeleteMigration(k.namespace, k.name)
			}
		case 11:
			w.changeSettings()
		}
	}
	switch w.pick(20) {
	case 0: // time stands still
	case 1:
		w.settings.Now = w.settings.Now.Add(-time.Duration(w.pick(120)) * time.Second)
	default:
		w.settings.Now = w.settings.Now.Add(time.Duration(w.pick(90)) * time.Second)
	}
}

func (w *trackerWorld) changeSettings() {
	s := &w.settings
	switch w.pick(6) {
	case 0:
		methods := [][]v1.WorkloadUpdateMethod{nil, {LM}, {Evict}, {LM, Evict}, {LM, Evict}}
		s.Strategy.WorkloadUpdateMethods = methods[w.pick(len(methods))]
	case 1:
		strategies := []v1.EvictionStrategy{v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal}
		if i := w.pick(5); i < 4 {
			s.ClusterEvictionStrategy = &strategies[i]
		} else {
			s.ClusterEvictionStrategy = nil
		}
	case 2:
		s.LauncherImage = worldImages[w.pick(len(worldImages))]
	case 3:
		s.Strategy.BatchEvictionSize = ptr(w.pick(4))
		s.Strategy.BatchEvictionInterval = &metav1.Duration{Duration: time.Duration(w.pick(3)) * 30 * time.Second}
	case 4:
		s.MigrationConfig.ParallelMigrationsPerCluster = ptr(uint32(w.pick(6)))
		s.MigrationConfig.ParallelOutboundMigrationsPerNode = ptr(uint32(w.pick(3)))
	case 5:
		s.LastEvictionBatch = s.Now.Add(-time.Duration(w.pick(120)) * time.Second)
	}
}

func (w *trackerWorld) snapshot() Snapshot {
	keys := slices.SortedFunc(maps.Keys(w.vmis), compareVMIKeys)
	s := Snapshot{Strategy: w.settings.Strategy, MigrationConfig: w.settings.MigrationConfig, ClusterEvictionStrategy: w.settings.ClusterEvictionStrategy,
		LauncherImage: w.settings.LauncherImage, LastEvictionBatch: w.settings.LastEvictionBatch, Now: w.settings.Now}
	for _, k := range keys {
		s.VMIs = append(s.VMIs, w.vmis[k])
	}
	for _, m := range w.migs {
		s.Migrations = append(s.Migrations, m)
	}
	// In any order: the planner must not care.
	w.rng.Shuffle(len(s.Migrations), func(i, j int) { s.Migrations[i], s.Migrations[j] = s.Migrations[j], s.Migrations[i] })
	return s
}

// actions is what a Tracker's plan carries.
func actions(p Plan) Plan {
	return Plan{Migrate: p.Migrate, Evict: p.Evict, Abort: p.Abort, Delete: p.Delete, Stuck: p.Stuck,
		LastEvictionBatch: p.LastEvictionBatch, RequeueAfter: p.RequeueAfter}
}

// The Tracker plans exactly as Planner.ReconcileInto over a snapshot of the
// same objects, step after step of random changes, for KubeVirt's policy,
// ours and others: the same actions, stuck VMIs, batch clock and requeue,
// and the same creation expectations afterwards.
func TestTrackerPlansAsThePlanner(t *testing.T) {
	// A Strategy that evicts the VMIs of namespace b and leaves vm-00 of
	// every namespace alone; a retry wait that is longer in namespace prod.
	custom := StrategyFunc(func(vmi *v1.VirtualMachineInstance, m Methods) Decision {
		switch {
		case vmi.Name == "vm-00":
			return Decision{MethodNone, "Custom", "left alone"}
		case vmi.Namespace == "b":
			return Decision{MethodEvict, "Custom", "evicted"}
		}
		return Decision{}
	})
	retry := PerVMI(func(vmi *v1.VirtualMachineInstance) RetryPolicy {
		if vmi != nil && vmi.Namespace == "prod" {
			return MaxOf{Backoff{Initial: time.Minute}, Backoff{Factor: 3}}
		}
		return nil
	})
	policies := []struct {
		reason    string
		policy    Policy
		strategy  Strategy
		admission Admission
	}{
		{"KubeVirt's rules", KubeVirtPolicy(), nil, nil},
		{"our default policy", DefaultPolicy(), nil, nil},
		{"our default policy, stuck after 3, keep 3", Policy{CountPendingMigrations: true, LimitPerNode: true, SkipDeniedEvictions: true, StuckAfter: 3, KeepFinalized: 3, Backoff: Backoff{Max: DefaultBackoffMax}}, nil, nil},
		{"per-node cap without counting pending migrations, stuck after 2, keep 2", Policy{LimitPerNode: true, StuckAfter: 2, KeepFinalized: 2}, nil, nil},
		{"counting pending migrations, no per-node cap, short expectations", Policy{CountPendingMigrations: true, SkipDeniedEvictions: true, ExpectationTimeout: time.Minute, Resync: 10 * time.Second}, nil, nil},
		{"a Strategy and a retry policy per VMI", Policy{LimitPerNode: true, StuckAfter: 4, Retry: retry}, custom, nil},
		{"an Admission: a full pass", DefaultPolicy(), nil, Admissions{NamespaceOrder{"prod"}, NamespaceBudget{Max: 2}}},
	}
	for _, tt := range policies {
		for seed := range uint64(25) {
			rng := rand.New(rand.NewPCG(seed, 99))
			reference := &Planner{Policy: tt.policy, Seed: seed, Strategy: tt.strategy, Admission: tt.admission}
			w := &trackerWorld{rng: rng, vmis: map[vmiKey]*v1.VirtualMachineInstance{}, migs: map[vmiKey]*v1.VirtualMachineInstanceMigration{},
				tracker: NewTracker(&Planner{Policy: tt.policy, Seed: seed, Strategy: tt.strategy, Admission: tt.admission})}
			w.settings = Settings{Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}
			for range 30 {
				k := w.randomKey()
				w.vmis[k] = w.randomVMI(k)
				w.tracker.SetVMI(w.vmis[k])
			}
			var got, want Plan
			for step := range 150 {
				w.step()
				reference.ReconcileInto(&want, w.snapshot())
				w.tracker.ReconcileInto(&got, w.settings)
				if d := gocmp.Diff(actions(want), actions(got)); d != "" {
					t.Fatalf("%s, seed %d, step %d: the tracker's plan differs from the planner's (-planner +tracker):\n%s", tt.reason, seed, step, d)
				}
				if w.tracker.Len() != len(w.vmis) {
					t.Fatalf("%s, seed %d, step %d: the tracker holds %d VMIs, the world %d", tt.reason, seed, step, w.tracker.Len(), len(w.vmis))
				}
				if reference.Expecting() != w.tracker.Planner().Expecting() {
					t.Fatalf("%s, seed %d, step %d: expectations %d vs %d", tt.reason, seed, step, reference.Expecting(), w.tracker.Planner().Expecting())
				}
				// Act on the plan as a controller would: create the planned
				// migrations (or fail to), and take the batch clock.
				for _, a := range got.Migrate {
					if w.pick(6) == 0 {
						reference.CreateFailed(a.Namespace, a.VMI)
						w.tracker.CreateFailed(a.Namespace, a.VMI)
						continue
					}
					if w.pick(4) == 0 {
						continue // created, but not in the next snapshot yet
					}
					w.names++
					m := NewMigration(w.vmis[vmiKey{a.Namespace, a.VMI}])
					m.Name = fmt.Sprintf("wu-%04d", w.names)
					m.CreationTimestamp = metav1.NewTime(w.settings.Now)
					w.migs[vmiKey{m.Namespace, m.Name}] = m
					w.tracker.SetMigration(m)
				}
				w.settings.LastEvictionBatch = got.LastEvictionBatch
				// A create reported failed later, or every expectation dropped.
				switch w.pick(10) {
				case 0:
					if len(reference.expect) > 0 {
						keys := slices.SortedFunc(maps.Keys(reference.expect), compareVMIKeys)
						k := keys[w.pick(len(keys))]
						reference.CreateFailed(k.namespace, k.name)
						w.tracker.CreateFailed(k.namespace, k.name)
					}
				case 1:
					if w.pick(4) == 0 {
						reference.ResetExpectations()
						w.tracker.Planner().ResetExpectations()
					}
				}
			}
		}
	}
}

// A tracker's pass costs what changed: with 20,000 outdated VMIs, a pass
// after one VMI changed judges that VMI and those with a creation
// expectation, and allocates only for the plan's migrations.
func TestTrackerPassDoesNotScaleWithVMIs(t *testing.T) {
	p := NewPlanner(KubeVirtPolicy(), 1)
	tr := NewTracker(p)
	vmis := fleet("vm", 20000)
	for _, v := range vmis {
		tr.SetVMI(v)
	}
	s := Settings{Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}
	var plan Plan
	tr.ReconcileInto(&plan, s)
	if len(plan.Migrate) != DefaultParallelMigrationsPerCluster {
		t.Fatalf("first pass: %d migrations, want %d", len(plan.Migrate), DefaultParallelMigrationsPerCluster)
	}
	for i := range 10 {
		before := tr.judgements
		tr.SetVMI(vmis[i*1000])
		s.Now = s.Now.Add(time.Second)
		tr.ReconcileInto(&plan, s)
		if judged := tr.judgements - before; judged > 1+DefaultParallelMigrationsPerCluster {
			t.Fatalf("pass %d after one change judged %d VMIs, want at most 1 + the %d expected ones", i, judged, DefaultParallelMigrationsPerCluster)
		}
		p.ResetExpectations()
	}
	allocs := testing.AllocsPerRun(20, func() {
		p.ResetExpectations()
		s.Now = s.Now.Add(time.Second)
		tr.ReconcileInto(&plan, s)
	})
	// The plan's migrations and their expectations, nothing per VMI.
	if allocs > 40 {
		t.Errorf("a pass over 20,000 unchanged VMIs allocates %v times, want a handful", allocs)
	}
}

// BenchmarkTrackerReconcile100k is one pass of a Tracker over the 100,000
// VMIs of BenchmarkReconcile100k after one VMI changed: the work of one
// event, where BenchmarkReconcile100k is a full pass over every VMI.
func BenchmarkTrackerReconcile100k(b *testing.B) {
	s := realisticCluster(100_000)
	p := NewPlanner(DefaultPolicy(), 1)
	tr := NewTracker(p)
	for _, v := range s.VMIs {
		tr.SetVMI(v)
	}
	for _, m := range s.Migrations {
		tr.SetMigration(m)
	}
	settings := Settings{Strategy: s.Strategy, MigrationConfig: s.MigrationConfig, ClusterEvictionStrategy: s.ClusterEvictionStrategy,
		LauncherImage: s.LauncherImage, LastEvictionBatch: s.LastEvictionBatch, Now: s.Now}
	var plan Plan
	tr.ReconcileInto(&plan, settings)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.ResetExpectations() // as in BenchmarkReconcile100k
		tr.SetVMI(s.VMIs[i%len(s.VMIs)])
		i++
		if tr.ReconcileInto(&plan, settings); len(plan.Migrate) == 0 || len(plan.Evict) == 0 {
			b.Fatal(len(plan.Migrate), len(plan.Evict))
		}
	}
}
