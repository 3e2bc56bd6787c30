package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

func init() { subcommands = append(subcommands, newSimulateCommand) }

type simulateOptions struct {
	seed           int64
	via, graph     string
	html           string
	windows        *[]string
	acceptRisks    []string
	force          bool
	failMigrations []string
	unschedulable  []string
	conflicts      []string
	failNodeBoot   []string
	failInstalls   int
	output         *string
}

func newSimulateCommand() *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate SCENARIO.yaml",
		Short: "Run the update a scenario names on a fake cluster and print its timeline and summary",
		Long: `Build the fake cluster a scenario file describes, plan the update it names
(update.to: a z-stream, a minor or an EUS-to-EUS update), run the plan on
the fake cluster's clock, and print a timeline, phase by phase with virtual
times, and a summary: the duration, each VMI's outcome and attempts, the
nodes rolled and the blockers met. Nothing sleeps: hours of a large
cluster take seconds.

The scenario format (nodes, pools and VMs by counts, timing, faults) is
described in docs/scenarios.md; examples/scenarios holds working ones.`,
		Example: `  virtupdate simulate examples/scenarios/zstream-manual.yaml
  virtupdate simulate examples/scenarios/eus-upgrade.yaml --html eus.html
  virtupdate simulate cluster.yaml --seed 7 -o json
  virtupdate simulate cluster.yaml --fail-migrations shop/db-0=3 --conflicts HyperConverged=2`,
		Args: oneArg("the scenario file to simulate, SCENARIO.yaml (see docs/scenarios.md)"),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.Int64Var(&o.seed, "seed", -1, "the seed of the fake's random choices, 0 or more; -1 takes the scenario's")
	f.StringVar(&o.via, "via", "", "the odd-minor OpenShift release of an EUS-to-EUS update (default: from --graph; without a graph the simulation assumes the odd minor's first release the EUS channel takes, and says so)")
	f.StringVar(&o.html, "html", "", "also write a self-contained HTML page of the update to FILE: the steps as a Gantt chart, one lane per node, migrations and evictions in flight, and a per-VM table")
	f.StringVar(&o.graph, "graph", "", graphFlagHelp)
	f.StringSliceVar(&o.acceptRisks, "accept-risks", nil, "the risks of conditional updates the path may take, by name, comma-separated; needs --graph")
	f.BoolVar(&o.force, "force", false, "run despite Error findings of the pre-flight checks")
	f.StringArrayVar(&o.failMigrations, "fail-migrations", nil, "NAMESPACE/VMI=N: the VMI's next N migrations fail (repeatable)")
	f.StringArrayVar(&o.unschedulable, "unschedulable", nil, "NAMESPACE/VMI=DURATION: the VMI's migration target pods stay Unschedulable that long (repeatable)")
	f.StringArrayVar(&o.conflicts, "conflicts", nil, "KIND=N: the next N writes of the kind lose a race, e.g. HyperConverged=2 (repeatable)")
	f.StringArrayVar(&o.failNodeBoot, "fail-node-boot", nil, "NODE: the node does not come back from its next reboot (repeatable)")
	f.IntVar(&o.failInstalls, "fail-operator-installs", 0, "the next N operator installs fail")
	o.windows = windowFlag(cmd)
	o.output = outputFlag(cmd)
	return cmd
}

// simulation is the JSON of simulate: the plan's events and a summary.
type simulation struct {
	Events  []update.Event `json:"events"`
	Summary simSummary     `json:"summary"`
}

type simSummary struct {
	Scenario string          `json:"scenario"`
	Kind     update.Kind     `json:"kind"`
	From     update.Versions `json:"from"`
	To       update.Versions `json:"to"`
	// Result is "done" or the error that stopped the plan.
	Result          string         `json:"result"`
	Start           time.Time      `json:"start"`
	End             time.Time      `json:"end"`
	Duration        string         `json:"duration"`
	DurationSeconds float64        `json:"durationSeconds"`
	Phases          []simPhase     `json:"phases"`
	Outcomes        map[string]int `json:"outcomes"`
	VMIs            []vmiOutcome   `json:"vmis"`
	NodesRolled     int            `json:"nodesRolled"`
	Blockers        []string       `json:"blockers,omitempty"`
	Findings        []string       `json:"findings,omitempty"`
}

type simPhase struct {
	Step     string    `json:"step"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Duration string    `json:"duration"`
	Status   string    `json:"status,omitempty"`
	// Migrations counts the migrations that ended in the step, as the text
	// and each VMI's migrations count them; FailedMigration those of them
	// that failed.
	Migrations      int `json:"migrations,omitempty"`
	FailedMigration int `json:"failedMigrations,omitempty"`
	// ShutDown counts the VMIs shut down in the step (by an eviction: a
	// workload update's or a node drain's), each once; ShutDownAgain those
	// of them shut down more than once in the step, and ShutDowns the
	// shutdowns in all (ShutDown plus the repeats).
	ShutDown      int `json:"shutDown,omitempty"`
	ShutDownAgain int `json:"shutDownMoreThanOnce,omitempty"`
	ShutDowns     int `json:"shutDowns,omitempty"`
	// mostShutDowns is the most shutdowns of one VMI in the step.
	mostShutDowns int
	NodesUpdated  int `json:"nodesUpdated,omitempty"`
}

// The outcomes of a VMI.
const (
	outcomeMigrated  = "migrated"
	outcomeRestarted = "evicted and restarted"
	outcomeDeleted   = "evicted (standalone, deleted)"
	outcomeUntouched = "untouched"
	outcomeStuck     = "stuck"
	outcomeWaiting   = "shut down, not restarted"
)

type vmiOutcome struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Outcome   string `json:"outcome"`
	// Attempts counts the VMI's moves: its migrations (each migration
	// object, failed or not) and its shutdowns by eviction.
	Attempts         int    `json:"attempts"`
	Migrations       int    `json:"migrations"`
	FailedMigrations int    `json:"failedMigrations,omitempty"`
	ShutDowns        int    `json:"shutDowns"`
	Reason           string `json:"reason,omitempty"`
}

func (o *simulateOptions) run(cmd *cobra.Command, file string) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	if o.seed < -1 {
		return usageError(fmt.Errorf("--seed %d: give a seed of 0 or more, or -1 for the scenario's", o.seed))
	}
	s, err := loadScenario(file)
	if err != nil {
		return err
	}
	if o.seed >= 0 {
		s.Seed = o.seed
	}
	gate, err := gateOf(*o.windows)
	if err != nil {
		return err
	}
	c, err := s.NewClusterWith(func(opts *fake.Options) { opts.Window = gate })
	if err != nil {
		return err
	}
	if err := o.faults(c); err != nil {
		return err
	}
	plan, err := o.plan(cmd, s)
	if err != nil {
		return fmt.Errorf("%s: %w", file, scenarioNames.name(err))
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	var events []update.Event
	live := liveLine(cmd.ErrOrStderr())
	runOpts := update.Options{
		Window: gate,
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			events = append(events, e)
			if live != nil && (e.Type == update.EventProgress || e.Type == update.EventStepStarted) {
				fmt.Fprintf(live, "\r\033[K[%s] step %d/%d %s: %s", e.Time.Sub(events[0].Time).Round(time.Second), e.Step+1, len(plan.Steps), e.StepName, truncate(e.Message, 80))
			}
		},
	}
	res, runErr := update.Run(ctx, c, plan, runOpts)
	if live != nil {
		fmt.Fprint(live, "\r\033[K")
	}
	sum := summarize(c, plan, events, res, runErr)
	sum.Scenario = file
	if o.html != "" {
		if err := writeHTML(o.html, simulationPage("Simulated update: "+file, plan, events, c.Events(), sum)); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	if *o.output != outputText {
		if events == nil {
			events = []update.Event{}
		}
		if err := writeData(*o.output, out, simulation{Events: events, Summary: sum}); err != nil {
			return err
		}
	} else {
		writeTimeline(out, plan, sum)
	}
	if runErr != nil {
		return &exitError{code: exitBlocked, err: fmt.Errorf("the simulated update stopped: %w", runErr)}
	}
	return nil
}

// plan builds the plan the scenario names.
func (o *simulateOptions) plan(cmd *cobra.Command, s *fake.Scenario) (*update.Plan, error) {
	r := update.Request{From: update.Versions{OCP: s.ClusterVersion.Version}, To: s.Update.To, Force: o.force, AcceptRisks: o.acceptRisks}
	if s.CNV != nil {
		r.From.CNV, r.CNVCatalog = s.CNV.Version, s.CNV.Catalog
	} else {
		r.WithoutCNV = true // a scenario without cnv: has no OpenShift Virtualization
	}
	if len(o.acceptRisks) > 0 && o.graph == "" {
		return nil, usageError(errors.New("--accept-risks needs --graph: without an update graph there are no conditional updates to accept"))
	}
	if o.graph != "" {
		g, err := loadPlanGraph(cmd, o.graph, r.From.OCP, r.To, "amd64")
		if err != nil {
			return nil, err
		}
		r.Graph = g
	}
	from, _ := channel.ParseVersion(r.From.OCP)
	to, toErr := channel.ParseVersion(r.To)
	if o.via != "" && (toErr != nil || channel.Classify(from, to) != channel.UpdateSkipMinor) {
		return nil, usageError(fmt.Errorf("--via %s applies only to an EUS-to-EUS update; the scenario's update is %s → %s", o.via, r.From.OCP, r.To))
	}
	if toErr == nil && channel.Classify(from, to) == channel.UpdateSkipMinor {
		r.Via = o.via
		if r.Via == "" && r.Graph == nil {
			odd := from.MinorVersion().Next()
			r.Via = odd.String() + ".0"
			if floor, ok := channel.EUSFloor(odd.Next()); ok {
				r.Via = floor.String()
			}
		}
	}
	return buildPlan(r)
}

// faultTargets are the names a fault flag may point at: the scenario's
// VMIs and nodes. A fault that names nothing in the scenario is an error.
type faultTargets struct{ vmis, nodes map[string]bool }

func newFaultTargets(c *fake.Cluster) (faultTargets, error) {
	t := faultTargets{vmis: map[string]bool{}, nodes: map[string]bool{}}
	vmis, err := c.ListVMIs(context.Background(), update.ListOptions{})
	if err != nil {
		return t, err
	}
	for _, v := range vmis {
		t.vmis[v.Namespace+"/"+v.Name] = true
	}
	nodes, err := c.ListNodes(context.Background())
	if err != nil {
		return t, err
	}
	for _, n := range nodes {
		t.nodes[n.Name] = true
	}
	return t, nil
}

func (t faultTargets) vmi(flag, f, vmi string) error {
	if !t.vmis[vmi] {
		return usageError(fmt.Errorf("%s %q: the scenario has no VMI %s", flag, f, vmi))
	}
	return nil
}

func (o *simulateOptions) faults(c *fake.Cluster) error {
	targets, err := newFaultTargets(c)
	if err != nil {
		return err
	}
	for _, f := range o.failMigrations {
		vmi, n, err := splitFault("--fail-migrations", "N", f)
		if err != nil {
			return err
		}
		count, err := strconv.Atoi(n)
		if err != nil || count < 0 {
			return usageError(fmt.Errorf("--fail-migrations %q: %q is not a count", f, n))
		}
		if err := targets.vmi("--fail-migrations", f, vmi); err != nil {
			return err
		}
		ns, name, _ := strings.Cut(vmi, "/")
		c.FailNextMigrations(ns, name, count)
	}
	for _, f := range o.unschedulable {
		vmi, d, err := splitFault("--unschedulable", "DURATION", f)
		if err != nil {
			return err
		}
		dur, err := fake.ParseDuration(d)
		if err != nil {
			return usageError(fmt.Errorf("--unschedulable %q: %w", f, err))
		}
		if err := targets.vmi("--unschedulable", f, vmi); err != nil {
			return err
		}
		ns, name, _ := strings.Cut(vmi, "/")
		c.HoldTargetPods(ns, name, dur, true)
	}
	for _, f := range o.conflicts {
		kind, n, ok := strings.Cut(f, "=")
		count, err := strconv.Atoi(n)
		if !ok || err != nil || count < 0 {
			return usageError(fmt.Errorf("--conflicts %q: use KIND=N, e.g. HyperConverged=2", f))
		}
		if !slices.Contains(conflictKinds, kind) {
			return usageError(fmt.Errorf("--conflicts %q: %q is not a kind the update writes; use one of %s", f, kind, strings.Join(conflictKinds, ", ")))
		}
		c.FailNextWrites(kind, count)
	}
	for _, n := range o.failNodeBoot {
		if !targets.nodes[n] {
			return usageError(fmt.Errorf("--fail-node-boot %q: the scenario has no node %s", n, n))
		}
		c.FailNodeBoot(n)
	}
	if o.failInstalls < 0 {
		return usageError(fmt.Errorf("--fail-operator-installs %d: must not be negative", o.failInstalls))
	}
	if o.failInstalls > 0 {
		c.FailNextOperatorInstalls(o.failInstalls)
	}
	return nil
}

// conflictKinds are the kinds of the objects the update writes, the
// kinds --conflicts can make a write of lose a race.
var conflictKinds = []string{fake.KindClusterVersion, fake.KindMachineConfigPool, fake.KindInstallPlan, fake.KindHyperConverged,
	fake.KindMigration, fake.KindEviction, fake.KindCheckpoint}

// splitFault reads NAMESPACE/VMI=VALUE; form names VALUE in the error
// ("N", "DURATION").
func splitFault(flag, form, f string) (vmi, value string, err error) {
	vmi, value, ok := strings.Cut(f, "=")
	if !ok || !strings.Contains(vmi, "/") || value == "" {
		return "", "", usageError(fmt.Errorf("%s %q: use NAMESPACE/VMI=%s", flag, f, form))
	}
	return vmi, value, nil
}

// liveLine is where the live progress line goes: stderr, only when it is a
// terminal.
func liveLine(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

// truncate shortens s to at most n characters for a one-line display,
// cutting between words (never inside a word or a character) and marking
// the cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := n - 1
	for cut > 0 && r[cut] != ' ' {
		cut--
	}
	if cut == 0 { // one long word: cut it at a character
		cut = n - 1
	}
	return strings.TrimRight(string(r[:cut]), " ,;:") + "…"
}

// wrap breaks s between words into lines of at most width characters
// (a longer word keeps its own line), the lines after the first starting
// with indent. Nothing is cut: a finding's remedy is its most useful part.
func wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	line := 0
	for i, w := range words {
		n := utf8.RuneCountInString(w)
		switch {
		case i == 0:
		case line+1+n > width:
			b.WriteString("\n" + indent)
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += n
	}
	return b.String()
}

// summarize reads the run's events and the fake's log.
func summarize(c *fake.Cluster, plan *update.Plan, events []update.Event, res update.Result, runErr error) simSummary {
	sum := simSummary{Kind: plan.Kind, From: plan.From, To: plan.To, Result: "done", Outcomes: map[string]int{}}
	if runErr != nil {
		sum.Result = runErr.Error()
	}
	sum.Start, sum.End = res.Started, res.Finished
	if !res.Record.Started.IsZero() {
		sum.Start = res.Record.Started
	}
	d := sum.End.Sub(sum.Start)
	sum.Duration, sum.DurationSeconds = d.String(), d.Seconds()

	fakeEvents := c.Events()
	// Phases: one per step, from its start to its end.
	byStep := map[string]*simPhase{}
	for _, e := range events {
		switch e.Type {
		case update.EventStepStarted:
			sum.Phases = append(sum.Phases, simPhase{Step: e.StepName, Start: e.Time, End: e.Time})
			byStep[e.StepName] = &sum.Phases[len(sum.Phases)-1]
		case update.EventProgress, update.EventStepDone, update.EventPlanFailed:
			if p := byStep[e.StepName]; p != nil {
				p.End = e.Time
				if e.Type == update.EventProgress || e.Type == update.EventPlanFailed {
					p.Status = e.Message
				}
			}
		case update.EventReport:
			if strings.HasPrefix(e.Message, "Error ") || strings.HasPrefix(e.Message, "Warning ") {
				sum.Findings = append(sum.Findings, e.Message)
			}
		}
	}
	// Which VMI each migration moves: every migration object, the
	// workload updater's and an evacuation's, is logged when created.
	migVMI := map[string]string{}
	for _, e := range fakeEvents {
		if e.Kind == fake.KindMigration && e.Reason == "Created" {
			migVMI[e.Namespace+"/"+e.Name] = e.Namespace + "/" + strings.TrimPrefix(e.Message, "migration of VMI ")
		}
	}
	// Each event of the cluster belongs to the first step under way at its
	// time: the one it made finish when it falls on that step's end (a
	// node updated in the instant the platform step completes is that
	// step's, not the next one's).
	shuts := make([]map[string]int, len(sum.Phases))
	for i := range sum.Phases {
		p := &sum.Phases[i]
		p.Duration = p.End.Sub(p.Start).String()
		shuts[i] = map[string]int{}
	}
	phaseAt := func(t time.Time) int {
		for i := range sum.Phases {
			if p := &sum.Phases[i]; !t.Before(p.Start) && !t.After(p.End) {
				return i
			}
		}
		return -1
	}
	for _, e := range fakeEvents {
		i := phaseAt(e.Time)
		if i < 0 {
			continue
		}
		p := &sum.Phases[i]
		switch {
		case e.Kind == fake.KindMigration && e.Reason == "Succeeded":
			p.Migrations++
		case e.Kind == fake.KindMigration && e.Reason == "Failed":
			p.Migrations++
			p.FailedMigration++
		case e.Kind == fake.KindVMI && (e.Reason == "ShutDown" || e.Reason == "Deleted"):
			shuts[i][e.Namespace+"/"+e.Name]++
		case e.Kind == fake.KindNode && e.Reason == "Updated":
			p.NodesUpdated++
		}
	}
	for i := range sum.Phases {
		p := &sum.Phases[i]
		p.ShutDown = len(shuts[i])
		for _, n := range shuts[i] {
			p.ShutDowns += n
			if n > 1 {
				p.ShutDownAgain++
			}
			p.mostShutDowns = max(p.mostShutDowns, n)
		}
	}

	// Per VMI: its moves from the fake's log (migrations created, failed;
	// shutdowns); the outcome from the end state.
	type tally struct{ migrations, failed, shutDowns int }
	moves := map[string]*tally{}
	tallyOf := func(k string) *tally {
		t := moves[k]
		if t == nil {
			t = &tally{}
			moves[k] = t
		}
		return t
	}
	deleted := map[string]bool{}
	blocked := map[string]bool{}
	for _, e := range fakeEvents {
		k := e.Namespace + "/" + e.Name
		switch {
		case e.Kind == fake.KindMigration && e.Reason == "Created":
			tallyOf(migVMI[k]).migrations++
		case e.Kind == fake.KindMigration && e.Reason == "Failed" && migVMI[k] != "":
			tallyOf(migVMI[k]).failed++
		case e.Kind == fake.KindVMI && e.Reason == "ShutDown":
			tallyOf(k).shutDowns++
		case e.Kind == fake.KindVMI && e.Reason == "Deleted":
			tallyOf(k).shutDowns++
			deleted[k] = true
		case e.Kind == fake.KindNode && e.Reason == "Updated":
			sum.NodesRolled++
		case e.Kind == fake.KindNode && e.Reason == "DrainBlocked" && !blocked[e.Message]:
			blocked[e.Message] = true
			sum.Blockers = append(sum.Blockers, e.Name+": "+e.Message)
		}
	}
	outcomeOf := func(ns, name string) vmiOutcome {
		o := vmiOutcome{Namespace: ns, Name: name}
		if t := moves[ns+"/"+name]; t != nil {
			o.Migrations, o.FailedMigrations, o.ShutDowns = t.migrations, t.failed, t.shutDowns
		}
		o.Attempts = o.Migrations + o.ShutDowns
		return o
	}
	reported := map[string]string{}
	for _, e := range events {
		if e.Type == update.EventReport && strings.HasPrefix(e.Message, "VMI ") {
			f := strings.Fields(e.Message)
			reported[f[1]] = strings.TrimPrefix(e.Message, "VMI "+f[1]+" does not run the new virt-launcher: ")
		}
	}
	ctx := context.Background()
	vmis, _ := c.ListVMIs(ctx, update.ListOptions{})
	hc, _ := c.GetHyperConverged(ctx)
	var strategy kubevirtv1.KubeVirtWorkloadUpdateStrategy
	if hc != nil {
		strategy = hc.Spec.WorkloadUpdateStrategy.KubeVirt()
	}
	seen := map[string]bool{}
	for i := range vmis {
		v := &vmis[i]
		k := v.Namespace + "/" + v.Name
		seen[k] = true
		o := outcomeOf(v.Namespace, v.Name)
		_, outdated := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]
		switch {
		case v.IsFinal():
			o.Outcome, o.Reason = outcomeWaiting, "shut down by an eviction; its VirtualMachine's runStrategy does not start it again"
		case strings.HasPrefix(string(v.UID), "restarted-"):
			o.Outcome = outcomeRestarted
			o.Reason = "shut down by an eviction " + times(o.ShutDowns) + " and restarted by its VirtualMachine on the new virt-launcher"
			if o.Migrations > 0 {
				o.Reason += "; " + plural(o.Migrations, "migration", "migrations") + " before"
			}
		case outdated && strings.HasPrefix(reported[k], "stuck"):
			o.Outcome, o.Reason = outcomeStuck, reported[k]
		case outdated:
			o.Outcome, o.Reason = outcomeUntouched, reported[k]
			if o.Reason == "" {
				d := workload.Select(v, strategy)
				o.Reason = d.Reason
			}
		case o.Attempts > 0:
			o.Outcome = outcomeMigrated
			o.Reason = "live-migrated to the new virt-launcher without downtime"
			if o.Migrations > 1 {
				o.Reason += fmt.Sprintf(" (%s, %d failed)", plural(o.Migrations, "migration", "migrations"), o.FailedMigrations)
			}
		default:
			o.Outcome, o.Reason = outcomeUntouched, "already on the new virt-launcher"
		}
		sum.VMIs = append(sum.VMIs, o)
	}
	for k := range deleted {
		if !seen[k] {
			ns, name, _ := strings.Cut(k, "/")
			o := outcomeOf(ns, name)
			o.Outcome, o.Reason = outcomeDeleted, "a VMI without a VirtualMachine is deleted when evicted"
			sum.VMIs = append(sum.VMIs, o)
		}
	}
	sort.Slice(sum.VMIs, func(i, j int) bool {
		a, b := sum.VMIs[i], sum.VMIs[j]
		return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Name < b.Name
	})
	for _, v := range sum.VMIs {
		sum.Outcomes[v.Outcome]++
	}
	if sum.VMIs == nil {
		sum.VMIs = []vmiOutcome{}
	}
	return sum
}

func writeTimeline(w io.Writer, plan *update.Plan, sum simSummary) {
	fmt.Fprintf(w, "%s, %s → %s\n\n", planKindName(sum.Kind), showVersions(sum.From), showVersions(sum.To))
	fmt.Fprintln(w, "Timeline (virtual time since the start):")
	for _, p := range sum.Phases {
		fmt.Fprintf(w, "  %9s  %-26s %9s", offset(sum.Start, p.Start), p.Step, report.FormatDuration(p.End.Sub(p.Start)))
		var extra []string
		if p.Migrations > 0 || p.FailedMigration > 0 {
			extra = append(extra, fmt.Sprintf("%s (%d failed)", plural(p.Migrations, "migration", "migrations"), p.FailedMigration))
		}
		if p.ShutDown > 0 {
			extra = append(extra, shutDownText(p))
		}
		if p.NodesUpdated > 0 {
			extra = append(extra, plural(p.NodesUpdated, "node", "nodes")+" updated")
		}
		if len(extra) > 0 {
			fmt.Fprintf(w, "  %s", strings.Join(extra, "; "))
		}
		fmt.Fprintln(w)
		if p.Status != "" {
			fmt.Fprintf(w, "  %9s  └ %s\n", "", wrap(p.Status, 110, strings.Repeat(" ", 15)))
		}
	}
	fmt.Fprintf(w, "\nSummary\n  result:   %s\n  duration: %s (virtual)\n", sum.Result, report.FormatDuration(time.Duration(sum.DurationSeconds*float64(time.Second))))
	fmt.Fprintf(w, "  VMIs:     %d", len(sum.VMIs))
	for _, k := range sortedOutcomeKeys(sum.Outcomes) {
		fmt.Fprintf(w, ", %d %s", sum.Outcomes[k], k)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  attempts: %s\n", attemptsText(sum.VMIs))
	fmt.Fprintf(w, "  nodes rolled: %d\n", sum.NodesRolled)
	var notable []vmiOutcome
	for _, v := range sum.VMIs {
		if v.Outcome == outcomeStuck || v.Outcome == outcomeWaiting || v.Outcome == outcomeUntouched && v.Reason != "already on the new virt-launcher" {
			notable = append(notable, v)
		}
	}
	if len(notable) > 0 {
		fmt.Fprintln(w, "  VMIs not on the new virt-launcher:")
		for i, v := range notable {
			if i == 20 {
				fmt.Fprintf(w, "    … and %d more (-o json lists every VMI)\n", len(notable)-20)
				break
			}
			fmt.Fprintf(w, "    %s/%s: %s (%d attempts): %s\n", v.Namespace, v.Name, v.Outcome, v.Attempts, v.Reason)
		}
	}
	if len(sum.Blockers) > 0 {
		fmt.Fprintln(w, "  blockers met:")
		for _, b := range sum.Blockers {
			fmt.Fprintf(w, "    %s\n", wrap(b, 110, "      "))
		}
	}
	for _, f := range sum.Findings {
		fmt.Fprintf(w, "  pre-flight: %s\n", wrap(f, 110, "      "))
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(w, "  note: %s\n", wrap(n, 110, "      "))
	}
}

func offset(start, t time.Time) string {
	d := t.Sub(start).Round(time.Second)
	return fmt.Sprintf("+%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

func sortedOutcomeKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// times says how often: "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

// shutDownText is a step's shutdowns: VMIs, each counted once, with the
// repeats said apart ("400 VMIs shut down, 15 of them twice").
func shutDownText(p simPhase) string {
	s := plural(p.ShutDown, "VMI", "VMIs") + " shut down"
	if p.ShutDownAgain == 0 {
		return s
	}
	again := "twice"
	if p.mostShutDowns > 2 {
		again = fmt.Sprintf("more than once (%d shutdowns in all)", p.ShutDowns)
	}
	if p.ShutDownAgain == p.ShutDown && p.ShutDown == 1 {
		return s + " " + again
	}
	return fmt.Sprintf("%s, %d of them %s", s, p.ShutDownAgain, again)
}

// attemptsText sums the VMIs' moves, the same numbers as the JSON's
// per-VMI attempts, migrations and shutDowns and the page's Moves column.
func attemptsText(vmis []vmiOutcome) string {
	var total, migrations, failed, shutDowns, most int
	for _, v := range vmis {
		total += v.Attempts
		migrations += v.Migrations
		failed += v.FailedMigrations
		shutDowns += v.ShutDowns
		most = max(most, v.Attempts)
	}
	return fmt.Sprintf("%s in all: %s (%d failed) and %s by eviction; at most %d for one VMI",
		plural(total, "move", "moves"), plural(migrations, "migration", "migrations"), failed, plural(shutDowns, "shutdown", "shutdowns"), most)
}
