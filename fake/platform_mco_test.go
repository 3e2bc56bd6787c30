package fake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// workerPool returns the worker pool as the port reads it.
func workerPool(t *testing.T, c *Cluster) update.MachineConfigPool {
	t.Helper()
	pools, err := c.ListMachineConfigPools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.Name == "worker" {
			return p
		}
	}
	t.Fatal("no worker pool")
	return update.MachineConfigPool{}
}

func node(t *testing.T, c *Cluster, name string) corev1.Node {
	t.Helper()
	nodes, _ := c.ListNodes(context.Background())
	for _, n := range nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s", name)
	return corev1.Node{}
}

func drained(c *Cluster) map[string]bool {
	out := map[string]bool{}
	for _, e := range c.Events() {
		if e.Kind == KindNode && e.Reason == "Draining" {
			out[e.Name] = true
		}
	}
	return out
}

// A node that is cordoned, NotReady, under pressure or in maintenance is
// unavailable to the MCO and never a candidate: with maxUnavailable 1 it
// uses up the pool's capacity, so no node is updated and the pool stalls,
// its status saying so as the MCO's does (Updated=False, Updating=True,
// one unavailable machine, no ready one since none is updated). Once the
// cause is gone the pool rolls out.
// MCO: pkg/controller/node/node_controller.go getAllCandidateMachines
// ("No capacity left for pool"; candidates must be IsNodeReady),
// pkg/controller/common/layered_node_state.go IsUnavailableForUpdate and
// CheckNodeReady (NotReady, DiskPressure, NetworkUnavailable,
// spec.unschedulable), pkg/controller/node/status.go calculateStatus,
// pkg/controller/common/helpers.go GetMachinesByState.
func TestMCOUnavailableNodeStallsPool(t *testing.T) {
	for _, tt := range []struct {
		reason   string
		hold     func(*Cluster) error
		release  func(*Cluster) error
		wantWhy  string
		wantPool string
	}{
		{"an admin's cordon",
			func(c *Cluster) error { return c.Cordon("w1", true) },
			func(c *Cluster) error { return c.Cordon("w1", false) },
			"node w1 is reporting Unschedulable", ""},
		{"a NotReady node",
			func(c *Cluster) error { return c.SetNodeReady("w1", false) },
			func(c *Cluster) error { return c.SetNodeReady("w1", true) },
			"node w1 is reporting NotReady=False", ""},
		{"a node under disk pressure",
			func(c *Cluster) error {
				return setNodeCondition(c, "w1", corev1.NodeDiskPressure, corev1.ConditionTrue)
			},
			func(c *Cluster) error {
				return setNodeCondition(c, "w1", corev1.NodeDiskPressure, corev1.ConditionFalse)
			},
			"node w1 is reporting OutOfDisk=True", ""},
		{"a kubevirt.io NodeMaintenance",
			func(c *Cluster) error {
				c.AddNodeMaintenances(update.NodeMaintenance{Group: update.NodeMaintenanceKubeVirt, Name: "nm", NodeName: "w1"})
				return nil
			},
			func(c *Cluster) error { return c.DeleteNodeMaintenance(update.NodeMaintenanceKubeVirt, "nm") },
			"node w1 is reporting Unschedulable", ""},
		{"a medik8s.io NodeMaintenance",
			func(c *Cluster) error {
				c.AddNodeMaintenances(update.NodeMaintenance{Group: update.NodeMaintenanceMedik8s, Name: "nm", NodeName: "w1"})
				return nil
			},
			func(c *Cluster) error { return c.DeleteNodeMaintenance(update.NodeMaintenanceMedik8s, "nm") },
			"node w1 is reporting Unschedulable", ""},
	} {
		c := platformCluster(t)
		// w1 is the oldest: the MCO would take it first.
		c.AddNodes(worker("w1", "", 3*time.Hour), worker("w2", "", 2*time.Hour), worker("w3", "", time.Hour))
		if err := tt.hold(c); err != nil {
			t.Fatal(err)
		}
		desire(t, c, "4.15.3", DefaultPlatformUpdate+6*time.Hour)
		if got := drained(c); len(got) != 0 {
			t.Errorf("%s: nodes drained %v; with maxUnavailable 1 and w1 unavailable no node may be", tt.reason, got)
		}
		p := workerPool(t, c)
		if p.Updated() || p.UnavailableMachineCount != 1 || p.UpdatedMachineCount != 0 || p.ReadyMachineCount != 0 || p.MachineCount != 3 {
			t.Errorf("%s: pool = %+v; want 3 machines, none updated or ready, 1 unavailable", tt.reason, p)
		}
		if u := meta(p.Conditions, PoolConditionUpdating); u.Status != metav1.ConditionTrue || u.Message != "All nodes are updating to MachineConfig rendered-worker-4.15.3" {
			t.Errorf("%s: Updating = %+v", tt.reason, u)
		}
		if u := meta(p.Conditions, PoolConditionUpdated); u.Status != metav1.ConditionFalse {
			t.Errorf("%s: Updated = %+v", tt.reason, u)
		}
		stalls := reasonsOf(c, "NoCapacity")
		if len(stalls) != 1 || !strings.Contains(stalls[0].Message, "unavailable 1, maxUnavailable 1, 3 outdated") || !strings.Contains(stalls[0].Message, tt.wantWhy) {
			t.Errorf("%s: stall events %v; want one saying %q", tt.reason, stalls, tt.wantWhy)
		}
		if err := tt.release(c); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(2 * time.Hour); err != nil {
			t.Fatal(err)
		}
		if p := workerPool(t, c); !p.Updated() || p.UnavailableMachineCount != 0 {
			t.Errorf("%s: once released the pool rolls out: %+v", tt.reason, p)
		}
	}
}

func setNodeCondition(c *Cluster, name string, typ corev1.NodeConditionType, status corev1.ConditionStatus) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.platformChanged() // as every change to a node does
	n := c.nodes[name]
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == typ {
			n.Status.Conditions[i].Status = status
			c.record(KindNode, "", name, string(typ), string(status))
			return nil
		}
	}
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ, Status: status})
	c.record(KindNode, "", name, string(typ), string(status))
	return nil
}

// An admin's cordon survives the rollout: the MCO cordons, drains and
// uncordons only the nodes it picks (its daemon asks for "drain-<config>"
// then "uncordon-<config>" through the node's
// machineconfiguration.openshift.io/desiredDrain annotation, the drain
// controller records what it did in lastAppliedDrain), and it never picks a
// cordoned node. With capacity left the other nodes update; the cordoned
// one stays cordoned and outdated, so the pool is not Updated.
// MCO: pkg/controller/drain/drain_controller.go syncNode and drainNode,
// pkg/daemon/daemon.go completeUpdate, pkg/daemon/drain.go performDrain,
// pkg/controller/node/node_controller.go getAllCandidateMachines.
func TestMCOAdminCordonSurvivesRollout(t *testing.T) {
	ctx := context.Background()
	c := platformCluster(t)
	c.AddPools(update.MachineConfigPool{Name: "worker", MaxUnavailable: 2})
	c.AddNodes(worker("w1", "", 3*time.Hour), worker("w2", "", 2*time.Hour), worker("w3", "", time.Hour))
	if err := c.Cordon("w1", true); err != nil {
		t.Fatal(err)
	}
	desire(t, c, "4.15.3", DefaultPlatformUpdate+6*time.Hour)
	if got := drained(c); got["w1"] || !got["w2"] || !got["w3"] {
		t.Errorf("drained %v; want w2 and w3, never the cordoned w1", got)
	}
	if !node(t, c, "w1").Spec.Unschedulable {
		t.Error("the admin's cordon of w1 was lifted")
	}
	if node(t, c, "w2").Spec.Unschedulable || node(t, c, "w3").Spec.Unschedulable {
		t.Error("the MCO uncordons the nodes it drained once they run the new config")
	}
	p := workerPool(t, c)
	if p.Updated() || p.UpdatedMachineCount != 2 || p.ReadyMachineCount != 2 || p.UnavailableMachineCount != 1 {
		t.Errorf("pool = %+v; want 2 of 3 updated and ready, the cordoned node unavailable", p)
	}
	cv, _ := c.GetClusterVersion(ctx)
	if cv.Updating() {
		t.Errorf("a worker pool held up does not hold up the update: %+v", cv.History)
	}
}

// The drain controller cordons again a node someone uncordons while the
// MCO drains it.
// MCO: pkg/controller/drain/drain_controller.go drainNode ("External actor
// has unexpectedly uncordoned node").
func TestMCOCordonsAgainDuringItsDrain(t *testing.T) {
	c := platformCluster(t)
	c.AddNodes(worker("w1", "", 3*time.Hour), worker("w2", "", time.Hour))
	c.AddVMIs(newVMI("ns", "stuck", "w1", LauncherImage("4.14.3"), migratable(false), eviction(kubevirtv1.EvictionStrategyLiveMigrate), ownedByVM()))
	desire(t, c, "4.15.3", DefaultPlatformUpdate+time.Minute)
	if !drained(c)["w1"] {
		t.Fatal("w1 is being drained")
	}
	if err := c.Cordon("w1", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if !node(t, c, "w1").Spec.Unschedulable {
		t.Error("the MCO's drain keeps the node it drains cordoned")
	}
}

// maxUnavailable is an int or a percentage of the pool's nodes, rounded
// down, never below 1 (0 does not stop updates; pausing does).
// MCO: pkg/controller/node/node_controller.go maxUnavailable
// (intstrutil.GetScaledValueFromIntOrPercent(&v, len(nodes), false): round
// down; 0 → 1; unset → 1).
func TestMCOMaxUnavailableScaled(t *testing.T) {
	i := func(n int) *intstr.IntOrString { v := intstr.FromInt32(int32(n)); return &v }
	s := func(p string) *intstr.IntOrString { v := intstr.FromString(p); return &v }
	for _, tt := range []struct {
		reason string
		v      *intstr.IntOrString
		nodes  int
		want   int
	}{
		{"unset is 1", nil, 10, 1},
		{"a count is taken as is", i(3), 10, 3},
		{"0 is 1: it does not stop updates", i(0), 10, 1},
		{"25% of 8 is 2", s("25%"), 8, 2},
		{"25% of 10 is 2.5, rounded down to 2", s("25%"), 10, 2},
		{"50% of 3 is 1.5, rounded down to 1", s("50%"), 3, 1},
		{"10% of 5 is 0.5, rounded down to 0, then 1", s("10%"), 5, 1},
		{"0% is 1", s("0%"), 5, 1},
		{"100% is every node", s("100%"), 4, 4},
		{"a percentage of an empty pool is 1", s("50%"), 0, 1},
	} {
		got, err := scaledMaxUnavailable(tt.v, tt.nodes)
		if err != nil || got != tt.want {
			t.Errorf("%s: scaled = %d, %v; want %d", tt.reason, got, err, tt.want)
		}
	}
}

// A pool with maxUnavailable "25%" of 8 nodes updates 2 at a time, and the
// port reads the resolved count, as the kube adapter does.
func TestMCOMaxUnavailablePercentRollout(t *testing.T) {
	c := platformCluster(t)
	for _, n := range []string{"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"} {
		c.AddNodes(worker(n, "", time.Hour))
	}
	if err := c.SetPoolMaxUnavailable("worker", intstr.FromString("25%")); err != nil {
		t.Fatal(err)
	}
	if p := workerPool(t, c); p.MaxUnavailable != 2 {
		t.Errorf("MaxUnavailable reads %d, want 25%% of 8 = 2", p.MaxUnavailable)
	}
	desire(t, c, "4.15.3", DefaultPlatformUpdate+time.Second)
	most := int32(0)
	for range 60 {
		if p := workerPool(t, c); p.UnavailableMachineCount > most {
			most = p.UnavailableMachineCount
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if p := workerPool(t, c); most != 2 || !p.Updated() {
		t.Errorf("at most %d nodes were unavailable at once (want 2), pool %+v", most, p)
	}
}

func TestSetPoolMaxUnavailableRefuses(t *testing.T) {
	for _, tt := range []struct {
		reason string
		pool   string
		v      intstr.IntOrString
		want   error
	}{
		{"a negative count", "worker", intstr.FromInt32(-1), update.ErrInvalid},
		{"a word", "worker", intstr.FromString("half"), update.ErrInvalid},
		{"over 100%", "worker", intstr.FromString("150%"), update.ErrInvalid},
		{"a fraction", "worker", intstr.FromString("12.5%"), update.ErrInvalid},
		{"a number without %", "worker", intstr.FromString("2"), update.ErrInvalid},
		{"a pool that does not exist", "infra", intstr.FromInt32(1), update.ErrNotFound},
	} {
		c := platformCluster(t)
		err := c.SetPoolMaxUnavailable(tt.pool, tt.v)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.reason, err, tt.want)
		}
		if err != nil && tt.want == update.ErrInvalid && !strings.Contains(err.Error(), tt.v.String()) {
			t.Errorf("%s: the error %q does not name the value %s", tt.reason, err, tt.v.String())
		}
	}
}

// During a rollout only updated nodes count as ready; a node that has not
// been updated yet is neither updated nor ready.
// MCO: pkg/controller/common/helpers.go GetMachinesByState ("A node must be
// updated to be considered Ready").
func TestMCOReadyCountsUpdatedNodesOnly(t *testing.T) {
	c := platformCluster(t)
	c.AddNodes(worker("w1", "", 3*time.Hour), worker("w2", "", 2*time.Hour), worker("w3", "", time.Hour))
	desire(t, c, "4.15.3", DefaultPlatformUpdate+DefaultNodeReboot+time.Second)
	p := workerPool(t, c)
	if p.UpdatedMachineCount != 1 || p.ReadyMachineCount != 1 || p.UnavailableMachineCount != 1 {
		t.Errorf("pool = %+v; want w1 updated and ready, w2 rebooting (unavailable), w3 outdated (neither)", p)
	}
}
