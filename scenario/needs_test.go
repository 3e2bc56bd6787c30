package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// TestClusterVersionPortConditionalUpdates: the port's view carries
// status.conditionalUpdates (the version, the risks with their matching
// rules in their order of precedence, the Recommended condition) and
// status.desired.version, and the object form keeps what the port gives.
// CVO: pkg/cvo/availableupdates.go evaluateConditionalUpdates and
// evaluateConditionalUpdate (the rules are walked in order; Recommended is
// the condition it sets).
func TestClusterVersionPortConditionalUpdates(t *testing.T) {
	o := loadExample(t)
	port := o.ClusterVersion.Port()
	if port.Target != "4.16.3" {
		t.Errorf("Target = %q, want status.desired.version 4.16.3", port.Target)
	}
	want := []update.ConditionalUpdate{{Version: "4.16.9",
		Risks: []channel.Risk{{Name: "OVNNetworkPolicyRace", Message: "Pods may lose connectivity briefly.", URL: "https://issues.example/OCPBUGS-1",
			MatchingRules: []channel.MatchingRule{
				{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: `group(cluster_operator_conditions{name="network"}) or 0 * group(cluster_operator_conditions)`}},
				{Type: channel.RuleAlways}}}},
		Recommended: o.ClusterVersion.ConditionalUpdates[0].Conditions[0]}}
	if d := cmp.Diff(want, port.ConditionalUpdates); d != "" {
		t.Errorf("the port's conditional updates (-want +got):\n%s", d)
	}
	back := ClusterVersionFromPort(port)
	if d := cmp.Diff(o.ClusterVersion.ConditionalUpdates, back.ConditionalUpdates); d != "" {
		t.Errorf("conditional updates through the port (-before +after):\n%s", d)
	}
	port.ConditionalUpdates[0].Risks[0].MatchingRules[0].PromQL.PromQL = "changed"
	if got := o.ClusterVersion.ConditionalUpdates[0].Risks[0].MatchingRules[0].PromQL.PromQL; got == "changed" {
		t.Error("the port's view shares the matching rule with the object form")
	}
}

func TestClusterVersionFromPort(t *testing.T) {
	started := time.Date(2026, 2, 10, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		reason      string
		port        update.ClusterVersion
		wantDesired string
		wantCU      []ConditionalUpdate
	}{
		{"status.desired.version is the port's Target, also while an update asked by image runs",
			update.ClusterVersion{Target: "4.16.9", History: []update.UpdateHistory{{State: update.UpdatePartial, Version: "4.16.8", StartedTime: started}}},
			"4.16.9", nil},
		{"without a Target, the newest history entry stands for it",
			update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.16.3", StartedTime: started}}},
			"4.16.3", nil},
		{"a conditional update the CVO has not evaluated has no Recommended condition",
			update.ClusterVersion{Target: "4.16.3", ConditionalUpdates: []update.ConditionalUpdate{{Version: "4.16.9",
				Risks: []channel.Risk{{Name: "R", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}}}}},
			"4.16.3", []ConditionalUpdate{{Release: Release{Version: "4.16.9"}, Risks: []Risk{{Name: "R", MatchingRules: []MatchingRule{{Type: RuleAlways}}}}}}},
		{"an evaluated one keeps its Recommended condition",
			update.ClusterVersion{Target: "4.16.3", ConditionalUpdates: []update.ConditionalUpdate{{Version: "4.16.9",
				Risks:       []channel.Risk{{Name: "R", MatchingRules: []channel.MatchingRule{{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: "vector(1)"}}}}},
				Recommended: metav1.Condition{Type: ConditionRecommended, Status: metav1.ConditionFalse, Reason: "R"}}}},
			"4.16.3", []ConditionalUpdate{{Release: Release{Version: "4.16.9"},
				Risks:      []Risk{{Name: "R", MatchingRules: []MatchingRule{{Type: RulePromQL, PromQL: &PromQLRule{PromQL: "vector(1)"}}}}},
				Conditions: []metav1.Condition{{Type: ConditionRecommended, Status: metav1.ConditionFalse, Reason: "R"}}}}},
	} {
		got := ClusterVersionFromPort(tt.port)
		if got.Desired.Version != tt.wantDesired {
			t.Errorf("%s: desired %q, want %q", tt.reason, got.Desired.Version, tt.wantDesired)
		}
		if d := cmp.Diff(tt.wantCU, got.ConditionalUpdates); d != "" {
			t.Errorf("%s: conditional updates (-want +got):\n%s", tt.reason, d)
		}
	}
}

// TestPoolPortNodeSelector: the pool's spec.nodeSelector, which picks its
// nodes, goes through the port both ways, copied.
// MCO: pkg/helpers/helpers.go GetNodesForPool (a pool's nodes are those
// its spec.nodeSelector selects).
func TestPoolPortNodeSelector(t *testing.T) {
	infra := &metav1.LabelSelector{MatchLabels: map[string]string{LabelRolePrefix + "infra": ""}}
	for _, tt := range []struct {
		reason string
		pool   MachineConfigPool
		want   *metav1.LabelSelector
	}{
		{"a custom pool's selector", MachineConfigPool{Name: "infra", NodeSelector: infra, MachineCount: 2}, infra},
		{"no selector stays unknown (the role label stands for it)", MachineConfigPool{Name: "worker"}, nil},
		{"an empty selector is kept: it selects every node", MachineConfigPool{Name: "all", NodeSelector: &metav1.LabelSelector{}}, &metav1.LabelSelector{}},
	} {
		port := tt.pool.Port()
		if d := cmp.Diff(tt.want, port.NodeSelector); d != "" {
			t.Errorf("%s: Port's selector (-want +got):\n%s", tt.reason, d)
		}
		back := PoolFromPort(port)
		if d := cmp.Diff(tt.want, back.NodeSelector); d != "" {
			t.Errorf("%s: PoolFromPort's selector (-want +got):\n%s", tt.reason, d)
		}
		if tt.want != nil && (port.NodeSelector == tt.pool.NodeSelector || back.NodeSelector == port.NodeSelector) {
			t.Errorf("%s: the selector is shared, not copied", tt.reason)
		}
	}
}

func TestOpenShiftVersion(t *testing.T) {
	for _, tt := range []struct {
		reason  string
		mutate  func(o *Objects)
		want    string
		wantErr []string // substrings of the error
	}{
		{"the newest Completed history entry", func(o *Objects) {}, "4.16.3", nil},
		{"a must-gather of kubevirt/must-gather alone: the remedy names OpenShift's image and the by-hand form",
			func(o *Objects) {
				o.ClusterVersion, o.Source.Kind, o.Missing = nil, SourceMustGather, []string{PartClusterVersion}
			}, "",
			[]string{"no ClusterVersion", "cannot be assumed", "--image-stream=openshift/must-gather", "oc get clusterversion version -o yaml", "clusterVersion: {channel: stable-4.18, history: [{state: Completed, version: 4.18.5}]}"}},
		{"a dump: the remedy is to add the ClusterVersion to it",
			func(o *Objects) { o.ClusterVersion, o.Source.Kind = nil, SourceDump }, "",
			[]string{"no ClusterVersion", "add the output of `oc get clusterversion version -o yaml` to the dump"}},
		{"a history without a completed update does not say the version",
			func(o *Objects) { o.ClusterVersion.History[0].State = update.UpdatePartial }, "",
			[]string{"clusterVersion.history has no Completed update"}},
		{"a ClusterVersion written by hand with the version alone is enough",
			func(o *Objects) {
				o.ClusterVersion = &ClusterVersion{Channel: "stable-4.18", History: []UpdateHistory{{State: update.UpdateCompleted, Version: "4.18.5"}}}
			}, "4.18.5", nil},
	} {
		o := loadExample(t)
		tt.mutate(o)
		got, err := o.OpenShiftVersion()
		if len(tt.wantErr) == 0 {
			if err != nil || got != tt.want {
				t.Errorf("%s: got %q, %v; want %q", tt.reason, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, ErrNoClusterVersion) {
			t.Errorf("%s: error %v does not wrap ErrNoClusterVersion", tt.reason, err)
			continue
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.reason, err, w)
			}
		}
	}
}

// TestHandWrittenClusterVersionParses: the by-hand form the remedy gives
// parses and says the version.
func TestHandWrittenClusterVersionParses(t *testing.T) {
	o, err := Parse([]byte("apiVersion: scenario.virtupdate/v1\nkind: Objects\nclusterVersion: {channel: stable-4.18, history: [{state: Completed, version: 4.18.5}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := o.OpenShiftVersion(); v != "4.18.5" || err != nil {
		t.Errorf("OpenShiftVersion = %q, %v; want 4.18.5", v, err)
	}
}

func TestDescribeMissing(t *testing.T) {
	for _, tt := range []struct {
		reason string
		o      Objects
		want   []string
		not    []string
	}{
		{"nothing lacked, nothing said", Objects{}, nil, nil},
		{"a missing ClusterVersion is told apart: a forecast needs it",
			Objects{Source: Source{Kind: SourceMustGather}, Missing: []string{PartClusterOperators, PartClusterVersion, PartPools}},
			[]string{"the source lacks the ClusterVersion, which a forecast needs", "cannot be assumed", "to do: gather with OpenShift's image too",
				"the source lacks: ClusterOperators, MachineConfigPools (a forecast holds none of them"},
			[]string{"assumes defaults"}},
		{"fields a live read lacks are listed", Objects{Missing: []string{"ClusterVersion.availableUpdates.channels"}},
			[]string{"the source lacks: ClusterVersion.availableUpdates.channels"}, []string{"which a forecast needs"}},
		{"withoutCNV is said", Objects{WithoutCNV: true, Missing: []string{PartNodeMaintenances}},
			[]string{"the cluster runs no OpenShift Virtualization", "a forecast plans OpenShift alone"}, nil},
	} {
		got := tt.o.DescribeMissing()
		if len(tt.want) == 0 && got != "" {
			t.Errorf("%s: got %q, want nothing", tt.reason, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q does not say %q", tt.reason, got, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q says %q", tt.reason, got, w)
			}
		}
	}
}

// TestWithoutCNVRoundTrip: withoutCNV is read, written and read back.
func TestWithoutCNVRoundTrip(t *testing.T) {
	o, err := Parse([]byte("apiVersion: scenario.virtupdate/v1\nkind: Objects\nwithoutCNV: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.WithoutCNV {
		t.Fatal("withoutCNV: true was not read")
	}
	out, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "withoutCNV: true") {
		t.Errorf("Marshal lost withoutCNV:\n%s", out)
	}
	if _, err := Parse([]byte("apiVersion: scenario.virtupdate/v1\nkind: Objects\nwithoutCNV: \"yes\"\n")); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "withoutCNV") {
		t.Errorf("withoutCNV: \"yes\": got %v, want an error naming withoutCNV", err)
	}
}
