package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/update"
)

// Assessments of the control plane, of a pool and of a node, with the
// words `oc adm upgrade status` uses (oc calls Progressing slowly
// "Progressing - Slow").
const (
	assessProgressing     = "Progressing"
	assessProgressingSlow = "Progressing slowly"
	assessStalled         = "Stalled"
	assessCompleted       = "Completed"
	assessPending         = "Pending"
	assessExcluded        = "Excluded"
	assessDegraded        = "Degraded"
	assessUnavailable     = "Unavailable"
	assessOutdated        = "Outdated"
	assessEmpty           = "Empty"
)

// How long a ClusterOperator may be Unavailable (Available=False) or
// Degraded before status reports it as a Warning, then an Error: the
// thresholds of `oc adm upgrade status`.
const (
	operatorUnavailableWarning = 5 * time.Minute
	operatorUnavailableError   = 20 * time.Minute
	operatorDegradedWarning    = 5 * time.Minute
	operatorDegradedError      = 40 * time.Minute
)

// The checks of the update's health findings.
const (
	checkOperatorUnavailable = "ClusterOperatorUnavailable"
	checkOperatorDegraded    = "ClusterOperatorDegraded"
	checkClusterVersion      = "ClusterVersionFailing"
	checkUpdateNotAccepted   = "UpdateNotAccepted"
	checkPreviousIncomplete  = "PreviousUpdateIncomplete"
	checkNodeDegraded        = "NodeDegraded"
	checkNodeUnavailable     = "NodeUnavailable"
	checkPoolPaused          = "PoolPaused"
	checkDrainPDB            = "DrainBlockedByPodDisruptionBudget"
	checkDrainVMI            = "DrainBlockedByVMI"
	checkDrainShutdown       = "DrainShutsDownVMI"
	checkWorkloadBlocked     = "WorkloadBlocked"
	checkWorkloadStuck       = "WorkloadStuck"
)

// operatorCounts are the ClusterOperators as oc counts them.
type operatorCounts struct {
	Total int `json:"total"`
	// Updated report the target in versions["operator"], whatever their
	// conditions.
	Updated int `json:"updated"`
	// Updating are not updated and Progressing=True; Waiting are not
	// updated and Progressing=False.
	Updating []string `json:"updating"`
	Waiting  int      `json:"waiting"`
	// Unavailable are not Available=True (False, Unknown or missing);
	// Degraded are available and Degraded=True.
	Unavailable int `json:"unavailable"`
	Degraded    int `json:"degraded"`
}

// controlPlaneStatus is the control plane's part of a platform update.
type controlPlaneStatus struct {
	// Assessment is Progressing, Progressing slowly, Stalled or Completed.
	Assessment string `json:"assessment"`
	// Target is the release being applied; Previous the one before it
	// (PreviousPartial: that one never completed).
	Target          string `json:"target"`
	Previous        string `json:"previous,omitempty"`
	PreviousPartial bool   `json:"previousPartial,omitempty"`
	// Completion is the percentage of ClusterOperators at the target;
	// valid when CompletionKnown (the cluster lists its ClusterOperators).
	Completion      float64         `json:"completion"`
	CompletionKnown bool            `json:"completionKnown"`
	Operators       *operatorCounts `json:"operators,omitempty"`
	Started         time.Time       `json:"started,omitzero"`
	Completed       time.Time       `json:"completed,omitzero"`
	DurationSeconds int64           `json:"durationSeconds"`
	// EstimatedRemainingSeconds is oc's estimate of the time the control
	// plane still needs (negative: it is overdue by that much); absent when
	// it is completed or not known.
	EstimatedRemainingSeconds *int64 `json:"estimatedRemainingSeconds,omitempty"`
}

// platformTarget is the release a platform update applies: status.desired
// (ClusterVersion.Target), else the newest history entry, else
// spec.desiredUpdate.version.
func platformTarget(cv *update.ClusterVersion) string {
	if cv.Target != "" {
		return cv.Target
	}
	if len(cv.History) > 0 {
		return cv.History[0].Version
	}
	return cv.DesiredVersion
}

// nodeTarget is the release oc compares each node's with: the newest
// history entry (a paused pool has no MachineConfig of a target the CVO
// has not reached yet), else Target.
func nodeTarget(cv *update.ClusterVersion) string {
	if len(cv.History) > 0 {
		return cv.History[0].Version
	}
	return cv.Target
}

func findCondition(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

func versionOf(vs []update.OperandVersion, name string) string {
	for _, v := range vs {
		if v.Name == name {
			return v.Version
		}
	}
	return ""
}

// assessControlPlane reads the control plane's progress from the
// ClusterVersion and the ClusterOperators (known: the cluster lists them),
// by the rules of `oc adm upgrade status`:
//
//   - an operator is updated when versions["operator"] is the target
//     (status.desired.version), whatever its conditions;
//   - the control plane is Completed when every operator is updated;
//     completion is updated / total;
//   - otherwise the time left is estimated from the completion and the last
//     observed progress (estimateControlPlane); overdue by more than ten
//     minutes is Stalled, overdue at all Progressing slowly.
//
// Without the ClusterOperators the control plane is Completed when the
// newest history entry is, and its completion is not known.
func assessControlPlane(cv *update.ClusterVersion, operators []update.ClusterOperator, known bool, now time.Time) (controlPlaneStatus, []update.Finding) {
	target := platformTarget(cv)
	cp := controlPlaneStatus{Target: target}
	var findings []update.Finding
	if failing := findCondition(cv.Conditions, "Failing"); failing == nil {
		findings = append(findings, update.Finding{Check: checkClusterVersion, Severity: update.SeverityWarning, Objects: []string{"ClusterVersion version"},
			Reason: "the ClusterVersion has no Failing condition: how its reconciliation stands is unclear",
			Remedy: "read the cluster-version operator's log: oc -n openshift-cluster-version logs -l k8s-app=cluster-version-operator --tail -1"})
	} else if failing.Status != metav1.ConditionFalse {
		verb := "is"
		if failing.Status == metav1.ConditionUnknown {
			verb = "may be"
		}
		findings = append(findings, update.Finding{Check: checkClusterVersion, Severity: update.SeverityWarning, Objects: []string{"ClusterVersion version"},
			Reason: fmt.Sprintf("the ClusterVersion %s failing to proceed with the update (%s): %s", verb, failing.Reason, failing.Message),
			Remedy: "resolve what the message names (oc adm upgrade; oc get clusteroperators)"})
	}

	var lastProgress, mcoStarted time.Time
	if known {
		c := &operatorCounts{Updating: []string{}}
		for _, co := range operators {
			c.Total++
			updated := versionOf(co.Versions, "operator") == target
			if updated {
				c.Updated++
			}
			available := findCondition(co.Conditions, "Available")
			degraded := findCondition(co.Conditions, "Degraded")
			if p := findCondition(co.Conditions, "Progressing"); p != nil {
				if p.LastTransitionTime.After(lastProgress) {
					lastProgress = p.LastTransitionTime.Time
				}
				switch {
				case !updated && p.Status == metav1.ConditionTrue:
					c.Updating = append(c.Updating, co.Name)
					if co.Name == "machine-config" {
						mcoStarted = p.LastTransitionTime.Time
					}
				case !updated && p.Status == metav1.ConditionFalse:
					c.Waiting++
				}
			}
			switch {
			case available == nil || available.Status != metav1.ConditionTrue:
				c.Unavailable++
			case degraded != nil && degraded.Status == metav1.ConditionTrue:
				c.Degraded++
			}
			findings = append(findings, operatorFindings(co.Name, available, degraded, now)...)
		}
		cp.Operators = c
		if c.Total > 0 {
			cp.CompletionKnown = true
			cp.Completion = 100 * float64(c.Updated) / float64(c.Total)
		}
		// machine-config, last to update, flips Progressing as the nodes
		// reboot: when it is the only one left, its start is the last
		// observed progress.
		if !mcoStarted.IsZero() && c.Total-c.Updated == 1 {
			lastProgress = mcoStarted
		}
	}
	completed := false
	switch {
	case cp.CompletionKnown:
		completed = cp.Operators.Updated == cp.Operators.Total
	default:
		completed = len(cv.History) == 0 || cv.History[0].State == update.UpdateCompleted
	}
	cp.Assessment = assessProgressing
	if completed {
		cp.Assessment = assessCompleted
	}

	var updatingFor, toLastProgress time.Duration
	if len(cv.History) > 0 {
		h := cv.History[0]
		cp.Started = h.StartedTime
		if !lastProgress.After(h.StartedTime) {
			lastProgress = now
		}
		toLastProgress = lastProgress.Sub(h.StartedTime)
		end := now
		if h.State == update.UpdateCompleted && !h.CompletionTime.IsZero() {
			end = h.CompletionTime
			cp.Completed = end
		}
		updatingFor = end.Sub(h.StartedTime)
		cp.DurationSeconds = int64(roundDuration(updatingFor) / time.Second)
	}
	if len(cv.History) > 1 {
		cp.Previous = cv.History[1].Version
		cp.PreviousPartial = cv.History[1].State == update.UpdatePartial
		if cp.PreviousPartial && !completed {
			last := "unknown"
			for _, h := range cv.History[2:] {
				if h.State == update.UpdateCompleted {
					last = h.Version
					break
				}
			}
			findings = append(findings, update.Finding{Check: checkPreviousIncomplete, Severity: update.SeverityWarning, Objects: []string{"ClusterVersion version"},
				Reason: fmt.Sprintf("the update to %s started while the one to %s was still in progress; the last completed update was to %s", cp.Target, cp.Previous, last),
				Remedy: "read the ClusterVersion's history (oc get clusterversion version -o jsonpath='{.status.history}')"})
		}
	}
	if !completed && cp.CompletionKnown && len(cv.History) > 0 {
		est := estimateControlPlane(baselineDuration(cv.History), toLastProgress, updatingFor, float64(cp.Operators.Updated)/float64(cp.Operators.Total))
		s := int64(est / time.Second)
		cp.EstimatedRemainingSeconds = &s
		switch {
		case est < -10*time.Minute:
			cp.Assessment = assessStalled
		case est < 0:
			cp.Assessment = assessProgressingSlow
		}
	}
	return cp, findings
}

// operatorFindings reports an operator Available=False for longer than
// operatorUnavailableWarning (an Error past operatorUnavailableError), and
// one Degraded=True for longer than operatorDegradedWarning (an Error past
// operatorDegradedError).
func operatorFindings(name string, available, degraded *metav1.Condition, now time.Time) []update.Finding {
	var out []update.Finding
	obj := []string{"ClusterOperator " + name}
	if available != nil && available.Status == metav1.ConditionFalse && now.After(available.LastTransitionTime.Add(operatorUnavailableWarning)) {
		f := update.Finding{Check: checkOperatorUnavailable, Severity: update.SeverityWarning, Objects: obj,
			Reason: fmt.Sprintf("ClusterOperator %s is unavailable (%s) for %s: %s", name, available.Reason, report.FormatDuration(now.Sub(available.LastTransitionTime.Time)), orNoMessage(available.Message)),
			Remedy: "see the ClusterOperatorDown runbook: https://github.com/openshift/runbooks/blob/master/alerts/cluster-monitoring-operator/ClusterOperatorDown.md"}
		if now.After(available.LastTransitionTime.Add(operatorUnavailableError)) {
			f.Severity = update.SeverityError
		}
		out = append(out, f)
	}
	if degraded != nil && degraded.Status == metav1.ConditionTrue && now.After(degraded.LastTransitionTime.Add(operatorDegradedWarning)) {
		f := update.Finding{Check: checkOperatorDegraded, Severity: update.SeverityWarning, Objects: obj,
			Reason: fmt.Sprintf("ClusterOperator %s is degraded (%s) for %s: %s", name, degraded.Reason, report.FormatDuration(now.Sub(degraded.LastTransitionTime.Time)), orNoMessage(degraded.Message)),
			Remedy: "see the ClusterOperatorDegraded runbook: https://github.com/openshift/runbooks/blob/master/alerts/cluster-monitoring-operator/ClusterOperatorDegraded.md"}
		if now.After(degraded.LastTransitionTime.Add(operatorDegradedError)) {
			f.Severity = update.SeverityError
		}
		out = append(out, f)
	}
	return out
}

func orNoMessage(s string) string {
	if strings.TrimSpace(s) == "" {
		return "<no message>"
	}
	return s
}

// roundDuration rounds to the minute past ten minutes, else to the second,
// as oc shows durations.
func roundDuration(d time.Duration) time.Duration {
	if d > 10*time.Minute || d < -10*time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// defaultControlPlaneBaseline is how long oc expects a control plane update
// to take when the history has no earlier update to go by.
const defaultControlPlaneBaseline = time.Hour

// baselineDuration is how long the last completed update took, skipping
// the current one (first) and the installation (last); an hour when there
// is none.
func baselineDuration(history []update.UpdateHistory) time.Duration {
	if len(history) < 3 {
		return defaultControlPlaneBaseline
	}
	for _, h := range history[1 : len(history)-1] {
		if h.State == update.UpdateCompleted {
			return h.CompletionTime.Sub(h.StartedTime)
		}
	}
	return defaultControlPlaneBaseline
}

// estimateControlPlane is oc's estimate of the control plane's time left:
// once more than five minutes of progress were observed and some operators
// are updated, the total is the time to the last observed progress divided
// by the share of the time that completion stands for (timewiseCompletion);
// before that, the baseline. The remainder is padded by 20% (or, overdue,
// shrunk by as much), to the minute past ten minutes.
func estimateControlPlane(baseline, toLastProgress, updatingFor time.Duration, completion float64) time.Duration {
	if completion >= 1 {
		return 0
	}
	total := baseline.Seconds()
	if share := timewiseCompletion(completion); completion > 0 && share > 0 && toLastProgress > 5*time.Minute {
		total = toLastProgress.Seconds() / share
	}
	remaining := total - updatingFor.Seconds()
	pad := 1.2
	if remaining < 0 {
		pad = 1 / pad
	}
	est := time.Duration(remaining*pad) * time.Second
	if est > 10*time.Minute {
		return est.Round(time.Minute)
	}
	return est.Round(time.Second)
}

// timewiseCurve is the share of its duration a control plane update has
// taken when a share of its ClusterOperators is updated: oc fitted three
// polynomials to the updates of one of its CI clusters (a typical update
// has 97% of its operators updated two thirds of the way through). Each
// piece holds the coefficients from x⁰ up, for x below upTo.
var timewiseCurve = []struct {
	upTo  float64
	coefs []float64
}{
	{0.25, []float64{-0.03078788, 2.62886, -3.823954}},
	{0.9, []float64{0.1851215, 1.64994, -4.676898, 5.451824, -2.125286}},
	{math.Inf(1), []float64{25053.32, -107394.3, 172527.2, -123107, 32921.81}},
}

// timewiseCompletion evaluates timewiseCurve at the completion x.
func timewiseCompletion(x float64) float64 {
	for _, piece := range timewiseCurve {
		if x < piece.upTo {
			y := 0.0
			for i := len(piece.coefs) - 1; i >= 0; i-- {
				y = y*x + piece.coefs[i]
			}
			return y
		}
	}
	return 0
}
