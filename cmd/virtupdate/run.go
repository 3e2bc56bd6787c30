package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

func init() { subcommands = append(subcommands, newRunCommand) }

type runOptions struct {
	cluster                           clusterFlags
	to, graph, cnv, via, checkpoint   string
	acceptRisks, catalog, pauseBefore []string
	dryRun, yes, resume, force        bool
	windows                           *[]string
	output                            *string
	// preloaded is the --graph FILE, read before the cluster is reached.
	preloaded *channel.Graph
}

func newRunCommand() *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run --to VERSION [--graph FILE] [--accept-risks NAME,...] [--window WINDOW]... [--dry-run] [--yes] [--pause-before STEP]... | run --continue",
		Short: "Run an update on a live cluster, step by step, with its checkpoint in the cluster",
		Long: `Plans the update to --to from the versions the cluster runs (the same plan as
"virtupdate plan"), shows it with the pre-flight findings, asks for confirmation
on a terminal (--yes for automation), and runs it through the cluster's API:
pausing the worker pools, backing up and restoring workloadUpdateMethods,
setting the channel, updating OpenShift hop by hop, approving the expected
InstallPlans, waiting for each step, and verifying the workload updates.

Before each step that changes the cluster a checkpoint is saved in the cluster
(a ConfigMap in the operator's namespace). A run that stops for any reason — a
--pause-before gate, Ctrl-C, a crash, a lost connection — is resumed with
"virtupdate run --continue", from any machine: it rebuilds the plan from the
checkpoint, does not repeat what was done, and restores workloadUpdateMethods
exactly as it was found.

--dry-run changes nothing and prints what each step would do. Transient API
errors (5xx, 429, timeouts, dropped connections) are retried inside a step.
With --window, a step that changes the cluster starts only inside a maintenance
window; the run waits, saying when the next one opens.

Exit codes: 0 done, or paused before a step; 1 the update stopped (blocked by
Error findings, a step failed, or interrupted; the checkpoint is kept); 2 bad
input or usage; 3 the cluster cannot be reached or read.`,
		Example: `  virtupdate run --to 4.16.3 --graph stable-4.16.json --dry-run
  virtupdate run --to 4.16.3 --graph stable-4.16.json --pause-before update-ocp-4.16
  virtupdate run --continue --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "the target OpenShift version (e.g. 4.16.3)")
	f.StringVar(&o.graph, "graph", "", graphFlagHelp+"; without it the plan's first hop is one the ClusterVersion offers (status.availableUpdates, status.conditionalUpdates) and later hops are assumed")
	f.StringSliceVar(&o.acceptRisks, "accept-risks", nil, "the risks of conditional updates the path may take, by name, comma-separated (from --graph or the ClusterVersion's conditionalUpdates)")
	f.StringVar(&o.cnv, "cnv", "", "the OpenShift Virtualization version expected at the end (default: the newest z of the target minor)")
	f.StringSliceVar(&o.catalog, "cnv-catalog", nil, "the OpenShift Virtualization versions the stable channel offers, comma-separated")
	f.StringVar(&o.via, "via", "", "the odd-minor OpenShift release an EUS-to-EUS update passes through; only for EUS-to-EUS updates")
	f.BoolVar(&o.dryRun, "dry-run", false, "change nothing: print the plan and what each step would do")
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation (needed when standard input is not a terminal)")
	f.StringArrayVar(&o.pauseBefore, "pause-before", nil, "stop before the named step with the checkpoint saved, exit 0 (repeatable); continue with --continue")
	f.BoolVar(&o.resume, "continue", false, "resume the plan of the cluster's checkpoint (the plan comes from the checkpoint: give no --to, --graph or version flags)")
	f.BoolVar(&o.force, "force", false, "run despite Error findings of the pre-flight checks")
	f.StringVar(&o.checkpoint, "checkpoint", update.DefaultCheckpointName, "the name of the checkpoint record")
	o.windows = windowFlag(cmd)
	o.output = outputFlag(cmd)
	o.cluster.register(cmd)
	return cmd
}

// validate checks the flags before the cluster is read.
func (o *runOptions) validate(cmd *cobra.Command) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	if _, err := gateOf(*o.windows); err != nil {
		return err
	}
	if err := o.cluster.validate(); err != nil {
		return err
	}
	if o.resume {
		for _, name := range []string{"to", "graph", "accept-risks", "cnv", "cnv-catalog", "via", "force"} {
			if cmd.Flags().Changed(name) {
				return usageError(fmt.Errorf("--continue takes the plan from the checkpoint: --%s cannot apply", name))
			}
		}
		return nil
	}
	if o.to == "" {
		return usageError(errors.New("--to is required: the target OpenShift version (e.g. 4.16.3); or --continue to resume the checkpoint's plan"))
	}
	if err := versionFlags([2]string{"--to", o.to}, [2]string{"--cnv", o.cnv}, [2]string{"--via", o.via}); err != nil {
		return err
	}
	for _, v := range o.catalog {
		if err := versionFlag("--cnv-catalog", v); err != nil {
			return err
		}
	}
	for _, name := range o.pauseBefore {
		if strings.TrimSpace(name) == "" {
			return usageError(errors.New("--pause-before: give a step name (virtupdate plan lists them)"))
		}
	}
	return nil
}

func (o *runOptions) run(cmd *cobra.Command) (err error) {
	if err := o.validate(cmd); err != nil {
		return err
	}
	if o.preloaded, err = preloadGraph(cmd, o.graph); err != nil {
		return err
	}
	c, err := connect(&o.cluster)
	if err != nil {
		return clusterError(err)
	}
	ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
	defer stop()
	plan, err := o.plan(ctx, cmd, c)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if err := writePlanText(out, plan); err != nil {
		return err
	}
	for _, name := range o.pauseBefore {
		if !slices.ContainsFunc(plan.Steps, func(s update.Step) bool { return s.Name == name }) {
			return usageError(fmt.Errorf("--pause-before %s: the plan has no such step; its steps are %s", name, strings.Join(stepNamesOf(plan), ", ")))
		}
	}
	rec, err := update.LoadRecord(ctx, c, o.checkpoint)
	if err != nil && !errors.Is(err, update.ErrNotFound) {
		return clusterError(err)
	}
	resuming := err == nil && rec.Plan == plan.ID() && !rec.Done
	blocked := 0
	if resuming {
		fmt.Fprintf(out, "\nresuming at step %d (%s) from checkpoint %s, started %s\n", rec.Step+1, rec.StepName, o.checkpoint, rec.Started.UTC().Format(time.RFC3339))
	} else {
		findings, err := update.Preflight(ctx, c, plan.Preflight)
		if err != nil {
			return clusterError(err)
		}
		fmt.Fprintln(out, "\npre-flight:")
		for _, f := range findings {
			fmt.Fprintln(out, " ", f.String())
			if f.Severity == update.SeverityError {
				blocked++
			}
		}
	}
	if blocked > 0 && !o.force && !o.dryRun {
		return &exitError{code: exitBlocked, err: fmt.Errorf("the update is blocked by %s: fix them, or run with --force", plural(blocked, "Error finding", "Error findings"))}
	}
	if !o.dryRun && !o.yes {
		ok, err := confirm(cmd, plan)
		if err != nil {
			return err
		}
		if !ok {
			return &exitError{code: exitBlocked, err: errors.New("not confirmed: nothing was changed")}
		}
	}
	clk, waiter := runTime(c)
	gate, err := gateOf(*o.windows)
	if err != nil {
		return err
	}
	opts := update.Options{Clock: clk, Waiter: waiter, DryRun: o.dryRun, Checkpoint: o.checkpoint, PauseBefore: o.pauseBefore, Window: gate}
	prog := newProgress(cmd.ErrOrStderr(), len(plan.Steps))
	opts.OnEvent = prog.event
	if o.force {
		plan.Preflight.Force = true
		for i := range plan.Steps {
			if plan.Steps[i].Name == "preflight" {
				plan.Steps[i] = update.PreflightStep(plan.Preflight)
			}
		}
	}
	res, runErr := update.Run(ctx, c, plan, opts)
	prog.done()
	return o.summary(out, plan, res, runErr, ctx)
}

// runTime is the clock a run measures with and how it waits: the real
// ones. Tests on the fake cluster replace it with the fake's clock, which
// moves when the runner waits.
var runTime = func(update.Cluster) (clock.PassiveClock, update.Waiter) {
	return clock.RealClock{}, update.ClockWaiter{}
}

// cmdContext is the command's context, or a background one.
func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// plan builds the plan: from the flags and the versions the cluster runs,
// or, with --continue, from the checkpoint alone.
func (o *runOptions) plan(ctx context.Context, cmd *cobra.Command, c update.Cluster) (*update.Plan, error) {
	if o.resume {
		rec, err := update.LoadRecord(ctx, c, o.checkpoint)
		switch {
		case errors.Is(err, update.ErrNotFound):
			return nil, usageError(fmt.Errorf("--continue: there is no checkpoint %s in the cluster: nothing to continue; start a run with --to", o.checkpoint))
		case err != nil:
			return nil, clusterError(err)
		case rec.Request == nil:
			return nil, usageError(fmt.Errorf("--continue: checkpoint %s (plan %s) does not say how the plan was built; run it again with the same --to and flags", o.checkpoint, rec.Plan))
		case rec.Done:
			return nil, &exitError{code: exitOK, err: fmt.Errorf("the checkpoint's plan %s has finished: nothing to continue", rec.Plan)}
		}
		plan, err := eus.NewPlan(rec.Request.Request())
		if err != nil {
			return nil, usageError(fmt.Errorf("--continue: rebuilding plan %s from checkpoint %s: %w", rec.Plan, o.checkpoint, err))
		}
		return plan, nil
	}
	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		return nil, clusterError(err)
	}
	from := update.Versions{OCP: cv.CurrentVersion()}
	if hc, err := c.GetHyperConverged(ctx); err == nil {
		from.CNV = hc.Status.OperatorVersion()
	} else if !errors.Is(err, update.ErrNotFound) {
		return nil, clusterError(err)
	}
	r := update.Request{From: from, To: o.to, CNV: o.cnv, CNVCatalog: o.catalog, Via: o.via, AcceptRisks: o.acceptRisks,
		Force: o.force, Namespace: o.cluster.namespace}
	if o.preloaded != nil {
		r.Graph = o.preloaded
	} else if o.graph != "" {
		if r.Graph, err = loadPlanGraph(cmd, o.graph, from.OCP, o.to, "amd64"); err != nil {
			return nil, err
		}
	} else if r.Graph, err = liveGraph(cv); err != nil {
		return nil, err
	}
	plan, err := eus.NewPlan(r)
	if err != nil {
		return nil, usageError(liveNames.name(err))
	}
	return plan, nil
}

func stepNamesOf(p *update.Plan) []string {
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Name
	}
	return out
}

// confirm asks on a terminal; without one it refuses, so automation must
// say --yes.
func confirm(cmd *cobra.Command, plan *update.Plan) (bool, error) {
	in := cmd.InOrStdin()
	if !isTerminal(in) {
		return false, usageError(errors.New("standard input is not a terminal: give --yes to run without confirmation, or --dry-run"))
	}
	changes := 0
	for _, s := range plan.Steps {
		if s.Changes {
			changes++
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "\nRun this %s (%s change the cluster)? [y/N] ", planKindName(plan.Kind), plural(changes, "step will", "steps will"))
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

// isTerminal reports whether r is a character device (a terminal).
var isTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// summary prints how the run ended and returns the exit status.
func (o *runOptions) summary(w io.Writer, plan *update.Plan, res update.Result, runErr error, ctx context.Context) error {
	took := res.Finished.Sub(res.Started).Round(time.Second)
	switch {
	case runErr != nil && ctx.Err() != nil:
		fmt.Fprintf(w, "\ninterrupted after %s; the checkpoint %s is saved: run \"virtupdate run --continue\" to resume\n", took, o.checkpoint)
		return &exitError{code: exitBlocked, err: errors.New("interrupted; the checkpoint is kept")}
	case runErr != nil:
		fmt.Fprintf(w, "\nthe update stopped after %s; the checkpoint %s is kept: fix the cause, then run \"virtupdate run --continue\"\n", took, o.checkpoint)
		return &exitError{code: exitBlocked, err: runErr}
	case o.dryRun:
		fmt.Fprintln(w, "\ndry run: nothing was changed")
	case res.Paused != "":
		fmt.Fprintf(w, "\npaused before %s after %s; the checkpoint %s is saved: run \"virtupdate run --continue\" to go on\n", res.Paused, took, o.checkpoint)
	case res.AlreadyDone:
		fmt.Fprintf(w, "\nplan %s had already finished: nothing to do\n", plan.ID())
	default:
		fmt.Fprintf(w, "\n%s done in %s: OpenShift %s", planKindName(plan.Kind), took, plan.To.OCP)
		if plan.To.CNV != "" {
			fmt.Fprintf(w, ", OpenShift Virtualization %s", plan.To.CNV)
		}
		if m := res.Record.Methods; m != nil {
			fmt.Fprintf(w, "; workloadUpdateMethods restored to %s", update.ShowMethods(m.Stored()))
		}
		fmt.Fprintln(w)
	}
	return nil
}
