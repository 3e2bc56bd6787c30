package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	stable47 = "../../channel/testdata/stable-4.7-amd64-2022-12.json"
	stable49 = "../../channel/testdata/stable-4.9-amd64-2022-12.json"
)

// smallGraph: 4.14.1 → 4.14.2 → 4.15.0, and a conditional 4.14.1 → 4.15.0.
const smallGraph = `{"version":1,
 "nodes":[{"version":"4.14.1","payload":"p1","metadata":{"io.openshift.upgrades.graph.release.channels":"stable-4.14,stable-4.15"}},
          {"version":"4.14.2","payload":"p2","metadata":{"io.openshift.upgrades.graph.release.channels":"stable-4.14,stable-4.15"}},
          {"version":"4.15.0","payload":"p3","metadata":{"io.openshift.upgrades.graph.release.channels":"stable-4.15"}}],
 "edges":[[0,1],[1,2]],
 "conditionalEdges":[{"edges":[{"from":"4.14.1","to":"4.15.0"}],
   "risks":[{"name":"Risky","message":"m","url":"https://issues.example/1","matchingRules":[{"type":"Always"}]}]}]}`

func writeGraph(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "graph.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGraphUpdatesJSONContract(t *testing.T) {
	file := writeGraph(t, smallGraph)
	out, _, err := run(t, "", "graph", "updates", "--graph", file, "--from", "4.14.1", "--channel", "stable-4.15", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "from": "4.14.1",
  "channel": "stable-4.15",
  "recommended": [
    "4.14.2"
  ],
  "conditional": [
    {
      "version": "4.15.0",
      "risks": [
        "Risky"
      ]
    }
  ]
}
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	out, _, err = run(t, "", "graph", "updates", "--graph", file, "--from", "4.15.0", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want = "{\n  \"from\": \"4.15.0\",\n  \"channel\": \"\",\n  \"recommended\": [],\n  \"conditional\": []\n}\n"
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("no updates must give empty lists, not null (-want +got):\n%s", d)
	}
}

func TestGraphUpdatesRealGraph(t *testing.T) {
	out, _, err := run(t, "", "graph", "updates", "--graph", stable47, "--from", "4.7.2", "--channel", "stable-4.7", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var u updatesJSON
	if err := json.Unmarshal([]byte(out), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Recommended) != 42 || u.Recommended[0] != "4.7.60" || u.Recommended[41] != "4.7.3" {
		t.Errorf("recommended: %d, %v", len(u.Recommended), u.Recommended)
	}
	if d := cmp.Diff([]conditionalJSON{{Version: "4.7.4", Risks: []string{"VSphereNodeNameChanges"}}}, u.Conditional); d != "" {
		t.Errorf("conditional (-want +got):\n%s", d)
	}
	text, _, err := run(t, "", "graph", "updates", "--graph", stable47, "--from", "4.7.2")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Updates from 4.7.2\n", "Recommended (42):\n  4.7.60\n", "Conditional (1)", "4.7.4  risks: VSphereNodeNameChanges"} {
		if !strings.Contains(text, m) {
			t.Errorf("text output lacks %q:\n%s", m, text)
		}
	}
}

func TestGraphPath(t *testing.T) {
	out, _, err := run(t, "", "graph", "path", "--graph", stable49, "--from", "4.8.2", "--to", "4.9.53", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"from\": \"4.8.2\",\n  \"to\": \"4.9.53\",\n  \"hops\": [\n    \"4.8.2\",\n    \"4.8.54\",\n    \"4.9.53\"\n  ],\n  \"risks\": [],\n  \"updates\": [\n    {\n      \"from\": \"4.8.2\",\n      \"to\": \"4.8.54\",\n      \"kind\": \"z-stream\",\n      \"conditional\": false\n    },\n    {\n      \"from\": \"4.8.54\",\n      \"to\": \"4.9.53\",\n      \"kind\": \"minor\",\n      \"conditional\": false\n    }\n  ]\n}\n"
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	text, _, err := run(t, "", "graph", "path", "--graph", stable49, "--from", "4.8.2", "--to", "4.9.53")
	if err != nil {
		t.Fatal(err)
	}
	wantText := "Path from 4.8.2 to 4.9.53: 2 updates\n  4.8.2   → 4.8.54  z-stream\n  4.8.54  → 4.9.53  minor\nRisks crossed: none\n"
	if d := cmp.Diff(wantText, text); d != "" {
		t.Errorf("text (-want +got):\n%s", d)
	}
}

func TestGraphPathConditional(t *testing.T) {
	file := writeGraph(t, smallGraph)
	out, _, err := run(t, "", "graph", "path", "--graph", file, "--from", "4.14.1", "--to", "4.15.0", "--allow-conditional", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var p pathJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pathJSON{From: "4.14.1", To: "4.15.0", Hops: []string{"4.14.1", "4.15.0"}, Risks: []string{"Risky"},
		Updates: []pathUpdate{{From: "4.14.1", To: "4.15.0", Kind: "minor", Conditional: true}}}, p); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	text, _, err := run(t, "", "graph", "path", "--graph", file, "--from", "4.14.1", "--to", "4.15.0", "--allow-conditional")
	if err != nil || !strings.Contains(text, "minor, conditional") || !strings.Contains(text, "Risks crossed: Risky") {
		t.Errorf("text must mark the conditional hop and its risks: %q, %v", text, err)
	}
	out, _, err = run(t, "", "graph", "path", "--graph", file, "--from", "4.14.1", "--to", "4.15.0", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"4.14.2"`) || !strings.Contains(out, `"risks": []`) {
		t.Errorf("without --allow-conditional the path avoids the conditional update: %s", out)
	}
}

func TestGraphPathNoPath(t *testing.T) {
	out, _, err := run(t, "", "graph", "path", "--graph", stable49, "--from", "4.8.10", "--to", "4.9.5", "-o", "json")
	if err == nil || exitCode(err) == 0 {
		t.Fatal("no path must fail the command")
	}
	if out != "" {
		t.Errorf("no output on failure, got %q", out)
	}
	for _, m := range []string{"no update path from 4.8.10 to 4.9.5", "into a 4.9 release that leads to 4.9.5"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q lacks %q", err, m)
		}
	}
	file := writeGraph(t, strings.Replace(smallGraph, `"edges":[[0,1],[1,2]]`, `"edges":[]`, 1))
	_, _, err = run(t, "", "graph", "path", "--graph", file, "--from", "4.14.1", "--to", "4.15.0")
	if err == nil || !strings.Contains(err.Error(), "add --allow-conditional") || !strings.Contains(err.Error(), "risks: Risky") {
		t.Errorf("the error must point at the conditional path: %v", err)
	}
}

func TestGraphFlagErrors(t *testing.T) {
	file := writeGraph(t, smallGraph)
	for _, tt := range []struct {
		reason  string
		args    []string
		mention string
	}{
		{"no graph", []string{"graph", "updates", "--from", "4.14.1"}, "--graph is required"},
		{"no from", []string{"graph", "updates", "--graph", file}, "--from is required"},
		{"bad from", []string{"graph", "updates", "--graph", file, "--from", "4.14"}, `--from: invalid version "4.14"`},
		{"bad channel", []string{"graph", "updates", "--graph", file, "--from", "4.14.1", "--channel", "eus-4.15"}, "--channel: invalid channel"},
		{"bad output", []string{"graph", "updates", "--graph", file, "--from", "4.14.1", "-o", "xml"}, `--output "xml"`},
		{"no to", []string{"graph", "path", "--graph", file, "--from", "4.14.1"}, "--to is required"},
		{"missing file", []string{"graph", "updates", "--graph", file + ".none", "--from", "4.14.1"}, "no such file"},
		{"version not in graph", []string{"graph", "updates", "--graph", file, "--from", "4.14.9"}, "version 4.14.9 not found in the graph"},
		{"channel no release is in", []string{"graph", "updates", "--graph", file, "--from", "4.14.1", "--channel", "stable-4.16"}, "no release in"},
		{"plain http", []string{"graph", "updates", "--graph", "http://example.invalid/graph", "--from", "4.14.1", "--channel", "stable-4.14"}, "use https://"},
		{"URL without channel", []string{"graph", "updates", "--graph", "https://example.invalid/graph", "--from", "4.14.1"}, "--channel is required with an update service URL"},
		{"malformed graph", []string{"graph", "updates", "--graph", writeGraph(t, `{"nodes":[{"version":"4.14.1"}],"edges":[[0,3]]}`), "--from", "4.14.1"}, "edges[0][1]"},
	} {
		_, _, err := run(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
		}
	}
}

func TestGraphFromStdin(t *testing.T) {
	out, _, err := run(t, smallGraph, "graph", "updates", "--graph", "-", "--from", "4.14.2", "-o", "json")
	if err != nil || !strings.Contains(out, `"4.15.0"`) {
		t.Errorf("stdin: %s, %v", out, err)
	}
}

func TestGraphFromUpdateService(t *testing.T) {
	data, err := os.ReadFile(stable47)
	if err != nil {
		t.Fatal(err)
	}
	var got http.Header
	var query map[string][]string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, query = r.Header.Clone(), r.URL.Query()
		if r.URL.Path != "/api/upgrades_info/v1/graph" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("channel") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"kind":"missing_params","value":"mandatory client parameters missing: channel"}`))
			return
		}
		if r.URL.Query().Get("channel") == "stable-4.99" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"kind":"invalid_channel","value":"no such channel"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	old := graphHTTPClient
	graphHTTPClient = srv.Client
	defer func() { graphHTTPClient = old }()

	out, _, err := run(t, "", "graph", "updates", "--graph", srv.URL+"/api/upgrades_info/v1/graph?id=abc", "--channel", "stable-4.7",
		"--arch", "amd64", "--from", "4.6.15", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("Accept") != "application/json" {
		t.Errorf("Accept = %q", got.Get("Accept"))
	}
	wantQuery := map[string][]string{"channel": {"stable-4.7"}, "arch": {"amd64"}, "version": {"4.6.15"}, "id": {"abc"}}
	if d := cmp.Diff(wantQuery, query); d != "" {
		t.Errorf("query (-want +got):\n%s", d)
	}
	if !strings.Contains(out, `"VSphereHW14CrossNodeNetworkingError"`) {
		t.Errorf("updates from the service: %s", out)
	}
	_, _, err = run(t, "", "graph", "updates", "--graph", srv.URL+"/api/upgrades_info/v1/graph", "--channel", "stable-4.99", "--from", "4.6.15")
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: invalid_channel: no such channel") {
		t.Errorf("service error: %v", err)
	}
	_, _, err = run(t, "", "graph", "updates", "--graph", srv.URL+"/elsewhere", "--channel", "stable-4.7", "--from", "4.6.15")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("not found: %v", err)
	}
}
