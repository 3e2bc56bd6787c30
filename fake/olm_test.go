package fake

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

func newCNVCluster(t *testing.T, approval, ocp string, catalog ...string) *Cluster {
	t.Helper()
	c := NewCluster(Options{Seed: 1})
	c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: ocp}}})
	c.SetHyperConverged(update.HyperConverged{})
	c.SetOperator(Operator{Version: "4.14.3", Approval: approval, Catalog: catalog})
	return c
}

func csvPhases(t *testing.T, c *Cluster) string {
	t.Helper()
	csvs, err := c.ListCSVs(context.Background(), update.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, x := range csvs {
		parts = append(parts, x.Version+"="+string(x.Phase))
	}
	return strings.Join(parts, " ")
}

func TestOLMAutomaticZStreamGoesToLatestZ(t *testing.T) {
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.14.3", "4.14.4", "4.14.5", "4.15.0")
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.3=Replacing 4.14.5=Installing" {
		t.Fatalf("after approval-free start: %s; want the latest z 4.14.5 Installing and 4.14.3 Replacing (4.15.0 waits for OCP 4.15)", got)
	}
	if err := c.Advance(DefaultOperatorInstall); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.5=Succeeded" {
		t.Fatalf("after the install time: %s; want 4.14.5 Succeeded and the old CSV gone", got)
	}
	hc, _ := c.GetHyperConverged(context.Background())
	if hc.Status.OperatorVersion() != "4.14.3" {
		t.Fatalf("HCO reports %s before its components finish, want still 4.14.3", hc.Status.OperatorVersion())
	}
	if p := meta(hc.Status.Conditions, conditions.TypeProgressing); p.Reason != conditions.ReasonHCOUpgrading {
		t.Errorf("HCO Progressing = %+v, want HCOUpgrading", p)
	}
	if err := c.Advance(DefaultComponentUpdate); err != nil {
		t.Fatal(err)
	}
	hc, _ = c.GetHyperConverged(context.Background())
	if hc.Status.OperatorVersion() != "4.14.5" {
		t.Errorf("HCO version %q, want 4.14.5 once components finished", hc.Status.OperatorVersion())
	}
	if h := conditions.Evaluate(c.Clock(), hc.Status.Conditions, hc.Generation, conditions.EvaluateOptions{}); h.Verdict != conditions.VerdictSucceeded {
		t.Errorf("health after the update: %s %v", h.Verdict, h.Reasons)
	}
}

func TestOLMManualWaitsForApproval(t *testing.T) {
	ctx := context.Background()
	c := newCNVCluster(t, update.ApprovalManual, "4.14.20", "4.14.4")
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	ips, _ := c.ListInstallPlans(ctx, update.DefaultNamespace)
	if len(ips) != 1 || ips[0].Phase != update.InstallPlanRequiresApproval || ips[0].Approved {
		t.Fatalf("install plans = %+v, want one awaiting approval", ips)
	}
	if got := csvPhases(t, c); got != "4.14.3=Succeeded" {
		t.Fatalf("nothing installs before approval: %s", got)
	}
	if err := c.ApproveInstallPlan(ctx, update.DefaultNamespace, ips[0].Name); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(DefaultOperatorInstall); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.4=Succeeded" {
		t.Errorf("after approval and the install time: %s", got)
	}
}

func TestOLMMinorWaitsForOCP(t *testing.T) {
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.15.0", "4.15.2")
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.3=Succeeded" {
		t.Fatalf("CNV must not lead OCP: %s", got)
	}
	c.SetClusterVersion(update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.15.1"}}})
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.15.2=Succeeded" {
		t.Errorf("with OCP on 4.15 CNV goes to the latest 4.15 z: %s", got)
	}
}

func TestOLMPendingWhileNotUpgradeable(t *testing.T) {
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.14.4")
	c.mu.Lock()
	c.cnv.operatorUpgradeable = metav1.Condition{Type: conditions.TypeUpgradeable, Status: metav1.ConditionFalse, Message: "held by test"}
	c.mu.Unlock()
	c.Disable(ControllerHCO) // keep the condition as set
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	csvs, _ := c.ListCSVs(context.Background(), update.DefaultNamespace)
	u, err := conditions.ReadOperatorUpdate(csvs, "4.14.4")
	if err != nil {
		t.Fatal(err)
	}
	if !u.BlockedByUpgradeable || u.Phase != conditions.CSVPhasePending {
		t.Errorf("update = %+v, want the new CSV Pending, blocked by Upgradeable=False", u)
	}
}

func TestOLMInstallFailure(t *testing.T) {
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.14.4")
	c.FailNextOperatorInstalls(1)
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.3=Replacing 4.14.4=Failed" {
		t.Errorf("a failed install leaves both CSVs: %s", got)
	}
}

func TestOffered(t *testing.T) {
	catalog := []string{"4.13.9", "4.14.3", "4.14.4", "4.14.6", "4.15.0", "4.15.3", "4.16.1"}
	for _, tt := range []struct{ reason, installed, ocp, want string }{
		{"z-stream goes straight to the newest z of the minor", "4.14.3", "4.14.20", "4.14.6"},
		{"the newest z of the installed minor comes first, even with OCP on the next minor", "4.14.3", "4.15.1", "4.14.6"},
		{"a minor is offered once OCP is on it, newest z", "4.14.6", "4.15.1", "4.15.3"},
		{"the next minor waits for OCP", "4.14.6", "4.14.30", ""},
		{"never two minors at once", "4.14.6", "4.16.0", "4.15.3"},
		{"nothing newer", "4.16.1", "4.16.2", ""},
		{"older versions are never offered", "4.14.6", "4.14.20", ""},
		{"an unparsable installed version offers nothing", "garbage", "4.14.1", ""},
	} {
		if got := offered(tt.installed, tt.ocp, catalog); got != tt.want {
			t.Errorf("%s: offered(%s, %s) = %q, want %q", tt.reason, tt.installed, tt.ocp, got, tt.want)
		}
	}
}

func meta(conds []metav1.Condition, t string) metav1.Condition {
	for _, c := range conds {
		if c.Type == t {
			return c
		}
	}
	return metav1.Condition{}
}
