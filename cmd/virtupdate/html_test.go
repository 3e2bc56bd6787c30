package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// simulate --html writes one page whose counts are the summary's.
func TestSimulateHTML(t *testing.T) {
	file := filepath.Join(t.TempDir(), "update.html")
	out, _, err := run(t, "", "simulate", "--html", file, "-o", "json", "../../fake/testdata/zstream-small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var sim struct {
		Summary struct {
			VMIs     []vmiOutcome   `json:"vmis"`
			Outcomes map[string]int `json:"outcomes"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	checkPage(t, file, len(sim.Summary.VMIs))
	_, _, err = run(t, "", "simulate", "--html", filepath.Join(t.TempDir(), "no", "such", "dir.html"), "../../fake/testdata/zstream-small.yaml")
	if err == nil || !strings.Contains(err.Error(), "--html") || exitCode(err) != exitUsage {
		t.Errorf("an unwritable --html: err = %v", err)
	}
}

// checkPage reads a written page and checks what every page must hold: no
// network reference, and a VM count and table of vms rows. It returns the
// page.
func checkPage(t *testing.T, file string, vms int) string {
	t.Helper()
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the page refers to the network")
	}
	m := regexp.MustCompile(`data-count="vms"[^>]*>([0-9]+)`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no VM count in the page")
	}
	if n, _ := strconv.Atoi(m[1]); n != vms {
		t.Errorf("the page shows %d VMs, want %d", n, vms)
	}
	if rows := strings.Count(html, "<tr data-ns="); rows != vms {
		t.Errorf("the table has %d rows, want %d", rows, vms)
	}
	return html
}

// The in-flight chart counts migrations as KubeVirt counts them against
// parallelMigrationsPerCluster (from their target pod on), so its peak
// never exceeds the scenario's cap, though drains create many more at once.
func TestSimulateHTMLInFlightKeepsTheCap(t *testing.T) {
	file := filepath.Join(t.TempDir(), "update.html")
	if _, _, err := run(t, "", "simulate", "--html", file, "../../examples/scenarios/eus-small.yaml"); err != nil && exitCode(err) != exitBlocked {
		t.Fatal(err)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`at most ([0-9]+) migrations? and`).FindStringSubmatch(string(page))
	if m == nil {
		t.Fatal("the page does not say how many migrations were in flight at most")
	}
	data, err := os.ReadFile("../../examples/scenarios/eus-small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := regexp.MustCompile(`parallelMigrationsPerCluster: *([0-9]+)`).FindStringSubmatch(string(data))
	limit := 5 // HCO's default
	if c != nil {
		limit, _ = strconv.Atoi(c[1])
	}
	if peak, _ := strconv.Atoi(m[1]); peak > limit || peak == 0 {
		t.Errorf("at most %d migrations in flight, the cap is %d", peak, limit)
	}
}

// A node updated in the instant a platform step completes is that step's:
// the step waits for the master pool (the CVO completes only once the MCO
// has rolled the masters: machine-config-operator pkg/operator/sync.go
// syncRequiredMachineConfigPools), so each platform step of an EUS-to-EUS
// update counts the three masters, and the unpause the workers.
func TestSimulateStepsCountTheNodesTheyUpdate(t *testing.T) {
	out, _, err := run(t, "", "simulate", "-o", "json", "../../examples/scenarios/eus-small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var sim struct {
		Summary struct {
			Phases []struct {
				Step         string `json:"step"`
				NodesUpdated int    `json:"nodesUpdated"`
			} `json:"phases"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range sim.Summary.Phases {
		if p.NodesUpdated > 0 {
			got[p.Step] = p.NodesUpdated
		}
	}
	want := map[string]int{"update-ocp-4.15": 3, "update-ocp-4.16": 3, "unpause-worker-pools": 12}
	if len(got) != len(want) {
		t.Errorf("nodes updated per step = %v, want %v", got, want)
	}
	for step, n := range want {
		if got[step] != n {
			t.Errorf("%s updated %d nodes, want %d (all: %v)", step, got[step], n, got)
		}
	}
}
