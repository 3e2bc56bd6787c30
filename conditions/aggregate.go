package conditions

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
)

// Component is one resource HCO deploys and watches, as HCO sees it in one
// reconcile.
type Component struct {
	// Name is the component's name as HCO spells it in reasons
	// (ComponentKubeVirt, ComponentCDI, …).
	Name string
	// Conditions are the component resource's status conditions. None at all
	// means the resource has not reported yet, which HCO treats as not
	// available, progressing and not upgradeable.
	Conditions []metav1.Condition
	// AtTargetVersion reports that the component's status shows the version
	// this HCO deploys (HCO compares e.g. KUBEVIRT_VERSION with
	// status.observedKubeVirtVersion). It is read only during an upgrade.
	AtTargetVersion bool
}

// Input is what HCO knows in one reconcile of the HyperConverged.
type Input struct {
	// Generation is the HyperConverged's metadata.generation; every condition
	// written carries it as observedGeneration.
	Generation int64
	// Components in the order HCO processes them (KubeVirt, CDI,
	// NetworkAddonsConfig, AAQ, MigController, FileRestoreOperator, then SSP on
	// OpenShift). Order matters: on the same condition type the last
	// component wins. When OperandError is set, list only the components HCO
	// processed before the one that failed.
	Components []Component
	// FirstReconcile is true when the HyperConverged has no status.conditions
	// yet. HCO then writes its Init conditions and, when every operand is
	// reconciled, stops there: it aggregates nothing. With an OperandError
	// the Init conditions are overwritten as on any pass with one.
	FirstReconcile bool
	// OperandError is the error of the operand HCO failed to reconcile, if
	// any, on the first reconcile as on any other. ReconcileComplete becomes
	// False with reason ReconcileFailed and no aggregation happens: the
	// types the components listed did not set become Unknown (reason
	// StatusUnknown).
	OperandError error
	// UpgradingTo is HCO's own version when HCO is in upgrade mode, that is,
	// when status.versions[operator] differs from it; empty otherwise.
	// Ignored on the first reconcile, which is never an upgrade.
	UpgradingTo string
}

// Result is the outcome of one aggregation.
type Result struct {
	// Conditions is the new status.conditions: the current ones with the five
	// managed types set by meta.SetStatusCondition, so lastTransitionTime
	// moves only when a status changes. Other types are kept as they were.
	Conditions []metav1.Condition
	// AllComponentsUp is true when no component reported anything negative.
	AllComponentsUp bool
	// Ready is HCO's readiness: all components up and no upgrade in progress.
	Ready bool
	// UpgradeCompleted is true when this pass completed an upgrade: every
	// component is up and reports the target version. The caller records
	// status.versions[operator] = Input.UpgradingTo.
	UpgradeCompleted bool
	// OperatorUpgradeable is the Upgradeable condition HCO reports to OLM
	// through its OperatorCondition. OLM keeps the next CSV Pending while it
	// is False.
	OperatorUpgradeable metav1.Condition
	// SystemHealth is status.systemHealthStatus: SystemHealthHealthy,
	// SystemHealthWarning or SystemHealthError.
	SystemHealth string
}

// slot indices into the five managed types.
const (
	iReconcileComplete = iota
	iAvailable
	iProgressing
	iDegraded
	iUpgradeable
	nTypes
)

var managedTypes = [nTypes]string{TypeReconcileComplete, TypeAvailable, TypeProgressing, TypeDegraded, TypeUpgradeable}

// pass is HCO's in-memory condition map for one reconcile. A fixed array
// instead of a map keeps Aggregate free of per-call map allocations.
type pass struct {
	gen         int64
	set         [nTypes]bool
	cond        [nTypes]metav1.Condition
	upgradeable bool // false once a component reports Upgradeable=False
}

func (p *pass) empty() bool { return p.set == [nTypes]bool{} }

// put overwrites the type: the last writer wins.
func (p *pass) put(i int, status metav1.ConditionStatus, reason, message string) {
	p.set[i] = true
	p.cond[i] = metav1.Condition{Type: managedTypes[i], Status: status, Reason: reason, Message: message, ObservedGeneration: p.gen}
}

// putIfUnset writes only when no one has written the type in this pass.
func (p *pass) putIfUnset(i int, status metav1.ConditionStatus, reason, message string) {
	if !p.set[i] {
		p.put(i, status, reason, message)
	}
}

func (p *pass) isTrue(i int) bool { return p.set[i] && p.cond[i].Status == metav1.ConditionTrue }

// component records one component's negative states and reports whether it
// is ready: Available, Progressing and Degraded all present, none negative.
func (p *pass) component(c Component) bool {
	name := c.Name
	if len(c.Conditions) == 0 {
		reason, msg := ReasonNoConditions(name), name+" resource has no conditions"
		p.put(iAvailable, metav1.ConditionFalse, reason, msg)
		p.put(iProgressing, metav1.ConditionTrue, reason, msg)
		p.put(iUpgradeable, metav1.ConditionFalse, reason, msg)
		return false
	}
	ready := true
	var foundAvailable, foundProgressing, foundDegraded bool
	for i := range c.Conditions {
		cond := &c.Conditions[i]
		switch cond.Type {
		case TypeAvailable:
			foundAvailable = true
			if cond.Status == metav1.ConditionFalse {
				p.put(iAvailable, metav1.ConditionFalse, ReasonNotAvailable(name), name+" is not available: "+cond.Message)
				ready = false
			}
		case TypeProgressing:
			foundProgressing = true
			if cond.Status == metav1.ConditionTrue {
				reason, msg := ReasonProgressing(name), name+" is progressing: "+cond.Message
				p.put(iProgressing, metav1.ConditionTrue, reason, msg)
				p.putIfUnset(iUpgradeable, metav1.ConditionFalse, reason, msg)
				ready = false
			}
		case TypeDegraded:
			foundDegraded = true
			if cond.Status == metav1.ConditionTrue {
				p.put(iDegraded, metav1.ConditionTrue, ReasonDegraded(name), name+" is degraded: "+cond.Message)
				ready = false
			}
		case TypeUpgradeable:
			// Not part of readiness, but it is the only thing that makes HCO
			// tell OLM it is not upgradeable.
			if cond.Status == metav1.ConditionFalse {
				p.upgradeable = false
				p.put(iUpgradeable, metav1.ConditionFalse, ReasonNotUpgradeable(name), name+" is not upgradeable: "+cond.Message)
			}
		}
	}
	if !foundAvailable {
		p.put(iAvailable, metav1.ConditionFalse, ReasonNotAvailable(name), `missing "Available" condition`)
	}
	return ready && foundAvailable && foundProgressing && foundDegraded
}

// aggregate applies HCO's chart for the HyperConverged conditions.
func (p *pass) aggregate() {
	p.put(iReconcileComplete, metav1.ConditionTrue, ReasonReconcileCompleted, MessageReconcileCompleted)
	if p.set[iDegraded] {
		p.putIfUnset(iProgressing, metav1.ConditionFalse, ReasonReconcileCompleted, MessageReconcileCompleted)
		p.putIfUnset(iUpgradeable, metav1.ConditionFalse, ReasonHCODegraded, MessageDegradedUpgradeable)
		p.putIfUnset(iAvailable, metav1.ConditionFalse, ReasonHCODegraded, MessageDegradedAvailable)
		return
	}
	p.put(iDegraded, metav1.ConditionFalse, ReasonReconcileCompleted, MessageReconcileCompleted)
	if p.set[iProgressing] {
		p.putIfUnset(iUpgradeable, metav1.ConditionFalse, ReasonHCOProgressing, MessageProgressingUpgradeable)
		p.putIfUnset(iAvailable, metav1.ConditionTrue, ReasonReconcileCompleted, MessageReconcileCompleted)
		return
	}
	p.put(iProgressing, metav1.ConditionFalse, ReasonReconcileCompleted, MessageReconcileCompleted)
	p.putIfUnset(iUpgradeable, metav1.ConditionTrue, ReasonReconcileCompleted, MessageReconcileCompleted)
	p.putIfUnset(iAvailable, metav1.ConditionTrue, ReasonReconcileCompleted, MessageReconcileCompleted)
}

// Aggregate computes the HyperConverged conditions HCO writes after one
// reconcile, given the current status.conditions and what HCO found. The
// current slice is not modified. Every written condition carries
// in.Generation; lastTransitionTime is clk.Now() for a type whose status
// changed and is kept otherwise.
//
// The rules are HCO's (controllers/hyperconverged and controllers/operands):
// a component with no conditions makes Available=False, Progressing=True and
// Upgradeable=False; Available=False, Progressing=True, Degraded=True and
// Upgradeable=False of a component are copied with the reason
// "<Component><State>"; a component's Progressing also sets Upgradeable=False
// unless something already did; any Degraded forces Available=False and
// Upgradeable=False; Progressing alone forces Upgradeable=False and keeps
// Available=True; with nothing negative all five are healthy with reason
// ReconcileCompleted. While upgrading, Progressing is held True with reason
// HCOUpgrading until every component is up and at the target version.
//
// The first reconcile (in.FirstReconcile) writes HCO's Init conditions:
// ReconcileComplete and Upgradeable Unknown, Available False, Progressing
// True, Degraded False, reason Init. If an operand fails in it, HCO
// overwrites them in the same pass: ReconcileComplete=False/ReconcileFailed
// with the error, the types the components listed set, and the others
// Unknown/StatusUnknown.
//
// Aggregate is HCOAggregator{}.Aggregate, the default [Aggregator]; a nil
// clk means the real clock.
func Aggregate(clk clock.PassiveClock, current []metav1.Condition, in Input) Result {
	return HCOAggregator{}.Aggregate(clk, current, in)
}

// Aggregate applies HCO's rules, as [Aggregate] describes them, with the
// aggregator's merge strategies for the components.
func (a HCOAggregator) Aggregate(clk clock.PassiveClock, current []metav1.Condition, in Input) Result {
	if clk == nil {
		clk = clock.RealClock{}
	}
	p := pass{gen: in.Generation, upgradeable: true}
	upgrading := in.UpgradingTo != "" && !in.FirstReconcile
	var res Result

	switch {
	case in.FirstReconcile && in.OperandError == nil:
		// HCO writes its Init conditions and returns without aggregating.
		for i, status := range [nTypes]metav1.ConditionStatus{
			metav1.ConditionUnknown, metav1.ConditionFalse, metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown,
		} {
			p.put(i, status, ReasonInit, MessageInit)
		}
	default:
		componentsUpgraded := upgrading
		custom := a.custom()
		for i := range in.Components {
			c := &in.Components[i]
			var ready bool
			switch {
			case !custom:
				ready = p.component(*c)
			case a.ignores(c.Name):
				continue
			default:
				ready = a.merge(&p, *c)
			}
			componentsUpgraded = componentsUpgraded && ready && c.AtTargetVersion
		}
		if in.OperandError != nil {
			// On the first reconcile too: HCO has written its Init
			// conditions, starts this pass from an empty map, and on the
			// operand error writes all five again from it.
			p.put(iReconcileComplete, metav1.ConditionFalse, ReasonReconcileFailed, MessageReconcileFailedPrefix+in.OperandError.Error())
			break
		}
		res.AllComponentsUp = p.empty()
		p.aggregate()
		if res.AllComponentsUp && upgrading && componentsUpgraded {
			res.UpgradeCompleted = true
			upgrading = false
		}
		res.Ready = res.AllComponentsUp && !upgrading
		if upgrading {
			p.put(iProgressing, metav1.ConditionTrue, ReasonHCOUpgrading, MessageUpgradingPrefix+in.UpgradingTo)
		}
	}

	res.SystemHealth = p.systemHealth(upgrading)
	res.OperatorUpgradeable = p.operatorUpgradeable(upgrading, in.UpgradingTo)
	res.Conditions = p.write(clk, current)
	return res
}

// write sets the five managed types on a copy of current; a type no one set
// is written Unknown.
func (p *pass) write(clk clock.PassiveClock, current []metav1.Condition) []metav1.Condition {
	out := make([]metav1.Condition, len(current), len(current)+nTypes)
	copy(out, current)
	now := metav1.NewTime(clk.Now())
	for i := range nTypes {
		c := p.cond[i]
		if !p.set[i] {
			c = metav1.Condition{Type: managedTypes[i], Status: metav1.ConditionUnknown, Reason: ReasonStatusUnknown, Message: MessageStatusUnknown, ObservedGeneration: p.gen}
		}
		c.LastTransitionTime = now
		meta.SetStatusCondition(&out, c)
	}
	return out
}

// systemHealth mirrors HCO's status.systemHealthStatus, read from this pass.
func (p *pass) systemHealth(upgrading bool) string {
	var isError, isWarning bool
	if upgrading {
		// A temporary Available=False is expected during an upgrade.
		isError = p.isTrue(iDegraded)
		isWarning = !p.isTrue(iReconcileComplete)
	} else {
		isError = !p.isTrue(iAvailable) || p.isTrue(iDegraded)
		isWarning = !p.isTrue(iReconcileComplete) || p.isTrue(iProgressing)
	}
	switch {
	case isError:
		return SystemHealthError
	case isWarning:
		return SystemHealthWarning
	}
	return SystemHealthHealthy
}

// operatorUpgradeable mirrors the Upgradeable condition HCO writes on its OLM
// OperatorCondition. Only a component's Upgradeable=False or an upgrade in
// progress makes it False; a progressing or degraded component does not.
func (p *pass) operatorUpgradeable(upgrading bool, version string) metav1.Condition {
	c := metav1.Condition{Type: TypeUpgradeable, Status: metav1.ConditionTrue, Reason: ReasonUpgradeable, ObservedGeneration: p.gen}
	switch {
	case upgrading:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonAlreadyPerformingUpgrade, MessageOperatorUpgradingPrefix+version
	case !p.upgradeable:
		c.Status = metav1.ConditionFalse
		if u := p.cond[iUpgradeable]; p.set[iUpgradeable] && u.Status == metav1.ConditionFalse {
			c.Reason, c.Message = u.Reason, u.Message
		}
	}
	return c
}
