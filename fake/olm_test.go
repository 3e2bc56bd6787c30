package fake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
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

// OLM: pkg/controller/registry/resolver/resolver.go (the newest entry with
// an edge from the installed CSV), pkg/controller/operators/olm/operator.go
// transitionCSVState (new CSV Installing, old one Replacing, then deleted).
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

// OLM: pkg/controller/operators/catalog/operator.go (a Manual InstallPlan
// is RequiresApproval until spec.approved).
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

// OLM: pkg/controller/operators/olm/operatorconditions.go
// isOperatorUpgradeable, pkg/controller/operators/olm/operator.go
// transitionCSVState (OperatorConditionNotUpgradeable).
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
	// OLM: pkg/controller/operators/olm/operator.go transitionCSVState
	// ("operator is not upgradeable: %s" of isOperatorUpgradeable's error,
	// pkg/controller/operators/olm/operatorconditions.go).
	if want := "operator is not upgradeable: the operator is not upgradeable: held by test"; u.ToCSV == "" || csvMessage(t, c, u.ToCSV) != want {
		t.Errorf("the Pending CSV's message = %q, want %q", csvMessage(t, c, u.ToCSV), want)
	}
}

func csvMessage(t *testing.T, c *Cluster, name string) string {
	t.Helper()
	csvs, _ := c.ListCSVs(context.Background(), update.DefaultNamespace)
	for _, x := range csvs {
		if x.Name == name {
			return x.Message
		}
	}
	return ""
}

// OLM: pkg/controller/operators/olm/operator.go transitionCSVState
// (Installing → Failed, "install timeout"; both CSVs remain).
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
		if got := offered(channel.OpenShift{}, tt.installed, tt.ocp, catalog); got != tt.want {
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

// HCO sets its OperatorCondition from its own Upgradeable: while HCO is
// upgrading it is False (AlreadyPerformingUpgrade), and OLM keeps the next
// CSV Pending until HCO is done.
// OLM: pkg/controller/operators/olm/operatorconditions.go
// isOperatorUpgradeable, pkg/controller/operators/olm/operator.go
// transitionCSVState (a CSV that replaces one not upgradeable stays
// Pending); HCO: pkg/util/operatorcondition.go, the hyperconverged
// controller's setOperatorUpgradeableStatus.
func TestOLMHoldsNextCSVWhileHCOUpgrades(t *testing.T) {
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.14.4")
	if err := c.Advance(DefaultOperatorInstall + time.Second); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.4=Succeeded" {
		t.Fatalf("4.14.4 installed: %s", got)
	}
	hc, _ := c.GetHyperConverged(context.Background())
	if hc.Status.OperatorVersion() != "4.14.3" {
		t.Fatalf("HCO is still upgrading its components: %s", hc.Status.OperatorVersion())
	}
	c.mu.Lock()
	c.cnv.catalog = append(c.cnv.catalog, "4.14.5") // a newer z-stream reaches the channel now
	c.mu.Unlock()
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	csvs, _ := c.ListCSVs(context.Background(), update.DefaultNamespace)
	u, err := conditions.ReadOperatorUpdate(csvs, "4.14.5")
	if err != nil {
		t.Fatal(err)
	}
	if !u.BlockedByUpgradeable || !strings.Contains(csvMessage(t, c, u.ToCSV), "upgrading the hyperConverged cluster operator to version 4.14.4") {
		t.Errorf("4.14.5 = %+v (%q), want Pending while HCO upgrades to 4.14.4", u, csvMessage(t, c, u.ToCSV))
	}
	if err := c.Advance(DefaultComponentUpdate + DefaultOperatorInstall); err != nil {
		t.Fatal(err)
	}
	if got := csvPhases(t, c); got != "4.14.5=Succeeded" {
		t.Errorf("once HCO finished, 4.14.5 installs: %s", got)
	}
}

func olmUpgradeable(t *testing.T, c *Cluster) configv1.ClusterOperatorStatusCondition {
	t.Helper()
	for _, co := range c.ClusterOperators() {
		if co.Name == ClusterOperatorOLM {
			if up := operatorCondition(&co, configv1.OperatorUpgradeable); up != nil {
				return *up
			}
		}
	}
	t.Fatal("OLM's ClusterOperator has no Upgradeable condition")
	return configv1.ClusterOperatorStatusCondition{}
}

// OLM's ClusterOperator is Upgradeable=False while an installed CSV's
// olm.maxOpenShiftVersion is below the next minor; that makes the
// ClusterVersion Upgradeable=False, which holds back the next OpenShift
// minor (not z-streams). The fake's CNV CSVs declare the minor after their
// own, so OpenShift goes first, CNV follows, and only then OpenShift goes
// on.
// OLM: pkg/controller/operators/openshift/helpers.go incompatibleOperators
// (max < nextY(current); message of skews.String, as before commit
// 73a220575), clusteroperator_controller.go setUpgradeable
// (IncompatibleOperatorsInstalled); CVO: release-4.22
// pkg/cvo/upgradeable.go, pkg/payload/precondition/clusterversion/upgradeable.go.
func TestOLMMaxOpenShiftVersionHoldsBackOCP(t *testing.T) {
	ctx := context.Background()
	c := newCNVCluster(t, update.ApprovalAutomatic, "4.14.20", "4.15.2")
	c.AddPools(update.MachineConfigPool{Name: update.MasterPool})
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if up := olmUpgradeable(t, c); up.Status != configv1.ConditionTrue {
		t.Fatalf("CNV 4.14 runs up to OCP 4.15: OLM Upgradeable = %+v", up)
	}
	cv := desire(t, c, "4.15.3", DefaultPlatformUpdate+time.Second)
	if cv.CurrentVersion() != "4.15.3" {
		t.Fatalf("OCP goes to 4.15 first: %+v %+v", cv.History, cv.Conditions)
	}
	up := olmUpgradeable(t, c)
	wantOLM := "ClusterServiceVersions blocking minor version upgrades to 4.16.0 or higher:\n" +
		"- maximum supported OCP version for openshift-cnv/kubevirt-hyperconverged-operator.v4.14.3 is 4.15"
	if up.Status != configv1.ConditionFalse || up.Reason != ReasonIncompatibleOperatorsInstalled || up.Message != wantOLM {
		t.Errorf("with OCP on 4.15 and CNV on 4.14, OLM Upgradeable = %+v, want False/%s %q", up, ReasonIncompatibleOperatorsInstalled, wantOLM)
	}
	if err := c.SetDesiredUpdate(ctx, "4.16.1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	cv, _ = c.GetClusterVersion(ctx)
	acc := meta(cv.Conditions, "ReleaseAccepted")
	wantCV := `Precondition "ClusterVersionUpgradeable" failed because of "IncompatibleOperatorsInstalled": Cluster operator operator-lifecycle-manager should not be upgraded between minor or major versions: ` + wantOLM
	if cv.Updating() || acc.Reason != ReasonPreconditionChecks || !strings.HasSuffix(acc.Message, wantCV) {
		t.Errorf("OCP 4.16 while CNV is on 4.14: %+v, ReleaseAccepted %q; want refused ending %q", cv.History, acc.Message, wantCV)
	}
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	cv, _ = c.GetClusterVersion(ctx)
	if !cv.Updating() || cv.History[0].Version != "4.16.1" {
		t.Errorf("once CNV is on 4.15, the refused OCP 4.16 update starts by itself: %+v (CSVs %s)", cv.History, csvPhases(t, c))
	}
}

// Any installed operator's olm.maxOpenShiftVersion counts; an invalid one
// blocks too (OLM fails closed); a z-stream is never held back.
// OLM: pkg/controller/operators/openshift/helpers.go maxOpenShiftVersion
// (quotes trimmed, semver.ParseTolerant, <major>.<minor> only),
// normalizeOCPVersion (4.23 and 5.0 are one release), skews.String.
func TestOLMMaxOpenShiftVersionOfOtherOperators(t *testing.T) {
	for _, tt := range []struct {
		reason, ocp, max string
		blocks           bool
		wantLine         string
	}{
		{"below the next minor", "4.14.20", "4.14", true, "- maximum supported OCP version for openshift-storage/odf-operator.v4.14.3 is 4.14"},
		{"the next minor", "4.14.20", "4.15", false, ""},
		{"a .0 patch is a minor", "4.14.20", "4.15.0", false, ""},
		{"a leading v and quotes are tolerated", "4.14.20", `"v4.15"`, false, ""},
		{"a patch other than 0 is invalid", "4.14.20", "4.15.2", true,
			"- openshift-storage/odf-operator.v4.14.3 has invalid olm.maxOpenShiftVersion properties: property olm.maxOpenShiftVersion must specify only <major>.<minor> version, got invalid value 4.15.2"},
		{"not a version", "4.14.20", "next", true, `has invalid olm.maxOpenShiftVersion properties: failed to parse "next" as semver`},
		{"4.23, the minor after 4.22, lets 4.22 go on", "4.22.3", "4.23", false, ""},
		{"5.0 lets 4.22 go on (OLM takes 4.23 and 5.0 for one release)", "4.22.3", "5.0", false, ""},
		{"4.22 holds 4.22 back", "4.22.3", "4.22", true, "- maximum supported OCP version for openshift-storage/odf-operator.v4.14.3 is 4.22"},
	} {
		c := cvCluster(t, history(tt.ocp)...)
		c.AddCSVs("openshift-storage", conditions.CSV{Name: "odf-operator.v4.14.3", Version: "4.14.3", Phase: conditions.CSVPhaseSucceeded})
		if err := c.SetCSVMaxOpenShiftVersion("openshift-storage", "odf-operator.v4.14.3", tt.max); err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		up := olmUpgradeable(t, c)
		if got := up.Status == configv1.ConditionFalse; got != tt.blocks || !strings.Contains(up.Message, tt.wantLine) {
			t.Errorf("%s: OLM Upgradeable = %s %q; want blocking=%v with %q", tt.reason, up.Status, up.Message, tt.blocks, tt.wantLine)
		}
		if tt.blocks && tt.ocp == "4.22.3" && !strings.HasPrefix(up.Message, "ClusterServiceVersions blocking minor version upgrades to 4.23 or major version upgrades to 5.0:\n") {
			t.Errorf("%s: the 4.22 OLM says 4.23 or 5.0: %q", tt.reason, up.Message)
		}
		v, _ := channel.ParseVersion(tt.ocp)
		z := fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()+1)
		if cv := desire(t, c, z, time.Second); !cv.Updating() {
			t.Errorf("%s: a z-stream is never held back: %+v", tt.reason, cv.Conditions)
		}
	}
}

func TestSetCSVMaxOpenShiftVersionNeedsTheCSV(t *testing.T) {
	c := cvCluster(t, history("4.14.20")...)
	if err := c.SetCSVMaxOpenShiftVersion("openshift-storage", "nope", "4.15"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	if err := c.SetClusterOperatorCondition(ClusterOperatorOLM, configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorUpgradeable, Status: configv1.ConditionFalse}); !errors.Is(err, update.ErrInvalid) {
		t.Errorf("setting OLM's ClusterOperator while the fake's OLM runs: err = %v, want ErrInvalid", err)
	}
	if err := c.SetClusterOperatorCondition("etcd", configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorUpgradeable, Status: "Maybe"}); !errors.Is(err, update.ErrInvalid) || !strings.Contains(err.Error(), `"Maybe"`) {
		t.Errorf("a status that is not True, False or Unknown: err = %v, want ErrInvalid naming it", err)
	}
}
