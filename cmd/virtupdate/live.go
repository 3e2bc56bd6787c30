package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
		return nil, fmt.Errorf("load the kubeconfig: %w (use --kubeconfig and --context, as with kubectl)", err)
	}
	cfg.Timeout = f.timeout
	return kube.New(cfg, kube.Options{Namespace: f.namespace})
}

// ---- status -------------------------------------------------------------------

func newStatusCommand() *cobra.Command {
	var f clusterFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where an update stands on a live cluster",
		Long: `Reads the cluster and shows, in one view: the OpenShift version and any
platform update, the OpenShift Virtualization CSVs and the operator update
they describe, the HyperConverged conditions read as a health verdict, the
machine config pools, the workload update (outdated, migrating, stuck and
blocked VMIs, migrations in flight and failed, an ETA), and the checkpoint of
a running plan.`,
		Example: `  virtupdate status
  kubectl virtupdate status --context prod -o json`,
		Args: cobra.NoArgs,
	}
	output := outputFlag(cmd)
	f.register(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(*output); err != nil {
			return err
		}
		c, err := connect(&f)
		if err != nil {
			return clusterError(err)
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 2*f.timeout)
		defer cancel()
		r, err := buildStatus(ctx, c, clock.RealClock{}, f.namespace)
		if err != nil {
			return clusterError(err)
		}
		if *output != outputText {
			return writeData(*output, cmd.OutOrStdout(), r)
		}
		return writeStatusText(cmd.OutOrStdout(), r)
	}
	return cmd
}

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
		Args: cobra.NoArgs,
	}
	output := outputFlag(cmd)
	f.register(cmd)
	cmd.Flags().StringVar(&to, "to", "", "the target OpenShift version (default: the current one, for an OpenShift Virtualization z-stream update)")
	cmd.Flags().StringVar(&graph, "graph", "", "an update graph (FILE or -) the target must be reachable in")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(*output); err != nil {
			return err
		}
		c, err := connect(&f)
		if err != nil {
			return clusterError(err)
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 2*f.timeout)
		defer cancel()
		var g *channel.Graph
		if graph != "" {
			data, err := readInput(cmd, graph)
			if err != nil {
				return usageError(fmt.Errorf("--graph: %w", err))
			}
			if g, err = channel.ParseGraph(data); err != nil {
				return usageError(fmt.Errorf("--graph %s: %w", graph, err))
			}
		}
		r, err := runCheck(ctx, c, to, g, f.namespace)
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
func runCheck(ctx context.Context, c update.Cluster, to string, g *channel.Graph, namespace string) (*checkReport, error) {
	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		return nil, err
	}
	r := &checkReport{From: update.Versions{OCP: cv.CurrentVersion()}, To: to, Findings: []update.Finding{}}
	if hc, err := c.GetHyperConverged(ctx); err == nil {
		r.From.CNV = hc.Status.OperatorVersion()
	} else if !errors.Is(err, update.ErrNotFound) {
		return nil, err
	}
	if r.To == "" {
		r.To = r.From.OCP
	}
	plan, err := buildPlan(update.Request{From: r.From, To: r.To, Graph: g, Namespace: namespace})
	if err != nil {
		f := update.Finding{Check: "Plan", Severity: update.SeverityError, Reason: err.Error()}
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
	fmt.Fprintf(w, "%s from %s to %s\n", kind, showVersions(r.From), r.To)
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
