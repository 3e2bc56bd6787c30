package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// statusReport is one view of an update in a cluster: `virtupdate status`.
type statusReport struct {
	Platform       platformStatus       `json:"platform"`
	Operator       operatorStatus       `json:"operator"`
	HyperConverged hyperConvergedStatus `json:"hyperConverged"`
	Pools          []poolStatus         `json:"pools"`
	Workloads      workloadStatus       `json:"workloads"`
	Checkpoint     *update.Checkpoint   `json:"checkpoint,omitempty"`
	Conditions     []metav1.Condition   `json:"-"`
	CSVs           []conditions.CSV     `json:"-"`
}

type platformStatus struct {
	Version  string `json:"version"`
	Channel  string `json:"channel"`
	Desired  string `json:"desired,omitempty"`
	Updating bool   `json:"updating"`
}

type operatorStatus struct {
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Phase   string `json:"phase,omitempty"`
	Done    bool   `json:"done"`
	Summary string `json:"summary"`
}

type hyperConvergedStatus struct {
	Version     string    `json:"version"`
	Verdict     string    `json:"verdict"`
	Upgradeable bool      `json:"upgradeable"`
	Reasons     []string  `json:"reasons"`
	Since       time.Time `json:"since,omitzero"`
	Stalled     bool      `json:"stalled,omitempty"`
}

type poolStatus struct {
	Name        string `json:"name"`
	Paused      bool   `json:"paused"`
	Machines    int32  `json:"machines"`
	Updated     int32  `json:"updated"`
	Ready       int32  `json:"ready"`
	Unavailable int32  `json:"unavailable"`
	Degraded    int32  `json:"degraded"`
}

type migrationFailure struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	VMI       string `json:"vmi"`
	Reason    string `json:"reason"`
}

type workloadStatus struct {
	Progress         workload.Progress  `json:"progress"`
	Stuck            []workload.Stuck   `json:"stuck"`
	Blockers         []workload.Blocker `json:"blockers"`
	InFlight         int                `json:"migrationsInFlight"`
	FailedMigrations []migrationFailure `json:"failedMigrations"`
}

// planCheckpointName is the checkpoint a running plan keeps; status shows it
// when it exists.
const planCheckpointName = "virtupdate-plan"

// buildStatus reads the cluster through the ports into one report.
func buildStatus(ctx context.Context, c update.Cluster, clk clock.PassiveClock, namespace string) (*statusReport, error) {
	r := &statusReport{Pools: []poolStatus{}}
	cv, err := c.GetClusterVersion(ctx)
	switch {
	case err == nil:
		r.Platform = platformStatus{Version: cv.CurrentVersion(), Channel: cv.Channel, Desired: cv.DesiredVersion, Updating: cv.Updating()}
	case !errors.Is(err, update.ErrNotFound):
		return nil, err
	}

	hc, err := c.GetHyperConverged(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; is OpenShift Virtualization installed in namespace %s?", err, namespace)
	}
	h := conditions.Evaluate(clk, hc.Status.Conditions, hc.Generation, conditions.EvaluateOptions{})
	r.HyperConverged = hyperConvergedStatus{Version: hc.Status.OperatorVersion(), Verdict: string(h.Verdict), Upgradeable: h.Upgradeable,
		Reasons: h.Reasons, Since: h.Since, Stalled: h.Stalled}
	r.Conditions = hc.Status.Conditions

	if r.CSVs, err = c.ListCSVs(ctx, namespace); err != nil {
		return nil, err
	}
	if len(r.CSVs) > 0 {
		u, err := conditions.ReadOperatorUpdate(r.CSVs, "")
		if err != nil {
			r.Operator.Summary = err.Error()
		} else {
			r.Operator = operatorStatus{From: u.From, To: u.To, Phase: string(u.Phase), Done: u.Done, Summary: u.Summary}
		}
	} else {
		r.Operator.Summary = "no ClusterServiceVersion in " + namespace
	}

	pools, err := c.ListMachineConfigPools(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		r.Pools = append(r.Pools, poolStatus{Name: p.Name, Paused: p.Paused, Machines: p.MachineCount, Updated: p.UpdatedMachineCount,
			Ready: p.ReadyMachineCount, Unavailable: p.UnavailableMachineCount, Degraded: p.DegradedMachineCount})
	}

	vmis, err := c.ListVMIs(ctx, update.ListOptions{})
	if err != nil {
		return nil, err
	}
	migs, err := c.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return nil, err
	}
	snap := workload.Snapshot{
		VMIs:       make([]*v1.VirtualMachineInstance, len(vmis)),
		Migrations: make([]*v1.VirtualMachineInstanceMigration, len(migs)),
		Strategy:   hc.Spec.WorkloadUpdateStrategy.KubeVirt(),
		Now:        clk.Now(),
	}
	for i := range vmis {
		snap.VMIs[i] = &vmis[i]
	}
	for i := range migs {
		snap.Migrations[i] = &migs[i]
		m := &migs[i]
		switch {
		case !m.IsFinal():
			r.Workloads.InFlight++
		case m.Status.Phase == v1.MigrationFailed:
			reason := "failed"
			if ms := m.Status.MigrationState; ms != nil && ms.FailureReason != "" {
				reason = ms.FailureReason
			}
			r.Workloads.FailedMigrations = append(r.Workloads.FailedMigrations, migrationFailure{Namespace: m.Namespace, Name: m.Name, VMI: m.Spec.VMIName, Reason: reason})
		}
	}
	if r.Workloads.FailedMigrations == nil {
		r.Workloads.FailedMigrations = []migrationFailure{}
	}
	plan := workload.NewPlanner(workload.DefaultPolicy(), 0).Reconcile(snap)
	r.Workloads.Progress, r.Workloads.Stuck, r.Workloads.Blockers = plan.Progress, plan.Stuck, plan.Blockers
	if r.Workloads.Stuck == nil {
		r.Workloads.Stuck = []workload.Stuck{}
	}
	if r.Workloads.Blockers == nil {
		r.Workloads.Blockers = []workload.Blocker{}
	}

	switch cp, err := c.LoadCheckpoint(ctx, planCheckpointName); {
	case err == nil:
		r.Checkpoint = &cp
	case !errors.Is(err, update.ErrNotFound):
		return nil, err
	}
	return r, nil
}

// writeStatusText renders the report for a person.
func writeStatusText(w io.Writer, r *statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("Platform:\tOpenShift %s, channel %s", orNone(r.Platform.Version), orNone(r.Platform.Channel))
	if r.Platform.Updating {
		p(", updating to %s", r.Platform.Desired)
	}
	p("\n")
	p("Operator:\t%s\n", r.Operator.Summary)
	p("HyperConverged:\t%s (version %s), upgradeable: %v\n", r.HyperConverged.Verdict, orNone(r.HyperConverged.Version), r.HyperConverged.Upgradeable)
	for _, reason := range r.HyperConverged.Reasons {
		p("\t  %s\n", reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.CSVs) > 0 {
		fmt.Fprintln(w)
		if err := conditions.WriteCSVTable(w, r.CSVs); err != nil {
			return err
		}
	}
	if len(r.Pools) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "POOL\tPAUSED\tMACHINES\tUPDATED\tREADY\tUNAVAILABLE\tDEGRADED")
		for _, pl := range r.Pools {
			fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\t%d\n", pl.Name, pl.Paused, pl.Machines, pl.Updated, pl.Ready, pl.Unavailable, pl.Degraded)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	pr := r.Workloads.Progress
	fmt.Fprintf(w, "\nWorkloads: %d running, %d updated, %d outdated (%d migrating, %d to migrate, %d to evict, %d blocked, %d stuck); %d migrations in flight, %d failed kept\n",
		pr.Running, pr.Updated, pr.Outdated, pr.Migrating, pr.Migrate, pr.Evict, pr.Blocked, pr.Stuck, r.Workloads.InFlight, len(r.Workloads.FailedMigrations))
	if pr.Outdated > 0 {
		if pr.ETAKnown {
			fmt.Fprintf(w, "ETA: %s (median migration %s over %d observed)\n", pr.ETA.Round(time.Second), pr.MedianMigration.Round(time.Second), pr.ObservedMigrations)
		} else {
			fmt.Fprintln(w, "ETA: unknown until a migration has been observed")
		}
	}
	for _, s := range r.Workloads.Stuck {
		fmt.Fprintf(w, "  stuck %s/%s after %d failures: %s\n", s.Namespace, s.Name, s.Failures, strings.Join(s.Reasons, "; "))
	}
	for _, b := range r.Workloads.Blockers {
		fmt.Fprintf(w, "  blocker %s/%s: %s\n", b.Namespace, b.Name, b.Cause)
	}
	if r.Checkpoint != nil {
		fmt.Fprintf(w, "\nA plan is running: checkpoint %s (resourceVersion %s, %d bytes)\n", r.Checkpoint.Name, r.Checkpoint.ResourceVersion, len(r.Checkpoint.Data))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
