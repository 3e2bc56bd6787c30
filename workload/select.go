package workload

import (
	corev1 "k8s.io/api/core/v1"

	v1 "kubevirt.io/api/core/v1"
)

// Method is how a VMI gets onto an updated launcher pod.
type Method string

// The methods. LiveMigrate and Evict carry the same strings as
// [v1.WorkloadUpdateMethodLiveMigrate] and [v1.WorkloadUpdateMethodEvict].
const (
	// MethodLiveMigrate moves the guest to a new launcher pod without
	// stopping it.
	MethodLiveMigrate Method = Method(v1.WorkloadUpdateMethodLiveMigrate)
	// MethodEvict evicts the launcher pod. What that really does depends on
	// the VMI's eviction strategy: see [PredictEviction].
	MethodEvict Method = Method(v1.WorkloadUpdateMethodEvict)
	// MethodNone leaves the VMI alone; the Decision's reason says why.
	MethodNone Method = "None"
)

// Code identifies the rule behind a [Decision], for programs: compare codes,
// never reason text.
type Code string

// The codes a Decision can carry.
const (
	// CodeNoVMI: Select was given nil.
	CodeNoVMI Code = "NoVMI"
	// CodeBeingDeleted: the VMI has a deletionTimestamp.
	CodeBeingDeleted Code = "BeingDeleted"
	// CodeFinal: the VMI is Succeeded or Failed.
	CodeFinal Code = "Final"
	// CodeNotRunning: the VMI is not in phase Running yet.
	CodeNotRunning Code = "NotRunning"
	// CodeUpToDate: the VMI already runs the target launcher image.
	CodeUpToDate Code = "UpToDate"
	// CodeMigrating: the VMI is being migrated right now.
	CodeMigrating Code = "Migrating"
	// CodeUnfinishedMigration: a migration object for the VMI exists and is
	// not final yet.
	CodeUnfinishedMigration Code = "UnfinishedMigration"
	// CodeUpdatesOff: workloadUpdateMethods names no method.
	CodeUpdatesOff Code = "UpdatesOff"
	// CodeLiveMigrate: the VMI is live-migratable and LiveMigrate is on.
	CodeLiveMigrate Code = "LiveMigrate"
	// CodeEvictNotMigratable: the VMI cannot live-migrate and Evict is on.
	CodeEvictNotMigratable Code = "EvictNotMigratable"
	// CodeEvictOnly: Evict is on and LiveMigrate is not, so even a
	// migratable VMI is evicted.
	CodeEvictOnly Code = "EvictOnly"
	// CodeNotMigratable: the VMI cannot live-migrate and Evict is off, so it
	// stays on its old launcher.
	CodeNotMigratable Code = "NotMigratable"
	// CodeBackoff: the planner waits for the retry delay after failed
	// migrations.
	CodeBackoff Code = "Backoff"
	// CodeStuck: the VMI failed to migrate too many times in a row; the
	// planner stopped retrying it.
	CodeStuck Code = "Stuck"
)

// Reasons, one per code: what happens and what a person can do about it.
const (
	reasonNoVMI               = "no VMI given"
	reasonBeingDeleted        = "the VMI is being deleted; its replacement, if any, starts on the new launcher"
	reasonFinal               = "the VMI has stopped (Succeeded or Failed); a restart starts it on the new launcher"
	reasonNotRunning          = "the VMI is not Running yet; it starts on the new launcher"
	reasonUpToDate            = "already runs the target launcher image"
	reasonNotLabelled         = "not marked outdated: it carries no kubevirt.io/outdatedLauncherImage label, which virt-controller sets on VMIs with an older launcher; give the target launcher image (--launcher-image IMAGE) to compare images instead"
	reasonImageUnknown        = "its launcher image is not recorded yet (status.launcherContainerImageVersion is empty) and it carries no kubevirt.io/outdatedLauncherImage label: KubeVirt's updater skips it until virt-controller records the image"
	reasonMigrating           = "a live migration is in progress; wait for it to finish"
	reasonUnfinishedMigration = "a migration object for this VMI is not finished yet; wait for it, or delete it to let the update retry"
	reasonUpdatesOff          = "automatic workload updates are off: spec.workloadUpdateStrategy.workloadUpdateMethods names no method; add LiveMigrate (and Evict for VMIs that cannot migrate)"
	reasonLiveMigrate         = "live-migratable: it moves to a new launcher pod without downtime"
	reasonEvictNotMigratable  = "not live-migratable, and Evict is enabled: its launcher pod is evicted; see the eviction outcome for what that does"
	reasonEvictOnly           = "Evict is the only method: its launcher pod is evicted even though it could live-migrate; add LiveMigrate to the methods to migrate it instead"
	reasonNotMigratable       = "not live-migratable and Evict is not enabled: it stays on the old launcher; make it migratable, restart it yourself, or add Evict to the methods"
)

// Decision is the update method chosen for one VMI and why.
type Decision struct {
	// Method is LiveMigrate, Evict or None.
	Method Method `json:"method"`
	// Code names the rule that decided, for programs.
	Code Code `json:"code"`
	// Reason says, for a person, what will happen and what to do about it.
	Reason string `json:"reason"`
}

// Pre-built decisions, so Select never allocates.
var (
	decisionNoVMI               = Decision{MethodNone, CodeNoVMI, reasonNoVMI}
	decisionBeingDeleted        = Decision{MethodNone, CodeBeingDeleted, reasonBeingDeleted}
	decisionFinal               = Decision{MethodNone, CodeFinal, reasonFinal}
	decisionNotRunning          = Decision{MethodNone, CodeNotRunning, reasonNotRunning}
	decisionUpToDate            = Decision{MethodNone, CodeUpToDate, reasonUpToDate}
	decisionNotLabelled         = Decision{MethodNone, CodeUpToDate, reasonNotLabelled}
	decisionImageUnknown        = Decision{MethodNone, CodeUpToDate, reasonImageUnknown}
	decisionMigrating           = Decision{MethodNone, CodeMigrating, reasonMigrating}
	decisionUnfinishedMigration = Decision{MethodNone, CodeUnfinishedMigration, reasonUnfinishedMigration}
	decisionUpdatesOff          = Decision{MethodNone, CodeUpdatesOff, reasonUpdatesOff}
	decisionLiveMigrate         = Decision{MethodLiveMigrate, CodeLiveMigrate, reasonLiveMigrate}
	decisionEvictNotMigratable  = Decision{MethodEvict, CodeEvictNotMigratable, reasonEvictNotMigratable}
	decisionEvictOnly           = Decision{MethodEvict, CodeEvictOnly, reasonEvictOnly}
	decisionNotMigratable       = Decision{MethodNone, CodeNotMigratable, reasonNotMigratable}
)

// Methods is the set of update methods a strategy enables.
type Methods struct {
	// LiveMigrate is true when workloadUpdateMethods contains LiveMigrate.
	LiveMigrate bool
	// Evict is true when workloadUpdateMethods contains Evict.
	Evict bool
}

// MethodsOf reads the enabled methods from a strategy. Order and duplicates
// do not matter; values other than LiveMigrate and Evict are ignored, as
// KubeVirt ignores them (use [ParseMethods] to reject them in input).
func MethodsOf(strategy v1.KubeVirtWorkloadUpdateStrategy) Methods {
	var m Methods
	for _, x := range strategy.WorkloadUpdateMethods {
		switch x {
		case v1.WorkloadUpdateMethodLiveMigrate:
			m.LiveMigrate = true
		case v1.WorkloadUpdateMethodEvict:
			m.Evict = true
		}
	}
	return m
}

// Select decides how one outdated VMI is updated under strategy, by
// KubeVirt's table:
//
//	workloadUpdateMethods   migratable VMI   non-migratable VMI
//	[] or unset             None             None
//	[LiveMigrate]           LiveMigrate      None
//	[Evict]                 Evict            Evict
//	[LiveMigrate, Evict]    LiveMigrate      Evict
//
// The order of the list does not matter. Only a VMI in phase Running, not
// final and not being deleted is considered; a VMI whose live migration is in
// progress gets None, saying so. "Migratable" is the LiveMigratable condition
// with status True, exactly as [v1.VirtualMachineInstance.IsMigratable].
//
// Select does not know the target launcher image (see [Outdated]) nor the
// migration objects of the cluster (see [SelectWith]), and it does not look
// at the eviction strategy: KubeVirt's updater does not either; what an
// eviction then does is [PredictEviction]'s business. Select never allocates.
func Select(vmi *v1.VirtualMachineInstance, strategy v1.KubeVirtWorkloadUpdateStrategy) Decision {
	return SelectWith(vmi, strategy, nil)
}

// SelectWith is [Select] for a VMI whose unfinished migration object, if
// any, is known: a VMI with a migration that is neither Succeeded nor Failed
// gets None, as in KubeVirt, so two migrations never race for one VMI.
func SelectWith(vmi *v1.VirtualMachineInstance, strategy v1.KubeVirtWorkloadUpdateStrategy, unfinished *v1.VirtualMachineInstanceMigration) Decision {
	if d, ok := preconditions(vmi); !ok {
		return d
	}
	if unfinished != nil && !unfinished.IsFinal() {
		return decisionUnfinishedMigration
	}
	return byMethods(MethodsOf(strategy), vmi.IsMigratable())
}

// preconditions returns the decision for a VMI that is not a candidate at
// all, and ok=false; ok=true means the methods decide.
func preconditions(vmi *v1.VirtualMachineInstance) (Decision, bool) {
	switch {
	case vmi == nil:
		return decisionNoVMI, false
	case vmi.DeletionTimestamp != nil:
		return decisionBeingDeleted, false
	case vmi.IsFinal():
		return decisionFinal, false
	case !vmi.IsRunning():
		return decisionNotRunning, false
	case isMigrating(vmi):
		return decisionMigrating, false
	}
	return Decision{}, true
}

func byMethods(m Methods, migratable bool) Decision {
	switch {
	case !m.LiveMigrate && !m.Evict:
		return decisionUpdatesOff
	case m.LiveMigrate && migratable:
		return decisionLiveMigrate
	case m.Evict && migratable:
		return decisionEvictOnly
	case m.Evict:
		return decisionEvictNotMigratable
	}
	return decisionNotMigratable
}

// isMigrating is true while a live migration of the VMI has started and not
// ended, as KubeVirt's migrations.IsMigrating.
func isMigrating(vmi *v1.VirtualMachineInstance) bool {
	ms := vmi.Status.MigrationState
	return ms != nil && ms.StartTimestamp != nil && ms.EndTimestamp == nil
}

// migratableCondition returns the LiveMigratable condition, or nil.
func migratableCondition(vmi *v1.VirtualMachineInstance) *v1.VirtualMachineInstanceCondition {
	for i := range vmi.Status.Conditions {
		if vmi.Status.Conditions[i].Type == v1.VirtualMachineInstanceIsMigratable {
			return &vmi.Status.Conditions[i]
		}
	}
	return nil
}

// NotMigratableCause returns the reason and message of the VMI's
// LiveMigratable condition when the VMI cannot live-migrate (for example
// DisksNotLiveMigratable), and ok=false when it can. A VMI with no such
// condition yet is not migratable; its reason is then "LiveMigratableUnknown".
func NotMigratableCause(vmi *v1.VirtualMachineInstance) (reason, message string, ok bool) {
	if vmi == nil {
		return "", "", false
	}
	return causeOf(migratableCondition(vmi))
}

// causeOf reads a LiveMigratable condition (nil: none) as NotMigratableCause.
func causeOf(c *v1.VirtualMachineInstanceCondition) (reason, message string, ok bool) {
	switch {
	case c == nil:
		return CauseUnknown, "the VMI has no LiveMigratable condition yet", true
	case c.Status == corev1.ConditionTrue:
		return "", "", false
	case c.Reason == "":
		return v1.VirtualMachineInstanceReasonNotMigratable, c.Message, true
	}
	return c.Reason, c.Message, true
}

// CauseUnknown is the cause reported for a VMI that has no LiveMigratable
// condition at all (virt-handler has not computed it yet).
const CauseUnknown = "LiveMigratableUnknown"
