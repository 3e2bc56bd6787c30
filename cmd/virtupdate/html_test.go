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
