package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// status --html writes one self-contained page of the read: its VM table
// has a row per VMI the JSON counts, its lanes one per node.
func TestStatusHTML(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	if err := c.Advance(65 * time.Minute); err != nil { // the control plane is done, the workers roll
		t.Fatal(err)
	}
	watchOnFake(t, c)
	file := filepath.Join(t.TempDir(), "status.html")
	out, _, err := run(t, "", "status", "--html", file, "-o", "json")
	if err != nil && exitCode(err) != exitBlocked {
		t.Fatalf("exit %d: %v\n%s", exitCode(err), err, out)
	}
	var st struct {
		Pools []struct {
			Nodes []struct{ Name string } `json:"nodes"`
		} `json:"pools"`
		Workloads struct {
			Progress struct {
				Running int `json:"running"`
			} `json:"progress"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Workloads.Progress.Running != 4 {
		t.Errorf("the JSON counts %d running VMIs, want 4", st.Workloads.Progress.Running)
	}
	html := checkPage(t, file, 4)
	nodes := 0
	for _, p := range st.Pools {
		nodes += len(p.Nodes)
		for _, n := range p.Nodes {
			if !strings.Contains(html, ">"+n.Name+"<") {
				t.Errorf("no lane for node %s", n.Name)
			}
		}
	}
	if nodes != 4 {
		t.Errorf("the JSON lists %d nodes, want 4", nodes)
	}
	for _, want := range []string{"Update status", "Control plane", "Pool worker", "OpenShift Virtualization"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	_, _, err = run(t, "", "status", "--html", filepath.Join(t.TempDir(), "no", "such", "dir.html"))
	if err == nil || !strings.Contains(err.Error(), "--html") || exitCode(err) != exitUsage {
		t.Errorf("an unwritable --html: err = %v (exit %d)", err, exitCode(err))
	}
}

// With --watch the page is rewritten after every read, its node lanes
// growing: by the end every worker has drained, rebooted and is ready.
func TestStatusWatchHTML(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	watchOnFake(t, c)
	file := filepath.Join(t.TempDir(), "status.html")
	if out, _, err := run(t, "", "status", "--watch", "--interval", "20s", "--html", file); err != nil {
		t.Fatalf("exit %d: %v\n%s", exitCode(err), err, out)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, kind := range []string{"drain", "reboot", "ready"} {
		if n := strings.Count(html, `class="bar k-`+kind+`"`); n < 3 {
			t.Errorf("%d %s bars, want one per worker at least", n, kind)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".status-*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}
