package workload

import (
	v1 "kubevirt.io/api/core/v1"
)

// Strategy picks the update method of one outdated VMI: LiveMigrate, Evict
// or None, with the rule that decided and a reason. [KubeVirtTable] (the
// table of [Select]) is the default; a [Planner] uses its Strategy field when
// it is set.
//
// Select is given the VMI and the methods the KubeVirt CR's
// spec.workloadUpdateStrategy enables ([MethodsOf]). The planner asks only
// about VMIs it could act on: running, not final, not being deleted,
// outdated, not migrating and without an unfinished or expected migration;
// any other caller may pass any VMI, nil included.
//
// An implementation must:
//
//   - be deterministic: the same VMI and methods give the same Decision;
//   - not modify the VMI;
//   - return the zero Decision when it has no opinion: the next Strategy of
//     a [FirstOf] decides, and the planner (and [DecideBy]) fall back to
//     KubeVirt's table;
//   - return LiveMigrate only for a VMI whose LiveMigratable condition is
//     True, and only a method that methods enables (it may narrow KubeVirt's
//     choice, never widen it): the planner replaces any other answer by None
//     with [CodeNotAllowed] and a reason that names the mistake;
//   - give a Code and a Reason a person can act on (a Strategy may define
//     codes of its own).
//
// The planner calls Select once per such VMI and reconcile, so an
// implementation should not allocate: return pre-built Decisions, as
// KubeVirtTable does.
type Strategy interface {
	Select(vmi *v1.VirtualMachineInstance, methods Methods) Decision
}

// StrategyFunc adapts a function to [Strategy]. A nil StrategyFunc has no
// opinion (it returns the zero Decision).
type StrategyFunc func(vmi *v1.VirtualMachineInstance, methods Methods) Decision

// Select calls f.
func (f StrategyFunc) Select(vmi *v1.VirtualMachineInstance, methods Methods) Decision {
	if f == nil {
		return Decision{}
	}
	return f(vmi, methods)
}

// KubeVirtTable is the default [Strategy]: KubeVirt's table, exactly as
// [Select] applies it (KubeVirtTable{}.Select(vmi, MethodsOf(s)) ==
// Select(vmi, s)). It never returns the zero Decision and never allocates.
type KubeVirtTable struct{}

// Select is [Select] for the enabled methods.
func (KubeVirtTable) Select(vmi *v1.VirtualMachineInstance, methods Methods) Decision {
	if d, ok := preconditions(vmi); !ok {
		return d
	}
	return byMethods(methods, vmi.IsMigratable())
}

// FirstOf is a [Strategy] chain: the first Strategy that has an opinion (a
// non-zero Decision) decides. When none has, FirstOf has none either, and the
// planner falls back to KubeVirt's table; end the chain with
// [KubeVirtTable]{} to make that explicit. The empty (or nil) FirstOf has no
// opinion; nil entries are skipped.
type FirstOf []Strategy

// Select asks each Strategy in turn.
func (c FirstOf) Select(vmi *v1.VirtualMachineInstance, methods Methods) Decision {
	for _, s := range c {
		if s == nil {
			continue
		}
		if d := s.Select(vmi, methods); d.Method != "" {
			return d
		}
	}
	return Decision{}
}

var (
	_ Strategy = KubeVirtTable{}
	_ Strategy = StrategyFunc(nil)
	_ Strategy = FirstOf(nil)
)

// CodeNotAllowed: a [Strategy] chose a method the cluster does not allow for
// the VMI (one workloadUpdateMethods does not enable, LiveMigrate for a VMI
// that cannot live-migrate, or an unknown method); the VMI is left alone.
const CodeNotAllowed Code = "NotAllowed"

const (
	reasonLiveMigrateNotEnabled = "the Strategy chose LiveMigrate, which workloadUpdateMethods does not enable: it stays on the old launcher; add LiveMigrate to the methods, or change the Strategy"
	reasonStrategyNotMigratable = "the Strategy chose LiveMigrate, but the VMI is not live-migratable: it stays on the old launcher; make it migratable, or change the Strategy"
	reasonEvictNotEnabled       = "the Strategy chose Evict, which workloadUpdateMethods does not enable: it stays on the old launcher; add Evict to the methods, or change the Strategy"
	reasonUnknownMethod         = "the Strategy chose a method other than LiveMigrate, Evict or None: it stays on the old launcher; fix the Strategy"
)

var (
	decisionLiveMigrateNotEnabled = Decision{MethodNone, CodeNotAllowed, reasonLiveMigrateNotEnabled}
	decisionStrategyNotMigratable = Decision{MethodNone, CodeNotAllowed, reasonStrategyNotMigratable}
	decisionEvictNotEnabled       = Decision{MethodNone, CodeNotAllowed, reasonEvictNotEnabled}
	decisionUnknownMethod         = Decision{MethodNone, CodeNotAllowed, reasonUnknownMethod}
)

// allowed asks st about a VMI the methods decide for (the preconditions
// passed), and keeps its answer within what the cluster allows: table is
// KubeVirt's decision, taken when st has no opinion.
func allowed(st Strategy, vmi *v1.VirtualMachineInstance, m Methods, migratable bool, table Decision) Decision {
	d := st.Select(vmi, m)
	switch d.Method {
	case "":
		return table
	case MethodNone:
		return d
	case MethodLiveMigrate:
		switch {
		case !m.LiveMigrate:
			return decisionLiveMigrateNotEnabled
		case !migratable:
			return decisionStrategyNotMigratable
		}
		return d
	case MethodEvict:
		if !m.Evict {
			return decisionEvictNotEnabled
		}
		return d
	}
	return decisionUnknownMethod
}

// DecideBy is [Decide] with st choosing the method (nil st: KubeVirt's
// table): a VMI that is not a candidate, is migrating, is up to date or has
// an unfinished migration gets None with the reason, as in Decide; for any
// other, st decides, within what the cluster allows (see [Strategy]). It
// allocates only if st does.
func DecideBy(st Strategy, vmi *v1.VirtualMachineInstance, updates v1.KubeVirtWorkloadUpdateStrategy, launcherImage string, unfinished *v1.VirtualMachineInstanceMigration) Decision {
	d := Decide(vmi, updates, launcherImage, unfinished)
	if st == nil {
		return d
	}
	switch d.Code {
	case CodeNoVMI, CodeBeingDeleted, CodeFinal, CodeNotRunning, CodeMigrating, CodeUpToDate, CodeUnfinishedMigration:
		return d
	}
	return allowed(st, vmi, MethodsOf(updates), vmi.IsMigratable(), d)
}
