package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "kubevirt.io/api/core/v1"
)

func TestFindBlocker(t *testing.T) {
	lm, ext, lmip := v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyExternal, v1.EvictionStrategyLiveMigrateIfPossible
	disks := notMigratable(v1.VirtualMachineInstanceReasonDisksNotMigratable)
	tests := []struct {
		reason   string
		vmi      *v1.VirtualMachineInstance
		strategy v1.KubeVirtWorkloadUpdateStrategy
		cluster  *v1.EvictionStrategy
		want     *Blocker // nil: no blocker
	}{
		{"migratable, LiveMigrate: updates", vmi("vm"), strategy(LM), nil, nil},
		{"not migratable, both methods, eviction strategy None: evicted, no blocker", vmi("vm", disks), strategy(LM, Evict), nil, nil},
		{"not migratable, LiveMigrate only: never updates", vmi("vm", disks), strategy(LM), nil,
			&Blocker{NeverUpdates: true, Cause: "DisksNotLiveMigratable", Message: "cannot migrate: DisksNotLiveMigratable", Fix: fixes["DisksNotLiveMigratable"], Workaround: workaroundAddEvict}},
		{"updates off: never updates", vmi("vm"), strategy(), nil,
			&Blocker{NeverUpdates: true, Cause: CauseUpdatesOff, Workaround: workaroundUpdatesOff}},
		{"not migratable with eviction strategy LiveMigrate and Evict: denied forever, blocks drains", vmi("vm", disks, evictionStrategy(lm)), strategy(LM, Evict), nil,
			&Blocker{NeverUpdates: true, BlocksDrain: true, Cause: "DisksNotLiveMigratable", Message: "cannot migrate: DisksNotLiveMigratable", Fix: fixes["DisksNotLiveMigratable"], Workaround: workaroundDrain}},
		{"the cluster's LiveMigrate strategy counts too", vmi("vm", notMigratable(v1.VirtualMachineInstanceReasonHostDeviceNotMigratable)), strategy(LM), &lm,
			&Blocker{NeverUpdates: true, BlocksDrain: true, Cause: "HostDeviceNotLiveMigratable", Message: "cannot migrate: HostDeviceNotLiveMigratable", Fix: fixes["HostDeviceNotLiveMigratable"], Workaround: workaroundDrain}},
		{"an up-to-date VMI that cannot migrate with strategy LiveMigrate still blocks drains", vmi("vm", upToDate, disks, evictionStrategy(lm)), strategy(LM), nil,
			&Blocker{BlocksDrain: true, Cause: "DisksNotLiveMigratable", Message: "cannot migrate: DisksNotLiveMigratable", Fix: fixes["DisksNotLiveMigratable"], Workaround: workaroundDrain}},
		{"LiveMigrateIfPossible never blocks a drain", vmi("vm", disks, evictionStrategy(lmip)), strategy(LM, Evict), nil, nil},
		{"External with Evict only: never updates until the external controller acts", vmi("vm", evictionStrategy(ext)), strategy(Evict), nil,
			&Blocker{NeverUpdates: true, BlocksDrain: true, Cause: CauseEvictionStrategyExternal, Workaround: workaroundExternal}},
		{"External, migratable, LiveMigrate: updates by migration, but drains wait for the controller", vmi("vm", evictionStrategy(ext)), strategy(LM, Evict), nil,
			&Blocker{BlocksDrain: true, Cause: CauseEvictionStrategyExternal, Workaround: workaroundDrainExternal}},
		{"unknown cause: generic fix", vmi("vm", notMigratable("SomethingNew")), strategy(LM), nil,
			&Blocker{NeverUpdates: true, Cause: "SomethingNew", Message: "cannot migrate: SomethingNew", Fix: fixUnknownCause, Workaround: workaroundAddEvict}},
		{"up to date and not migratable under LiveMigrate only: nothing to update", vmi("vm", upToDate, disks), strategy(LM), nil, nil},
		{"not running: no blocker", vmi("vm", disks, phase(v1.Scheduled)), strategy(LM), nil, nil},
	}
	for _, tt := range tests {
		got, ok := FindBlocker(tt.vmi, tt.strategy, newImage, tt.cluster)
		if (tt.want != nil) != ok {
			t.Errorf("%s: blocked = %v, want %v (%+v)", tt.reason, ok, tt.want != nil, got)
			continue
		}
		if tt.want == nil {
			continue
		}
		tt.want.Namespace, tt.want.Name = "prod", "vm"
		if d := cmp.Diff(*tt.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

// Every LiveMigratable reason KubeVirt defines for that condition has its
// own fix.
func TestEveryCauseHasAFix(t *testing.T) {
	for _, r := range []string{
		v1.VirtualMachineInstanceReasonDisksNotMigratable, v1.VirtualMachineInstanceReasonInterfaceNotMigratable,
		v1.VirtualMachineInstanceReasonHostDeviceNotMigratable, v1.VirtualMachineInstanceReasonCPUModeNotMigratable,
		v1.VirtualMachineInstanceReasonSEVNotMigratable, v1.VirtualMachineInstanceReasonTDXNotMigratable,
		v1.VirtualMachineInstanceReasonSecureExecutionNotMigratable, v1.VirtualMachineInstanceReasonNoTSCFrequencyMigratable,
		v1.VirtualMachineInstanceReasonHypervPassthroughNotMigratable,
	} {
		b, ok := FindBlocker(vmi("vm", notMigratable(r)), strategy(LM), newImage, nil)
		if !ok || b.Cause != r || b.Fix == "" || b.Fix == fixUnknownCause {
			t.Errorf("%s: blocker %+v, want its own fix", r, b)
		}
	}
}
