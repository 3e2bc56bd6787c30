package fake

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestGoldenTimeline(t *testing.T) {
	s, err := LoadScenario(filepath.Join("testdata", "zstream-small.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.RunUntil(func() bool { return c.targetLauncher() == LauncherImage("4.14.4") && c.OutdatedVMIs() == 0 }, 24*time.Hour)
	if err != nil || !done {
		t.Fatalf("the update did not finish: %v %v", done, err)
	}
	var b strings.Builder
	for _, e := range c.Events() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "zstream-small.timeline")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./fake -run TestGoldenTimeline -update to create it)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("timeline changed (-golden +got); if intended, rerun with -update:\n%s", d)
	}
	// The same seed gives the same run.
	c2, _ := s.NewCluster()
	_, _ = c2.RunUntil(func() bool { return c2.targetLauncher() == LauncherImage("4.14.4") && c2.OutdatedVMIs() == 0 }, 24*time.Hour)
	if len(c2.Events()) != len(c.Events()) {
		t.Errorf("a second run of the same scenario differs: %d vs %d events", len(c2.Events()), len(c.Events()))
	}
}

func TestParseScenarioErrors(t *testing.T) {
	base := "clusterVersion: {version: 4.14.20}\n"
	for _, tt := range []struct{ reason, yaml, mention string }{
		{"not YAML", "a: [", "not valid YAML"},
		{"unknown field", base + "nodez: []\n", `nodez: unknown field`},
		{"wrong type", "clusterVersion: {version: 4.14.20}\nseed: abc\n", "seed: must be a int64"},
		{"version required", "clusterVersion: {}\n", "clusterVersion.version: is required"},
		{"bad version", "clusterVersion: {version: four}\n", `clusterVersion.version: "four" is not a version`},
		{"bad channel", "clusterVersion: {version: 4.14.20, channel: eus-4.15}\n", "clusterVersion.channel"},
		{"bad approval", base + "cnv: {version: 4.14.3, approval: Maybe}\n", `cnv.approval: "Maybe" is not Automatic or Manual`},
		{"bad catalog", base + "cnv: {version: 4.14.3, catalog: [4.14.4, x]}\n", "cnv.catalog[1]"},
		{"bad method", base + "hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [Reboot]}}\n", `workloadUpdateMethods[0]: "Reboot" is not LiveMigrate or Evict`},
		{"group without {i}", base + "nodes: [{name: w, count: 3}]\n", "nodes[0].name: \"w\" must contain {i}"},
		{"negative count", base + `nodes: [{name: "w-{i}", count: -1}]` + "\n", "nodes[0].count"},
		{"bad role", base + "nodes: [{name: w, role: boss}]\n", `nodes[0].role: "boss"`},
		{"bad age", base + "nodes: [{name: w, age: old}]\n", "nodes[0].age"},
		{"duplicate node", base + "nodes: [{name: w}, {name: w}]\n", `node "w" is defined twice`},
		{"VMs need workers", base + "nodes: [{name: m, role: master}]\nvms: [{name: v}]\n", "VMs need at least one worker"},
		{"bad memory", base + "nodes: [{name: w}]\nvms: [{name: v, memory: lots}]\n", "vms[0].memory"},
		{"bad eviction strategy", base + "nodes: [{name: w}]\nvms: [{name: v, evictionStrategy: Maybe}]\n", "vms[0].evictionStrategy"},
		{"bad run strategy", base + "nodes: [{name: w}]\nvms: [{name: v, runStrategy: Sometimes}]\n", "vms[0].runStrategy"},
		{"unknown pinned node", base + "nodes: [{name: w}]\nvms: [{name: v, node: x}]\n", `vms[0].node: "x"`},
		{"fault on unknown VM", base + "nodes: [{name: w}]\nvms: [{namespace: a, name: v}]\nfaults: {migrationFailures: [{vmi: a/z, count: 1}]}\n", "faults.migrationFailures[0].vmi"},
		{"fault of unknown kind", base + "faults: {conflicts: [{kind: Pod, count: 1}]}\n", "faults.conflicts[0].kind"},
		{"bad maintenance group", base + "nodes: [{name: w}]\nnodeMaintenances: [{group: x, name: nm1, node: w}]\n", "nodeMaintenances[0].group"},
		{"bad timing", base + "timing: {nodeReboot: soon}\n", "timing.nodeReboot"},
		{"bad update target", base + "update: {to: next}\n", "update.to"},
		{"bad start", base + "start: yesterday\n", "start"},
		{"bad dirty rate", base + "nodes: [{name: w}]\nvms: [{name: v, dirtyRate: lots}]\n", `vms[0].dirtyRate: "lots"`},
		{"negative dirty rate", base + "nodes: [{name: w}]\nvms: [{name: v, dirtyRate: -1Mi}]\n", "vms[0].dirtyRate"},
		{"bad bandwidth", base + "hyperConverged: {liveMigrationConfig: {bandwidthPerMigration: fast}}\n", `hyperConverged.liveMigrationConfig.bandwidthPerMigration: "fast"`},
		{"bad cluster eviction strategy", base + "clusterEvictionStrategy: Sometimes\n", `clusterEvictionStrategy: "Sometimes"`},
	} {
		_, err := ParseScenario([]byte(tt.yaml))
		if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want ErrInvalidScenario mentioning %q", tt.reason, err, tt.mention)
		}
	}
}

func TestScenarioBuildsWhatItSays(t *testing.T) {
	s, err := ParseScenario([]byte(`
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, approval: Manual}
clusterEvictionStrategy: LiveMigrate
nodes:
  - {name: "m-{i}", count: 3, role: master}
  - {name: "w-{i}", count: 4, zones: [a, b]}
vms:
  - {namespace: ns, name: "v-{i}", count: 8}
  - {namespace: ns, name: lone, runStrategy: Standalone}
nodeMaintenances: [{group: nodemaintenance.kubevirt.io, name: nm, node: w-1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.nodes) != 7 || len(c.vmis) != 9 || len(c.vms) != 8 || len(c.nms) != 1 {
		t.Errorf("nodes %d, vmis %d, vms %d, nms %d; want 7, 9, 8, 1", len(c.nodes), len(c.vmis), len(c.vms), len(c.nms))
	}
	perNode := map[string]int{}
	for _, v := range c.vmis {
		perNode[v.Status.NodeName]++
	}
	if perNode["w-0"] != 3 || perNode["w-3"] != 2 || perNode["m-0"] != 0 {
		t.Errorf("VMIs spread over workers only, in turn: %v", perNode)
	}
	if c.nodes["w-1"].Labels[LabelZone] != "b" || c.subs[key{"openshift-cnv", "kubevirt-hyperconverged"}].InstallPlanApproval != "Manual" {
		t.Error("zones and approval as written")
	}
}

func FuzzParseScenario(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", "zstream-small.yaml"))
	f.Add(data)
	f.Add([]byte("clusterVersion: {version: 4.14.20}\nnodes: [{name: \"w-{i}\", count: 2}]\nvms: [{name: v}]\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScenario(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("error not wrapping ErrInvalidScenario: %v", err)
			}
			return
		}
		total := 0
		for _, g := range s.Nodes {
			total += max(g.Count, 1)
		}
		for _, g := range s.VMs {
			total += max(g.Count, 1)
		}
		if total > 2000 {
			return // valid but too large to build in a fuzz iteration
		}
		if _, err := s.NewCluster(); err != nil {
			t.Fatalf("a valid scenario failed to build: %v", err)
		}
	})
}

// A scenario is stored as HCO stores it: no methods means HCO's CRD default
// [LiveMigrate] (api/v1beta1/hyperconverged_types.go +kubebuilder:default);
// no clusterEvictionStrategy means HCO's webhook default by worker count
// (pkg/webhooks/mutator/hyperConvergedMutator.go mutateEvictionStrategy,
// pkg/internal/nodeinfo/nodeinfo.go); clusterEvictionStrategy is the
// HyperConverged's spec.evictionStrategy; dirtyRate reaches every VM of the
// group.
func TestScenarioHyperConvergedAsStored(t *testing.T) {
	for _, tc := range []struct {
		reason, yaml, methods, eviction string
	}{
		{"no methods, three workers", "nodes: [{name: \"w-{i}\", count: 3}]\n", "[LiveMigrate]", "LiveMigrate"},
		{"one worker: None", "nodes: [{name: \"m-{i}\", count: 3, role: master}, {name: w}]\n", "[LiveMigrate]", "None"},
		{"explicit [] and a cluster strategy", "hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: []}}\nclusterEvictionStrategy: LiveMigrateIfPossible\nnodes: [{name: w}]\n",
			"[]", "LiveMigrateIfPossible"},
	} {
		s, err := ParseScenario([]byte("clusterVersion: {version: 4.14.20}\ncnv: {version: 4.14.3}\n" + tc.yaml +
			"vms: [{namespace: ns, name: \"v-{i}\", count: 2, dirtyRate: 200Mi}]\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		c, err := s.NewCluster()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		hc, _ := c.GetHyperConverged(t.Context())
		kv, err := c.GetKubeVirt(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if got := update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods); got != tc.methods {
			t.Errorf("%s: workloadUpdateMethods %s, want %s", tc.reason, got, tc.methods)
		}
		if show(hc.Spec.EvictionStrategy) != tc.eviction || show(kv.Spec.Configuration.EvictionStrategy) != tc.eviction {
			t.Errorf("%s: evictionStrategy %s on the HyperConverged, %s on the KubeVirt CR; want %s on both", tc.reason,
				show(hc.Spec.EvictionStrategy), show(kv.Spec.Configuration.EvictionStrategy), tc.eviction)
		}
		c.mu.Lock()
		rates := []int64{c.virt.dirtyRates[key{"ns", "v-0"}], c.virt.dirtyRates[key{"ns", "v-1"}]}
		c.mu.Unlock()
		if rates[0] != 200<<20 || rates[1] != 200<<20 {
			t.Errorf("%s: dirty rates %v, want 200Mi for both VMs of the group", tc.reason, rates)
		}
	}
}

// docExample is the example of the Scenario doc comment, verbatim: it must
// stay a valid scenario.
const docExample = `seed: 7
start: "2026-03-01T00:00:00Z"
timing:
  operatorInstall: 5m
  nodeReboot: 5m
  migrationBandwidth: 1Gi          # the link a migration copies over, per second
clusterVersion: {version: 4.14.20, channel: eus-4.16}
cnv: {version: 4.14.3, approval: Automatic, catalog: [4.15.2, 4.16.1]}
hyperConverged:
  workloadUpdateStrategy:
    workloadUpdateMethods: [LiveMigrate, Evict]   # absent: [LiveMigrate]; []: off
    batchEvictionSize: 10
    batchEvictionInterval: 1m0s
  liveMigrationConfig:
    parallelMigrationsPerCluster: 5
    parallelOutboundMigrationsPerNode: 1
    bandwidthPerMigration: 500Mi   # per second; absent or 0: the link's speed
    completionTimeoutPerGiB: 20
    progressTimeout: 150
clusterEvictionStrategy: LiveMigrate   # absent: HCO's default by worker count
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 20, zones: [a, b, c], age: 30d}
vms:
  - {namespace: prod, name: "db-{i}", count: 200, memory: 8Gi, runStrategy: Always}
  - {namespace: prod, name: "cache-{i}", count: 4, memory: 16Gi, dirtyRate: 2Gi}
  - {namespace: prod, name: "legacy-{i}", count: 10, migratable: false, evictionStrategy: None, runStrategy: Always}
faults:
  migrationFailures: [{vmi: prod/db-3, count: 2}]
  unschedulableTargets: [{vmi: prod/db-7, for: 12m}]
update: {to: 4.16.3}
`

func TestScenarioDocExample(t *testing.T) {
	s, err := ParseScenario([]byte(docExample))
	if err != nil {
		t.Fatalf("the documented example does not parse: %v", err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	kv, err := c.GetKubeVirt(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if bw := kv.Spec.Configuration.MigrationConfiguration.BandwidthPerMigration; bw == nil || bw.String() != "500Mi" {
		t.Errorf("bandwidthPerMigration reaches the KubeVirt CR as %v, want 500Mi", bw)
	}
}

// A file that is YAML but not a mapping (a line of text, a list) is not a
// scenario, and the error says what the top level must be.
func TestParseScenarioThatIsNotAMapping(t *testing.T) {
	for _, in := range []string{"root:x:0:0:root:/root:/bin/bash\n", "- a\n- b\n"} {
		_, err := ParseScenario([]byte(in))
		if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "top level must be a YAML mapping") {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

// A scenario's cluster is handed out as a reader finds a running one: HCO
// has reconciled (its webhook defaulted spec.evictionStrategy and it
// created the KubeVirt CR, hyperconverged-cluster-operator
// controllers/handlers/kubevirt.go), so pre-flight reads the cluster-wide
// eviction strategy the run then applies.
func TestScenarioClusterIsReconciledWhenHandedOut(t *testing.T) {
	s, err := ParseScenario([]byte(`
clusterVersion: {version: 4.14.20, channel: stable-4.14}
cnv: {version: 4.14.3}
nodes:
  - {name: master-0, role: master}
  - {name: "worker-{i}", count: 2}
vms:
  - {namespace: prod, name: db, count: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	start := c.Clock().Now()
	got, from, err := update.ReadClusterEvictionStrategy(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if got != kubevirtv1.EvictionStrategyLiveMigrate || from != update.EvictionFromKubeVirt {
		t.Errorf("cluster-wide eviction strategy %s from %s, want LiveMigrate from the KubeVirt CR HCO created", got, from)
	}
	if !c.Clock().Now().Equal(start) {
		t.Error("handing the cluster out moved its time")
	}
}
