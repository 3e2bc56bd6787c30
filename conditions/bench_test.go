package conditions

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// BenchmarkAggregate10Components aggregates ten components, one of them
// progressing, onto conditions written by an earlier pass: the steady state of
// a HCO reconcile loop.
func BenchmarkAggregate10Components(b *testing.B) {
	clk := clocktesting.NewFakePassiveClock(t0)
	names := []string{ComponentKubeVirt, ComponentCDI, ComponentNetworkAddonsConfig, ComponentSSP, ComponentAAQ,
		ComponentMigController, ComponentFileRestoreOperator, "Extra1", "Extra2", "Extra3"}
	in := Input{Generation: 2}
	for _, n := range names {
		in.Components = append(in.Components, healthy(n))
	}
	in.Components[3] = with(ComponentSSP, c(TypeProgressing, T, "Deploying", "rolling out"))
	current := Aggregate(clk, nil, in).Conditions
	clk.SetTime(t0.Add(time.Minute))
	b.ReportAllocs()
	for b.Loop() {
		if r := Aggregate(clk, current, in); len(r.Conditions) != 5 {
			b.Fatal(len(r.Conditions))
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	clk := clocktesting.NewFakePassiveClock(t0)
	conds := successTable(3, t0)
	conds = append(conds, metav1.Condition{Type: "TaintedConfiguration", Status: T})
	b.ReportAllocs()
	for b.Loop() {
		if h := Evaluate(clk, conds, 3, EvaluateOptions{}); h.Verdict != VerdictSucceeded {
			b.Fatal(h.Verdict)
		}
	}
}
