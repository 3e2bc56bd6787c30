package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/forecast"
	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

func init() { subcommands = append(subcommands, newForecastCommand) }

// outputCSV is the extra format of forecast: one row per VM.
const outputCSV = "csv"

type forecastOptions struct {
	to, scenario string
	snapshot     string
	cnvCatalog   []string
	graph, via   string
	html         string
	acceptRisks  []string
	runs         int
	seed         int64
	force        bool
	noVariation  bool
	output       string
	windows      *[]string
}

func newForecastCommand() *cobra.Command {
	o := &forecastOptions{}
	cmd := &cobra.Command{
		Use:   "forecast --to VERSION (--scenario FILE | --snapshot FILE) [--window WINDOW]...",
		Short: "Forecast an update on a fake copy of the cluster: what moves, why, and the ETA as a distribution",
		Long: `Forecast an update before you start it. The forecast builds a fake cluster
from a description of the cluster, plans the update to --to exactly as
'virtupdate plan' and 'virtupdate run' do (a z-stream, a minor or an
EUS-to-EUS update), and runs the real plan with the real runner on the fake
cluster's clock, --runs times. Nothing sleeps: hours of a large cluster
take seconds.

The cluster is either a scenario file (--scenario: nodes and VMs by counts
and groups, the format of 'virtupdate simulate'; its own update.to is
ignored, --to is the target) or a snapshot (--snapshot: every object as
found, as 'virtupdate snapshot' writes it from a live cluster or a
must-gather). A snapshot does not say which OpenShift Virtualization
versions the stable channel offers: give them with --cnv-catalog, or the
forecast updates OpenShift alone. A snapshot holds no timing either: the
runs vary around the fake's defaults.

Each run varies the scenario's timing, because real clusters do: six
durations and speeds are multiplied by factors drawn per run, uniformly
and independently, from fixed ranges:

  migration bandwidth   × 0.5 – 1.25   (a shared link rarely gives more)
  control-plane update  × 0.85 – 1.4
  node reboot           × 0.8 – 1.6
  operator install      × 0.8 – 1.6
  target pod start      × 0.5 – 3      (an image pull, or not)
  VM restart            × 0.7 – 2      (the guest's boot)

The factors come from --seed and the run's number, so the same seed gives
the same forecast, byte for byte; each run's factors are listed in the
JSON (summary.perRun). --no-variation keeps the scenario's timing (the runs
then differ only in the fake's tie-breaking).

The ETA is given as P10, P50 and P90 of the runs' durations (nearest
rank: with 10 runs, the 1st, 5th and 9th shortest). Everything else comes
from one run, the median one (the run at P50), and the output says which:

  per VM         how many times it moves and why: the node roll (its node
                 is drained: an evacuation migration, or a shutdown) and
                 the workload update (virt-controller moves VMIs off an
                 outdated virt-launcher); when (its first and last move);
                 and its outcome: migrated, shut down (with the downtime,
                 about the VM restart time), deleted (a VMI without a
                 VirtualMachine), blocked (with the reason), untouched
  per node       drain start and end, when it was back, VMs moved out
  per namespace  totals, which add up to the cluster's
  timeline       the plan's steps, with each step's spread over the runs

-o text (default) is for people; -o json and -o yaml carry every field:
{"summary": {"etaP10Seconds", "etaP10", "etaP50Seconds", "etaP50",
"etaP90Seconds", "etaP90", "outcomes", "perRun", …}, "vms": [{"namespace",
"name", "moves", "outcome", "downtimeSeconds", "reason", "history", …}],
"nodes": [...], "namespaces": [...], "timeline": [...]}; durations are
given in seconds (…Seconds) and in words. -o csv writes one row per VM
after a header row. --html FILE also writes a self-contained page of the
median run.

With --window (the syntax of 'virtupdate run' and 'simulate', repeatable),
the runs keep to the maintenance window as 'virtupdate run --window' does:
a step that changes the cluster starts only inside one, and the workload
update starts its migrations and evictions only inside one; a step that
started goes on after the window closes, as on a real cluster. The ETA
counts the waits, from the fake clock's start: the scenario's start
(2026-01-01 00:00 UTC, a Thursday, unless it says otherwise) or the time
the snapshot was taken.

Exit codes: 0 the update finishes in every run and no VM is blocked; 1 the
update stops in a run (a step fails; a VM that cannot be evicted blocks a
drain until the wait gives up) or a VM is blocked: the output says where
and why; 2 bad input or usage.`,
		Example: `  # Ten runs of a z-stream update of a scenario file:
  virtupdate forecast --to 4.16.3 --scenario cluster.yaml

  # The cluster as a must-gather found it, OpenShift Virtualization to 4.16.5 as well:
  virtupdate snapshot --must-gather must-gather.tar.gz -f cluster-objects.yaml
  virtupdate forecast --to 4.16.3 --snapshot cluster-objects.yaml --cnv-catalog 4.16.5

  # Twenty runs with another seed, as JSON:
  virtupdate forecast --to 4.16.3 --scenario cluster.yaml --runs 20 --seed 7 -o json

  # Only in the night from Friday to Saturday, Berlin time:
  virtupdate forecast --to 4.16.3 --scenario cluster.yaml --window "Fri 22:00+8h Europe/Berlin"

  # An EUS-to-EUS update along the update graph, one CSV row per VM and an HTML page:
  virtupdate forecast --to 4.16.3 --scenario cluster.yaml --graph eus-4.16.json -o csv --html forecast.html`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "the target OpenShift version (required)")
	f.StringVar(&o.scenario, "scenario", "", "a scenario file describing the cluster by counts and groups (the format of 'virtupdate simulate')")
	f.StringVar(&o.snapshot, "snapshot", "", "a snapshot of the cluster: every object as found (the object form 'virtupdate snapshot' writes)")
	f.StringSliceVar(&o.cnvCatalog, "cnv-catalog", nil, "the OpenShift Virtualization versions the stable channel offers, comma-separated (a snapshot does not hold them; with --scenario they replace its cnv.catalog)")
	f.StringVar(&o.graph, "graph", "", "an update graph JSON file (or -): the plan's OpenShift hops follow its recommended updates")
	f.StringSliceVar(&o.acceptRisks, "accept-risks", nil, "the risks of conditional updates the path may take, by name, comma-separated; needs --graph")
	f.StringVar(&o.via, "via", "", "the odd-minor OpenShift release of an EUS-to-EUS update (default: from --graph; without a graph the forecast assumes the odd minor's first release the EUS channel takes, and says so)")
	f.IntVar(&o.runs, "runs", forecast.DefaultRuns, fmt.Sprintf("the number of seeded runs, 1 to %d", forecast.MaxRuns))
	f.Int64Var(&o.seed, "seed", -1, "the forecast's seed, 0 or more; -1 takes the scenario's")
	f.BoolVar(&o.force, "force", false, "run the plan despite Error findings of the pre-flight checks, as 'virtupdate run --force' would")
	f.BoolVar(&o.noVariation, "no-variation", false, "keep the scenario's timing in every run")
	f.StringVar(&o.html, "html", "", "also write a self-contained HTML page of the median run to FILE")
	f.StringVarP(&o.output, "output", "o", outputText, "output format: text, json, yaml or csv")
	o.windows = windowFlag(cmd)
	return cmd
}

func (o *forecastOptions) run(cmd *cobra.Command) error {
	switch o.output {
	case outputText, outputJSON, outputYAML, outputCSV:
	default:
		return usageError(fmt.Errorf("--output %q is not supported: use text, json, yaml or csv", o.output))
	}
	if o.runs < 1 || o.runs > forecast.MaxRuns {
		return usageError(fmt.Errorf("--runs %d: give 1 to %d runs", o.runs, forecast.MaxRuns))
	}
	if o.seed < -1 {
		return usageError(fmt.Errorf("--seed %d: give a seed of 0 or more, or -1 for the scenario's", o.seed))
	}
	if o.to == "" {
		return usageError(errors.New("--to is required: give the target OpenShift version, e.g. --to 4.16.3"))
	}
	if _, err := channel.ParseVersion(o.to); err != nil {
		return usageError(fmt.Errorf("--to %q: %w", o.to, err))
	}
	switch {
	case o.scenario != "" && o.snapshot != "":
		return usageError(errors.New("--scenario and --snapshot both describe the cluster: give one of them"))
	case o.scenario == "" && o.snapshot == "":
		return usageError(errors.New("give the cluster to forecast: --scenario FILE or --snapshot FILE"))
	}
	for _, v := range o.cnvCatalog {
		if _, err := channel.ParseVersion(v); err != nil {
			return usageError(fmt.Errorf("--cnv-catalog %q: %w", v, err))
		}
	}
	if len(o.acceptRisks) > 0 && o.graph == "" {
		return usageError(errors.New("--accept-risks needs --graph: without an update graph there are no conditional updates to accept"))
	}
	gate, err := gateOf(*o.windows)
	if err != nil {
		return err
	}
	in, source, err := o.input()
	if err != nil {
		return err
	}
	req := update.Request{To: o.to, Via: o.via, Force: o.force, AcceptRisks: o.acceptRisks}
	if o.graph != "" {
		data, err := readInput(cmd, o.graph)
		if err != nil {
			return usageError(fmt.Errorf("--graph: %w", err))
		}
		if req.Graph, err = channel.ParseGraph(data); err != nil {
			return usageError(fmt.Errorf("--graph %s: %w", o.graph, err))
		}
	}
	if o.via != "" {
		from, _ := channel.ParseVersion(in.From.OCP)
		to, _ := channel.ParseVersion(o.to)
		if channel.Classify(from, to) != channel.UpdateSkipMinor {
			return usageError(fmt.Errorf("--via %s applies only to an EUS-to-EUS update; %s → %s is not one", o.via, in.From.OCP, o.to))
		}
	}
	opts := forecast.Options{Request: req, Runs: o.runs, Window: gate}
	if o.seed >= 0 {
		opts.Seed = &o.seed
	}
	if o.noVariation {
		opts.Variation = &forecast.NoVariation
	}
	live := liveLine(cmd.ErrOrStderr())
	if live != nil {
		opts.Progress = func(done, total int) { fmt.Fprintf(live, "\r\033[Kforecast: %d/%d runs", done, total) }
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	f, err := forecast.Run(ctx, in, opts)
	if live != nil {
		fmt.Fprint(live, "\r\033[K")
	}
	if err != nil {
		var re *update.RefusalError
		if errors.Is(err, forecast.ErrInvalid) || errors.As(err, &re) {
			return usageError(fmt.Errorf("%s: %w", o.sourceFlag(), o.forecastFieldError(err, in)))
		}
		return err
	}
	if o.html != "" {
		if err := writeHTML(o.html, forecastPage("Forecast: "+source, f)); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	switch o.output {
	case outputJSON, outputYAML:
		err = writeData(o.output, out, f)
	case outputCSV:
		err = f.WriteCSV(out)
	default:
		err = f.WriteText(out)
	}
	if err != nil {
		return err
	}
	return forecastVerdict(f)
}

// input reads the cluster from --scenario or --snapshot.
func (o *forecastOptions) input() (forecast.Input, string, error) {
	if o.snapshot != "" {
		objs, err := scenario.Load(o.snapshot)
		if err != nil {
			if !isObjectsFile(o.snapshot) {
				if _, serr := fake.LoadScenario(o.snapshot); serr == nil {
					return forecast.Input{}, "", usageError(fmt.Errorf("--snapshot %s: this is a count-form scenario (nodes and VMs by counts), not a snapshot: give it with --scenario %s", o.snapshot, o.snapshot))
				}
			}
			return forecast.Input{}, "", usageError(fmt.Errorf("--snapshot: %w", err))
		}
		in, err := forecast.FromObjects(objs, o.cnvCatalog)
		if err != nil {
			return forecast.Input{}, "", usageError(fmt.Errorf("--snapshot %s: %w", o.snapshot, err))
		}
		return in, o.snapshot, nil
	}
	s, err := fake.LoadScenario(o.scenario)
	if err != nil {
		if isObjectsFile(o.scenario) {
			err = fmt.Errorf("%w (this is a snapshot, every object as found: give it with --snapshot)", err)
		}
		return forecast.Input{}, "", usageError(fmt.Errorf("--scenario: %w", err))
	}
	if o.cnvCatalog != nil {
		if s.CNV == nil {
			return forecast.Input{}, "", usageError(fmt.Errorf("--cnv-catalog: the scenario %s has no OpenShift Virtualization (cnv)", o.scenario))
		}
		s.CNV.Catalog = o.cnvCatalog
	}
	in, err := forecast.FromScenario(s)
	if err != nil {
		return forecast.Input{}, "", usageError(fmt.Errorf("--scenario %s: %w", o.scenario, err))
	}
	return in, o.scenario, nil
}

// isObjectsFile reports whether the file's beginning reads as the object
// form of a scenario.
func isObjectsFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	return scenario.IsObjects(head[:n])
}

// forecastVerdict is exit 1 when the update stops in a run or a VM is
// blocked.
func forecastVerdict(f *forecast.Forecast) error {
	s := f.Summary
	switch {
	case f.Stopped():
		why := s.Result
		if why == "done" {
			for _, r := range s.PerRun {
				if r.Err != nil {
					why = r.Result
					break
				}
			}
		}
		err := fmt.Errorf("the update stops in %d of %s: %s", s.RunsStopped, plural(s.Runs, "run", "runs"), why)
		for _, r := range s.PerRun {
			if r.StoppedAt == "preflight" {
				err = fmt.Errorf("%w (--force runs the plan despite Error findings, to forecast what they lead to)", err)
				break
			}
		}
		return &exitError{code: exitBlocked, err: err}
	case f.Blocked():
		return &exitError{code: exitBlocked, err: fmt.Errorf("%s blocked: the update finishes, but %s",
			plural(s.Outcomes.Blocked, "VM is", "VMs are"), plural(s.Outcomes.Blocked, "VM is", "VMs are")+" not updated (see the blocked VMs above)")}
	}
	return nil
}

// sourceFlag names the file the cluster came from with its flag.
func (o *forecastOptions) sourceFlag() string {
	if o.snapshot != "" {
		return "--snapshot " + o.snapshot
	}
	return "--scenario " + o.scenario
}

// forecastFieldError names where a refused request's field came from:
// the scenario or snapshot for the versions the cluster runs, else the flag.
func (o *forecastOptions) forecastFieldError(err error, in forecast.Input) error {
	names := forecastScenarioNames
	if o.snapshot != "" {
		names = forecastSnapshotNames
	}
	req := update.Request{From: in.From, To: o.to, Via: o.via}
	return names.nameIn(err, req)
}

// forecastPage draws the median run of a forecast with package report.
func forecastPage(title string, f *forecast.Forecast) report.Page {
	at := func(d time.Duration) time.Time { return f.Start.Add(d) }
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	s := f.Summary
	p := report.Page{Title: title, Generated: f.End}
	for _, ph := range f.Timeline {
		kind := report.KindDone
		switch ph.Result {
		case "failed":
			kind = report.KindFailed
		case "running":
			kind = report.KindRunning
		}
		p.Steps = append(p.Steps, report.Span{Name: ph.Step, Start: at(sec(ph.StartSeconds)), End: at(sec(ph.EndSeconds)), Kind: kind})
	}
	end := f.End.Sub(f.Start)
	for _, n := range f.Nodes {
		if len(n.Drains) == 0 {
			continue
		}
		lane := report.NodeLane{Node: n.Name, Pool: n.Pool}
		add := func(kind string, from, to time.Duration) {
			if to > from {
				lane.Spans = append(lane.Spans, report.Span{Name: kind, Start: at(from), End: at(to), Kind: kind})
			}
		}
		for i, d := range n.Drains {
			next := end
			if i+1 < len(n.Drains) {
				next = sec(n.Drains[i+1].StartSeconds)
			}
			start := sec(d.StartSeconds)
			if d.EndSeconds == nil {
				add(report.KindDrain, start, next)
				continue
			}
			drained := sec(*d.EndSeconds)
			add(report.KindDrain, start, drained)
			switch {
			case d.NotReady:
				add(report.KindFailed, drained, next)
			case d.UpdatedSeconds == nil:
				add(report.KindReboot, drained, next)
			default:
				back := sec(*d.UpdatedSeconds)
				add(report.KindReboot, drained, back)
				add(report.KindReady, back, next)
			}
		}
		p.Nodes = append(p.Nodes, lane)
	}
	spans := func(in []forecast.Interval) []report.Span {
		out := make([]report.Span, 0, len(in))
		for _, iv := range in {
			out = append(out, report.Span{Name: iv.Name, Start: at(iv.Start), End: at(iv.End)})
		}
		return out
	}
	p.InFlight = report.CountInFlight(spans(f.Migrations), spans(f.Downtimes))
	for _, vm := range f.VMs {
		p.VMs = append(p.VMs, report.VMRow{Namespace: vm.Namespace, Name: vm.Name, Outcome: forecastOutcome(vm.Outcome),
			Moves: vm.Moves, Downtime: sec(vm.DowntimeSeconds), Reason: vm.Reason})
	}
	result := "the update finishes in every run"
	if s.RunsStopped > 0 {
		result = fmt.Sprintf("the update stops in %d of %s", s.RunsStopped, plural(s.Runs, "run", "runs"))
	}
	p.Summary = []report.Fact{
		{Name: "update", Value: planKindName(s.Kind) + ", " + showVersions(s.From) + " → " + showVersions(s.To)},
		{Name: "ETA", Value: "P10 " + s.ETAP10 + ", P50 " + s.ETAP50 + ", P90 " + s.ETAP90},
		{Name: "runs", Value: fmt.Sprintf("%d, seed %d", s.Runs, s.Seed)},
		{Name: "result", Value: result},
		{Name: "shown", Value: fmt.Sprintf("run %d, the median by duration (%s)", s.MedianRun, s.ETAP50)},
		{Name: "nodes drained", Value: fmt.Sprint(s.NodesDrained)},
	}
	return p
}

func forecastOutcome(o forecast.Outcome) report.Outcome {
	switch o {
	case forecast.Migrated:
		return report.Migrated
	case forecast.ShutDown:
		return report.ShutDown
	case forecast.Deleted:
		return report.Deleted
	case forecast.Blocked:
		return report.Blocked
	}
	return report.Untouched
}
