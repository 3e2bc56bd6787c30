package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanJSONContract(t *testing.T) {
	for _, tt := range []struct {
		args      []string
		wantKind  string
		wantFirst string
		wantSteps int
		reason    string
	}{
		{[]string{"--from", "4.14.20/4.14.3", "--to", "4.16.3"}, "eus", "preflight", 14, "EUS 4.14 → EUS 4.16: the twelve documented steps, CNV to the newest 4.14.z first, and the channel"},
		{[]string{"--from", "4.14.20", "--to", "4.15.3"}, "minor", "preflight", 8, "the next minor: CNV to its newest z, the channel, OpenShift, then CNV"},
		{[]string{"--from", "4.14.20/4.14.3", "--to", "4.14.20", "--cnv-catalog", "4.14.4,4.14.5"}, "zstream", "preflight", 3, "CNV alone, straight to the newest z"},
	} {
		out, _, err := run(t, "", append([]string{"plan", "-o", "json"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		keys := []string{}
		for k := range got {
			keys = append(keys, k)
		}
		if d := cmp.Diff([]string{"findings", "from", "kind", "path", "steps", "to"}, sortStrings(slices.DeleteFunc(keys, func(k string) bool { return k == "notes" }))); d != "" {
			t.Errorf("%v: top-level keys (-want +got):\n%s", tt.args, d)
		}
		var pj struct {
			Kind  string
			Steps []map[string]string
		}
		_ = json.Unmarshal([]byte(out), &pj)
		if pj.Kind != tt.wantKind || len(pj.Steps) != tt.wantSteps || pj.Steps[0]["name"] != tt.wantFirst || pj.Steps[0]["description"] == "" {
			t.Errorf("%v: kind %s with %d steps, want %s with %d (%s)", tt.args, pj.Kind, len(pj.Steps), tt.wantKind, tt.wantSteps, tt.reason)
		}
		for _, st := range pj.Steps {
			if len(st) != 2 {
				t.Errorf("step %v has keys other than name and description", st)
			}
		}
	}
}

func TestPlanErrorsNameTheFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", "4.16.3"}, "--from is required"},
		{[]string{"--from", "4.14.3"}, "--to is required"},
		{[]string{"--from", "4.15.3", "--to", "4.17.3"}, "--from"},
		{[]string{"--from", "4.14.3", "--to", "4.18.3"}, "--to"},
		{[]string{"--from", "4.14.x", "--to", "4.14.9"}, "--from"},
		{[]string{"--from", "4.14.3", "--to", "4.16.1", "--via", "4.14.9"}, "--via"},
		{[]string{"--from", "4.14.3", "--to", "4.16.1", "-o", "xml"}, `"xml"`},
		{[]string{"--from", "4.14.3", "--to", "4.15.1", "--via", "4.15.0"}, "--via 4.15.0 applies only to an EUS-to-EUS update"},
		{[]string{"--from", "4.13.1/4.14.10", "--to", "4.14.10"}, "--from's OpenShift Virtualization part"},
		{[]string{"--from", "4.14.3", "--to", "4.15.1", "--cnv", "garbage"}, "--cnv"},
		{[]string{"--from", "4.14.3", "--to", "4.15.1", "--cnv", "4.17.0"}, "--cnv"},
		{[]string{"--from", "4.14.3", "--to", "4.15.1", "--accept-risks", "X"}, "--accept-risks needs --graph"},
		{[]string{"--from", "4.14.3", "--to", "4.16.1", "--graph", "testdata/nope.json"}, "--graph"},
	} {
		_, _, err := run(t, "", append([]string{"plan"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to mention %s", tt.args, err, tt.want)
		}
		if got := exitCode(err); got != exitUsage {
			t.Errorf("%v: exit code %d, want %d (bad input)", tt.args, got, exitUsage)
		}
	}
}

func TestPlanWithGraph(t *testing.T) {
	out, _, err := run(t, "", "plan", "--from", "4.8.10", "--to", "4.9.53", "--graph", "../../channel/testdata/stable-4.9-amd64-2022-12.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "minor update from OpenShift 4.8.10") {
		t.Errorf("output:\n%s", out)
	}
	_, _, err = run(t, "", "plan", "--from", "4.8.10", "--to", "4.9.99", "--graph", "../../channel/testdata/stable-4.9-amd64-2022-12.json")
	if err == nil || !strings.Contains(err.Error(), "--to 4.9.99: not in the update graph") {
		t.Errorf("err = %v, want the target called missing from the graph", err)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
