package eus_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// chaosSeeds is how many seeds TestChaos runs; VIRTUPDATE_CHAOS_SEEDS
// raises it (e.g. 2000) for a longer hunt.
func chaosSeeds(t *testing.T) int {
	n := 200
	if s := os.Getenv("VIRTUPDATE_CHAOS_SEEDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("VIRTUPDATE_CHAOS_SEEDS=%q is not a positive number", s)
		}
		n = v
	}
	if testing.Short() {
		n = min(n, 20)
	}
	return n
}

// chaosScenario draws a small cluster, its workload update settings and
// faults from the seed.
func chaosScenario(seed uint64) (yaml string, batch int) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	methods := []string{"", "workloadUpdateMethods: [], ", "workloadUpdateMethods: [LiveMigrate], ",
		"workloadUpdateMethods: [LiveMigrate, Evict], ", "workloadUpdateMethods: [Evict], ", "workloadUpdateMethods: [Evict, LiveMigrate], "}[r.IntN(6)]
	batch = 1 + r.IntN(3)
	approval := []string{"Automatic", "Manual"}[r.IntN(2)]
	workers := 2 + r.IntN(3)
	good, bad := 3+r.IntN(8), r.IntN(3)
	var b strings.Builder
	fmt.Fprintf(&b, "seed: %d\nclusterVersion: {version: 4.14.20}\n", seed)
	fmt.Fprintf(&b, "cnv: {version: 4.14.3, approval: %s, catalog: [4.15.1, 4.15.2, 4.16.1]}\n", approval)
	fmt.Fprintf(&b, "hyperConverged: {workloadUpdateStrategy: {%sbatchEvictionSize: %d, batchEvictionInterval: 1m0s}}\n", methods, batch)
	fmt.Fprintf(&b, "clusterEvictionStrategy: LiveMigrate\n")
	// maxUnavailable below the worker count: draining every node at once
	// leaves migrations nowhere to go, which the pre-flight refuses
	// (TestPreflightRefusesAPoolDrainedAtOnce).
	fmt.Fprintf(&b, "pools: [{name: master}, {name: worker, maxUnavailable: %d}]\n", 1+r.IntN(workers-1))
	fmt.Fprintf(&b, "nodes: [{name: \"m-{i}\", count: 1, role: master}, {name: \"w-{i}\", count: %d, zones: [a, b]}]\n", workers)
	fmt.Fprintf(&b, "vms:\n  - {namespace: ns, name: \"vm-{i}\", count: %d, memory: %dGi}\n", good, 1+r.IntN(4))
	if bad > 0 {
		fmt.Fprintf(&b, "  - {namespace: ns, name: \"fixed-{i}\", count: %d, migratable: false, evictionStrategy: None}\n", bad)
	}
	var faults []string
	if r.IntN(2) == 0 {
		faults = append(faults, fmt.Sprintf("migrationFailures: [{vmi: ns/vm-%d, count: %d}]", r.IntN(good), 1+r.IntN(7)))
	}
	if r.IntN(2) == 0 {
		faults = append(faults, fmt.Sprintf("unschedulableTargets: [{vmi: ns/vm-%d, for: %dm}]", r.IntN(good), 1+r.IntN(30)))
	}
	if r.IntN(2) == 0 {
		kinds := []string{fake.KindHyperConverged, fake.KindInstallPlan, fake.KindClusterVersion, fake.KindMachineConfigPool,
			fake.KindCheckpoint, fake.KindMigration, fake.KindEviction}
		faults = append(faults, fmt.Sprintf("conflicts: [{kind: %s, count: %d}]", kinds[r.IntN(len(kinds))], 1+r.IntN(3)))
	}
	if len(faults) > 0 {
		fmt.Fprintf(&b, "faults: {%s}\n", strings.Join(faults, ", "))
	}
	return b.String(), batch
}

// TestChaos runs the EUS-to-EUS plan on small random clusters with random
// faults (failing migrations, unschedulable targets, lost races) and random
// crashes of the runner, and checks after each run: evictions per interval
// within the batch size, running migrations within the cap, CNV never
// ahead of OpenShift, no minor skipped, the methods restored exactly, and
// every VMI updated or reported with a reason.
func TestChaos(t *testing.T) {
	n := chaosSeeds(t)
	start := time.Now()
	for seed := range uint64(n) {
		if err := chaosRun(seed); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
	t.Logf("%d seeds in %s", n, time.Since(start).Round(time.Millisecond))
}

func chaosRun(seed uint64) error {
	yaml, batch := chaosScenario(seed)
	s, err := fake.ParseScenario([]byte(yaml))
	if err != nil {
		return fmt.Errorf("scenario: %v\n%s", err, yaml)
	}
	c, _ := s.NewCluster()
	ctx := context.Background()
	hc, _ := c.GetHyperConverged(ctx)
	orig := update.BackupMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods)
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		return err
	}
	w := &watcher{c: c}
	r := rand.New(rand.NewPCG(seed, 0xc4a05))
	var events []update.Event
	for attempt := 0; ; attempt++ {
		crashAt := -1
		if attempt < 3 && r.IntN(2) == 0 {
			crashAt = len(events) + 1 + r.IntN(60)
		}
		runCtx, crash := context.WithCancel(ctx)
		opts := w.options(&events)
		inner := opts.OnEvent
		opts.OnEvent = func(e update.Event) {
			inner(e)
			if len(events) == crashAt {
				crash()
			}
		}
		_, err := update.Run(runCtx, c, plan, opts)
		crash()
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) || attempt > 5 {
			return fmt.Errorf("run %d: %v\n%s", attempt, err, yaml)
		}
	}
	var problems []string
	problems = append(problems, w.violations...)
	hc, _ = c.GetHyperConverged(ctx)
	if !orig.Equal(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods) {
		problems = append(problems, fmt.Sprintf("methods %s, want %s", update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods), orig))
	}
	problems = append(problems, checkEvictionBatches(c.Events(), batch, time.Minute)...)
	problems = append(problems, checkMigrationCap(c.Events(), workload.DefaultParallelMigrationsPerCluster)...)
	reported := map[string]bool{}
	for _, e := range events {
		if e.Type == update.EventReport && strings.HasPrefix(e.Message, "VMI ") {
			reported[strings.Fields(e.Message)[1]] = true
		}
	}
	outdated, _ := c.ListVMIs(ctx, update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
	for _, v := range outdated {
		if !reported[v.Namespace+"/"+v.Name] {
			problems = append(problems, "VMI "+v.Namespace+"/"+v.Name+" is outdated and was not reported")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s\n%s", strings.Join(problems, "\n"), yaml)
	}
	return nil
}

// checkEvictionBatches: the workload updater evicts at most batch VMIs at a
// time, and its batches are at least interval apart.
func checkEvictionBatches(events []fake.Event, batch int, interval time.Duration) []string {
	perInstant := map[time.Time]int{}
	for _, e := range events {
		if strings.HasPrefix(e.Message, "workload update") &&
			(e.Reason == "ShutDown" || e.Reason == "Deleted" || e.Reason == "EvacuationStarted" || e.Reason == "FailedEvict") {
			perInstant[e.Time]++
		}
	}
	var times []time.Time
	for at := range perInstant {
		times = append(times, at)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	var out []string
	for i, at := range times {
		if perInstant[at] > batch {
			out = append(out, fmt.Sprintf("%d evictions at %s, batch size %d", perInstant[at], at.Format(time.TimeOnly), batch))
		}
		if i > 0 && at.Sub(times[i-1]) < interval {
			out = append(out, fmt.Sprintf("eviction batches at %s and %s, less than %s apart", times[i-1].Format(time.TimeOnly), at.Format(time.TimeOnly), interval))
		}
	}
	return out
}

// checkMigrationCap: no more than limit migrations run at once.
func checkMigrationCap(events []fake.Event, limit int) []string {
	running := map[string]bool{}
	peak := 0
	for _, e := range events {
		if e.Kind != fake.KindMigration {
			continue
		}
		k := e.Namespace + "/" + e.Name
		switch e.Reason {
		case "Running":
			running[k] = true
		case "Succeeded", "Failed", "Deleted":
			delete(running, k)
		}
		peak = max(peak, len(running))
	}
	if peak > limit {
		return []string{fmt.Sprintf("%d migrations ran at once, the cap is %d", peak, limit)}
	}
	return nil
}
