package workload

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	v1 "kubevirt.io/api/core/v1"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadVMIList(t *testing.T) {
	vmis, err := ReadVMIList(readFile(t, "vmis.json"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Namespace, Name string
		Phase           v1.VirtualMachineInstancePhase
		Migratable      bool
		Eviction        v1.EvictionStrategy
	}
	var got []row
	for _, v := range vmis {
		got = append(got, row{v.Namespace, v.Name, v.Status.Phase, v.IsMigratable(), EffectiveEvictionStrategy(v, nil)})
	}
	want := []row{
		{"shop", "web-1", v1.Running, true, v1.EvictionStrategyLiveMigrate},
		{"shop", "db-0", v1.Running, false, v1.EvictionStrategyLiveMigrate},
		{"dev", "scratch", v1.Running, false, v1.EvictionStrategyNone},
		{"shop", "api-2", v1.Running, true, v1.EvictionStrategyNone},
		{"jobs", "batch-7", v1.Scheduling, false, v1.EvictionStrategyNone},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestReadMigrationList(t *testing.T) {
	ms, err := ReadMigrationList(readFile(t, "vmims.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Spec.VMIName != "web-1" || ms[0].Status.Phase != v1.MigrationScheduling || !isWorkloadUpdate(ms[0]) {
		t.Errorf("got %+v", ms)
	}
	if got := phaseTime(ms[0], v1.MigrationScheduling); !got.Equal(time.Date(2026, 3, 1, 11, 58, 1, 0, time.UTC)) {
		t.Errorf("Scheduling at %v", got)
	}
}

func TestReadListErrors(t *testing.T) {
	tests := []struct{ reason, in, mention string }{
		{"not JSON", `{"kind": "List",`, "malformed JSON"},
		{"empty input", ``, "malformed JSON"},
		{"trailing garbage", `{"kind": "List"} {}`, "more than one value"},
		{"not an object", `[]`, "must be an object, got array"},
		{"kind missing", `{"items": []}`, `field "kind" is missing`},
		{"one VMI, not a list", `{"kind": "VirtualMachineInstance", "metadata": {"name": "a"}}`, `"kind" is "VirtualMachineInstance"; want "List" or "VirtualMachineInstanceList"`},
		{"a list of pods", `{"kind": "PodList", "items": []}`, `"kind" is "PodList"`},
		{"items not an array", `{"kind": "List", "items": {}}`, "field items must be an array, got object"},
		{"an item of another kind", `{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]}`, `items[0].kind is "Pod"; want "VirtualMachineInstance"`},
		{"an item of another group", `{"kind": "List", "items": [{"apiVersion": "v1", "kind": "VirtualMachineInstance", "metadata": {"name": "p"}}]}`, `items[0].apiVersion is "v1"`},
		{"name missing", `{"kind": "List", "items": [{"metadata": {"name": "a"}}, {"metadata": {}}]}`, "items[1].metadata.name is empty"},
		{"phase not a string", `{"kind": "List", "items": [{"metadata": {"name": "a"}, "status": {"phase": 4}}]}`, "items[0]: field status.phase must be a string, got number"},
		{"conditions not an array", `{"kind": "List", "items": [{"metadata": {"name": "a"}, "status": {"conditions": "x"}}]}`, "field status.conditions must be an array, got string"},
		{"bad time", `{"kind": "List", "items": [{"metadata": {"name": "a", "deletionTimestamp": "yesterday"}}]}`, "items[0]"},
	}
	for _, tt := range tests {
		vmis, err := ReadVMIList([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.mention) || vmis != nil {
			t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
		}
	}
	for _, tt := range []struct{ reason, in, mention string }{
		{"a VMI list given as migrations", `{"kind": "VirtualMachineInstanceList", "items": []}`, `"kind" is "VirtualMachineInstanceList"; want "List" or "VirtualMachineInstanceMigrationList"`},
		{"no vmiName", `{"kind": "List", "items": [{"metadata": {"name": "m"}, "spec": {}}]}`, "items[0] (m).spec.vmiName is empty"},
	} {
		if _, err := ReadMigrationList([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
		}
	}
}

func TestParseMethods(t *testing.T) {
	tests := []struct {
		reason, in string
		want       []v1.WorkloadUpdateMethod
		mention    string
	}{
		{"both", "LiveMigrate,Evict", []v1.WorkloadUpdateMethod{LM, Evict}, ""},
		{"spaces are trimmed", " Evict , LiveMigrate ", []v1.WorkloadUpdateMethod{Evict, LM}, ""},
		{"empty: updates off", "", []v1.WorkloadUpdateMethod{}, ""},
		{"unknown", "LiveMigrate,Shutdown", nil, `"Shutdown" is not a workload update method`},
		{"case matters", "livemigrate", nil, `"livemigrate" is not a workload update method`},
		{"empty element", "LiveMigrate,", nil, "empty workload update method"},
		{"twice", "Evict,Evict", nil, `"Evict" is listed twice`},
	}
	for _, tt := range tests {
		got, err := ParseMethods(tt.in)
		if tt.mention != "" {
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("%s: err = %v, want it to mention %q", tt.reason, err, tt.mention)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.reason, err)
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

func TestValidateStrategy(t *testing.T) {
	if err := ValidateStrategy(strategy(LM, Evict)); err != nil {
		t.Errorf("valid strategy: %v", err)
	}
	bad := strategy(LM, "Shutdown")
	bad.BatchEvictionSize = ptr(-1)
	err := ValidateStrategy(bad)
	for _, want := range []string{`workloadUpdateMethods[1]: "Shutdown" is not a workload update method`, "batchEvictionSize is -1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %q", err, want)
		}
	}
}

func FuzzReadVMIList(f *testing.F) {
	f.Add(readFile(f, "vmis.json"))
	f.Add([]byte(`{"kind":"VirtualMachineInstanceList","items":[]}`))
	f.Add([]byte(`{"kind":"List","items":[{"metadata":{"name":"a","labels":{"kubevirt.io/outdatedLauncherImage":""}},"status":{"phase":"Running","migrationState":{"startTimestamp":"2026-01-01T00:00:00Z"}}}]}`))
	f.Add([]byte(`{"kind":"List","items":[{"metadata":{"name":"a","ownerReferences":[{"kind":"VirtualMachine"}]},"spec":{"evictionStrategy":"External"},"status":{"phase":"Running","conditions":[{"type":"LiveMigratable","status":"False"}]}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vmis, err := ReadVMIList(data)
		if err != nil {
			if vmis != nil {
				t.Fatalf("an error must come with no VMIs, got %d", len(vmis))
			}
			return
		}
		for i, v := range vmis {
			if v == nil || v.Name == "" || v.Kind != "VirtualMachineInstance" {
				t.Fatalf("item %d accepted: %+v", i, v)
			}
		}
		// Whatever parses can be decided on, planned and explained without
		// panicking, and every running outdated VMI gets a decision.
		s := strategy(LM, Evict)
		for _, v := range vmis {
			d := Decide(v, s, newImage, nil)
			if d.Reason == "" || d.Code == "" {
				t.Fatalf("no reason for %s: %+v", v.Name, d)
			}
			_ = PredictEviction(v, nil, nil)
			_, _ = FindBlocker(v, s, newImage, nil)
		}
		plan := NewPlanner(DefaultPolicy(), 1).Reconcile(Snapshot{VMIs: vmis, Strategy: s, LauncherImage: newImage, Now: t0})
		if plan.Progress.Outdated != len(plan.Decisions) {
			t.Fatalf("%d outdated, %d decisions", plan.Progress.Outdated, len(plan.Decisions))
		}
		p := plan.Progress
		if p.Migrating+p.Migrate+p.Evict+p.Blocked+p.Stuck != p.Outdated || p.Updated+p.Outdated != p.Running {
			t.Fatalf("progress does not add up: %+v", p)
		}
	})
}
