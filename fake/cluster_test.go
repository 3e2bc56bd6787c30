package fake

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// CrashAfterWrites(n): the n-th write lands and its caller gets
// ErrCrashed (the reply is lost); every later write is refused and changes
// nothing; n = 0 refuses the next write before it is sent.
func TestCrashAfterWrites(t *testing.T) {
	ctx := context.Background()
	c := NewCluster(Options{})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	c.CrashAfterWrites(2)
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Fatalf("the first write before the crash must pass: %v", err)
	}
	err := c.SetPoolPaused(ctx, "worker", false)
	if !errors.Is(err, ErrCrashed) || !c.Crashed() {
		t.Fatalf("the second write: err = %v, want ErrCrashed", err)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if pools[0].Paused {
		t.Error("the write the crash fell in must have landed: the pool is still paused")
	}
	if _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "x"}); !errors.Is(err, ErrCrashed) {
		t.Errorf("every write fails after the crash: %v", err)
	}
	if err := c.SetPoolPaused(ctx, "worker", true); !errors.Is(err, ErrCrashed) {
		t.Errorf("every write fails after the crash: %v", err)
	}
	pools, _ = c.ListMachineConfigPools(ctx)
	if _, err := c.LoadCheckpoint(ctx, "x"); !errors.Is(err, update.ErrNotFound) || pools[0].Paused {
		t.Errorf("a write refused after the crash must change nothing: checkpoint %v, paused %v", err, pools[0].Paused)
	}
	c.Restart()
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Errorf("after Restart writes work: %v", err)
	}

	c.CrashAfterWrites(0)
	if err := c.SetPoolPaused(ctx, "worker", false); !errors.Is(err, ErrCrashed) {
		t.Fatalf("CrashAfterWrites(0): err = %v, want ErrCrashed", err)
	}
	if pools, _ := c.ListMachineConfigPools(ctx); !pools[0].Paused {
		t.Error("CrashAfterWrites(0) crashes before the write is sent: it must change nothing")
	}
}

// Every port honours its context: a cancelled one returns its error before
// anything is written, and the write does not count against a crash.
func TestPortsHonourTheContext(t *testing.T) {
	c := NewCluster(Options{})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.14"})
	c.AddInstallPlans(update.InstallPlan{Namespace: update.DefaultNamespace, Name: "ip", Approval: update.ApprovalManual})
	c.SetHyperConverged(update.HyperConverged{})
	c.AddVMIs(kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "vm"}})
	c.CrashAfterWrites(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := len(c.Events())
	off := []kubevirtv1.WorkloadUpdateMethod{}
	for _, w := range []struct {
		reason string
		err    error
	}{
		{"SetChannel", c.SetChannel(ctx, "stable-4.15")},
		{"SetDesiredUpdate", c.SetDesiredUpdate(ctx, "4.14.21")},
		{"SetPoolPaused", c.SetPoolPaused(ctx, "worker", true)},
		{"ApproveInstallPlan", c.ApproveInstallPlan(ctx, update.DefaultNamespace, "ip")},
		{"SetWorkloadUpdateMethods", c.SetWorkloadUpdateMethods(ctx, nil, &off)},
		{"CreateMigration", func() error {
			_, err := c.CreateMigration(ctx, &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", GenerateName: "m-"},
				Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "vm"}})
			return err
		}()},
		{"EvictVMI", c.EvictVMI(ctx, "ns", "vm")},
		{"SaveCheckpoint", func() error { _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "x"}); return err }()},
		{"ListVMIs", func() error { _, err := c.ListVMIs(ctx, update.ListOptions{}); return err }()},
		{"GetHyperConverged", func() error { _, err := c.GetHyperConverged(ctx); return err }()},
	} {
		if !errors.Is(w.err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", w.reason, w.err)
		}
	}
	if ev := c.Events(); len(ev) != before {
		t.Errorf("writes with a cancelled context changed the cluster: %v", ev[before:])
	}
	if c.Crashed() {
		t.Error("writes never sent counted against the crash")
	}
	if err := c.SetPoolPaused(context.Background(), "worker", true); !errors.Is(err, ErrCrashed) {
		t.Errorf("the first write sent is the one the crash falls in: %v", err)
	}
}
