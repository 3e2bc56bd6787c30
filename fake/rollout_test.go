package fake

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// zstreamCluster is a cluster on CNV 4.14.3 whose catalog offers 4.14.4,
// with nodes workers and vmis VMIs: every third cannot migrate, has
// evictionStrategy None (HCO's cluster-wide LiveMigrate would make its
// eviction be denied) and belongs to a VirtualMachine with runStrategy
// Always.
func zstreamCluster(tb testing.TB, nodes, vmis int, methods ...kubevirtv1.WorkloadUpdateMethod) *Cluster {
	c := NewCluster(Options{Start: t0, Seed: 42})
	c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
	c.SetHyperConverged(update.HyperConverged{Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}})
	c.SetOperator(Operator{Version: "4.14.3", Catalog: []string{"4.14.4"}})
	c.AddPools(update.MachineConfigPool{Name: "worker", MaxUnavailable: 1})
	for i := range nodes {
		c.AddNodes(worker(fmt.Sprintf("w%03d", i), fmt.Sprintf("zone-%d", i%3), time.Duration(i)*time.Minute))
	}
	always := kubevirtv1.RunStrategyAlways
	old := LauncherImage("4.14.3")
	var vs []kubevirtv1.VirtualMachineInstance
	var vms []kubevirtv1.VirtualMachine
	for i := range vmis {
		name := fmt.Sprintf("vm-%05d", i)
		node := fmt.Sprintf("w%03d", i%nodes)
		if i%3 == 2 {
			vs = append(vs, newVMI("ns", name, node, old, migratable(false), eviction(kubevirtv1.EvictionStrategyNone), ownedByVM()))
			vms = append(vms, kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &always}})
		} else {
			vs = append(vs, newVMI("ns", name, node, old, migratable(true)))
		}
	}
	c.AddVMIs(vs...)
	c.AddVirtualMachines(vms...)
	return c
}

func allUpdated(c *Cluster) func() bool {
	return func() bool { return c.targetLauncher() == LauncherImage("4.14.4") && c.OutdatedVMIs() == 0 }
}

func (c *Cluster) targetLauncher() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cnv.launcherImage
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// (LiveMigrate first for migratable VMIs, Evict for the others).
func TestZStreamWorkloadRollout(t *testing.T) {
	c := zstreamCluster(t, 3, 9, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
	done, err := c.RunUntil(allUpdated(c), 6*time.Hour)
	if err != nil || !done {
		for _, e := range c.Events() {
			t.Log(e)
		}
		t.Fatalf("the rollout did not finish: done=%v err=%v", done, err)
	}
	vmis, _ := c.ListVMIs(context.Background(), update.ListOptions{})
	for _, v := range vmis {
		if v.Status.Phase != kubevirtv1.Running || v.Status.LauncherContainerImageVersion != LauncherImage("4.14.4") {
			t.Errorf("%s: %s on %s", v.Name, v.Status.Phase, v.Status.LauncherContainerImageVersion)
		}
	}
	counts := map[string]int{}
	for _, e := range c.Events() {
		counts[e.Kind+"/"+e.Reason]++
	}
	if counts[KindMigration+"/Succeeded"] != 6 || counts[KindVMI+"/Restarted"] != 3 {
		t.Errorf("6 migratable VMIs migrate and 3 others are evicted and restarted: %v", counts)
	}
	vmis, _ = c.ListVMIs(context.Background(), update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
	if len(vmis) != 0 {
		t.Errorf("%d VMIs still labelled outdated", len(vmis))
	}
}

func TestZStreamLiveMigrateOnlyLeavesNonMigratable(t *testing.T) {
	c := zstreamCluster(t, 3, 9, kubevirtv1.WorkloadUpdateMethodLiveMigrate)
	if err := c.Advance(6 * time.Hour); err != nil {
		t.Fatal(err)
	}
	vmis, _ := c.ListVMIs(context.Background(), update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
	if len(vmis) != 3 {
		t.Errorf("with LiveMigrate only the 3 non-migratable VMIs stay outdated (and labelled), got %d", len(vmis))
	}
	for _, v := range vmis {
		if v.Status.Phase != kubevirtv1.Running {
			t.Errorf("%s was disrupted: %s", v.Name, v.Status.Phase)
		}
	}
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// (batchEvictionSize VMIs per batchEvictionInterval).
func TestEvictBatchPace(t *testing.T) {
	// 30 non-migratable VMIs, Evict only, batch 10 per minute: 3 batches a minute apart.
	c := zstreamCluster(t, 3, 0, kubevirtv1.WorkloadUpdateMethodEvict)
	always := kubevirtv1.RunStrategyAlways
	for i := range 30 {
		name := fmt.Sprintf("e-%02d", i)
		c.AddVMIs(newVMI("ns", name, "w000", LauncherImage("4.14.3"), migratable(false), eviction(kubevirtv1.EvictionStrategyNone), ownedByVM()))
		c.AddVirtualMachines(kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &always}})
	}
	if _, err := c.RunUntil(allUpdated(c), 6*time.Hour); err != nil {
		t.Fatal(err)
	}
	perMinute := map[time.Time]int{}
	for _, e := range c.Events() {
		if e.Reason == "ShutDown" {
			perMinute[e.Time]++
		}
	}
	if len(perMinute) != 3 {
		t.Fatalf("eviction instants = %v, want 3 batches", perMinute)
	}
	var times []time.Time
	for at, n := range perMinute {
		if n != 10 {
			t.Errorf("batch at %v evicted %d, want 10", at, n)
		}
		times = append(times, at)
	}
	min, max := times[0], times[0]
	for _, x := range times {
		if x.Before(min) {
			min = x
		}
		if x.After(max) {
			max = x
		}
	}
	// KubeVirt starts a batch once the interval has strictly passed
	// (now.After(last + interval)): the next possible instant is 1 ns later.
	if want := 2*time.Minute + 2*time.Nanosecond; max.Sub(min) != want {
		t.Errorf("batches span %v, want %v (one per batchEvictionInterval)", max.Sub(min), want)
	}
}
