package update

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/workload"
)

// Severity says how much a finding matters.
type Severity string

// Severities of findings. An Error stops the plan unless forced.
const (
	SeverityInfo    Severity = "Info"
	SeverityWarning Severity = "Warning"
	SeverityError   Severity = "Error"
)

// Names of the pre-flight checks.
const (
	CheckClusterVersion  = "ClusterVersion"
	CheckHCOUpgradeable  = "HCOUpgradeable"
	CheckCNVMatchesOCP   = "CNVMatchesOCP"
	CheckTargetReachable = "TargetReachable"
	CheckPools           = "MachineConfigPools"
	CheckNodeMaintenance = "NodeMaintenance"
	CheckWorkloads       = "WorkloadBlockers"
	CheckOutdatedVMIs    = "OutdatedVMIs"
)

// Finding is the result of one pre-flight check: how much it matters, why,
// and what to do.
type Finding struct {
	// Check names the check (CheckHCOUpgradeable, …).
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Reason says what was found.
	Reason string `json:"reason"`
	// Remedy says what to do about it; empty when nothing needs doing.
	Remedy string `json:"remedy,omitempty"`
	// Objects are the objects concerned ("node worker-3", "VMI prod/db-1").
	Objects []string `json:"objects,omitempty"`
}

// String renders the finding on one line.
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s", f.Severity, f.Check, f.Reason)
	if len(f.Objects) > 0 {
		s += " [" + shortList(f.Objects, 10) + "]"
	}
	if f.Remedy != "" {
		s += "; to do: " + f.Remedy
	}
	return s
}

func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// PreflightError carries the Error findings that stopped a plan.
type PreflightError struct {
	Findings []Finding
}

// Error lists the findings.
func (e *PreflightError) Error() string {
	parts := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		parts[i] = f.String()
	}
	return ErrPreflight.Error() + ": " + strings.Join(parts, " | ")
}

// Unwrap returns ErrPreflight.
func (e *PreflightError) Unwrap() error { return ErrPreflight }

// PreflightOptions say what update the checks are for.
type PreflightOptions struct {
	// Kind is the kind of update.
	Kind Kind
	// From are the versions the plan starts from; the cluster must run them.
	From Versions
	// To is the target OpenShift version.
	To string
	// Graph, when not nil, is the update graph the target must be reachable
	// in; AllowConditional lets the path take conditional updates.
	Graph            *channel.Graph
	AllowConditional bool
	// AcceptRisks are the risks the plan accepts by name.
	AcceptRisks []string
	// Findings are the plan's own findings (how its path was found),
	// reported with the checks'.
	Findings []Finding
	// OutdatedSeverity is the severity of VMIs still on the launcher of a
	// previous update; empty means Warning.
	OutdatedSeverity Severity
	// Extra checks, run after the others (the eus package adds its own).
	Extra func(ctx context.Context, c Cluster) ([]Finding, error)
	// Force runs the plan despite Error findings (they are still reported).
	Force bool
	// Clock tells the time to the condition checks; nil means the real
	// clock (PreflightStep passes the runner's).
	Clock clock.PassiveClock
	// Strategy is the workload update Strategy the cluster's updater
	// follows, when it is not KubeVirt's table (a controller of the user's
	// that runs the workload planner with its own Strategy); nil means
	// KubeVirt's. The verify step reports the VMIs it leaves alone instead
	// of waiting for them.
	Strategy workload.Strategy
	// Compatibility says which OpenShift Virtualization versions run on
	// which platform versions; nil means channel.OpenShift{}, OpenShift's
	// rules (channel.Upstream is the table for KubeVirt/HCO on plain
	// Kubernetes).
	Compatibility channel.Compatibility
}

// compat is the options' Compatibility, or OpenShift's rules.
func (o PreflightOptions) compat() channel.Compatibility {
	if o.Compatibility != nil {
		return o.Compatibility
	}
	return channel.OpenShift{}
}

// nextLauncher stands for the launcher image of the coming update: every
// running VMI's image differs from it, so FindBlocker judges each VMI as the
// updater will once the update lands.
const nextLauncher = "virtupdate.invalid/next-virt-launcher"

// Preflight runs the pre-flight checks against the cluster and returns
// their findings, most severe first. An error means a check could not read
// the cluster.
func Preflight(ctx context.Context, c Cluster, o PreflightOptions) ([]Finding, error) {
	var out []Finding
	add := func(fs ...Finding) { out = append(out, fs...) }

	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		return nil, err
	}
	ocp := cv.CurrentVersion()
	add(o.Findings...)
	add(checkClusterVersion(cv, o)...)
	add(checkChannel(cv, o))

	hc, err := c.GetHyperConverged(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	cnv := ""
	if hc != nil {
		cnv = hc.Status.OperatorVersion()
		add(checkUpgradeable(hc, o))
		add(checkCNVOnOCP(cnv, ocp, o)...)
	}
	add(checkReachable(ocp, o))

	pools, err := c.ListMachineConfigPools(ctx)
	if err != nil {
		return nil, err
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	add(checkPools(pools, nodes, o)...)
	add(checkNodes(pools, nodes, o)...)
	add(checkPlatformUpgradeable(cv, o)...)
	if ar, ok := c.(AdminGatesReader); ok {
		gates, err := ar.GetAdminGates(ctx)
		if err != nil {
			return nil, err
		}
		add(checkAdminAcks(gates, ocp, o)...)
	}
	if pc, ok := c.(PodDisruptionBudgets); ok {
		pdbs, err := pc.ListPodDisruptionBudgets(ctx)
		if err != nil {
			return nil, err
		}
		add(checkDisruptionBudgets(pdbs, o)...)
	}

	nms, err := c.ListNodeMaintenances(ctx)
	if err != nil {
		return nil, err
	}
	var cordoned []string
	for _, n := range nodes {
		if n.Spec.Unschedulable {
			cordoned = append(cordoned, "node "+n.Name)
		}
	}
	add(checkMaintenance(ocp, o, cordoned, nms)...)

	if hc != nil {
		vmis, err := c.ListVMIs(ctx, ListOptions{})
		if err != nil {
			return nil, err
		}
		vms, err := c.ListVirtualMachines(ctx, ListOptions{})
		if err != nil {
			return nil, err
		}
		strategy, source, err := ReadClusterEvictionStrategy(ctx, c)
		if err != nil {
			return nil, err
		}
		add(checkWorkloads(vmis, hc.Spec.WorkloadUpdateStrategy, strategy, o)...)
		add(checkDrains(vmis, vms, strategy, source, o)...)
		add(checkCapacity(pools, nodes, vmis, o)...)
		ips, err := c.ListInstallPlans(ctx, hc.Namespace)
		if err != nil {
			return nil, err
		}
		add(checkInstallPlans(ips)...)
	}
	if o.Extra != nil {
		extra, err := o.Extra(ctx, c)
		if err != nil {
			return nil, err
		}
		add(extra...)
	}
	rank := map[Severity]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Severity] < rank[out[j].Severity] })
	return out, nil
}

func checkClusterVersion(cv *ClusterVersion, o PreflightOptions) []Finding {
	cur := cv.CurrentVersion()
	if cv.Updating() {
		return []Finding{{Check: CheckClusterVersion, Severity: SeverityError,
			Reason: fmt.Sprintf("an update to %s is in progress", cv.History[0].Version),
			Remedy: "wait for it to complete (oc adm upgrade), then plan from the version it reaches", Objects: []string{"ClusterVersion version"}}}
	}
	if o.From.OCP != "" && cur != o.From.OCP {
		return []Finding{{Check: CheckClusterVersion, Severity: SeverityError,
			Reason: fmt.Sprintf("the cluster runs OpenShift %s, but the plan starts from %s", cur, o.From.OCP),
			Remedy: "plan again from " + cur, Objects: []string{"ClusterVersion version"}}}
	}
	return []Finding{{Check: CheckClusterVersion, Severity: SeverityInfo, Reason: "the cluster runs OpenShift " + cur + " and no update is in progress"}}
}

func checkUpgradeable(hc *HyperConverged, o PreflightOptions) Finding {
	var clk clock.PassiveClock = clock.RealClock{}
	if o.Clock != nil {
		clk = o.Clock
	}
	h := conditions.Evaluate(clk, hc.Status.Conditions, hc.Generation, conditions.EvaluateOptions{StallThreshold: -1})
	if h.Upgradeable {
		return Finding{Check: CheckHCOUpgradeable, Severity: SeverityInfo, Reason: "HyperConverged Upgradeable=True"}
	}
	f := Finding{Check: CheckHCOUpgradeable, Severity: SeverityWarning, Objects: []string{hcoObject},
		Reason: "HyperConverged is not upgradeable: " + strings.Join(h.Reasons, "; ")}
	if o.Kind == KindZStream {
		f.Severity = SeverityInfo
		f.Reason += " (z-stream updates are not blocked by it)"
		return f
	}
	f.Remedy = "the plan waits for Upgradeable=True before each minor update; resolve the reasons above if they persist"
	return f
}

func checkCNVOnOCP(cnv, ocp string, o PreflightOptions) []Finding {
	cv, err1 := channel.ParseVersion(cnv)
	ov, err2 := channel.ParseVersion(ocp)
	if err1 != nil || err2 != nil {
		return []Finding{{Check: CheckCNVMatchesOCP, Severity: SeverityWarning,
			Reason: fmt.Sprintf("cannot compare OpenShift Virtualization %q with OpenShift %q", cnv, ocp),
			Remedy: "check the HyperConverged's status.versions and the ClusterVersion"}}
	}
	err := o.compat().CheckOn(cv, ov)
	switch {
	case err == nil:
		return []Finding{{Check: CheckCNVMatchesOCP, Severity: SeverityInfo, Reason: "OpenShift Virtualization " + cnv + " matches OpenShift " + ocp}}
	case errors.Is(err, channel.ErrPlatformTooNew) && (Parsed{OCP: ov, CNV: cv, CNVMinor: cv.MinorVersion()}).CNVBehind():
		// One minor behind: every plan catches it up first (CatchUpCNV).
		return []Finding{{Check: CheckCNVMatchesOCP, Severity: SeverityWarning, Reason: err.Error() + "; the plan first updates OpenShift Virtualization to " + ov.MinorVersion().String(),
			Remedy: "let OpenShift Virtualization catch up with OpenShift (approve its InstallPlans if Manual)"}}
	default:
		return []Finding{{Check: CheckCNVMatchesOCP, Severity: SeverityError, Reason: err.Error(),
			Remedy: "update OpenShift Virtualization to the minor of OpenShift " + ov.MinorVersion().String() + " before updating OpenShift"}}
	}
}

func checkReachable(ocp string, o PreflightOptions) Finding {
	if o.Graph == nil || o.To == "" {
		return Finding{Check: CheckTargetReachable, Severity: SeverityInfo, Reason: "not checked: no update graph given"}
	}
	p, err := o.Graph.FindPath(ocp, o.To, channel.PathOptions{AllowConditional: o.AllowConditional})
	var np *channel.NoPathError
	var nf *channel.VersionNotFoundError
	switch {
	case errors.As(err, &np):
		f := Finding{Check: CheckTargetReachable, Severity: SeverityError, Reason: np.Error(), Remedy: np.Reason}
		if np.Bridge != "" {
			f.Remedy = "update to " + np.Bridge + " first: it is the newest " + np.GapFrom.String() + " release with an update into " + np.GapTo.String()
		}
		return f
	case errors.As(err, &nf):
		return Finding{Check: CheckTargetReachable, Severity: SeverityError, Reason: nf.Error(),
			Remedy: "use a graph of the channel that holds both versions (e.g. eus-4.y or stable-4.y of the target)"}
	case err != nil:
		return Finding{Check: CheckTargetReachable, Severity: SeverityError, Reason: err.Error(), Remedy: "check the graph"}
	}
	f := Finding{Check: CheckTargetReachable, Severity: SeverityInfo, Reason: "path: " + strings.Join(p.Versions(), " → ")}
	if len(p.Risks) > 0 {
		f.Severity = SeverityWarning
		f.Reason += "; through conditional updates with risks " + strings.Join(p.RiskNames(), ", ")
		f.Remedy = "read the risks and accept them only if they do not apply to this cluster"
	}
	return f
}

func checkPools(pools []MachineConfigPool, nodes []corev1.Node, o PreflightOptions) []Finding {
	var out []Finding
	for _, p := range pools {
		obj := []string{"MachineConfigPool " + p.Name}
		machines := int(p.MachineCount)
		if machines == 0 { // status not reported yet: count the pool's nodes by role
			for _, n := range nodes {
				if _, ok := n.Labels["node-role.kubernetes.io/"+p.Name]; ok {
					machines++
				}
			}
		}
		if p.Name != MasterPool && machines > 0 && int(max(p.MaxUnavailable, 1)) >= machines {
			sev := SeverityError
			if o.Kind == KindZStream {
				sev = SeverityWarning
			}
			out = append(out, Finding{Check: CheckPools, Severity: sev, Objects: obj,
				Reason: fmt.Sprintf("pool %s has maxUnavailable %d for %d nodes: every node is drained at once, so live migrations have nowhere to go and the drains stall", p.Name, max(p.MaxUnavailable, 1), machines),
				Remedy: fmt.Sprintf("lower spec.maxUnavailable of pool %s below %d (oc patch mcp %s --type merge -p '{\"spec\":{\"maxUnavailable\":1}}')", p.Name, machines, p.Name)})
		}
		switch {
		case p.DegradedMachineCount > 0:
			out = append(out, Finding{Check: CheckPools, Severity: SeverityError, Objects: obj,
				Reason: fmt.Sprintf("pool %s has %d degraded machines", p.Name, p.DegradedMachineCount),
				Remedy: "fix the degraded nodes (oc describe mcp " + p.Name + ") before updating"})
		case p.Paused:
			out = append(out, Finding{Check: CheckPools, Severity: SeverityWarning, Objects: obj,
				Reason: "pool " + p.Name + " is paused: its nodes are not updated until it is unpaused; the plan leaves it as it is",
				Remedy: "unpause it first unless you mean to keep it paused"})
		case !p.Updated():
			out = append(out, Finding{Check: CheckPools, Severity: SeverityError, Objects: obj,
				Reason: fmt.Sprintf("pool %s is still rolling out: %d/%d machines updated, %d ready", p.Name, p.UpdatedMachineCount, p.MachineCount, p.ReadyMachineCount),
				Remedy: "wait until every pool is updated (oc get mcp)"})
		}
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: CheckPools, Severity: SeverityInfo, Reason: fmt.Sprintf("all %d machine config pools are updated and healthy", len(pools))})
	}
	return out
}

// checkMaintenance: before updating to 4.11 from 4.10.2 or later, no node
// may be in maintenance and no nodemaintenance.kubevirt.io object may be
// left; otherwise cordoned nodes only reduce where VMIs can go.
func checkMaintenance(ocp string, o PreflightOptions, cordoned []string, nms []NodeMaintenance) []Finding {
	var kubevirtNMs []string
	for _, nm := range nms {
		if nm.Group == NodeMaintenanceKubeVirt {
			kubevirtNMs = append(kubevirtNMs, "NodeMaintenance "+nm.Group+"/"+nm.Name+" (node "+nm.NodeName+")")
		}
	}
	strict := false
	if from, err := channel.ParseVersion(ocp); err == nil {
		if to, err := channel.ParseVersion(o.To); err == nil {
			strict = from.Compare(channel.MustParseVersion("4.10.2")) >= 0 && from.MinorVersion() == (channel.Minor{Major: 4, Minor: 10}) &&
				to.MinorVersion().Compare(channel.Minor{Major: 4, Minor: 11}) >= 0
		}
	}
	var out []Finding
	if strict && len(kubevirtNMs) > 0 {
		out = append(out, Finding{Check: CheckNodeMaintenance, Severity: SeverityError, Objects: kubevirtNMs,
			Reason: "nodemaintenances.nodemaintenance.kubevirt.io objects exist; OpenShift Virtualization 4.11 no longer serves that API",
			Remedy: "install the standalone Node Maintenance Operator and replace them with nodemaintenances.nodemaintenance.medik8s.io objects, or end the maintenance"})
	}
	if len(cordoned) > 0 {
		f := Finding{Check: CheckNodeMaintenance, Severity: SeverityWarning, Objects: cordoned,
			Reason: fmt.Sprintf("%s cordoned (in maintenance): no VMI migrates to them", countOf(len(cordoned), "node is", "nodes are")),
			Remedy: "end the maintenance (oc adm uncordon) unless it is meant to last through the update"}
		if strict {
			f.Severity = SeverityError
			f.Reason = fmt.Sprintf("%s in maintenance; updating to 4.11 from 4.10.2 or later requires none", countOf(len(cordoned), "node is", "nodes are"))
			f.Remedy = "end the maintenance on every node (or move to the standalone Node Maintenance Operator) before updating"
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: CheckNodeMaintenance, Severity: SeverityInfo, Reason: "no node is in maintenance"})
	}
	return out
}

// checkWorkloads finds the VMIs that will block node drains or never
// update, grouped by cause, and the VMIs still outdated from a previous
// update.
func checkWorkloads(vmis []kubevirtv1.VirtualMachineInstance, strategy WorkloadUpdateStrategy, cluster kubevirtv1.EvictionStrategy, o PreflightOptions) []Finding {
	type group struct {
		blocker workload.Blocker
		objects []string
	}
	drains := map[string]*group{}
	never := map[string]*group{}
	var outdated []string
	ks := strategy.KubeVirt()
	for i := range vmis {
		vmi := &vmis[i]
		if _, ok := vmi.Labels[kubevirtv1.OutdatedLauncherImageLabel]; ok && !vmi.IsFinal() {
			outdated = append(outdated, "VMI "+vmi.Namespace+"/"+vmi.Name)
		}
		b, ok := workload.FindBlocker(vmi, ks, nextLauncher, &cluster)
		if !ok {
			continue
		}
		obj := "VMI " + vmi.Namespace + "/" + vmi.Name
		if b.BlocksDrain {
			g := drains[b.Cause]
			if g == nil {
				g = &group{blocker: b}
				drains[b.Cause] = g
			}
			g.objects = append(g.objects, obj)
		} else if b.NeverUpdates {
			g := never[b.Cause]
			if g == nil {
				g = &group{blocker: b}
				never[b.Cause] = g
			}
			g.objects = append(g.objects, obj)
		}
	}
	var out []Finding
	drainSeverity := SeverityError
	if o.Kind == KindZStream {
		drainSeverity = SeverityWarning // a z-stream of the operator alone drains no node
	}
	for _, cause := range sortedKeys(drains) {
		g := drains[cause]
		out = append(out, Finding{Check: CheckWorkloads, Severity: drainSeverity, Objects: g.objects,
			Reason: fmt.Sprintf("%s %s node drains (%s; cluster-wide eviction strategy %s): every eviction of their launcher pods is denied, so a node reboot waits for ever", countOf(len(g.objects), "VMI", "VMIs"), verb(len(g.objects), "blocks", "block"), cause, cluster),
			Remedy: remedyOf(g.blocker)})
	}
	for _, cause := range sortedKeys(never) {
		g := never[cause]
		out = append(out, Finding{Check: CheckWorkloads, Severity: SeverityWarning, Objects: g.objects,
			Reason: fmt.Sprintf("%s will not be moved to the new virt-launcher by the workload updater (%s)", countOf(len(g.objects), "VMI", "VMIs"), cause),
			Remedy: remedyOf(g.blocker)})
	}
	if len(out) == 0 {
		out = append(out, Finding{Check: CheckWorkloads, Severity: SeverityInfo, Reason: fmt.Sprintf("none of the %s blocks a drain or keeps the old launcher (cluster-wide eviction strategy %s)", countOf(len(vmis), "VMI", "VMIs"), cluster)})
	}
	if len(outdated) > 0 {
		sev := o.OutdatedSeverity
		if sev == "" {
			sev = SeverityWarning
		}
		out = append(out, Finding{Check: CheckOutdatedVMIs, Severity: sev, Objects: outdated,
			Reason: fmt.Sprintf("%s still %s the virt-launcher of a previous update", countOf(len(outdated), "VMI", "VMIs"), verb(len(outdated), "runs", "run")),
			Remedy: "let the workload updater finish (workloadUpdateMethods not empty), or migrate or restart them, before starting another update"})
	}
	return out
}

// verb picks the singular or plural form of a verb.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func remedyOf(b workload.Blocker) string {
	switch {
	case b.Fix != "" && b.Workaround != "":
		return b.Fix + "; or: " + b.Workaround
	case b.Fix != "":
		return b.Fix
	}
	return b.Workaround
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PreflightStep runs the pre-flight checks as the plan's first step. Every
// finding is reported; Error findings stop the plan with a
// *PreflightError unless o.Force is set.
func PreflightStep(o PreflightOptions) Step {
	return Step{
		Name:        "preflight",
		Description: "Run the pre-flight checks: versions, HCO Upgradeable, CNV on the same minor as OpenShift, the target reachable, pools healthy, nodes in maintenance, VMIs that block drains or will not update",
		Remedy:      "resolve the Error findings (each says what to do), then run the plan again",
		Act: func(ctx context.Context, s *State) error {
			if o.Clock == nil {
				o.Clock = s.Clock
			}
			findings, err := Preflight(ctx, s.Cluster, o)
			if err != nil {
				return err
			}
			var errs []Finding
			for _, f := range findings {
				s.Report(f.String())
				if f.Severity == SeverityError {
					errs = append(errs, f)
				}
			}
			if len(errs) > 0 {
				if o.Force {
					s.Report(fmt.Sprintf("forced: going on despite %d Error findings", len(errs)))
					return nil
				}
				return &PreflightError{Findings: errs}
			}
			return nil
		},
	}
}
