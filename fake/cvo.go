package fake

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// Reasons the fake CVO gives when it does not accept a desired update; the
// CVO's own precondition reasons.
const (
	ReasonMultipleMinorVersionsUpdate = "MultipleMinorVersionsUpdate"
	ReasonMajorVersionUpdate          = "MajorVersionUpdate"
	ReasonLowDesiredVersion           = "LowDesiredVersion"
	ReasonUpgradeableFalse            = "UpgradeableFalse"
	ReasonInvalidVersion              = "InvalidVersion"
)

// cvoState is what the fake keeps about the platform update in flight.
type cvoState struct {
	done     time.Time // when the update in flight completes
	rejected string    // "version/reason" last rejected, so each refusal is reported once
}

// cvoController plays the cluster-version operator: a desired update moves
// the platform through the update (one Partial history entry that becomes
// Completed), refusing minor skips, major jumps (but 4.22 → 5.0), rollbacks,
// and minor updates while the cluster is not upgradeable. When it completes,
// the MCO rolls the new configuration out to the pools.
type cvoController struct{ c *Cluster }

func (cvoController) name() string { return ControllerCVO }

func (v cvoController) reconcile(now time.Time) time.Time {
	c := v.c
	cv := c.cv
	if cv == nil {
		return time.Time{}
	}
	if cv.Updating() {
		if now.Before(c.cvo.done) {
			return c.cvo.done
		}
		h := &cv.History[0]
		h.State, h.CompletionTime = update.UpdateCompleted, now
		setCVCondition(cv, now, "Progressing", metav1.ConditionFalse, "", "Cluster version is "+h.Version)
		c.mco.desired = h.Version
		c.record(KindClusterVersion, "", "version", "UpdateCompleted", "cluster version is "+h.Version+"; the MCO rolls it out to the pools")
		return time.Time{}
	}
	current := cv.CurrentVersion()
	desired := cv.DesiredVersion
	if desired == "" || desired == current {
		return time.Time{}
	}
	// The CVO keeps re-checking its preconditions: a refused update starts
	// once the cause is gone (HCO upgradeable again, CNV caught up).
	if reason, msg := c.refuseUpdate(current, desired); reason != "" {
		if c.cvo.rejected != desired+"/"+reason {
			c.cvo.rejected = desired + "/" + reason
			setCVCondition(cv, now, "ReleaseAccepted", metav1.ConditionFalse, reason, msg)
			c.record(KindClusterVersion, "", "version", "UpdateRejected", reason+": "+msg)
		}
		return time.Time{}
	}
	c.cvo.rejected = ""
	cv.History = append([]update.UpdateHistory{{State: update.UpdatePartial, Version: desired, StartedTime: now}}, cv.History...)
	setCVCondition(cv, now, "ReleaseAccepted", metav1.ConditionTrue, "PayloadLoaded", "Payload loaded version="+desired)
	setCVCondition(cv, now, "Progressing", metav1.ConditionTrue, "", "Working towards "+desired)
	c.cvo.done = now.Add(c.timing.PlatformUpdate)
	c.record(KindClusterVersion, "", "version", "UpdateStarted", "updating from "+current+" to "+desired)
	return c.cvo.done
}

// refuseUpdate returns why the CVO would not start an update from current
// to desired, or "" when it would.
func (c *Cluster) refuseUpdate(current, desired string) (reason, message string) {
	cur, err1 := channel.ParseVersion(current)
	want, err2 := channel.ParseVersion(desired)
	if err1 != nil || err2 != nil {
		return ReasonInvalidVersion, fmt.Sprintf("cannot compare versions %q and %q", current, desired)
	}
	switch channel.Classify(cur, want) {
	case channel.UpdateDowngrade:
		return ReasonLowDesiredVersion, "updates go forward only: " + desired + " is older than " + current
	case channel.UpdateMajor:
		return ReasonMajorVersionUpdate, "major version updates are not supported (only 4.22 → 5.0)"
	case channel.UpdateSkipMinor:
		next := cur.MinorVersion().Next()
		return ReasonMultipleMinorVersionsUpdate, "minor versions cannot be skipped: update to " + next.String() + " first"
	case channel.UpdateZStream, channel.UpdateNone:
		return "", "" // z-stream updates are allowed even when not upgradeable
	}
	if hc := c.hco; hc != nil {
		for _, cond := range hc.Status.Conditions {
			if cond.Type == conditions.TypeUpgradeable && cond.Status == metav1.ConditionFalse {
				return ReasonUpgradeableFalse, "Cluster operator operator-lifecycle-manager should not be upgraded between minor versions: HyperConverged Upgradeable=False (" + cond.Reason + "): " + cond.Message
			}
		}
	}
	if cnv, err := channel.ParseVersion(c.cnv.running); err == nil && cnv.MinorVersion() != cur.MinorVersion() {
		return ReasonUpgradeableFalse, "OpenShift Virtualization " + c.cnv.running + " is not compatible with " + desired +
			" (olm.maxOpenShiftVersion): update OpenShift Virtualization to " + cur.MinorVersion().String() + " first"
	}
	return "", ""
}

func setCVCondition(cv *update.ClusterVersion, now time.Time, typ string, status metav1.ConditionStatus, reason, msg string) {
	for i := range cv.Conditions {
		if cv.Conditions[i].Type == typ {
			if cv.Conditions[i].Status != status {
				cv.Conditions[i].LastTransitionTime = metav1.NewTime(now)
			}
			cv.Conditions[i].Status, cv.Conditions[i].Reason, cv.Conditions[i].Message = status, reason, msg
			return
		}
	}
	cv.Conditions = append(cv.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(now)})
}
