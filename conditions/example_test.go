package conditions_test

import (
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/virtupdate/virtupdate/conditions"
)

func component(name string, progressing metav1.ConditionStatus, msg string) conditions.Component {
	return conditions.Component{Name: name, AtTargetVersion: true, Conditions: []metav1.Condition{
		{Type: conditions.TypeAvailable, Status: metav1.ConditionTrue},
		{Type: conditions.TypeProgressing, Status: progressing, Message: msg},
		{Type: conditions.TypeDegraded, Status: metav1.ConditionFalse},
	}}
}

// HCO aggregates its components' conditions. A progressing KubeVirt keeps the
// HyperConverged available but not upgradeable.
func ExampleAggregate() {
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	res := conditions.Aggregate(clk, nil, conditions.Input{
		Generation: 4,
		Components: []conditions.Component{
			component(conditions.ComponentKubeVirt, metav1.ConditionTrue, "rolling out virt-handler"),
			component(conditions.ComponentCDI, metav1.ConditionFalse, ""),
		},
	})
	for _, c := range res.Conditions {
		fmt.Printf("%-17s %-5s %-20s %s\n", c.Type, c.Status, c.Reason, c.Message)
	}
	fmt.Println("tells OLM Upgradeable:", res.OperatorUpgradeable.Status)
	// Output:
	// ReconcileComplete True  ReconcileCompleted   Reconcile completed successfully
	// Available         True  ReconcileCompleted   Reconcile completed successfully
	// Progressing       True  KubeVirtProgressing  KubeVirt is progressing: rolling out virt-handler
	// Degraded          False ReconcileCompleted   Reconcile completed successfully
	// Upgradeable       False KubeVirtProgressing  KubeVirt is progressing: rolling out virt-handler
	// tells OLM Upgradeable: True
}

// During an operator upgrade HCO holds Progressing True until every component
// runs the new version; the pass that sees them all done completes it.
func ExampleAggregate_upgrade() {
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	kv := component(conditions.ComponentKubeVirt, metav1.ConditionFalse, "")
	kv.AtTargetVersion = false
	in := conditions.Input{Generation: 4, UpgradingTo: "4.14.4", Components: []conditions.Component{kv}}

	res := conditions.Aggregate(clk, nil, in)
	fmt.Println(res.UpgradeCompleted, res.OperatorUpgradeable.Reason)
	fmt.Println(meta(res.Conditions, conditions.TypeProgressing))

	in.Components[0].AtTargetVersion = true
	res = conditions.Aggregate(clk, res.Conditions, in)
	fmt.Println(res.UpgradeCompleted, res.OperatorUpgradeable.Reason)
	fmt.Println(meta(res.Conditions, conditions.TypeProgressing))
	// Output:
	// false AlreadyPerformingUpgrade
	// Progressing=True HCOUpgrading: HCO is now upgrading to version 4.14.4
	// true Upgradeable
	// Progressing=False ReconcileCompleted: Reconcile completed successfully
}

func meta(conds []metav1.Condition, t string) string {
	for _, c := range conds {
		if c.Type == t {
			return fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	return t + " missing"
}

// Evaluate reads the HyperConverged conditions as a pre-flight check would.
func ExampleEvaluate() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakePassiveClock(start)
	kv := component(conditions.ComponentKubeVirt, metav1.ConditionTrue, "migrating workloads")
	conds := conditions.Aggregate(clk, nil, conditions.Input{Generation: 2, Components: []conditions.Component{kv}}).Conditions

	clk.SetTime(start.Add(45 * time.Minute))
	h := conditions.Evaluate(clk, conds, 2, conditions.EvaluateOptions{})
	fmt.Println(h.Verdict, "upgradeable:", h.Upgradeable, "stalled:", h.Stalled, h.StalledFor)
	fmt.Println(h.Reasons[0])

	h = conditions.Evaluate(clk, conds, 3, conditions.EvaluateOptions{})
	fmt.Println(h.Verdict, "upgradeable:", h.Upgradeable)
	// Output:
	// Progressing upgradeable: false stalled: true 45m0s
	// Progressing=True (KubeVirtProgressing): KubeVirt is progressing: migrating workloads
	// Unknown upgradeable: false
}

// ReadOperatorUpdate reads an operator update from `oc get csv`.
func ExampleReadOperatorUpdate() {
	csvs := []conditions.CSV{
		{Name: "kubevirt-hyperconverged-operator.v4.14.3", Version: "4.14.3", Phase: conditions.CSVPhaseReplacing},
		{Name: "kubevirt-hyperconverged-operator.v4.14.4", Version: "4.14.4", Phase: conditions.CSVPhaseInstalling,
			Replaces: "kubevirt-hyperconverged-operator.v4.14.3"},
	}
	u, err := conditions.ReadOperatorUpdate(csvs, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Summary, "done:", u.Done)
	// Output:
	// update from 4.14.3 to 4.14.4 is Installing done: false
}

// ParseCSVList reads `oc get csv -o json`; WriteCSVTable prints it back as
// `oc get csv` does.
func ExampleWriteCSVTable() {
	csvs, err := conditions.ParseCSVList([]byte(`{"kind": "List", "items": [
	  {"metadata": {"name": "kubevirt-hyperconverged-operator.v4.14.4"},
	   "spec": {"displayName": "OpenShift Virtualization", "version": "4.14.4", "replaces": "kubevirt-hyperconverged-operator.v4.14.3"},
	   "status": {"phase": "Succeeded"}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = conditions.WriteCSVTable(os.Stdout, csvs)
	// Output:
	// NAME                                       DISPLAY                    VERSION   REPLACES                                   PHASE
	// kubevirt-hyperconverged-operator.v4.14.4   OpenShift Virtualization   4.14.4    kubevirt-hyperconverged-operator.v4.14.3   Succeeded
}

// A malformed list is rejected with the field at fault.
func ExampleParseCSVList() {
	_, err := conditions.ParseCSVList([]byte(`{"kind": "List", "items": [{"metadata": {"name": "a"}, "spec": {"version": 4}}]}`))
	fmt.Println(err)
	// Output:
	// CSV list: items[0]: field spec.version must be a string, got number
}

// An Aggregator with one rule changed: SSP's Upgradeable=False no longer
// holds the next operator update; every other rule is HCO's.
func ExampleAggregator() {
	ignoreUpgradeable := conditions.MergeFunc(func(c conditions.Component, r *conditions.Recorder) bool {
		var kept []metav1.Condition
		for _, cond := range c.Conditions {
			if cond.Type != conditions.TypeUpgradeable {
				kept = append(kept, cond)
			}
		}
		c.Conditions = kept
		return conditions.HCOMerge{}.Merge(c, r)
	})
	ssp := component(conditions.ComponentSSP, metav1.ConditionFalse, "")
	ssp.Conditions = append(ssp.Conditions, metav1.Condition{Type: conditions.TypeUpgradeable, Status: metav1.ConditionFalse, Message: "old templates in use"})
	in := conditions.Input{Generation: 2, Components: []conditions.Component{component(conditions.ComponentKubeVirt, metav1.ConditionFalse, ""), ssp}}
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))

	for _, a := range []conditions.Aggregator{
		conditions.HCOAggregator{},
		conditions.NewAggregator(conditions.ForComponent{Name: conditions.ComponentSSP, Strategy: ignoreUpgradeable}),
	} {
		res := a.Aggregate(clk, nil, in)
		fmt.Println(meta(res.Conditions, conditions.TypeUpgradeable), "| OLM:", res.OperatorUpgradeable.Status)
	}
	// Output:
	// Upgradeable=False SSPNotUpgradeable: SSP is not upgradeable: old templates in use | OLM: False
	// Upgradeable=True ReconcileCompleted: Reconcile completed successfully | OLM: True
}

// CustomMergeStrategy replaces the merge of every component: here a
// component that has not reported yet is taken as progressing only, not as
// unavailable (HCO's rule makes the HyperConverged unavailable).
func ExampleCustomMergeStrategy() {
	patient := conditions.MergeFunc(func(c conditions.Component, r *conditions.Recorder) bool {
		if len(c.Conditions) == 0 {
			r.Set(conditions.TypeProgressing, metav1.ConditionTrue, conditions.ReasonNoConditions(c.Name), c.Name+" has not reported yet")
			return false
		}
		return conditions.HCOMerge{}.Merge(c, r)
	})
	in := conditions.Input{Generation: 2, Components: []conditions.Component{
		component(conditions.ComponentKubeVirt, metav1.ConditionFalse, ""), {Name: conditions.ComponentAAQ}}}
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	res := conditions.NewAggregator(conditions.CustomMergeStrategy{MergeStrategy: patient}).Aggregate(clk, nil, in)
	fmt.Println(meta(res.Conditions, conditions.TypeAvailable))
	fmt.Println(meta(res.Conditions, conditions.TypeProgressing))
	// Output:
	// Available=True ReconcileCompleted: Reconcile completed successfully
	// Progressing=True AAQConditions: AAQ has not reported yet
}
