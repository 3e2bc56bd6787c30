package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

func init() {
	subcommands = append(subcommands, newStatusCommand, newCheckCommand)
}

// clusterFlags are kubectl's connection flags.
type clusterFlags struct {
	kubeconfig, context, namespace string
	timeout                        time.Duration
}

func (f *clusterFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
	fl.StringVar(&f.context, "context", "", "the kubeconfig context to use")
	fl.StringVarP(&f.namespace, "namespace", "n", update.DefaultNamespace, "the namespace of OpenShift Virtualization (the HyperConverged, its CSVs and Subscription)")
	fl.DurationVar(&f.timeout, "request-timeout", 30*time.Second, "how long to wait for the API server")
}

// connect returns the cluster the flags name. Tests replace it.
var connect = func(f *clusterFlags) (update.Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.context}).ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			if eerr := emptyKubeconfigError(rules, f.context); eerr != nil {
				return nil, eerr
			}
		}
		return nil, kubeconfigError(err)
	}
	cfg.Timeout = f.timeout
	return kube.New(cfg, kube.Options{Namespace: f.namespace})
}

// kubeconfigError says what went wrong loading the kubeconfig and how to
// give one; client-go's own words for a missing one name an environment
// variable that kubectl users never set.
func kubeconfigError(err error) error {
	if clientcmd.IsEmptyConfig(err) {
		return errors.New("no kubeconfig found: give --kubeconfig FILE (and --context NAME), set KUBECONFIG, " +
			"put one at ~/.kube/config, or run in a pod, whose service account is used (in-cluster)")
	}
	return fmt.Errorf("load the kubeconfig: %w (use --kubeconfig and --context, as with kubectl)", err)
}

// ---- status -------------------------------------------------------------------

func newStatusCommand() *cobra.Command {
	var f clusterFlags
	var watch, allNodes bool
	var htmlPath string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "status [--watch]",
		Short: "Show where an update stands on a live cluster",
		Long: `Reads the cluster and shows, in one view, where an update stands.

The platform, as oc adm upgrade status reads it: the control plane's
assessment (Progressing, Progressing slowly, Stalled, Completed) and its
completion from the ClusterOperators at the target release; each machine
config pool's assessment (Pending, Excluded when paused, Degraded,
Progressing, Completed) with its nodes counted by the release of the
MachineConfig each runs, not by the pool's own counts; each node's phase
(Draining, Updating, Rebooting, Paused, Pending, Completed) and version.

OpenShift Virtualization, when installed: the CSVs and the operator update
they describe, the HyperConverged conditions read as a health verdict, the
workload update (outdated, migrating, stuck and blocked VMIs, migrations in
flight and failed), and the checkpoint of a running plan.

An ETA that knows the VMs: the control plane's from oc's estimate, then
each worker pool's nodes left, maxUnavailable at a time, at the time a node
of the pool took so far (a node whose VMI cannot leave has none).

The update's health: ClusterOperators unavailable or degraded past oc's
thresholds, degraded and unavailable nodes, paused pools, and drains held by
a PodDisruptionBudget or by a VMI that cannot migrate.

With --watch the view is read again every --interval until the update
completes (exit 0) or a finding of severity Error appears (exit 1).

Exit code 0: no finding of severity Error. Exit code 1: findings of severity
Error. Exit code 2: bad input. Exit code 3: the cluster cannot be reached or
read.`,
		Example: `  virtupdate status
  virtupdate status --watch --interval 30s
  kubectl virtupdate status --context prod -o json`,
		Args: noArgs,
	}
	output := outputFlag(cmd)
	f.register(cmd)
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "read the cluster again every --interval until the update completes (exit 0) or a finding of severity Error appears (exit 1)")
	cmd.Flags().DurationVar(&interval, "interval", defaultWatchInterval, "how often --watch reads the cluster")
	cmd.Flags().BoolVar(&allNodes, "all-nodes", false, "list every node of a pool, not only the first ones and those in trouble")
	cmd.Flags().StringVar(&htmlPath, "html", "", "also write the status as one self-contained HTML page to this file (rewritten after every read with --watch, its lanes growing)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(*output); err != nil {
			return err
		}
		if interval <= 0 {
			return usageError(fmt.Errorf("--interval %s: give a positive duration, such as 15s", interval))
		}
		if err := f.validate(); err != nil {
			return err
		}
		if err := checkOutputFile("--html", htmlPath); err != nil {
			return err
		}
		c, err := connect(&f)
		if err != nil {
			return clusterError(err)
		}
		o := watchOptions{interval: interval, clock: statusClock, terminal: liveLine(cmd.OutOrStdout()) != nil, format: *output,
			text: textOptions{allNodes: allNodes}, html: htmlPath, history: newStatusHistory()}
		reader := statusReader{c: c, clk: o.clock, namespace: f.namespace}
		read := func(ctx context.Context) (*statusReport, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*f.timeout)
			defer cancel()
			return reader.read(ctx)
		}
		if watch {
			reader.mem = newStatusMemory()
			ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return watchStatus(ctx, cmd.OutOrStdout(), read, o)
		}
		r, err := read(cmdContext(cmd))
		if err != nil {
			return clusterError(err)
		}
		frame, _, err := renderStatus(r, o)
		if err != nil {
			return err
		}
		if err := o.writeHTML(r); err != nil {
			return err
		}
		if _, err := io.WriteString(cmd.OutOrStdout(), frame); err != nil {
			return err
		}
		if r.hasError() {
			return &exitError{code: exitBlocked, err: errUpdateFindings}
		}
		return nil
	}
	return cmd
}

// statusClock is the clock of status: its reads' "now" and the --watch
// interval. Tests replace it.
var statusClock clock.Clock = clock.RealClock{}

// ---- check --------------------------------------------------------------------

// checkReport is `virtupdate check -o json`.
type checkReport struct {
	Ready    bool             `json:"ready"`
	Kind     update.Kind      `json:"kind,omitempty"`
	From     update.Versions  `json:"from"`
	To       string           `json:"to"`
	Findings []update.Finding `json:"findings"`
}

func newCheckCommand() *cobra.Command {
	var f clusterFlags
	var to, graph string
	var acceptRisks []string
	cmd := &cobra.Command{
		Use:   "check [--to VERSION]",
		Short: "Run the pre-flight checks of an update against a live cluster",
		Long: `Runs the pre-flight checks of the update to --to (default: a z-stream update
of OpenShift Virtualization on the current OpenShift version) and prints each
finding with its severity, reason and remedy. The versions the cluster runs are
read from the ClusterVersion and the HyperConverged.

Exit code 0: ready (no Error finding). Exit code 1: blocked; fix the Error
findings first. Exit code 2: bad input. Exit code 3: the cluster cannot be
reached or read.`,
		Example: `  virtupdate check --to 4.16.3
  virtupdate check --to 4.15.30 --graph stable-4.15.json -o json`,
		Args: noArgs,
	}
	output := outputFlag(cmd)
	f.register(cmd)
	cmd.Flags().StringVar(&to, "to", "", "the target OpenShift version (default: the current one, for an OpenShift Virtualization z-stream update)")
	cmd.Flags().StringVar(&graph, "graph", "", graphFlagHelp+"; without it the path is checked against the updates the ClusterVersion offers")
	cmd.Flags().StringSliceVar(&acceptRisks, "accept-risks", nil, "the risks of conditional updates the path may take, by name, comma-separated")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(*output); err != nil {
			return err
		}
		// Everything the flags say is checked before the cluster is reached.
		if err := errorsJoinFirst(f.validate(), versionFlag("--to", to)); err != nil {
			return err
		}
		pre, err := preloadGraph(cmd, graph)
		if err != nil {
			return err
		}
		c, err := connect(&f)
		if err != nil {
			return clusterError(err)
		}
		ctx, cancel := context.WithTimeout(cmdContext(cmd), 2*f.timeout)
		defer cancel()
		r, err := runCheck(ctx, cmd, c, checkOptions{to: to, graph: graph, preloaded: pre, acceptRisks: acceptRisks, namespace: f.namespace})
		if err != nil {
			return clusterError(err)
		}
		if *output != outputText {
			err = writeData(*output, cmd.OutOrStdout(), r)
		} else {
			err = writeCheckText(cmd.OutOrStdout(), r)
		}
		if err == nil && !r.Ready {
			return &exitError{code: exitBlocked, err: errors.New("the update is blocked: fix the Error findings above")}
		}
		return err
	}
	return cmd
}

// runCheck reads the versions the cluster runs, plans the update to `to`
// and runs that plan's pre-flight checks. A plan that cannot be built is an
// Error finding that says why.
// checkOptions are check's flags.
type checkOptions struct {
	to, graph, namespace string
	acceptRisks          []string
	// preloaded is the --graph FILE read before the cluster was reached;
	// nil for an update service, fetched once the versions are known.
	preloaded *channel.Graph
}

func runCheck(ctx context.Context, cmd *cobra.Command, c update.Cluster, o checkOptions) (*checkReport, error) {
	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		return nil, err
	}
	r := &checkReport{From: update.Versions{OCP: cv.CurrentVersion()}, To: o.to, Findings: []update.Finding{}}
	if hc, err := c.GetHyperConverged(ctx); err == nil {
		r.From.CNV = hc.Status.OperatorVersion()
	} else if !errors.Is(err, update.ErrNotFound) {
		return nil, err
	}
	if r.To == "" {
		r.To = r.From.OCP
	}
	req := update.Request{From: r.From, To: r.To, AcceptRisks: o.acceptRisks, Namespace: o.namespace}
	if o.preloaded != nil {
		req.Graph = o.preloaded
	} else if o.graph != "" {
		if req.Graph, err = loadPlanGraph(cmd, o.graph, r.From.OCP, r.To, "amd64"); err != nil {
			return nil, err
		}
	} else if req.Graph, err = liveGraph(cv); err != nil {
		return nil, err
	}
	plan, err := buildPlan(req)
	if err != nil {
		f := update.Finding{Check: "Plan", Severity: update.SeverityError, Reason: liveNames.name(err).Error()}
		var refusal *update.RefusalError
		if errors.As(err, &refusal) {
			f.Remedy = refusal.Instead
		}
		r.Findings = append(r.Findings, f)
		return r, nil
	}
	r.Kind = plan.Kind
	opts := plan.Preflight
	opts.Force = false
	findings, err := update.Preflight(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	r.Findings = append(r.Findings, findings...)
	r.Ready = true
	for _, f := range r.Findings {
		if f.Severity == update.SeverityError {
			r.Ready = false
		}
	}
	return r, nil
}

func writeCheckText(w io.Writer, r *checkReport) error {
	kind := string(r.Kind)
	if kind == "" {
		kind = "update"
	}
	if r.To == r.From.OCP {
		what := "update"
		if r.Kind != "" {
			what = planKindName(r.Kind)
		}
		fmt.Fprintf(w, "OpenShift Virtualization %s on OpenShift %s\n", what, r.To)
	} else {
		fmt.Fprintf(w, "%s from %s to %s\n", kind, showVersions(r.From), r.To)
	}
	for _, f := range r.Findings {
		fmt.Fprintln(w, " ", f.String())
	}
	verdict := "ready: no Error finding"
	if !r.Ready {
		verdict = "blocked: fix the Error findings first"
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}
