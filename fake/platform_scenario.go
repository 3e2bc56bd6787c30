package fake

import (
	"fmt"

	configv1 "github.com/openshift/api/config/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// ScenarioClusterOperator is a ClusterOperator (config.openshift.io/v1)
// with its status conditions, for example a kube-apiserver that reports
// Upgradeable=False. OLM's ClusterOperator (operator-lifecycle-manager) is
// computed by the fake from the CSVs; see ScenarioOperator.
type ScenarioClusterOperator struct {
	Name       string                      `json:"name"`
	Conditions []ScenarioOperatorCondition `json:"conditions"`
}

// ScenarioOperatorCondition is one status condition of a ClusterOperator.
type ScenarioOperatorCondition struct {
	// Type is Available, Progressing, Degraded or Upgradeable.
	Type string `json:"type"`
	// Status is True, False or Unknown.
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ScenarioOperator is an installed OLM operator besides OpenShift
// Virtualization: a Succeeded CSV, with the olm.maxOpenShiftVersion
// property OLM reads to decide whether OpenShift may go to its next minor.
type ScenarioOperator struct {
	Namespace string `json:"namespace"`
	// CSV is the ClusterServiceVersion's name, e.g. odf-operator.v4.14.3.
	CSV     string `json:"csv"`
	Version string `json:"version,omitempty"`
	// MaxOpenShiftVersion is the newest OpenShift minor the operator runs
	// on ("4.15"); empty means it declares none.
	MaxOpenShiftVersion string `json:"maxOpenShiftVersion,omitempty"`
}

// operatorConditionTypes are the ClusterOperator condition types a
// scenario may set.
var operatorConditionTypes = map[string]bool{
	string(configv1.OperatorAvailable): true, string(configv1.OperatorProgressing): true,
	string(configv1.OperatorDegraded): true, string(configv1.OperatorUpgradeable): true,
}

// checkPoolMaxUnavailable checks pools[i].maxUnavailable: a node count or a
// percentage.
func checkPoolMaxUnavailable(field string, v *intstr.IntOrString) error {
	if v == nil {
		return nil
	}
	if err := checkMaxUnavailable(*v); err != nil {
		return invalid(field, "%v", err)
	}
	return nil
}

// validatePlatform checks the scenario's ClusterOperators and operators.
func (s *Scenario) validatePlatform() error {
	seen := map[string]bool{}
	for i, co := range s.ClusterOperators {
		f := fmt.Sprintf("clusterOperators[%d]", i)
		switch {
		case co.Name == "":
			return invalid(f+".name", "is required, e.g. kube-apiserver")
		case co.Name == ClusterOperatorOLM:
			return invalid(f+".name", "%q is computed by the fake's OLM from the installed CSVs: give operators[].maxOpenShiftVersion instead", co.Name)
		case seen[co.Name]:
			return invalid(f+".name", "ClusterOperator %q is defined twice", co.Name)
		}
		seen[co.Name] = true
		types := map[string]bool{}
		for j, cond := range co.Conditions {
			g := fmt.Sprintf("%s.conditions[%d]", f, j)
			if !operatorConditionTypes[cond.Type] {
				return invalid(g+".type", "%q is not Available, Progressing, Degraded or Upgradeable", cond.Type)
			}
			if types[cond.Type] {
				return invalid(g+".type", "condition %q is given twice", cond.Type)
			}
			types[cond.Type] = true
			switch configv1.ConditionStatus(cond.Status) {
			case configv1.ConditionTrue, configv1.ConditionFalse, configv1.ConditionUnknown:
			default:
				return invalid(g+".status", "%q is not True, False or Unknown", cond.Status)
			}
		}
	}
	csvs := map[string]bool{}
	for i, op := range s.Operators {
		f := fmt.Sprintf("operators[%d]", i)
		if op.Namespace == "" {
			return invalid(f+".namespace", "is required, e.g. openshift-storage")
		}
		if op.CSV == "" {
			return invalid(f+".csv", "is required, e.g. odf-operator.v4.14.3")
		}
		k := op.Namespace + "/" + op.CSV
		if csvs[k] || (s.CNV != nil && op.Namespace == update.DefaultNamespace && op.CSV == CSVName(s.CNV.Version)) {
			return invalid(f+".csv", "CSV %q is defined twice", k)
		}
		csvs[k] = true
		if err := checkVersion(f+".version", op.Version, false); err != nil {
			return err
		}
		if op.MaxOpenShiftVersion != "" {
			if _, err := parseMaxOpenShiftVersion(op.MaxOpenShiftVersion); err != nil {
				return invalid(f+".maxOpenShiftVersion", "%q is not an OpenShift minor like 4.16: %v", op.MaxOpenShiftVersion, err)
			}
		}
	}
	return nil
}

// loadPlatform seeds the cluster with the scenario's platform state: pools'
// maxUnavailable, cordoned and NotReady nodes, ClusterOperators and
// operators' CSVs. It records no events: this is the state at the start.
func (s *Scenario) loadPlatform(c *Cluster) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	c.platformChanged()
	for _, p := range s.Pools {
		if pool := c.pools[p.Name]; pool != nil && p.MaxUnavailable != nil {
			c.setPoolMaxUnavailable(pool, *p.MaxUnavailable)
		}
	}
	for _, g := range s.Nodes {
		for _, name := range expand(g.Name, g.Count) {
			n := c.nodes[name]
			if n == nil {
				continue
			}
			n.Spec.Unschedulable = n.Spec.Unschedulable || g.Unschedulable
			if g.Ready != nil && !*g.Ready {
				setNodeReady(n, false, now)
			}
		}
	}
	for _, co := range s.ClusterOperators {
		for _, cond := range co.Conditions {
			c.setOperatorCondition(co.Name, configv1.ClusterOperatorStatusCondition{Type: configv1.ClusterStatusConditionType(cond.Type),
				Status: configv1.ConditionStatus(cond.Status), Reason: cond.Reason, Message: cond.Message}, now)
		}
	}
	for _, op := range s.Operators {
		k := key{op.Namespace, op.CSV}
		c.csvs[k] = &conditions.CSV{Name: op.CSV, DisplayName: op.CSV, Version: op.Version, Phase: conditions.CSVPhaseSucceeded}
		if c.cnv.maxOpenShift == nil {
			c.cnv.maxOpenShift = map[key]string{}
		}
		c.cnv.maxOpenShift[k] = op.MaxOpenShiftVersion
	}
	c.workloadChanged()
}
