package fake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
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

// history builds a ClusterVersion history, newest first, every entry
// Completed.
func history(versions ...string) []update.UpdateHistory {
	out := make([]update.UpdateHistory, len(versions))
	for i, v := range versions {
		out[i] = update.UpdateHistory{State: update.UpdateCompleted, Version: v}
	}
	return out
}

// cvCluster is a cluster with the given history and no operator that holds
// back an update.
func cvCluster(t *testing.T, h ...update.UpdateHistory) *Cluster {
	t.Helper()
	c := NewCluster(Options{Start: t0, Seed: 1})
	c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.14", History: h})
	c.AddPools(update.MachineConfigPool{Name: "worker"}, update.MachineConfigPool{Name: "master"})
	return c
}

func desire(t *testing.T, c *Cluster, version string, d time.Duration) *update.ClusterVersion {
	t.Helper()
	ctx := context.Background()
	if err := c.SetDesiredUpdate(ctx, version); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(d); err != nil {
		t.Fatal(err)
	}
	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cv
}

// The CVO runs its preconditions on the payload it loads and, when one
// blocks, reports ReleaseAccepted=False with reason PreconditionChecks and
// a message quoting each failed check.
// CVO: pkg/cvo/sync_worker.go syncPayload (Step "PreconditionChecks",
// "Preconditions failed for payload loaded version=%q image=%q: %v"),
// pkg/cvo/status.go setReleaseAcceptedCondition (reason = the step),
// pkg/payload/precondition/precondition.go Summarize,
// pkg/payload/precondition/clusterversion/gianthop.go and rollback.go.
func TestCVORefusals(t *testing.T) {
	for _, tt := range []struct {
		reason  string
		from    []string
		desired string
		want    string // the ReleaseAccepted message, whole
	}{
		{"a minor skip is refused by GiantHop", []string{"4.14.20"}, "4.16.3",
			`Preconditions failed for payload loaded version="4.16.3" image="quay.io/openshift-release-dev/ocp-release:4.16.3-x86_64": ` +
				`Precondition "ClusterVersionGiantHop" failed because of "MultipleMinorVersionsUpdate": 4.16.3 is more than one minor version beyond the current target 4.14.20 (4.16 > 4.(14+1)), and only updates within the current minor version or to the next minor version are supported.`},
		{"an older version that is not the previous one is refused by Rollback", []string{"4.14.20", "4.14.18"}, "4.14.9",
			`Preconditions failed for payload loaded version="4.14.9" image="quay.io/openshift-release-dev/ocp-release:4.14.9-x86_64": ` +
				`Precondition "ClusterVersionRollback" failed because of "LowDesiredVersion": 4.14.9 is less than the current target 4.14.20, and the only supported rollback is to the cluster's previous version 4.14.18 (quay.io/openshift-release-dev/ocp-release:4.14.18-x86_64)`},
		{"going back to the previous version across a minor is refused", []string{"4.15.3", "4.14.20"}, "4.14.20",
			`Preconditions failed for payload loaded version="4.14.20" image="quay.io/openshift-release-dev/ocp-release:4.14.20-x86_64": ` +
				`Precondition "ClusterVersionRollback" failed because of "LowDesiredVersion": 4.14.20 is less than the current target 4.15.3 and matches the cluster's previous version, but rollbacks that change major or minor versions are not recommended`},
		{"going back with no previous version is refused", []string{"4.14.20"}, "4.14.19",
			`Preconditions failed for payload loaded version="4.14.19" image="quay.io/openshift-release-dev/ocp-release:4.14.19-x86_64": ` +
				`Precondition "ClusterVersionRollback" failed because of "LowDesiredVersion": 4.14.19 is less than the current target 4.14.20, and the cluster has no previous Semantic Version`},
		{"no major jump from 4.14 (only the 4.22 CVO allows 5.0)", []string{"4.14.20"}, "5.0.0",
			`Preconditions failed for payload loaded version="5.0.0" image="quay.io/openshift-release-dev/ocp-release:5.0.0-x86_64": ` +
				`Precondition "ClusterVersionGiantHop" failed because of "MajorVersionUpdate": 5.0.0 has a larger major version than the current target 4.14.20 (5 > 4), and only updates within the current major version are supported.`},
		{"a version that does not parse fails both version checks", []string{"4.14.20"}, "four",
			"Preconditions failed for payload loaded version=\"four\" image=\"quay.io/openshift-release-dev/ocp-release:four-x86_64\": Multiple precondition checks failed:\n" +
				`* Precondition "ClusterVersionRollback" failed because of "InvalidDesiredVersion": ` + parseErr("four") + "\n" +
				`* Precondition "ClusterVersionGiantHop" failed because of "InvalidDesiredVersion": ` + parseErr("four")},
	} {
		c := cvCluster(t, history(tt.from...)...)
		cv := desire(t, c, tt.desired, time.Hour)
		if cv.Updating() || cv.CurrentVersion() != tt.from[0] {
			t.Errorf("%s: the update started: %+v", tt.reason, cv.History)
		}
		cond := meta(cv.Conditions, "ReleaseAccepted")
		if cond.Status != metav1.ConditionFalse || cond.Reason != ReasonPreconditionChecks || cond.Message != tt.want {
			t.Errorf("%s: ReleaseAccepted = %s/%s %q\nwant False/PreconditionChecks %q", tt.reason, cond.Status, cond.Reason, cond.Message, tt.want)
		}
		if n := len(reasonsOf(c, "UpdateRejected")); n != 1 {
			t.Errorf("%s: the refusal is reported %d times, want once", tt.reason, n)
		}
		// Asked for the version it runs, the CVO accepts its payload again
		// (pkg/cvo/sync_worker.go: "Resetting payload status to currently
		// loaded payload").
		cv = desire(t, c, tt.from[0], time.Minute)
		if cond := meta(cv.Conditions, "ReleaseAccepted"); cond.Status != metav1.ConditionTrue || cond.Reason != ReasonPayloadLoaded || cv.Updating() {
			t.Errorf("%s: back to the current version, ReleaseAccepted = %+v", tt.reason, cond)
		}
	}
}

func parseErr(v string) string {
	_, err := channel.ParseVersion(v)
	return err.Error()
}

func reasonsOf(c *Cluster, reason string) []Event {
	var out []Event
	for _, e := range c.Events() {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// CVO: pkg/payload/precondition/clusterversion/gianthop.go (release-4.22:
// 4 → 5.0 is the only major update; release-4.20 and release-4.21 refuse
// any major update; the minor check compares minors whatever the majors).
func TestCVOGiantHop(t *testing.T) {
	for _, tt := range []struct {
		reason, from, to, want string
	}{
		{"the next minor", "4.14.20", "4.15.3", ""},
		{"a z-stream", "4.14.20", "4.14.25", ""},
		{"4.22 → 5.0 is the next minor", "4.22.5", "5.0.1", ""},
		{"4.22 → 5.1 is a major update beyond 5.0", "4.22.5", "5.1.0", ReasonMajorVersionUpdate},
		{"4.21 → 5.0: the 4.21 CVO has no 5.0 exception", "4.21.9", "5.0.0", ReasonMajorVersionUpdate},
		{"5.0 → 5.2 skips a minor", "5.0.3", "5.2.0", ReasonMultipleMinorVersionsUpdate},
		{"4.14 → 4.16 skips a minor", "4.14.20", "4.16.0", ReasonMultipleMinorVersionsUpdate},
		{"going back a minor is the Rollback check's business", "4.15.3", "4.14.20", ""},
	} {
		c := cvCluster(t, history(tt.from)...)
		got := ""
		if e := c.checkGiantHop(tt.to); e != nil {
			got = e.reason
		}
		if got != tt.want {
			t.Errorf("%s: GiantHop %s → %s = %q, want %q", tt.reason, tt.from, tt.to, got, tt.want)
		}
	}
	c := cvCluster(t, history("4.22.5")...)
	if e := c.checkGiantHop("5.1.0"); e == nil || !strings.Contains(e.message, "or to 5.0 are supported") {
		t.Errorf("from 4.22 the message names 5.0 as the exception: %+v", e)
	}
}

// A z-stream rollback to the cluster's previous version is accepted, also
// while the update away from it is in flight; the interrupted entry keeps
// state Partial and gets a completion time.
// CVO: pkg/payload/precondition/clusterversion/rollback.go (the previous
// version is the newest history entry of another version; same minor
// only), pkg/cvo/status.go mergeOperatorHistory (a new desired version
// closes the last entry and pushes a Partial one).
func TestCVORollbackToPreviousVersion(t *testing.T) {
	c := cvCluster(t, history("4.14.20", "4.14.18")...)
	cv := desire(t, c, "4.14.18", time.Minute)
	if !cv.Updating() || cv.History[0].Version != "4.14.18" {
		t.Fatalf("a rollback to the previous z-stream is accepted: %+v", cv.History)
	}
	if cond := meta(cv.Conditions, "ReleaseAccepted"); cond.Status != metav1.ConditionTrue || cond.Reason != ReasonPayloadLoaded {
		t.Errorf("ReleaseAccepted = %+v, want True/PayloadLoaded", cond)
	}

	c = cvCluster(t, history("4.14.18")...)
	cv = desire(t, c, "4.14.20", 10*time.Minute)
	if !cv.Updating() {
		t.Fatalf("the update to 4.14.20 is in flight: %+v", cv.History)
	}
	cv = desire(t, c, "4.14.18", time.Minute)
	if len(cv.History) != 3 || cv.History[0].Version != "4.14.18" || cv.History[0].State != update.UpdatePartial ||
		cv.History[1].Version != "4.14.20" || cv.History[1].State != update.UpdatePartial || cv.History[1].CompletionTime.IsZero() {
		t.Fatalf("history after the rollback mid-update = %+v; want 4.14.18 Partial, then 4.14.20 Partial with a completion time, then 4.14.18", cv.History)
	}
	if err := c.Advance(DefaultPlatformUpdate); err != nil {
		t.Fatal(err)
	}
	cv, _ = c.GetClusterVersion(context.Background())
	if cv.Updating() || cv.CurrentVersion() != "4.14.18" {
		t.Errorf("the rollback completes: %+v", cv.History)
	}
}

// The ClusterVersion's Upgradeable comes from the ClusterOperators: one
// that is Upgradeable=False makes it False with the operator's reason and
// "Cluster operator X should not be upgraded between minor or major
// versions: <message>"; a minor update is then refused by the Upgradeable
// precondition with that reason and message, and a z-stream is not. While
// an update is in progress Upgradeable is False too (UpdateInProgress), so
// with both the reason is MultipleReasons.
// CVO: release-4.22 pkg/cvo/upgradeable.go (clusterOperatorsUpgradeable,
// upgradeInProgressUpgradeable, setUpgradeableConditions; on main the same
// comes from pkg/risk/upgradeable/upgradeable.go),
// pkg/payload/precondition/clusterversion/upgradeable.go (patch-level
// updates pass; minor and major ones are refused with the condition's
// reason and message).
func TestCVOUpgradeableFromClusterOperators(t *testing.T) {
	c := cvCluster(t, history("4.14.20")...)
	msg := "Kubelet minor versions on 1 nodes are behind the expected API server version; nevertheless, they will continue to be supported in the next OpenShift minor version upgrade."
	if err := c.SetClusterOperatorCondition("kube-apiserver", configv1.ClusterOperatorStatusCondition{
		Type: configv1.OperatorUpgradeable, Status: configv1.ConditionFalse, Reason: "KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade", Message: msg}); err != nil {
		t.Fatal(err)
	}
	cv := desire(t, c, "4.15.3", time.Minute)
	up := meta(cv.Conditions, "Upgradeable")
	wantUp := "Cluster operator kube-apiserver should not be upgraded between minor or major versions: " + msg
	if up.Status != metav1.ConditionFalse || up.Reason != "KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade" || up.Message != wantUp {
		t.Errorf("ClusterVersion Upgradeable = %s/%s %q, want False with the operator's reason and %q", up.Status, up.Reason, up.Message, wantUp)
	}
	if cv.Updating() {
		t.Fatalf("a minor update while a ClusterOperator is not upgradeable must be refused: %+v", cv.History)
	}
	acc := meta(cv.Conditions, "ReleaseAccepted")
	if want := `Precondition "ClusterVersionUpgradeable" failed because of "KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade": ` + wantUp; acc.Reason != ReasonPreconditionChecks || !strings.HasSuffix(acc.Message, want) {
		t.Errorf("ReleaseAccepted = %s %q, want PreconditionChecks ending %q", acc.Reason, acc.Message, want)
	}

	cv = desire(t, c, "4.14.25", time.Minute)
	if !cv.Updating() || cv.History[0].Version != "4.14.25" {
		t.Fatalf("a z-stream update is not gated by Upgradeable=False: %+v", cv.History)
	}
	up = meta(cv.Conditions, "Upgradeable")
	if up.Reason != "MultipleReasons" || !strings.Contains(up.Message, "for multiple reasons: KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade,UpdateInProgress\n* ") ||
		meta(cv.Conditions, "UpgradeableClusterOperators").Status != metav1.ConditionFalse || meta(cv.Conditions, "UpgradeableUpgradeInProgress").Status != metav1.ConditionTrue {
		t.Errorf("during the update Upgradeable = %+v (conditions %+v), want MultipleReasons with both checks beside it", up, cv.Conditions)
	}
	cv = desire(t, c, "4.15.3", time.Minute)
	if cv.History[0].Version != "4.14.25" || !strings.Contains(meta(cv.Conditions, "ReleaseAccepted").Message, `failed because of "MultipleReasons"`) {
		t.Errorf("retargeting a z-stream update to a minor is refused while not upgradeable: %+v %+v", cv.History, meta(cv.Conditions, "ReleaseAccepted"))
	}

	if err := c.SetClusterOperatorCondition("kube-apiserver", configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorUpgradeable, Status: configv1.ConditionTrue}); err != nil {
		t.Fatal(err)
	}
	cv = desire(t, c, "4.14.25", 2*DefaultPlatformUpdate)
	if cv.Updating() || cv.CurrentVersion() != "4.14.25" {
		t.Fatalf("the z-stream completes: %+v", cv.History)
	}
	if _, ok := condition(cv.Conditions, "Upgradeable"); ok {
		t.Errorf("with nothing holding back a minor update the CVO removes Upgradeable: %+v", cv.Conditions)
	}
	cv = desire(t, c, "4.15.3", time.Minute)
	if !cv.Updating() || cv.History[0].Version != "4.15.3" {
		t.Errorf("once upgradeable again the minor update starts: %+v", cv.History)
	}
}

func condition(conds []metav1.Condition, typ string) (metav1.Condition, bool) {
	for _, c := range conds {
		if c.Type == typ {
			return c, true
		}
	}
	return metav1.Condition{}, false
}

// HCO's Upgradeable condition does not gate the platform: the CVO reads
// ClusterOperators, and HCO is not one. (HCO's Upgradeable=False holds back
// the next CNV CSV in OLM instead: TestOLMHoldsNextCSVWhileHCOUpgrades.)
// CVO: release-4.22 pkg/cvo/upgradeable.go clusterOperatorsUpgradeable
// (lists config.openshift.io ClusterOperators only).
func TestCVOIgnoresHyperConvergedUpgradeable(t *testing.T) {
	c := platformCluster(t)
	c.Disable(ControllerHCO)
	c.mu.Lock()
	c.hco.Status.Conditions = []metav1.Condition{{Type: "Upgradeable", Status: metav1.ConditionFalse, Reason: "KubeVirtNotUpgradeable", Message: "x"}}
	c.mu.Unlock()
	cv := desire(t, c, "4.15.3", time.Minute)
	if !cv.Updating() || cv.History[0].Version != "4.15.3" {
		t.Errorf("HyperConverged Upgradeable=False must not hold back an OpenShift minor update: %+v %+v", cv.History, cv.Conditions)
	}
}

// The update completes (history Completed, Progressing False) only once the
// master pool has rolled out: the MCO's ClusterOperator waits for the pools
// labelled required-for-upgrade, and a paused one never syncs. Worker pools
// finish after.
// MCO: pkg/operator/sync.go syncRequiredMachineConfigPools.
func TestCVOCompletesAfterMasterPool(t *testing.T) {
	for _, tt := range []struct {
		reason        string
		pausedPool    string
		wantCompleted bool
	}{
		{"the update waits for the master nodes, then completes", "", true},
		{"a paused worker pool does not hold back the update", "worker", true},
		{"a paused master pool holds it back for good", update.MasterPool, false},
	} {
		ctx := context.Background()
		c := platformCluster(t)
		c.AddNodes(worker("w1", "a", time.Hour))
		for i := range 3 {
			c.AddNodes(corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("m%d", i), Labels: map[string]string{LabelRoleMaster: ""}}})
		}
		if tt.pausedPool != "" {
			_ = c.SetPoolPaused(ctx, tt.pausedPool, true)
		}
		cv := desire(t, c, "4.15.3", DefaultPlatformUpdate)
		if !cv.Updating() {
			t.Fatalf("%s: the update completed when the control plane did, before the master pool: %+v", tt.reason, cv.History)
		}
		if p := meta(cv.Conditions, "Progressing"); p.Status != metav1.ConditionTrue || !strings.Contains(p.Message, "waiting on machine-config: ") {
			t.Errorf("%s: Progressing = %+v, want True waiting on machine-config", tt.reason, p)
		}
		if err := c.Advance(6 * DefaultNodeReboot); err != nil {
			t.Fatal(err)
		}
		cv, _ = c.GetClusterVersion(ctx)
		if got := !cv.Updating() && cv.CurrentVersion() == "4.15.3"; got != tt.wantCompleted {
			t.Errorf("%s: completed = %v, want %v: %+v", tt.reason, got, tt.wantCompleted, cv.History)
		}
		p := meta(cv.Conditions, "Progressing")
		switch {
		case tt.wantCompleted && (p.Status != metav1.ConditionFalse || p.Message != "Cluster version is 4.15.3"):
			t.Errorf("%s: Progressing = %+v, want False", tt.reason, p)
		case !tt.wantCompleted && !strings.Contains(p.Message, "required MachineConfigPool master is paused and cannot sync until it is unpaused"):
			t.Errorf("%s: Progressing = %+v, want it to say the master pool is paused", tt.reason, p)
		}
		if tt.wantCompleted {
			completed := cv.History[0].CompletionTime
			for _, e := range c.Events() {
				if e.Kind == KindMachineConfigPool && e.Name == update.MasterPool && e.Reason == "Updated" && e.Time.After(completed) {
					t.Errorf("%s: the master pool finished at %v, after the update completed at %v", tt.reason, e.Time, completed)
				}
			}
		}
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
	// MCO: pkg/controller/node/node_controller.go sortNodeList.
	want := "w-a-old w-a-new w-b-new w-nozone-old w-nozone-new"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("drain order = %s; want zones alphabetically, oldest first, no zone last: %s", got, want)
	}
	pools, _ := c.ListMachineConfigPools(ctx)
	if w := pools[1]; !w.Updated() || w.MachineCount != 5 {
		t.Errorf("worker pool = %+v, want all 5 updated", w)
	}
}

// MCO: pkg/controller/node/node_controller.go (a paused pool gets no new
// desired config; at most maxUnavailable nodes at a time).
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
	pools, _ := c.ListMachineConfigPools(ctx)
	if u := meta(pools[1].Conditions, PoolConditionUpdating); u.Status != metav1.ConditionFalse || u.Message != "Pool is paused; will not update to MachineConfig rendered-worker-4.15.3" {
		t.Errorf("paused pool Updating = %+v, want False saying it is paused (MCO: pkg/controller/node/status.go calculateStatus)", u)
	}
	if err := c.SetPoolPaused(ctx, "worker", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	pools, _ = c.ListMachineConfigPools(ctx)
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

// The MCO's drain evicts the launcher pods; KubeVirt's eviction webhook
// turns the eviction of a migratable LiveMigrate VMI into an evacuation
// migration (429, retried until the VMI has left) and lets the eviction of
// an evictionStrategy None VMI through (the VMI shuts down; runStrategy
// Always restarts it elsewhere).
// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go,
// pkg/virt-controller/watch/drain/evacuation/evacuation.go;
// MCO: pkg/controller/drain/drain_controller.go (drain.Helper retries).
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

// A non-migratable VMI with evictionStrategy LiveMigrate is never evicted:
// its node's drain, and with maxUnavailable 1 its pool, stall.
// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go
// ("is configured with an eviction strategy but is not live-migratable").
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

// A node that does not come back from its reboot is NotReady: unavailable,
// not degraded (the machine-config daemon, which reports Degraded, does not
// run on it), and with maxUnavailable 1 its pool stalls.
// MCO: pkg/controller/common/helpers.go GetMachinesByState (degraded only
// by the daemon's state annotation), layered_node_state.go CheckNodeReady.
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
	if w := pools[1]; w.Updated() || w.UnavailableMachineCount != 1 || w.DegradedMachineCount != 0 || w.UpdatedMachineCount != 0 || w.ReadyMachineCount != 0 {
		t.Errorf("a node that does not come back stalls the pool (maxUnavailable 1), unavailable but not degraded: %+v", w)
	}
	if got := reasonsOf(c, "NoCapacity"); len(got) != 1 || !strings.Contains(got[0].Message, "node w1 did not come back from its reboot") {
		t.Errorf("the stall is reported once, naming the node: %v", got)
	}
}
