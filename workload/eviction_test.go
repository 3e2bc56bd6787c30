package workload

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	v1 "kubevirt.io/api/core/v1"
)

func TestPredictEviction(t *testing.T) {
	none, lm, lmip, ext := v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal
	always, rerun, manual, halted, once := v1.RunStrategyAlways, v1.RunStrategyRerunOnFailure, v1.RunStrategyManual, v1.RunStrategyHalted, v1.RunStrategyOnce
	tests := []struct {
		reason      string
		vmi         *v1.VirtualMachineInstance
		cluster     *v1.EvictionStrategy
		runStrategy *v1.VirtualMachineRunStrategy
		want        EvictionPrediction
	}{
		{"no strategy anywhere: KubeVirt's default None shuts it down", vmi("vm"), nil, &always,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartAlways}},
		{"None, runStrategy Always: restarted on the new launcher", vmi("vm", evictionStrategy(none)), nil, &always,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartAlways}},
		{"None, RerunOnFailure: only if it ends Failed", vmi("vm", evictionStrategy(none)), nil, &rerun,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartIfFailed}},
		{"None, Manual: stays off", vmi("vm", evictionStrategy(none)), nil, &manual,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartNever}},
		{"None, Halted: stays off", vmi("vm", evictionStrategy(none)), nil, &halted,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartNever}},
		{"None, Once: stays off", vmi("vm", evictionStrategy(none)), nil, &once,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartNever}},
		{"None, owned by a VM whose runStrategy is not known", vmi("vm", evictionStrategy(none)), nil, nil,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartUnknown}},
		{"None, standalone VMI: gone, data-loss risk", vmi("vm", evictionStrategy(none), standalone), nil, &always,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartGone, DataLossRisk: true}},
		{"LiveMigrate, migratable: evacuation migration", vmi("vm", evictionStrategy(lm)), nil, nil,
			EvictionPrediction{Strategy: lm, Outcome: EvictionMigrates}},
		{"LiveMigrate, not migratable: denied forever, blocks drains", vmi("vm", evictionStrategy(lm), notMigratable("DisksNotLiveMigratable")), nil, &always,
			EvictionPrediction{Strategy: lm, Outcome: EvictionDenied, BlocksDrain: true}},
		{"LiveMigrateIfPossible, migratable: evacuation migration", vmi("vm", evictionStrategy(lmip)), nil, nil,
			EvictionPrediction{Strategy: lmip, Outcome: EvictionMigrates}},
		{"LiveMigrateIfPossible, not migratable: like None", vmi("vm", evictionStrategy(lmip), notMigratable("X")), nil, &always,
			EvictionPrediction{Strategy: lmip, Outcome: EvictionShutsDown, Restart: RestartAlways}},
		{"LiveMigrateIfPossible, not migratable, standalone", vmi("vm", evictionStrategy(lmip), notMigratable("X"), standalone), nil, nil,
			EvictionPrediction{Strategy: lmip, Outcome: EvictionShutsDown, Restart: RestartGone, DataLossRisk: true}},
		{"External, migratable: denied, an external controller must act", vmi("vm", evictionStrategy(ext)), nil, nil,
			EvictionPrediction{Strategy: ext, Outcome: EvictionExternal, BlocksDrain: true}},
		{"External, not migratable", vmi("vm", evictionStrategy(ext), notMigratable("X")), nil, nil,
			EvictionPrediction{Strategy: ext, Outcome: EvictionExternal, BlocksDrain: true}},
		{"the cluster default applies when the VMI has none", vmi("vm", notMigratable("X")), &lm, nil,
			EvictionPrediction{Strategy: lm, Outcome: EvictionDenied, BlocksDrain: true}},
		{"the VMI's own strategy wins over the cluster's", vmi("vm", evictionStrategy(none), notMigratable("X")), &lm, &always,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartAlways}},
		{"an unknown strategy is treated like None", vmi("vm", evictionStrategy("Teleport")), nil, &always,
			EvictionPrediction{Strategy: "Teleport", Outcome: EvictionShutsDown, Restart: RestartAlways}},
		{"nil VMI: standalone, shuts down", nil, nil, nil,
			EvictionPrediction{Strategy: none, Outcome: EvictionShutsDown, Restart: RestartGone, DataLossRisk: true}},
	}
	for _, tt := range tests {
		got := PredictEviction(tt.vmi, tt.cluster, tt.runStrategy)
		if got.Reason == "" {
			t.Errorf("%s: no reason", tt.reason)
		}
		if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(EvictionPrediction{}, "Reason")); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

// The remedy for a VMI that blocks drains is the documented workaround.
func TestPredictEvictionDeniedNamesTheWorkaround(t *testing.T) {
	p := PredictEviction(vmi("vm", evictionStrategy(v1.EvictionStrategyLiveMigrate), notMigratable("X")), nil, nil)
	for _, want := range []string{"remove evictionStrategy LiveMigrate", "runStrategy Always"} {
		if !strings.Contains(p.Reason, want) {
			t.Errorf("reason %q does not mention %q", p.Reason, want)
		}
	}
	if p := PredictEviction(vmi("vm", standalone), nil, nil); !strings.Contains(p.Reason, "data-loss") {
		t.Errorf("standalone reason %q does not warn of data loss", p.Reason)
	}
}

func TestEffectiveEvictionStrategy(t *testing.T) {
	lm := v1.EvictionStrategyLiveMigrate
	if got := EffectiveEvictionStrategy(vmi("vm"), nil); got != v1.EvictionStrategyNone {
		t.Errorf("default = %s, want None (KubeVirt's)", got)
	}
	if got := EffectiveEvictionStrategy(vmi("vm"), &lm); got != lm {
		t.Errorf("cluster = %s, want LiveMigrate", got)
	}
	if got := EffectiveEvictionStrategy(nil, &lm); got != lm {
		t.Errorf("nil VMI = %s, want the cluster's", got)
	}
}
