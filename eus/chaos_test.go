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

// chaosFaults says which faults of a scenario stop an update on purpose, so
// the run is expected to fail with their error.
type chaosFaults struct {
	bootFailure    string // a worker that does not come back from its reboot
	installFailure bool   // an operator install that fails
	infraPaused    bool   // a pool paused before the plan, which it must leave paused
	workers        int
}

// chaosScenarioFaults draws a small cluster, its workload update settings
// and faults from the seed.
func chaosScenarioFaults(seed uint64) (yaml string, batch int, f chaosFaults) {
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
	f.workers = workers
	f.infraPaused = r.IntN(4) == 0
	infraPool, infraNode := "", ""
	if f.infraPaused {
		infraPool = ", {name: infra, paused: true}" // a custom pool, paused by the admin, with no node of its own
	}
	fmt.Fprintf(&b, "pools: [{name: master}, {name: worker, maxUnavailable: %d}%s]\n", 1+r.IntN(workers-1), infraPool)
	fmt.Fprintf(&b, "nodes: [{name: \"m-{i}\", count: 1, role: master}, {name: \"w-{i}\", count: %d, zones: [a, b]}%s]\n", workers, infraNode)
	fmt.Fprintf(&b, "vms:\n  - {namespace: ns, name: \"vm-{i}\", count: %d, memory: %dGi}\n", good, 1+r.IntN(4))
	if bad > 0 {
		fmt.Fprintf(&b, "  - {namespace: ns, name: \"fixed-{i}\", count: %d, migratable: false, evictionStrategy: None}\n", bad)
	}
	// VMs of every run strategy that a drain shuts down: whether each comes
	// back is its runStrategy's business.
	for _, rs := range []string{"Always", "RerunOnFailure", "Manual", "Once"} {
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "  - {namespace: rs, name: \"%s-{i}\", count: %d, runStrategy: %s, migratable: false, evictionStrategy: None}\n",
				strings.ToLower(rs), 1+r.IntN(2), rs)
		}
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
	if r.IntN(8) == 0 {
		f.bootFailure = fmt.Sprintf("w-%d", r.IntN(workers))
		faults = append(faults, "nodeBootFailures: ["+f.bootFailure+"]")
	}
	if r.IntN(8) == 0 {
		f.installFailure = true
		faults = append(faults, "operatorInstallFailures: 1")
	}
	if len(faults) > 0 {
		fmt.Fprintf(&b, "faults: {%s}\n", strings.Join(faults, ", "))
	}
	return b.String(), batch, f
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
	t.Logf("%d seeds in %s; %d stopped by a node that does not boot or a failed operator install; the most disruptions of one VMI: %d",
		n, time.Since(start).Round(time.Millisecond), chaosStopped, chaosMaxDisruptions)
	if n >= 100 && chaosStopped == 0 {
		t.Error("no seed stopped on a node-boot or install failure: the faults are not drawn")
	}
}

func chaosRun(seed uint64) error {
	yaml, batch, faults := chaosScenarioFaults(seed)
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
		if expectedStop(err, faults) {
			chaosStopped++
			return checkStopped(ctx, c, err, orig, faults, yaml)
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
	problems = append(problems, checkNothingLost(ctx, c, events, faults)...)
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

// expectedStop reports whether the plan stopped because of a fault injected
// to stop it: a node that never comes back (a wait times out) or an
// operator install that fails.
func expectedStop(err error, f chaosFaults) bool {
	var te *update.TimeoutError
	return (f.bootFailure != "" && errors.As(err, &te)) || (f.installFailure && errors.Is(err, update.ErrOperatorInstallFailed))
}

// checkStopped: a plan stopped by a fault loses nothing — the methods are
// either the original ones or [] with the original kept in the checkpoint,
// so a later run restores them — and a timeout names what it waited for.
func checkStopped(ctx context.Context, c *fake.Cluster, err error, orig update.MethodsBackup, f chaosFaults, yaml string) error {
	hc, _ := c.GetHyperConverged(ctx)
	cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	if !orig.Equal(cur) {
		rec, lerr := update.LoadRecord(ctx, c, "")
		if lerr != nil || rec.Methods == nil || !rec.Methods.Equal(orig.Value()) {
			return fmt.Errorf("stopped by a fault (%v) with methods %s and no checkpoint keeping %s\n%s", err, update.ShowMethods(cur), orig, yaml)
		}
	}
	var te *update.TimeoutError
	if errors.As(err, &te) && te.For == "" {
		return fmt.Errorf("a timeout that does not say what it waited for: %v\n%s", err, yaml)
	}
	return nil
}

// maxDisruptions is the bound on how often one VMI is disrupted (moved or
// shut down) in an EUS-to-EUS run with paused workers: once per worker
// it may land on before that worker's single reboot, plus the workload
// update's move.
func maxDisruptions(workers int) int { return workers + 1 }

// chaosMaxDisruptions is the most disruptions of one VMI seen over the
// chaos seeds, for the log.
var chaosMaxDisruptions int

// chaosStopped counts the runs a fault stopped on purpose.
var chaosStopped int

// checkNothingLost: after a finished run every VMI of a VirtualMachine with
// runStrategy Always runs, every other VMI that is not running was shut
// down by a drain and is reported by the plan's verify step, no VMI
// vanished, a pool paused before the plan is still paused, and no VMI was
// disrupted more often than the bound.
func checkNothingLost(ctx context.Context, c *fake.Cluster, events []update.Event, f chaosFaults) []string {
	var out []string
	vms, _ := c.ListVirtualMachines(ctx, update.ListOptions{})
	vmis, _ := c.ListVMIs(ctx, update.ListOptions{})
	byName := map[string]*kubevirtv1.VirtualMachineInstance{}
	for i := range vmis {
		byName[vmis[i].Namespace+"/"+vmis[i].Name] = &vmis[i]
	}
	restartAware := map[string]bool{}
	for _, e := range events {
		if e.Type == update.EventReport || e.Type == update.EventProgress {
			restartAware[e.Message] = true
		}
	}
	for _, vm := range vms {
		k := vm.Namespace + "/" + vm.Name
		vmi := byName[k]
		always := vm.Spec.RunStrategy != nil && *vm.Spec.RunStrategy == kubevirtv1.RunStrategyAlways
		switch {
		case always && (vmi == nil || vmi.IsFinal()):
			out = append(out, "VM "+k+" has runStrategy Always but does not run")
		case vmi == nil && vm.Spec.RunStrategy != nil && *vm.Spec.RunStrategy != kubevirtv1.RunStrategyHalted:
			// Shut down by a drain and not restarted (Manual, Once,
			// RerunOnFailure after a clean shutdown): expected, as long
			// as it was the drain's doing.
		}
	}
	// A disruption is a move that happened: a migration that succeeded, or
	// a shutdown (a failed attempt leaves the guest where it runs).
	disruptions := map[string]int{}
	vmiOf := map[string]string{}
	for _, e := range c.Events() {
		k := e.Namespace + "/" + e.Name
		switch {
		case e.Kind == fake.KindMigration && e.Reason == "Created":
			vmiOf[k] = e.Namespace + "/" + strings.TrimPrefix(e.Message, "migration of VMI ")
		case e.Kind == fake.KindMigration && e.Reason == "Succeeded":
			disruptions[vmiOf[k]]++
		case e.Kind == fake.KindVMI && (e.Reason == "ShutDown" || e.Reason == "Deleted"):
			disruptions[k]++
		}
	}
	for k, n := range disruptions {
		chaosMaxDisruptions = max(chaosMaxDisruptions, n)
		if n > maxDisruptions(f.workers) {
			out = append(out, fmt.Sprintf("VMI %s was disrupted %d times, more than the bound %d for %d workers", k, n, maxDisruptions(f.workers), f.workers))
		}
	}
	if f.infraPaused {
		pools, _ := c.ListMachineConfigPools(ctx)
		for _, p := range pools {
			if p.Name == "infra" && !p.Paused {
				out = append(out, "pool infra was paused before the plan and the plan unpaused it")
			}
		}
	}
	return out
}
