package forecast

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

func loadInput(t testing.TB, file string) Input {
	t.Helper()
	s, err := fake.LoadScenario("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	in, err := FromScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func forecastOf(t testing.TB, file string, opts Options) *Forecast {
	t.Helper()
	f, err := Run(context.Background(), loadInput(t, file), opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func vmNamed(t *testing.T, f *Forecast, ns, name string) VM {
	t.Helper()
	for _, vm := range f.VMs {
		if vm.Namespace == ns && vm.Name == name {
			return vm
		}
	}
	t.Fatalf("no VM %s/%s in the forecast", ns, name)
	return VM{}
}

func marshal(t *testing.T, f *Forecast) []byte {
	t.Helper()
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var force = update.Request{Force: true}

// The same seed gives the same forecast, byte for byte, however many runs
// go at once; another seed gives other runs.
func TestDeterministicForASeed(t *testing.T) {
	seed := int64(99)
	a := marshal(t, forecastOf(t, "drain.yaml", Options{Request: force, Runs: 6, Seed: &seed, Parallelism: 1}))
	b := marshal(t, forecastOf(t, "drain.yaml", Options{Request: force, Runs: 6, Seed: &seed, Parallelism: 4}))
	if !bytes.Equal(a, b) {
		t.Fatalf("two forecasts with seed %d differ:\n%s\n%s", seed, a, b)
	}
	var text [2]bytes.Buffer
	for i := range text {
		if err := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 6, Seed: &seed}).WriteText(&text[i]); err != nil {
			t.Fatal(err)
		}
	}
	if text[0].String() != text[1].String() {
		t.Errorf("the text of two forecasts with seed %d differs", seed)
	}
	other := int64(100)
	c := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 6, Seed: &other})
	if bytes.Equal(a, marshal(t, c)) {
		t.Errorf("seeds %d and %d give the same forecast", seed, other)
	}
}

// A VM that cannot migrate, with evictionStrategy None and runStrategy
// Always, is shut down when its node drains and started again by its
// VirtualMachine after the VM restart time; each shutdown is a move.
//
// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go
// (evictionStrategy None: the eviction is allowed, the launcher pod goes,
// the VMI shuts down) and pkg/virt-controller/watch/vm/vm.go (runStrategy
// Always starts a new VMI).
func TestNonMigratableShutDownByDrain(t *testing.T) {
	for _, tt := range []struct {
		name      string
		variation *Variation
		reason    string
	}{
		{"no variation", &NoVariation, "the downtime of each shutdown is the scenario's VM restart time"},
		{"default variation", nil, "the downtime of each shutdown is the median run's VM restart time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 5, Variation: tt.variation})
			med := f.Summary.PerRun[f.Summary.MedianRun]
			restart := med.Multipliers.Apply(TimingOf(fake.Timing{})).VMRestart
			vm := vmNamed(t, f, "prod", "legacy")
			if vm.Outcome != ShutDown {
				t.Fatalf("prod/legacy: outcome %q (%s), want %q", vm.Outcome, vm.Reason, ShutDown)
			}
			if vm.Moves < 1 || vm.Moves != len(vm.History) || vm.NodeRollMoves != vm.Moves {
				t.Errorf("prod/legacy: %d moves, %d by node rolls, history %+v: want every shutdown counted as a node-roll move", vm.Moves, vm.NodeRollMoves, vm.History)
			}
			var total float64
			for _, m := range vm.History {
				if m.Kind != Shutdown || m.Cause != CauseNodeRoll || m.From == "" || m.To == "" {
					t.Errorf("prod/legacy move %+v: want a node roll that shut it down on one node and restarted it on another", m)
				}
				if got := secondsDuration(m.TookSeconds); got < restart || got > restart+time.Second {
					t.Errorf("prod/legacy down %s at %s, want about the VM restart time %s: %s", got, m.At, restart, tt.reason)
				}
				total += m.TookSeconds
			}
			if d := vm.DowntimeSeconds - total; d < -0.01 || d > 0.01 {
				t.Errorf("prod/legacy downtime %gs, the moves add up to %gs", vm.DowntimeSeconds, total)
			}
			if !strings.Contains(vm.Reason, "started again") {
				t.Errorf("prod/legacy reason %q does not say it was started again", vm.Reason)
			}
		})
	}
}

// A VMI without a VirtualMachine is deleted by its node's drain.
//
// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go
// (the eviction is allowed) and pkg/virt-controller/watch/vm/vm.go (no
// VirtualMachine, nothing starts it again).
func TestStandaloneVMIDeleted(t *testing.T) {
	f := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 3})
	vm := vmNamed(t, f, "dev", "scratch")
	if vm.Outcome != Deleted || vm.Moves != 1 || vm.History[0].Kind != Deletion || vm.FinalNode != "" {
		t.Errorf("dev/scratch: outcome %q, %d moves, history %+v, final node %q: want deleted by one move", vm.Outcome, vm.Moves, vm.History, vm.FinalNode)
	}
	if !strings.Contains(vm.Reason, "deleted") {
		t.Errorf("dev/scratch reason %q", vm.Reason)
	}
	if f.Summary.Outcomes.Deleted != 1 {
		t.Errorf("summary counts %d deleted, want 1", f.Summary.Outcomes.Deleted)
	}
}

// Without Force, the pre-flight check's Error (a drain deletes a
// standalone VMI) stops the update before anything moves.
func TestPreflightErrorStops(t *testing.T) {
	f := forecastOf(t, "drain.yaml", Options{Runs: 2})
	if !f.Stopped() || f.Summary.RunsStopped != 2 || f.Summary.PerRun[0].StoppedAt != "preflight" {
		t.Fatalf("stopped %v, %d stopped, first stopped at %q: want both runs stopped by the pre-flight step", f.Stopped(), f.Summary.RunsStopped, f.Summary.PerRun[0].StoppedAt)
	}
	if f.Summary.Moves != 0 || f.Summary.Outcomes.Untouched != f.Summary.VMs {
		t.Errorf("%d moves, %d of %d untouched: want nothing moved", f.Summary.Moves, f.Summary.Outcomes.Untouched, f.Summary.VMs)
	}
	if !slices.ContainsFunc(f.Summary.Findings, func(s string) bool { return strings.HasPrefix(s, "Error DrainDeletesVMIs") }) {
		t.Errorf("findings %q lack the Error", f.Summary.Findings)
	}
}

// In an EUS-to-EUS update with the worker pool paused, a migratable VM
// moves twice: the workload update takes it off its outdated
// virt-launcher, then its node rolls when the pool is unpaused. In a
// z-stream update of OpenShift a VM can move twice by two node rolls: it
// migrates to a node that is drained later.
//
// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// (migrations of outdated VMIs) and
// pkg/virt-controller/watch/drain/evacuation/evacuation.go (migrations off
// a drained node).
func TestVMMovesTwice(t *testing.T) {
	f := forecastOf(t, "eus.yaml", Options{Runs: 3})
	for _, name := range []string{"web-0", "web-1", "web-2", "web-3"} {
		vm := vmNamed(t, f, "shop", name)
		if vm.Moves != 2 || vm.WorkloadUpdateMoves != 1 || vm.NodeRollMoves != 1 || vm.Outcome != Migrated {
			t.Errorf("shop/%s: %d moves (%d workload update, %d node roll), outcome %q: want 2, one of each, migrated", name, vm.Moves, vm.WorkloadUpdateMoves, vm.NodeRollMoves, vm.Outcome)
			continue
		}
		if !strings.HasPrefix(vm.MoveReasons[0], "workload update") || !strings.HasPrefix(vm.MoveReasons[1], "node roll") {
			t.Errorf("shop/%s reasons %q: want the workload update, then the node roll", name, vm.MoveReasons)
		}
		if *vm.FirstMoveSeconds > *vm.LastMoveSeconds || vm.FirstMove == vm.LastMove {
			t.Errorf("shop/%s first move %s, last %s", name, vm.FirstMove, vm.LastMove)
		}
	}

	z := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 3})
	twice := 0
	for _, vm := range z.VMs {
		if vm.Outcome == Migrated && vm.Moves == 2 {
			twice++
			if vm.NodeRollMoves != 2 || len(vm.MoveReasons) != 2 || !strings.HasPrefix(vm.MoveReasons[1], "node roll") {
				t.Errorf("%s/%s: %d node-roll moves, reasons %q", vm.Namespace, vm.Name, vm.NodeRollMoves, vm.MoveReasons)
			}
		}
	}
	if twice == 0 {
		t.Errorf("no VM moved twice in the z-stream update of OpenShift: %+v", z.VMs)
	}
}

// A VMI that cannot migrate under the cluster-wide LiveMigrate strategy
// blocks its node's drain: the update stops in every run when the wait for
// the pools gives up, and the forecast names the VMI and the node.
//
// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go
// (LiveMigrate on a VMI that is not live-migratable: the eviction is
// denied).
func TestBlockedDrainStops(t *testing.T) {
	f := forecastOf(t, "blocked.yaml", Options{Runs: 3})
	if f.Summary.RunsStopped != 3 || f.Summary.PerRun[0].StoppedAt != "wait-pools-4.16" {
		t.Fatalf("%d runs stopped, the first at %q: want all 3 at wait-pools-4.16", f.Summary.RunsStopped, f.Summary.PerRun[0].StoppedAt)
	}
	vm := vmNamed(t, f, "prod", "pinned")
	if vm.Outcome != Blocked || !strings.Contains(vm.Reason, "worker-0") || !strings.Contains(vm.Reason, "not live-migratable") {
		t.Errorf("prod/pinned: %q: %s; want blocked, naming the node and why", vm.Outcome, vm.Reason)
	}
	var node Node
	for _, n := range f.Nodes {
		if n.Name == "worker-0" {
			node = n
		}
	}
	if len(node.BlockedBy) != 1 || !strings.HasPrefix(node.BlockedBy[0], "prod/pinned: ") || len(node.Drains) != 1 || node.Drains[0].EndSeconds != nil {
		t.Errorf("worker-0: %+v; want one drain that never ended, blocked by prod/pinned", node)
	}
	if !f.Blocked() || len(f.Summary.Blockers) < 2 {
		t.Errorf("blocked %v, blockers %q", f.Blocked(), f.Summary.Blockers)
	}
}

// The ETA is ordered, and spread when the timing varies; P50 is the
// median run's duration, the run the details come from.
func TestETADistribution(t *testing.T) {
	f := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 10})
	s := f.Summary
	if !(s.ETAMinSeconds <= s.ETAP10Seconds && s.ETAP10Seconds <= s.ETAP50Seconds && s.ETAP50Seconds <= s.ETAP90Seconds && s.ETAP90Seconds <= s.ETAMaxSeconds) {
		t.Fatalf("ETA out of order: min %g, P10 %g, P50 %g, P90 %g, max %g", s.ETAMinSeconds, s.ETAP10Seconds, s.ETAP50Seconds, s.ETAP90Seconds, s.ETAMaxSeconds)
	}
	if s.ETAP10Seconds == s.ETAP90Seconds {
		t.Errorf("P10 = P90 = %gs with the timing varied: the runs did not differ", s.ETAP10Seconds)
	}
	if got := s.PerRun[s.MedianRun].DurationSeconds; got != s.ETAP50Seconds {
		t.Errorf("the median run %d took %gs, P50 is %gs", s.MedianRun, got, s.ETAP50Seconds)
	}
	var ds []float64
	for _, r := range s.PerRun {
		ds = append(ds, r.DurationSeconds)
	}
	slices.Sort(ds)
	// Nearest rank of 10 runs: the 1st, 5th and 9th shortest.
	if s.ETAP10Seconds != ds[0] || s.ETAP50Seconds != ds[4] || s.ETAP90Seconds != ds[8] {
		t.Errorf("P10/P50/P90 %g/%g/%g, want the 1st, 5th and 9th of %v", s.ETAP10Seconds, s.ETAP50Seconds, s.ETAP90Seconds, ds)
	}
	if !strings.Contains(s.Details, "median") || s.ETAP50 == "" {
		t.Errorf("details %q, P50 %q", s.Details, s.ETAP50)
	}
}

// The numbers add up: outcomes to the VMs, namespaces to the cluster,
// moves by cause to the moves, the nodes' VMs at the start to the VMs.
func TestCountsAddUp(t *testing.T) {
	for _, file := range []string{"drain.yaml", "eus.yaml", "blocked.yaml"} {
		t.Run(file, func(t *testing.T) {
			f := forecastOf(t, file, Options{Request: force, Runs: 3})
			s := f.Summary
			if s.VMs != len(f.VMs) || s.Outcomes.Total() != s.VMs {
				t.Errorf("%d VMs listed, summary %d, outcomes add up to %d", len(f.VMs), s.VMs, s.Outcomes.Total())
			}
			if s.Moves != s.NodeRollMoves+s.WorkloadUpdateMoves+s.OtherMoves {
				t.Errorf("%d moves, by cause %d + %d + %d", s.Moves, s.NodeRollMoves, s.WorkloadUpdateMoves, s.OtherMoves)
			}
			var ns Namespace
			for _, n := range f.Namespaces {
				ns.VMs += n.VMs
				ns.Moves += n.Moves
				ns.Outcomes.Migrated += n.Outcomes.Migrated
				ns.Outcomes.ShutDown += n.Outcomes.ShutDown
				ns.Outcomes.Deleted += n.Outcomes.Deleted
				ns.Outcomes.Blocked += n.Outcomes.Blocked
				ns.Outcomes.Untouched += n.Outcomes.Untouched
				ns.downtime += secondsDuration(n.DowntimeSeconds)
				if n.Outcomes.Total() != n.VMs {
					t.Errorf("namespace %s: outcomes add up to %d of %d VMs", n.Namespace, n.Outcomes.Total(), n.VMs)
				}
			}
			if ns.VMs != s.VMs || ns.Moves != s.Moves || ns.Outcomes != s.Outcomes || ns.downtime.Round(time.Second) != secondsDuration(s.DowntimeSeconds).Round(time.Second) {
				t.Errorf("namespaces add up to %+v (downtime %s), the summary says %d VMs, %d moves, %+v, %gs", ns, ns.downtime, s.VMs, s.Moves, s.Outcomes, s.DowntimeSeconds)
			}
			atStart, movedOut, moves := 0, 0, 0
			for _, n := range f.Nodes {
				atStart += n.VMsAtStart
				movedOut += n.VMsMovedOut
			}
			for _, vm := range f.VMs {
				for _, m := range vm.History {
					if m.From != "" {
						moves++
					}
				}
			}
			if atStart != s.VMs || movedOut != moves {
				t.Errorf("nodes: %d VMs at the start (want %d), %d moved out (the VMs' moves from a node: %d)", atStart, s.VMs, movedOut, moves)
			}
			phaseMoves := 0
			for _, p := range f.Timeline {
				phaseMoves += p.Migrations + p.ShutDowns
			}
			if phaseMoves != s.Moves {
				t.Errorf("the timeline's phases count %d moves, the summary %d", phaseMoves, s.Moves)
			}
		})
	}
}

// CSV: a header row, then one row per VM, quoted as RFC 4180 says.
func TestCSVOneRowPerVM(t *testing.T) {
	f := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 2})
	var buf bytes.Buffer
	if err := f.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v\n%s", err, text)
	}
	if len(rows) != len(f.VMs)+1 || !slices.Equal(rows[0], CSVHeader) {
		t.Fatalf("%d rows for %d VMs, header %q", len(rows), len(f.VMs), rows[0])
	}
	for i, vm := range f.VMs {
		r := rows[i+1]
		if r[0] != vm.Namespace || r[1] != vm.Name || r[4] != string(vm.Outcome) || r[14] != vm.Reason {
			t.Errorf("row %d %q does not match VM %s/%s", i+1, r, vm.Namespace, vm.Name)
		}
	}
	quoted := 0
	for _, vm := range f.VMs {
		if strings.Contains(vm.Reason, ",") {
			quoted++
			if !strings.Contains(text, `,"`+vm.Reason+`"`) {
				t.Errorf("the reason %q has a comma and is not quoted:\n%s", vm.Reason, text)
			}
		}
	}
	if quoted == 0 {
		t.Error("no reason has a comma: the quoting is not tested")
	}
}

// Text: plural forms, and nothing cut.
func TestText(t *testing.T) {
	f := forecastOf(t, "drain.yaml", Options{Request: force, Runs: 1})
	var buf bytes.Buffer
	if err := f.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"1 run, seed 5", "the run finished", "ETA:     P10", "8 VMs: 6 migrated, 1 shut down, 1 deleted, 0 blocked, 0 untouched",
		"Deleted VMIs, which had no VirtualMachine (1):", "dev/scratch: 1 move (at +", f.VMs[0].Reason} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{`\b1 moves`, `\b1 VMs`, `\b1 runs`, `\b1 nodes`, `\b1 migrations`, "…"} {
		if regexp.MustCompile(bad).MatchString(out) {
			t.Errorf("the text has %q:\n%s", bad, out)
		}
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	in := loadInput(t, "drain.yaml")
	bad := Variation{NodeReboot: Range{2, 1}}
	for _, tt := range []struct {
		reason string
		in     Input
		opts   Options
		want   string
	}{
		{"fewer than one run", in, Options{Runs: -1}, "Runs is -1"},
		{"more runs than MaxRuns", in, Options{Runs: MaxRuns + 1}, "Runs is 1001"},
		{"no target", Input{Build: in.Build, From: in.From}, Options{}, "Request.To"},
		{"no builder", Input{}, Options{}, "Input.Build"},
		{"a range upside down", in, Options{Variation: &bad}, "Variation.NodeReboot is [2, 1]"},
	} {
		_, err := Run(context.Background(), tt.in, tt.opts)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalid naming %q", tt.reason, err, tt.want)
		}
	}
	// A target the plan refuses: the plan's own error.
	_, err := Run(context.Background(), in, Options{Request: update.Request{To: "4.19.1"}})
	var re *update.RefusalError
	if !errors.As(err, &re) || re.Field != "To" {
		t.Errorf("a skip of three minors: err = %v, want the plan's RefusalError on To", err)
	}
}

// A cancelled context stops the forecast with its error.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, loadInput(t, "drain.yaml"), Options{Request: force}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// Every run builds its own cluster with its own seed and timing.
func TestRunsBuildTheirOwnCluster(t *testing.T) {
	in := loadInput(t, "drain.yaml")
	build := in.Build
	var seeds []int64
	var timings []fake.Timing
	done := make(chan struct{}, 1)
	done <- struct{}{}
	in.Build = func(seed int64, timing fake.Timing) (*fake.Cluster, error) {
		<-done
		seeds, timings = append(seeds, seed), append(timings, timing)
		done <- struct{}{}
		return build(seed, timing)
	}
	seed := int64(1)
	f, err := Run(context.Background(), in, Options{Request: force, Runs: 4, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seeds)
	if len(slices.Compact(seeds)) != 4 {
		t.Errorf("seeds %v: want 4 different ones", seeds)
	}
	for i, r := range f.Summary.PerRun {
		if r.Index != i || r.Seed != RunSeed(seed, i) || r.Multipliers != DefaultVariation.Draw(seed, i) {
			t.Errorf("run %d: %+v; want index %d, seed RunSeed(1, %d) and the multipliers of Draw(1, %d)", i, r, i, i, i)
		}
		if !slices.Contains(timings, r.Multipliers.Apply(TimingOf(fake.Timing{}))) {
			t.Errorf("run %d's timing was not built with", i)
		}
	}
}
