package fake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func worker(name, zone string, age time.Duration) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{LabelRoleWorker: ""},
		CreationTimestamp: metav1.NewTime(t0.Add(-age))}}
	if zone != "" {
		n.Labels[LabelZone] = zone
	}
	return n
}

type vmiOpt func(*kubevirtv1.VirtualMachineInstance)

func migratable(ok bool) vmiOpt {
	return func(v *kubevirtv1.VirtualMachineInstance) {
		status, reason := corev1.ConditionTrue, ""
		if !ok {
			status, reason = corev1.ConditionFalse, kubevirtv1.VirtualMachineInstanceReasonDisksNotMigratable
		}
		v.Status.Conditions = append(v.Status.Conditions, kubevirtv1.VirtualMachineInstanceCondition{
			Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: status, Reason: reason})
	}
}

func eviction(s kubevirtv1.EvictionStrategy) vmiOpt {
	return func(v *kubevirtv1.VirtualMachineInstance) { v.Spec.EvictionStrategy = &s }
}

func ownedByVM() vmiOpt {
	return func(v *kubevirtv1.VirtualMachineInstance) {
		yes := true
		v.OwnerReferences = []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: v.Name, Controller: &yes}}
	}
}

func newVMI(ns, name, node, launcher string, opts ...vmiOpt) kubevirtv1.VirtualMachineInstance {
	v := kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + "name"},
		Spec: kubevirtv1.VirtualMachineInstanceSpec{Domain: kubevirtv1.DomainSpec{Resources: kubevirtv1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}}}},
		Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node, LauncherContainerImageVersion: launcher},
	}
	for _, o := range opts {
		o(&v)
	}
	return v
}

func platformCluster(t *testing.T) *Cluster {
	t.Helper()
	c := NewCluster(Options{Start: t0, Seed: 1})
	c.SetClusterVersion(update.ClusterVersion{Channel: "eus-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
	c.SetHyperConverged(update.HyperConverged{})
	c.SetOperator(Operator{Version: "4.14.3"})
	c.AddPools(update.MachineConfigPool{Name: "worker", MaxUnavailable: 1}, update.MachineConfigPool{Name: "master", MaxUnavailable: 1})
	return c
}

func reasons(c *Cluster, kind string) []string {
	var out []string
	for _, e := range c.Events() {
		if e.Kind == kind {
			out = append(out, e.Name+":"+e.Reason)
		}
	}
	return out
}

func TestCVORefusals(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ reason, desired, want string }{
		{"a minor skip is refused", "4.16.3", ReasonMultipleMinorVersionsUpdate},
		{"updates go forward only", "4.13.9", ReasonLowDesiredVersion},
		{"no major jump from 4.14", "5.0.0", ReasonMajorVersionUpdate},
		{"garbage is refused", "four", ReasonInvalidVersion},
	} {
		c := platformCluster(t)
		if err := c.SetDesiredUpdate(ctx, tt.desired); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Hour); err != nil {
			t.Fatal(err)
		}
		cv, _ := c.GetClusterVersion(ctx)
		if cv.Updating() || cv.CurrentVersion() != "4.14.20" {
			t.Errorf("%s: the update started: %+v", tt.reason, cv.History)
		}
		if cond := meta(cv.Conditions, "ReleaseAccepted"); cond.Status != metav1.ConditionFalse || cond.Reason != tt.want {
			t.Errorf("%s: ReleaseAccepted = %+v, want False/%s", tt.reason, cond, tt.want)
		}
	}
}

func TestCVOMajorFrom422(t *testing.T) {
	c := NewCluster(Options{})
	if r, _ := c.refuseUpdate("4.22.5", "5.0.1"); r != "" {
		t.Errorf("4.22 → 5.0 is the next minor, refused with %s", r)
	}
	if r, _ := c.refuseUpdate("4.22.5", "5.1.0"); r != ReasonMultipleMinorVersionsUpdate && r != ReasonMajorVersionUpdate {
		t.Errorf("4.22 → 5.1 must be refused, got %q", r)
	}
}

func TestCVORefusesMinorWhileNotUpgradeableButAllowsZStream(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.Disable(ControllerHCO)
	c.mu.Lock()
	c.hco.Status.Conditions = append(c.hco.Status.Conditions[:0:0], metav1.Condition{Type: "Upgradeable", Status: metav1.ConditionFalse, Reason: "KubeVirtNotUpgradeable", Message: "x"})
	c.mu.Unlock()
	_ = c.SetDesiredUpdate(ctx, "4.15.3")
	_ = c.Advance(time.Minute)
	cv, _ := c.GetClusterVersion(ctx)
	if cond := meta(cv.Conditions, "ReleaseAccepted"); cond.Reason != ReasonUpgradeableFalse || cv.Updating() {
		t.Fatalf("a minor update while HCO is not upgradeable must be refused: %+v", cond)
	}
	_ = c.SetDesiredUpdate(ctx, "4.14.25")
	_ = c.Advance(time.Minute)
	cv, _ = c.GetClusterVersion(ctx)
	if !cv.Updating() || cv.History[0].Version != "4.14.25" {
		t.Errorf("a z-stream update is allowed while not upgradeable: %+v", cv.History)
	}
}

func TestCVOCompletesAndMCORollsOutInOrder(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddNodes(
		worker("w-b-new", "zone-b", time.Hour), worker("w-a-new", "zone-a", time.Hour),
		worker("w-nozone-old", "", 5*time.Hour), worker("w-a-old", "zone-a", 3*time.Hour), worker("w-nozone-new", "", 2*time.Hour),
	)
	if err := c.SetDesiredUpdate(ctx, "4.15.3"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(DefaultPlatformUpdate - time.Second); err != nil {
		t.Fatal(err)
	}
	cv, _ := c.GetClusterVersion(ctx)
	if !cv.Updating() || cv.History[0].State != update.UpdatePartial {
		t.Fatalf("history during the update = %+v, want a Partial entry first", cv.History)
	}
	if err := c.Advance(12 * time.Hour); err != nil {
		t.Fatal(err)
	}
	cv, _ = c.GetClusterVersion(ctx)
	if cv.Updating() || cv.CurrentVersion() != "4.15.3" || len(cv.History) != 2 || cv.History[1].Version != "4.14.20" {
		t.Fatalf("history after = %+v, want 4.15.3 Completed, newest first", cv.History)
	}
	var order []string
	for _, r := range reasons(c, KindNode) {
		if name, ok := strings.CutSuffix(r, ":Draining"); ok {
			order = append(order, name)
		}
	}
	want := "w-a-old w-a-new w-b-new w-nozone-old w-nozone-new"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("drain order = %s; want zones alphabetically, oldest first, no zone last: %s", got, want)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if w := pools[1]; !w.Updated() || w.MachineCount != 5 {
		t.Errorf("worker pool = %+v, want all 5 updated", w)
	}
}

func TestMCOMaxUnavailableAndPause(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddPools(update.MachineConfigPool{Name: "worker", MaxUnavailable: 2})
	for _, n := range []string{"w1", "w2", "w3", "w4"} {
		c.AddNodes(worker(n, "", time.Hour))
	}
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDesiredUpdate(ctx, "4.15.3")
	if err := c.Advance(DefaultPlatformUpdate + 10*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := reasons(c, KindNode); len(got) != 0 {
		t.Fatalf("a paused pool updates no node, got %v", got)
	}
	if err := c.SetPoolPaused(ctx, "worker", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if w := pools[1]; w.UnavailableMachineCount != 2 {
		t.Errorf("unavailable = %d, want maxUnavailable = 2 at a time", w.UnavailableMachineCount)
	}
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	pools, _ = c.ListMachineConfigPools(ctx)
	if !pools[1].Updated() {
		t.Errorf("after unpausing the pool finishes: %+v", pools[1])
	}
}

func TestDrainByEvictionStrategy(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddNodes(worker("w1", "a", 3*time.Hour), worker("w2", "b", 2*time.Hour), worker("w3", "c", time.Hour))
	old := LauncherImage("4.14.3")
	always := kubevirtv1.RunStrategyAlways
	c.AddVMIs(
		newVMI("ns", "migrates", "w1", old, migratable(true), eviction(kubevirtv1.EvictionStrategyLiveMigrate)),
		newVMI("ns", "restarts", "w1", old, migratable(false), eviction(kubevirtv1.EvictionStrategyNone), ownedByVM()),
		newVMI("ns", "standalone", "w1", old, migratable(false), eviction(kubevirtv1.EvictionStrategyNone)),
	)
	c.AddVirtualMachines(kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "restarts"}, Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &always}})
	_ = c.SetDesiredUpdate(ctx, "4.15.3")
	if err := c.Advance(DefaultPlatformUpdate + 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	vmis, _ := c.ListVMIs(ctx, update.ListOptions{})
	got := map[string]string{}
	for _, v := range vmis {
		got[v.Name] = string(v.Status.Phase) + "@" + v.Status.NodeName
	}
	if _, ok := got["standalone"]; ok {
		t.Errorf("a standalone VMI with evictionStrategy None is gone after the drain, got %v", got)
	}
	evacuations := 0
	for _, e := range c.Events() {
		if e.Kind == KindMigration && e.Reason == "Succeeded" && strings.Contains(e.Message, "VMI migrates moved") {
			evacuations++
		}
	}
	if !strings.HasPrefix(got["migrates"], "Running@") || evacuations != 2 {
		t.Errorf("the migratable VMI stays running, moved by an evacuation migration off each node it was on (w1, then w2): %v, %d evacuations", got, evacuations)
	}
	if !strings.HasPrefix(got["restarts"], "Running@") {
		t.Errorf("the VM with runStrategy Always restarted: %v", got)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if !pools[1].Updated() {
		t.Errorf("the pool finished: %+v", pools[1])
	}
}

func TestNonMigratableLiveMigrateBlocksDrain(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddNodes(worker("w1", "a", 3*time.Hour), worker("w2", "b", time.Hour))
	c.AddVMIs(newVMI("ns", "stuck", "w1", LauncherImage("4.14.3"), migratable(false), eviction(kubevirtv1.EvictionStrategyLiveMigrate), ownedByVM()))
	_ = c.SetDesiredUpdate(ctx, "4.15.3")
	if err := c.Advance(DefaultPlatformUpdate + 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if pools[1].Updated() || pools[1].UnavailableMachineCount != 1 {
		t.Errorf("the drain of w1 must stall the pool: %+v", pools[1])
	}
	blocked := 0
	for _, e := range c.Events() {
		if e.Reason == "DrainBlocked" {
			blocked++
		}
	}
	if blocked != 1 {
		t.Errorf("DrainBlocked recorded %d times, want once", blocked)
	}
	err := c.EvictVMI(ctx, "ns", "stuck")
	if !errors.Is(err, ErrEvictionDenied) {
		t.Errorf("evicting it directly: err = %v, want ErrEvictionDenied", err)
	}
}

func TestNodeFailsToComeBack(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddNodes(worker("w1", "a", 3*time.Hour), worker("w2", "b", time.Hour))
	c.FailNodeBoot("w1")
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := reasons(c, KindNode); len(got) != 0 {
		t.Fatalf("no node rolls before a platform update: %v", got)
	}
	_ = c.SetDesiredUpdate(ctx, "4.15.3")
	if err := c.Advance(DefaultPlatformUpdate + 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if w := pools[1]; w.Updated() || w.DegradedMachineCount != 1 || w.UpdatedMachineCount != 0 {
		t.Errorf("a node that does not come back stalls the pool (maxUnavailable 1): %+v", w)
	}
}
