package fake

import (
	"context"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// CountVMIs of the outdated-launcher label (the verify step's poll) is kept
// counted, not scanned: at every instant of a rollout, in which VMIs are
// labelled, migrated, evicted and restarted, it equals what ListVMIs
// returns for the same selector, and another selector still scans.
// KubeVirt: pkg/virt-controller/watch/vmi/lifecycle.go (the VMI controller
// sets and removes kubevirt.io/outdatedLauncherImage as the launcher
// image differs from the installed one).
func TestCountVMIsOutdatedFollowsTheLabel(t *testing.T) {
	ctx := context.Background()
	c := zstreamCluster(t, 4, 60, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
	outdated := update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel}
	instants, seen := 0, 0
	check := func() bool {
		instants++
		n, err := c.CountVMIs(ctx, outdated)
		if err != nil {
			t.Fatal(err)
		}
		list, _ := c.ListVMIs(ctx, outdated)
		if n != len(list) {
			t.Fatalf("instant %d (%s): CountVMIs = %d, ListVMIs returns %d", instants, c.clock.Now(), n, len(list))
		}
		seen = max(seen, n)
		other, _ := c.CountVMIs(ctx, update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel, Namespace: "none"})
		if other != 0 {
			t.Fatalf("a namespace with no VMIs counts %d", other)
		}
		return allUpdated(c)()
	}
	done, err := c.RunUntil(check, 6*time.Hour)
	if err != nil || !done {
		t.Fatalf("the rollout did not finish: %v %v", done, err)
	}
	if seen == 0 || instants < 10 {
		t.Errorf("the label was counted on %d VMIs at most, over %d instants: the test saw nothing", seen, instants)
	}
}

// VMIStates says of each VMI what ListVMIs says, in the same order, at
// every instant of a rollout.
func TestVMIStatesAgreeWithListVMIs(t *testing.T) {
	c := zstreamCluster(t, 3, 12, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
	mixed := false
	check := func() bool {
		list, _ := c.ListVMIs(context.Background(), update.ListOptions{})
		states := c.VMIStates()
		if len(states) != len(list) || len(list) == 0 {
			t.Fatalf("%d states, %d VMIs", len(states), len(list))
		}
		outdated := 0
		for i, v := range list {
			_, o := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]
			want := VMIState{Namespace: v.Namespace, Name: v.Name, Node: v.Status.NodeName, Final: v.IsFinal(), Outdated: o}
			if states[i] != want {
				t.Fatalf("at %s, VMI %d: state %+v, ListVMIs says %+v", c.clock.Now(), i, states[i], want)
			}
			if o {
				outdated++
			}
		}
		mixed = mixed || (outdated > 0 && outdated < len(list))
		return allUpdated(c)()
	}
	if done, err := c.RunUntil(check, 6*time.Hour); err != nil || !done {
		t.Fatalf("the rollout did not finish: %v %v", done, err)
	}
	if !mixed {
		t.Error("no instant had outdated and updated VMIs both: the test saw nothing")
	}
}
