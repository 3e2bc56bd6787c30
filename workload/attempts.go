package workload

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	v1 "kubevirt.io/api/core/v1"
)

// PendingVerdict is the verdict on a migration's target pod.
type PendingVerdict struct {
	// Pending is true when the pod is Pending (and not being deleted), so a
	// timeout runs.
	Pending bool
	// Unschedulable is true when the scheduler reports it Unschedulable.
	Unschedulable bool
	// Timeout is the timeout that applies.
	Timeout time.Duration
	// Deadline is when the timeout expires: creation + Timeout.
	Deadline time.Time
	// Expired is true from Deadline on: the migration fails (KubeVirt
	// deletes the target pod).
	Expired bool
	// Reason says which timeout applies and whether it expired.
	Reason string
}

// Reasons of PendingVerdicts.
const (
	reasonNotPending               = "the target pod is not Pending"
	reasonUnschedulableWaiting     = "the target pod is Unschedulable; the migration fails when the unschedulable timeout expires"
	reasonUnschedulableExpired     = "the target pod stayed Unschedulable past its timeout: the migration fails; free capacity on a node the VMI may run on, or relax its node selector and affinity"
	reasonPendingWaiting           = "the target pod is Pending; the migration fails when the pending timeout expires"
	reasonPendingExpired           = "the target pod stayed Pending past its timeout: the migration fails; look at the pod's events (image pulls, volumes, quotas)"
	reasonBackoff                  = "the last migration failed; waiting for the retry delay before the next attempt"
	reasonStuck                    = "its migrations failed too many times in a row: no more retries; see the failure reasons, fix the cause, then delete its failed migrations to retry"
	reasonCapacity                 = "live-migratable; waiting for a free migration slot (parallelMigrationsPerCluster or parallelOutboundMigrationsPerNode)"
	reasonAbortUpToDate            = "the VMI already runs the target launcher and the migration has not handed off yet: it is no longer needed"
	reasonDeleteOldAttempt         = "only the most recent finalized migrations of a VMI are kept"
	reasonMigrateCreated           = "live-migrate to a new launcher pod"
	reasonEvictNow                 = "evict the launcher pod in this batch"
	migrationGenerateName          = "kubevirt-workload-update-"
	defaultFailureReasonNoDetails  = "failed, with no reason recorded"
	migrationFailedConditionStatus = corev1.ConditionTrue
)

// timeoutsFor resolves the two timeouts of one migration: the policy's
// values, overridden by the migration's annotations when they parse as
// integers (an unparsable value falls back, as in KubeVirt).
func (t PendingTimeouts) timeoutsFor(m *v1.VirtualMachineInstanceMigration) (unschedulable, anyReason time.Duration) {
	unschedulable, anyReason = t.Unschedulable, t.Any
	if unschedulable <= 0 {
		unschedulable = DefaultUnschedulablePendingTimeout
	}
	if anyReason <= 0 {
		anyReason = DefaultPendingTimeout
	}
	if m == nil {
		return unschedulable, anyReason
	}
	if s, ok := m.Annotations[v1.MigrationUnschedulablePodTimeoutSecondsAnnotation]; ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			unschedulable = secondsToDuration(n)
		}
	}
	if s, ok := m.Annotations[v1.MigrationPendingPodTimeoutSecondsAnnotation]; ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			anyReason = secondsToDuration(n)
		}
	}
	return unschedulable, anyReason
}

func secondsToDuration(n int64) time.Duration {
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	switch {
	case n > maxSeconds:
		return time.Duration(maxSeconds) * time.Second
	case n < -maxSeconds:
		return -time.Duration(maxSeconds) * time.Second
	}
	return time.Duration(n) * time.Second
}

// Check judges migration m's target pod at now, as KubeVirt's migration
// controller does: only a Pending pod with a creation time that is not being
// deleted times out; Unschedulable (condition PodScheduled=False, reason
// Unschedulable) after the unschedulable timeout, any Pending pod after the
// pending timeout, whichever comes first. The timeout is reached at exactly
// creation + timeout.
func (t PendingTimeouts) Check(m *v1.VirtualMachineInstanceMigration, pod *corev1.Pod, now time.Time) PendingVerdict {
	if pod == nil || pod.Status.Phase != corev1.PodPending || pod.DeletionTimestamp != nil || pod.CreationTimestamp.IsZero() {
		return PendingVerdict{Reason: reasonNotPending}
	}
	unschedulableTimeout, anyTimeout := t.timeoutsFor(m)
	v := PendingVerdict{Pending: true, Unschedulable: podUnschedulable(pod), Timeout: anyTimeout}
	if v.Unschedulable && unschedulableTimeout < anyTimeout {
		v.Timeout = unschedulableTimeout
	}
	v.Deadline = pod.CreationTimestamp.Add(v.Timeout)
	v.Expired = !now.Before(v.Deadline)
	switch {
	case v.Unschedulable && v.Timeout == unschedulableTimeout && v.Expired:
		v.Reason = reasonUnschedulableExpired
	case v.Unschedulable && v.Timeout == unschedulableTimeout:
		v.Reason = reasonUnschedulableWaiting
	case v.Expired:
		v.Reason = reasonPendingExpired
	default:
		v.Reason = reasonPendingWaiting
	}
	return v
}

func podUnschedulable(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

// retryEligible is true for the migrations KubeVirt's backoff counts: those
// made by the workload updater or the evacuation controller.
func retryEligible(m *v1.VirtualMachineInstanceMigration) bool {
	if _, ok := m.Annotations[v1.WorkloadUpdateMigrationAnnotation]; ok {
		return true
	}
	_, ok := m.Annotations[v1.EvacuationMigrationAnnotation]
	return ok
}

// isWorkloadUpdate is true for migrations created for workload updates.
func isWorkloadUpdate(m *v1.VirtualMachineInstanceMigration) bool {
	_, ok := m.Annotations[v1.WorkloadUpdateMigrationAnnotation]
	return ok
}

// phaseTime is when m entered phase, or the zero time.
func phaseTime(m *v1.VirtualMachineInstanceMigration, phase v1.VirtualMachineInstanceMigrationPhase) time.Time {
	for _, ts := range m.Status.PhaseTransitionTimestamps {
		if ts.Phase == phase {
			return ts.PhaseTransitionTimestamp.Time
		}
	}
	return time.Time{}
}

// finishedAt is when a finalized migration ended: its Failed or Succeeded
// transition time, else the end of its migration state, else its creation.
func finishedAt(m *v1.VirtualMachineInstanceMigration) time.Time {
	if t := phaseTime(m, m.Status.Phase); !t.IsZero() {
		return t
	}
	if ms := m.Status.MigrationState; ms != nil && ms.EndTimestamp != nil {
		return ms.EndTimestamp.Time
	}
	return m.CreationTimestamp.Time
}

// newestFirst orders migrations by creation time, newest first, then by
// name, so the order never depends on the input's.
func newestFirst(a, b *v1.VirtualMachineInstanceMigration) int {
	if c := b.CreationTimestamp.Time.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// Failures counts the consecutive failed migrations of one VMI since its last
// successful one, as KubeVirt's backoff does: only migrations made by the
// workload updater or the evacuation controller count, newest first, stopping
// at the first Succeeded; those being deleted are skipped. last is when the
// most recent counted failure happened. migrations may hold other VMIs'
// migrations: pass only one VMI's. The slice is not modified.
func Failures(migrations []*v1.VirtualMachineInstanceMigration) (n int, last time.Time) {
	sorted := make([]*v1.VirtualMachineInstanceMigration, 0, len(migrations))
	for _, m := range migrations {
		if m != nil {
			sorted = append(sorted, m)
		}
	}
	slices.SortFunc(sorted, newestFirst)
	return failures(sorted)
}

// failures works on migrations sorted newest first.
func failures(sorted []*v1.VirtualMachineInstanceMigration) (n int, last time.Time) {
	for _, m := range sorted {
		if m == nil || !retryEligible(m) || m.DeletionTimestamp != nil {
			continue
		}
		if m.Status.Phase == v1.MigrationSucceeded {
			break
		}
		if m.Status.Phase != v1.MigrationFailed {
			continue
		}
		if n == 0 {
			last = finishedAt(m)
		}
		n++
	}
	return n, last
}

// failureReasons returns up to max failure reasons of the consecutive failed
// migrations, newest first.
func failureReasons(sorted []*v1.VirtualMachineInstanceMigration, limit int) []string {
	var out []string
	for _, m := range sorted {
		if len(out) == limit {
			break
		}
		if m == nil || !retryEligible(m) || m.DeletionTimestamp != nil {
			continue
		}
		if m.Status.Phase == v1.MigrationSucceeded {
			break
		}
		if m.Status.Phase == v1.MigrationFailed {
			out = append(out, m.Name+": "+failureReason(m))
		}
	}
	return out
}

// failureReason is the recorded reason a migration failed.
func failureReason(m *v1.VirtualMachineInstanceMigration) string {
	if ms := m.Status.MigrationState; ms != nil && ms.FailureReason != "" {
		return ms.FailureReason
	}
	for i := len(m.Status.Conditions) - 1; i >= 0; i-- {
		c := m.Status.Conditions[i]
		if c.Status == migrationFailedConditionStatus && c.Message != "" {
			return c.Message
		}
	}
	return defaultFailureReasonNoDetails
}

// NextAttempt is the earliest time a new migration of the VMI may start after
// the failures among its migrations, by b; the zero time when nothing failed.
// It is KubeVirt's backoff, applied before a migration is created rather than
// by holding a created one Pending.
func (b Backoff) NextAttempt(migrations []*v1.VirtualMachineInstanceMigration) time.Time {
	n, last := Failures(migrations)
	if n == 0 {
		return time.Time{}
	}
	return last.Add(b.Delay(n))
}

// Superseded returns the finalized migrations of one VMI to delete so that
// only the keep most recent remain (keep ≤ 0 means
// DefaultKeepFinalizedMigrations), oldest first. Migrations of any origin
// count, as in KubeVirt's garbage collection; unfinished ones and those
// already being deleted are neither counted nor returned.
func Superseded(migrations []*v1.VirtualMachineInstanceMigration, keep int) []*v1.VirtualMachineInstanceMigration {
	if keep <= 0 {
		keep = DefaultKeepFinalizedMigrations
	}
	counted := func(m *v1.VirtualMachineInstanceMigration) bool {
		return m != nil && m.IsFinal() && m.DeletionTimestamp == nil
	}
	n := 0
	for _, m := range migrations {
		if counted(m) {
			n++
		}
	}
	if n <= keep {
		return nil
	}
	final := make([]*v1.VirtualMachineInstanceMigration, 0, n)
	for _, m := range migrations {
		if counted(m) {
			final = append(final, m)
		}
	}
	slices.SortFunc(final, func(a, b *v1.VirtualMachineInstanceMigration) int { return newestFirst(b, a) })
	return final[:len(final)-keep]
}

// NewMigration is the migration object KubeVirt's updater creates to move an
// outdated VMI: generated name kubevirt-workload-update-…, annotation
// kubevirt.io/workloadUpdateMigration, priority system-critical.
func NewMigration(vmi *v1.VirtualMachineInstance) *v1.VirtualMachineInstanceMigration {
	if vmi == nil {
		return nil
	}
	prio := v1.PrioritySystemCritical
	m := &v1.VirtualMachineInstanceMigration{
		Spec: v1.VirtualMachineInstanceMigrationSpec{VMIName: vmi.Name, Priority: &prio},
	}
	m.APIVersion, m.Kind = v1.GroupVersion.String(), "VirtualMachineInstanceMigration"
	m.Namespace, m.GenerateName = vmi.Namespace, migrationGenerateName
	m.Annotations = map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""}
	return m
}
