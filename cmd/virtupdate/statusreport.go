package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// statusReport is one view of an update in a cluster: `virtupdate status`.
type statusReport struct {
	// Observed is when the cluster was read.
	Observed time.Time `json:"observed"`
	// Updating is true while any part of an update runs: the platform (the
	// control plane, or a worker pool not on the target release), the
	// OpenShift Virtualization operator, or VMIs still to move to the new
	// launcher.
	Updating       bool                  `json:"updating"`
	Platform       platformStatus        `json:"platform"`
	ControlPlane   *controlPlaneStatus   `json:"controlPlane,omitempty"`
	Pools          []poolStatus          `json:"pools"`
	Virtualization virtualizationStatus  `json:"virtualization"`
	Operator       *operatorStatus       `json:"operator,omitempty"`
	HyperConverged *hyperConvergedStatus `json:"hyperConverged,omitempty"`
	Workloads      *workloadStatus       `json:"workloads,omitempty"`
	ETA            etaStatus             `json:"eta"`
	// Findings are the update's health: Error first.
	Findings   []update.Finding   `json:"findings"`
	Checkpoint *update.Checkpoint `json:"checkpoint,omitempty"`
	Conditions []metav1.Condition `json:"-"`
	CSVs       []conditions.CSV   `json:"-"`
	// vmRows are the VMIs as the status page lists them.
	vmRows []report.VMRow
}

type platformStatus struct {
	// Version is the release the cluster last finished updating to.
	Version string `json:"version"`
	Channel string `json:"channel"`
	// Target is the release the CVO applies (status.desired.version);
	// Desired is spec.desiredUpdate.version, empty when the update was
	// asked by image.
	Target   string `json:"target,omitempty"`
	Desired  string `json:"desired,omitempty"`
	Updating bool   `json:"updating"`
	// Requested is a version asked in spec.desiredUpdate that the CVO has
	// not taken up (yet, or at all: see the findings).
	Requested string `json:"requested,omitempty"`
	// Reason says why there is no platform part (no ClusterVersion).
	Reason string `json:"reason,omitempty"`
}

// virtualizationStatus says whether OpenShift Virtualization is installed.
type virtualizationStatus struct {
	Installed bool   `json:"installed"`
	Namespace string `json:"namespace"`
	Reason    string `json:"reason,omitempty"`
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

// statusReader reads the cluster into reports. mem, when set (a --watch),
// remembers between reads when each node entered its phase and how long
// the nodes took.
type statusReader struct {
	c         update.Cluster
	clk       clock.PassiveClock
	namespace string
	mem       *statusMemory
}

// buildStatus reads the cluster once, through the ports, into a report.
func buildStatus(ctx context.Context, c update.Cluster, clk clock.PassiveClock, namespace string) (*statusReport, error) {
	return statusReader{c: c, clk: clk, namespace: namespace}.read(ctx)
}

// platformFacts are what the cluster says of the platform.
type platformFacts struct {
	cv             *update.ClusterVersion
	operators      []update.ClusterOperator
	operatorsKnown bool
	pools          []update.MachineConfigPool
	nodes          []corev1.Node
	releaseOf      map[string]string // MachineConfig → release; nil when not known
	pdbs           []policyv1.PodDisruptionBudget
	pdbsKnown      bool
}

// optional runs an optional port's read: known is false when the cluster
// does not implement it or does not serve the resource (ErrNotFound).
func optional[T any](ok bool, read func() (T, error)) (v T, known bool, err error) {
	if !ok {
		return v, false, nil
	}
	v, err = read()
	switch {
	case errors.Is(err, update.ErrNotFound):
		return v, false, nil
	case err != nil:
		return v, false, err
	}
	return v, true, nil
}

func (s statusReader) readPlatform(ctx context.Context) (platformFacts, error) {
	var f platformFacts
	cv, err := s.c.GetClusterVersion(ctx)
	switch {
	case err == nil:
		f.cv = cv
	case !errors.Is(err, update.ErrNotFound):
		return f, err
	}
	cos, isCOs := s.c.(update.ClusterOperators)
	if f.operators, f.operatorsKnown, err = optional(isCOs && f.cv != nil, func() ([]update.ClusterOperator, error) { return cos.ListClusterOperators(ctx) }); err != nil {
		return f, err
	}
	if f.pools, err = s.c.ListMachineConfigPools(ctx); err != nil {
		return f, err
	}
	if f.nodes, err = s.c.ListNodes(ctx); err != nil {
		return f, err
	}
	mcs, isMCs := s.c.(update.MachineConfigs)
	list, known, err := optional(isMCs, func() ([]update.MachineConfig, error) { return mcs.ListMachineConfigs(ctx) })
	if err != nil {
		return f, err
	}
	if known {
		f.releaseOf = make(map[string]string, len(list))
		for _, mc := range list {
			f.releaseOf[mc.Name] = mc.ReleaseVersion
		}
	}
	pdbs, isPDBs := s.c.(update.PodDisruptionBudgets)
	if f.pdbs, f.pdbsKnown, err = optional(isPDBs, func() ([]policyv1.PodDisruptionBudget, error) { return pdbs.ListPodDisruptionBudgets(ctx) }); err != nil {
		return f, err
	}
	return f, nil
}

// cnvFacts are what the cluster says of OpenShift Virtualization.
type cnvFacts struct {
	hc         *update.HyperConverged
	cluster    v1.EvictionStrategy
	vmis       []v1.VirtualMachineInstance
	migrations []v1.VirtualMachineInstanceMigration
}

func (s statusReader) readCNV(ctx context.Context, r *statusReport) (*cnvFacts, error) {
	r.Virtualization.Namespace = s.namespace
	hc, err := s.c.GetHyperConverged(ctx)
	switch {
	case errors.Is(err, update.ErrNotFound):
		r.Virtualization.Reason = fmt.Sprintf("OpenShift Virtualization is not installed: no HyperConverged in namespace %s (if it runs in another namespace, say which with --namespace)", s.namespace)
		return nil, nil
	case err != nil:
		return nil, err
	}
	r.Virtualization.Installed = true
	f := &cnvFacts{hc: hc}
	if f.cluster, _, err = update.ReadClusterEvictionStrategy(ctx, s.c); err != nil {
		return nil, err
	}
	if r.CSVs, err = s.c.ListCSVs(ctx, s.namespace); err != nil {
		return nil, err
	}
	if f.vmis, err = s.c.ListVMIs(ctx, update.ListOptions{}); err != nil {
		return nil, err
	}
	if f.migrations, err = s.c.ListMigrations(ctx, update.ListOptions{}); err != nil {
		return nil, err
	}
	return f, nil
}

// read reads the cluster into one report.
func (s statusReader) read(ctx context.Context) (*statusReport, error) {
	r := &statusReport{Pools: []poolStatus{}, Findings: []update.Finding{}}
	pf, err := s.readPlatform(ctx)
	if err != nil {
		return nil, err
	}
	cnv, err := s.readCNV(ctx, r)
	if err != nil {
		return nil, err
	}
	switch cp, err := s.c.LoadCheckpoint(ctx, planCheckpointName); {
	case err == nil:
		r.Checkpoint = &cp
	case !errors.Is(err, update.ErrNotFound):
		return nil, err
	}
	now := s.clk.Now()
	r.Observed = now

	vmisByNode := map[string][]*v1.VirtualMachineInstance{}
	var cluster v1.EvictionStrategy
	if cnv != nil {
		cluster = cnv.cluster
		for i := range cnv.vmis {
			vmi := &cnv.vmis[i]
			if !vmi.IsFinal() && vmi.Status.NodeName != "" && vmi.DeletionTimestamp == nil {
				vmisByNode[vmi.Status.NodeName] = append(vmisByNode[vmi.Status.NodeName], vmi)
			}
		}
	}
	var findings []update.Finding
	if err := s.assessPlatform(r, pf, vmisByNode, now, &findings); err != nil {
		return nil, err
	}
	findings = append(findings, drainFindings(r.Pools, drainFacts{vmis: vmisByNode, cluster: cluster, pdbs: pf.pdbs, pdbsKnown: pf.pdbsKnown, now: now})...)

	ef := etaFacts{now: now, platformUpdating: r.Platform.Updating, cp: r.ControlPlane, pools: r.Pools, mem: s.mem, vmis: vmisByNode, cluster: cluster, outbound: 1}
	if cnv != nil {
		findings = append(findings, s.assessCNV(r, cnv, now)...)
		pr := r.Workloads.Progress
		ef.workloads = &pr
		if pr.ObservedMigrations > 0 {
			ef.migration = pr.MedianMigration
		}
		ef.outbound = outboundPerNode(cnv.hc)
	}
	r.ETA = estimate(ef)
	r.Updating = r.Platform.Updating || cnvUpdating(r)
	rank := map[update.Severity]int{update.SeverityError: 0, update.SeverityWarning: 1, update.SeverityInfo: 2}
	slices.SortStableFunc(findings, func(a, b update.Finding) int { return rank[a.Severity] - rank[b.Severity] })
	r.Findings = append(r.Findings, findings...)
	return r, nil
}

// outboundPerNode is how many migrations a node sends at once: the
// HyperConverged's parallelOutboundMigrationsPerNode, else KubeVirt's
// default.
func outboundPerNode(hc *update.HyperConverged) int {
	if p := hc.Spec.LiveMigrationConfig.ParallelOutboundMigrationsPerNode; p != nil && *p > 0 {
		return int(*p)
	}
	return workload.DefaultParallelOutboundMigrationsPerNode
}

// assessPlatform fills the platform's part of the report: the control
// plane, the pools and their nodes, and whether the platform updates, as
// `oc adm upgrade status` reads them (status.go Run): updating while the
// ClusterVersion is Progressing=True or a worker pool with nodes is not
// all on the target release; the control plane's findings only then.
func (s statusReader) assessPlatform(r *statusReport, pf platformFacts, vmisByNode map[string][]*v1.VirtualMachineInstance, now time.Time, findings *[]update.Finding) error {
	cv := pf.cv
	if cv == nil {
		r.Platform.Reason = "no ClusterVersion: the cluster is not OpenShift, or its cluster-version operator has not written one"
	} else {
		r.Platform = platformStatus{Version: cv.CurrentVersion(), Channel: cv.Channel, Target: platformTarget(cv), Desired: cv.DesiredVersion}
	}
	target := ""
	if cv != nil {
		target = nodeTarget(cv)
	}
	byPool, err := nodesByPool(pf.pools, pf.nodes)
	if err != nil {
		return err
	}
	workersOutdated := false
	for _, p := range pf.pools {
		members := byPool[p.Name]
		annotated := slices.ContainsFunc(members, func(n *corev1.Node) bool { return n.Annotations[update.NodeCurrentConfigAnnotation] != "" })
		var ps poolStatus
		if pf.releaseOf != nil && annotated && target != "" {
			nodes := make([]nodeStatus, 0, len(members))
			for _, n := range members {
				ns := assessNode(n, p, target, pf.releaseOf, now)
				ns.VMIs = len(vmisByNode[n.Name])
				s.mem.note(p.Name, &ns, now)
				nodes = append(nodes, ns)
			}
			slices.SortFunc(nodes, nodeOrder)
			ps = assessPool(p, nodes)
		} else {
			ps = assessPoolFromStatus(p)
		}
		if !ps.ControlPlane && ps.Total > 0 && ps.Updated < ps.Total {
			workersOutdated = true
		}
		r.Pools = append(r.Pools, ps)
		*findings = append(*findings, poolFindings(ps)...)
	}
	if cv == nil {
		return nil
	}
	progressing := findCondition(cv.Conditions, "Progressing")
	r.Platform.Updating = (progressing != nil && progressing.Status == metav1.ConditionTrue) || cv.Updating() || workersOutdated
	// Ours: an update asked (spec.desiredUpdate.version) that the CVO has
	// not taken up yet is one under way, unless the CVO refused it.
	if asked := cv.DesiredVersion; asked != "" && asked != r.Platform.Target && !slices.ContainsFunc(cv.History, func(h update.UpdateHistory) bool { return h.Version == asked }) {
		r.Platform.Requested = asked
		if acc := findCondition(cv.Conditions, "ReleaseAccepted"); acc != nil && acc.Status == metav1.ConditionFalse {
			*findings = append(*findings, update.Finding{Check: checkUpdateNotAccepted, Severity: update.SeverityError, Objects: []string{"ClusterVersion version"},
				Reason: fmt.Sprintf("the cluster-version operator does not accept the update to %s (%s): %s", asked, acc.Reason, acc.Message),
				Remedy: "resolve what the message names, or ask for another version (oc adm upgrade shows the recommended ones)"})
		} else {
			r.Platform.Updating = true
		}
	}
	cp, cpFindings := assessControlPlane(cv, pf.operators, pf.operatorsKnown, now)
	r.ControlPlane = &cp
	if r.Platform.Updating {
		*findings = append(*findings, cpFindings...)
	}
	return nil
}

// assessCNV fills OpenShift Virtualization's part of the report and
// returns its findings: VMIs that will not update by themselves, and VMIs
// whose migrations failed too often.
func (s statusReader) assessCNV(r *statusReport, f *cnvFacts, now time.Time) []update.Finding {
	hc := f.hc
	h := conditions.Evaluate(s.clk, hc.Status.Conditions, hc.Generation, conditions.EvaluateOptions{})
	r.HyperConverged = &hyperConvergedStatus{Version: hc.Status.OperatorVersion(), Verdict: string(h.Verdict), Upgradeable: h.Upgradeable,
		Reasons: h.Reasons, Since: h.Since, Stalled: h.Stalled}
	r.Conditions = hc.Status.Conditions
	r.Operator = &operatorStatus{}
	if len(r.CSVs) > 0 {
		u, err := conditions.ReadOperatorUpdate(r.CSVs, "")
		if err != nil {
			r.Operator.Summary = err.Error()
		} else {
			*r.Operator = operatorStatus{From: u.From, To: u.To, Phase: string(u.Phase), Done: u.Done, Summary: u.Summary}
		}
	} else {
		r.Operator.Summary = "no ClusterServiceVersion in " + s.namespace
		r.Operator.Done = true
	}

	w := &workloadStatus{FailedMigrations: []migrationFailure{}}
	snap := workload.Snapshot{
		VMIs:       make([]*v1.VirtualMachineInstance, len(f.vmis)),
		Migrations: make([]*v1.VirtualMachineInstanceMigration, len(f.migrations)),
		Strategy:   hc.Spec.WorkloadUpdateStrategy.KubeVirt(),
		Now:        now,
	}
	for i := range f.vmis {
		snap.VMIs[i] = &f.vmis[i]
	}
	for i := range f.migrations {
		m := &f.migrations[i]
		snap.Migrations[i] = m
		switch {
		case !m.IsFinal():
			w.InFlight++
		case m.Status.Phase == v1.MigrationFailed:
			reason := "failed"
			if ms := m.Status.MigrationState; ms != nil && ms.FailureReason != "" {
				reason = ms.FailureReason
			}
			w.FailedMigrations = append(w.FailedMigrations, migrationFailure{Namespace: m.Namespace, Name: m.Name, VMI: m.Spec.VMIName, Reason: reason})
		}
	}
	plan := workload.NewPlanner(workload.DefaultPolicy(), 0).Reconcile(snap)
	w.Progress, w.Stuck, w.Blockers = plan.Progress, plan.Stuck, plan.Blockers
	r.vmRows = statusRows(plan, f.vmis, f.migrations)
	if w.Stuck == nil {
		w.Stuck = []workload.Stuck{}
	}
	if w.Blockers == nil {
		w.Blockers = []workload.Blocker{}
	}
	r.Workloads = w

	var out []update.Finding
	for _, b := range w.Blockers {
		remedy := b.Fix
		if remedy == "" {
			remedy = b.Workaround
		}
		out = append(out, update.Finding{Check: checkWorkloadBlocked, Severity: update.SeverityWarning, Objects: []string{"VMI " + b.Namespace + "/" + b.Name},
			Reason: strings.TrimSuffix(fmt.Sprintf("VMI %s/%s will not move to the new launcher by itself: %s: %s", b.Namespace, b.Name, b.Cause, b.Message), ": "), Remedy: remedy})
	}
	for _, st := range w.Stuck {
		out = append(out, update.Finding{Check: checkWorkloadStuck, Severity: update.SeverityWarning, Objects: []string{"VMI " + st.Namespace + "/" + st.Name},
			Reason: fmt.Sprintf("VMI %s/%s failed to migrate %d times in a row and is no longer retried: %s", st.Namespace, st.Name, st.Failures, strings.Join(st.Reasons, "; ")),
			Remedy: "fix what the failures name, then delete its failed migrations to have it retried"})
	}
	return out
}

// cnvUpdating: the operator update is not done, HCO still progresses, or
// VMIs remain that the workload update will move.
func cnvUpdating(r *statusReport) bool {
	if !r.Virtualization.Installed {
		return false
	}
	if r.Operator != nil && !r.Operator.Done {
		return true
	}
	if r.HyperConverged != nil && r.HyperConverged.Verdict == string(conditions.VerdictProgressing) {
		return true
	}
	p := r.Workloads.Progress
	return p.Outdated-p.Blocked-p.Stuck > 0
}

// hasError reports whether a finding is of severity Error.
func (r *statusReport) hasError() bool {
	return slices.ContainsFunc(r.Findings, func(f update.Finding) bool { return f.Severity == update.SeverityError })
}

// textOptions shape the text view.
type textOptions struct {
	// allNodes lists every node; otherwise a pool shows its first
	// maxNodesShown and every node in trouble.
	allNodes bool
	// stable leaves out what changes with the clock alone (durations,
	// ETAs, "since"), for telling whether a view changed.
	stable bool
}

// maxNodesShown is how many nodes of a pool the text lists without
// --all-nodes (oc shows 10), besides the ones in trouble.
const maxNodesShown = 10

func dur(seconds int64) string { return report.FormatDuration(time.Duration(seconds) * time.Second) }

// writeStatusText renders the report for a person.
func writeStatusText(w io.Writer, r *statusReport, o textOptions) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	if r.Platform.Reason != "" {
		p("Platform:\t%s\n", r.Platform.Reason)
	} else {
		p("Platform:\tOpenShift %s, channel %s", orNone(r.Platform.Version), orNone(r.Platform.Channel))
		switch {
		case r.Platform.Requested != "" && r.Platform.Target == r.Platform.Version:
			p(", update to %s asked, not yet taken up by the cluster-version operator", r.Platform.Requested)
		case r.Platform.Updating && r.Platform.Target == r.Platform.Version:
			p(", its worker pools still rolling %s out", r.Platform.Target)
		case r.Platform.Updating:
			p(", updating to %s", orNone(r.Platform.Target))
		}
		p("\n")
	}
	if cp := r.ControlPlane; cp != nil && r.Platform.Updating {
		p("\n= Control Plane =\n")
		p("Assessment:\t%s\n", cp.Assessment)
		from := "from " + orNone(cp.Previous)
		if cp.PreviousPartial {
			from = "from incomplete " + cp.Previous
		}
		p("Target Version:\t%s (%s)\n", orNone(cp.Target), from)
		if ops := cp.Operators; ops != nil {
			if len(ops.Updating) > 0 {
				p("Updating:\t%s\n", strings.Join(ops.Updating, ", "))
			}
			p("Completion:\t%.0f%% (%d operators updated, %d updating, %d waiting)\n", cp.Completion, ops.Updated, len(ops.Updating), ops.Waiting)
			health := fmt.Sprintf("%d Healthy", ops.Total-ops.Unavailable-ops.Degraded)
			if ops.Unavailable > 0 {
				health += fmt.Sprintf(", %d Unavailable", ops.Unavailable)
			}
			if ops.Degraded > 0 {
				health += fmt.Sprintf(", %d Available but degraded", ops.Degraded)
			}
			p("Operator Health:\t%s\n", health)
		} else {
			p("Completion:\tnot known (the cluster's ClusterOperators cannot be read)\n")
		}
		if !o.stable {
			p("Duration:\t%s", dur(cp.DurationSeconds))
			if e := cp.EstimatedRemainingSeconds; e != nil {
				if *e >= 0 {
					p(" (oc's estimate: %s left)", dur(*e))
				} else {
					p(" (oc's estimate: overdue by %s)", dur(-*e))
				}
			}
			p("\n")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var workers []poolStatus
	for _, pl := range r.Pools {
		if pl.ControlPlane {
			if r.Platform.Updating {
				writePoolNodes(&b, pl, "Control Plane Nodes", r.Observed, o)
			}
			continue
		}
		workers = append(workers, pl)
	}
	if len(workers) > 0 {
		fmt.Fprintln(&b)
		if r.Platform.Updating {
			fmt.Fprintln(&b, "= Worker Upgrade =")
		}
		tw = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "POOL\tASSESSMENT\tCOMPLETION\tSTATUS")
		for _, pl := range workers {
			status := fmt.Sprintf("%d Available, %d Progressing, %d Draining", pl.Available, pl.Progressing, pl.Draining)
			if pl.Excluded > 0 {
				status += fmt.Sprintf(", %d Excluded", pl.Excluded)
			}
			if pl.Degraded > 0 {
				status += fmt.Sprintf(", %d Degraded", pl.Degraded)
			}
			if pl.Paused {
				status += ", paused"
			}
			if pl.Basis == basisPoolStatus {
				status += " (from the pool's status: its nodes' releases cannot be read)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f%% (%d/%d)\t%s\n", pl.Name, pl.Assessment, pl.Completion, pl.Updated, pl.Total, status)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if r.Platform.Updating {
			for _, pl := range workers {
				writePoolNodes(&b, pl, "Worker Pool Nodes: "+pl.Name, r.Observed, o)
			}
		}
	}

	fmt.Fprintln(&b)
	if !r.Virtualization.Installed {
		fmt.Fprintf(&b, "OpenShift Virtualization: %s\n", r.Virtualization.Reason)
	} else {
		tw = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "Operator:\t%s\n", r.Operator.Summary)
		hc := r.HyperConverged
		fmt.Fprintf(tw, "HyperConverged:\t%s (version %s), upgradeable: %v\n", hc.Verdict, orNone(hc.Version), hc.Upgradeable)
		for _, reason := range hc.Reasons {
			fmt.Fprintf(tw, "\t  %s\n", reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(r.CSVs) > 0 {
			fmt.Fprintln(&b)
			if err := conditions.WriteCSVTable(&b, r.CSVs); err != nil {
				return err
			}
		}
		pr := r.Workloads.Progress
		fmt.Fprintf(&b, "\nWorkloads: %d running, %d updated, %d outdated (%d migrating, %d to migrate, %d to evict, %d blocked, %d stuck); %d migrations in flight, %d failed kept\n",
			pr.Running, pr.Updated, pr.Outdated, pr.Migrating, pr.Migrate, pr.Evict, pr.Blocked, pr.Stuck, r.Workloads.InFlight, len(r.Workloads.FailedMigrations))
		for _, s := range r.Workloads.Stuck {
			fmt.Fprintf(&b, "  stuck %s/%s after %d failures: %s\n", s.Namespace, s.Name, s.Failures, strings.Join(s.Reasons, "; "))
		}
		for _, bl := range r.Workloads.Blockers {
			fmt.Fprintf(&b, "  blocker %s/%s: %s\n", bl.Namespace, bl.Name, bl.Cause)
		}
	}

	if !o.stable && r.Updating {
		fmt.Fprintln(&b)
		if r.ETA.Known {
			fmt.Fprintf(&b, "ETA: %s (%s)\n", dur(r.ETA.RemainingSeconds), r.ETA.Basis)
		} else {
			fmt.Fprintf(&b, "ETA: %s\n", r.ETA.Basis)
		}
		for _, pe := range r.ETA.Pools {
			if pe.NodesLeft > 0 {
				left := "not known"
				if pe.Known {
					left = dur(pe.RemainingSeconds)
				}
				fmt.Fprintf(&b, "  pool %s: %s left, %s: %s\n", pe.Pool, plural(pe.NodesLeft, "node", "nodes"), left, pe.Basis)
			}
		}
	}

	fmt.Fprintln(&b, "\n= Update Health =")
	if len(r.Findings) == 0 {
		if r.Updating {
			fmt.Fprintln(&b, "Update is proceeding well")
		} else {
			fmt.Fprintln(&b, "Nothing to report")
		}
	}
	for _, f := range r.Findings {
		if o.stable { // the reasons say for how long
			fmt.Fprintln(&b, f.Severity, f.Check, strings.Join(f.Objects, ", "))
			continue
		}
		fmt.Fprintln(&b, f.String())
	}
	if r.Checkpoint != nil {
		fmt.Fprintf(&b, "\nA plan is running: checkpoint %s (resourceVersion %s, %d bytes)\n", r.Checkpoint.Name, r.Checkpoint.ResourceVersion, len(r.Checkpoint.Data))
	}
	if !r.Updating {
		fmt.Fprintln(&b, "\nThe cluster is not updating.")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePoolNodes lists a pool's nodes: without allNodes the first
// maxNodesShown, every node in trouble besides (degraded, or unavailable
// while not updating, as oc shows them), and a count of the rest.
func writePoolNodes(b *strings.Builder, pl poolStatus, title string, now time.Time, o textOptions) {
	if len(pl.Nodes) == 0 {
		return
	}
	if pl.ControlPlane && pl.Updated == pl.Total {
		fmt.Fprintf(b, "\nAll control plane nodes run %s\n", orNone(pl.Nodes[0].Version))
		return
	}
	fmt.Fprintf(b, "\n%s\n", title)
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tASSESSMENT\tPHASE\tVERSION\tEST\tVMIS\tMESSAGE")
	omitted := map[string]int{}
	total := 0
	for i, n := range pl.Nodes {
		trouble := n.degraded || (n.unavailable && !n.updating)
		if !o.allNodes && i >= maxNodesShown && !trouble {
			total++
			omitted[n.Assessment]++
			continue
		}
		msg := n.Message
		if !o.stable && !n.Since.IsZero() && now.Sub(n.Since) >= time.Second {
			msg = strings.TrimSpace(fmt.Sprintf("%s for %s %s", strings.ToLower(n.Phase), report.FormatDuration(now.Sub(n.Since)), msg))
		}
		version := n.Version
		if version == "" {
			version = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.Name, n.Assessment, n.Phase, version, n.Estimate, n.VMIs, msg)
	}
	_ = tw.Flush()
	if total > 0 {
		var parts []string
		for _, a := range []string{assessProgressing, assessExcluded, assessOutdated, assessCompleted} {
			if omitted[a] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", omitted[a], a))
			}
		}
		fmt.Fprintf(b, "... and %s more (%s); --all-nodes lists them\n", plural(total, "node", "nodes"), strings.Join(parts, ", "))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
