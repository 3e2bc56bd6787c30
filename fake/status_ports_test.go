package fake

import (
	"context"
	"slices"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// statusScenario is a small cluster for a z-stream platform update: the
// control plane takes 60m, then the MCO rolls the master node and the two
// workers one at a time, each draining (no VMs: at once) and rebooting 5m.
const statusPortsScenario = `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes:
  - {name: "master-{i}", count: 1, role: master}
  - {name: "worker-{i}", count: 2}
`

func statusPortsCluster(t *testing.T) *Cluster {
	t.Helper()
	s, err := ParseScenario([]byte(statusPortsScenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

// operatorsAt counts the ClusterOperators whose "operator" version is v,
// and returns the machine-config one.
func operatorsAt(t *testing.T, c *Cluster, v string) (int, update.ClusterOperator) {
	t.Helper()
	cos, err := c.ListClusterOperators(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var mco update.ClusterOperator
	for _, co := range cos {
		if co.Versions[0].Version == v {
			n++
		}
		if co.Name == ClusterOperatorMachineConfig {
			mco = co
		}
	}
	return n, mco
}

func conditionOf(co update.ClusterOperator, typ string) metav1.Condition {
	for _, c := range co.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

// TestClusterOperatorsFollowTheUpdate: the payload's operators reach the
// target one after another over the control plane's time, machine-config
// last, once the update completes: the MCO's ClusterOperator reports the
// new version only after the master pool has rolled out (MCO
// pkg/operator/status.go syncVersion); the CVO waits for each operator to
// declare the release's versions before it goes on (CVO
// pkg/cvo/internal/operatorstatus.go checkOperatorHealth).
func TestClusterOperatorsFollowTheUpdate(t *testing.T) {
	c := statusPortsCluster(t)
	total := len(PayloadClusterOperators)
	for _, tt := range []struct {
		reason   string
		advance  time.Duration
		atTarget func(n int) bool
		mco      string // machine-config's version
		mcoProg  metav1.ConditionStatus
	}{
		{"half way through the control plane: about half updated", 30 * time.Minute,
			func(n int) bool { return n >= total/2-1 && n <= total/2+1 }, "4.14.20", metav1.ConditionFalse},
		{"the control plane done: all but machine-config, which rolls the pools", 31 * time.Minute,
			func(n int) bool { return n == total-1 }, "4.14.20", metav1.ConditionTrue},
		{"the update completed: every operator", 3 * time.Hour,
			func(n int) bool { return n == total }, "4.14.21", metav1.ConditionFalse},
	} {
		if err := c.Advance(tt.advance); err != nil {
			t.Fatal(err)
		}
		n, mco := operatorsAt(t, c, "4.14.21")
		if !tt.atTarget(n) || mco.Versions[0].Version != tt.mco || conditionOf(mco, "Progressing").Status != tt.mcoProg {
			t.Errorf("%s: %d of %d at the target, machine-config %s Progressing=%s", tt.reason, n, total, mco.Versions[0].Version, conditionOf(mco, "Progressing").Status)
		}
	}
	cv, _ := c.GetClusterVersion(context.Background())
	if cv.Updating() {
		t.Fatal("the update did not complete")
	}
}

// TestClusterOperatorConditionOverlay: a condition set with
// SetClusterOperatorCondition replaces the modelled one of its type.
func TestClusterOperatorConditionOverlay(t *testing.T) {
	c := statusPortsCluster(t)
	if err := c.SetClusterOperatorCondition("etcd", configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorDegraded,
		Status: configv1.ConditionTrue, Reason: "EtcdMembersDegraded", Message: "1 of 3 members is unhealthy"}); err != nil {
		t.Fatal(err)
	}
	cos, _ := c.ListClusterOperators(context.Background())
	i := slices.IndexFunc(cos, func(co update.ClusterOperator) bool { return co.Name == "etcd" })
	if i < 0 {
		t.Fatal("no etcd")
	}
	d := conditionOf(cos[i], "Degraded")
	var degraded int
	for _, x := range cos[i].Conditions {
		if x.Type == "Degraded" {
			degraded++
		}
	}
	if d.Status != metav1.ConditionTrue || d.Reason != "EtcdMembersDegraded" || degraded != 1 {
		t.Errorf("etcd conditions = %+v", cos[i].Conditions)
	}
}

// TestMachineConfigStateFollowsTheRollout: the rendered configs of both
// releases exist; a node is first on the old one (desired = current,
// Done), then, picked by the MCO, asks for a drain to the pool's target
// (Working, desiredDrain drain-<target> not yet applied), reboots (the
// drain applied, post-config-action Rebooting) and ends on the target
// (Done, uncordon applied) — the annotations the machine-config daemon and
// the drain controller write (MCO pkg/daemon/daemon.go, pkg/daemon/update.go
// reboot, pkg/controller/drain/drain_controller.go).
func TestMachineConfigStateFollowsTheRollout(t *testing.T) {
	c := statusPortsCluster(t)
	old, target := RenderedConfigName("worker", "4.14.20"), RenderedConfigName("worker", "4.14.21")
	a := c.MachineConfigDaemonAnnotations("worker-0")
	if a[update.NodeCurrentConfigAnnotation] != old || a[update.NodeDesiredConfigAnnotation] != old || a[update.NodeStateAnnotation] != "Done" {
		t.Fatalf("before the rollout: %v", a)
	}
	if got := c.PoolTargetConfig("worker"); got != old {
		t.Errorf("pool target during the control plane = %s, want %s", got, old)
	}
	// Past the control plane, the MCO picks one worker and drains it.
	if err := c.Advance(60 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := c.PoolTargetConfig("worker"); got != target {
		t.Errorf("pool target after the control plane = %s, want %s", got, target)
	}
	var seen []string
	for range 40 {
		for _, n := range []string{"worker-0", "worker-1"} {
			a := c.MachineConfigDaemonAnnotations(n)
			switch {
			case a[update.NodeDesiredDrainAnnotation] == "drain-"+target && a[update.NodeLastAppliedDrainAnnotation] != "drain-"+target:
				seen = appendOnce(seen, "draining")
				if a[update.NodeStateAnnotation] != "Working" || a[update.NodeDesiredConfigAnnotation] != target || a[update.NodeCurrentConfigAnnotation] != old {
					t.Errorf("draining %s: %v", n, a)
				}
			case a[update.NodeLastAppliedDrainAnnotation] == "drain-"+target:
				seen = appendOnce(seen, "rebooting")
				if a["machineconfiguration.openshift.io/post-config-action"] != "Rebooting" {
					t.Errorf("rebooting %s: %v", n, a)
				}
			case a[update.NodeCurrentConfigAnnotation] == target:
				seen = appendOnce(seen, "done")
				if a[update.NodeDesiredConfigAnnotation] != target || a[update.NodeStateAnnotation] != "Done" || a[update.NodeDesiredDrainAnnotation] != "uncordon-"+target {
					t.Errorf("done %s: %v", n, a)
				}
			}
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(seen, []string{"rebooting", "done"}) && !slices.Equal(seen, []string{"draining", "rebooting", "done"}) {
		t.Errorf("phases seen %v, want the node to reboot and end on the target", seen)
	}
	mcs, _ := c.ListMachineConfigs(context.Background())
	var names []string
	for _, mc := range mcs {
		names = append(names, mc.Name+"="+mc.ReleaseVersion)
	}
	for _, want := range []string{old + "=4.14.20", target + "=4.14.21", RenderedConfigName("master", "4.14.21") + "=4.14.21"} {
		if !slices.Contains(names, want) {
			t.Errorf("MachineConfigs %v lack %s", names, want)
		}
	}
	if c.MachineConfigDaemonAnnotations("nope") != nil || c.PoolTargetConfig("nope") != "" {
		t.Error("an unknown node or pool has annotations or a target")
	}
}

func appendOnce(s []string, v string) []string {
	if !slices.Contains(s, v) {
		s = append(s, v)
	}
	return s
}
