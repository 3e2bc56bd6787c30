package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// vmisNoImage is a VMI list as kubectl prints it where no VMI has
// status.launcherContainerImageVersion (it is often missing in a dump) and
// only "a" carries the outdated label.
const vmisNoImage = `{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"a","namespace":"ns1","labels":{"kubevirt.io/outdatedLauncherImage":""}},"spec":{"evictionStrategy":"LiveMigrate"},"status":{"phase":"Running","nodeName":"n1","conditions":[{"type":"LiveMigratable","status":"True"}]}},
{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"b","namespace":"ns1"},"spec":{},"status":{"phase":"Running","nodeName":"n1","conditions":[{"type":"LiveMigratable","status":"True"}]}},
{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"c","namespace":"ns2"},"spec":{},"status":{"phase":"Running","nodeName":"n2","launcherContainerImageVersion":"virt-launcher:v1.8","conditions":[{"type":"LiveMigratable","status":"True"}]}}
]}`

func TestWorkloadAllCountsEveryRunningVMI(t *testing.T) {
	tests := []struct {
		reason  string
		args    []string
		methods []string // a, b, c
		notSaid string   // in no reason
	}{
		{"--all: every running VMI is outdated, with or without a recorded launcher image",
			[]string{"--all"}, []string{"LiveMigrate", "LiveMigrate", "LiveMigrate"}, "already runs the target"},
		{"without --all the label decides, and an unlabelled VMI is not said to run the target image",
			nil, []string{"LiveMigrate", "None", "None"}, "already runs the target"},
		{"--launcher-image: an unknown image is not the target image; the known one differs",
			[]string{"--launcher-image", "foo:1"}, []string{"LiveMigrate", "None", "LiveMigrate"}, "already runs the target"},
	}
	for _, tt := range tests {
		out, _, err := run(t, vmisNoImage, append(append([]string{"workload", "-o", "json"}, tt.args...), "-")...)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		var got workloadOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var methods []string
		for _, d := range got.Decisions {
			methods = append(methods, d.Method)
			if strings.Contains(d.Reason, tt.notSaid) {
				t.Errorf("%s: %s/%s says %q", tt.reason, d.Namespace, d.Name, d.Reason)
			}
		}
		if strings.Join(methods, ",") != strings.Join(tt.methods, ",") {
			t.Errorf("%s: methods %v, want %v", tt.reason, methods, tt.methods)
		}
	}
}

// blockersOnly lets through the exit 1 of a command that reported
// blockers (its output is complete); any other error is returned.
func blockersOnly(err error) error {
	if exitCode(err) == exitBlocked {
		return nil
	}
	return err
}

// Flags are checked before the kubeconfig is loaded: bad input is exit 2
// whatever the state of the cluster, never 3.
func TestLiveCommandsCheckFlagsBeforeConnecting(t *testing.T) {
	old := connect
	defer func() { connect = old }()
	connect = func(*clusterFlags) (update.Cluster, error) {
		t.Error("connected before the flags were checked")
		return nil, errors.New("no cluster")
	}
	tests := []struct {
		reason string
		args   []string
		want   string
	}{
		{"check: a target that is no version", []string{"check", "--to", "banana"}, `--to: invalid version "banana"`},
		{"check: a graph file that is not there", []string{"check", "--to", "4.16.3", "--graph", "/nonexistent/graph.json"}, "--graph: reading /nonexistent/graph.json"},
		{"check: a negative request timeout", []string{"check", "--to", "4.16.3", "--request-timeout", "-1s"}, "--request-timeout -1s"},
		{"run: a target that is no version", []string{"run", "--to", "x"}, `--to: invalid version "x"`},
		{"run: a --cnv that is no version", []string{"run", "--to", "4.16.3", "--cnv", "4.16"}, "--cnv"},
		{"run: a --cnv-catalog entry that is no version", []string{"run", "--to", "4.16.3", "--cnv-catalog", "4.16.1,nope"}, "--cnv-catalog"},
		{"run: a graph file that is not there", []string{"run", "--to", "4.16.3", "--dry-run", "--graph", "/nonexistent/graph.json"}, "--graph"},
		{"run: a zero request timeout", []string{"run", "--to", "4.16.3", "--dry-run", "--request-timeout", "0s"}, "--request-timeout 0s"},
		{"status: a zero request timeout", []string{"status", "--request-timeout", "0s"}, "--request-timeout 0s"},
		{"snapshot: a negative request timeout", []string{"snapshot", "--live", "--request-timeout", "-1s"}, "--request-timeout -1s"},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", append(tt.args, "--kubeconfig", "/nonexistent/kubeconfig")...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: exit %d, err %v; want exit 2 naming %q", tt.reason, exitCode(err), err, tt.want)
		}
	}
}

// Without any kubeconfig the error says how to give one, not client-go's
// KUBERNETES_MASTER.
func TestNoKubeconfigSaysHowToGiveOne(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	_, _, err := run(t, "", "check")
	if err == nil || exitCode(err) != exitCluster {
		t.Fatalf("err = %v (exit %d), want exit 3", err, exitCode(err))
	}
	for _, want := range []string{"--kubeconfig", "KUBECONFIG", "in-cluster"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "KUBERNETES_MASTER") {
		t.Errorf("err %q names client-go's environment variable", err)
	}
}

// Refusals name the flag the user gave, not the request's Go field.
func TestErrorsSpeakOfFlagsNotGoFields(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(scenario, []byte("just some words\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reason  string
		args    []string
		want    string
		notSaid []string
	}{
		{"--from's CNV part", []string{"plan", "--from", "4.14.20/4.15.3", "--to", "4.15.1"}, "--from's OpenShift Virtualization part", []string{"From.CNV", "bad plan request"}},
		{"--to", []string{"plan", "--from", "4.14.20", "--to", "banana"}, `--to: invalid version "banana"`, []string{"To:", "bad plan request"}},
		{"--via", []string{"plan", "--from", "4.14.20", "--to", "4.16.3", "--via", "4.15.x"}, "--via: invalid version", []string{"Via:"}},
		{"--cnv-catalog", []string{"plan", "--from", "4.14.20", "--to", "4.16.3", "--cnv-catalog", "bad"}, "--cnv-catalog: invalid version", []string{"CNVCatalog[0]"}},
		{"a file that is no YAML mapping given to simulate", []string{"simulate", scenario}, "not a YAML mapping", []string{"must be a struct", ": :"}},
		{"a snapshot given to simulate", []string{"simulate", objectsFile}, "forecast reads it with --snapshot", []string{"unknown field"}},
		{"a count-form scenario given as a snapshot", []string{"forecast", "--to", "4.16.5", "--snapshot", "../../examples/scenarios/eus-small.yaml"}, "give it with --scenario", []string{"fake.ParseScenario"}},
		{"simulate without its argument", []string{"simulate"}, "needs one argument: the scenario file", []string{"accepts 1 arg(s)"}},
		{"workload without its argument", []string{"workload"}, "needs one argument: the VMI list", []string{"accepts 1 arg(s)"}},
		{"a stray argument", []string{"graph", "updates", "--graph", stable49, "--from", "4.8.2", "extra"}, `takes no arguments, got "extra"`, []string{"unknown command"}},
		{"a version the graph lacks names --from", []string{"graph", "updates", "--graph", stable49, "--from", "9.9.9"}, "--from: version 9.9.9 not found", nil},
		{"a target the graph lacks names --to", []string{"graph", "path", "--graph", stable49, "--from", "4.8.2", "--to", "9.9.9"}, "--to: version 9.9.9 not found", nil},
		{"an update service that cannot be reached says what was fetched and what to do", []string{"graph", "updates", "--graph", "https://127.0.0.1:1/graph", "--channel", "stable-4.9", "--from", "4.8.2"},
			"fetching the update graph of channel stable-4.9", []string{`Get "`}},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", tt.args...)
		if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v (exit %d), want exit 2 saying %q", tt.reason, err, exitCode(err), tt.want)
			continue
		}
		for _, bad := range tt.notSaid {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("%s: err %q says %q", tt.reason, err, bad)
			}
		}
	}
	_, _, err := run(t, "", "graph", "updates", "--graph", "https://127.0.0.1:1/graph", "--channel", "stable-4.9", "--from", "4.8.2")
	if err == nil || !strings.Contains(err.Error(), "--graph FILE") {
		t.Errorf("an unreachable update service: err %v does not give the remedy", err)
	}
	data, _ := os.ReadFile(stable49)
	_, _, err = run(t, string(data[:len(data)/2]), "graph", "updates", "--graph", "-", "--from", "4.8.2")
	if err == nil || !strings.Contains(err.Error(), "reading the graph from standard input") {
		t.Errorf("a broken graph on standard input: err = %v, want it to say standard input", err)
	}
}

// Flags that cannot apply, or values no one accepts, are exit 2 naming
// the flag and the value.
func TestFlagsNotAcceptedSilently(t *testing.T) {
	tests := []struct {
		reason string
		args   []string
		want   string
	}{
		{"an architecture the update service does not know", []string{"graph", "updates", "--graph", stable49, "--from", "4.8.2", "--arch", "sparc"}, `--arch "sparc"`},
		{"--arch with a graph file", []string{"graph", "updates", "--graph", stable49, "--from", "4.8.2", "--arch", "arm64"}, "--arch arm64 applies only to an update service"},
		{"--arch on graph path with a file", []string{"graph", "path", "--graph", stable49, "--from", "4.8.2", "--to", "4.9.53", "--arch", "s390x"}, "--arch s390x applies only"},
		{"plan: an unknown architecture", []string{"plan", "--from", "4.8.2", "--to", "4.9.53", "--graph", "https://example.invalid/graph", "--arch", "sparc"}, `--arch "sparc"`},
		{"simulate: a conflict on a kind the update never writes", []string{"simulate", "--conflicts", "Foo=2", "../../examples/scenarios/zstream-manual.yaml"}, `--conflicts "Foo=2": "Foo" is not a kind`},
		{"simulate: a negative seed, as forecast refuses it", []string{"simulate", "--seed", "-5", "../../examples/scenarios/zstream-manual.yaml"}, "--seed -5"},
		{"simulate: a migration fault without a count says =N", []string{"simulate", "--fail-migrations", "x", "../../examples/scenarios/zstream-manual.yaml"}, "use NAMESPACE/VMI=N"},
		{"simulate: an unschedulable fault without a duration says =DURATION", []string{"simulate", "--unschedulable", "x", "../../examples/scenarios/zstream-manual.yaml"}, "use NAMESPACE/VMI=DURATION"},
		{"workload: --batch-size without Evict", []string{"workload", "--batch-size", "5", vmisFile}, "--batch-size 5 applies only when Evict"},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", tt.args...)
		if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v (exit %d), want exit 2 saying %q", tt.reason, err, exitCode(err), tt.want)
		}
	}
}

// The help offers "both"; it is accepted, as LiveMigrate,Evict.
func TestWorkloadMethodsBoth(t *testing.T) {
	both, _, err := run(t, "", "workload", "--methods", "both", "-o", "json", vmisFile)
	if err = blockersOnly(err); err != nil {
		t.Fatal(err)
	}
	listed, _, _ := run(t, "", "workload", "--methods", "LiveMigrate,Evict", "-o", "json", vmisFile)
	if both != listed {
		t.Errorf("--methods both differs from --methods LiveMigrate,Evict:\n%s\n%s", both, listed)
	}
}

// Blockers are findings of severity Error: exit 1, and the JSON carries
// what the text says of them.
func TestWorkloadBlockersExitOneWithTheirRemedies(t *testing.T) {
	tests := []struct {
		reason string
		stdin  string
		code   int
	}{
		{"VMIs that block drains", vmisNoImage[:strings.Index(vmisNoImage, "\n{")] + `
{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"b","namespace":"ns1","labels":{"kubevirt.io/outdatedLauncherImage":""}},"spec":{},"status":{"phase":"Running","nodeName":"n1","conditions":[{"type":"LiveMigratable","status":"False","reason":"DisksNotLiveMigratable","message":"PVC is RWO"}]}}
]}`, exitBlocked},
		{"no blocker", vmisNoImage, exitOK},
	}
	for _, tt := range tests {
		out, _, err := run(t, tt.stdin, "workload", "-o", "json", "-")
		if exitCode(err) != tt.code {
			t.Errorf("%s: exit %d (%v), want %d", tt.reason, exitCode(err), err, tt.code)
		}
		var got workloadOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if got.Blockers == nil {
			t.Errorf("%s: no blockers list in the JSON", tt.reason)
		}
		if len(got.Blockers) != got.Counts.Blockers {
			t.Errorf("%s: %d blockers listed, counts say %d", tt.reason, len(got.Blockers), got.Counts.Blockers)
		}
		for _, b := range got.Blockers {
			if b.Message != "PVC is RWO" || b.Fix == "" || b.Workaround == "" {
				t.Errorf("%s: blocker %+v lacks why, fix or workaround", tt.reason, b)
			}
		}
	}
	cmd := newRootCommand()
	sub, _, _ := cmd.Find([]string{"workload"})
	if !strings.Contains(sub.Long, "exits 1") {
		t.Error("workload --help does not say blockers exit 1")
	}
}

// A count named VMIs counts VMIs: a VMI shut down twice in a step is one
// VMI, with the repeat said apart; every move (migration or shutdown by
// eviction) is an attempt; and text, JSON and HTML give the same numbers.
// eus-small shuts down 30 VMIs in unpause-worker-pools, 4 of them twice.
func TestSimulateCountsAddUp(t *testing.T) {
	const scenario = "../../examples/scenarios/eus-small.yaml"
	page := filepath.Join(t.TempDir(), "sim.html")
	out, _, err := run(t, "", "simulate", "-o", "json", "--html", page, scenario)
	if err != nil {
		t.Fatal(err)
	}
	var sim simulation
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	var phaseMigrations, phaseShutDowns int
	repeated := false
	for _, p := range sim.Summary.Phases {
		phaseMigrations += p.Migrations // failed ones included, as per VMI
		phaseShutDowns += p.ShutDowns
		if p.ShutDowns < p.ShutDown || (p.ShutDownAgain > 0) != (p.ShutDowns > p.ShutDown) {
			t.Errorf("%s: %d VMIs shut down, %d shutdowns, %d more than once: they do not add up", p.Step, p.ShutDown, p.ShutDowns, p.ShutDownAgain)
		}
		repeated = repeated || p.ShutDownAgain > 0
	}
	if !repeated {
		t.Fatal("the scenario no longer shuts a VMI down twice in a step: the test needs one that does")
	}
	var attempts, migrations, shutDowns int
	for _, v := range sim.Summary.VMIs {
		if v.Attempts != v.Migrations+v.ShutDowns {
			t.Errorf("%s/%s: %d attempts, but %d migrations and %d shutdowns", v.Namespace, v.Name, v.Attempts, v.Migrations, v.ShutDowns)
		}
		if v.Outcome == outcomeRestarted && v.ShutDowns == 0 {
			t.Errorf("%s/%s: evicted and restarted with no shutdown counted", v.Namespace, v.Name)
		}
		attempts += v.Attempts
		migrations += v.Migrations
		shutDowns += v.ShutDowns
	}
	if migrations != phaseMigrations || shutDowns != phaseShutDowns {
		t.Errorf("per VMI %d migrations and %d shutdowns; per step %d and %d", migrations, shutDowns, phaseMigrations, phaseShutDowns)
	}
	text, _, err := run(t, "", "simulate", scenario)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("attempts: %d moves in all: %d migrations", attempts, migrations),
		fmt.Sprintf("and %d shutdowns by eviction", shutDowns),
		"30 VMIs shut down, 4 of them twice",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<tr data-ns="[^"]*" data-outcome="[^"]*" data-moves="([0-9]+)">.*?<td>([^<]*)</td></tr>`).FindAllStringSubmatch(string(html), -1)
	if len(rows) != len(sim.Summary.VMIs) {
		t.Fatalf("the page has %d rows, want %d", len(rows), len(sim.Summary.VMIs))
	}
	moves := 0
	for _, r := range rows {
		n, _ := strconv.Atoi(r[1])
		moves += n
		if strings.HasSuffix(strings.TrimSpace(r[2]), ":") {
			t.Errorf("a Reason cell ends with an empty colon: %q", r[2])
		}
	}
	if moves != attempts {
		t.Errorf("the page's Moves add up to %d, the JSON's attempts to %d", moves, attempts)
	}
}

func TestShutDownText(t *testing.T) {
	tests := []struct {
		reason string
		p      simPhase
		want   string
	}{
		{"each VMI once", simPhase{ShutDown: 400, ShutDowns: 400, mostShutDowns: 1}, "400 VMIs shut down"},
		{"repeats are said apart, not added to the VMIs", simPhase{ShutDown: 400, ShutDownAgain: 15, ShutDowns: 415, mostShutDowns: 2}, "400 VMIs shut down, 15 of them twice"},
		{"one VMI, twice", simPhase{ShutDown: 1, ShutDownAgain: 1, ShutDowns: 2, mostShutDowns: 2}, "1 VMI shut down twice"},
		{"more than twice gives the shutdowns in all", simPhase{ShutDown: 3, ShutDownAgain: 2, ShutDowns: 7, mostShutDowns: 3}, "3 VMIs shut down, 2 of them more than once (7 shutdowns in all)"},
	}
	for _, tt := range tests {
		if got := shutDownText(tt.p); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.reason, got, tt.want)
		}
	}
}

func TestRowReason(t *testing.T) {
	tests := []struct {
		reason string
		v      vmiOutcome
		want   string
	}{
		{"no reason: the outcome alone, no dangling colon", vmiOutcome{Outcome: outcomeMigrated}, "migrated"},
		{"a reason follows the outcome", vmiOutcome{Outcome: outcomeMigrated, Reason: "live-migrated"}, "migrated: live-migrated"},
	}
	for _, tt := range tests {
		if got := rowReason(tt.v); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.reason, got, tt.want)
		}
	}
}

// When OpenShift does not change the plan is an OpenShift Virtualization
// update on that OpenShift, with no warning about an OpenShift path.
func TestPlanWithoutAnOpenShiftChange(t *testing.T) {
	tests := []struct {
		reason   string
		args     []string
		headline string
		warn     bool
	}{
		{"OpenShift stays: no OpenShift path to verify", []string{"--from", "4.14.20", "--to", "4.14.20"}, "OpenShift Virtualization update on OpenShift 4.14.20", false},
		{"the CNV versions are named when known", []string{"--from", "4.14.20/4.14.3", "--to", "4.14.20", "--cnv-catalog", "4.14.5"}, "OpenShift Virtualization update on OpenShift 4.14.20, from 4.14.3 to 4.14.5", false},
		{"an OpenShift z-stream keeps its headline and its warning", []string{"--from", "4.14.20", "--to", "4.14.25"}, "z-stream update from OpenShift 4.14.20", true},
	}
	for _, tt := range tests {
		out, _, err := run(t, "", append([]string{"plan"}, tt.args...)...)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if !strings.HasPrefix(out, tt.headline) {
			t.Errorf("%s: headline %q, want %q", tt.reason, strings.SplitN(out, "\n", 2)[0], tt.headline)
		}
		if got := strings.Contains(out, "the update path is not verified"); got != tt.warn {
			t.Errorf("%s: path warning %v, want %v:\n%s", tt.reason, got, tt.warn, out)
		}
		if strings.Contains(out, "to OpenShift 4.14.20") && !tt.warn {
			t.Errorf("%s: says an update to the version it runs:\n%s", tt.reason, out)
		}
	}
}

// Every command takes -o: version prints JSON, snapshot writes JSON the
// forecast reads back.
func TestVersionAndSnapshotOutput(t *testing.T) {
	out, _, err := run(t, "", "version", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var v versionJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version == "" || v.GoVersion == "" {
		t.Errorf("version -o json: %v\n%s", err, out)
	}
	const mg = "../../snapshot/testdata/must-gather/ocp-4.9-metal"
	out, _, err = run(t, "", "snapshot", "--must-gather", mg, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal([]byte(out), &head); err != nil || head.Kind != "Objects" {
		t.Fatalf("snapshot -o json: %v\n%.300s", err, out)
	}
	file := filepath.Join(t.TempDir(), "snap.json")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.Load(file); err != nil {
		t.Errorf("the JSON snapshot does not read back: %v", err)
	}
	yamlOut, _, err := run(t, "", "snapshot", "--must-gather", mg)
	if err != nil || !strings.HasPrefix(yamlOut, "apiVersion: ") {
		t.Errorf("snapshot writes YAML by default: %v\n%.200s", err, yamlOut)
	}
	if _, _, err := run(t, "", "snapshot", "--must-gather", mg, "-o", "xml"); exitCode(err) != exitUsage {
		t.Errorf("snapshot -o xml: err = %v, want exit 2", err)
	}
}

// The help says what is true: the role's file, the seed's default, and
// examples.
func TestHelpTexts(t *testing.T) {
	root := newRootCommand()
	help := func(name string) string {
		c, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		c.SetOut(&b)
		_ = c.Help()
		return b.String()
	}
	tests := []struct {
		reason, cmd, want, notSaid string
	}{
		{"the reader role is in deploy/rbac-readonly.yaml", "snapshot", "deploy/rbac-readonly.yaml", "deploy/rbac.yaml "},
		{"simulate's seed says its default once", "simulate", "-1 takes the scenario's", "(default: the scenario's)"},
		{"simulate has examples", "simulate", "Examples:", ""},
		{"simulate points at the scenario format", "simulate", "docs/scenarios.md", ""},
		{"workload's both is explained", "workload", "both (LiveMigrate,Evict)", ""},
	}
	for _, tt := range tests {
		h := help(tt.cmd)
		if !strings.Contains(h, tt.want) || tt.notSaid != "" && strings.Contains(h, tt.notSaid) {
			t.Errorf("%s: %s --help:\n%s", tt.reason, tt.cmd, h)
		}
	}
	for _, f := range []string{"../../deploy/rbac-readonly.yaml"} {
		if data, err := os.ReadFile(f); err != nil || !strings.Contains(string(data), "name: virtupdate-reader") {
			t.Errorf("%s does not define virtupdate-reader: %v", f, err)
		}
	}
}

func TestWrapNeverCuts(t *testing.T) {
	long := "Warning DrainShutsDownVMIs: 400 VMIs will be shut down by the node drains; to do: give the ones that can migrate evictionStrategy LiveMigrate to move them without downtime"
	tests := []struct {
		reason string
		in     string
		width  int
	}{
		{"a finding longer than a line keeps its remedy", long, 40},
		{"a short one stays on one line", "Warning X: fine", 40},
		{"a word longer than the width keeps its own line", "a " + strings.Repeat("x", 60) + " b", 20},
	}
	for _, tt := range tests {
		got := wrap(tt.in, tt.width, "  ")
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(tt.in), " ") {
			t.Errorf("%s: words lost or changed:\n%s", tt.reason, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if l := len(strings.TrimPrefix(line, "  ")); l > tt.width && strings.Contains(strings.TrimSpace(line), " ") {
				t.Errorf("%s: line of %d > %d: %q", tt.reason, l, tt.width, line)
			}
		}
	}
}

// docs/scenarios.md's example is complete and works: it names every field
// of fake.Scenario, and it simulates to the end.
func TestScenarioDocs(t *testing.T) {
	doc := readTestFile(t, "../../docs/scenarios.md")
	start := strings.Index(doc, "```yaml\n")
	end := strings.Index(doc[start+1:], "```\n")
	if start < 0 || end < 0 {
		t.Fatal("docs/scenarios.md has no yaml example")
	}
	example := doc[start+len("```yaml\n") : start+1+end]
	for _, field := range jsonFields(reflect.TypeOf(fake.Scenario{}), "") {
		if !documented(doc, field) {
			t.Errorf("docs/scenarios.md's table lacks %s", field)
		}
		leaf := field[strings.LastIndex(field, ".")+1:]
		if !strings.Contains(example, strings.TrimSuffix(leaf, "[]")+":") {
			t.Errorf("docs/scenarios.md's example lacks %s", field)
		}
	}
	file := filepath.Join(t.TempDir(), "example.yaml")
	if err := os.WriteFile(file, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "simulate", file)
	if err != nil || !strings.Contains(out, "result:   done") {
		t.Errorf("the documented example does not run to the end: %v\n%s", err, out)
	}
	// The VMI list the README uses.
	out, _, err = run(t, "", "workload", "--all", "--methods", "LiveMigrate,Evict", "../../examples/vmis/vmis.json")
	if exitCode(err) != exitBlocked || !strings.Contains(out, "5 VMIs: 2 LiveMigrate, 2 Evict, 1 None") {
		t.Errorf("examples/vmis/vmis.json as the README runs it: exit %d (%v)\n%s", exitCode(err), err, out)
	}
	readme := readTestFile(t, "../../README.md")
	for _, want := range []string{"docs/scenarios.md", "workload --all --methods LiveMigrate,Evict examples/vmis/vmis.json"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}

// jsonFields lists the dotted JSON names of a struct's fields, the fields
// of nested scenario structs (and of their slices) included.
func jsonFields(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		list := false
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			list = list || ft.Kind() == reflect.Slice
			ft = ft.Elem()
		}
		if list && ft.Kind() == reflect.Struct {
			name += "[]"
		}
		if ft.Kind() == reflect.Struct && (strings.HasPrefix(ft.Name(), "Scenario") || ft.PkgPath() == reflect.TypeOf(update.WorkloadUpdateStrategy{}).PkgPath()) {
			out = append(out, jsonFields(ft, prefix+name+".")...)
			continue
		}
		out = append(out, prefix+name)
	}
	return out
}

// documented reports whether the docs' table has a row for the field
// ("`vms[].memory`"), or a row for a list of it whose text names the field
// ("`nodeMaintenances[]` … `group` …").
func documented(doc, field string) bool {
	if strings.Contains(doc, "`"+field+"`") {
		return true
	}
	i := strings.Index(field, "[].")
	if i < 0 {
		return false
	}
	list, leaf := field[:i+2], field[strings.LastIndex(field, ".")+1:]
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `"+list+"`") {
			return strings.Contains(line, "`"+leaf+"`") || strings.Contains(line, leaf+":") || strings.Contains(line, leaf+",") || strings.Contains(line, leaf+"}")
		}
	}
	return false
}
