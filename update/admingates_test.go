package update_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtupdate/virtupdate/update"
)

// The cases follow cluster-version-operator pkg/risk/adminack/adminack_test.go
// (TestOperator_upgradeableSync's admin-ack cases and adminack.go's
// checkAdminGate): a gate applies to the release whose minor it names
// (^ack-([4-5][.][0-9]{1,})-[^-]), needs a non-empty description, and is
// acknowledged only by the value "true" in openshift-config/admin-acks;
// a missing ConfigMap holds the update back.
func TestAdminGatesUnacked(t *testing.T) {
	const current = "4.21.3"
	for _, tt := range []struct {
		reason string
		gates  update.AdminGates
		want   []string // name: message
	}{
		{reason: "an admin-ack gate of another minor does not apply",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.8-test": "Testing"}, Acks: map[string]string{}}},
		{reason: "a gate without a value is itself a gate",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-test": ""}, Acks: map[string]string{}},
			want:  []string{"ack-4.21-test: the admin-gates gate ack-4.21-test must contain a non-empty value"}},
		{reason: "an admin ack is required",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-test": "Description."}, Acks: map[string]string{}},
			want:  []string{"ack-4.21-test: Description."}},
		{reason: "one applies, one is for the next minor",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-test": "Description A.", "ack-4.22-test": "Description B."}},
			want:  []string{"ack-4.21-test: Description A."}},
		{reason: "several required, sorted by name",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-b": "Description 2.", "ack-4.21-a": "Description 1.", "ack-4.21-c": "Description 3."}},
			want:  []string{"ack-4.21-a: Description 1.", "ack-4.21-b: Description 2.", "ack-4.21-c: Description 3."}},
		{reason: "an admin ack found",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-test": "Description."}, Acks: map[string]string{"ack-4.21-test": "true"}}},
		{reason: "two of three acknowledged",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-a": "1.", "ack-4.21-b": "2.", "ack-4.21-c": "3."},
				Acks: map[string]string{"ack-4.21-a": "true", "ack-4.21-c": "true"}},
			want: []string{"ack-4.21-b: 2."}},
		{reason: "only the value true acknowledges",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-a": "1."}, Acks: map[string]string{"ack-4.21-a": "True"}},
			want:  []string{"ack-4.21-a: 1."}},
		{reason: "a gate name of another form is invalid, and a gate",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21": "no name after the version"}},
			want:  []string{`ack-4.21: the admin-gates gate "ack-4.21" is invalid: a gate's name is ack-<major>.<minor>-<name>`}},
		{reason: "admin-acks missing: every applicable gate holds, and the missing ConfigMap is said",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.21-a": "1."}, AcksMissing: true},
			want:  []string{": the ConfigMap admin-acks in openshift-config does not exist", "ack-4.21-a: 1."}},
		{reason: "admin-acks missing holds the update back even when no gate applies (the CVO's lister Get fails: AdminAckUnknown)",
			gates: update.AdminGates{Gates: map[string]string{"ack-4.20-old": "1."}, AcksMissing: true},
			want:  []string{": the ConfigMap admin-acks in openshift-config does not exist"}},
		{reason: "admin-gates missing holds the update back",
			gates: update.AdminGates{GatesMissing: true},
			want:  []string{": the ConfigMap admin-gates in openshift-config-managed does not exist"}},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			var got []string
			for _, g := range tt.gates.Unacked(current) {
				got = append(got, g.Name+": "+g.Message)
				if !strings.HasPrefix(g.URL, "https://") {
					t.Errorf("gate %q has URL %q", g.Name, g.URL)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("unacked (-want +got):\n%s", d)
			}
		})
	}
}

func TestAdminGateURLIsTheFirstLinkOfItsValue(t *testing.T) {
	got := update.AdminGates{Gates: map[string]string{"ack-4.21-x": "read https://example.com/a then https://example.com/b"}}.Unacked("4.21.0")
	if len(got) != 1 || got[0].URL != "https://example.com/a" {
		t.Fatalf("got %+v, want the first https link", got)
	}
}

// The CVO applies admin-ack gates to major and minor updates only
// (pkg/risk/adminack/adminack.go: upgradeable.MajorAndMinorUpdates).
func TestAdminGatesDoNotHoldAZStream(t *testing.T) {
	s := baseState()
	s.gates = update.AdminGates{Gates: map[string]string{"ack-4.14-x": "Read this."}}
	for _, tt := range []struct {
		reason string
		opts   update.PreflightOptions
		want   bool
	}{
		{"a z-stream is not held", update.PreflightOptions{Kind: update.KindZStream, From: update.Versions{OCP: "4.14.20"}, To: "4.14.30"}, false},
		{"a minor update is", update.PreflightOptions{Kind: update.KindMinor, From: update.Versions{OCP: "4.14.20"}, To: "4.15.3"}, true},
	} {
		got, err := update.Preflight(t.Context(), s.cluster(), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range got {
			if f.Check == update.CheckAdminAcks {
				found = true
				if !strings.Contains(f.Remedy, `oc -n openshift-config patch configmap admin-acks --type=merge --patch '{"data":{"ack-4.14-x":"true"}}'`) {
					t.Errorf("%s: remedy %q does not give the command", tt.reason, f.Remedy)
				}
			}
		}
		if found != tt.want {
			t.Errorf("%s: AdminAcks finding = %v, want %v", tt.reason, found, tt.want)
		}
	}
}
