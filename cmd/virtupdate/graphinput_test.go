package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plan --graph takes an update service URL, asked for the channel the plan
// sets and the version it starts from, as the CVO asks it
// (cluster-version-operator pkg/cincinnati/cincinnati.go: channel, arch,
// version query parameters).
func TestPlanGraphFromAnUpdateService(t *testing.T) {
	data, err := os.ReadFile("../../channel/testdata/stable-4.9-amd64-2022-12.json")
	if err != nil {
		t.Fatal(err)
	}
	var query map[string][]string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	old := graphHTTPClient
	graphHTTPClient = srv.Client
	defer func() { graphHTTPClient = old }()

	out, _, err := run(t, "", "plan", "--from", "4.8.10", "--to", "4.9.53", "--graph", srv.URL+"/api/upgrades_info/v1/graph", "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := cmp.Diff(map[string][]string{"channel": {"stable-4.9"}, "arch": {"amd64"}, "version": {"4.8.10"}}, query); d != "" {
		t.Errorf("query (-want +got):\n%s", d)
	}
	if !strings.Contains(out, `"4.8.54"`) {
		t.Errorf("the plan does not go through 4.8.54, the graph's path:\n%s", out)
	}
	if _, _, err := run(t, "", "plan", "--from", "4.8.10", "--to", "4.9.53", "--graph", srv.URL, "--arch", "arm64"); err != nil {
		t.Fatal(err)
	}
	if query["arch"][0] != "arm64" {
		t.Errorf("arch asked = %v, want arm64", query["arch"])
	}
}

func TestPlanGraphFlagsThatCannotApply(t *testing.T) {
	for _, tt := range []struct {
		reason string
		args   []string
		want   string
	}{
		{"--arch applies only to an update service", []string{"--graph", "../../channel/testdata/stable-4.9-amd64-2022-12.json", "--arch", "arm64"}, "--arch arm64 applies only to an update service"},
		{"an update service is reached over https only", []string{"--graph", "http://example.invalid/graph"}, "use https://"},
	} {
		_, _, err := run(t, "", append([]string{"plan", "--from", "4.8.10", "--to", "4.9.53"}, tt.args...)...)
		if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v (exit %d), want exit 2 saying %q", tt.reason, err, exitCode(err), tt.want)
		}
	}
}

// Without --graph, run plans against the updates the cluster's
// ClusterVersion offers: the first hop must be one of them.
func TestRunPlansAgainstTheClusterVersionsOfferedUpdates(t *testing.T) {
	c := runOnFake(t)
	cv, err := c.GetClusterVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cv.AvailableUpdates = []string{"4.14.30", "4.15.3"}
	c.SetClusterVersion(*cv)

	out, stderr, err := run(t, "", "run", "--to", "4.15.3", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(stderr+out, "4.14.20 → 4.15.3 is a recommended update the ClusterVersion offers") {
		t.Errorf("the plan does not say its path is offered:\n%s\n%s", out, stderr)
	}
	_, _, err = run(t, "", "run", "--to", "4.14.25", "--dry-run")
	if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), "not among the updates the ClusterVersion offers from 4.14.20 (4.15.3, 4.14.30)") {
		t.Errorf("a target not offered: err = %v (exit %d)", err, exitCode(err))
	}
}
