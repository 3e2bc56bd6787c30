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

func TestPendingTimeouts(t *testing.T) {
	m := mig("m", "vm", v1.MigrationScheduling, t0)
	withAnnotations := mig("m", "vm", v1.MigrationScheduling, t0,
		annotate(v1.MigrationUnschedulablePodTimeoutSecondsAnnotation, 60), annotate(v1.MigrationPendingPodTimeoutSecondsAnnotation, 120))
	garbled := mig("m", "vm", v1.MigrationScheduling, t0, func(m *v1.VirtualMachineInstanceMigration) {
		m.Annotations[v1.MigrationUnschedulablePodTimeoutSecondsAnnotation] = "five minutes"
	})
	tests := []struct {
		reason   string
		policy   PendingTimeouts
		m        *v1.VirtualMachineInstanceMigration
		pod      *corev1.Pod
		elapsed  time.Duration
		expired  bool
		deadline time.Duration // after t0; 0 when not pending
	}{
		{"unschedulable at 4m59s: still waiting", PendingTimeouts{}, m, targetPod(t0, true), 4*time.Minute + 59*time.Second, false, 5 * time.Minute},
		{"unschedulable at 5m00s: fails", PendingTimeouts{}, m, targetPod(t0, true), 5 * time.Minute, true, 5 * time.Minute},
		{"pending for another reason at 5m00s: still waiting", PendingTimeouts{}, m, targetPod(t0, false), 5 * time.Minute, false, 15 * time.Minute},
		{"pending for another reason at 14m59s", PendingTimeouts{}, m, targetPod(t0, false), 15*time.Minute - time.Second, false, 15 * time.Minute},
		{"pending for another reason at 15m00s: fails", PendingTimeouts{}, m, targetPod(t0, false), 15 * time.Minute, true, 15 * time.Minute},
		{"annotation overrides the unschedulable timeout", PendingTimeouts{}, withAnnotations, targetPod(t0, true), time.Minute, true, time.Minute},
		{"annotation overrides the pending timeout", PendingTimeouts{}, withAnnotations, targetPod(t0, false), 119 * time.Second, false, 2 * time.Minute},
		{"an unparsable annotation falls back to the default", PendingTimeouts{}, garbled, targetPod(t0, true), 4 * time.Minute, false, 5 * time.Minute},
		{"the policy sets other timeouts", PendingTimeouts{Unschedulable: time.Minute, Any: 2 * time.Minute}, m, targetPod(t0, true), time.Minute, true, time.Minute},
		{"an unschedulable timeout longer than the pending one: the pending one comes first", PendingTimeouts{Unschedulable: 20 * time.Minute}, m, targetPod(t0, true), 15 * time.Minute, true, 15 * time.Minute},
		{"a running pod never times out", PendingTimeouts{}, m, func() *corev1.Pod { p := targetPod(t0, false); p.Status.Phase = corev1.PodRunning; return p }(), time.Hour, false, 0},
		{"a pod being deleted is left alone", PendingTimeouts{}, m, func() *corev1.Pod { p := targetPod(t0, true); p.DeletionTimestamp = &metav1.Time{Time: t0}; return p }(), time.Hour, false, 0},
		{"a pod with no creation time is left alone", PendingTimeouts{}, m, targetPod(time.Time{}, true), time.Hour, false, 0},
		{"no pod", PendingTimeouts{}, m, nil, time.Hour, false, 0},
		{"no migration: policy timeouts", PendingTimeouts{}, nil, targetPod(t0, true), 5 * time.Minute, true, 5 * time.Minute},
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
		if v.Reason == "" {
			t.Errorf("%s: no reason", tt.reason)
		}
	}
}

func TestBackoffSequence(t *testing.T) {
	var got []time.Duration
	for n := 0; n <= 7; n++ {
		got = append(got, Backoff{}.Delay(n))
	}
	s := time.Second
	// KubeVirt: 20 s, doubling; it never sees more than five failures, so
	// 320 s is the most it waits.
	want := []time.Duration{0, 20 * s, 40 * s, 80 * s, 160 * s, 320 * s, 320 * s, 320 * s}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Delay(0..7) (-want +got)\n%s", d)
	}
	tests := []struct {
		reason   string
		b        Backoff
		failures int
		want     time.Duration
	}{
		{"custom initial and factor", Backoff{Initial: time.Second, Factor: 3, Max: time.Hour}, 3, 9 * time.Second},
		{"capped", Backoff{Initial: time.Second, Factor: 10, Max: time.Minute}, 5, time.Minute},
		{"no cap, no overflow", Backoff{Max: -1}, 500, time.Duration(1<<63 - 1)},
		{"no cap: keeps doubling", Backoff{Max: -1}, 7, 20 * 64 * time.Second},
		{"factor below 1 is 1", Backoff{Factor: 0.5}, 4, 20 * time.Second},
		{"negative failures", Backoff{}, -3, 0},
	}
	for _, tt := range tests {
		if got := tt.b.Delay(tt.failures); got != tt.want {
			t.Errorf("%s: Delay(%d) = %v, want %v", tt.reason, tt.failures, got, tt.want)
		}
	}
}

func TestFailuresSinceLastSuccess(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	failed := func(name string, min int, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
		m := mig(name, "vm", v1.MigrationFailed, at(min), opts...)
		endedAt(at(min).Add(30 * time.Second))(m)
		return m
	}
	succeeded := mig("ok", "vm", v1.MigrationSucceeded, at(0))
	beingDeleted := failed("del", 6, func(m *v1.VirtualMachineInstanceMigration) { m.DeletionTimestamp = &metav1.Time{Time: at(7)} })
	tests := []struct {
		reason string
		in     []*v1.VirtualMachineInstanceMigration
		n      int
		last   time.Time
	}{
		{"none", nil, 0, time.Time{}},
		{"three failures after a success, in any order", []*v1.VirtualMachineInstanceMigration{failed("f2", 2), succeeded, failed("f3", 3), failed("f1", 1)}, 3, at(3).Add(30 * time.Second)},
		{"a success after failures resets the count", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("ok2", "vm", v1.MigrationSucceeded, at(2))}, 0, time.Time{}},
		{"migrations of users do not count, not even their successes", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("user", "vm", v1.MigrationSucceeded, at(2), userMigration), failed("f3", 3)}, 2, at(3).Add(30 * time.Second)},
		{"evacuation migrations count", []*v1.VirtualMachineInstanceMigration{failed("e", 1, func(m *v1.VirtualMachineInstanceMigration) {
			m.Annotations = map[string]string{v1.EvacuationMigrationAnnotation: "node-a"}
		})}, 1, at(1).Add(30 * time.Second)},
		{"migrations being deleted are skipped", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), beingDeleted}, 1, at(1).Add(30 * time.Second)},
		{"unfinished ones are passed over", []*v1.VirtualMachineInstanceMigration{failed("f1", 1), mig("p", "vm", v1.MigrationPending, at(9))}, 1, at(1).Add(30 * time.Second)},
		{"no transition time: the end of the migration state", []*v1.VirtualMachineInstanceMigration{mig("f", "vm", v1.MigrationFailed, at(1), func(m *v1.VirtualMachineInstanceMigration) {
			m.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{EndTimestamp: &metav1.Time{Time: at(4)}}
		})}, 1, at(4)},
		{"nothing recorded: creation time", []*v1.VirtualMachineInstanceMigration{mig("f", "vm", v1.MigrationFailed, at(1))}, 1, at(1)},
		{"nil entries are ignored", []*v1.VirtualMachineInstanceMigration{nil, failed("f1", 1)}, 1, at(1).Add(30 * time.Second)},
	}
	for _, tt := range tests {
		n, last := Failures(tt.in)
		if n != tt.n || !last.Equal(tt.last) {
			t.Errorf("%s: Failures = %d, %v; want %d, %v", tt.reason, n, last, tt.n, tt.last)
		}
	}
	next := Backoff{}.NextAttempt([]*v1.VirtualMachineInstanceMigration{failed("f1", 1), failed("f2", 2)})
	if want := at(2).Add(30*time.Second + 40*time.Second); !next.Equal(want) {
		t.Errorf("NextAttempt after two failures = %v, want %v (last failure + 40 s)", next, want)
	}
	if next := (Backoff{}).NextAttempt(nil); !next.IsZero() {
		t.Errorf("NextAttempt with no failures = %v, want zero", next)
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

func TestNewMigration(t *testing.T) {
	got := NewMigration(vmi("vm"))
	prio := v1.PrioritySystemCritical
	want := &v1.VirtualMachineInstanceMigration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstanceMigration"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", GenerateName: "kubevirt-workload-update-", Annotations: map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""}},
		Spec:       v1.VirtualMachineInstanceMigrationSpec{VMIName: "vm", Priority: &prio},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if NewMigration(nil) != nil {
		t.Error("NewMigration(nil) is not nil")
	}
}

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
		{"DefaultKeepFinalizedMigrations", DefaultKeepFinalizedMigrations, 5},
		{"DefaultStuckAfter", DefaultStuckAfter, 5},
		{"DefaultClusterEvictionStrategy", DefaultClusterEvictionStrategy, v1.EvictionStrategyNone},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
