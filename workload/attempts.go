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
	// Pending is true when a timeout runs: the migration is Pending or
	// Scheduling and its target pod is Pending (neither being deleted).
	Pending bool
	// Unschedulable is true when the scheduler reports it Unschedulable.
	Unschedulable bool
	// Timeout is the timeout that applies.
	Timeout time.Duration
	// Deadline is when the timeout expires: the pod's creation, in whole
	// seconds, plus Timeout.
	Deadline time.Time
	// Expired is true from Deadline on: KubeVirt's migration controller
	// deletes the target pod and the migration ends Failed (it is not
	// deleted).
	Expired bool
	// Reason says which timeout applies and whether it expired.
	Reason string
}

// Reasons of PendingVerdicts.
const (
	reasonNotPending               = "the target pod is not Pending"
	reasonPhaseNoTimeout           = "the migration is not Pending or Scheduling (or is being deleted): its target pod does not time out"
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
// controller does (handlePendingPodTimeout). The timeouts apply only while
// m is in phase Pending or Scheduling and not being deleted: a migration in
// any other phase (Scheduled, Running, …), or a nil one, never times out
// this way. They apply only to a pod in phase Pending, with a creation
// time, not being deleted. The time spent Pending is counted in whole
// seconds, as KubeVirt does (now's Unix second minus the creation's, never
// below 0); the pod times out once that reaches the unschedulable timeout
// while the scheduler reports it Unschedulable (condition PodScheduled=False,
// reason Unschedulable), or the pending timeout for any reason, whichever
// comes first. Deadline is the first instant at which it has.
//
// An expired verdict means the migration controller deletes the target pod
// and the migration ends in phase Failed. The migration object stays: it
// counts for the backoff and in the finalized history like any failed
// migration. Nobody deletes the migration to time it out.
func (t PendingTimeouts) Check(m *v1.VirtualMachineInstanceMigration, pod *corev1.Pod, now time.Time) PendingVerdict {
	if !pendingTimeoutsApply(m) {
		return PendingVerdict{Reason: reasonPhaseNoTimeout}
	}
	if pod == nil || pod.Status.Phase != corev1.PodPending || pod.DeletionTimestamp != nil || pod.CreationTimestamp.IsZero() {
		return PendingVerdict{Reason: reasonNotPending}
	}
	unschedulableTimeout, anyTimeout := t.timeoutsFor(m)
	v := PendingVerdict{Pending: true, Unschedulable: podUnschedulable(pod), Timeout: anyTimeout}
	if v.Unschedulable && unschedulableTimeout < anyTimeout {
		v.Timeout = unschedulableTimeout
	}
	created := pod.CreationTimestamp.Unix()
	spent := max(now.Unix()-created, 0)
	timeout := int64(v.Timeout / time.Second)
	v.Expired = spent >= timeout
	v.Deadline = time.Unix(created, 0).Add(v.Timeout.Truncate(time.Second)).In(pod.CreationTimestamp.Location())
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

// pendingTimeoutsApply is true for a migration in the phases in which
// KubeVirt's migration controller checks its target pod's pending time.
func pendingTimeoutsApply(m *v1.VirtualMachineInstanceMigration) bool {
	if m == nil || m.DeletionTimestamp != nil {
		return false
	}
	return m.Status.Phase == v1.MigrationPending || m.Status.Phase == v1.MigrationScheduling
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

// Failures is KubeVirt's backoff count over the migrations of one VMI, as
// its migration controller computes it for a new migration of the VMI.
// Only migrations made by the workload updater or the evacuation controller
// (annotated kubevirt.io/workloadUpdateMigration or
// kubevirt.io/evacuationMigration) take part. Newest first (by creation
// time, then name):
//
//   - a Succeeded one ends the count, even when it is being deleted;
//   - one being deleted is otherwise passed over;
//   - a Failed one counts;
//   - an unfinished one is passed over.
//
// last is the backoff clock: the time the newest of those migrations
// entered phase Failed, whatever else it is (being deleted, or not counted).
// It is the zero time when that migration has no Failed transition (it
// succeeded, is unfinished, or its status records no time), and then
// KubeVirt does not wait at all. migrations should hold only one VMI's; nil
// entries are ignored and the slice is not modified.
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
func failures(sorted []*v1.VirtualMachineInstanceMigration) (n int, clock time.Time) {
	first := true
	for _, m := range sorted {
		if m == nil || !retryEligible(m) {
			continue
		}
		if first {
			first = false
			clock = failedAt(m)
		}
		if m.Status.Phase == v1.MigrationSucceeded {
			break
		}
		if m.DeletionTimestamp != nil {
			continue
		}
		if m.Status.Phase == v1.MigrationFailed {
			n++
		}
	}
	if n == 0 {
		return 0, time.Time{}
	}
	return n, clock
}

// failedAt is when m entered phase Failed (its first such transition), or
// the zero time.
func failedAt(m *v1.VirtualMachineInstanceMigration) time.Time {
	return phaseTime(m, v1.MigrationFailed)
}

// failureReasons returns up to max failure reasons of the consecutive failed
// migrations, newest first.
func failureReasons(sorted []*v1.VirtualMachineInstanceMigration, limit int) []string {
	var out []string
	for _, m := range sorted {
		if len(out) == limit {
			break
		}
		if m == nil || !retryEligible(m) {
			continue
		}
		if m.Status.Phase == v1.MigrationSucceeded {
			break
		}
		if m.DeletionTimestamp == nil && m.Status.Phase == v1.MigrationFailed {
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

// NextAttempt is the earliest time a new migration of the VMI may start,
// by b, after the failures among its existing migrations (see [Failures]):
// the backoff clock plus b.Delay(failures). The zero time means no wait:
// nothing failed since the last success, or the newest counted migration has
// no Failed time. It is KubeVirt's backoff for a migration created now,
// which is then the newest; this planner applies it before creating the
// migration instead of holding a created one Pending.
func (b Backoff) NextAttempt(migrations []*v1.VirtualMachineInstanceMigration) time.Time {
	return NextAttempt(b, nil, migrations)
}

// HoldUntil is how long KubeVirt's migration controller holds migration m
// Pending for the backoff (handleMigrationBackoff), given all the
// migrations of its VMI (m among them or not; other VMIs' are ignored): the
// zero time, or one not after now, means m may proceed. It holds only a
// migration that is Pending, not being deleted, annotated
// kubevirt.io/workloadUpdateMigration or kubevirt.io/evacuationMigration,
// without kubevirt.io/func-test-ignore-migration-backoff, and the newest of
// its VMI's annotated migrations; the count and the clock are then
// [Failures] of the annotated migrations older than m. KubeVirt records a
// warning event MigrationBackoff on the VMI while it holds one.
func (b Backoff) HoldUntil(m *v1.VirtualMachineInstanceMigration, migrations []*v1.VirtualMachineInstanceMigration) time.Time {
	return HoldUntil(b, nil, m, migrations)
}

// sameMigration tells whether a and b are the same object: the same UID when
// both have one, else the same namespace and name.
func sameMigration(a, b *v1.VirtualMachineInstanceMigration) bool {
	if a == b {
		return true
	}
	if a.UID != "" && b.UID != "" {
		return a.UID == b.UID
	}
	return a.Namespace == b.Namespace && a.Name == b.Name
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
// kubevirt.io/workloadUpdateMigration, priority system-critical, or
// user-triggered while a CPU or memory hotplug or a volume update of the VMI
// is in progress (then it also carries the label
// kubevirt.io/volume-update-migration when the volumes change, with the VMI's
// name, or its UID when the name is longer than 63 characters).
//
// Only virt-controller may create a migration with spec.priority set:
// KubeVirt's migration-create admitter refuses it from anyone else
// (pkg/virt-api/webhooks/validating-webhook/admitters/migration-create-admitter.go).
// A controller of your own creates NewClientMigration's object instead.
func NewMigration(vmi *v1.VirtualMachineInstance) *v1.VirtualMachineInstanceMigration {
	if vmi == nil {
		return nil
	}
	prio := v1.PrioritySystemCritical
	if hotplugInProgress(vmi) || volumesUpdateInProgress(vmi) {
		prio = v1.PriorityUserTriggered
	}
	m := &v1.VirtualMachineInstanceMigration{
		Spec: v1.VirtualMachineInstanceMigrationSpec{VMIName: vmi.Name, Priority: &prio},
	}
	m.APIVersion, m.Kind = v1.GroupVersion.String(), "VirtualMachineInstanceMigration"
	m.Namespace, m.GenerateName = vmi.Namespace, migrationGenerateName
	m.Annotations = map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""}
	if volumesUpdateInProgress(vmi) {
		value := vmi.Name
		if len(value) > maxLabelValueLength {
			value = string(vmi.UID)
		}
		m.Labels = map[string]string{v1.VolumesUpdateMigration: value}
	}
	return m
}

// maxLabelValueLength is the longest label value Kubernetes accepts (and
// the DNS-1035 label length KubeVirt compares the VMI's name with).
const maxLabelValueLength = 63

// hotplugInProgress is KubeVirt's isHotplugInProgress: a CPU change
// condition of any status, or a memory change or migration-required
// condition that is True.
func hotplugInProgress(vmi *v1.VirtualMachineInstance) bool {
	for _, c := range vmi.Status.Conditions {
		switch c.Type {
		case v1.VirtualMachineInstanceVCPUChange:
			return true
		case v1.VirtualMachineInstanceMemoryChange, v1.VirtualMachineInstanceMigrationRequired:
			if c.Status == corev1.ConditionTrue {
				return true
			}
		}
	}
	return false
}

// volumesUpdateInProgress is KubeVirt's isVolumesUpdateInProgress: a True
// volumes change condition.
func volumesUpdateInProgress(vmi *v1.VirtualMachineInstance) bool {
	for _, c := range vmi.Status.Conditions {
		if c.Type == v1.VirtualMachineInstanceVolumesChange && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// NewClientMigration is the workload-update migration a client other than
// virt-controller may create for the VMI: NewMigration's object without
// spec.priority, which KubeVirt's migration-create admitter allows only to
// virt-controller. virt-controller then queues it at the default priority.
func NewClientMigration(vmi *v1.VirtualMachineInstance) *v1.VirtualMachineInstanceMigration {
	m := NewMigration(vmi)
	if m != nil {
		m.Spec.Priority = nil
	}
	return m
}
