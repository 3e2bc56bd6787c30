package workload

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "kubevirt.io/api/core/v1"
)

func targetPod(created time.Time, unschedulable bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "virt-launcher-vm-target", CreationTimestamp: metav1.NewTime(created),
			Labels: map[string]string{v1.MigrationJobLabel: "uid-m"}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	if unschedulable {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
	}
	return p
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// handlePendingPodTimeout (called from sync in phases Pending and Scheduling
// only), isPodPendingUnschedulable, timeSinceCreationSeconds,
// getUnschedulablePendingTimeoutSeconds, getCatchAllPendingTimeoutSeconds.
// The rows follow migration_test.go "should handle pod stuck in
// unschedulable state" and "should handle pod stuck in pending phase for
// extended period of time" (entries "in pending state", "in scheduling
// state", "in scheduled state", "... but timeout not hit", "... with custom
// timeout", "... with custom timeout not hit").
func TestPendingTimeouts(t *testing.T) {
	m := mig("m", "vm", v1.MigrationScheduling, t0)
	inPhase := func(p v1.VirtualMachineInstanceMigrationPhase, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
		return mig("m", "vm", p, t0, opts...)
	}
	withAnnotations := mig("m", "vm", v1.MigrationScheduling, t0,
		annotate(v1.MigrationUnschedulablePodTimeoutSecondsAnnotation, 60), annotate(v1.MigrationPendingPodTimeoutSecondsAnnotation, 120))
	garbled := mig("m", "vm", v1.MigrationScheduling, t0, func(m *v1.VirtualMachineInstanceMigration) {
		m.Annotations[v1.MigrationUnschedulablePodTimeoutSecondsAnnotation] = "five minutes"
	})
	beingDeleted := func(m *v1.VirtualMachineInstanceMigration) { m.DeletionTimestamp = &metav1.Time{Time: t0} }
	tests := []struct {
		reason   string
		policy   PendingTimeouts
		m        *v1.VirtualMachineInstanceMigration
		pod      *corev1.Pod
		elapsed  time.Duration
		expired  bool
		deadline time.Duration // after t0; 0 when no timeout runs
	}{
		{"unschedulable, in pending state: fails at 5m00s", PendingTimeouts{}, inPhase(v1.MigrationPending), targetPod(t0, true), 5 * time.Minute, true, 5 * time.Minute},
		{"unschedulable, in scheduling state: fails at 5m00s", PendingTimeouts{}, m, targetPod(t0, true), 5 * time.Minute, true, 5 * time.Minute},
		{"unschedulable, in scheduled state: never times out this way", PendingTimeouts{}, inPhase(v1.MigrationScheduled), targetPod(t0, true), time.Hour, false, 0},
		{"unschedulable, in pending state but timeout not hit (10 s short)", PendingTimeouts{}, inPhase(v1.MigrationPending), targetPod(t0, true), 5*time.Minute - 10*time.Second, false, 5 * time.Minute},
		{"unschedulable, in scheduling state but timeout not hit (10 s short)", PendingTimeouts{}, m, targetPod(t0, true), 5*time.Minute - 10*time.Second, false, 5 * time.Minute},
		{"unschedulable at 4m59s: still waiting", PendingTimeouts{}, m, targetPod(t0, true), 4*time.Minute + 59*time.Second, false, 5 * time.Minute},
		{"pending for another reason at 5m00s: still waiting", PendingTimeouts{}, m, targetPod(t0, false), 5 * time.Minute, false, 15 * time.Minute},
		{"pending for another reason, in pending state: fails at 15m00s", PendingTimeouts{}, inPhase(v1.MigrationPending), targetPod(t0, false), 15 * time.Minute, true, 15 * time.Minute},
		{"pending for another reason, in scheduling state, 10 s short", PendingTimeouts{}, m, targetPod(t0, false), 15*time.Minute - 10*time.Second, false, 15 * time.Minute},
		{"pending for another reason, in scheduled state: never times out this way", PendingTimeouts{}, inPhase(v1.MigrationScheduled), targetPod(t0, false), time.Hour, false, 0},
		{"a running migration never times out this way", PendingTimeouts{}, inPhase(v1.MigrationRunning), targetPod(t0, true), time.Hour, false, 0},
		{"a migration in PreparingTarget never times out this way", PendingTimeouts{}, inPhase(v1.MigrationPreparingTarget), targetPod(t0, false), time.Hour, false, 0},
		{"a failed migration never times out again", PendingTimeouts{}, inPhase(v1.MigrationFailed), targetPod(t0, true), time.Hour, false, 0},
		{"a migration being deleted is cancelled, not timed out", PendingTimeouts{}, inPhase(v1.MigrationScheduling, beingDeleted), targetPod(t0, true), time.Hour, false, 0},
		{"custom unschedulable timeout of 10 s, 10 s later: fails", PendingTimeouts{}, inPhase(v1.MigrationPending, annotate(v1.MigrationUnschedulablePodTimeoutSecondsAnnotation, 10)), targetPod(t0, true), 10 * time.Second, true, 10 * time.Second},
		{"custom unschedulable timeout of 11 s, 8 s later: waits", PendingTimeouts{}, inPhase(v1.MigrationPending, annotate(v1.MigrationUnschedulablePodTimeoutSecondsAnnotation, 11)), targetPod(t0, true), 8 * time.Second, false, 11 * time.Second},
		{"custom pending timeout of 10 s, 10 s later: fails", PendingTimeouts{}, inPhase(v1.MigrationPending, annotate(v1.MigrationPendingPodTimeoutSecondsAnnotation, 10)), targetPod(t0, false), 10 * time.Second, true, 10 * time.Second},
		{"custom pending timeout of 11 s, 8 s later: waits", PendingTimeouts{}, inPhase(v1.MigrationPending, annotate(v1.MigrationPendingPodTimeoutSecondsAnnotation, 11)), targetPod(t0, false), 8 * time.Second, false, 11 * time.Second},
		{"annotation overrides the unschedulable timeout", PendingTimeouts{}, withAnnotations, targetPod(t0, true), time.Minute, true, time.Minute},
		{"annotation overrides the pending timeout", PendingTimeouts{}, withAnnotations, targetPod(t0, false), 119 * time.Second, false, 2 * time.Minute},
		{"an unparsable annotation falls back to the default", PendingTimeouts{}, garbled, targetPod(t0, true), 4 * time.Minute, false, 5 * time.Minute},
		{"the policy sets other timeouts", PendingTimeouts{Unschedulable: time.Minute, Any: 2 * time.Minute}, m, targetPod(t0, true), time.Minute, true, time.Minute},
		{"an unschedulable timeout longer than the pending one: the pending one comes first", PendingTimeouts{Unschedulable: 20 * time.Minute}, m, targetPod(t0, true), 15 * time.Minute, true, 15 * time.Minute},
		{"a running pod never times out", PendingTimeouts{}, m, func() *corev1.Pod { p := targetPod(t0, false); p.Status.Phase = corev1.PodRunning; return p }(), time.Hour, false, 0},
		{"a pod being deleted is left alone", PendingTimeouts{}, m, func() *corev1.Pod { p := targetPod(t0, true); p.DeletionTimestamp = &metav1.Time{Time: t0}; return p }(), time.Hour, false, 0},
		{"a pod with no creation time is left alone", PendingTimeouts{}, m, targetPod(time.Time{}, true), time.Hour, false, 0},
		{"no pod", PendingTimeouts{}, m, nil, time.Hour, false, 0},
		{"no migration: no phase, so no timeout", PendingTimeouts{}, nil, targetPod(t0, true), time.Hour, false, 0},
	}
	for _, tt := range tests {
		v := tt.policy.Check(tt.m, tt.pod, t0.Add(tt.elapsed))
		if v.Expired != tt.expired {
			t.Errorf("%s: expired = %v, want %v (%+v)", tt.reason, v.Expired, tt.expired, v)
		}
		var wantDeadline time.Time
		if tt.deadline != 0 {
			wantDeadline = t0.Add(tt.deadline)
		}
		if !v.Deadline.Equal(wantDeadline) {
			t.Errorf("%s: deadline %v, want %v", tt.reason, v.Deadline, wantDeadline)
		}
		if v.Pending != (tt.deadline != 0) {
			t.Errorf("%s: Pending = %v, want %v", tt.reason, v.Pending, tt.deadline != 0)
		}
		if v.Reason == "" {
			t.Errorf("%s: no reason", tt.reason)
		}
	}
}

// KubeVirt counts the time Pending in whole seconds: now.Unix() minus the
// creation's Unix second (pkg/virt-controller/watch/migration/migration.go
// timeSinceCreationSeconds), never below 0.
func TestPendingTimeoutsCountWholeSeconds(t *testing.T) {
	m := mig("m", "vm", v1.MigrationScheduling, t0)
	pod := targetPod(t0.Add(900*time.Millisecond), true) // created at 12:00:00.9
	tests := []struct {
		reason  string
		now     time.Time
		expired bool
	}{
		{"12:04:59.999: 299 whole seconds", t0.Add(5*time.Minute - time.Millisecond), false},
		{"12:05:00.1: 300 whole seconds, though only 4m59.2s have passed", t0.Add(5*time.Minute + 100*time.Millisecond), true},
		{"a clock behind the pod's creation counts 0 seconds", t0.Add(-time.Hour), false},
	}
	for _, tt := range tests {
		v := PendingTimeouts{}.Check(m, pod, tt.now)
		if v.Expired != tt.expired {
			t.Errorf("%s: expired = %v, want %v", tt.reason, v.Expired, tt.expired)
		}
		if want := t0.Add(5 * time.Minute); !v.Deadline.Equal(want) {
			t.Errorf("%s: deadline %v, want %v (the first whole second at which it expires)", tt.reason, v.Deadline, want)
		}
	}
	// A negative custom timeout has expired at once.
	neg := mig("m", "vm", v1.MigrationPending, t0, annotate(v1.MigrationPendingPodTimeoutSecondsAnnotation, -5))
	if v := (PendingTimeouts{}).Check(neg, targetPod(t0, false), t0); !v.Expired {
		t.Errorf("negative annotation: %+v, want expired", v)
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// handleMigrationBackoff: 20 s after one failure, doubling per further
// failure, no cap.
func TestBackoffSequence(t *testing.T) {
	var got []time.Duration
	for n := 0; n <= 7; n++ {
		got = append(got, Backoff{}.Delay(n))
	}
	s := time.Second
	want := []time.Duration{0, 20 * s, 40 * s, 80 * s, 160 * s, 320 * s, 640 * s, 1280 * s}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Backoff{}.Delay(0..7), KubeVirt's (-want +got)\n%s", d)
	}
	tests := []struct {
		reason   string
		b        Backoff
		failures int
		want     time.Duration
	}{
		{"DefaultPolicy caps at 320 s", DefaultPolicy().Backoff, 6, 320 * time.Second},
		{"DefaultPolicy below the cap is KubeVirt's", DefaultPolicy().Backoff, 3, 80 * time.Second},
		{"KubeVirtPolicy has no cap", KubeVirtPolicy().Backoff, 6, 640 * time.Second},
		{"custom initial and factor", Backoff{Initial: time.Second, Factor: 3, Max: time.Hour}, 3, 9 * time.Second},
		{"capped", Backoff{Initial: time.Second, Factor: 10, Max: time.Minute}, 5, time.Minute},
		{"no cap, no overflow", Backoff{}, 500, time.Duration(1<<63 - 1)},
		{"a negative cap is no cap", Backoff{Max: -1}, 7, 20 * 64 * time.Second},
		{"factor below 1 is 1", Backoff{Factor: 0.5}, 4, 20 * time.Second},
		{"negative failures", Backoff{}, -3, 0},
	}
	for _, tt := range tests {
		if got := tt.b.Delay(tt.failures); got != tt.want {
			t.Errorf("%s: Delay(%d) = %v, want %v", tt.reason, tt.failures, got, tt.want)
		}
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// handleMigrationBackoff (the loop over migrations[1:]: a Succeeded one
// breaks before the deletion check, one being deleted is skipped, a Failed
// one counts) and its getFailedTS(migrations[1]) (the clock is the newest
// earlier migration's Failed transition, whatever else it is, zero when it
// has none); listBackoffEligibleMigrations (only evacuation and
// workload-update migrations).
func TestFailuresSinceLastSuccess(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	failed := func(name string, min int, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
		m := mig(name, "vm", v1.MigrationFailed, at(min), opts...)
		endedAt(at(min).Add(30 * time.Second))(m)
		return m
	}
	del := func(m *v1.VirtualMachineInstanceMigration) { m.DeletionTimestamp = &metav1.Time{Time: at(9)} }
	succeeded := mig("ok", "vm", v1.MigrationSucceeded, at(0))
	evacuation := func(m *v1.VirtualMachineInstanceMigration) {
		m.Annotations = map[string]string{v1.EvacuationMigrationAnnotation: "node-a"}
	}
	tests := []struct {
		reason string
		in     []*v1.VirtualMachineInstanceMigration
		n      int
		clock  time.Time
	}{
		{"none", nil, 0, time.Time{}},
		{"three failures after a success, in any order", []*v1.VirtualMachineInstanceMigration{failed("f2", 2), succeeded, failed("f3", 3), failed("f1", 1)}, 3, at(3).Add(30 * time.Second)},
		{"a success after failures resets the count", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("ok2", "vm", v1.MigrationSucceeded, at(2))}, 0, time.Time{}},
		{"a success being deleted still ends the count", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("ok2", "vm", v1.MigrationSucceeded, at(2), del), failed("f3", 3)}, 1, at(3).Add(30 * time.Second)},
		{"migrations of users do not count, not even their successes", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("user", "vm", v1.MigrationSucceeded, at(2), userMigration), failed("f3", 3)}, 2, at(3).Add(30 * time.Second)},
		{"a user's newer failure is not the clock either", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), failed("user", 5, userMigration)}, 1, at(1).Add(30 * time.Second)},
		{"evacuation migrations count", []*v1.VirtualMachineInstanceMigration{failed("e", 1, evacuation)}, 1, at(1).Add(30 * time.Second)},
		{"evacuation and workload-update failures count together", []*v1.VirtualMachineInstanceMigration{failed("e", 1, evacuation), failed("w", 2)}, 2, at(2).Add(30 * time.Second)},
		{"a failure being deleted is not counted, but as the newest it still sets the clock", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), failed("del", 6, del)}, 1, at(6).Add(30 * time.Second)},
		{"only failures being deleted: nothing counted", []*v1.VirtualMachineInstanceMigration{failed("del", 6, del)}, 0, time.Time{}},
		{"an unfinished newest is not counted, and its missing Failed time means no wait", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("p", "vm", v1.MigrationPending, at(9))}, 1, time.Time{}},
		{"an unfinished older one is passed over", []*v1.VirtualMachineInstanceMigration{mig("p", "vm", v1.MigrationRunning, at(0)), failed("f1", 1)}, 1, at(1).Add(30 * time.Second)},
		{"no Failed transition recorded: no clock, even with an end time", []*v1.VirtualMachineInstanceMigration{mig("f", "vm", v1.MigrationFailed, at(1), func(m *v1.VirtualMachineInstanceMigration) {
			m.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{EndTimestamp: &metav1.Time{Time: at(4)}}
		})}, 1, time.Time{}},
		{"nil entries are ignored", []*v1.VirtualMachineInstanceMigration{nil, failed("f1", 1)}, 1, at(1).Add(30 * time.Second)},
	}
	for _, tt := range tests {
		n, clock := Failures(tt.in)
		if n != tt.n || !clock.Equal(tt.clock) {
			t.Errorf("%s: Failures = %d, %v; want %d, %v", tt.reason, n, clock, tt.n, tt.clock)
		}
		next := Backoff{}.NextAttempt(tt.in)
		want := time.Time{}
		if tt.n > 0 && !tt.clock.IsZero() {
			want = tt.clock.Add(Backoff{}.Delay(tt.n))
		}
		if !next.Equal(want) {
			t.Errorf("%s: NextAttempt = %v, want %v", tt.reason, next, want)
		}
	}
	next := Backoff{}.NextAttempt([]*v1.VirtualMachineInstanceMigration{failed("f1", 1), failed("f2", 2)})
	if want := at(2).Add(30*time.Second + 40*time.Second); !next.Equal(want) {
		t.Errorf("NextAttempt after two failures = %v, want %v (last failure + 40 s)", next, want)
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// handleMigrationBackoff, as migration_test.go "Migration backoff" pins it:
// "should be applied after an evacuation migration fails" (with evacuation
// and with workload update annotation), "should not be applied if it is not
// an evacuation" (the pending one has no annotation), "should be cleared
// when a migration succeeds"; and sync, which calls it only in phase Pending
// when the migration is not being deleted.
func TestBackoffHoldUntil(t *testing.T) {
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	withAnn := func(ann string) func(*v1.VirtualMachineInstanceMigration) {
		return func(m *v1.VirtualMachineInstanceMigration) { m.Annotations = map[string]string{ann: ""} }
	}
	failedAtCreation := func(name string, created time.Time, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
		m := mig(name, "testvmi", v1.MigrationFailed, created, opts...)
		endedAt(created)(m)
		return m
	}
	pending := func(created time.Time, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
		return mig("pending", "testvmi", v1.MigrationPending, created, opts...)
	}
	type row struct {
		reason string
		m      *v1.VirtualMachineInstanceMigration
		others []*v1.VirtualMachineInstanceMigration
		want   time.Time
	}
	var tests []row
	for _, ann := range []string{v1.EvacuationMigrationAnnotation, v1.WorkloadUpdateMigrationAnnotation} {
		tests = append(tests,
			row{"applied after a failure (" + ann + "): 20 s after the failure", pending(sec(1), withAnn(ann)),
				[]*v1.VirtualMachineInstanceMigration{failedAtCreation("testmigration", sec(0), withAnn(ann))}, sec(20)},
			row{"not applied when the pending one is not annotated (" + ann + " on the failed one)", pending(sec(1), userMigration),
				[]*v1.VirtualMachineInstanceMigration{failedAtCreation("testmigration", sec(0), withAnn(ann))}, time.Time{}},
			row{"cleared when a migration succeeds (" + ann + ")", pending(sec(2), withAnn(ann)),
				[]*v1.VirtualMachineInstanceMigration{failedAtCreation("testmigration", sec(0), withAnn(ann)), mig("testmigration2", "testvmi", v1.MigrationSucceeded, sec(1), withAnn(ann))}, time.Time{}},
		)
	}
	f := failedAtCreation("f", sec(0))
	tests = append(tests,
		row{"the migration itself in the list is not counted", pending(sec(1)), []*v1.VirtualMachineInstanceMigration{f, pending(sec(1))}, sec(20)},
		row{"only the newest migration is held: an older pending one goes on", pending(sec(1)), []*v1.VirtualMachineInstanceMigration{f, mig("newer", "testvmi", v1.MigrationPending, sec(5))}, time.Time{}},
		row{"a non-annotated newer one does not make it older", pending(sec(1)), []*v1.VirtualMachineInstanceMigration{f, mig("user", "testvmi", v1.MigrationPending, sec(5), userMigration)}, sec(20)},
		row{"another VMI's failures do not count", pending(sec(1)), []*v1.VirtualMachineInstanceMigration{mig("x", "other", v1.MigrationFailed, sec(0), endedAt(sec(0)))}, time.Time{}},
		row{"two failures: 40 s after the newer", pending(sec(100)), []*v1.VirtualMachineInstanceMigration{failedAtCreation("a", sec(0)), failedAtCreation("b", sec(50))}, sec(90)},
		row{"not Pending (Scheduling): never held", mig("pending", "testvmi", v1.MigrationScheduling, sec(1)), []*v1.VirtualMachineInstanceMigration{f}, time.Time{}},
		row{"being deleted: cancelled, not held", pending(sec(1), func(m *v1.VirtualMachineInstanceMigration) { m.DeletionTimestamp = &metav1.Time{Time: sec(2)} }), []*v1.VirtualMachineInstanceMigration{f}, time.Time{}},
		row{"the functional-test annotation switches it off", pending(sec(1), func(m *v1.VirtualMachineInstanceMigration) {
			m.Annotations[v1.FuncTestForceIgnoreMigrationBackoffAnnotation] = ""
		}), []*v1.VirtualMachineInstanceMigration{f}, time.Time{}},
		row{"nil migration", nil, []*v1.VirtualMachineInstanceMigration{f}, time.Time{}},
	)
	for _, tt := range tests {
		if got := (Backoff{}).HoldUntil(tt.m, tt.others); !got.Equal(tt.want) {
			t.Errorf("%s: HoldUntil = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

func TestSuperseded(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	var ms []*v1.VirtualMachineInstanceMigration
	// Seven finalized, of mixed origin and in shuffled order, one unfinished
	// and one already being deleted.
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} {
		p := v1.MigrationFailed
		if i%2 == 0 {
			p = v1.MigrationSucceeded
		}
		opts := []func(*v1.VirtualMachineInstanceMigration){}
		if i == 1 {
			opts = append(opts, userMigration)
		}
		ms = append(ms, mig("m"+string(rune('0'+i)), "vm", p, at(i), opts...))
	}
	ms = append(ms, mig("pending", "vm", v1.MigrationPending, at(-10)))
	ms = append(ms, mig("gone", "vm", v1.MigrationFailed, at(-20), func(m *v1.VirtualMachineInstanceMigration) { m.DeletionTimestamp = &metav1.Time{Time: at(9)} }))

	names := func(ms []*v1.VirtualMachineInstanceMigration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	tests := []struct {
		reason string
		keep   int
		want   []string
	}{
		{"keep the five most recent: delete the two oldest, oldest first, whatever their origin", 0, []string{"m0", "m1"}},
		{"keep five explicitly", 5, []string{"m0", "m1"}},
		{"keep three", 3, []string{"m0", "m1", "m2", "m3"}},
		{"keep more than there are", 10, nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, names(Superseded(ms, tt.keep))); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
	if got := Superseded(ms[:5], 5); got != nil {
		t.Errorf("five finalized: delete %v, want none", names(got))
	}
}

func TestStuck(t *testing.T) {
	tests := []struct {
		reason   string
		policy   Policy
		failures int
		want     bool
	}{
		{"default policy: four failures are not stuck", DefaultPolicy(), 4, false},
		{"default policy: five are", DefaultPolicy(), 5, true},
		{"KubeVirt's policy never gives up", KubeVirtPolicy(), 1000, false},
		{"StuckAfter 1", Policy{StuckAfter: 1}, 1, true},
		{"no failures", Policy{StuckAfter: 1}, 0, false},
	}
	for _, tt := range tests {
		if got := tt.policy.Stuck(tt.failures); got != tt.want {
			t.Errorf("%s: Stuck(%d) = %v", tt.reason, tt.failures, got)
		}
	}
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// (defaultBatchDeletionCount, defaultBatchDeletionIntervalSeconds),
// pkg/virt-config/virt-config.go (ParallelMigrationsPerClusterDefault,
// ParallelOutboundMigrationsPerNodeDefault),
// pkg/virt-controller/watch/migration/migration.go
// (defaultUnschedulablePendingTimeoutSeconds,
// defaultCatchAllPendingTimeoutSeconds,
// defaultFinalizedMigrationGarbageCollectionBuffer, the 20 s backoff) and
// pkg/controller/expectations.go (ExpectationsTimeout).
func TestPolicyDefaults(t *testing.T) {
	size, interval := BatchEviction(v1.KubeVirtWorkloadUpdateStrategy{})
	if size != 10 || interval != time.Minute {
		t.Errorf("BatchEviction defaults = %d, %v; want 10, 1m", size, interval)
	}
	size, interval = BatchEviction(v1.KubeVirtWorkloadUpdateStrategy{BatchEvictionSize: ptr(-3), BatchEvictionInterval: &metav1.Duration{Duration: -time.Second}})
	if size != 0 || interval != 0 {
		t.Errorf("negative values = %d, %v; want 0, 0", size, interval)
	}
	perCluster, perNode := MigrationLimits(v1.MigrationConfiguration{})
	if perCluster != 5 || perNode != 2 {
		t.Errorf("MigrationLimits defaults = %d, %d; want 5, 2", perCluster, perNode)
	}
	perCluster, perNode = MigrationLimits(v1.MigrationConfiguration{ParallelMigrationsPerCluster: ptr(uint32(7)), ParallelOutboundMigrationsPerNode: ptr(uint32(1))})
	if perCluster != 7 || perNode != 1 {
		t.Errorf("MigrationLimits = %d, %d; want 7, 1", perCluster, perNode)
	}
	// The documented values.
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"DefaultBatchEvictionSize", DefaultBatchEvictionSize, 10},
		{"DefaultBatchEvictionInterval", DefaultBatchEvictionInterval, time.Minute},
		{"DefaultParallelMigrationsPerCluster", DefaultParallelMigrationsPerCluster, 5},
		{"DefaultParallelOutboundMigrationsPerNode", DefaultParallelOutboundMigrationsPerNode, 2},
		{"DefaultUnschedulablePendingTimeout", DefaultUnschedulablePendingTimeout, 5 * time.Minute},
		{"DefaultPendingTimeout", DefaultPendingTimeout, 15 * time.Minute},
		{"DefaultBackoffInitial", DefaultBackoffInitial, 20 * time.Second},
		{"DefaultBackoffMax", DefaultBackoffMax, 320 * time.Second},
		{"DefaultExpectationTimeout", DefaultExpectationTimeout, 5 * time.Minute},
		{"DefaultKeepFinalizedMigrations", DefaultKeepFinalizedMigrations, 5},
		{"DefaultStuckAfter", DefaultStuckAfter, 5},
		// KubeVirt: pkg/virt-config/configuration.go defaultClusterConfig
		// (defaultEvictionStrategy := v1.EvictionStrategyNone). On OpenShift
		// HCO sets LiveMigrate on multi-worker clusters instead (HCO:
		// pkg/webhooks/mutator/hyperConvergedMutator.go mutateEvictionStrategy),
		// which is why callers read the cluster's strategy.
		{"DefaultClusterEvictionStrategy", DefaultClusterEvictionStrategy, v1.EvictionStrategyNone},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
