package conditions

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// aggregatorInputs cover the branches of HCO's rules
// (controllers/hyperconverged/hyperconverged_controller.go
// aggregateComponentConditions, controllers/operands/operand.go).
func aggregatorInputs() map[string]Input {
	return map[string]Input{
		"healthy":       {Generation: 2, Components: []Component{healthy(ComponentKubeVirt), healthy(ComponentCDI)}},
		"progressing":   {Generation: 2, Components: []Component{with(ComponentKubeVirt, c(TypeProgressing, T, "Deploying", "rolling out")), healthy(ComponentCDI)}},
		"degraded":      {Generation: 2, Components: []Component{healthy(ComponentKubeVirt), with(ComponentSSP, c(TypeDegraded, T, "Broken", "templates"))}},
		"no conditions": {Generation: 2, Components: []Component{{Name: ComponentCDI}}},
		"not upgradeable": {Generation: 2, Components: []Component{
			with(ComponentKubeVirt, c(TypeUpgradeable, F, "Migrating", "workloads")), healthy(ComponentCDI)}},
		"first reconcile": {Generation: 1, FirstReconcile: true},
		"operand error":   {Generation: 3, Components: []Component{healthy(ComponentKubeVirt)}, OperandError: errors.New("boom")},
		"upgrading":       {Generation: 4, UpgradingTo: "1.14.4", Components: []Component{healthy(ComponentKubeVirt), {Name: ComponentCDI, AtTargetVersion: false, Conditions: healthy(ComponentCDI).Conditions}}},
		"upgrade done":    {Generation: 4, UpgradingTo: "1.14.4", Components: []Component{healthy(ComponentKubeVirt), healthy(ComponentCDI)}},
	}
}

// The zero HCOAggregator, NewAggregator with no option or HCO's own merge,
// and a nil AggregatorFunc are exactly Aggregate.
func TestDefaultAggregatorsAreAggregate(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	for name, in := range aggregatorInputs() {
		want := Aggregate(clk, nil, in)
		for label, a := range map[string]Aggregator{
			"HCOAggregator{}":                      HCOAggregator{},
			"NewAggregator()":                      NewAggregator(),
			"NewAggregator(nil)":                   NewAggregator(nil),
			"CustomMergeStrategy{HCOMerge{}}":      NewAggregator(CustomMergeStrategy{HCOMerge{}}),
			"CustomMergeStrategy{nil}":             NewAggregator(CustomMergeStrategy{}),
			"CustomMergeStrategy{MergeFunc(nil)}":  NewAggregator(CustomMergeStrategy{MergeFunc(nil)}),
			"ForComponent{KubeVirt, HCOMerge}":     NewAggregator(ForComponent{Name: ComponentKubeVirt, Strategy: HCOMerge{}}),
			"ForComponent{KubeVirt, nil strategy}": NewAggregator(ForComponent{Name: ComponentKubeVirt}),
			"AggregatorFunc(nil)":                  AggregatorFunc(nil),
		} {
			if d := cmp.Diff(want, a.Aggregate(clk, nil, in)); d != "" {
				t.Errorf("%s, %s differs from Aggregate (-want +got):\n%s", name, label, d)
			}
		}
	}
}

// ignoreUpgradeable records a component as HCO does, except its
// Upgradeable=False: that component never holds the next update.
var ignoreUpgradeable = MergeFunc(func(comp Component, r *Recorder) bool {
	kept := comp
	kept.Conditions = nil
	for _, cond := range comp.Conditions {
		if cond.Type != TypeUpgradeable {
			kept.Conditions = append(kept.Conditions, cond)
		}
	}
	return HCOMerge{}.Merge(kept, r)
})

func TestForComponent(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	in := aggregatorInputs()["not upgradeable"]
	before := Aggregate(clk, nil, in)
	if before.OperatorUpgradeable.Status != F {
		t.Fatalf("by HCO's rules KubeVirt's Upgradeable=False holds OLM: %+v", before.OperatorUpgradeable)
	}
	a := NewAggregator(ForComponent{Name: ComponentKubeVirt, Strategy: ignoreUpgradeable})
	res := a.Aggregate(clk, nil, in)
	if res.OperatorUpgradeable.Status != T || !res.AllComponentsUp {
		t.Errorf("KubeVirt's Upgradeable=False is ignored: %+v, all up %v", res.OperatorUpgradeable, res.AllComponentsUp)
	}
	if d := cmp.Diff(allHealthy, conditionsOf(t, res.Conditions)); d != "" {
		t.Errorf("the HyperConverged is healthy (-want +got):\n%s", d)
	}
	// The strategy is for KubeVirt only: CDI's Upgradeable=False still counts.
	in.Components[1] = with(ComponentCDI, c(TypeUpgradeable, F, "Busy", "importing"))
	if res := a.Aggregate(clk, nil, in); res.OperatorUpgradeable.Reason != ReasonNotUpgradeable(ComponentCDI) {
		t.Errorf("CDI keeps HCO's merge: %+v", res.OperatorUpgradeable)
	}
	// The last option for a name wins, and a CustomMergeStrategy does not
	// override a ForComponent.
	a = NewAggregator(ForComponent{Name: ComponentCDI, Strategy: ignoreUpgradeable}, CustomMergeStrategy{MergeFunc(func(Component, *Recorder) bool {
		t.Error("the custom strategy is not asked about CDI")
		return true
	})}, ForComponent{Name: ComponentKubeVirt, Strategy: HCOMerge{}})
	a.Aggregate(clk, nil, Input{Generation: 2, Components: []Component{in.Components[1], healthy(ComponentKubeVirt)}})
}

func TestCustomMergeStrategy(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	var asked []string
	spy := MergeFunc(func(comp Component, r *Recorder) bool {
		asked = append(asked, comp.Name)
		return HCOMerge{}.Merge(comp, r)
	})
	in := aggregatorInputs()["degraded"]
	want := Aggregate(clk, nil, in)
	got := NewAggregator(CustomMergeStrategy{spy}).Aggregate(clk, nil, in)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("a strategy that delegates to HCOMerge aggregates alike (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{ComponentKubeVirt, ComponentSSP}, asked); d != "" {
		t.Errorf("asked once per component, in order (-want +got):\n%s", d)
	}
}

func TestZeroMergeStrategiesAreHCOs(t *testing.T) {
	comp := with(ComponentKubeVirt, c(TypeDegraded, T, "Broken", "x"))
	var want Recorder
	wantReady := HCOMerge{}.Merge(comp, &want)
	for name, st := range map[string]MergeStrategy{"CustomMergeStrategy{}": CustomMergeStrategy{}, "MergeFunc(nil)": MergeFunc(nil)} {
		var got Recorder
		if ready := st.Merge(comp, &got); ready != wantReady || got != want {
			t.Errorf("%s merges as HCOMerge: ready %v, %+v", name, ready, got)
		}
	}
}

func TestRecorder(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	strict := MergeFunc(func(comp Component, r *Recorder) bool {
		if _, ok := r.Get(TypeDegraded); ok {
			t.Errorf("nothing recorded before the first component")
		}
		r.Set("Paused", T, "X", "ignored: not a managed type")
		r.SetIfUnset(TypeProgressing, T, "Strict", "first")
		r.SetIfUnset(TypeProgressing, T, "Strict", "second, not written")
		if got, ok := r.Get(TypeProgressing); !ok || got.Message != "first" || got.ObservedGeneration != 5 {
			t.Errorf("Get returns what was recorded, with the generation: %+v", got)
		}
		r.HoldOperatorUpgrade()
		return false
	})
	res := NewAggregator(CustomMergeStrategy{strict}).Aggregate(clk, nil, Input{Generation: 5, Components: []Component{healthy(ComponentKubeVirt)}})
	for _, cond := range res.Conditions {
		if cond.Type == "Paused" {
			t.Errorf("an unmanaged type is not written: %+v", cond)
		}
	}
	if d := cmp.Diff(c(TypeProgressing, T, "Strict", "first"), conditionOf(res.Conditions, TypeProgressing), ignoreTimes); d != "" {
		t.Errorf("the recorded Progressing is written (-want +got):\n%s", d)
	}
	if res.OperatorUpgradeable.Status != F || res.AllComponentsUp || res.Ready {
		t.Errorf("held upgrade and not up: %+v", res)
	}
}

func TestIgnoreComponents(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	in := Input{Generation: 4, UpgradingTo: "1.14.4", Components: []Component{healthy(ComponentKubeVirt), {Name: ComponentMigController}}}
	if res := Aggregate(clk, nil, in); res.UpgradeCompleted {
		t.Fatal("by HCO's rules a component without conditions holds the upgrade")
	}
	res := NewAggregator(IgnoreComponents{ComponentMigController}).Aggregate(clk, nil, in)
	if !res.UpgradeCompleted || !res.Ready {
		t.Errorf("an ignored component neither reports nor holds the upgrade: %+v", res)
	}
	// A later ForComponent of the name takes it back.
	res = NewAggregator(IgnoreComponents{ComponentMigController}, ForComponent{Name: ComponentMigController}).Aggregate(clk, nil, in)
	if res.UpgradeCompleted {
		t.Error("the last option of a name wins")
	}
}

func TestAggregatorKeepsItsInputs(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	in := aggregatorInputs()["progressing"]
	current := Aggregate(clk, nil, aggregatorInputs()["healthy"]).Conditions
	snapshot := append([]metav1.Condition(nil), current...)
	comps := append([]Component(nil), in.Components...)
	clk.SetTime(t0.Add(time.Minute))
	NewAggregator(CustomMergeStrategy{ignoreUpgradeable}).Aggregate(clk, current, in)
	if d := cmp.Diff(snapshot, current); d != "" {
		t.Errorf("current is not modified (-before +after):\n%s", d)
	}
	if d := cmp.Diff(comps, in.Components); d != "" {
		t.Errorf("the components are not modified (-before +after):\n%s", d)
	}
}

func TestAggregateNilClockIsTheRealClock(t *testing.T) {
	before := time.Now().Add(-time.Second)
	res := Aggregate(nil, nil, aggregatorInputs()["healthy"])
	if ts := conditionOf(res.Conditions, TypeAvailable).LastTransitionTime.Time; ts.Before(before) {
		t.Errorf("a nil clock is the real clock: %s", ts)
	}
}

var ignoreTimes = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".LastTransitionTime" || p.Last().String() == ".ObservedGeneration"
}, cmp.Ignore())

func conditionOf(conds []metav1.Condition, typ string) metav1.Condition {
	for _, cond := range conds {
		if cond.Type == typ {
			return cond
		}
	}
	return metav1.Condition{}
}

// conditionsOf returns the five managed conditions without their times and
// generations, in HCO's order.
func conditionsOf(t *testing.T, conds []metav1.Condition) five {
	t.Helper()
	var out five
	for i, typ := range HyperConvergedTypes() {
		cond := conditionOf(conds, typ)
		cond.LastTransitionTime, cond.ObservedGeneration = metav1.Time{}, 0
		out[i] = cond
	}
	return out
}

func BenchmarkAggregateCustomMerge(b *testing.B) {
	clk := clocktesting.NewFakePassiveClock(t0)
	in := Input{Generation: 2}
	for _, n := range []string{ComponentKubeVirt, ComponentCDI, ComponentNetworkAddonsConfig, ComponentSSP, ComponentAAQ} {
		in.Components = append(in.Components, healthy(n))
	}
	a := NewAggregator(ForComponent{Name: ComponentSSP, Strategy: ignoreUpgradeable})
	current := a.Aggregate(clk, nil, in).Conditions
	b.ReportAllocs()
	for b.Loop() {
		if r := a.Aggregate(clk, current, in); len(r.Conditions) != 5 {
			b.Fatal(len(r.Conditions))
		}
	}
}
