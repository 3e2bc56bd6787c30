package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	v1 "kubevirt.io/api/core/v1"
)

// KubeVirt's table, for a running outdated VMI. The eviction strategy must
// not change any of it: KubeVirt's updater does not read it.
func TestSelectTable(t *testing.T) {
	tests := []struct {
		reason     string
		methods    []v1.WorkloadUpdateMethod
		migratable bool
		want       Decision
	}{
		{"no methods: updates off, even for a migratable VMI", nil, true, decisionUpdatesOff},
		{"no methods: updates off", nil, false, decisionUpdatesOff},
		{"empty list is the same as unset", []v1.WorkloadUpdateMethod{}, true, decisionUpdatesOff},
		{"LiveMigrate only: migratable migrates", []v1.WorkloadUpdateMethod{LM}, true, decisionLiveMigrate},
		{"LiveMigrate only: non-migratable is left on the old launcher", []v1.WorkloadUpdateMethod{LM}, false, decisionNotMigratable},
		{"Evict only: even a migratable VMI is evicted (KubeVirt test: shutdown and not migrate when only shutdown is set)", []v1.WorkloadUpdateMethod{Evict}, true, decisionEvictOnly},
		{"Evict only: non-migratable is evicted", []v1.WorkloadUpdateMethod{Evict}, false, decisionEvictNotMigratable},
		{"both: migratable migrates", []v1.WorkloadUpdateMethod{LM, Evict}, true, decisionLiveMigrate},
		{"both: non-migratable is evicted", []v1.WorkloadUpdateMethod{LM, Evict}, false, decisionEvictNotMigratable},
		{"order does not matter: Evict listed first still migrates a migratable VMI", []v1.WorkloadUpdateMethod{Evict, LM}, true, decisionLiveMigrate},
		{"order does not matter: non-migratable", []v1.WorkloadUpdateMethod{Evict, LM}, false, decisionEvictNotMigratable},
		{"duplicates change nothing", []v1.WorkloadUpdateMethod{LM, LM}, false, decisionNotMigratable},
		{"unknown methods are ignored, as KubeVirt ignores them", []v1.WorkloadUpdateMethod{"Shutdown"}, true, decisionUpdatesOff},
		{"an unknown method next to a known one", []v1.WorkloadUpdateMethod{"Restart", Evict}, true, decisionEvictOnly},
	}
	strategies := []*v1.EvictionStrategy{nil, ptr(v1.EvictionStrategyNone), ptr(v1.EvictionStrategyLiveMigrate),
		ptr(v1.EvictionStrategyLiveMigrateIfPossible), ptr(v1.EvictionStrategyExternal)}
	for _, tt := range tests {
		for _, es := range strategies {
			v := vmi("vm")
			if !tt.migratable {
				notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)(v)
			}
			v.Spec.EvictionStrategy = es
			got := Select(v, strategy(tt.methods...))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (evictionStrategy %v): (-want +got)\n%s", tt.reason, deref(es), d)
			}
		}
	}
}

func deref(p *v1.EvictionStrategy) string {
	if p == nil {
		return "unset"
	}
	return string(*p)
}

// Every phase but Running gets None whatever the methods, migratability and
// eviction strategy.
func TestSelectPhases(t *testing.T) {
	tests := []struct {
		reason string
		phase  v1.VirtualMachineInstancePhase
		want   Decision
	}{
		{"not created yet", v1.VmPhaseUnset, decisionNotRunning},
		{"pending", v1.Pending, decisionNotRunning},
		{"scheduling", v1.Scheduling, decisionNotRunning},
		{"scheduled, not running yet", v1.Scheduled, decisionNotRunning},
		{"unknown phase (node lost)", v1.Unknown, decisionNotRunning},
		{"succeeded is final", v1.Succeeded, decisionFinal},
		{"failed is final", v1.Failed, decisionFinal},
	}
	for _, tt := range tests {
		for _, methods := range [][]v1.WorkloadUpdateMethod{nil, {LM}, {Evict}, {LM, Evict}} {
			for _, migratable := range []bool{true, false} {
				for _, es := range []v1.EvictionStrategy{v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal} {
					v := vmi("vm", phase(tt.phase), evictionStrategy(es))
					if !migratable {
						notMigratable(v1.VirtualMachineInstanceReasonInterfaceNotMigratable)(v)
					}
					if d := cmp.Diff(tt.want, Select(v, strategy(methods...))); d != "" {
						t.Errorf("%s (methods %v, migratable %v, %s): (-want +got)\n%s", tt.reason, methods, migratable, es, d)
					}
				}
			}
		}
	}
}

func TestSelectNotCandidates(t *testing.T) {
	both := strategy(LM, Evict)
	tests := []struct {
		reason     string
		vmi        *v1.VirtualMachineInstance
		unfinished *v1.VirtualMachineInstanceMigration
		want       Decision
	}{
		{"nil VMI", nil, nil, decisionNoVMI},
		{"being deleted", vmi("vm", deleting), nil, decisionBeingDeleted},
		{"being deleted wins over final", vmi("vm", deleting, phase(v1.Failed)), nil, decisionBeingDeleted},
		{"live migration in progress (started, not ended)", vmi("vm", migrating), nil, decisionMigrating},
		{"a finished migration state does not hold it back", vmi("vm", migrating, func(v *v1.VirtualMachineInstance) {
			v.Status.MigrationState.EndTimestamp = v.Status.MigrationState.StartTimestamp
		}), nil, decisionLiveMigrate},
		{"a Pending migration object", vmi("vm"), mig("m", "vm", v1.MigrationPending, t0), decisionUnfinishedMigration},
		{"a migration object with no phase yet", vmi("vm"), mig("m", "vm", v1.MigrationPhaseUnset, t0), decisionUnfinishedMigration},
		{"a running migration object", vmi("vm"), mig("m", "vm", v1.MigrationRunning, t0), decisionUnfinishedMigration},
		{"a failed migration is final: retry", vmi("vm"), mig("m", "vm", v1.MigrationFailed, t0), decisionLiveMigrate},
		{"a succeeded migration is final", vmi("vm"), mig("m", "vm", v1.MigrationSucceeded, t0), decisionLiveMigrate},
		{"unfinished migration of a non-migratable VMI: no eviction either", vmi("vm", notMigratable("X")), mig("m", "vm", v1.MigrationPending, t0), decisionUnfinishedMigration},
		{"no LiveMigratable condition yet counts as not migratable", vmi("vm", func(v *v1.VirtualMachineInstance) { v.Status.Conditions = nil }), nil, decisionEvictNotMigratable},
		{"LiveMigratable Unknown is not migratable", vmi("vm", func(v *v1.VirtualMachineInstance) {
			v.Status.Conditions = []v1.VirtualMachineInstanceCondition{{Type: v1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionUnknown}}
		}), nil, decisionEvictNotMigratable},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, SelectWith(tt.vmi, both, tt.unfinished)); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

func TestDecide(t *testing.T) {
	both := strategy(LM, Evict)
	tests := []struct {
		reason string
		vmi    *v1.VirtualMachineInstance
		image  string
		want   Decision
	}{
		{"image differs from the target", vmi("vm"), newImage, decisionLiveMigrate},
		{"image is the target", vmi("vm", upToDate), newImage, decisionUpToDate},
		// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go isOutdated
		// skips a VMI whose launcherContainerImageVersion is empty.
		{"image not known yet, no label: not outdated, and the reason says the image is unknown rather than the target", vmi("vm", func(v *v1.VirtualMachineInstance) { v.Status.LauncherContainerImageVersion = "" }), newImage, decisionImageUnknown},
		{"image not known yet, labelled outdated", vmi("vm", func(v *v1.VirtualMachineInstance) {
			v.Status.LauncherContainerImageVersion = ""
			v.Labels[v1.OutdatedLauncherImageLabel] = ""
		}), newImage, decisionLiveMigrate},
		{"no target image: only the label counts, and the reason names the missing label", vmi("vm"), "", decisionNotLabelled},
		{"known images decide over a stale label, as in KubeVirt", vmi("vm", upToDate, func(v *v1.VirtualMachineInstance) { v.Labels[v1.OutdatedLauncherImageLabel] = "" }), newImage, decisionUpToDate},
		{"no target image, labelled", vmi("vm", func(v *v1.VirtualMachineInstance) { v.Labels[v1.OutdatedLauncherImageLabel] = "" }), "", decisionLiveMigrate},
		{"not running comes before up to date", vmi("vm", phase(v1.Scheduled)), newImage, decisionNotRunning},
		{"final VMIs are never outdated", vmi("vm", phase(v1.Succeeded)), newImage, decisionFinal},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, Decide(tt.vmi, both, tt.image, nil)); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

func TestOutdatedAndCandidate(t *testing.T) {
	tests := []struct {
		reason              string
		vmi                 *v1.VirtualMachineInstance
		outdated, candidate bool
	}{
		{"running, old image", vmi("vm"), true, true},
		{"running, target image", vmi("vm", upToDate), false, true},
		{"final VMI with an old image is not outdated", vmi("vm", phase(v1.Failed)), false, false},
		{"a scheduled VMI with an old image is outdated but no candidate", vmi("vm", phase(v1.Scheduled)), true, false},
		{"being deleted: no candidate", vmi("vm", deleting), true, false},
		{"nil", nil, false, false},
	}
	for _, tt := range tests {
		if got := Outdated(tt.vmi, newImage); got != tt.outdated {
			t.Errorf("%s: Outdated = %v, want %v", tt.reason, got, tt.outdated)
		}
		if got := Candidate(tt.vmi); got != tt.candidate {
			t.Errorf("%s: Candidate = %v, want %v", tt.reason, got, tt.candidate)
		}
	}
}

func TestSelectDoesNotAllocate(t *testing.T) {
	v := vmi("vm", notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable))
	s := strategy(LM, Evict)
	m := mig("m", "vm", v1.MigrationFailed, t0)
	if n := testing.AllocsPerRun(100, func() {
		_ = Select(v, s)
		_ = Decide(v, s, newImage, m)
		_ = PredictEviction(v, nil, nil)
	}); n != 0 {
		t.Errorf("Select, Decide and PredictEviction allocate %v times, want 0", n)
	}
}

func TestEveryDecisionHasAReasonAndCode(t *testing.T) {
	for _, d := range []Decision{decisionNoVMI, decisionBeingDeleted, decisionFinal, decisionNotRunning, decisionUpToDate, decisionNotLabelled, decisionImageUnknown,
		decisionMigrating, decisionUnfinishedMigration, decisionUpdatesOff, decisionLiveMigrate, decisionEvictNotMigratable,
		decisionEvictOnly, decisionNotMigratable} {
		if d.Reason == "" || d.Code == "" || d.Method == "" {
			t.Errorf("incomplete decision %+v", d)
		}
		if (d.Method == MethodNone) == (d.Code == CodeLiveMigrate || d.Code == CodeEvictOnly || d.Code == CodeEvictNotMigratable) {
			t.Errorf("decision %s has method %s", d.Code, d.Method)
		}
	}
}

func TestNotMigratableCause(t *testing.T) {
	tests := []struct {
		reason      string
		vmi         *v1.VirtualMachineInstance
		cause       string
		blocked     bool
		wantMessage bool
	}{
		{"migratable", vmi("vm"), "", false, false},
		{"disks", vmi("vm", notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)), "DisksNotLiveMigratable", true, true},
		{"no condition", vmi("vm", func(v *v1.VirtualMachineInstance) { v.Status.Conditions = nil }), CauseUnknown, true, true},
		{"False with no reason", vmi("vm", notMigratable("")), "NotMigratable", true, true},
		{"nil", nil, "", false, false},
	}
	for _, tt := range tests {
		cause, msg, ok := NotMigratableCause(tt.vmi)
		if cause != tt.cause || ok != tt.blocked || (msg != "") != tt.wantMessage {
			t.Errorf("%s: got (%q, %q, %v), want cause %q, blocked %v", tt.reason, cause, msg, ok, tt.cause, tt.blocked)
		}
	}
}
