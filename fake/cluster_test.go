package fake

import (
	"context"
	"errors"
	"strings"
	"testing"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

func TestFailNextWrites(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(Options{})
	c.SetHyperConverged(update.HyperConverged{})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	c.FailNextWrites(KindHyperConverged, 2)
	empty := &[]kubevirtv1.WorkloadUpdateMethod{}
	for i := range 2 {
		if err := c.SetWorkloadUpdateMethods(ctx, nil, empty); !errors.Is(err, update.ErrConflict) {
			t.Fatalf("write %d: err = %v, want an injected conflict", i, err)
		}
	}
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Errorf("faults are per kind: a pool write must pass, got %v", err)
	}
	if err := c.SetWorkloadUpdateMethods(ctx, nil, empty); err != nil {
		t.Fatalf("the third write must pass: %v", err)
	}
	hc, _ := c.GetHyperConverged(ctx)
	if hc.Generation != 2 {
		t.Errorf("generation = %d, want 2: a spec change bumps it once, failed writes do not", hc.Generation)
	}
}

func TestEventsRecordChanges(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(Options{})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	_ = c.SetPoolPaused(ctx, "worker", true)
	_ = c.SetPoolPaused(ctx, "worker", true) // no change, no event
	ev := c.Events()
	if len(ev) != 1 || ev[0].Reason != "Paused" || ev[0].Name != "worker" || !ev[0].Time.Equal(c.Clock().Now()) {
		t.Fatalf("events = %v, want one Paused event at the fake time", ev)
	}
	if s := ev[0].String(); !strings.Contains(s, "2026-01-01T00:00:00Z MachineConfigPool worker Paused") {
		t.Errorf("timeline line %q", s)
	}
}

func TestGeneratedNamesAreDeterministic(t *testing.T) {
	a, b := NewCluster(Options{Seed: 7}), NewCluster(Options{Seed: 7})
	seen := map[string]bool{}
	for range 1000 {
		x, y := a.generateName("p-"), b.generateName("p-")
		if x != y {
			t.Fatalf("same seed, different names: %s vs %s", x, y)
		}
		if seen[x] {
			t.Fatalf("name %s generated twice", x)
		}
		seen[x] = true
	}
}

func TestReadsDoNotShareMemory(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(Options{})
	c.SetHyperConverged(update.HyperConverged{Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{
		WorkloadUpdateMethods: &[]kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate},
	}}})
	hc, _ := c.GetHyperConverged(ctx)
	(*hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods)[0] = "Mutated"
	again, _ := c.GetHyperConverged(ctx)
	if (*again.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods)[0] != kubevirtv1.WorkloadUpdateMethodLiveMigrate {
		t.Error("mutating a read changed the cluster")
	}
}

func TestCrashAfterWrites(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(Options{})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	c.CrashAfterWrites(1)
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Fatalf("the first write before the crash must pass: %v", err)
	}
	err := c.SetPoolPaused(ctx, "worker", false)
	if !errors.Is(err, ErrCrashed) || !c.Crashed() {
		t.Fatalf("the second write: err = %v, want ErrCrashed", err)
	}
	if _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "x"}); !errors.Is(err, ErrCrashed) {
		t.Errorf("every write fails after the crash: %v", err)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if !pools[0].Paused {
		t.Error("a write refused by the crash must change nothing")
	}
	c.Restart()
	if err := c.SetPoolPaused(ctx, "worker", false); err != nil {
		t.Errorf("after Restart writes work: %v", err)
	}
}
