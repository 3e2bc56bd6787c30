package conditions

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const csvListJSONSample = `{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
     "metadata": {"name": "kubevirt-hyperconverged-operator.v4.14.3", "namespace": "openshift-cnv"},
     "spec": {"displayName": "OpenShift Virtualization", "version": "4.14.3", "replaces": "kubevirt-hyperconverged-operator.v4.14.2"},
     "status": {"phase": "Replacing", "reason": "BeingReplaced", "message": "being replaced by csv: kubevirt-hyperconverged-operator.v4.14.4"}},
    {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
     "metadata": {"name": "kubevirt-hyperconverged-operator.v4.14.4", "namespace": "openshift-cnv"},
     "spec": {"displayName": "OpenShift Virtualization", "version": "4.14.4", "replaces": "kubevirt-hyperconverged-operator.v4.14.3"},
     "status": {"phase": "Installing", "reason": "InstallSucceeded", "message": "waiting for install components to report healthy"}}
  ]
}`

func TestParseCSVList(t *testing.T) {
	got, err := ParseCSVList([]byte(csvListJSONSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []CSV{
		{Name: "kubevirt-hyperconverged-operator.v4.14.3", DisplayName: "OpenShift Virtualization", Version: "4.14.3",
			Replaces: "kubevirt-hyperconverged-operator.v4.14.2", Phase: CSVPhaseReplacing, Reason: "BeingReplaced",
			Message: "being replaced by csv: kubevirt-hyperconverged-operator.v4.14.4"},
		{Name: "kubevirt-hyperconverged-operator.v4.14.4", DisplayName: "OpenShift Virtualization", Version: "4.14.4",
			Replaces: "kubevirt-hyperconverged-operator.v4.14.3", Phase: CSVPhaseInstalling, Reason: "InstallSucceeded",
			Message: "waiting for install components to report healthy"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseCSVListErrors(t *testing.T) {
	for _, tt := range []struct{ reason, in, mention string }{
		{"not JSON", `{"kind": "List",`, "malformed JSON"},
		{"trailing garbage", `{"kind": "List"} {}`, "more than one value"},
		{"kind missing", `{"items": []}`, `field "kind" is missing`},
		{"wrong kind", `{"kind": "PodList", "items": []}`, `"kind" is "PodList"`},
		{"items not an array", `{"kind": "List", "items": {}}`, "field items must be an array, got object"},
		{"item of another kind", `{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]}`, `items[0].kind is "Pod"`},
		{"name missing", `{"kind": "List", "items": [{"metadata": {"name": "a"}}, {"metadata": {}}]}`, "items[1].metadata.name is empty"},
		{"version not a string", `{"kind": "List", "items": [{"metadata": {"name": "a"}, "spec": {"version": 4}}]}`, "items[0]: field spec.version must be a string, got number"},
	} {
		_, err := ParseCSVList([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
		}
	}
}

func FuzzParseCSVList(f *testing.F) {
	f.Add([]byte(csvListJSONSample))
	f.Add([]byte(`{"kind":"ClusterServiceVersionList","items":[]}`))
	f.Add([]byte(`{"kind":"List","items":[{"metadata":{"name":"x"},"status":{"phase":"Pending"}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		csvs, err := ParseCSVList(data)
		if err != nil {
			if csvs != nil {
				t.Fatalf("an error must come with no CSVs, got %d", len(csvs))
			}
			return
		}
		for i, c := range csvs {
			if c.Name == "" {
				t.Fatalf("csv %d accepted with an empty name", i)
			}
		}
		// Whatever parses can be read and rendered without panicking.
		_, _ = ReadOperatorUpdate(csvs, "")
		var b strings.Builder
		if err := WriteCSVTable(&b, csvs); err != nil {
			t.Fatal(err)
		}
	})
}
