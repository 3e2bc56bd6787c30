package fake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// Reasons of the CVO's precondition checks, which the ReleaseAccepted=False
// message quotes; the condition's own reason is ReasonPreconditionChecks.
const (
	ReasonMultipleMinorVersionsUpdate = "MultipleMinorVersionsUpdate"
	ReasonMajorVersionUpdate          = "MajorVersionUpdate"
	ReasonLowDesiredVersion           = "LowDesiredVersion"
	ReasonInvalidDesiredVersion       = "InvalidDesiredVersion"
)

// Reasons of the ClusterVersion's ReleaseAccepted condition.
const (
	// ReasonPreconditionChecks: a blocking precondition failed; the message
	// says which and why.
	ReasonPreconditionChecks = "PreconditionChecks"
	// ReasonPayloadLoaded: the desired release was accepted.
	ReasonPayloadLoaded = "PayloadLoaded"
)

// The CVO's precondition checks, in the order it runs them.
const (
	PreconditionRollback    = "ClusterVersionRollback"
	PreconditionGiantHop    = "ClusterVersionGiantHop"
	PreconditionUpgradeable = "ClusterVersionUpgradeable"
)

// ReleaseImage is the release image the fake gives a platform version.
func ReleaseImage(version string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + version + "-x86_64"
}

// cvoState is what the fake keeps about the platform update in flight.
type cvoState struct {
	done     time.Time // when the control plane of the update in flight is done
	rejected string    // "version/message" last rejected, so each refusal is reported once
	waiting  string    // what the completion of the update waits for, reported once
	// operators are the ClusterOperators, by name.
	operators map[string]*configv1.ClusterOperator
}

// cvoController plays the cluster-version operator. A desired update (or a
// retarget of the update in flight) passes the CVO's preconditions or is
// refused with ReleaseAccepted=False; an accepted one is a Partial history
// entry. The control plane takes Timing.PlatformUpdate; then the MCO rolls
// the new configuration out to the pools, and the update is Completed once
// the pools required for it (master) have rolled out. The ClusterVersion's
// Upgradeable condition comes from the ClusterOperators and from an update
// being in progress.
type cvoController struct{ c *Cluster }

func (cvoController) name() string { return ControllerCVO }

func (v cvoController) reconcile(now time.Time) time.Time {
	c := v.c
	cv := c.cv
	if cv == nil || len(cv.History) == 0 {
		return time.Time{}
	}
	c.setUpgradeable(now)
	target := cv.History[0].Version // status.desired: what the CVO reconciles
	if desired := cv.DesiredVersion; desired == "" || desired == target {
		// Asked for what it already runs, the CVO reports the loaded
		// payload as accepted again.
		if acc := cvCondition(cv, "ReleaseAccepted"); acc != nil && acc.Status != metav1.ConditionTrue {
			c.cvo.rejected = ""
			setCVCondition(cv, now, "ReleaseAccepted", metav1.ConditionTrue, ReasonPayloadLoaded, payloadLoaded(target))
		}
	} else {
		// The CVO keeps re-checking its preconditions: a refused update
		// starts once the cause is gone.
		if msg := c.preconditionsFailed(desired); msg != "" {
			if c.cvo.rejected != desired+"/"+msg {
				c.cvo.rejected = desired + "/" + msg
				setCVCondition(cv, now, "ReleaseAccepted", metav1.ConditionFalse, ReasonPreconditionChecks, msg)
				c.record(KindClusterVersion, "", "version", "UpdateRejected", msg)
			}
		} else {
			c.startUpdate(now, target, desired)
		}
	}
	next := c.progressUpdate(now)
	c.setUpgradeable(now)
	return next
}

// startUpdate accepts the desired version: a Partial history entry (the
// one it replaces, if still Partial, gets its completion time), and the
// control plane starts updating.
func (c *Cluster) startUpdate(now time.Time, from, to string) {
	cv := c.cv
	c.cvo.rejected, c.cvo.waiting = "", ""
	if cv.History[0].CompletionTime.IsZero() {
		cv.History[0].CompletionTime = now
	}
	cv.History = append([]update.UpdateHistory{{State: update.UpdatePartial, Version: to, StartedTime: now}}, cv.History...)
	setCVCondition(cv, now, "ReleaseAccepted", metav1.ConditionTrue, ReasonPayloadLoaded, payloadLoaded(to))
	setCVCondition(cv, now, "Progressing", metav1.ConditionTrue, "", "Working towards "+to)
	c.cvo.done = now.Add(c.timing.PlatformUpdate)
	c.record(KindClusterVersion, "", "version", "UpdateStarted", "updating from "+from+" to "+to)
}

func payloadLoaded(version string) string {
	return fmt.Sprintf("Payload loaded version=%q image=%q architecture=%q", version, ReleaseImage(version), "amd64")
}

// progressUpdate moves the update in flight on: after the control plane's
// time the MCO renders the new configuration, and the update completes
// once the required pools are updated (and no pool is degraded), as the
// MCO's ClusterOperator reports its new version only then.
func (c *Cluster) progressUpdate(now time.Time) time.Time {
	cv := c.cv
	if !cv.Updating() {
		return time.Time{}
	}
	h := &cv.History[0]
	if now.Before(c.cvo.done) {
		return c.cvo.done
	}
	if c.mco.desired != h.Version {
		c.mco.desired = h.Version
		c.platformChanged()
		c.record(KindClusterVersion, "", "version", "ControlPlaneUpdated",
			"the control plane runs "+h.Version+"; the MCO rolls it out to the pools, and the update completes once the master pool has")
		return time.Time{} // the pools' status follows in this round
	}
	if waiting := c.requiredPoolsWaiting(); waiting != "" {
		setCVCondition(cv, now, "Progressing", metav1.ConditionTrue, "", "Working towards "+h.Version+": waiting on machine-config: "+waiting)
		if c.cvo.waiting != waiting {
			c.cvo.waiting = waiting
			c.record(KindClusterVersion, "", "version", "WaitingOnMachineConfig", waiting)
		}
		return time.Time{}
	}
	c.cvo.waiting = ""
	h.State, h.CompletionTime = update.UpdateCompleted, now
	setCVCondition(cv, now, "Progressing", metav1.ConditionFalse, "", "Cluster version is "+h.Version)
	c.record(KindClusterVersion, "", "version", "UpdateCompleted", "cluster version is "+h.Version)
	return time.Time{}
}

// requiredPoolsWaiting says what the MCO's ClusterOperator still waits for
// before it reports the new version, "" when nothing: a degraded pool, or a
// required pool (master) that is not updated, or paused.
func (c *Cluster) requiredPoolsWaiting() string {
	for _, name := range slices.Sorted(mapsKeys(c.pools)) {
		p := c.pools[name]
		if p.DegradedMachineCount > 0 {
			return fmt.Sprintf("MachineConfigPool %s is not ready, retrying. Status: (pool degraded: true total: %d, ready %d, updated: %d, unavailable: %d)",
				p.Name, p.MachineCount, p.ReadyMachineCount, p.UpdatedMachineCount, p.UnavailableMachineCount)
		}
		if name != update.MasterPool || (p.Updated() && p.UnavailableMachineCount == 0) {
			continue
		}
		if p.Paused {
			return "required MachineConfigPool " + p.Name + " is paused and cannot sync until it is unpaused"
		}
		return fmt.Sprintf("required MachineConfigPool %s is not ready, retrying. Status: (total: %d, ready %d, updated: %d, unavailable: %d, degraded: %d)",
			p.Name, p.MachineCount, p.ReadyMachineCount, p.UpdatedMachineCount, p.UnavailableMachineCount, p.DegradedMachineCount)
	}
	return ""
}

// preconditionError is one failed precondition check of the CVO.
type preconditionError struct {
	name, reason, message string
}

// preconditionsFailed runs the CVO's blocking precondition checks for an
// update from the current target to desired and returns the
// ReleaseAccepted=False message, "" when they pass. Warnings (non-blocking
// failures) do not stop an update and are not reported.
func (c *Cluster) preconditionsFailed(desired string) string {
	var errs []preconditionError
	for _, check := range []func(string) *preconditionError{c.checkRollback, c.checkGiantHop, c.checkUpgradeable} {
		if e := check(desired); e != nil {
			errs = append(errs, *e)
		}
	}
	if len(errs) == 0 {
		return ""
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = fmt.Sprintf("Precondition %q failed because of %q: %s", e.name, e.reason, e.message)
	}
	msg := msgs[0]
	if len(msgs) > 1 {
		msg = "Multiple precondition checks failed:\n* " + strings.Join(msgs, "\n* ")
	}
	return fmt.Sprintf("Preconditions failed for payload loaded version=%q image=%q: %s", desired, ReleaseImage(desired), msg)
}

// versions parses the current target and the desired version for a
// check. ok is false when the check passes without looking further: the
// current target does not parse (the CVO only warns, so that an update can
// fix it). A desired version that does not parse fails the check.
func (c *Cluster) versions(check, desired string) (cur, want channel.Version, ok bool, e *preconditionError) {
	cur, err := channel.ParseVersion(c.cv.History[0].Version)
	if err != nil {
		return cur, want, false, nil
	}
	want, err = channel.ParseVersion(desired)
	if err != nil {
		return cur, want, false, &preconditionError{name: check, reason: ReasonInvalidDesiredVersion, message: err.Error()}
	}
	return cur, want, true, nil
}

// checkRollback is the CVO's Rollback precondition: going back is allowed
// only to the cluster's previous version (the newest history entry of
// another version), and only within the same minor.
func (c *Cluster) checkRollback(desired string) *preconditionError {
	cur, want, ok, e := c.versions(PreconditionRollback, desired)
	if !ok {
		return e
	}
	if want.Compare(cur) >= 0 {
		return nil
	}
	fail := func(msg string) *preconditionError {
		return &preconditionError{name: PreconditionRollback, reason: ReasonLowDesiredVersion, message: msg}
	}
	for _, h := range c.cv.History {
		if h.Version == cur.String() {
			continue
		}
		prev, err := channel.ParseVersion(h.Version)
		if err != nil {
			break // the CVO logs it and treats the cluster as having no previous version
		}
		if want.Compare(prev) != 0 {
			return fail(fmt.Sprintf("%s is less than the current target %s, and the only supported rollback is to the cluster's previous version %s (%s)",
				want, cur, prev, ReleaseImage(prev.String())))
		}
		if prev.MinorVersion() == cur.MinorVersion() {
			return nil
		}
		return fail(fmt.Sprintf("%s is less than the current target %s and matches the cluster's previous version, but rollbacks that change major or minor versions are not recommended", want, cur))
	}
	return fail(fmt.Sprintf("%s is less than the current target %s, and the cluster has no previous Semantic Version", want, cur))
}

// checkGiantHop is the CVO's GiantHop precondition: no update over more
// than one minor, and no change of major, except 4.22 → 5.0 (only the 4.22
// CVO carries that exception: 4.20's and 4.21's refuse 5.0).
func (c *Cluster) checkGiantHop(desired string) *preconditionError {
	cur, want, ok, e := c.versions(PreconditionGiantHop, desired)
	if !ok {
		return e
	}
	if want.Major() > cur.Major() {
		if want.Major() == 5 && cur.Major() == 4 && cur.Minor() == channel.LastMinorOf4 {
			if want.Minor() == 0 {
				return nil
			}
			return &preconditionError{name: PreconditionGiantHop, reason: ReasonMajorVersionUpdate, message: fmt.Sprintf(
				"%s has a larger major version than the current target %s (%d > %d), and only updates within the current major version or to 5.0 are supported.",
				want, cur, want.Major(), cur.Major())}
		}
		return &preconditionError{name: PreconditionGiantHop, reason: ReasonMajorVersionUpdate, message: fmt.Sprintf(
			"%s has a larger major version than the current target %s (%d > %d), and only updates within the current major version are supported.",
			want, cur, want.Major(), cur.Major())}
	}
	if want.Minor() > cur.Minor()+1 {
		return &preconditionError{name: PreconditionGiantHop, reason: ReasonMultipleMinorVersionsUpdate, message: fmt.Sprintf(
			"%s is more than one minor version beyond the current target %s (%d.%d > %d.(%d+1)), and only updates within the current minor version or to the next minor version are supported.",
			want, cur, want.Major(), want.Minor(), cur.Major(), cur.Minor())}
	}
	return nil
}

// checkUpgradeable is the CVO's Upgradeable precondition: while the
// ClusterVersion is Upgradeable=False, an update to another minor or major
// is refused with that condition's reason and message; z-streams (and going
// back) pass.
func (c *Cluster) checkUpgradeable(desired string) *preconditionError {
	up := cvCondition(c.cv, "Upgradeable")
	if up == nil || up.Status != metav1.ConditionFalse {
		return nil
	}
	cur, want, ok, e := c.versions(PreconditionUpgradeable, desired)
	if !ok {
		return e
	}
	if want.Compare(cur) <= 0 || want.MinorVersion() == cur.MinorVersion() {
		return nil
	}
	return &preconditionError{name: PreconditionUpgradeable, reason: up.Reason, message: up.Message}
}

func cvCondition(cv *update.ClusterVersion, typ string) *metav1.Condition {
	for i := range cv.Conditions {
		if cv.Conditions[i].Type == typ {
			return &cv.Conditions[i]
		}
	}
	return nil
}

func setCVCondition(cv *update.ClusterVersion, now time.Time, typ string, status metav1.ConditionStatus, reason, msg string) {
	if cond := cvCondition(cv, typ); cond != nil {
		if cond.Status != status {
			cond.LastTransitionTime = metav1.NewTime(now)
		}
		cond.Status, cond.Reason, cond.Message = status, reason, msg
		return
	}
	cv.Conditions = append(cv.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(now)})
}

func removeCVCondition(cv *update.ClusterVersion, typ string) {
	for i := range cv.Conditions {
		if cv.Conditions[i].Type == typ {
			cv.Conditions = append(cv.Conditions[:i], cv.Conditions[i+1:]...)
			return
		}
	}
}
