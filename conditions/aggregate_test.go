package conditions

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func c(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
}

// healthy is a component reporting Available, not Progressing, not Degraded.
func healthy(name string) Component {
	return Component{Name: name, AtTargetVersion: true, Conditions: []metav1.Condition{
		c(TypeAvailable, metav1.ConditionTrue, "Ok", ""),
		c(TypeProgressing, metav1.ConditionFalse, "Ok", ""),
		c(TypeDegraded, metav1.ConditionFalse, "Ok", ""),
	}}
}

// with returns a healthy component with one condition replaced or added.
func with(name string, extra ...metav1.Condition) Component {
	comp := healthy(name)
	for _, e := range extra {
		replaced := false
		for i := range comp.Conditions {
			if comp.Conditions[i].Type == e.Type {
				comp.Conditions[i], replaced = e, true
			}
		}
		if !replaced {
			comp.Conditions = append(comp.Conditions, e)
		}
	}
	return comp
}

const (
	T = metav1.ConditionTrue
	F = metav1.ConditionFalse
	U = metav1.ConditionUnknown
)

// five is the expected value of the five managed conditions, in order.
type five [5]metav1.Condition

func ok(typ string, status metav1.ConditionStatus) metav1.Condition {
	return c(typ, status, ReasonReconcileCompleted, MessageReconcileCompleted)
}

func unknown(typ string) metav1.Condition {
	return c(typ, U, ReasonStatusUnknown, MessageStatusUnknown)
}

var allHealthy = five{
	ok(TypeReconcileComplete, T), ok(TypeAvailable, T), ok(TypeProgressing, F), ok(TypeDegraded, F), ok(TypeUpgradeable, T),
}

func TestAggregate(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name   string
		reason string
		in     Input
		want   five
		// AllComponentsUp, Ready, UpgradeCompleted
		up, ready, upgraded bool
		health              string
		operator            metav1.Condition
	}{{
		name:     "all healthy",
		reason:   "with nothing negative all five are the success table, reason ReconcileCompleted",
		in:       Input{Components: []Component{healthy(ComponentKubeVirt), healthy(ComponentCDI)}},
		want:     allHealthy,
		up:       true,
		ready:    true,
		health:   SystemHealthHealthy,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "no components",
		reason: "an empty component list is all healthy, as HCO's empty in-memory map is",
		in:     Input{},
		want:   allHealthy, up: true, ready: true, health: SystemHealthHealthy,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component without conditions",
		reason: "a resource that reports no conditions is not available, progressing and not upgradeable",
		in:     Input{Components: []Component{healthy(ComponentKubeVirt), {Name: ComponentCDI}}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "CDIConditions", "CDI resource has no conditions"),
			c(TypeProgressing, T, "CDIConditions", "CDI resource has no conditions"),
			ok(TypeDegraded, F),
			c(TypeUpgradeable, F, "CDIConditions", "CDI resource has no conditions"),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component not available",
		reason: "Available=False is copied with <C>NotAvailable; nothing progressing keeps Upgradeable=True",
		in:     Input{Components: []Component{with(ComponentCDI, c(TypeAvailable, F, "X", "no pods"))}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "CDINotAvailable", "CDI is not available: no pods"),
			ok(TypeProgressing, F), ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component missing Available",
		reason: "a component without an Available condition is not available",
		in: Input{Components: []Component{{Name: ComponentSSP, Conditions: []metav1.Condition{
			c(TypeProgressing, F, "", ""), c(TypeDegraded, F, "", ""),
		}}}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "SSPNotAvailable", `missing "Available" condition`),
			ok(TypeProgressing, F), ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component progressing",
		reason: "Progressing alone forces Upgradeable=False with the component's reason and keeps Available=True",
		in:     Input{Components: []Component{with(ComponentKubeVirt, c(TypeProgressing, T, "X", "deploying"))}},
		want: five{
			ok(TypeReconcileComplete, T),
			ok(TypeAvailable, T),
			c(TypeProgressing, T, "KubeVirtProgressing", "KubeVirt is progressing: deploying"),
			ok(TypeDegraded, F),
			c(TypeUpgradeable, F, "KubeVirtProgressing", "KubeVirt is progressing: deploying"),
		},
		health: SystemHealthWarning,
		// HCO tells OLM it is upgradeable: only a component's Upgradeable=False clears it.
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component degraded",
		reason: "Degraded forces Available=False and Upgradeable=False with HCODegraded, Progressing=False",
		in:     Input{Components: []Component{healthy(ComponentKubeVirt), with(ComponentSSP, c(TypeDegraded, T, "X", "crash"))}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, ReasonHCODegraded, MessageDegradedAvailable),
			ok(TypeProgressing, F),
			c(TypeDegraded, T, "SSPDegraded", "SSP is degraded: crash"),
			c(TypeUpgradeable, F, ReasonHCODegraded, MessageDegradedUpgradeable),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "degraded and progressing",
		reason: "under Degraded a component's Progressing=True is kept, and its Upgradeable=False came first",
		in: Input{Components: []Component{
			with(ComponentKubeVirt, c(TypeProgressing, T, "X", "rolling")),
			with(ComponentCDI, c(TypeDegraded, T, "X", "bad")),
		}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, ReasonHCODegraded, MessageDegradedAvailable),
			c(TypeProgressing, T, "KubeVirtProgressing", "KubeVirt is progressing: rolling"),
			c(TypeDegraded, T, "CDIDegraded", "CDI is degraded: bad"),
			c(TypeUpgradeable, F, "KubeVirtProgressing", "KubeVirt is progressing: rolling"),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "degraded and not available",
		reason: "a component's own Available=False is kept under Degraded (set only if unset)",
		in: Input{Components: []Component{
			with(ComponentKubeVirt, c(TypeAvailable, F, "X", "down")),
			with(ComponentCDI, c(TypeDegraded, T, "X", "bad")),
		}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "KubeVirtNotAvailable", "KubeVirt is not available: down"),
			ok(TypeProgressing, F),
			c(TypeDegraded, T, "CDIDegraded", "CDI is degraded: bad"),
			c(TypeUpgradeable, F, ReasonHCODegraded, MessageDegradedUpgradeable),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "last component wins",
		reason: "two components not available: only the last one processed is recorded",
		in: Input{Components: []Component{
			with(ComponentKubeVirt, c(TypeAvailable, F, "X", "kv down")),
			with(ComponentCDI, c(TypeAvailable, F, "X", "cdi down")),
		}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "CDINotAvailable", "CDI is not available: cdi down"),
			ok(TypeProgressing, F), ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "component not upgradeable",
		reason: "Upgradeable=False is copied with <C>NotUpgradeable and is told to OLM",
		in:     Input{Components: []Component{with(ComponentKubeVirt, c(TypeUpgradeable, F, "X", "VMs on old launcher"))}},
		want: five{
			ok(TypeReconcileComplete, T), ok(TypeAvailable, T), ok(TypeProgressing, F), ok(TypeDegraded, F),
			c(TypeUpgradeable, F, "KubeVirtNotUpgradeable", "KubeVirt is not upgradeable: VMs on old launcher"),
		},
		health:   SystemHealthHealthy,
		operator: c(TypeUpgradeable, F, "KubeVirtNotUpgradeable", "KubeVirt is not upgradeable: VMs on old launcher"),
	}, {
		name:   "not upgradeable after progressing",
		reason: "a later Upgradeable=False overwrites the Upgradeable=False a progressing component set",
		in: Input{Components: []Component{
			with(ComponentKubeVirt, c(TypeProgressing, T, "X", "rolling")),
			with(ComponentCDI, c(TypeUpgradeable, F, "X", "hold")),
		}},
		want: five{
			ok(TypeReconcileComplete, T), ok(TypeAvailable, T),
			c(TypeProgressing, T, "KubeVirtProgressing", "KubeVirt is progressing: rolling"),
			ok(TypeDegraded, F),
			c(TypeUpgradeable, F, "CDINotUpgradeable", "CDI is not upgradeable: hold"),
		},
		health:   SystemHealthWarning,
		operator: c(TypeUpgradeable, F, "CDINotUpgradeable", "CDI is not upgradeable: hold"),
	}, {
		name:   "progressing after not upgradeable",
		reason: "a later progressing component does not overwrite an earlier Upgradeable=False (set only if unset)",
		in: Input{Components: []Component{
			with(ComponentKubeVirt, c(TypeUpgradeable, F, "X", "hold")),
			with(ComponentCDI, c(TypeProgressing, T, "X", "rolling")),
		}},
		want: five{
			ok(TypeReconcileComplete, T), ok(TypeAvailable, T),
			c(TypeProgressing, T, "CDIProgressing", "CDI is progressing: rolling"),
			ok(TypeDegraded, F),
			c(TypeUpgradeable, F, "KubeVirtNotUpgradeable", "KubeVirt is not upgradeable: hold"),
		},
		health:   SystemHealthWarning,
		operator: c(TypeUpgradeable, F, "KubeVirtNotUpgradeable", "KubeVirt is not upgradeable: hold"),
	}, {
		name:   "unknown statuses are not negative",
		reason: "Available=Unknown or Progressing=Unknown of a component is not recorded",
		in: Input{Components: []Component{{Name: ComponentKubeVirt, Conditions: []metav1.Condition{
			c(TypeAvailable, U, "", ""), c(TypeProgressing, U, "", ""), c(TypeDegraded, U, "", ""),
		}}}},
		want: allHealthy, up: true, ready: true, health: SystemHealthHealthy,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "operand error",
		reason: "a failed operand makes ReconcileComplete=False/ReconcileFailed and leaves unset types Unknown",
		in: Input{
			Components:   []Component{with(ComponentKubeVirt, c(TypeProgressing, T, "X", "rolling"))},
			OperandError: boom,
		},
		want: five{
			c(TypeReconcileComplete, F, ReasonReconcileFailed, "Error while reconciling: boom"),
			unknown(TypeAvailable),
			c(TypeProgressing, T, "KubeVirtProgressing", "KubeVirt is progressing: rolling"),
			unknown(TypeDegraded),
			c(TypeUpgradeable, F, "KubeVirtProgressing", "KubeVirt is progressing: rolling"),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "first reconcile",
		reason: "the first reconcile writes the Init conditions and aggregates nothing, even in what looks like an upgrade",
		in: Input{FirstReconcile: true, UpgradingTo: "1.20.0",
			Components: []Component{with(ComponentKubeVirt, c(TypeDegraded, T, "X", "bad"))}},
		want: five{
			c(TypeReconcileComplete, U, ReasonInit, MessageInit),
			c(TypeAvailable, F, ReasonInit, MessageInit),
			c(TypeProgressing, T, ReasonInit, MessageInit),
			c(TypeDegraded, F, ReasonInit, MessageInit),
			c(TypeUpgradeable, U, ReasonInit, MessageInit),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		// HCO: controllers/hyperconverged/hyperconverged_controller.go
		// doReconcile (init: setInitialConditions writes the Init conditions
		// through updateConditions, then req.Conditions starts empty) and
		// EnsureOperandAndComplete (on an operand error updateConditions
		// writes all five from req.Conditions, unset ones
		// Unknown/StatusUnknown); controllers/operandhandler/operandHandler.go
		// Ensure (ReconcileComplete=False/ReconcileFailed, "Error while
		// reconciling: <err>").
		name:   "first reconcile with an operand error",
		reason: "the Init conditions are overwritten: ReconcileComplete=False/ReconcileFailed and the other four Unknown",
		in:     Input{FirstReconcile: true, UpgradingTo: "1.20.0", OperandError: boom},
		want: five{
			c(TypeReconcileComplete, F, ReasonReconcileFailed, "Error while reconciling: boom"),
			unknown(TypeAvailable),
			unknown(TypeProgressing),
			unknown(TypeDegraded),
			unknown(TypeUpgradeable),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "first reconcile with an operand error after a component with negatives",
		reason: "what the components HCO processed before the failing one reported is written; never an upgrade on the first reconcile",
		in: Input{FirstReconcile: true, UpgradingTo: "1.20.0", OperandError: boom,
			Components: []Component{with(ComponentKubeVirt, c(TypeDegraded, T, "X", "bad"))}},
		want: five{
			c(TypeReconcileComplete, F, ReasonReconcileFailed, "Error while reconciling: boom"),
			unknown(TypeAvailable),
			unknown(TypeProgressing),
			c(TypeDegraded, T, "KubeVirtDegraded", "KubeVirt is degraded: bad"),
			unknown(TypeUpgradeable),
		},
		health:   SystemHealthError,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "upgrading, components behind",
		reason: "in upgrade mode Progressing is held True/HCOUpgrading and OLM is told AlreadyPerformingUpgrade",
		in: Input{UpgradingTo: "1.20.0", Components: []Component{
			healthy(ComponentKubeVirt), {Name: ComponentCDI, Conditions: healthy(ComponentCDI).Conditions, AtTargetVersion: false},
		}},
		want: five{
			ok(TypeReconcileComplete, T), ok(TypeAvailable, T),
			c(TypeProgressing, T, ReasonHCOUpgrading, "HCO is now upgrading to version 1.20.0"),
			ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		up:       true,
		health:   SystemHealthHealthy,
		operator: c(TypeUpgradeable, F, ReasonAlreadyPerformingUpgrade, "upgrading the hyperConverged cluster operator to version 1.20.0"),
	}, {
		name:   "upgrading, components done",
		reason: "the upgrade completes in the pass where every component is up and at the target version",
		in:     Input{UpgradingTo: "1.20.0", Components: []Component{healthy(ComponentKubeVirt), healthy(ComponentCDI)}},
		want:   allHealthy, up: true, ready: true, upgraded: true, health: SystemHealthHealthy,
		operator: c(TypeUpgradeable, T, ReasonUpgradeable, ""),
	}, {
		name:   "upgrading, a component lacks Degraded",
		reason: "a component missing Progressing or Degraded is not ready, so the upgrade cannot complete though nothing is negative",
		in: Input{UpgradingTo: "1.20.0", Components: []Component{{Name: ComponentKubeVirt, AtTargetVersion: true,
			Conditions: []metav1.Condition{c(TypeAvailable, T, "", ""), c(TypeProgressing, F, "", "")}}}},
		want: five{
			ok(TypeReconcileComplete, T), ok(TypeAvailable, T),
			c(TypeProgressing, T, ReasonHCOUpgrading, "HCO is now upgrading to version 1.20.0"),
			ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		up:       true,
		health:   SystemHealthHealthy,
		operator: c(TypeUpgradeable, F, ReasonAlreadyPerformingUpgrade, "upgrading the hyperConverged cluster operator to version 1.20.0"),
	}, {
		name:   "upgrading, not available",
		reason: "during an upgrade only Degraded is a health error; Available=False is expected",
		in:     Input{UpgradingTo: "1.20.0", Components: []Component{with(ComponentKubeVirt, c(TypeAvailable, F, "X", "restarting"))}},
		want: five{
			ok(TypeReconcileComplete, T),
			c(TypeAvailable, F, "KubeVirtNotAvailable", "KubeVirt is not available: restarting"),
			c(TypeProgressing, T, ReasonHCOUpgrading, "HCO is now upgrading to version 1.20.0"),
			ok(TypeDegraded, F), ok(TypeUpgradeable, T),
		},
		health:   SystemHealthHealthy,
		operator: c(TypeUpgradeable, F, ReasonAlreadyPerformingUpgrade, "upgrading the hyperConverged cluster operator to version 1.20.0"),
	}}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reason == "" {
				t.Fatal("every case must say what it pins")
			}
			clk := clocktesting.NewFakePassiveClock(t0)
			tt.in.Generation = 7
			got := Aggregate(clk, nil, tt.in)

			var want []metav1.Condition
			for _, w := range tt.want {
				w.ObservedGeneration = 7
				w.LastTransitionTime = metav1.NewTime(t0)
				want = append(want, w)
			}
			if d := cmp.Diff(want, got.Conditions); d != "" {
				t.Errorf("%s\nconditions (-want +got):\n%s", tt.reason, d)
			}
			if got.AllComponentsUp != tt.up || got.Ready != tt.ready || got.UpgradeCompleted != tt.upgraded {
				t.Errorf("%s\nAllComponentsUp, Ready, UpgradeCompleted = %v, %v, %v; want %v, %v, %v",
					tt.reason, got.AllComponentsUp, got.Ready, got.UpgradeCompleted, tt.up, tt.ready, tt.upgraded)
			}
			if got.SystemHealth != tt.health {
				t.Errorf("%s\nSystemHealth = %q, want %q", tt.reason, got.SystemHealth, tt.health)
			}
			tt.operator.ObservedGeneration = 7
			if d := cmp.Diff(tt.operator, got.OperatorUpgradeable); d != "" {
				t.Errorf("%s\noperator Upgradeable (-want +got):\n%s", tt.reason, d)
			}
		})
	}
}

func TestAggregateTransitionTimes(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	in := Input{Generation: 1, Components: []Component{healthy(ComponentKubeVirt)}}
	first := Aggregate(clk, nil, in).Conditions

	clk.SetTime(t0.Add(time.Hour))
	in.Generation = 2
	same := Aggregate(clk, first, in).Conditions
	for _, cond := range same {
		if !cond.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("%s: lastTransitionTime moved to %v though the status did not change", cond.Type, cond.LastTransitionTime)
		}
		if cond.ObservedGeneration != 2 {
			t.Errorf("%s: observedGeneration = %d, want the object's generation 2", cond.Type, cond.ObservedGeneration)
		}
	}

	clk.SetTime(t0.Add(2 * time.Hour))
	in.Components = []Component{with(ComponentKubeVirt, c(TypeProgressing, T, "X", "rolling"))}
	moved := Aggregate(clk, same, in).Conditions
	for _, cond := range moved {
		changed := cond.Type == TypeProgressing || cond.Type == TypeUpgradeable
		want := t0
		if changed {
			want = t0.Add(2 * time.Hour)
		}
		if !cond.LastTransitionTime.Time.Equal(want) {
			t.Errorf("%s (status changed: %v): lastTransitionTime = %v, want %v", cond.Type, changed, cond.LastTransitionTime.Time, want)
		}
	}
	// The message and reason follow the new state even when the status does not change.
	if got := first[1].Reason; got != ReasonReconcileCompleted {
		t.Fatalf("input slice was modified: %q", got)
	}
}

func TestAggregateKeepsOtherConditions(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	tainted := metav1.Condition{Type: "TaintedConfiguration", Status: T, Reason: "UnsupportedFeatureAnnotation", LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}
	current := []metav1.Condition{tainted}
	got := Aggregate(clk, current, Input{}).Conditions
	if len(got) != 6 {
		t.Fatalf("got %d conditions, want the 5 managed ones plus TaintedConfiguration: %v", len(got), got)
	}
	if d := cmp.Diff(tainted, got[0]); d != "" {
		t.Errorf("a condition HCO does not manage here must be kept as is (-want +got):\n%s", d)
	}
	if len(current) != 1 {
		t.Errorf("the current slice was modified")
	}
	gotTypes := make([]string, 0, 5)
	for _, cond := range got[1:] {
		gotTypes = append(gotTypes, cond.Type)
	}
	if d := cmp.Diff(HyperConvergedTypes(), gotTypes, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("managed types are appended in HCO's order (-want +got):\n%s", d)
	}
}

func TestReasonHelpers(t *testing.T) {
	got := []string{
		ReasonNoConditions(ComponentKubeVirt), ReasonNotAvailable(ComponentCDI), ReasonProgressing(ComponentNetworkAddonsConfig),
		ReasonDegraded(ComponentSSP), ReasonNotUpgradeable(ComponentAAQ),
	}
	want := []string{"KubeVirtConditions", "CDINotAvailable", "NetworkAddonsConfigProgressing", "SSPDegraded", "AAQNotUpgradeable"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("per-component reasons (-want +got):\n%s", d)
	}
}
