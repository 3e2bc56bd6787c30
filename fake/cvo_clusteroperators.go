package fake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// KindClusterOperator is the kind of ClusterOperators in events.
const KindClusterOperator = "ClusterOperator"

// ClusterOperatorOLM is the name of OLM's ClusterOperator, whose Upgradeable
// condition the fake's OLM computes from the installed operators' CSVs.
const ClusterOperatorOLM = "operator-lifecycle-manager"

// The ClusterVersion condition types the CVO derives Upgradeable from, set
// besides Upgradeable when more than one check fails.
const (
	conditionUpgradeableClusterOperators  = "UpgradeableClusterOperators"
	conditionUpgradeableUpgradeInProgress = "UpgradeableUpgradeInProgress"
)

// SetClusterOperatorCondition sets a status condition of a ClusterOperator
// (config.openshift.io/v1), creating the operator. An Upgradeable=False
// condition makes the ClusterVersion Upgradeable=False, and so holds back
// minor updates (not z-streams). OLM's ClusterOperator is computed by the
// fake's OLM from the CSVs (see SetCSVMaxOpenShiftVersion) and can be set
// here only once ControllerOLM is disabled.
func (c *Cluster) SetClusterOperatorCondition(name string, cond configv1.ClusterOperatorStatusCondition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if name == "" {
		return fmt.Errorf("%w: a ClusterOperator needs a name", update.ErrInvalid)
	}
	if name == ClusterOperatorOLM && !c.disabled[ControllerOLM] {
		return fmt.Errorf("%w: ClusterOperator %s: the fake's OLM computes its conditions from the CSVs' %s property; set that with SetCSVMaxOpenShiftVersion, or disable %q first",
			update.ErrInvalid, name, MaxOpenShiftVersionProperty, ControllerOLM)
	}
	switch cond.Status {
	case configv1.ConditionTrue, configv1.ConditionFalse, configv1.ConditionUnknown:
	default:
		return fmt.Errorf("%w: ClusterOperator %s condition %s: status %q is not True, False or Unknown", update.ErrInvalid, name, cond.Type, cond.Status)
	}
	if cond.Type == "" {
		return fmt.Errorf("%w: ClusterOperator %s: a condition needs a type (Available, Progressing, Degraded, Upgradeable)", update.ErrInvalid, name)
	}
	c.setOperatorCondition(name, cond, c.clock.Now())
	c.record(KindClusterOperator, "", name, "ConditionSet", fmt.Sprintf("%s=%s (%s): %s", cond.Type, cond.Status, cond.Reason, cond.Message))
	return nil
}

// ClusterOperators returns the ClusterOperators, sorted by name.
func (c *Cluster) ClusterOperators() []configv1.ClusterOperator {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]configv1.ClusterOperator, 0, len(c.cvo.operators))
	for _, name := range slices.Sorted(mapsKeys(c.cvo.operators)) {
		out = append(out, *c.cvo.operators[name].DeepCopy())
	}
	return out
}

// setOperatorCondition sets a condition of a ClusterOperator, creating it,
// and reports whether its status changed (a new condition counts as a
// change). lastTransitionTime changes only with the status.
func (c *Cluster) setOperatorCondition(name string, cond configv1.ClusterOperatorStatusCondition, now time.Time) bool {
	if c.cvo.operators == nil {
		c.cvo.operators = map[string]*configv1.ClusterOperator{}
	}
	co := c.cvo.operators[name]
	if co == nil {
		co = &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: name}}
		c.cvo.operators[name] = co
	}
	for i := range co.Status.Conditions {
		old := &co.Status.Conditions[i]
		if old.Type != cond.Type {
			continue
		}
		changed := old.Status != cond.Status
		cond.LastTransitionTime = old.LastTransitionTime
		if changed {
			cond.LastTransitionTime = metav1.NewTime(now)
		}
		*old = cond
		return changed
	}
	cond.LastTransitionTime = metav1.NewTime(now)
	co.Status.Conditions = append(co.Status.Conditions, cond)
	return true
}

func operatorCondition(co *configv1.ClusterOperator, typ configv1.ClusterStatusConditionType) *configv1.ClusterOperatorStatusCondition {
	for i := range co.Status.Conditions {
		if co.Status.Conditions[i].Type == typ {
			return &co.Status.Conditions[i]
		}
	}
	return nil
}

// setUpgradeable computes the ClusterVersion's Upgradeable condition as the
// CVO does: from the ClusterOperators that report Upgradeable=False, and
// from an update in progress (Progressing=True). One failing check gives
// its reason and message; several give MultipleReasons, with a condition of
// each check's own type beside it; none removes the condition.
func (c *Cluster) setUpgradeable(now time.Time) {
	cv := c.cv
	type check struct {
		typ            string
		status         metav1.ConditionStatus
		reason, detail string
	}
	var checks []check
	var notUp []string
	var notUpReason, notUpMessage string
	for _, name := range slices.Sorted(mapsKeys(c.cvo.operators)) {
		up := operatorCondition(c.cvo.operators[name], configv1.OperatorUpgradeable)
		if up == nil || up.Status != configv1.ConditionFalse {
			continue
		}
		notUp = append(notUp, fmt.Sprintf("Cluster operator %s should not be upgraded between minor or major versions: %s: %s", name, up.Reason, up.Message))
		notUpReason = up.Reason
		notUpMessage = fmt.Sprintf("Cluster operator %s should not be upgraded between minor or major versions: %s", name, up.Message)
	}
	switch len(notUp) {
	case 0:
	case 1:
		checks = append(checks, check{conditionUpgradeableClusterOperators, metav1.ConditionFalse, notUpReason, notUpMessage})
	default:
		checks = append(checks, check{conditionUpgradeableClusterOperators, metav1.ConditionFalse, "ClusterOperatorsNotUpgradeable",
			"Multiple cluster operators should not be upgraded between minor or major versions:\n* " + strings.Join(notUp, "\n* ")})
	}
	if p := cvCondition(cv, "Progressing"); p != nil && p.Status == metav1.ConditionTrue {
		checks = append(checks, check{conditionUpgradeableUpgradeInProgress, metav1.ConditionTrue, "UpdateInProgress",
			"An update is already in progress and the details are in the Progressing condition"})
	}
	keep := map[string]bool{}
	switch len(checks) {
	case 0:
	case 1:
		setCVCondition(cv, now, "Upgradeable", metav1.ConditionFalse, checks[0].reason, checks[0].detail)
		keep["Upgradeable"] = true
	default:
		var reasons, msgs []string
		for _, ch := range checks {
			setCVCondition(cv, now, ch.typ, ch.status, ch.reason, ch.detail)
			keep[ch.typ] = true
			reasons, msgs = append(reasons, ch.reason), append(msgs, ch.detail)
		}
		setCVCondition(cv, now, "Upgradeable", metav1.ConditionFalse, "MultipleReasons",
			"Cluster should not be upgraded between minor or major versions for multiple reasons: "+strings.Join(reasons, ",")+"\n* "+strings.Join(msgs, "\n* "))
		keep["Upgradeable"] = true
	}
	for _, typ := range []string{"Upgradeable", conditionUpgradeableClusterOperators, conditionUpgradeableUpgradeInProgress} {
		if !keep[typ] {
			removeCVCondition(cv, typ)
		}
	}
}
