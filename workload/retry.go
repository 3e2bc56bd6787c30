package workload

import (
	"slices"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// RetryPolicy is the wait before a new migration of a VMI whose previous
// migrations failed. [Backoff] (KubeVirt's exponential backoff) is the
// default; [Policy.Retry] sets another.
//
// Like the per-item rate limiters of client-go's workqueue, a RetryPolicy is
// per item: failures is the VMI's own count of consecutive failed
// migrations since its last success ([Failures]), and the VMI is passed so a
// policy may also differ by VMI ([PerVMI]). Unlike them it keeps no state:
// the count comes from the migration history, so there is nothing to Forget,
// and a restarted process computes the same wait.
//
// When returns the wait after failures failures: 0 for failures ≤ 0. vmi
// may be nil when the caller has only the count. An implementation must be
// deterministic (the same VMI and count give the same wait), must not modify
// the VMI, must not overflow (saturate at the largest Duration instead), and
// should not allocate: the planner calls it for every VMI with failures, in
// every reconcile. A negative wait is taken as 0.
type RetryPolicy interface {
	When(vmi *v1.VirtualMachineInstance, failures int) time.Duration
}

// When is [Backoff.Delay]: KubeVirt's delay does not depend on the VMI.
func (b Backoff) When(_ *v1.VirtualMachineInstance, failures int) time.Duration {
	return b.Delay(failures)
}

// RetryFunc adapts a function to [RetryPolicy]. A nil RetryFunc is
// Backoff{}.
type RetryFunc func(vmi *v1.VirtualMachineInstance, failures int) time.Duration

// When calls f.
func (f RetryFunc) When(vmi *v1.VirtualMachineInstance, failures int) time.Duration {
	if f == nil {
		return Backoff{}.Delay(failures)
	}
	return f(vmi, failures)
}

// MaxOf waits the longest of its policies' waits, as client-go's
// MaxOfRateLimiter: combine a backoff with a floor, or two backoffs. nil
// entries are skipped; the empty (or nil) MaxOf waits 0.
type MaxOf []RetryPolicy

// When is the longest wait.
func (m MaxOf) When(vmi *v1.VirtualMachineInstance, failures int) time.Duration {
	var d time.Duration
	for _, r := range m {
		if r != nil {
			d = max(d, r.When(vmi, failures))
		}
	}
	return d
}

// Capped caps the wait of Policy at Max, as client-go's
// WithMaxWaitRateLimiter. A nil Policy is Backoff{}; Max ≤ 0 means no cap.
// The zero Capped is Backoff{}.
type Capped struct {
	Policy RetryPolicy
	Max    time.Duration
}

// When is Policy's wait, at most Max.
func (c Capped) When(vmi *v1.VirtualMachineInstance, failures int) time.Duration {
	var d time.Duration
	if c.Policy == nil {
		d = Backoff{}.Delay(failures)
	} else {
		d = c.Policy.When(vmi, failures)
	}
	if c.Max > 0 && d > c.Max {
		return c.Max
	}
	return d
}

// PerVMI picks the policy of each VMI: a function of the VMI (nil for a
// caller that has only the count) returning its policy; nil is Backoff{}. It
// is the per-item variant: for example a shorter wait for one namespace, or
// a longer one for VMIs labelled as heavy. A nil PerVMI is Backoff{}.
type PerVMI func(vmi *v1.VirtualMachineInstance) RetryPolicy

// When asks the VMI's policy.
func (f PerVMI) When(vmi *v1.VirtualMachineInstance, failures int) time.Duration {
	var r RetryPolicy
	if f != nil {
		r = f(vmi)
	}
	if r == nil {
		return Backoff{}.Delay(failures)
	}
	return r.When(vmi, failures)
}

var (
	_ RetryPolicy = Backoff{}
	_ RetryPolicy = RetryFunc(nil)
	_ RetryPolicy = MaxOf(nil)
	_ RetryPolicy = Capped{}
	_ RetryPolicy = PerVMI(nil)
)

// retryWait is r's wait for vmi after n failures, never negative; a nil r is
// Backoff{}.
func retryWait(r RetryPolicy, vmi *v1.VirtualMachineInstance, n int) time.Duration {
	if r == nil {
		return Backoff{}.Delay(n)
	}
	return max(r.When(vmi, n), 0)
}

// NextAttempt is the earliest time a new migration of vmi may start, by r
// (nil: Backoff{}), after the failures among its existing migrations (see
// [Failures]): the backoff clock plus r's wait. The zero time means no wait:
// nothing failed since the last success, or the newest counted migration
// has no Failed time. vmi may be nil; migrations should hold only its
// migrations (nil entries are ignored, the slice is not modified).
// [Backoff.NextAttempt] is NextAttempt with a Backoff.
func NextAttempt(r RetryPolicy, vmi *v1.VirtualMachineInstance, migrations []*v1.VirtualMachineInstanceMigration) time.Time {
	n, clock := Failures(migrations)
	if n == 0 || clock.IsZero() {
		return time.Time{}
	}
	return clock.Add(retryWait(r, vmi, n))
}

// HoldUntil is [Backoff.HoldUntil] with any RetryPolicy (nil: Backoff{}):
// how long KubeVirt's migration controller holds migration m Pending for
// the backoff, given all the migrations of its VMI vmi (which may be nil).
// The rules of which migration is held are KubeVirt's; only the wait is
// r's.
func HoldUntil(r RetryPolicy, vmi *v1.VirtualMachineInstance, m *v1.VirtualMachineInstanceMigration, migrations []*v1.VirtualMachineInstanceMigration) time.Time {
	if m == nil || m.Status.Phase != v1.MigrationPending || m.DeletionTimestamp != nil || !retryEligible(m) {
		return time.Time{}
	}
	if _, ok := m.Annotations[v1.FuncTestForceIgnoreMigrationBackoffAnnotation]; ok {
		return time.Time{}
	}
	older := make([]*v1.VirtualMachineInstanceMigration, 0, len(migrations))
	for _, o := range migrations {
		if o == nil || sameMigration(o, m) || o.Namespace != m.Namespace || o.Spec.VMIName != m.Spec.VMIName || !retryEligible(o) {
			continue
		}
		if newestFirst(o, m) < 0 {
			return time.Time{} // m is not the newest: KubeVirt does not hold it
		}
		older = append(older, o)
	}
	slices.SortFunc(older, newestFirst)
	n, clock := failures(older)
	if n == 0 || clock.IsZero() {
		return time.Time{}
	}
	return clock.Add(retryWait(r, vmi, n))
}

// retryDelay is the policy's wait for vmi after n failures: Retry's when set,
// else Backoff's.
func (p Policy) retryDelay(vmi *v1.VirtualMachineInstance, n int) time.Duration {
	if p.Retry == nil {
		return p.Backoff.Delay(n)
	}
	return retryWait(p.Retry, vmi, n)
}
