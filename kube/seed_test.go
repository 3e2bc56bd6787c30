package kube

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestSeederResources: the shared seeder writes the resources the adapter
// reads, and Wipe deletes the checkpoints the adapter writes.
func TestSeederResources(t *testing.T) {
	for _, tt := range []struct {
		reason        string
		adapter, seed schema.GroupVersionResource
	}{
		{"KubeVirt", KubeVirtResource, kubetest.KubeVirtResource},
		{"VMI", VMIResource, kubetest.VMIResource},
		{"VM", VMResource, kubetest.VMResource},
		{"migration", MigrationResource, kubetest.MigrationResource},
		{"Subscription", SubscriptionResource, kubetest.SubscriptionResource},
		{"CSV", CSVResource, kubetest.CSVResource},
		{"InstallPlan", InstallPlanResource, kubetest.InstallPlanResource},
		{"ClusterVersion", ClusterVersionResource, kubetest.ClusterVersionResource},
		{"ClusterOperator", ClusterOperatorResource, kubetest.ClusterOperatorResource},
		{"MachineConfigPool", MachineConfigPoolResource, kubetest.MachineConfigPoolResource},
		{"MachineConfig", MachineConfigResource, kubetest.MachineConfigResource},
		{"HyperConverged v1beta1", HyperConvergedResource, kubetest.HyperConvergedResource(HyperConvergedV1Beta1)},
	} {
		if tt.adapter != tt.seed {
			t.Errorf("%s: the adapter reads %v, the seeder writes %v", tt.reason, tt.adapter, tt.seed)
		}
	}
	if !slices.Equal(NodeMaintenanceResources, kubetest.NodeMaintenanceResources) {
		t.Errorf("NodeMaintenance: the adapter reads %v, the seeder writes %v", NodeMaintenanceResources, kubetest.NodeMaintenanceResources)
	}
	if CheckpointLabel != kubetest.CheckpointLabel || ClusterVersionName != kubetest.ClusterVersionName {
		t.Errorf("checkpoint label %q / %q, ClusterVersion name %q / %q: want the same", CheckpointLabel, kubetest.CheckpointLabel, ClusterVersionName, kubetest.ClusterVersionName)
	}
}

// TestAdminGatesSeeded reads the admin-ack ConfigMaps the shared seeder
// writes (the CVO reads openshift-config-managed/admin-gates and
// openshift-config/admin-acks, cluster-version-operator
// pkg/risk/adminack/adminack.go); a ConfigMap the fixture marks missing is
// not created, and GetAdminGates reports it missing.
func TestAdminGatesSeeded(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	gates := map[string]string{"ack-4.8-kube-1.22-api-removals-in-4.9": "Kubernetes 1.22 and therefore OpenShift 4.9 remove several APIs."}
	acks := map[string]string{"ack-4.8-kube-1.22-api-removals-in-4.9": "true"}
	for _, tt := range []struct {
		reason string
		seed   *update.AdminGates
		want   update.AdminGates
	}{
		{"both ConfigMaps", &update.AdminGates{Gates: gates, Acks: acks}, update.AdminGates{Gates: gates, Acks: acks}},
		{"admin-acks missing", &update.AdminGates{Gates: gates, AcksMissing: true}, update.AdminGates{Gates: gates, AcksMissing: true}},
		{"admin-gates missing", &update.AdminGates{GatesMissing: true, Acks: acks}, update.AdminGates{GatesMissing: true, Acks: acks}},
		{"none seeded", nil, update.AdminGates{GatesMissing: true, AcksMissing: true}},
	} {
		a.wipe(t) // deletes the ConfigMaps of the case before
		if err := a.seeder().SeedAdminGates(t.Context(), tt.seed); err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		got, err := c.GetAdminGates(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if got.GatesMissing != tt.want.GatesMissing || got.AcksMissing != tt.want.AcksMissing ||
			!maps.Equal(got.Gates, tt.want.Gates) || !maps.Equal(got.Acks, tt.want.Acks) {
			t.Errorf("%s: GetAdminGates = %+v, want %+v", tt.reason, got, tt.want)
		}
	}
}

// TestConditionalUpdatesSeeded writes a ClusterVersion's
// status.availableUpdates and status.conditionalUpdates through the real
// CRD (openshift/api config/v1 ClusterVersion, Default feature set: each
// conditional update has a release and one risk at least, each risk a
// name, message, URL and one matching rule at least) and reads them back
// through the port: versions, risks with their PromQL and Always rules,
// and the Recommended condition the CVO sets
// (cluster-version-operator pkg/cvo/availableupdates.go
// evaluateConditionalUpdate); an entry not evaluated yet has none.
func TestConditionalUpdatesSeeded(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	risk := channel.Risk{Name: "VSphereNodeNameChanges", Message: "Nodes may be renamed.", URL: "https://access.redhat.com/solutions/0000000",
		MatchingRules: []channel.MatchingRule{{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: `cluster_infrastructure_provider{type="VSphere"}`}}, {Type: channel.RuleAlways}}}
	exposed := metav1.Condition{Type: "Recommended", Status: metav1.ConditionFalse, Reason: "ExposedToRisks",
		Message: "The update is not recommended, because the cluster is exposed to VSphereNodeNameChanges.", LastTransitionTime: metav1.NewTime(kubetest.FixtureTime)}
	notExposed := metav1.Condition{Type: "Recommended", Status: metav1.ConditionTrue, Reason: "NotExposedToRisks",
		Message: "The update is recommended, because none of the conditional update risks apply to this cluster."} // lastTransitionTime filled by the seeder
	want := &update.ClusterVersion{
		Channel: "stable-4.16", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.16.3"}},
		AvailableUpdates: []string{"4.16.4", "4.16.6"},
		ConditionalUpdates: []update.ConditionalUpdate{
			{Version: "4.16.5", Risks: []channel.Risk{risk}, Recommended: exposed},
			{Version: "4.16.6", Risks: []channel.Risk{risk}, Recommended: notExposed},
			{Version: "4.17.0", Risks: []channel.Risk{risk}},
		},
	}
	a.seed(t, updatetest.Fixture{ClusterVersion: want})
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetClusterVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.AvailableUpdates, want.AvailableUpdates) {
		t.Errorf("AvailableUpdates = %v, want %v", got.AvailableUpdates, want.AvailableUpdates)
	}
	wantCU := slices.Clone(want.ConditionalUpdates)
	wantCU[1].Recommended.LastTransitionTime = metav1.NewTime(kubetest.FixtureTime)
	if len(got.ConditionalUpdates) != len(wantCU) {
		t.Fatalf("ConditionalUpdates = %+v, want %+v", got.ConditionalUpdates, wantCU)
	}
	for i := range wantCU {
		g, w := got.ConditionalUpdates[i], wantCU[i]
		if g.Version != w.Version || !reflect.DeepEqual(g.Risks, w.Risks) ||
			g.Recommended.Type != w.Recommended.Type || g.Recommended.Status != w.Recommended.Status || g.Recommended.Reason != w.Recommended.Reason ||
			g.Recommended.Message != w.Recommended.Message || !g.Recommended.LastTransitionTime.Equal(&w.Recommended.LastTransitionTime) {
			t.Errorf("conditional update %d = %+v, want %+v", i, g, w)
		}
	}
}
