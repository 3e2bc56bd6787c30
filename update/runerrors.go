package update

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel causes of the runner's errors. Test for them with errors.Is.
var (
	// ErrOtherPlan: the checkpoint holds an unfinished run of another plan.
	ErrOtherPlan = errors.New("the checkpoint holds another plan that has not finished")
	// ErrPlanChanged: the checkpoint's step is not the plan's step at that
	// position, so the plan is not the one that wrote it.
	ErrPlanChanged = errors.New("the plan does not match its checkpoint")
	// ErrConcurrentRun: someone else wrote the checkpoint meanwhile.
	ErrConcurrentRun = errors.New("another runner wrote the checkpoint")
	// ErrTimeout: a wait ran out of time; a *TimeoutError carries it.
	ErrTimeout = errors.New("timed out")
	// ErrUnexpectedInstallPlan: an InstallPlan awaits approval for another
	// version than the plan expects; it is not approved.
	ErrUnexpectedInstallPlan = errors.New("unexpected InstallPlan")
	// ErrPreflight: a pre-flight check found an error.
	ErrPreflight = errors.New("pre-flight checks failed")
	// ErrUpdateRefused: the cluster refused an update the plan asked for.
	ErrUpdateRefused = errors.New("update refused")
	// ErrOperatorInstallFailed: the operator's new CSV failed.
	ErrOperatorInstallFailed = errors.New("operator install failed")
	// ErrMethodsChanged: workloadUpdateMethods was changed by someone else
	// while the plan kept it off; the plan does not overwrite it.
	ErrMethodsChanged = errors.New("workloadUpdateMethods changed during the plan")
)

// StepError stops a plan: which step, on which object, why, and what to do.
type StepError struct {
	// Index is the step's position (-1 before the first step); Step its
	// name.
	Index int
	Step  string
	// Op describes an operation of the runner itself (loading the
	// checkpoint) when the error is not a step's.
	Op string
	// Object is the object the failing operation was about ("HyperConverged
	// openshift-cnv/kubevirt-hyperconverged"), when known.
	Object string
	// Err is the cause.
	Err error
	// Remedy says what to do.
	Remedy string
}

// Error renders the step, the object, the cause and the remedy.
func (e *StepError) Error() string {
	var b strings.Builder
	switch {
	case e.Step != "":
		fmt.Fprintf(&b, "step %d (%s)", e.Index+1, e.Step)
	case e.Op != "":
		b.WriteString(e.Op)
	default:
		b.WriteString("plan")
	}
	if e.Object != "" {
		fmt.Fprintf(&b, " on %s", e.Object)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Remedy != "" {
		fmt.Fprintf(&b, "; to do: %s", e.Remedy)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// TimeoutError is a wait that ran out of time.
type TimeoutError struct {
	// For is what the step waited for; After the timeout.
	For   string
	After time.Duration
	// Status is the last status the condition reported.
	Status string
	// Explanation says why the condition does not hold, when the step can
	// tell.
	Explanation string
}

// Error says what was awaited, for how long, and where things stood.
func (e *TimeoutError) Error() string {
	s := fmt.Sprintf("timed out after %s waiting for %s", e.After, e.For)
	if e.Status != "" {
		s += " (last: " + e.Status + ")"
	}
	if e.Explanation != "" {
		s += "; " + e.Explanation
	}
	return s
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// CheckpointError is a problem with the plan's checkpoint record.
type CheckpointError struct {
	// Name is the record's name; Plan and Step what it holds, when read.
	Name, Plan, Step string
	Err              error
	Remedy           string
}

// Error names the record and what it holds.
func (e *CheckpointError) Error() string {
	s := "checkpoint " + e.Name
	if e.Plan != "" {
		s += " (plan " + e.Plan
		if e.Step != "" {
			s += " at step " + e.Step
		}
		s += ")"
	}
	s += ": " + e.Err.Error()
	if e.Remedy != "" {
		s += "; to do: " + e.Remedy
	}
	return s
}

// Unwrap returns the cause.
func (e *CheckpointError) Unwrap() error { return e.Err }

// InstallPlanError is an InstallPlan the plan did not approve, because its
// CSVs are not the version the plan expects.
type InstallPlanError struct {
	Namespace, Name string
	// CSVs are the InstallPlan's spec.clusterServiceVersionNames; Expected
	// the CSV (or the minor) the plan expects.
	CSVs     []string
	Expected string
}

// Error says which InstallPlan, what it would install and what was expected.
func (e *InstallPlanError) Error() string {
	return fmt.Sprintf("%v: InstallPlan %s/%s would install %s, but the plan expects %s; it was not approved. "+
		"Check the Subscription's channel and catalog; approve it yourself only if you want that version, then plan again",
		ErrUnexpectedInstallPlan, e.Namespace, e.Name, strings.Join(e.CSVs, ", "), e.Expected)
}

// Unwrap returns ErrUnexpectedInstallPlan.
func (e *InstallPlanError) Unwrap() error { return ErrUnexpectedInstallPlan }
