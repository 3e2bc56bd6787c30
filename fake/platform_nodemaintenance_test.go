package fake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

func nodeMaintenance(t *testing.T, c *Cluster, group, name string) update.NodeMaintenance {
	t.Helper()
	nms, err := c.ListNodeMaintenances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, nm := range nms {
		if nm.Group == group && nm.Name == name {
			return nm
		}
	}
	t.Fatalf("no NodeMaintenance %s/%s", group, name)
	return update.NodeMaintenance{}
}

// A NodeMaintenance of either API group puts its node into maintenance as
// the node-maintenance operator does: phase Running, the node cordoned and
// drained (a migratable VMI leaves by an evacuation migration), then phase
// Succeeded. Deleting it ends the maintenance: the node is uncordoned.
// node-maintenance-operator: internal/controller/nodemaintenance_controller.go
// Reconcile (initMaintenanceStatus → Running; RunCordonOrUncordon; RunNodeDrain,
// retried while pods are left; Succeeded once drained;
// stopNodeMaintenanceOnDeletion uncordons), api/v1beta1/nodemaintenance_types.go
// (Running, Succeeded, Failed). The kubevirt.io group is the same operator's
// older API.
func TestNodeMaintenanceCordonsAndDrains(t *testing.T) {
	for _, group := range []string{update.NodeMaintenanceKubeVirt, update.NodeMaintenanceMedik8s} {
		ctx := context.Background()
		c := platformCluster(t)
		c.AddNodes(worker("w1", "", 2*time.Hour), worker("w2", "", time.Hour))
		c.AddVMIs(newVMI("ns", "db", "w1", LauncherImage("4.14.3"), migratable(true), eviction(kubevirtv1.EvictionStrategyLiveMigrate)))
		c.AddNodeMaintenances(update.NodeMaintenance{Group: group, Name: "nm-w1", NodeName: "w1", Reason: "firmware"})
		if err := c.Advance(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if nm := nodeMaintenance(t, c, group, "nm-w1"); nm.Phase != NodeMaintenanceRunning {
			t.Errorf("%s: phase %q while the VMI is still on the node, want Running", group, nm.Phase)
		}
		if !node(t, c, "w1").Spec.Unschedulable {
			t.Errorf("%s: the node is cordoned", group)
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
		if nm := nodeMaintenance(t, c, group, "nm-w1"); nm.Phase != NodeMaintenanceSucceeded {
			t.Errorf("%s: phase %q once drained, want Succeeded", group, nm.Phase)
		}
		vmis, _ := c.ListVMIs(ctx, update.ListOptions{})
		if len(vmis) != 1 || vmis[0].Status.NodeName != "w2" || vmis[0].Status.Phase != kubevirtv1.Running {
			t.Errorf("%s: the VMI moved to w2 and runs: %+v", group, vmis)
		}
		var phases []string
		for _, e := range c.Events() {
			if e.Kind == KindNodeMaintenance {
				phases = append(phases, e.Reason)
			}
		}
		if got := strings.Join(phases, " "); got != "Running Succeeded" {
			t.Errorf("%s: NodeMaintenance went %s, want Running Succeeded", group, got)
		}
		if err := c.DeleteNodeMaintenance(group, "nm-w1"); err != nil {
			t.Fatal(err)
		}
		if node(t, c, "w1").Spec.Unschedulable {
			t.Errorf("%s: deleting the NodeMaintenance uncordons the node", group)
		}
		if err := c.DeleteNodeMaintenance(group, "nm-w1"); !errors.Is(err, update.ErrNotFound) {
			t.Errorf("%s: deleting it twice: %v, want ErrNotFound", group, err)
		}
	}
}

// A drain that cannot finish (a VMI whose eviction is denied) keeps the
// NodeMaintenance Running; one for a node that does not exist is Failed.
// node-maintenance-operator: internal/controller/nodemaintenance_controller.go
// (RunNodeDrain error → requeue, phase stays Running; node not found →
// MaintenanceFailed).
func TestNodeMaintenanceThatCannotFinish(t *testing.T) {
	c := platformCluster(t)
	c.AddNodes(worker("w1", "", 2*time.Hour), worker("w2", "", time.Hour))
	c.AddVMIs(newVMI("ns", "stuck", "w1", LauncherImage("4.14.3"), migratable(false), eviction(kubevirtv1.EvictionStrategyLiveMigrate)))
	c.AddNodeMaintenances(
		update.NodeMaintenance{Group: update.NodeMaintenanceMedik8s, Name: "nm-w1", NodeName: "w1"},
		update.NodeMaintenance{Group: update.NodeMaintenanceMedik8s, Name: "nm-gone", NodeName: "w9"},
	)
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if nm := nodeMaintenance(t, c, update.NodeMaintenanceMedik8s, "nm-w1"); nm.Phase != NodeMaintenanceRunning {
		t.Errorf("a drain blocked by a VMI keeps the maintenance Running, got %q", nm.Phase)
	}
	if nm := nodeMaintenance(t, c, update.NodeMaintenanceMedik8s, "nm-gone"); nm.Phase != NodeMaintenanceFailed {
		t.Errorf("a NodeMaintenance for a missing node is Failed, got %q", nm.Phase)
	}
	if blocked := reasonsOf(c, "DrainBlocked"); len(blocked) != 1 {
		t.Errorf("the blocked drain is reported once: %v", blocked)
	}
}

// The node-maintenance operator can be switched off like any controller.
func TestNodeMaintenanceDisabled(t *testing.T) {
	c := platformCluster(t)
	c.AddNodes(worker("w1", "", time.Hour))
	c.AddNodeMaintenances(update.NodeMaintenance{Group: update.NodeMaintenanceMedik8s, Name: "nm", NodeName: "w1"})
	c.Disable(ControllerNodeMaintenance)
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if nm := nodeMaintenance(t, c, update.NodeMaintenanceMedik8s, "nm"); nm.Phase != "" || node(t, c, "w1").Spec.Unschedulable {
		t.Errorf("with the operator disabled nothing happens: %+v", nm)
	}
}
