package workload

import (
	"math"
	"testing"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// handleMigrationBackoff: 20 s after one failure, doubled per further
// consecutive failure, no cap. Backoff is that policy as a RetryPolicy.
func TestBackoffIsTheDefaultRetryPolicy(t *testing.T) {
	want := map[int]time.Duration{-1: 0, 0: 0, 1: 20 * time.Second, 2: 40 * time.Second, 3: 80 * time.Second, 5: 320 * time.Second, 6: 640 * time.Second}
	for n, d := range want {
		if got := (Backoff{}).When(vmi("a"), n); got != d {
			t.Errorf("Backoff{}.When(%d) = %s, want %s (KubeVirt's)", n, got, d)
		}
		if got := (Backoff{}).When(nil, n); got != d {
			t.Errorf("a nil VMI changes nothing: When(nil, %d) = %s", n, got)
		}
		if got := RetryFunc(nil).When(nil, n); got != d {
			t.Errorf("a nil RetryFunc is Backoff{}: %d → %s", n, got)
		}
		if got := PerVMI(nil).When(nil, n); got != d {
			t.Errorf("a nil PerVMI is Backoff{}: %d → %s", n, got)
		}
		if got := (Capped{}).When(nil, n); got != d {
			t.Errorf("the zero Capped is Backoff{}: %d → %s", n, got)
		}
	}
	if got := (Backoff{}).When(nil, 1000); got != time.Duration(math.MaxInt64) {
		t.Errorf("the wait saturates instead of overflowing: %d", got)
	}
}

func TestRetryCombinators(t *testing.T) {
	const minute = time.Minute
	constant := func(d time.Duration) RetryPolicy {
		return RetryFunc(func(*v1.VirtualMachineInstance, int) time.Duration { return d })
	}
	heavy := vmi("heavy")
	heavy.Labels["size"] = "large"
	bySize := PerVMI(func(v *v1.VirtualMachineInstance) RetryPolicy {
		if v != nil && v.Labels["size"] == "large" {
			return Backoff{Initial: minute}
		}
		return nil
	})
	for _, tt := range []struct {
		reason string
		r      RetryPolicy
		vmi    *v1.VirtualMachineInstance
		n      int
		want   time.Duration
	}{
		{"MaxOf takes the longest wait", MaxOf{Backoff{}, constant(time.Hour)}, nil, 1, time.Hour},
		{"MaxOf with a floor: the backoff once it is longer", MaxOf{Backoff{}, constant(30 * time.Second)}, nil, 3, 80 * time.Second},
		{"MaxOf skips nil entries", MaxOf{nil, Backoff{}}, nil, 1, 20 * time.Second},
		{"the empty MaxOf waits 0", MaxOf{}, nil, 3, 0},
		{"a negative wait is not longer than 0", MaxOf{constant(-time.Hour)}, nil, 3, 0},
		{"Capped caps", Capped{Policy: Backoff{}, Max: minute}, nil, 4, minute},
		{"Capped below the cap is the policy", Capped{Policy: Backoff{}, Max: time.Hour}, nil, 2, 40 * time.Second},
		{"Capped with no Max does not cap", Capped{Policy: Backoff{}}, nil, 6, 640 * time.Second},
		{"PerVMI picks the VMI's policy", bySize, heavy, 2, 2 * minute},
		{"PerVMI: no policy for the VMI is Backoff{}", bySize, vmi("light"), 2, 40 * time.Second},
		{"PerVMI: a nil VMI is asked too", bySize, nil, 1, 20 * time.Second},
	} {
		if got := tt.r.When(tt.vmi, tt.n); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.reason, got, tt.want)
		}
	}
}

func TestNextAttemptAndHoldUntilTakeAnyPolicy(t *testing.T) {
	failedAt := func(name string, created time.Time) *v1.VirtualMachineInstanceMigration {
		m := mig(name, "a", v1.MigrationFailed, created)
		endedAt(created.Add(10 * time.Second))(m)
		return m
	}
	ms := []*v1.VirtualMachineInstanceMigration{failedAt("m1", t0), failedAt("m2", t0.Add(time.Minute))}
	clock := t0.Add(time.Minute + 10*time.Second)
	if got, want := NextAttempt(nil, nil, ms), (Backoff{}).NextAttempt(ms); !got.Equal(want) || !got.Equal(clock.Add(40*time.Second)) {
		t.Errorf("nil is Backoff{}: %s, Backoff says %s, want clock + 40 s", got, want)
	}
	hour := RetryFunc(func(*v1.VirtualMachineInstance, int) time.Duration { return time.Hour })
	if got := NextAttempt(hour, vmi("a"), ms); !got.Equal(clock.Add(time.Hour)) {
		t.Errorf("NextAttempt with a one-hour policy: %s, want clock + 1h", got)
	}
	if got := NextAttempt(hour, nil, nil); !got.IsZero() {
		t.Errorf("no failures, no wait: %s", got)
	}
	pending := mig("m3", "a", v1.MigrationPending, t0.Add(2*time.Minute))
	all := append(ms, pending)
	if got, want := HoldUntil(nil, nil, pending, all), (Backoff{}).HoldUntil(pending, all); !got.Equal(want) || !got.Equal(clock.Add(40*time.Second)) {
		t.Errorf("HoldUntil(nil) is Backoff.HoldUntil: %s vs %s", got, want)
	}
	if got := HoldUntil(hour, nil, pending, all); !got.Equal(clock.Add(time.Hour)) {
		t.Errorf("HoldUntil with a one-hour policy: %s", got)
	}
}

func TestPlannerUsesRetryPolicy(t *testing.T) {
	failed := mig("m1", "a", v1.MigrationFailed, t0.Add(-10*time.Minute))
	endedAt(t0.Add(-9 * time.Minute))(failed)
	s := Snapshot{VMIs: []*v1.VirtualMachineInstance{vmi("a")}, Migrations: []*v1.VirtualMachineInstanceMigration{failed},
		Strategy: strategy(LM), LauncherImage: newImage, Now: t0}

	if plan := (&Planner{}).Reconcile(s); len(plan.Migrate) != 1 {
		t.Errorf("with no Retry the Backoff waits 20 s, long past: %+v", plan.Decisions)
	}
	var asked *v1.VirtualMachineInstance
	hour := RetryFunc(func(v *v1.VirtualMachineInstance, n int) time.Duration {
		asked = v
		return time.Duration(n) * time.Hour
	})
	plan := (&Planner{Policy: Policy{Retry: hour}}).Reconcile(s)
	d := plan.Decisions[0]
	if len(plan.Migrate) != 0 || d.Code != CodeBackoff || !d.RetryAt.Equal(t0.Add(-9*time.Minute+time.Hour)) {
		t.Errorf("Retry replaces Backoff: %d migrations, %+v", len(plan.Migrate), d)
	}
	if asked == nil || asked.Name != "a" {
		t.Errorf("the policy is asked about the VMI: %v", asked)
	}
	if want := 51 * time.Minute; plan.RequeueAfter != want {
		t.Errorf("the plan looks again when the wait ends: %s, want %s", plan.RequeueAfter, want)
	}
}
