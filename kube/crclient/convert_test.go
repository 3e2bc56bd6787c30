package crclient

import (
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/virtupdate/virtupdate/kube"
)

// TestClusterVersionConditionalUpdates: the adapter reads the
// ClusterVersion through kube's conversion, status.conditionalUpdates
// with it (the CVO's Recommended condition, cluster-version-operator
// pkg/cvo/availableupdates.go evaluateConditionalUpdate), as the kube
// adapter does.
func TestClusterVersionConditionalUpdates(t *testing.T) {
	cv := &configv1.ClusterVersion{ObjectMeta: metav1.ObjectMeta{Name: kube.ClusterVersionName}, Status: configv1.ClusterVersionStatus{
		Desired:          configv1.Release{Version: "4.16.3"},
		AvailableUpdates: []configv1.Release{{Version: "4.16.4"}},
		ConditionalUpdates: []configv1.ConditionalUpdate{{Release: configv1.Release{Version: "4.16.5"},
			Risks:      []configv1.ConditionalUpdateRisk{{Name: "R", Message: "m", URL: "https://example.com/r", MatchingRules: []configv1.ClusterCondition{{Type: "Always"}}}},
			Conditions: []metav1.Condition{{Type: "Recommended", Status: metav1.ConditionFalse, Reason: "ExposedToRisks"}}}},
	}}
	c, err := New(fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(cv).Build(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetClusterVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := kube.ClusterVersionFrom(cv)
	if len(got.ConditionalUpdates) != 1 || got.ConditionalUpdates[0].Version != "4.16.5" ||
		got.ConditionalUpdates[0].Recommended.Reason != "ExposedToRisks" || len(got.ConditionalUpdates[0].Risks) != 1 {
		t.Errorf("ConditionalUpdates = %+v, want %+v", got.ConditionalUpdates, want.ConditionalUpdates)
	}
	if len(got.AvailableUpdates) != 1 || got.AvailableUpdates[0] != "4.16.4" {
		t.Errorf("AvailableUpdates = %v, want [4.16.4]", got.AvailableUpdates)
	}
}
