package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/update"
)

// A forecast refused because a version is not in the graph names where
// that version came from: the cluster's own version is the snapshot's (or
// the scenario's), not --to; no Go field name is printed.
func TestForecastMissingVersionNamesItsSource(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "mg49.yaml")
	if _, _, err := run(t, "", "snapshot", "--must-gather", "../../snapshot/testdata/must-gather/ocp-4.9-metal", "-f", snap); err != nil {
		t.Fatal(err)
	}
	const graph = "../../examples/update-graph/stable-4.9-amd64-2022-12.json"
	tests := []struct {
		reason  string
		args    []string
		want    []string
		notWant []string
	}{
		{"the snapshot's cluster runs a nightly the graph does not hold: the snapshot is named, with what to do",
			[]string{"forecast", "--snapshot", snap, "--to", "4.10.3", "--graph", graph},
			[]string{"--snapshot " + snap + ": the cluster runs 4.9.0-0.nightly-2021-09-10-170926 (the snapshot's ClusterVersion), which is not in the update graph", "instead: give a --graph"},
			[]string{"--to", "To:", "not reachable"}},
		{"plan: the --from version is not in the graph: --from is named, not --to",
			[]string{"plan", "--from", "4.9.0-0.nightly-2021-09-10-170926", "--to", "4.10.3", "--graph", graph},
			[]string{"--from 4.9.0-0.nightly-2021-09-10-170926: not in the update graph (its newest release of that minor is 4.9.53); instead:"},
			[]string{"--to", "To:"}},
		{"plan: the --to version is not in the graph: --to is named with its value",
			[]string{"plan", "--from", "4.9.53", "--to", "4.10.99", "--graph", graph},
			[]string{"--to 4.10.99: not in the update graph; instead: pick a version the graph holds"},
			[]string{"To:", "4.9.53"}},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", tt.args...)
		if exitCode(err) != exitUsage {
			t.Fatalf("%s: exit %d (%v), want %d", tt.reason, exitCode(err), err, exitUsage)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.reason, err, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q says %q", tt.reason, err, w)
			}
		}
	}
}

// A kubeconfig that exists but names no cluster is told as such, with the
// file and what it lacks, for every live command.
func TestKubeconfigWithoutClusterNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.kubeconfig")
	if err := os.WriteFile(empty, []byte("apiVersion: v1\nkind: Config\nclusters: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noCurrent := filepath.Join(dir, "nocurrent.kubeconfig")
	if err := os.WriteFile(noCurrent, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reason string
		args   []string
		want   string
	}{
		{"check: a kubeconfig with no clusters", []string{"check", "--kubeconfig", empty, "--to", "4.16.3"}, empty + " has no clusters, no contexts, no current-context"},
		{"status: a kubeconfig with no clusters", []string{"status", "--kubeconfig", empty}, empty + " has no clusters"},
		{"run: a kubeconfig with no clusters", []string{"run", "--kubeconfig", empty, "--to", "4.16.3"}, empty + " has no clusters"},
		{"snapshot --live: a kubeconfig with no clusters", []string{"snapshot", "--live", "--kubeconfig", empty}, empty + " has no clusters"},
		{"status: a cluster and a context but no current-context", []string{"status", "--kubeconfig", noCurrent}, noCurrent + " has no current-context"},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", tt.args...)
		if err == nil {
			t.Fatalf("%s: no error", tt.reason)
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "no kubeconfig found") {
			t.Errorf("%s: %q, want it to say %q", tt.reason, err, tt.want)
		}
	}
}

// An API server that does not answer is told with what to do, once, and
// the cause stays in the message and the chain; exit 3.
func TestUnreachableClusterSaysWhatToDo(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		reason string
		err    error
		hint   bool
	}{
		{"a dial error in the chain", fmt.Errorf("get ClusterVersion version: %w", &url.Error{Op: "Get", URL: "https://127.0.0.1:1/x", Err: dial}), true},
		{"a dial error flattened into the message by an adapter", errors.New(`transient API error: Get "https://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused`), true},
		{"an unknown host", fmt.Errorf("get: %w", &net.DNSError{Name: "api.example", Err: "no such host"}), true},
		{"a refusal by the server is no connection problem", errors.New("clusterversions.config.openshift.io \"version\" is forbidden"), false},
		{"already hinted: not twice", withUnreachableHint(fmt.Errorf("x: %w", dial)), true},
	}
	for _, tt := range tests {
		err := clusterError(tt.err)
		if exitCode(err) != exitCluster {
			t.Errorf("%s: exit %d, want %d", tt.reason, exitCode(err), exitCluster)
		}
		if !strings.HasPrefix(err.Error(), tt.err.Error()[:20]) || !errors.Is(err, tt.err) {
			t.Errorf("%s: %q hides the cause %q", tt.reason, err, tt.err)
		}
		if n := strings.Count(err.Error(), "oc login"); n != map[bool]int{true: 1, false: 0}[tt.hint] {
			t.Errorf("%s: %q says what to do %d times", tt.reason, err, n)
		}
	}
}

// A flag value its type does not parse is told in the user's words, with
// the flag and the value, and no parser's words; exit 2, for every command.
func TestFlagParseErrorsInPlainWords(t *testing.T) {
	tests := []struct {
		reason string
		args   []string
		want   string
	}{
		{"an int flag", []string{"simulate", "x.yaml", "--seed", "abc"}, `--seed "abc": not a whole number`},
		{"an int flag out of range", []string{"simulate", "x.yaml", "--seed", "99999999999999999999999"}, `--seed "99999999999999999999999": out of range`},
		{"a duration flag", []string{"status", "--request-timeout", "5x"}, `--request-timeout "5x": not a duration such as 30s`},
		{"a bool flag given a value", []string{"simulate", "x.yaml", "--force=maybe"}, `--force "maybe": not true or false`},
		{"a shorthand flag is named by its long name", []string{"status", "-w=x"}, `--watch "x": not true or false`},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", tt.args...)
		if exitCode(err) != exitUsage {
			t.Fatalf("%s: exit %d (%v), want %d", tt.reason, exitCode(err), err, exitUsage)
		}
		if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "strconv") || strings.Contains(err.Error(), "invalid syntax") {
			t.Errorf("%s: %q, want %q", tt.reason, err, tt.want)
		}
	}
}

// Every command's help states the exit codes, as the README says: nested
// commands (graph updates), commands with no long help (version) and
// cobra's own (help, completion) included.
func TestEveryCommandsHelpStatesExitCodes(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if !strings.Contains(c.Long, "Exit code") {
			t.Errorf("%q: its help does not state the exit codes", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, c := range newRootCommand().Commands() {
		walk(c)
	}
	if n < 15 {
		t.Fatalf("walked %d commands: the walk missed some", n)
	}
	tests := []struct {
		reason string
		args   []string
	}{
		{"a nested command, as printed", []string{"graph", "updates", "--help"}},
		{"another nested command", []string{"graph", "path", "--help"}},
		{"a command without long help", []string{"version", "--help"}},
		{"cobra's completion command", []string{"completion", "bash", "--help"}},
	}
	for _, tt := range tests {
		out, _, err := run(t, "", tt.args...)
		if err != nil || !strings.Contains(out, "Exit code") {
			t.Errorf("%s: %v, help %q", tt.reason, err, out)
		}
	}
}

// plan's text path shows the minor an EUS-to-EUS plan goes through when
// no graph chose its release; the JSON path stays the releases only.
func TestPlanPathShowsAssumedIntermediate(t *testing.T) {
	tests := []struct {
		reason string
		args   []string
		text   string
		json   string
	}{
		{"EUS-to-EUS without a graph: 4.15 is assumed, and said",
			[]string{"--from", "4.14.20/4.14.3", "--to", "4.16.3"},
			"path: 4.14.20 → 4.15.z (the newest the ClusterVersion offers) → 4.16.3\n", `["4.14.20","4.16.3"]`},
		{"--via names the intermediate: nothing is assumed",
			[]string{"--from", "4.14.20/4.14.3", "--to", "4.16.3", "--via", "4.15.20"},
			"path: 4.14.20 → 4.15.20 → 4.16.3\n", `["4.14.20","4.15.20","4.16.3"]`},
		{"a z-stream update has no intermediate",
			[]string{"--from", "4.14.20/4.14.3", "--to", "4.14.30"},
			"path: 4.14.20 → 4.14.30\n", `["4.14.20","4.14.30"]`},
	}
	for _, tt := range tests {
		out, _, err := run(t, "", append([]string{"plan"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if !strings.Contains(out, tt.text) {
			t.Errorf("%s: text %q, want the line %q", tt.reason, out, tt.text)
		}
		js, _, err := run(t, "", append([]string{"plan", "-o", "json"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		var got struct{ Path []string }
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(got.Path); string(b) != tt.json {
			t.Errorf("%s: JSON path %s, want %s", tt.reason, b, tt.json)
		}
	}
}

// status --html checks the file can be written before it connects: bad
// usage (exit 2), not an unreachable cluster (exit 3).
func TestStatusHTMLCheckedBeforeConnecting(t *testing.T) {
	old := connect
	connect = func(*clusterFlags) (update.Cluster, error) {
		t.Error("status connected before checking --html")
		return nil, errors.New("not connected")
	}
	t.Cleanup(func() { connect = old })
	dir := t.TempDir()
	tests := []struct {
		reason string
		path   string
		want   string
	}{
		{"the directory does not exist", filepath.Join(dir, "missing", "x.html"), "does not exist"},
		{"the file is a directory", dir, "is a directory"},
		{"the directory is a file", filepath.Join(dir, "f", "x.html"), "is not a directory"},
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		_, _, err := run(t, "", "status", "--html", tt.path)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--html "+tt.path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: exit %d, %v; want exit %d saying %q", tt.reason, exitCode(err), err, exitUsage, tt.want)
		}
	}
	if err := checkOutputFile("--html", filepath.Join(dir, "ok.html")); err != nil {
		t.Errorf("a file in a writable directory: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the writability probe was left behind: %v", entries)
	}
}

// A --migrations file that cannot be read is told by its flag.
func TestWorkloadMigrationsFileNamedByItsFlag(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nofile")
	_, _, err := run(t, vmisNoImage, "workload", "--migrations", missing, "-")
	if exitCode(err) != exitUsage || !strings.HasPrefix(err.Error(), "--migrations "+missing+": no such file") {
		t.Errorf("exit %d, %v; want exit %d and the error to start with the flag and the file", exitCode(err), err, exitUsage)
	}
}

// simulate's text tells durations as forecast does (report.FormatDuration:
// "1h 15m"); its JSON keeps Go's durations ("1h15m0s"), a contract.
func TestSimulateTextDurationsAsForecast(t *testing.T) {
	const sc = "../../examples/scenarios/eus-small.yaml"
	out, _, err := run(t, "", "simulate", sc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reason string
		re     string
		want   bool
	}{
		{"the summary's duration is human", `duration: \d+h \d+m \(virtual\)`, true},
		{"a step's duration is human", `update-ocp-4\.15 +1h 15m`, true},
		{"no Go duration is left in the text", `\b\d+m0s\b|\d+h\d+m`, false},
	}
	for _, tt := range tests {
		if got := regexp.MustCompile(tt.re).MatchString(out); got != tt.want {
			t.Errorf("%s: %q matches %v, want %v in\n%s", tt.reason, tt.re, got, tt.want, out)
		}
	}
	js, _, err := run(t, "", "simulate", "-o", "json", sc)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary struct {
			Duration string
			Phases   []struct{ Step, Duration string }
		}
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Summary
	if _, err := time.ParseDuration(got.Duration); err != nil || len(got.Phases) == 0 {
		t.Errorf("JSON duration %q is no longer Go's: %v", got.Duration, err)
	}
	for _, p := range got.Phases {
		if _, err := time.ParseDuration(p.Duration); err != nil {
			t.Errorf("JSON phase %s duration %q is no longer Go's: %v", p.Step, p.Duration, err)
		}
	}
}
