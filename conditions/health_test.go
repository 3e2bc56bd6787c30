package conditions

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// successTable is the table DOMAIN.md gives for a successful update.
func successTable(gen int64, at time.Time) []metav1.Condition {
	var out []metav1.Condition
	for _, w := range allHealthy {
		w.ObservedGeneration = gen
		w.LastTransitionTime = metav1.NewTime(at)
		out = append(out, w)
	}
	return out
}

// set returns conds with the condition of c's type replaced by c.
func set(conds []metav1.Condition, cond metav1.Condition) []metav1.Condition {
	out := append([]metav1.Condition(nil), conds...)
	for i := range out {
		if out[i].Type == cond.Type {
			cond.ObservedGeneration = out[i].ObservedGeneration
			if cond.LastTransitionTime.IsZero() {
				cond.LastTransitionTime = out[i].LastTransitionTime
			}
			out[i] = cond
		}
	}
	return out
}

func withLTT(cond metav1.Condition, at time.Time) metav1.Condition {
	cond.LastTransitionTime = metav1.NewTime(at)
	return cond
}

func TestEvaluate(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	base := successTable(3, t0)
	tests := []struct {
		name        string
		reason      string
		conds       []metav1.Condition
		generation  int64
		opts        EvaluateOptions
		verdict     Verdict
		upgradeable bool
		stalled     bool
		since       time.Time
		mention     string
	}{{
		name: "success table", reason: "the five conditions of DOMAIN.md's success table read as Succeeded",
		conds: base, generation: 3, verdict: VerdictSucceeded, upgradeable: true, since: t0, mention: "healthy",
	}, {
		name: "success since latest transition", reason: "Since is the latest lastTransitionTime of the five",
		conds:   set(base, withLTT(ok(TypeDegraded, F), t0.Add(time.Hour))),
		verdict: VerdictSucceeded, generation: 3, upgradeable: true, since: t0.Add(time.Hour),
	}, {
		name: "stale", reason: "conditions older than the generation are stale: Unknown and not upgradeable",
		conds: base, generation: 4, verdict: VerdictUnknown, mention: "observedGeneration 3, object generation 4",
	}, {
		name: "missing", reason: "a missing managed type makes the verdict Unknown",
		conds: base[:4], generation: 3, verdict: VerdictUnknown, mention: "Upgradeable condition is missing",
	}, {
		name: "degraded", reason: "Degraded=True wins over everything else",
		conds:   set(set(base, c(TypeDegraded, T, "SSPDegraded", "SSP is degraded: x")), c(TypeProgressing, T, "KubeVirtProgressing", "")),
		verdict: VerdictDegraded, generation: 3, upgradeable: true, since: t0, mention: "SSPDegraded",
	}, {
		name: "reconcile failed", reason: "ReconcileComplete=False (an operand error) reads as Degraded",
		conds:   set(base, c(TypeReconcileComplete, F, ReasonReconcileFailed, "Error while reconciling: boom")),
		verdict: VerdictDegraded, generation: 3, upgradeable: true, since: t0, mention: "boom",
	}, {
		name: "progressing", reason: "Progressing=True within the threshold is progressing, not stalled",
		conds:   set(set(base, withLTT(c(TypeProgressing, T, ReasonHCOUpgrading, "HCO is now upgrading to version 1.20.0"), now.Add(-DefaultStallThreshold))), c(TypeUpgradeable, F, ReasonHCOProgressing, "")),
		verdict: VerdictProgressing, generation: 3, since: now.Add(-DefaultStallThreshold), mention: "1.20.0",
	}, {
		name: "stalled", reason: "Progressing=True for longer than the threshold is stalled",
		conds:   set(base, withLTT(c(TypeProgressing, T, "KubeVirtProgressing", ""), now.Add(-DefaultStallThreshold-time.Second))),
		verdict: VerdictProgressing, generation: 3, upgradeable: true, stalled: true, since: now.Add(-DefaultStallThreshold - time.Second), mention: "30m1s",
	}, {
		name: "custom threshold", reason: "the stall threshold is configurable",
		conds:   set(base, withLTT(c(TypeProgressing, T, "KubeVirtProgressing", ""), now.Add(-2*time.Minute))),
		opts:    EvaluateOptions{StallThreshold: time.Minute},
		verdict: VerdictProgressing, generation: 3, upgradeable: true, stalled: true, since: now.Add(-2 * time.Minute),
	}, {
		name: "stall detection off", reason: "a negative threshold disables stall detection",
		conds:   set(base, withLTT(c(TypeProgressing, T, "KubeVirtProgressing", ""), now.Add(-240*time.Hour))),
		opts:    EvaluateOptions{StallThreshold: -1},
		verdict: VerdictProgressing, generation: 3, upgradeable: true, since: now.Add(-240 * time.Hour),
	}, {
		name: "unavailable", reason: "Available=False with nothing progressing or degraded is Unavailable",
		conds:   set(base, c(TypeAvailable, F, "CDINotAvailable", "CDI is not available: x")),
		verdict: VerdictUnavailable, generation: 3, upgradeable: true, since: t0, mention: "CDINotAvailable",
	}, {
		name: "not upgradeable", reason: "healthy but Upgradeable=False holds the next update",
		conds:   set(base, c(TypeUpgradeable, F, "KubeVirtNotUpgradeable", "hold")),
		verdict: VerdictNotUpgradeable, generation: 3, since: t0, mention: "hold",
	}, {
		name: "status unknown", reason: "a managed condition with status Unknown makes the verdict Unknown",
		conds:   set(base, c(TypeAvailable, U, ReasonStatusUnknown, MessageStatusUnknown)),
		verdict: VerdictUnknown, generation: 3, upgradeable: true, since: t0, mention: "Available=Unknown",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Evaluate(clocktesting.NewFakePassiveClock(now), tt.conds, tt.generation, tt.opts)
			if h.Verdict != tt.verdict || h.Upgradeable != tt.upgradeable || h.Stalled != tt.stalled {
				t.Errorf("%s\nverdict, upgradeable, stalled = %s, %v, %v; want %s, %v, %v (reasons %q)",
					tt.reason, h.Verdict, h.Upgradeable, h.Stalled, tt.verdict, tt.upgradeable, tt.stalled, h.Reasons)
			}
			if !h.Since.Equal(tt.since) {
				t.Errorf("%s\nSince = %v, want %v", tt.reason, h.Since, tt.since)
			}
			if tt.stalled && h.StalledFor != now.Sub(tt.since) {
				t.Errorf("%s\nStalledFor = %v, want %v", tt.reason, h.StalledFor, now.Sub(tt.since))
			}
			if len(h.Reasons) == 0 || !strings.Contains(strings.Join(h.Reasons, "\n"), tt.mention) {
				t.Errorf("%s\nreasons %q should mention %q", tt.reason, h.Reasons, tt.mention)
			}
		})
	}
}

// TestAggregateThenEvaluate reads back what Aggregate writes, as a controller
// watching the HyperConverged would.
func TestAggregateThenEvaluate(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	tests := []struct {
		reason string
		in     Input
		want   Verdict
	}{
		{"healthy components read as Succeeded", Input{Components: []Component{healthy(ComponentKubeVirt)}}, VerdictSucceeded},
		{"an upgrade in progress reads as Progressing", Input{UpgradingTo: "1.20.0", Components: []Component{{Name: ComponentKubeVirt, Conditions: healthy("").Conditions}}}, VerdictProgressing},
		{"a degraded component reads as Degraded", Input{Components: []Component{with(ComponentCDI, c(TypeDegraded, T, "", ""))}}, VerdictDegraded},
		{"an operand error reads as Degraded", Input{OperandError: errors.New("x")}, VerdictDegraded},
		{"the first reconcile reads as Progressing", Input{FirstReconcile: true}, VerdictProgressing},
		{"a first reconcile with an operand error reads as Degraded, like any failed reconcile", Input{FirstReconcile: true, OperandError: errors.New("x")}, VerdictDegraded},
		{"a component's Upgradeable=False reads as NotUpgradeable", Input{Components: []Component{with(ComponentKubeVirt, c(TypeUpgradeable, F, "", ""))}}, VerdictNotUpgradeable},
	}
	for _, tt := range tests {
		tt.in.Generation = 5
		conds := Aggregate(clk, nil, tt.in).Conditions
		if got := Evaluate(clk, conds, 5, EvaluateOptions{}).Verdict; got != tt.want {
			t.Errorf("%s: got %s", tt.reason, got)
		}
	}
}
