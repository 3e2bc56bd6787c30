package fake

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// allocated is how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A scenario of a few hundred bytes that asks for more VMs or nodes than a
// simulation holds is refused with an error naming the field and the total,
// before a single name is expanded: it allocates less than a megabyte. (It
// used to expand 16 million names and reach 16 GB.)
func TestScenarioTooLargeIsRefusedBeforeAllocating(t *testing.T) {
	base := "clusterVersion: {version: 4.14.20}\nnodes: [{name: \"w-{i}\", count: 3}]\n"
	var vmGroups strings.Builder
	vmGroups.WriteString("clusterVersion: {version: 4.14.20}\nnodes: [{name: w}]\nvms:\n")
	for i := range 16 {
		fmt.Fprintf(&vmGroups, "- {name: \"v%d-{i}\", count: 1000000}\n", i)
	}
	for _, tt := range []struct {
		reason, yaml, mention string
	}{
		{"16 groups of a million VMs, in 400 bytes", vmGroups.String(), "vms: the 16 groups ask for 16000000 VMs in all"},
		{"one VM over the limit", base + fmt.Sprintf("vms: [{name: \"v-{i}\", count: %d}, {name: extra}]\n", MaxScenarioVMs), fmt.Sprintf("ask for %d VMs in all", MaxScenarioVMs+1)},
		{"nodes over the limit", "clusterVersion: {version: 4.14.20}\nnodes: [{name: \"a-{i}\", count: 3000}, {name: \"b-{i}\", count: 3000}]\n", "nodes: the 2 groups ask for 6000 nodes in all"},
		{"a group over the per-group cap", base + "vms: [{name: \"v-{i}\", count: 2000000}]\n", "vms[0].count: must be between 0 and 1000000, got 2000000"},
		{"a name longer than Kubernetes allows", base + "vms: [{name: \"" + strings.Repeat("x", 251) + "-{i}\", count: 20}]\n", "vms[0].name: names of 254 characters"},
		{"a namespace longer than Kubernetes allows", base + "vms: [{namespace: " + strings.Repeat("n", 64) + ", name: v}]\n", "vms[0].namespace: is 64 characters long"},
	} {
		var err error
		bytes := allocated(func() { _, err = ParseScenario([]byte(tt.yaml)) })
		if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: error %v, want one saying %q", tt.reason, err, tt.mention)
		}
		if bytes > 1<<20 {
			t.Errorf("%s: refusing it allocated %d bytes, want less than 1 MiB", tt.reason, bytes)
		}
		if allocs := testing.AllocsPerRun(5, func() { _, _ = ParseScenario([]byte(tt.yaml)) }); allocs > 2000 {
			t.Errorf("%s: refusing it took %v allocations, want a few hundred", tt.reason, allocs)
		}
	}
}

// The limits themselves are accepted: MaxScenarioNodes nodes and
// MaxScenarioVMs VMs.
func TestScenarioAtTheLimitsIsAccepted(t *testing.T) {
	y := fmt.Sprintf("clusterVersion: {version: 4.14.20}\nnodes: [{name: \"w-{i}\", count: %d}]\nvms: [{name: \"v-{i}\", count: %d}]\n", MaxScenarioNodes, MaxScenarioVMs)
	if _, err := ParseScenario([]byte(y)); err != nil {
		t.Fatalf("a scenario at the limits: %v", err)
	}
}

// A Scenario built in Go, which ParseScenario never saw, is refused by
// NewCluster all the same.
func TestScenarioNewClusterRefusesTooLarge(t *testing.T) {
	s := &Scenario{ClusterVersion: ScenarioClusterVersion{Version: "4.14.20"}, Nodes: []ScenarioNodes{{Name: "w"}}}
	for i := range 3 {
		s.VMs = append(s.VMs, ScenarioVMs{Name: fmt.Sprintf("v%d-{i}", i), Count: maxGroup})
	}
	var err error
	bytes := allocated(func() { _, err = s.NewCluster() })
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "3000000 VMs in all") {
		t.Errorf("NewCluster of 3 million VMs: %v, want refused", err)
	}
	if bytes > 1<<20 {
		t.Errorf("refusing it allocated %d bytes", bytes)
	}
}

// A scenario file larger than MaxScenarioBytes is refused from its size,
// without being read.
func TestLoadScenarioRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxScenarioBytes + 1); err != nil { // sparse: takes no disk
		t.Fatal(err)
	}
	f.Close()
	bytes := allocated(func() { _, err = LoadScenario(path) })
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes", MaxScenarioBytes+1)) {
		t.Errorf("a file of %d bytes: %v, want refused", MaxScenarioBytes+1, err)
	}
	if bytes > 1<<20 {
		t.Errorf("refusing it allocated %d bytes", bytes)
	}
	if _, err := ParseScenario(make([]byte, MaxScenarioBytes+1)); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("ParseScenario of %d bytes: %v, want refused", MaxScenarioBytes+1, err)
	}
}

// Every duration of a scenario's timing, and the HyperConverged's
// batchEvictionInterval, is at least MinScenarioDuration: a nanosecond
// would make the simulation run one instant per nanosecond, for ever.
func TestScenarioDurationsHaveALowerBound(t *testing.T) {
	base := "clusterVersion: {version: 4.14.20}\n"
	fields := []string{"operatorInstall", "componentUpdate", "platformUpdate", "nodeReboot", "targetPodStart", "vmRestart", "workloadUpdaterInterval"}
	for _, field := range fields {
		for _, tt := range []struct {
			reason, value string
			ok            bool
		}{
			{"a nanosecond", "1ns", false},
			{"just under a second", "999ms", false},
			{"zero, which is not the way to ask for the default", "0s", false},
			{"a second", "1s", true},
			{"days", "2d", true},
		} {
			_, err := ParseScenario([]byte(base + "timing: {" + field + ": " + tt.value + "}\n"))
			switch {
			case tt.ok && err != nil:
				t.Errorf("timing.%s %s (%s): %v, want accepted", field, tt.value, tt.reason, err)
			case !tt.ok && (!errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "timing."+field+`: "`+tt.value+`" is shorter than 1s`)):
				t.Errorf("timing.%s %s (%s): %v, want refused naming the field and the value", field, tt.value, tt.reason, err)
			}
		}
	}
	_, err := ParseScenario([]byte(base + "hyperConverged: {workloadUpdateStrategy: {batchEvictionInterval: 1ns}}\n"))
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), `hyperConverged.workloadUpdateStrategy.batchEvictionInterval: "1ns" is shorter than 1s`) {
		t.Errorf("batchEvictionInterval 1ns: %v, want refused", err)
	}
}

// A cluster built in Go with a nanosecond resync takes a second: in ten
// minutes the workload updater looks some hundred times, not billions.
func TestWorkloadUpdaterIntervalHasALowerBound(t *testing.T) {
	c := NewCluster(Options{Start: t0, Seed: 1, Timing: Timing{WorkloadUpdaterInterval: time.Nanosecond}})
	c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}
	c.SetHyperConverged(update.HyperConverged{Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}})
	c.SetOperator(Operator{Version: "4.14.3", Catalog: []string{"4.14.4"}})
	c.AddNodes(worker("w1", "a", time.Hour), worker("w2", "b", time.Hour))
	// It cannot migrate and Evict is off: it stays outdated, and the
	// updater resyncs for as long as the simulation runs.
	c.AddVMIs(newVMI("ns", "stays", "w1", LauncherImage("4.14.3"), migratable(false)))
	steps := 0
	done, err := c.RunUntil(func() bool { steps++; return steps > 20000 }, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if done || c.Clock().Now().Sub(t0) != 10*time.Minute {
		t.Errorf("after %d instants the clock is at +%v: a nanosecond resync was not raised to a second", steps, c.Clock().Now().Sub(t0))
	}
	if c.OutdatedVMIs() != 1 {
		t.Errorf("%d VMIs outdated, want the one that cannot migrate", c.OutdatedVMIs())
	}
}
