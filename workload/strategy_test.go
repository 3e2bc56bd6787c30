package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	v1 "kubevirt.io/api/core/v1"
)

// strategyVMIs are VMIs of every kind the table distinguishes.
func strategyVMIs() map[string]*v1.VirtualMachineInstance {
	return map[string]*v1.VirtualMachineInstance{
		"migratable":     vmi("a"),
		"not migratable": vmi("b", notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)),
		"migrating":      vmi("c", migrating),
		"pending":        vmi("d", phase(v1.Pending)),
		"final":          vmi("e", phase(v1.Succeeded)),
		"deleting":       vmi("f", deleting),
		"nil":            nil,
	}
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// (getUpdateData picks LiveMigrate or Evict by the methods and the
// LiveMigratable condition). KubeVirtTable is that table for decoded
// methods, exactly as Select applies it.
func TestKubeVirtTableIsSelect(t *testing.T) {
	for name, v := range strategyVMIs() {
		for _, s := range []v1.KubeVirtWorkloadUpdateStrategy{strategy(), strategy(LM), strategy(Evict), strategy(LM, Evict), strategy(Evict, LM, LM), strategy("Restart")} {
			got, want := KubeVirtTable{}.Select(v, MethodsOf(s)), Select(v, s)
			if got != want {
				t.Errorf("%s VMI, methods %v: KubeVirtTable says %+v, Select %+v", name, s.WorkloadUpdateMethods, got, want)
			}
		}
	}
}

func TestKubeVirtTableDoesNotAllocate(t *testing.T) {
	v := vmi("a", notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable))
	m := Methods{LiveMigrate: true, Evict: true}
	var st Strategy = KubeVirtTable{}
	if n := testing.AllocsPerRun(100, func() { _ = st.Select(v, m) }); n != 0 {
		t.Errorf("KubeVirtTable.Select allocates %v times per call", n)
	}
}

func TestFirstOf(t *testing.T) {
	none := Decision{MethodNone, "Held", "held"}
	opinion := StrategyFunc(func(*v1.VirtualMachineInstance, Methods) Decision { return none })
	silent := StrategyFunc(func(*v1.VirtualMachineInstance, Methods) Decision { return Decision{} })
	m := Methods{LiveMigrate: true}
	for _, tt := range []struct {
		reason string
		chain  FirstOf
		want   Decision
	}{
		{"the empty chain has no opinion", nil, Decision{}},
		{"a chain of silent strategies has none either", FirstOf{silent, nil, StrategyFunc(nil)}, Decision{}},
		{"the first strategy with an opinion decides; nil entries are skipped", FirstOf{nil, silent, opinion, KubeVirtTable{}}, none},
		{"ending with KubeVirtTable makes the fallback explicit", FirstOf{silent, KubeVirtTable{}}, decisionLiveMigrate},
		{"an earlier opinion wins over the table", FirstOf{KubeVirtTable{}, opinion}, decisionLiveMigrate},
	} {
		if got := tt.chain.Select(vmi("a"), m); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.reason, got, tt.want)
		}
	}
}

// allowedCases pin what the planner does with a Strategy's answer.
func TestAllowed(t *testing.T) {
	answer := func(d Decision) Strategy {
		return StrategyFunc(func(*v1.VirtualMachineInstance, Methods) Decision { return d })
	}
	both, liveOnly, evictOnly := Methods{true, true}, Methods{LiveMigrate: true}, Methods{Evict: true}
	custom := Decision{MethodNone, "Critical", "labelled critical"}
	for _, tt := range []struct {
		reason     string
		st         Strategy
		m          Methods
		migratable bool
		want       Decision
	}{
		{"no opinion: KubeVirt's table decides", answer(Decision{}), both, true, decisionLiveMigrate},
		{"None with a code of the strategy's own is kept", answer(custom), both, true, custom},
		{"LiveMigrate for a migratable VMI with LiveMigrate on is kept", answer(decisionLiveMigrate), liveOnly, true, decisionLiveMigrate},
		{"LiveMigrate when only Evict is on is refused: a Strategy narrows, never widens", answer(decisionLiveMigrate), evictOnly, true, decisionLiveMigrateNotEnabled},
		{"LiveMigrate for a VMI that cannot migrate is refused", answer(decisionLiveMigrate), both, false, decisionStrategyNotMigratable},
		{"Evict when Evict is off is refused", answer(decisionEvictOnly), liveOnly, true, decisionEvictNotEnabled},
		{"Evict of a migratable VMI with Evict on is the strategy's choice", answer(decisionEvictOnly), both, true, decisionEvictOnly},
		{"an unknown method is refused", answer(Decision{Method: "Restart", Code: "X", Reason: "x"}), both, true, decisionUnknownMethod},
	} {
		table := byMethods(tt.m, tt.migratable)
		if got := allowed(tt.st, vmi("a"), tt.m, tt.migratable, table); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.reason, got, tt.want)
		}
	}
}

func TestDecideBy(t *testing.T) {
	evictAll := StrategyFunc(func(*v1.VirtualMachineInstance, Methods) Decision { return decisionEvictOnly })
	s := strategy(LM, Evict)
	for _, tt := range []struct {
		reason string
		st     Strategy
		v      *v1.VirtualMachineInstance
		want   Code
	}{
		{"nil is KubeVirt's table", nil, vmi("a"), CodeLiveMigrate},
		{"the strategy decides for an outdated candidate", evictAll, vmi("a"), CodeEvictOnly},
		{"an up-to-date VMI is not asked", evictAll, vmi("a", upToDate), CodeUpToDate},
		{"a migrating VMI is not asked", evictAll, vmi("a", migrating), CodeMigrating},
		{"a VMI being deleted is not asked", evictAll, vmi("a", deleting), CodeBeingDeleted},
		{"nil VMI is not asked", evictAll, nil, CodeNoVMI},
	} {
		if got := DecideBy(tt.st, tt.v, s, newImage, nil); got.Code != tt.want {
			t.Errorf("%s: got %s (%s), want %s", tt.reason, got.Code, got.Reason, tt.want)
		}
	}
	if got := DecideBy(evictAll, vmi("a"), s, newImage, mig("m", "a", v1.MigrationRunning, t0)); got.Code != CodeUnfinishedMigration {
		t.Errorf("a VMI with an unfinished migration is not asked: got %s", got.Code)
	}
}

// criticalStrategy never evicts VMIs labelled critical=true.
var criticalStrategy = StrategyFunc(func(vmi *v1.VirtualMachineInstance, m Methods) Decision {
	d := KubeVirtTable{}.Select(vmi, m)
	if d.Method == MethodEvict && vmi.Labels["critical"] == "true" {
		return Decision{MethodNone, "Critical", "labelled critical: never evicted"}
	}
	return d
})

func TestPlannerStrategy(t *testing.T) {
	critical := func(v *v1.VirtualMachineInstance) { v.Labels["critical"] = "true" }
	vmis := []*v1.VirtualMachineInstance{
		vmi("web", critical, onNode("n1")),
		vmi("db", critical, onNode("n2"), notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)),
		vmi("batch", onNode("n3"), notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)),
	}
	s := Snapshot{VMIs: vmis, Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}
	p := Planner{Policy: DefaultPolicy(), Strategy: criticalStrategy}
	plan := p.Reconcile(s)
	if d := cmp.Diff([]string{"web"}, names(plan.Migrate)); d != "" {
		t.Errorf("a critical migratable VMI still migrates (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"batch"}, names(plan.Evict)); d != "" {
		t.Errorf("the critical VMI that cannot migrate is not evicted (-want +got):\n%s", d)
	}
	if got := plan.Decisions[1]; got.Code != "Critical" || got.Method != MethodNone || got.Now {
		t.Errorf("the critical VMI's decision is the strategy's: %+v", got)
	}
	if plan.Progress.Blocked != 1 || plan.Progress.Evict != 1 || plan.Progress.Migrate != 1 {
		t.Errorf("progress counts the held VMI as blocked: %+v", plan.Progress)
	}
}

// A nil Strategy and KubeVirtTable{} plan alike: the field's zero value is
// today's behaviour.
func TestPlannerStrategyZeroIsKubeVirtTable(t *testing.T) {
	s := realisticCluster(3000)
	a := Planner{Policy: DefaultPolicy(), Seed: 7}
	b := Planner{Policy: DefaultPolicy(), Seed: 7, Strategy: KubeVirtTable{}}
	if d := cmp.Diff(a.Reconcile(s), b.Reconcile(s), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("nil Strategy vs KubeVirtTable (-nil +table):\n%s", d)
	}
}

// A Strategy that evicts a migratable VMI gets the outcome its eviction
// strategy gives: KubeVirt's eviction webhook
// (pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go)
// turns the eviction of a migratable VMI with eviction strategy LiveMigrate
// into an evacuation migration, whatever the updater's reason.
func TestPlannerStrategyEvictionOutcome(t *testing.T) {
	evictAll := StrategyFunc(func(*v1.VirtualMachineInstance, Methods) Decision {
		return Decision{MethodEvict, "Mine", "evicted on purpose"}
	})
	s := Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("a", evictionStrategy(v1.EvictionStrategyLiveMigrate)), vmi("b")},
		Strategy: strategy(LM, Evict), LauncherImage: newImage, Now: t0}
	plan := (&Planner{Strategy: evictAll}).Reconcile(s)
	if got := plan.Decisions[0].Eviction; got != EvictionMigrates {
		t.Errorf("migratable VMI with eviction strategy LiveMigrate: %s, want %s", got, EvictionMigrates)
	}
	if got := plan.Decisions[1].Eviction; got != EvictionShutsDown {
		t.Errorf("migratable VMI with no eviction strategy: %s, want %s", got, EvictionShutsDown)
	}
	refuse := (&Planner{Strategy: evictAll}).Reconcile(Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("a")}, Strategy: strategy(LM), LauncherImage: newImage, Now: t0})
	if len(refuse.Evict) != 0 || refuse.Decisions[0].Code != CodeNotAllowed {
		t.Errorf("with Evict off the planner refuses the strategy's Evict: %+v, %v", refuse.Decisions[0], names(refuse.Evict))
	}
}
