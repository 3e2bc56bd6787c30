package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/virtupdate/virtupdate/forecast"
)

// forecastScenario is a z-stream update of OpenShift on a small cluster:
// the web VMs migrate, legacy is shut down and restarted, scratch (no
// VirtualMachine) is deleted, which the pre-flight checks call an Error.
const forecastScenario = `seed: 5
clusterVersion: {version: 4.16.1, channel: stable-4.16}
cnv: {version: 4.16.2, catalog: [4.16.2]}
clusterEvictionStrategy: LiveMigrate
pools: [{name: master}, {name: worker, maxUnavailable: 1}]
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 3, zones: [a, b, c]}
vms:
  - {namespace: prod, name: "web-{i}", count: 6, memory: 2Gi}
  - {namespace: prod, name: legacy, migratable: false, evictionStrategy: None, runStrategy: Always}
  - {namespace: dev, name: scratch, runStrategy: Standalone, migratable: false, evictionStrategy: None}
update: {to: 4.16.3}
`

// forecastBlocked has a VMI that blocks its node's drain for good.
const forecastBlocked = `clusterVersion: {version: 4.16.1}
cnv: {version: 4.16.2, catalog: [4.16.2]}
clusterEvictionStrategy: LiveMigrate
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 2}
vms:
  - {namespace: prod, name: pinned, migratable: false, node: worker-0}
`

func scenarioFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := writeFile(path, content); err != nil {
		t.Fatal(err)
	}
	return path
}

// The JSON has the documented shape, and the same seed gives the same
// bytes.
func TestForecastJSONDeterministic(t *testing.T) {
	file := scenarioFile(t, forecastScenario)
	args := []string{"forecast", "--to", "4.16.3", "--scenario", file, "--force", "--runs", "5", "--seed", "3", "-o", "json"}
	out, _, err := run(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := run(t, "", args...)
	if err != nil || again != out {
		t.Fatalf("two forecasts with --seed 3 differ (%v)", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"summary", "vms", "nodes", "namespaces", "timeline"} {
		if top[k] == nil {
			t.Errorf("the JSON lacks %q", k)
		}
	}
	var shape struct {
		Summary map[string]any   `json:"summary"`
		VMs     []map[string]any `json:"vms"`
	}
	if err := json.Unmarshal([]byte(out), &shape); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"etaP10Seconds", "etaP10", "etaP50Seconds", "etaP50", "etaP90Seconds", "etaP90", "runs", "seed", "medianRun", "details", "perRun"} {
		if _, ok := shape.Summary[k]; !ok {
			t.Errorf("the summary lacks %q", k)
		}
	}
	if len(shape.VMs) != 8 {
		t.Fatalf("%d VMs, want 8", len(shape.VMs))
	}
	for _, k := range []string{"namespace", "name", "moves", "outcome", "downtimeSeconds", "reason"} {
		if _, ok := shape.VMs[0][k]; !ok {
			t.Errorf("a VM lacks %q: %v", k, shape.VMs[0])
		}
	}
	var f forecast.Forecast
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if f.Summary.Runs != 5 || f.Summary.Seed != 3 || f.Summary.Outcomes.Total() != 8 || f.Summary.Outcomes.Deleted != 1 || f.Summary.Outcomes.ShutDown != 1 {
		t.Errorf("summary %+v", f.Summary)
	}
}

// --to overrides the scenario's update.to.
func TestForecastToOverridesScenario(t *testing.T) {
	out, _, err := run(t, "", "forecast", "--to", "4.16.2", "--scenario", scenarioFile(t, forecastScenario), "--force", "--runs", "1", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var f forecast.Forecast
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if f.Summary.To.OCP != "4.16.2" {
		t.Errorf("the forecast goes to %s, want --to's 4.16.2 rather than the scenario's 4.16.3", f.Summary.To.OCP)
	}
}

func TestForecastCSVAndYAML(t *testing.T) {
	file := scenarioFile(t, forecastScenario)
	out, _, err := run(t, "", "forecast", "--to", "4.16.3", "--scenario", file, "--force", "--runs", "2", "-o", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 9 || rows[0][0] != "namespace" || rows[0][4] != "outcome" {
		t.Errorf("%d CSV rows (want a header and 8 VMs), header %q", len(rows), rows[0])
	}
	out, _, err = run(t, "", "forecast", "--to", "4.16.3", "--scenario", file, "--force", "--runs", "2", "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f forecast.Forecast
	if err := yaml.Unmarshal([]byte(out), &f); err != nil || len(f.VMs) != 8 || f.Summary.ETAP50 == "" {
		t.Errorf("the YAML reads back as %d VMs, P50 %q (%v)", len(f.VMs), f.Summary.ETAP50, err)
	}
}

func TestForecastText(t *testing.T) {
	out, _, err := run(t, "", "forecast", "--to", "4.16.3", "--scenario", scenarioFile(t, forecastScenario), "--force", "--runs", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Forecast of the z-stream update", "3 runs, seed 5", "ETA:     P10 ", "Details: from run ", "the median by duration",
		"8 VMs: ", "Namespaces:", "Nodes: 6 nodes drained of 6", "dev/scratch: 1 move (at +", "prod/legacy: 2 moves"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`\b1 (moves|VMs|runs|nodes)\b`).MatchString(out) {
		t.Errorf("a wrong plural:\n%s", out)
	}
}

// Exit 1 when the update stops or a VM is blocked, after the output; 0
// when it finishes.
func TestForecastExitCodes(t *testing.T) {
	file := scenarioFile(t, forecastScenario)
	out, _, err := run(t, "", "forecast", "--to", "4.16.3", "--scenario", file, "--runs", "2")
	if exitCode(err) != exitBlocked || !strings.Contains(err.Error(), "stops in 2 of 2 runs") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a pre-flight Error: exit %d, %v; want 1 saying the update stops and that --force runs it", exitCode(err), err)
	}
	if !strings.Contains(out, "the update stopped in 2 of 2 runs") {
		t.Errorf("the output does not say the update stopped:\n%s", out)
	}
	if _, _, err := run(t, "", "forecast", "--to", "4.16.3", "--scenario", file, "--runs", "2", "--force"); err != nil {
		t.Errorf("with --force: %v, want exit 0", err)
	}
	out, _, err = run(t, "", "forecast", "--to", "4.16.3", "--scenario", scenarioFile(t, forecastBlocked), "--runs", "2")
	if exitCode(err) != exitBlocked || !strings.Contains(out, "prod/pinned: 0 moves: blocks the drain of node worker-0") {
		t.Errorf("a blocked drain: exit %d (%v); want 1, and the output naming the VMI and the node:\n%s", exitCode(err), err, out)
	}
}

func TestForecastBadInput(t *testing.T) {
	file := scenarioFile(t, forecastScenario)
	for _, tt := range []struct {
		reason string
		args   []string
		want   string
	}{
		{"no target", []string{"--scenario", file}, "--to is required"},
		{"a target that is no version", []string{"--to", "4.16", "--scenario", file}, "--to"},
		{"no cluster", []string{"--to", "4.16.3"}, "--scenario FILE"},
		{"no run", []string{"--to", "4.16.3", "--scenario", file, "--runs", "0"}, "--runs 0"},
		{"a negative seed", []string{"--to", "4.16.3", "--scenario", file, "--seed", "-2"}, "--seed -2"},
		{"too many runs", []string{"--to", "4.16.3", "--scenario", file, "--runs", "1001"}, "--runs 1001"},
		{"an unknown output", []string{"--to", "4.16.3", "--scenario", file, "-o", "xml"}, "text, json, yaml or csv"},
		{"risks without a graph", []string{"--to", "4.16.3", "--scenario", file, "--accept-risks", "X"}, "--accept-risks needs --graph"},
		{"--via on a z-stream update", []string{"--to", "4.16.3", "--scenario", file, "--via", "4.15.3"}, "--via 4.15.3 applies only"},
		{"a scenario that is not there", []string{"--to", "4.16.3", "--scenario", filepath.Join(t.TempDir(), "none.yaml")}, "--scenario"},
		{"a target the plan refuses", []string{"--to", "4.19.1", "--scenario", file}, "--to"},
		{"an argument: the command says it takes none", []string{"--to", "4.16.3", "--scenario", file, "extra"}, "takes no arguments, got \"extra\""},
		{"both forms", []string{"--to", "4.16.3", "--scenario", file, "--snapshot", objectsFile}, "give one of them"},
		{"a snapshot given as a scenario", []string{"--to", "4.16.3", "--scenario", objectsFile}, "give it with --snapshot"},
		{"a scenario given as a snapshot", []string{"--to", "4.16.3", "--snapshot", file}, "--snapshot"},
		{"a catalog version that is no version", []string{"--to", "4.16.3", "--snapshot", objectsFile, "--cnv-catalog", "4.16"}, "--cnv-catalog"},
		{"a window that does not parse", []string{"--to", "4.16.3", "--scenario", file, "--window", "Mon 25:00-26:00"}, "--window"},
	} {
		_, _, err := run(t, "", append([]string{"forecast"}, tt.args...)...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: exit %d, err %v; want 2 naming %q", tt.reason, exitCode(err), err, tt.want)
		}
	}
}

// objectsFile is a snapshot of a small cluster, in the object form.
const objectsFile = "../../forecast/testdata/objects.yaml"

// --snapshot forecasts the cluster as found; --cnv-catalog says what the
// stable channel offers, which a snapshot does not hold.
func TestForecastSnapshot(t *testing.T) {
	out, _, err := run(t, "", "forecast", "--to", "4.16.3", "--snapshot", objectsFile, "--cnv-catalog", "4.16.5", "--runs", "2", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var f forecast.Forecast
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	s := f.Summary
	if s.From.OCP != "4.16.1" || s.From.CNV != "4.16.2" || s.To.CNV != "4.16.5" || s.VMs != 3 || s.Outcomes.ShutDown != 1 {
		t.Errorf("summary %+v", s)
	}
	out, _, err = run(t, "", "forecast", "--to", "4.16.3", "--snapshot", objectsFile, "--runs", "1", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var plain forecast.Forecast
	if err := json.Unmarshal([]byte(out), &plain); err != nil || plain.Summary.To.CNV != "" {
		t.Errorf("without --cnv-catalog: to %+v (%v); want OpenShift alone", plain.Summary.To, err)
	}
}

// --html writes the median run's page, with the ETA.
func TestForecastHTML(t *testing.T) {
	page := filepath.Join(t.TempDir(), "forecast.html")
	out, _, err := run(t, "", "forecast", "--to", "4.16.3", "--scenario", scenarioFile(t, forecastScenario), "--force", "--runs", "3", "--html", page, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var f forecast.Forecast
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	if rows := strings.Count(html, "<tr data-ns="); rows != len(f.VMs) {
		t.Errorf("the page has %d rows, the forecast %d VMs", rows, len(f.VMs))
	}
	for _, want := range []string{"P50 " + f.Summary.ETAP50, "the median by duration", "worker-0"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestForecastHelp(t *testing.T) {
	out, _, err := run(t, "", "forecast", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--runs", "--seed", "--scenario", "--snapshot", "--cnv-catalog", "--html", "P10", "median", "× 0.5 – 1.25", "Exit codes", "-o csv", "Examples:"} {
		if !strings.Contains(out, want) {
			t.Errorf("the help lacks %q", want)
		}
	}
}

// --window: the runs keep to the maintenance window, and the ETA counts
// the wait for it. The scenario's clock starts at 00:00 UTC; the window
// opens at 06:00.
func TestForecastWindow(t *testing.T) {
	file := scenarioFile(t, forecastScenario)
	eta := func(extra ...string) (float64, string) {
		t.Helper()
		args := append([]string{"forecast", "--to", "4.16.3", "--scenario", file, "--force", "--runs", "3", "-o", "json"}, extra...)
		out, _, err := run(t, "", args...)
		if exitCode(err) != 0 && exitCode(err) != exitBlocked {
			t.Fatalf("forecast %v: %v", extra, err)
		}
		var f struct {
			Summary struct {
				ETAP50Seconds float64 `json:"etaP50Seconds"`
				Window        string  `json:"window"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(out), &f); err != nil {
			t.Fatal(err)
		}
		return f.Summary.ETAP50Seconds, f.Summary.Window
	}
	without, none := eta()
	with, w := eta("--window", "06:00+12h UTC")
	if with < without+6*3600 {
		t.Errorf("P50 %.0fs with the window, %.0fs without: want at least 6h more", with, without)
	}
	if none != "" || w != "06:00-18:00 UTC" {
		t.Errorf("summary.window = %q without, %q with --window", none, w)
	}
}
