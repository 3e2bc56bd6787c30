package fake

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

func migrationCluster(t *testing.T, vmis ...kubevirtv1.VirtualMachineInstance) *Cluster {
	t.Helper()
	c := platformCluster(t)
	c.AddNodes(worker("w1", "a", 3*time.Hour), worker("w2", "b", 2*time.Hour), worker("w3", "c", time.Hour))
	c.AddVMIs(vmis...)
	return c
}

func migrate(t *testing.T, c *Cluster, ns, name string) string {
	t.Helper()
	vmi := newVMI(ns, name, "", "")
	m, err := c.CreateMigration(context.Background(), workload.NewClientMigration(&vmi))
	if err != nil {
		t.Fatal(err)
	}
	return m.Name
}

func phaseOf(t *testing.T, c *Cluster, ns, name string) (kubevirtv1.VirtualMachineInstanceMigrationPhase, string) {
	t.Helper()
	migs, _ := c.ListMigrations(context.Background(), update.ListOptions{Namespace: ns})
	for _, m := range migs {
		if m.Name == name {
			reason := ""
			if m.Status.MigrationState != nil {
				reason = m.Status.MigrationState.FailureReason
			}
			return m.Status.Phase, reason
		}
	}
	return "gone", ""
}

func TestMigrationUnschedulableTimeout(t *testing.T) {
	// On the current launcher: only this test migrates it.
	c := migrationCluster(t, newVMI("ns", "vm", "w1", LauncherImage("4.14.3"), migratable(true)))
	c.HoldTargetPods("ns", "vm", time.Hour, true)
	name := migrate(t, c, "ns", "vm")
	if err := c.Advance(5*time.Minute - time.Second); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationScheduling {
		t.Fatalf("at 4m59s the unschedulable target pod still waits: phase %s", p)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if p, reason := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationFailed || !strings.Contains(reason, "Unschedulable") {
		t.Fatalf("at 5m00s the migration fails: phase %s, reason %q", p, reason)
	}
	// KubeVirt deletes the timed-out target pod, not the migration
	// (migration.go deleteTimedOutTargetPod; updateStatus then fails it):
	// the Failed migration stays, for the backoff and for debugging.
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationFailed {
		t.Errorf("an hour later the timed-out migration is %s, want still there and Failed", p)
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go sync calls
// handlePendingPodTimeout only in phases Pending and Scheduling, on an
// existing target pod: a migration waiting for a slot (no target pod yet)
// and one already running never hit the pending-pod timeouts.
func TestPendingTimeoutsOnlyBeforeTheTargetRuns(t *testing.T) {
	one, off := uint32(1), int64(0)
	c := hcoCluster(t, 3, 3, update.HyperConverged{Spec: update.HyperConvergedSpec{LiveMigrationConfig: update.LiveMigrationConfig{
		ParallelMigrationsPerCluster: &one, CompletionTimeoutPerGiB: &off, ProgressTimeout: &off}}})
	cur := LauncherImage("4.14.3")
	c.AddVMIs(newVMI("ns", "endless", "w0", cur, migratable(true)), newVMI("ns", "waiting", "w1", cur, migratable(true)))
	c.SetDirtyRate("ns", "endless", 4<<30) // never converges, and no timeout stops it
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	running := migrate(t, c, "ns", "endless")
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	waiting := migrate(t, c, "ns", "waiting")
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", running); p != kubevirtv1.MigrationRunning {
		t.Errorf("a running migration is past the pending-pod timeouts: %s after an hour, want Running", p)
	}
	if p, _ := phaseOf(t, c, "ns", waiting); p != kubevirtv1.MigrationPending {
		t.Errorf("a migration waiting for a slot has no target pod to time out: %s after an hour, want Pending", p)
	}
}

func TestMigrationPendingTimeoutAndOverride(t *testing.T) {
	c := migrationCluster(t, newVMI("ns", "vm", "w1", "old", migratable(true)))
	c.HoldTargetPods("ns", "vm", time.Hour, false)
	name := migrate(t, c, "ns", "vm")
	if err := c.Advance(15*time.Minute - time.Second); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationScheduling {
		t.Fatalf("a Pending (not unschedulable) pod waits 15 minutes: phase %s at 14m59s", p)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationFailed {
		t.Fatalf("at 15m00s it fails: %s", p)
	}

	// The annotation overrides the timeout per migration.
	c2 := migrationCluster(t, newVMI("ns", "vm", "w1", "old", migratable(true)))
	c2.HoldTargetPods("ns", "vm", time.Hour, true)
	vmi := newVMI("ns", "vm", "", "")
	m := workload.NewClientMigration(&vmi)
	m.Annotations[kubevirtv1.MigrationUnschedulablePodTimeoutSecondsAnnotation] = "60"
	created, _ := c2.CreateMigration(context.Background(), m)
	_ = c2.Advance(time.Minute)
	if p, _ := phaseOf(t, c2, "ns", created.Name); p != kubevirtv1.MigrationFailed {
		t.Errorf("with a 60 s annotation the migration fails after a minute: %s", p)
	}
}

func TestMigrationSucceedsOntoCurrentLauncher(t *testing.T) {
	c := migrationCluster(t, newVMI("ns", "vm", "w1", "old", migratable(true)))
	name := migrate(t, c, "ns", "vm")
	// 4 GiB at 1 GiB/s after a 10 s target pod start.
	if err := c.Advance(DefaultTargetPodStart + 4*time.Second - time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationRunning {
		t.Fatalf("phase %s, want Running until the memory is copied", p)
	}
	if err := c.Advance(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if p, _ := phaseOf(t, c, "ns", name); p != kubevirtv1.MigrationSucceeded {
		t.Fatalf("phase %s, want Succeeded", p)
	}
	vmis, _ := c.ListVMIs(context.Background(), update.ListOptions{})
	if v := vmis[0]; v.Status.NodeName == "w1" || v.Status.LauncherContainerImageVersion != LauncherImage("4.14.3") {
		t.Errorf("VMI on %s with %s; want another node and the current launcher", v.Status.NodeName, v.Status.LauncherContainerImageVersion)
	}
}

func TestMigrationBackoffAndHistory(t *testing.T) {
	c := migrationCluster(t, newVMI("ns", "vm", "w1", "old", migratable(true)))
	c.FailNextMigrations("ns", "vm", 100)
	var names []string
	// Seven attempts, each created right after the previous one failed.
	for range 7 {
		names = append(names, migrate(t, c, "ns", "vm"))
		if _, err := c.RunUntil(func() bool {
			p, _ := phaseOf(t, c, "ns", names[len(names)-1])
			return p == kubevirtv1.MigrationFailed || p == "gone"
		}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	var starts []time.Time
	for _, e := range c.Events() {
		if e.Reason == "Scheduling" {
			starts = append(starts, e.Time)
		}
	}
	// Each attempt runs 14 s (10 s pod start, 4 s copy); after the n-th failure
	// the next waits 20 s·2^(n-1), capped at 320 s.
	wantGaps := []time.Duration{20, 40, 80, 160, 320, 320}
	for i, want := range wantGaps {
		if got := starts[i+1].Sub(starts[i]) - 14*time.Second; got != want*time.Second {
			t.Errorf("wait before attempt %d = %v, want %v", i+2, got, want*time.Second)
		}
	}
	migs, _ := c.ListMigrations(context.Background(), update.ListOptions{})
	if len(migs) != 5 {
		t.Errorf("%d migrations kept, want the 5 most recent finalized", len(migs))
	}
	for _, m := range migs {
		if m.Name == names[0] || m.Name == names[1] {
			t.Errorf("the oldest attempts must be deleted, %s is still there", m.Name)
		}
	}
}

func TestMigrationCaps(t *testing.T) {
	var vmis []kubevirtv1.VirtualMachineInstance
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		node := "w1"
		if n > "c" {
			node = "w2"
		}
		vmis = append(vmis, newVMI("ns", n, node, "old", migratable(true)))
	}
	c := migrationCluster(t, vmis...)
	for _, v := range vmis {
		migrate(t, c, "ns", v.Name)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	migs, _ := c.ListMigrations(context.Background(), update.ListOptions{})
	running := map[string]int{}
	for _, m := range migs {
		if m.IsRunning() {
			for _, v := range vmis {
				if v.Name == m.Spec.VMIName {
					running[v.Status.NodeName]++
				}
			}
		}
	}
	// HCO's defaults: 5 per cluster, 1 outbound per node.
	if running["w1"] != 1 || running["w2"] != 1 {
		t.Errorf("running per source node = %v, want 1 each (parallelOutboundMigrationsPerNode)", running)
	}
}

func TestVMControllerRestartsByRunStrategy(t *testing.T) {
	ctx := context.Background()
	always, manual := kubevirtv1.RunStrategyAlways, kubevirtv1.RunStrategyManual
	none := eviction(kubevirtv1.EvictionStrategyNone) // HCO's default on three workers would deny the evictions
	c := migrationCluster(t,
		newVMI("ns", "always", "w1", "old", migratable(false), ownedByVM(), none),
		newVMI("ns", "manual", "w1", "old", migratable(false), ownedByVM(), none))
	c.AddVirtualMachines(
		kubevirtv1.VirtualMachine{ObjectMeta: vmiMeta("ns", "always"), Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &always}},
		kubevirtv1.VirtualMachine{ObjectMeta: vmiMeta("ns", "manual"), Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &manual}})
	for _, n := range []string{"always", "manual"} {
		if err := c.EvictVMI(ctx, "ns", n); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(DefaultVMRestart); err != nil {
		t.Fatal(err)
	}
	vmis, _ := c.ListVMIs(ctx, update.ListOptions{})
	for _, v := range vmis {
		switch v.Name {
		case "always":
			if v.Status.Phase != kubevirtv1.Running || v.Status.LauncherContainerImageVersion != LauncherImage("4.14.3") {
				t.Errorf("runStrategy Always restarts on the current launcher: %s %s", v.Status.Phase, v.Status.LauncherContainerImageVersion)
			}
		case "manual":
			if v.Status.Phase != kubevirtv1.Succeeded {
				t.Errorf("runStrategy Manual stays off: %s", v.Status.Phase)
			}
		}
	}
}

func vmiMeta(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
