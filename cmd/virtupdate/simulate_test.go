package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const eusScenarioFile = "../../examples/scenarios/eus-upgrade.yaml"

// BenchmarkSimulateEUS simulates the EUS example scenario (123 nodes, 5,200
// VMIs) from the command line: go test -run '^$' -bench SimulateEUS ./cmd/virtupdate/
func BenchmarkSimulateEUS(b *testing.B) {
	for b.Loop() {
		out, _, err := runB(b, "simulate", "-o", "json", eusScenarioFile)
		if err != nil {
			b.Fatal(err)
		}
		var sim simulation
		if err := json.Unmarshal([]byte(out), &sim); err != nil || sim.Summary.Result != "done" {
			b.Fatalf("result %q, %v", sim.Summary.Result, err)
		}
	}
}

func runB(b *testing.B, args ...string) (string, string, error) {
	b.Helper()
	cmd := newRootCommand()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestSimulateJSON(t *testing.T) {
	out, _, err := run(t, "", "simulate", "-o", "json", "../../examples/scenarios/zstream-manual.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil || len(top) != 2 || top["events"] == nil || top["summary"] == nil {
		t.Fatalf("want {events, summary}, got keys of %.200s (%v)", out, err)
	}
	var sim simulation
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	s := sim.Summary
	if s.Result != "done" || s.Kind != "zstream" || s.To.CNV != "4.14.5" || s.Outcomes[outcomeMigrated] != 12 || s.Outcomes[outcomeUntouched] != 2 {
		t.Errorf("summary %+v", s)
	}
	for _, v := range s.VMIs {
		if v.Outcome == outcomeUntouched && !strings.Contains(v.Reason, "HostDeviceNotLiveMigratable") {
			t.Errorf("VMI %s/%s untouched without its reason: %q", v.Namespace, v.Name, v.Reason)
		}
	}
}

func TestSimulateTextAndFaults(t *testing.T) {
	out, _, err := run(t, "", "simulate", "--fail-migrations", "prod/app-1=2", "--conflicts", "HyperConverged=1", "../../examples/scenarios/zstream-manual.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Timeline", "update-cnv-4.14", "Summary", "12 migrated", "prod/gpu-0: untouched", "(2 failed)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSimulateBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		file string
		want string
	}{
		{nil, "clusterVersion: {version: 4.14.x}", "clusterVersion.version"},
		{nil, "clusterVersion: {version: 4.14.1}\nnodes: [{name: a, colour: red}]", "colour"},
		{nil, "clusterVersion: {version: 4.14.1}\nupdate: {to: 4.18.1}", "update.to"},
		{[]string{"--fail-migrations", "nope"}, "clusterVersion: {version: 4.14.1}", "--fail-migrations"},
		{[]string{"--conflicts", "X"}, "clusterVersion: {version: 4.14.1}", "--conflicts"},
	} {
		path := t.TempDir() + "/s.yaml"
		if err := writeFile(path, tt.file); err != nil {
			t.Fatal(err)
		}
		_, _, err := run(t, "", append(append([]string{"simulate"}, tt.args...), path)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q %v: err = %v, want it to name %s", tt.file, tt.args, err, tt.want)
		}
	}
}

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }
