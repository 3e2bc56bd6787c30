package kubetest

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// TestClusterVersionObject: what the ClusterVersion CRD requires
// (openshift/api config/v1 zz_generated.crd-manifests
// 0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml:
// release.image, and each condition's lastTransitionTime) is filled in
// where the port's view has none, and nothing else is invented.
func TestClusterVersionObject(t *testing.T) {
	risk := channel.Risk{Name: "R", Message: "m", URL: "https://example.com/r", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}
	since := metav1.NewTime(FixtureTime.AddDate(0, 1, 0))
	cv := ClusterVersionObject(&update.ClusterVersion{
		History:          []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.16.3"}},
		AvailableUpdates: []string{"4.16.4"},
		ConditionalUpdates: []update.ConditionalUpdate{
			{Version: "4.16.5", Risks: []channel.Risk{risk}, Recommended: metav1.Condition{Status: metav1.ConditionFalse, Reason: "ExposedToRisks"}},
			{Version: "4.16.6", Risks: []channel.Risk{risk}, Recommended: metav1.Condition{Type: "Recommended", Status: metav1.ConditionTrue, Reason: "NotExposedToRisks", LastTransitionTime: since}},
			{Version: "4.17.0", Risks: []channel.Risk{risk}},
		},
	})
	for _, tt := range []struct {
		reason    string
		got, want string
	}{
		{"status.desired is the current version", cv.Status.Desired.Version, "4.16.3"},
		{"an available update has an image", cv.Status.AvailableUpdates[0].Image, ReleaseImage("4.16.4")},
		{"a conditional update has an image", cv.Status.ConditionalUpdates[0].Release.Image, ReleaseImage("4.16.5")},
		{"Recommended is the condition's type when the view leaves it out", cv.Status.ConditionalUpdates[0].Conditions[0].Type, "Recommended"},
		{"a zero lastTransitionTime becomes FixtureTime", cv.Status.ConditionalUpdates[0].Conditions[0].LastTransitionTime.UTC().String(), FixtureTime.String()},
		{"a given lastTransitionTime is kept", cv.Status.ConditionalUpdates[1].Conditions[0].LastTransitionTime.UTC().String(), since.UTC().String()},
		{"the risk's rule", string(cv.Status.ConditionalUpdates[0].Risks[0].MatchingRules[0].Type), "Always"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.reason, tt.got, tt.want)
		}
	}
	if n := len(cv.Status.ConditionalUpdates[2].Conditions); n != 0 {
		t.Errorf("an entry the CVO has not evaluated has %d conditions, want none", n)
	}
}
