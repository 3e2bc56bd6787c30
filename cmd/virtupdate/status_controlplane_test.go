package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// The rules of this file follow `oc adm upgrade status`:
// openshift/oc pkg/cli/admin/upgrade/status/controlplane.go, pinned by its
// controlplane_test.go.

var cpNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(cpNow.Add(-d)) }

// op builds a ClusterOperator at version v, Available=True,
// Degraded=False, Progressing=False a day ago, changed by the options.
func op(name, v string, opts ...func(*update.ClusterOperator)) update.ClusterOperator {
	co := update.ClusterOperator{Name: name, Versions: []update.OperandVersion{{Name: "operator", Version: v}},
		Conditions: []metav1.Condition{
			{Type: "Available", Status: metav1.ConditionTrue, LastTransitionTime: ago(24 * time.Hour)},
			{Type: "Degraded", Status: metav1.ConditionFalse, LastTransitionTime: ago(24 * time.Hour)},
			{Type: "Progressing", Status: metav1.ConditionFalse, LastTransitionTime: ago(24 * time.Hour)},
		}}
	for _, o := range opts {
		o(&co)
	}
	return co
}

// cond sets (or, with status "", removes) a condition.
func cond(typ string, status metav1.ConditionStatus, since time.Duration) func(*update.ClusterOperator) {
	return func(co *update.ClusterOperator) {
		co.Conditions = slices.DeleteFunc(co.Conditions, func(c metav1.Condition) bool { return c.Type == typ })
		if status != "" {
			co.Conditions = append(co.Conditions, metav1.Condition{Type: typ, Status: status, LastTransitionTime: ago(since), Reason: "Because", Message: typ + " says so"})
		}
	}
}

// updatingCV is a ClusterVersion updating from "old" to "new" since the
// given time, Failing=False.
func updatingCV(started time.Duration) *update.ClusterVersion {
	return &update.ClusterVersion{Target: "new", Conditions: []metav1.Condition{{Type: "Failing", Status: metav1.ConditionFalse}},
		History: []update.UpdateHistory{
			{State: update.UpdatePartial, Version: "new", StartedTime: cpNow.Add(-started)},
			{State: update.UpdateCompleted, Version: "old", StartedTime: cpNow.Add(-started - 24*time.Hour), CompletionTime: cpNow.Add(-started - 23*time.Hour)},
		}}
}

// TestControlPlaneCounts: how the operators are counted.
// oc: controlplane_test.go TestAssessControlPlaneStatus_Operators and
// TestAssessControlPlaneStatus_Completion.
func TestControlPlaneCounts(t *testing.T) {
	for _, tt := range []struct {
		reason     string
		operators  []update.ClusterOperator
		want       operatorCounts
		completion float64
		assessment string
	}{
		{"all old and idle: waiting", []update.ClusterOperator{op("one", "old"), op("two", "old")},
			operatorCounts{Total: 2, Waiting: 2, Updating: []string{}}, 0, assessProgressing},
		{"one progressing: updating", []update.ClusterOperator{op("one", "old"), op("two", "old", cond("Progressing", metav1.ConditionTrue, time.Minute))},
			operatorCounts{Total: 2, Waiting: 1, Updating: []string{"two"}}, 0, assessProgressing},
		{"Available=False is unavailable", []update.ClusterOperator{op("one", "old"), op("two", "old", cond("Available", metav1.ConditionFalse, time.Minute))},
			operatorCounts{Total: 2, Waiting: 2, Unavailable: 1, Updating: []string{}}, 0, assessProgressing},
		{"Available=Unknown or missing is unavailable", []update.ClusterOperator{op("one", "old", cond("Available", metav1.ConditionUnknown, time.Minute)), op("two", "old", cond("Available", "", 0))},
			operatorCounts{Total: 2, Waiting: 2, Unavailable: 2, Updating: []string{}}, 0, assessProgressing},
		{"Degraded=True and available is degraded", []update.ClusterOperator{op("one", "old"), op("two", "old", cond("Degraded", metav1.ConditionTrue, time.Minute))},
			operatorCounts{Total: 2, Waiting: 2, Degraded: 1, Updating: []string{}}, 0, assessProgressing},
		{"Degraded=Unknown or missing is not degraded", []update.ClusterOperator{op("one", "old", cond("Degraded", metav1.ConditionUnknown, time.Minute)), op("two", "old", cond("Degraded", "", 0))},
			operatorCounts{Total: 2, Waiting: 2, Updating: []string{}}, 0, assessProgressing},
		{"unavailable and degraded counts as unavailable only", []update.ClusterOperator{op("one", "old"), op("two", "old", cond("Degraded", metav1.ConditionTrue, time.Minute), cond("Available", metav1.ConditionFalse, time.Minute), cond("Progressing", metav1.ConditionTrue, time.Minute))},
			operatorCounts{Total: 2, Waiting: 1, Unavailable: 1, Updating: []string{"two"}}, 0, assessProgressing},
		{"updated whatever its conditions: not updating", []update.ClusterOperator{op("one", "new", cond("Progressing", metav1.ConditionTrue, time.Minute))},
			operatorCounts{Total: 1, Updated: 1, Updating: []string{}}, 100, assessCompleted},
		{"two of three at the target", []update.ClusterOperator{op("one", "new"), op("two", "new"), op("three", "old")},
			operatorCounts{Total: 3, Updated: 2, Waiting: 1, Updating: []string{}}, 200.0 / 3, ""},
		{"another operand's version does not count", []update.ClusterOperator{{Name: "one", Versions: []update.OperandVersion{{Name: "kube-apiserver", Version: "new"}}}},
			operatorCounts{Total: 1, Unavailable: 1, Updating: []string{}}, 0, ""},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			cp, findings := assessControlPlane(updatingCV(30*time.Minute), tt.operators, true, cpNow)
			got := *cp.Operators
			if got.Total != tt.want.Total || got.Updated != tt.want.Updated || got.Waiting != tt.want.Waiting || got.Unavailable != tt.want.Unavailable ||
				got.Degraded != tt.want.Degraded || !slices.Equal(got.Updating, tt.want.Updating) {
				t.Errorf("counts = %+v, want %+v", got, tt.want)
			}
			if !cp.CompletionKnown || cp.Completion != tt.completion {
				t.Errorf("completion = %v (known %v), want %v", cp.Completion, cp.CompletionKnown, tt.completion)
			}
			if tt.assessment != "" && cp.Assessment != tt.assessment {
				t.Errorf("assessment = %s, want %s", cp.Assessment, tt.assessment)
			}
			// The conditions changed a minute ago: under every threshold.
			if len(findings) != 0 {
				t.Errorf("findings = %v, want none", findings)
			}
		})
	}
}

// TestEstimateControlPlane: our restatement of oc's estimate gives oc's
// numbers. oc: controlplane_test.go TestEstimateCompletion (every row).
func TestEstimateControlPlane(t *testing.T) {
	for _, tt := range []struct {
		reason                                string
		baseline, toLastProgress, updatingFor time.Duration
		completion                            float64
		want                                  time.Duration
	}{
		{"no operator updated after 30m: the 1h baseline, 30m spent", time.Hour, 30 * time.Minute, 30 * time.Minute, 0, 36 * time.Minute},
		{"no operator updated after 31m, progress a minute ago", time.Hour, 30 * time.Minute, 31 * time.Minute, 0, 35 * time.Minute},
		{"20% after 30m", time.Hour, 30 * time.Minute, 30 * time.Minute, 0.2, time.Hour + 9*time.Minute},
		{"20% after 35m, progress 5m ago", time.Hour, 30 * time.Minute, 35 * time.Minute, 0.2, time.Hour + 3*time.Minute},
		{"75% after 30m", time.Hour, 30 * time.Minute, 30 * time.Minute, 0.75, 50 * time.Minute},
		{"99% after 20m: under ten minutes, to the second", time.Hour, 20 * time.Minute, 20 * time.Minute, 0.99, 4*time.Minute + 50*time.Second},
		{"progress under 5m: the baseline", 80 * time.Minute, 4 * time.Minute, 10 * time.Minute, 0.05, time.Hour + 24*time.Minute},
		{"all updated: nothing left", time.Hour, 30 * time.Minute, 30 * time.Minute, 1, 0},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			if got := estimateControlPlane(tt.baseline, tt.toLastProgress, tt.updatingFor, tt.completion); got != tt.want {
				t.Errorf("estimate = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBaselineDuration: the last completed update between the current one
// and the installation, else an hour. oc: controlplane_test.go
// TestBaselineDuration.
func TestBaselineDuration(t *testing.T) {
	at := func(h int) time.Time { return cpNow.Add(time.Duration(h) * time.Hour) }
	for _, tt := range []struct {
		reason  string
		history []update.UpdateHistory
		want    time.Duration
	}{
		{"no history", nil, time.Hour},
		{"the installation and the current update only", []update.UpdateHistory{{State: update.UpdatePartial}, {State: update.UpdateCompleted, StartedTime: at(0), CompletionTime: at(5)}}, time.Hour},
		{"only partial updates between", []update.UpdateHistory{{State: update.UpdatePartial}, {State: update.UpdatePartial, StartedTime: at(0), CompletionTime: at(2)}, {State: update.UpdateCompleted}}, time.Hour},
		{"the first completed one between", []update.UpdateHistory{{State: update.UpdatePartial}, {State: update.UpdatePartial, StartedTime: at(0), CompletionTime: at(1)},
			{State: update.UpdateCompleted, StartedTime: at(0), CompletionTime: at(2)}, {State: update.UpdateCompleted, StartedTime: at(0), CompletionTime: at(3)}, {State: update.UpdateCompleted}}, 2 * time.Hour},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			if got := baselineDuration(tt.history); got != tt.want {
				t.Errorf("baseline = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestControlPlaneAssessment: Progressing, Progressing slowly (overdue),
// Stalled (overdue by more than ten minutes), from the last observed
// progress. oc: controlplane_test.go TestAssessControlPlaneStatus_Estimate
// (every row).
func TestControlPlaneAssessment(t *testing.T) {
	progressed := func(v string, status metav1.ConditionStatus, minutesAgo int) update.ClusterOperator {
		return op("co-"+v+"-"+string(status)+"-"+time.Duration(minutesAgo).String(), v, cond("Progressing", status, time.Duration(minutesAgo)*time.Minute))
	}
	mco := op("machine-config", "old", cond("Progressing", metav1.ConditionTrue, 30*time.Minute))
	for _, tt := range []struct {
		reason     string
		started    time.Duration
		operators  []update.ClusterOperator
		want       string
		toProgress time.Duration
		completion float64
	}{
		{"last progress is the newest Progressing change", 30 * time.Minute, []update.ClusterOperator{
			progressed("new", metav1.ConditionFalse, 20), progressed("new", metav1.ConditionFalse, 15), progressed("old", metav1.ConditionFalse, 3), progressed("old", metav1.ConditionFalse, 6)},
			assessProgressing, 27 * time.Minute, 0.5},
		{"a Progressing=True change counts too", 30 * time.Minute, []update.ClusterOperator{
			progressed("new", metav1.ConditionFalse, 20), progressed("new", metav1.ConditionFalse, 15), progressed("old", metav1.ConditionTrue, 10), progressed("old", metav1.ConditionFalse, 6)},
			assessProgressing, 24 * time.Minute, 0.5},
		{"no change since the start: the whole update so far", 30 * time.Minute, []update.ClusterOperator{
			progressed("old", metav1.ConditionFalse, 45), progressed("old", metav1.ConditionFalse, 60), progressed("new", metav1.ConditionFalse, 100), progressed("new", metav1.ConditionFalse, 111)},
			assessProgressing, 30 * time.Minute, 0.5},
		{"last progress long ago: stalled", 240 * time.Minute, []update.ClusterOperator{
			progressed("new", metav1.ConditionFalse, 235), progressed("new", metav1.ConditionFalse, 220), progressed("new", metav1.ConditionFalse, 215), progressed("old", metav1.ConditionFalse, 220)},
			assessStalled, 25 * time.Minute, 0.75},
		{"a little over the estimate: progressing slowly", 60 * time.Minute, []update.ClusterOperator{
			progressed("new", metav1.ConditionFalse, 38), progressed("new", metav1.ConditionFalse, 45), progressed("new", metav1.ConditionFalse, 50), progressed("old", metav1.ConditionFalse, 48)},
			assessProgressingSlow, 22 * time.Minute, 0.75},
		{"machine-config last and progressing: its start is the last progress", 60 * time.Minute, []update.ClusterOperator{
			progressed("new", metav1.ConditionFalse, 10), progressed("new", metav1.ConditionFalse, 15), progressed("new", metav1.ConditionFalse, 20), mco},
			assessProgressing, 30 * time.Minute, 0.75},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			cp, _ := assessControlPlane(updatingCV(tt.started), tt.operators, true, cpNow)
			want := estimateControlPlane(time.Hour, tt.toProgress, tt.started, tt.completion)
			if cp.Assessment != tt.want || cp.EstimatedRemainingSeconds == nil || *cp.EstimatedRemainingSeconds != int64(want/time.Second) {
				got := "nil"
				if cp.EstimatedRemainingSeconds != nil {
					got = (time.Duration(*cp.EstimatedRemainingSeconds) * time.Second).String()
				}
				t.Errorf("assessment %s, estimate %s; want %s, %v", cp.Assessment, got, tt.want, want)
			}
		})
	}
}

// TestControlPlaneWithoutOperators: without the ClusterOperators the
// history decides, and the completion is not known; the duration of a
// completed update ends at its completion. oc: controlplane_test.go
// TestAssessControlPlaneStatus_Duration ("completed upgrade", "partial
// update started over 10m ago").
func TestControlPlaneWithoutOperators(t *testing.T) {
	cv := updatingCV(11*time.Minute + 20*time.Second)
	cp, _ := assessControlPlane(cv, nil, false, cpNow)
	if cp.Assessment != assessProgressing || cp.CompletionKnown || cp.Operators != nil || cp.EstimatedRemainingSeconds != nil || cp.DurationSeconds != 11*60 {
		t.Errorf("partial, no operators: %+v", cp)
	}
	cv.History[0].State, cv.History[0].CompletionTime = update.UpdateCompleted, cv.History[0].StartedTime.Add(90*time.Minute)
	cp, _ = assessControlPlane(cv, nil, false, cpNow)
	if cp.Assessment != assessCompleted || cp.DurationSeconds != 90*60 || !cp.Completed.Equal(cv.History[0].CompletionTime) {
		t.Errorf("completed: %+v", cp)
	}
}

// TestOperatorFindings: Unavailable past 5m is a Warning, past 20m an
// Error; Degraded past 5m a Warning, past 40m an Error; under the
// thresholds nothing. oc: controlplane_test.go TestCoInsights.
func TestOperatorFindings(t *testing.T) {
	for _, tt := range []struct {
		reason string
		opts   []func(*update.ClusterOperator)
		want   []string // "Check Severity"
	}{
		{"healthy", nil, nil},
		{"just under the warning thresholds", []func(*update.ClusterOperator){cond("Available", metav1.ConditionFalse, operatorUnavailableWarning-time.Second), cond("Degraded", metav1.ConditionTrue, operatorDegradedWarning-time.Second)}, nil},
		{"past the warning thresholds", []func(*update.ClusterOperator){cond("Available", metav1.ConditionFalse, operatorUnavailableWarning+time.Second), cond("Degraded", metav1.ConditionTrue, operatorDegradedWarning+time.Second)},
			[]string{checkOperatorUnavailable + " Warning", checkOperatorDegraded + " Warning"}},
		{"unavailable past 20m, degraded 30m", []func(*update.ClusterOperator){cond("Available", metav1.ConditionFalse, operatorUnavailableError+time.Second), cond("Degraded", metav1.ConditionTrue, 30*time.Minute)},
			[]string{checkOperatorUnavailable + " Error", checkOperatorDegraded + " Warning"}},
		{"degraded past 40m", []func(*update.ClusterOperator){cond("Degraded", metav1.ConditionTrue, operatorDegradedError+time.Second)},
			[]string{checkOperatorDegraded + " Error"}},
		{"Available=Unknown is counted unavailable but is no finding", []func(*update.ClusterOperator){cond("Available", metav1.ConditionUnknown, time.Hour)}, nil},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			_, findings := assessControlPlane(updatingCV(time.Hour), []update.ClusterOperator{op("etcd", "old", tt.opts...)}, true, cpNow)
			var got []string
			for _, f := range findings {
				got = append(got, f.Check+" "+string(f.Severity))
				if !strings.Contains(f.Reason, "ClusterOperator etcd") || !strings.Contains(f.Remedy, "runbook") {
					t.Errorf("finding %v does not name the operator or the runbook", f)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClusterVersionFindings: no Failing condition, Failing=True or
// Unknown, and a previous update that never completed are Warnings.
// oc: controlplane_test.go TestAssessControlPlaneStatus_insights and
// Test_versionsFromHistory.
func TestClusterVersionFindings(t *testing.T) {
	for _, tt := range []struct {
		reason string
		change func(*update.ClusterVersion)
		says   string
	}{
		{"no Failing condition", func(cv *update.ClusterVersion) { cv.Conditions = nil }, "has no Failing condition"},
		{"Failing=True", func(cv *update.ClusterVersion) {
			cv.Conditions = []metav1.Condition{{Type: "Failing", Status: metav1.ConditionTrue, Reason: "ClusterOperatorDegraded", Message: "Cluster operator machine-config is degraded"}}
		}, "is failing to proceed with the update (ClusterOperatorDegraded): Cluster operator machine-config is degraded"},
		{"Failing=Unknown", func(cv *update.ClusterVersion) {
			cv.Conditions = []metav1.Condition{{Type: "Failing", Status: metav1.ConditionUnknown, Reason: "X"}}
		}, "may be failing"},
		{"the previous update never completed", func(cv *update.ClusterVersion) {
			cv.History = []update.UpdateHistory{{State: update.UpdatePartial, Version: "new", StartedTime: cpNow}, {State: update.UpdatePartial, Version: "mid"}, {State: update.UpdateCompleted, Version: "old"}}
		}, "started while the one to mid was still in progress; the last completed update was to old"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			cv := updatingCV(time.Minute)
			tt.change(cv)
			_, findings := assessControlPlane(cv, []update.ClusterOperator{op("etcd", "old")}, true, cpNow)
			if len(findings) != 1 || findings[0].Severity != update.SeverityWarning || !strings.Contains(findings[0].Reason, tt.says) {
				t.Errorf("findings = %v, want one Warning saying %q", findings, tt.says)
			}
		})
	}
}

// TestPlatformTarget: the target is status.desired, also for an update
// asked by image (spec.desiredUpdate has no version); without it the
// newest history entry. oc reads cv.Status.Desired.Version
// (controlplane.go assessControlPlaneStatus).
func TestPlatformTarget(t *testing.T) {
	for _, tt := range []struct {
		reason string
		cv     update.ClusterVersion
		want   string
	}{
		{"asked by image: only status.desired has it", update.ClusterVersion{Target: "4.16.3", History: []update.UpdateHistory{{Version: "4.16.3"}}}, "4.16.3"},
		{"status.desired wins over the spec", update.ClusterVersion{Target: "4.16.3", DesiredVersion: "4.16.2"}, "4.16.3"},
		{"no status.desired: the newest history entry", update.ClusterVersion{History: []update.UpdateHistory{{Version: "4.16.3"}, {Version: "4.15.30"}}}, "4.16.3"},
		{"nothing but the spec", update.ClusterVersion{DesiredVersion: "4.16.3"}, "4.16.3"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			if got := platformTarget(&tt.cv); got != tt.want {
				t.Errorf("target = %q, want %q", got, tt.want)
			}
		})
	}
}
