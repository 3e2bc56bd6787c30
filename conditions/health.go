package conditions

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
)

// Verdict is the one-word reading of a HyperConverged's conditions.
type Verdict string

// Verdicts, from the worst to the best. Evaluate returns the first that
// applies in this order: Unknown (stale or missing), Degraded, Progressing,
// Unavailable, NotUpgradeable, Unknown (a status Unknown), Succeeded.
const (
	// VerdictUnknown: the conditions cannot be trusted (missing, stale or
	// Unknown).
	VerdictUnknown Verdict = "Unknown"
	// VerdictDegraded: Degraded=True, or HCO failed to reconcile
	// (ReconcileComplete=False).
	VerdictDegraded Verdict = "Degraded"
	// VerdictProgressing: Progressing=True — an update or a reconcile is
	// under way, or HCO is initializing.
	VerdictProgressing Verdict = "Progressing"
	// VerdictUnavailable: Available=False with nothing progressing or
	// degraded.
	VerdictUnavailable Verdict = "Unavailable"
	// VerdictNotUpgradeable: healthy, but Upgradeable=False holds the next
	// update.
	VerdictNotUpgradeable Verdict = "NotUpgradeable"
	// VerdictSucceeded: the five conditions read as after a successful update
	// (ReconcileComplete, Available and Upgradeable True; Progressing and
	// Degraded False).
	VerdictSucceeded Verdict = "Succeeded"
)

// DefaultStallThreshold is how long Progressing=True may last before
// Evaluate calls it stalled. Most automatic operator updates finish within
// 15 minutes; twice that is a safe sign that something is stuck.
const DefaultStallThreshold = 30 * time.Minute

// EvaluateOptions tune Evaluate. The zero value uses the defaults.
type EvaluateOptions struct {
	// StallThreshold: Progressing=True for strictly longer than this is
	// reported as stalled. Zero means DefaultStallThreshold; negative
	// disables stall detection.
	StallThreshold time.Duration
}

// Health is what the HyperConverged conditions say about an update.
type Health struct {
	// Verdict sums the conditions up.
	Verdict Verdict
	// Upgradeable reports whether the next update may start: the conditions
	// are current and Upgradeable is True.
	Upgradeable bool
	// Reasons explain the verdict, each naming the condition it comes from.
	Reasons []string
	// Since is the lastTransitionTime of the condition that decided the
	// verdict (for Succeeded, the latest of the five): the verdict has held
	// at least since then. Zero when no condition decided it.
	Since time.Time
	// Stalled is true when Progressing has been True for longer than the
	// stall threshold; StalledFor says how long.
	Stalled    bool
	StalledFor time.Duration
}

// Evaluate reads the HyperConverged conditions of an object at the given
// metadata.generation. Conditions whose observedGeneration is older than the
// generation describe a spec HCO has not reconciled yet: the verdict is then
// Unknown, and the reasons say which conditions are stale.
func Evaluate(clk clock.PassiveClock, conds []metav1.Condition, generation int64, opts EvaluateOptions) Health {
	var c [nTypes]*metav1.Condition
	var h Health
	for i, t := range managedTypes {
		c[i] = meta.FindStatusCondition(conds, t)
		switch {
		case c[i] == nil:
			h.Reasons = append(h.Reasons, t+" condition is missing")
		case c[i].ObservedGeneration < generation:
			h.Reasons = append(h.Reasons, fmt.Sprintf("%s is stale: observedGeneration %d, object generation %d; HCO has not reconciled the latest spec yet",
				t, c[i].ObservedGeneration, generation))
		}
	}
	if len(h.Reasons) > 0 {
		h.Verdict = VerdictUnknown
		return h
	}
	is := func(i int, s metav1.ConditionStatus) bool { return c[i].Status == s }
	because := func(v Verdict, i int) Health {
		h.Verdict = v
		h.Since = c[i].LastTransitionTime.Time
		h.Reasons = append(h.Reasons, describe(c[i]))
		return h
	}
	h.Upgradeable = is(iUpgradeable, metav1.ConditionTrue)

	switch {
	case is(iDegraded, metav1.ConditionTrue):
		h = because(VerdictDegraded, iDegraded)
		if is(iReconcileComplete, metav1.ConditionFalse) {
			h.Reasons = append(h.Reasons, describe(c[iReconcileComplete]))
		}
		return h
	case is(iReconcileComplete, metav1.ConditionFalse):
		return because(VerdictDegraded, iReconcileComplete)
	case is(iProgressing, metav1.ConditionTrue):
		h = because(VerdictProgressing, iProgressing)
		threshold := opts.StallThreshold
		if threshold == 0 {
			threshold = DefaultStallThreshold
		}
		if d := clk.Since(h.Since); threshold > 0 && d > threshold {
			h.Stalled, h.StalledFor = true, d
			h.Reasons = append(h.Reasons, fmt.Sprintf("Progressing has been True for %s, longer than %s: look at the components named above", d.Round(time.Second), threshold))
		}
		return h
	case is(iAvailable, metav1.ConditionFalse):
		return because(VerdictUnavailable, iAvailable)
	case is(iUpgradeable, metav1.ConditionFalse):
		return because(VerdictNotUpgradeable, iUpgradeable)
	}
	for i := range nTypes {
		want := metav1.ConditionTrue
		if i == iProgressing || i == iDegraded {
			want = metav1.ConditionFalse
		}
		if !is(i, want) {
			return because(VerdictUnknown, i)
		}
	}
	h.Verdict = VerdictSucceeded
	for i := range nTypes {
		if t := c[i].LastTransitionTime.Time; t.After(h.Since) {
			h.Since = t
		}
	}
	h.Reasons = append(h.Reasons, "all five HyperConverged conditions are healthy: "+c[iReconcileComplete].Message)
	return h
}

// describe renders a condition the way a person reads it.
func describe(c *metav1.Condition) string {
	s := c.Type + "=" + string(c.Status)
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	if c.Message != "" {
		s += ": " + c.Message
	}
	return s
}
