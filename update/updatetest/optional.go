package updatetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// testAdminGates pins the optional AdminGatesReader port: the data of the
// CVO's openshift-config-managed/admin-gates and openshift-config/admin-acks
// ConfigMaps as stored, and a missing ConfigMap reported as missing, not as
// an error (cluster-version-operator pkg/risk/adminack/adminack.go). A
// cluster whose NewCluster does not seed Fixture.AdminGates (both
// ConfigMaps read as missing) skips the case.
func testAdminGates(t *testing.T, newCluster NewCluster) {
	const gate = "ack-4.14-kube-1.28-api-removals-in-4.15"
	for _, tt := range []struct {
		name   string
		gates  update.AdminGates
		reason string
	}{
		{"acknowledged", update.AdminGates{
			Gates: map[string]string{gate: "Kubernetes 1.28 and therefore OpenShift 4.15 remove several APIs: https://access.redhat.com/articles/6958394"},
			Acks:  map[string]string{gate: "true"}},
			"both ConfigMaps, with their data as written"},
		{"acks missing", update.AdminGates{
			Gates:       map[string]string{gate: "Kubernetes 1.28 removes APIs"},
			AcksMissing: true},
			"admin-acks does not exist: missing, not an error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.gates
			c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil), AdminGates: &want})
			ar, ok := c.(update.AdminGatesReader)
			if !ok {
				t.Skip("this cluster does not implement the optional update.AdminGatesReader port")
			}
			got, err := ar.GetAdminGates(t.Context())
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if got.GatesMissing && got.AcksMissing && len(got.Gates) == 0 && len(got.Acks) == 0 {
				t.Skip("neither admin-ack ConfigMap exists: this NewCluster does not seed Fixture.AdminGates")
			}
			if got.GatesMissing != want.GatesMissing || got.AcksMissing != want.AcksMissing ||
				!maps.Equal(got.Gates, want.Gates) || !maps.Equal(got.Acks, want.Acks) {
				t.Errorf("%s: read %+v, want %+v", tt.reason, got, want)
			}
			if gates := got.Unacked("4.14.20"); (len(gates) == 0) != (want.Acks[gate] == "true") {
				t.Errorf("%s: unacknowledged gates %+v", tt.reason, gates)
			}
		})
	}
}

// testConditionalUpdates pins status.conditionalUpdates through
// GetClusterVersion: each entry's version, its risks with their matching
// rules, and its Recommended condition (openshift/api config/v1
// types_cluster_version.go ConditionalUpdate). A cluster whose NewCluster
// does not seed ClusterVersion.ConditionalUpdates (none read back) skips
// the case.
func testConditionalUpdates(t *testing.T, newCluster NewCluster) {
	at := metav1.NewTime(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC))
	risk := channel.Risk{Name: "OVNInterConnectTransition", Message: "Clusters on OVN-Kubernetes may lose connectivity during the update.",
		URL: "https://issues.redhat.com/browse/OCPBUGS-0000",
		MatchingRules: []channel.MatchingRule{
			{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: `group(cluster_infrastructure_provider{type="AWS"})`}},
			{Type: channel.RuleAlways}}}
	want := []update.ConditionalUpdate{
		{Version: "4.14.25", Risks: []channel.Risk{risk}, Recommended: metav1.Condition{Type: "Recommended", Status: metav1.ConditionFalse,
			Reason: "OVNInterConnectTransition", Message: risk.Message + " " + risk.URL, LastTransitionTime: at}},
		{Version: "4.14.30", Risks: []channel.Risk{{Name: "Always", Message: "Evaluated as recommended.", URL: "https://example.com/risk",
			MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}},
			Recommended: metav1.Condition{Type: "Recommended", Status: metav1.ConditionTrue, Reason: "AsExpected", Message: "The update is recommended.", LastTransitionTime: at}},
	}
	c := newCluster(t, Fixture{
		HyperConverged: HyperConverged(nil),
		ClusterVersion: &update.ClusterVersion{Channel: "stable-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}},
			AvailableUpdates: []string{"4.14.30"}, ConditionalUpdates: want},
	})
	cv, err := c.GetClusterVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cv.ConditionalUpdates) == 0 {
		t.Skip("no status.conditionalUpdates read back: this NewCluster does not seed ClusterVersion.ConditionalUpdates")
	}
	if len(cv.ConditionalUpdates) != len(want) {
		t.Fatalf("%d conditional updates %+v, want %d", len(cv.ConditionalUpdates), cv.ConditionalUpdates, len(want))
	}
	for i, w := range want {
		g := cv.ConditionalUpdates[i]
		if g.Version != w.Version {
			t.Errorf("conditionalUpdates[%d].version %q, want %q", i, g.Version, w.Version)
		}
		if !slices.EqualFunc(g.Risks, w.Risks, equalRisk) {
			t.Errorf("conditionalUpdates[%d] (%s) risks %+v, want %+v", i, w.Version, g.Risks, w.Risks)
		}
		r := g.Recommended
		if r.Type != w.Recommended.Type || r.Status != w.Recommended.Status || r.Reason != w.Recommended.Reason || r.Message != w.Recommended.Message ||
			!r.LastTransitionTime.Equal(&w.Recommended.LastTransitionTime) {
			t.Errorf("conditionalUpdates[%d] (%s) Recommended %+v, want %+v", i, w.Version, r, w.Recommended)
		}
	}
	if !slices.Equal(cv.AvailableUpdates, []string{"4.14.30"}) {
		t.Errorf("availableUpdates %v, want [4.14.30] (the recommended conditional one is also available)", cv.AvailableUpdates)
	}
}

func equalRisk(a, b channel.Risk) bool {
	return a.Name == b.Name && a.Message == b.Message && a.URL == b.URL &&
		slices.EqualFunc(a.MatchingRules, b.MatchingRules, func(x, y channel.MatchingRule) bool {
			if x.Type != y.Type || (x.PromQL == nil) != (y.PromQL == nil) {
				return false
			}
			return x.PromQL == nil || x.PromQL.PromQL == y.PromQL.PromQL
		})
}
