package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "kubevirt.io/api/core/v1"
)

// DefaultClusterEvictionStrategy is KubeVirt's cluster-wide eviction strategy
// when the KubeVirt CR's spec.configuration.evictionStrategy is unset: None.
//
// It is not what an OpenShift Virtualization cluster usually has. There HCO
// owns the KubeVirt CR and copies its own spec.evictionStrategy into it, and
// HCO's mutating webhook fills an unset one from
// status.infrastructureHighlyAvailable: LiveMigrate on a cluster with more
// than one worker node, None on a single-worker cluster. Read the cluster's
// strategy (the KubeVirt CR, or the HyperConverged CR) rather than assume
// this constant; it is the right default only for plain KubeVirt, or when
// nothing can be read.
const DefaultClusterEvictionStrategy = v1.EvictionStrategyNone

// EffectiveEvictionStrategy resolves the eviction strategy that applies to a
// VMI: its own spec.evictionStrategy, else the cluster's (nil meaning
// [DefaultClusterEvictionStrategy]), as KubeVirt's eviction webhook does.
func EffectiveEvictionStrategy(vmi *v1.VirtualMachineInstance, cluster *v1.EvictionStrategy) v1.EvictionStrategy {
	if vmi != nil && vmi.Spec.EvictionStrategy != nil {
		return *vmi.Spec.EvictionStrategy
	}
	if cluster != nil {
		return *cluster
	}
	return DefaultClusterEvictionStrategy
}

// EvictionOutcome is what KubeVirt's pod-eviction webhook makes of an
// eviction of a VMI's launcher pod.
type EvictionOutcome string

// The outcomes.
const (
	// EvictionShutsDown: the eviction is allowed, the pod is deleted and the
	// VMI shuts down. Whether it comes back is the [Restart] value.
	EvictionShutsDown EvictionOutcome = "ShutsDown"
	// EvictionMigrates: the eviction is denied and turned into an evacuation
	// migration; the VMI moves to a new launcher without downtime.
	EvictionMigrates EvictionOutcome = "Migrates"
	// EvictionDenied: the eviction is denied every time (eviction strategy
	// LiveMigrate on a VMI that cannot migrate). The VMI never updates this
	// way and blocks node drains.
	EvictionDenied EvictionOutcome = "Denied"
	// EvictionExternal: the eviction is denied and the VMI marked for an
	// external controller (eviction strategy External), which must shut it
	// down; until then it stays outdated.
	EvictionExternal EvictionOutcome = "External"
)

// Restart says whether a VMI that shuts down comes back, on the new launcher.
type Restart string

// The restart outcomes.
const (
	// RestartNotApplicable: the VMI does not shut down.
	RestartNotApplicable Restart = ""
	// RestartAlways: its VirtualMachine has runStrategy Always and starts a
	// new VMI on the new launcher.
	RestartAlways Restart = "Restarts"
	// RestartIfFailed: runStrategy RerunOnFailure restarts it only if the VMI
	// ends Failed; after a clean shutdown it stays off.
	RestartIfFailed Restart = "RestartsIfFailed"
	// RestartNever: runStrategy Manual, Halted or Once: the VM stays off
	// until someone starts it.
	RestartNever Restart = "StaysOff"
	// RestartUnknown: the VMI belongs to a VirtualMachine whose runStrategy
	// was not given.
	RestartUnknown Restart = "DependsOnRunStrategy"
	// RestartGone: a standalone VMI, with no VirtualMachine: it is deleted
	// for good, with whatever state its ephemeral disks held.
	RestartGone Restart = "Gone"
)

// EvictionPrediction is what evicting one VMI's launcher pod will really do.
type EvictionPrediction struct {
	// Strategy is the eviction strategy that applies (the VMI's, else the
	// cluster's).
	Strategy v1.EvictionStrategy `json:"strategy"`
	// Outcome is the webhook's answer.
	Outcome EvictionOutcome `json:"outcome"`
	// Restart says whether the VMI comes back when it shuts down.
	Restart Restart `json:"restart,omitempty"`
	// DataLossRisk is true for a standalone VMI that would be deleted.
	DataLossRisk bool `json:"dataLossRisk,omitempty"`
	// BlocksDrain is true when the webhook will refuse every eviction, so a
	// node drain (and with it a cluster update) cannot finish.
	BlocksDrain bool `json:"blocksDrain,omitempty"`
	// Reason explains the prediction and what to do about it.
	Reason string `json:"reason"`
}

// Reasons of eviction predictions.
const (
	reasonEvictDenied        = "eviction strategy LiveMigrate on a VMI that cannot live-migrate: every eviction is denied, so it never updates and blocks node drains; remove evictionStrategy LiveMigrate (or use LiveMigrateIfPossible) and set runStrategy Always on its VirtualMachine so it is restarted instead"
	reasonEvictExternal      = "eviction strategy External: the eviction is denied and the VMI is marked for an external controller, which must shut it down; it stays outdated until that happens"
	reasonShutdownAlways     = "the launcher pod is deleted and the VMI shuts down; its VirtualMachine (runStrategy Always) restarts it on the new launcher"
	reasonShutdownIfFailed   = "the launcher pod is deleted and the VMI shuts down; runStrategy RerunOnFailure restarts it only if it ends Failed, so it may stay off; use runStrategy Always to have it restarted"
	reasonShutdownNever      = "the launcher pod is deleted and the VMI shuts down; its VirtualMachine's runStrategy does not restart it, so it stays off until someone starts it"
	reasonShutdownUnknown    = "the launcher pod is deleted and the VMI shuts down; it comes back only if its VirtualMachine's runStrategy restarts it (Always does)"
	reasonShutdownStandalone = "the launcher pod is deleted and this standalone VMI (no VirtualMachine) is gone for good: data-loss risk; run it from a VirtualMachine with runStrategy Always, or give it eviction strategy LiveMigrate if it can migrate"
)

// Pre-built reasons for the two strategies that migrate.
var reasonsMigrates = map[v1.EvictionStrategy]string{
	v1.EvictionStrategyLiveMigrate:           "eviction strategy LiveMigrate on a migratable VMI: the eviction becomes an evacuation live migration",
	v1.EvictionStrategyLiveMigrateIfPossible: "eviction strategy LiveMigrateIfPossible on a migratable VMI: the eviction becomes an evacuation live migration",
}

// PredictEviction says what evicting the VMI's launcher pod will do, by
// KubeVirt's eviction webhook: the strategy is the VMI's own, else cluster
// (nil: [DefaultClusterEvictionStrategy]).
//
//	None (or unknown)        shuts down; restarts only if its runStrategy says so
//	LiveMigrate              migratable: evacuation migration; else denied forever
//	LiveMigrateIfPossible    migratable: evacuation migration; else like None
//	External                 denied; an external controller must act
//
// runStrategy is the runStrategy of the VMI's VirtualMachine when the caller
// knows it (nil when not known); a VMI with no VirtualMachine owner is
// standalone and is reported as a data-loss risk. PredictEviction does not
// allocate.
func PredictEviction(vmi *v1.VirtualMachineInstance, cluster *v1.EvictionStrategy, runStrategy *v1.VirtualMachineRunStrategy) EvictionPrediction {
	s := EffectiveEvictionStrategy(vmi, cluster)
	p := EvictionPrediction{Strategy: s, Outcome: evictionOutcome(s, vmi != nil && vmi.IsMigratable())}
	switch p.Outcome {
	case EvictionExternal:
		p.BlocksDrain, p.Reason = true, reasonEvictExternal
		return p
	case EvictionMigrates:
		p.Reason = reasonsMigrates[s]
		return p
	case EvictionDenied:
		p.BlocksDrain, p.Reason = true, reasonEvictDenied
		return p
	}
	p.Restart = restartOf(vmi, runStrategy)
	switch p.Restart {
	case RestartAlways:
		p.Reason = reasonShutdownAlways
	case RestartIfFailed:
		p.Reason = reasonShutdownIfFailed
	case RestartNever:
		p.Reason = reasonShutdownNever
	case RestartGone:
		p.Reason, p.DataLossRisk = reasonShutdownStandalone, true
	default:
		p.Reason = reasonShutdownUnknown
	}
	return p
}

// evictionOutcome is the webhook's answer for an effective strategy.
func evictionOutcome(s v1.EvictionStrategy, migratable bool) EvictionOutcome {
	switch {
	case s == v1.EvictionStrategyExternal:
		return EvictionExternal
	case (s == v1.EvictionStrategyLiveMigrate || s == v1.EvictionStrategyLiveMigrateIfPossible) && migratable:
		return EvictionMigrates
	case s == v1.EvictionStrategyLiveMigrate:
		return EvictionDenied
	}
	return EvictionShutsDown
}

func restartOf(vmi *v1.VirtualMachineInstance, runStrategy *v1.VirtualMachineRunStrategy) Restart {
	if !ownedByVM(vmi) {
		return RestartGone
	}
	if runStrategy == nil {
		return RestartUnknown
	}
	switch *runStrategy {
	case v1.RunStrategyAlways:
		return RestartAlways
	case v1.RunStrategyRerunOnFailure:
		return RestartIfFailed
	case v1.RunStrategyManual, v1.RunStrategyHalted, v1.RunStrategyOnce:
		return RestartNever
	}
	return RestartUnknown
}

// ownedByVM is true when a VirtualMachine controls the VMI.
func ownedByVM(vmi *v1.VirtualMachineInstance) bool {
	if vmi == nil {
		return false
	}
	return ownerIsVM(vmi.OwnerReferences)
}

func ownerIsVM(refs []metav1.OwnerReference) bool {
	for i := range refs {
		if refs[i].Kind == "VirtualMachine" && (refs[i].Controller == nil || *refs[i].Controller) {
			return true
		}
	}
	return false
}
