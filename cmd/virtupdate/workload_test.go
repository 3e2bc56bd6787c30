package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	vmisFile  = "../../workload/testdata/vmis.json"
	vmimsFile = "../../workload/testdata/vmims.json"
)

func readTestFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The JSON shape is the public contract: {"decisions": [{namespace, name,
// method, reason, code, eviction, ...}], "evictionStrategy", "counts"},
// methods LiveMigrate, Evict or None.
func TestWorkloadJSONContract(t *testing.T) {
	out, _, err := run(t, readTestFile(t, vmisFile), "workload", "--methods", "LiveMigrate,Evict", "-o", "json", "-")
	if err = blockersOnly(err); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		EvictionStrategy string              `json:"evictionStrategy"`
		Decisions        []map[string]string `json:"decisions"`
		Counts           workloadCounts      `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not the contract's shape: %v\n%s", err, out)
	}
	if raw.EvictionStrategy != "LiveMigrate" {
		t.Errorf("evictionStrategy = %q, want HCO's multi-node default LiveMigrate", raw.EvictionStrategy)
	}
	type row struct{ Namespace, Name, Method string }
	var got []row
	for _, d := range raw.Decisions {
		if d["reason"] == "" || d["code"] == "" {
			t.Errorf("decision %v: want a reason and a code", d)
		}
		got = append(got, row{d["namespace"], d["name"], d["method"]})
	}
	if raw.Counts.VMIs != len(raw.Decisions) || raw.Counts.ByMethod["Evict"] != 2 || raw.Counts.ByMethod["LiveMigrate"] != 1 {
		t.Errorf("counts %+v do not add up to the decisions", raw.Counts)
	}
	want := []row{
		{"shop", "web-1", "LiveMigrate"},
		{"shop", "db-0", "Evict"},
		{"dev", "scratch", "Evict"},
		{"shop", "api-2", "None"},
		{"jobs", "batch-7", "None"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestWorkloadMethods(t *testing.T) {
	tests := []struct {
		reason  string
		args    []string
		methods []string // web-1, db-0, scratch
		mention []string // in the reasons, in order
	}{
		{"the default is HCO's: LiveMigrate only", nil, []string{"LiveMigrate", "None", "None"}, []string{"", "Evict is not enabled", "Evict is not enabled"}},
		{"no methods: updates off", []string{"--methods", ""}, []string{"None", "None", "None"}, []string{"updates are off", "updates are off", "updates are off"}},
		{"Evict only evicts even migratable VMIs (cluster strategy None: the standalone one is deleted)", []string{"--methods", "Evict", "--eviction-strategy", "None"}, []string{"Evict", "Evict", "Evict"}, []string{"even though it could live-migrate", "every eviction is denied", "data-loss risk"}},
		{"under the default cluster-wide LiveMigrate a non-migratable VMI without its own strategy is denied: it blocks drains", []string{"--methods", "Evict"}, []string{"Evict", "Evict", "Evict"}, []string{"even though it could live-migrate", "every eviction is denied", "every eviction is denied"}},
		{"order does not matter", []string{"--methods", "Evict,LiveMigrate"}, []string{"LiveMigrate", "Evict", "Evict"}, []string{"", "DisksNotLiveMigratable", "InterfaceNotLiveMigratable"}},
		{"an unfinished migration holds a VMI back", []string{"--methods", "LiveMigrate,Evict", "--migrations", vmimsFile}, []string{"None", "Evict", "Evict"}, []string{"not finished yet", "", ""}},
		{"with a target image the image decides: api-2 differs", []string{"--launcher-image", "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:1111"}, []string{"None", "None", "None"}, []string{"already runs", "already runs", "already runs"}},
		{"a cluster-wide LiveMigrateIfPossible turns a standalone VMI's eviction into a shutdown", []string{"--methods", "LiveMigrate,Evict", "--eviction-strategy", "LiveMigrateIfPossible"}, []string{"LiveMigrate", "Evict", "Evict"}, []string{"", "", "gone for good"}},
	}
	for _, tt := range tests {
		args := append([]string{"workload", "-o", "json"}, tt.args...)
		out, _, err := run(t, "", append(args, vmisFile)...)
		if err = blockersOnly(err); err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		var res workloadOutput
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		for i, want := range tt.methods {
			d := res.Decisions[i]
			if d.Method != want || !strings.Contains(d.Reason, tt.mention[i]) {
				t.Errorf("%s: %s: %s %q; want %s mentioning %q", tt.reason, d.Name, d.Method, d.Reason, want, tt.mention[i])
			}
		}
	}
}

func TestWorkloadBatches(t *testing.T) {
	// Twelve standalone non-migratable VMIs: with batch size 5, three batches.
	var items []string
	for i := range 12 {
		items = append(items, `{"kind":"VirtualMachineInstance","metadata":{"name":"vm-`+string(rune('a'+i))+`","namespace":"ns","labels":{"kubevirt.io/outdatedLauncherImage":""}},"status":{"phase":"Running"}}`)
	}
	in := `{"kind":"List","items":[` + strings.Join(items, ",") + `]}`
	out, _, err := run(t, in, "workload", "--methods", "Evict", "--eviction-strategy", "None", "--batch-size", "5", "-o", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var res workloadOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var batches []string
	for _, d := range res.Decisions {
		batches = append(batches, d.Reason[strings.LastIndex(d.Reason, "batch "):])
	}
	want := []string{"batch 1", "batch 1", "batch 1", "batch 1", "batch 1", "batch 2", "batch 2", "batch 2", "batch 2", "batch 2", "batch 3", "batch 3"}
	if d := cmp.Diff(want, batches); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	text, _, err := run(t, in, "workload", "--methods", "Evict", "--eviction-strategy", "None", "--batch-size", "5", "-")
	if err != nil || !strings.Contains(text, "12 VMIs: 0 LiveMigrate, 12 Evict, 0 None; evictions in 3 batches of at most 5") {
		t.Errorf("text summary: %v\n%s", err, text)
	}
}

func TestWorkloadStuck(t *testing.T) {
	var items []string
	for i := range 5 {
		items = append(items, `{"kind":"VirtualMachineInstanceMigration","metadata":{"name":"m`+string(rune('0'+i))+`","namespace":"shop","creationTimestamp":"2026-03-01T1`+string(rune('0'+i))+`:00:00Z","annotations":{"kubevirt.io/workloadUpdateMigration":""}},"spec":{"vmiName":"web-1"},"status":{"phase":"Failed","migrationState":{"failureReason":"target pod unschedulable"}}}`)
	}
	dir := t.TempDir()
	file := dir + "/vmims.json"
	if err := os.WriteFile(file, []byte(`{"kind":"List","items":[`+strings.Join(items, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "workload", "--migrations", file, "-o", "json", vmisFile)
	if err = blockersOnly(err); err != nil {
		t.Fatal(err)
	}
	var res workloadOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if d := res.Decisions[0]; d.Method != "None" || !strings.Contains(d.Reason, "stuck: its last 5 migrations failed (m4: target pod unschedulable)") {
		t.Errorf("web-1: %+v", d)
	}
}

func TestWorkloadText(t *testing.T) {
	out, _, err := run(t, "", "workload", "--methods", "LiveMigrate,Evict", "--eviction-strategy", "None", vmisFile)
	if err = blockersOnly(err); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"NAMESPACE  NAME     METHOD       REASON\n",
		"shop       web-1    LiveMigrate  live-migratable",
		"5 VMIs: 1 LiveMigrate, 2 Evict, 2 None; evictions in 1 batch of at most 10",
		"Blockers (1):\n  shop/db-0: never updates, blocks node drains (DisksNotLiveMigratable)",
		"workaround: remove evictionStrategy LiveMigrate",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestWorkloadErrors(t *testing.T) {
	tests := []struct {
		reason, stdin string
		args          []string
		mention       string
	}{
		{"unknown method", "", []string{"--methods", "LiveMigrate,Restart", vmisFile}, `--methods "LiveMigrate,Restart": "Restart" is not a workload update method`},
		{"not a list", `{"kind":"VirtualMachineInstance","metadata":{"name":"a"}}`, []string{"-"}, `standard input: VMI list: field "kind" is "VirtualMachineInstance"; want "List"`},
		{"wrong kind of item", `{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"}}]}`, []string{"-"}, `items[0].kind is "Pod"`},
		{"not JSON", `kind: List`, []string{"-"}, "malformed JSON"},
		{"no such file", "", []string{"/nonexistent/vmis.json"}, "reading /nonexistent/vmis.json"},
		{"migrations of the wrong kind", "", []string{"--migrations", vmisFile, vmisFile}, `--migrations ` + vmisFile + `: migration list: items[0].kind is "VirtualMachineInstance"`},
		{"both from standard input", "", []string{"--migrations", "-", "-"}, "standard input already holds the VMI list"},
		{"negative batch size", "", []string{"--batch-size", "-1", vmisFile}, "--batch-size -1"},
		{"unknown eviction strategy", "", []string{"--eviction-strategy", "Pause", vmisFile}, `--eviction-strategy "Pause"`},
		{"unknown output", "", []string{"-o", "xml", vmisFile}, `--output "xml"`},
		{"no file: the error says what the argument is", "", nil, "needs one argument: the VMI list"},
	}
	for _, tt := range tests {
		out, _, err := run(t, tt.stdin, append([]string{"workload"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
		}
		if out != "" {
			t.Errorf("%s: wrote %q on error", tt.reason, out)
		}
		if err != nil && exitCode(err) == 0 {
			t.Errorf("%s: exit code 0", tt.reason)
		}
	}
}
