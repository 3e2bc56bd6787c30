package workload

import (
	v1 "kubevirt.io/api/core/v1"
)

// Causes of blockers that do not come from the LiveMigratable condition.
const (
	// CauseUpdatesOff: workloadUpdateMethods names no method.
	CauseUpdatesOff = "WorkloadUpdatesOff"
	// CauseEvictionStrategyExternal: eviction strategy External hands the
	// VMI to an external controller.
	CauseEvictionStrategyExternal = "EvictionStrategyExternal"
)

// Blocker is a VMI that will never update by itself, or that will stall node
// drains (and with them a cluster update), with the cause and what to do.
type Blocker struct {
	// Namespace and Name identify the VMI.
	Namespace string `json:"namespace"`
	// Name is the VMI's name.
	Name string `json:"name"`
	// NeverUpdates is true when the VMI is outdated and nothing the updater
	// does will move it to the new launcher.
	NeverUpdates bool `json:"neverUpdates,omitempty"`
	// BlocksDrain is true when KubeVirt's eviction webhook refuses every
	// eviction of its launcher pod, so draining its node never finishes.
	BlocksDrain bool `json:"blocksDrain,omitempty"`
	// Cause is the LiveMigratable condition's reason (DisksNotLiveMigratable,
	// InterfaceNotLiveMigratable, …), or CauseUpdatesOff or
	// CauseEvictionStrategyExternal.
	Cause string `json:"cause"`
	// Message is the LiveMigratable condition's message, when there is one.
	Message string `json:"message,omitempty"`
	// Fix removes the cause, when that is possible.
	Fix string `json:"fix,omitempty"`
	// Workaround gets the VMI updated, or its node drained, without fixing
	// the cause.
	Workaround string `json:"workaround"`
}

// Fixes by LiveMigratable reason.
var fixes = map[string]string{
	v1.VirtualMachineInstanceReasonDisksNotMigratable:             "put its disks on shared storage: PVCs with access mode ReadWriteMany (local, hostpath and other ReadWriteOnce storage cannot migrate), and mark hostDisks shared",
	v1.VirtualMachineInstanceReasonInterfaceNotMigratable:         "connect it to the pod network with masquerade or passt (or bridge with the annotation kubevirt.io/allow-pod-bridge-network-live-migration), or a binding plugin that supports migration",
	v1.VirtualMachineInstanceReasonHostDeviceNotMigratable:        "remove the host devices; of GPUs only one mediated vGPU with the VGPULiveMigration feature gate can migrate",
	v1.VirtualMachineInstanceReasonCPUModeNotMigratable:           "give it an explicit CPU model, or make sure the nodes carry their host CPU model labels",
	v1.VirtualMachineInstanceReasonSEVNotMigratable:               "none: AMD SEV guests cannot live-migrate",
	v1.VirtualMachineInstanceReasonTDXNotMigratable:               "none: Intel TDX guests cannot live-migrate",
	v1.VirtualMachineInstanceReasonSecureExecutionNotMigratable:   "none: IBM Secure Execution guests cannot live-migrate",
	v1.VirtualMachineInstanceReasonNoTSCFrequencyMigratable:       "define topology hints with a TSC frequency (needed by invtsc and Hyper-V reenlightenment)",
	v1.VirtualMachineInstanceReasonHypervPassthroughNotMigratable: "turn off features.hypervPassthrough",
	v1.VirtualMachineInstanceReasonHotplugNotMigratable:           "unplug the hotplugged volumes",
	v1.VirtualMachineInstanceReasonVirtIOFSNotMigratable:          "remove the virtiofs filesystems",
	CauseUnknown: "wait for virt-handler to compute the LiveMigratable condition",
}

const fixUnknownCause = "see the LiveMigratable condition's message"

// Workarounds by situation.
const (
	workaroundDrain         = "remove evictionStrategy LiveMigrate from it (or use LiveMigrateIfPossible) and set runStrategy Always on its VirtualMachine, so it is powered off and restarted on the new launcher instead of blocking"
	workaroundAddEvict      = "add Evict to spec.workloadUpdateStrategy.workloadUpdateMethods so it is restarted on the new launcher (with runStrategy Always on its VirtualMachine), or restart it yourself"
	workaroundUpdatesOff    = "add LiveMigrate (and Evict) to spec.workloadUpdateStrategy.workloadUpdateMethods, or restart the VMIs yourself"
	workaroundExternal      = "the external controller that owns it (evictionStrategy External) must shut it down or move it; or change its eviction strategy"
	workaroundDrainExternal = "the external controller that owns it (evictionStrategy External) must act on the eviction before the node can drain"
)

// FindBlocker reports whether vmi blocks anything, and how:
//
//   - outdated, workload updates off: never updates (cause UpdatesOff);
//   - outdated, not migratable, Evict off: never updates (cause from the
//     LiveMigratable condition);
//   - not migratable with eviction strategy LiveMigrate: every eviction is
//     denied, so it blocks node drains whether outdated or not, and if it is
//     to be updated by Evict it never updates;
//   - eviction strategy External: evictions wait for an external controller.
//
// launcherImage and cluster are as for [Outdated] and [PredictEviction].
// A VMI that is not running blocks nothing.
func FindBlocker(vmi *v1.VirtualMachineInstance, strategy v1.KubeVirtWorkloadUpdateStrategy, launcherImage string, cluster *v1.EvictionStrategy) (Blocker, bool) {
	if !Candidate(vmi) {
		return Blocker{}, false
	}
	return findBlocker(vmi, MethodsOf(strategy), Outdated(vmi, launcherImage), EffectiveEvictionStrategy(vmi, cluster), migratableCondition(vmi))
}

// findBlocker works with the VMI's effective eviction strategy and its
// LiveMigratable condition (nil: none).
func findBlocker(vmi *v1.VirtualMachineInstance, m Methods, outdated bool, strategy v1.EvictionStrategy, mc *v1.VirtualMachineInstanceCondition) (Blocker, bool) {
	drainRisk := strategy == v1.EvictionStrategyLiveMigrate || strategy == v1.EvictionStrategyExternal
	if !outdated && !drainRisk {
		// The common case, decided without reading the conditions.
		return Blocker{}, false
	}
	b := Blocker{Namespace: vmi.Namespace, Name: vmi.Name}
	cause, msg, notMigratable := causeOf(mc)
	switch {
	case strategy == v1.EvictionStrategyLiveMigrate && notMigratable:
		// Whatever the methods: evictions are refused. Evict never updates
		// it; LiveMigrate cannot.
		b.BlocksDrain = true
		b.NeverUpdates = outdated
		b.Workaround = workaroundDrain
	case strategy == v1.EvictionStrategyExternal:
		b.BlocksDrain = true
		if outdated && m.Evict && (!m.LiveMigrate || notMigratable) {
			b.NeverUpdates = true
			b.Workaround = workaroundExternal
		} else {
			b.Workaround = workaroundDrainExternal
		}
		b.Cause = CauseEvictionStrategyExternal
		return b, true
	case !outdated:
		return Blocker{}, false
	case !m.LiveMigrate && !m.Evict:
		b.NeverUpdates = true
		b.Cause, b.Workaround = CauseUpdatesOff, workaroundUpdatesOff
		return b, true
	case notMigratable && !m.Evict:
		b.NeverUpdates = true
		b.Workaround = workaroundAddEvict
	default:
		return Blocker{}, false
	}
	b.Cause, b.Message = cause, msg
	if f, ok := fixes[cause]; ok {
		b.Fix = f
	} else {
		b.Fix = fixUnknownCause
	}
	return b, true
}
