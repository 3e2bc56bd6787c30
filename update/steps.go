package update

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/workload"
)

// Default timeouts of the steps' waits. Every one can be changed on the
// plan's Step values before running it.
const (
	DefaultUpgradeableTimeout = time.Hour
	DefaultPlatformTimeout    = 4 * time.Hour
	DefaultOperatorTimeout    = 2 * time.Hour
	// Waits over workloads and pools scale with their size: a base plus
	// so much per VMI or per node.
	DefaultWorkloadsBaseTimeout = time.Hour
	DefaultWorkloadsPerVMI      = time.Minute
	DefaultPoolsBaseTimeout     = time.Hour
	DefaultPoolsPerNode         = time.Hour
)

// MasterPool is the control plane's machine config pool: it is never paused.
const MasterPool = "master"

// DefaultSubscriptionName is the name of OpenShift Virtualization's
// Subscription the operator steps read when OperatorTarget.Subscription is
// empty.
const DefaultSubscriptionName = HyperConvergedPackage

// CSVName is the name of the OpenShift Virtualization CSV of a version,
// "kubevirt-hyperconverged-operator.v4.14.3".
func CSVName(version string) string { return HyperConvergedPackage + "-operator.v" + version }

// versionOfCSV is the version in an OpenShift Virtualization CSV name, ""
// when the name is not one.
func versionOfCSV(name string) string {
	v, ok := strings.CutPrefix(name, HyperConvergedPackage+"-operator.v")
	if !ok {
		return ""
	}
	return v
}

// hcoObject names the HyperConverged for errors.
const hcoObject = "HyperConverged " + DefaultNamespace + "/" + HyperConvergedName

// ---- pools ------------------------------------------------------------------

// PauseWorkerPools pauses every machine config pool but master, so that
// worker nodes reboot once, at the end, instead of once per minor. The
// pools it pauses are kept in the record (before pausing each); a pool
// already paused is left alone and stays paused at the end.
func PauseWorkerPools() Step {
	return Step{
		Name:        "pause-worker-pools",
		Description: "Pause the worker machine config pools (spec.paused: true), so workers reboot once, at the end; record which pools this plan paused",
		Changes:     true,
		Remedy:      "check the MachineConfigPools (oc get mcp); run the plan again to resume",
		Act: func(ctx context.Context, s *State) error {
			pools, err := s.Cluster.ListMachineConfigPools(ctx)
			if err != nil {
				return err
			}
			for _, p := range pools {
				if p.Name == MasterPool {
					continue
				}
				ours := slices.Contains(s.Record.PausedPools, p.Name)
				if p.Paused {
					if !ours {
						s.Report("pool " + p.Name + " was paused before this plan; it stays paused at the end")
					}
					continue
				}
				if !ours {
					s.Record.PausedPools = append(s.Record.PausedPools, p.Name)
					if err := s.Save(ctx); err != nil {
						return err
					}
				}
				if err := s.Cluster.SetPoolPaused(ctx, p.Name, true); err != nil {
					return err
				}
				s.Report("paused pool " + p.Name)
			}
			return nil
		},
	}
}

// UnpauseWorkerPools unpauses the pools the plan paused, then waits until
// they have rolled out the new configuration to every node. The timeout
// grows with the number of nodes; when it runs out, the error names the
// nodes being drained and the VMIs that block their drains.
func UnpauseWorkerPools() Step {
	return Step{
		Name:        "unpause-worker-pools",
		Description: "Unpause the worker pools this plan paused and wait until every node runs the new configuration (the MCO drains and reboots them, maxUnavailable at a time)",
		Changes:     true,
		Remedy:      "find what holds the pool (oc get mcp; oc get nodes; VMIs that cannot be evicted); run the plan again to resume",
		Act: func(ctx context.Context, s *State) error {
			// Read first, as PauseWorkerPools does: a pool already unpaused
			// (by this step before a crash, or by the admin) is not written
			// again.
			pools, err := s.Cluster.ListMachineConfigPools(ctx)
			if err != nil {
				return err
			}
			paused := map[string]bool{}
			for _, p := range pools {
				paused[p.Name] = p.Paused
			}
			for _, name := range s.Record.PausedPools {
				if isPaused, exists := paused[name]; exists && !isPaused {
					s.Report("pool " + name + " is already unpaused")
					continue
				}
				err := s.Cluster.SetPoolPaused(ctx, name, false)
				if errors.Is(err, ErrNotFound) {
					s.Report("pool " + name + " no longer exists; nothing to unpause")
					continue
				}
				if err != nil {
					return err
				}
				s.Report("unpaused pool " + name)
			}
			return nil
		},
		Wait: poolsWait(func(s *State, p MachineConfigPool) bool { return slices.Contains(s.Record.PausedPools, p.Name) }),
	}
}

// WaitPoolsUpdated waits until every pool that is not paused runs the new
// configuration on every node (after a platform update, the MCO drains and
// reboots the nodes). Paused pools are reported and skipped.
func WaitPoolsUpdated(name string) Step {
	return Step{
		Name:        name,
		Description: "Wait until every machine config pool that is not paused has updated all its nodes",
		Remedy:      "find what holds the pool (oc get mcp; oc get nodes; VMIs that cannot be evicted); run the plan again to resume",
		Wait: poolsWait(func(s *State, p MachineConfigPool) bool {
			if p.Paused {
				s.Report("pool " + p.Name + " is paused: its nodes are not updated until it is unpaused")
				return false
			}
			return true
		}),
	}
}

func poolsWait(include func(*State, MachineConfigPool) bool) *Wait {
	return &Wait{
		For:      "the machine config pools to update every node",
		Interval: time.Minute,
		TimeoutFor: func(ctx context.Context, s *State) (time.Duration, error) {
			pools, err := s.Cluster.ListMachineConfigPools(ctx)
			if err != nil {
				return 0, err
			}
			d := DefaultPoolsBaseTimeout
			for _, p := range pools {
				d += time.Duration(p.MachineCount) * DefaultPoolsPerNode / time.Duration(max(p.MaxUnavailable, 1))
			}
			return d, nil
		},
		Done: func(ctx context.Context, s *State) (bool, string, error) {
			pools, err := s.Cluster.ListMachineConfigPools(ctx)
			if err != nil {
				return false, "", err
			}
			done := true
			var parts []string
			for _, p := range pools {
				if p.Name == MasterPool && !slices.Contains(s.Record.PausedPools, p.Name) && s.Plan.Kind == KindEUS {
					// The control plane's pool is awaited by the platform steps.
					continue
				}
				if !include(s, p) {
					continue
				}
				ok := p.Updated() && !p.Paused
				done = done && ok
				part := fmt.Sprintf("%s %d/%d updated", p.Name, p.UpdatedMachineCount, p.MachineCount)
				if p.UnavailableMachineCount > 0 {
					part += fmt.Sprintf(", %d unavailable", p.UnavailableMachineCount)
				}
				if p.DegradedMachineCount > 0 {
					part += fmt.Sprintf(", %d degraded", p.DegradedMachineCount)
				}
				parts = append(parts, part)
			}
			return done, "pools: " + strings.Join(parts, "; "), nil
		},
		Explain: explainDrains,
	}
}

// explainDrains names the cordoned nodes and the VMIs on them whose
// eviction KubeVirt denies.
func explainDrains(ctx context.Context, s *State) string {
	nodes, err := s.Cluster.ListNodes(ctx)
	if err != nil {
		return ""
	}
	cordoned := map[string]bool{}
	var names []string
	for _, n := range nodes {
		if n.Spec.Unschedulable {
			cordoned[n.Name] = true
			names = append(names, n.Name)
		}
	}
	if len(names) == 0 {
		return "no node is being drained: check the pools' conditions and the nodes' readiness"
	}
	out := "nodes being drained: " + strings.Join(names, ", ")
	vmis, err := s.Cluster.ListVMIs(ctx, ListOptions{})
	if err != nil {
		return out
	}
	hc, _ := s.Cluster.GetHyperConverged(ctx)
	var strategy kubevirtv1.KubeVirtWorkloadUpdateStrategy
	if hc != nil {
		strategy = hc.Spec.WorkloadUpdateStrategy.KubeVirt()
	}
	var blockers []string
	for i := range vmis {
		if !cordoned[vmis[i].Status.NodeName] {
			continue
		}
		if b, ok := workload.FindBlocker(&vmis[i], strategy, "", nil); ok && b.BlocksDrain {
			blockers = append(blockers, fmt.Sprintf("%s/%s (%s; %s)", b.Namespace, b.Name, b.Cause, b.Workaround))
		}
	}
	if len(blockers) > 0 {
		out += "; VMIs that block the drain: " + strings.Join(blockers, "; ")
	}
	return out
}

// ---- workload update methods -----------------------------------------------

// DisableWorkloadUpdates backs up spec.workloadUpdateStrategy.workloadUpdateMethods
// exactly as found (absent, [] or the list) into the record, saves it, then
// sets the field to [] by compare-and-swap, so that no VMI is migrated or
// evicted until RestoreWorkloadUpdates.
func DisableWorkloadUpdates() Step {
	return Step{
		Name:        "disable-workload-updates",
		Description: "Back up spec.workloadUpdateStrategy.workloadUpdateMethods of the HyperConverged into the checkpoint, then set it to [] so no VMI is migrated or evicted until the target is reached",
		Changes:     true,
		Remedy:      "check the HyperConverged (oc get hyperconverged -n " + DefaultNamespace + " -o yaml); run the plan again to resume",
		Act: func(ctx context.Context, s *State) error {
			hc, err := s.Cluster.GetHyperConverged(ctx)
			if err != nil {
				return err
			}
			cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
			isEmpty := cur != nil && len(*cur) == 0
			switch {
			case s.Record.Methods != nil && isEmpty:
				return nil // disabled already (by this plan, or the backup is [])
			case s.Record.Methods == nil || !s.Record.Methods.Equal(cur):
				// First time, or the field changed before this plan's swap
				// ever succeeded: back up what is there now.
				b := BackupMethods(cur)
				s.Record.Methods = &b
				if err := s.Save(ctx); err != nil {
					return err
				}
				s.Report("backed up workloadUpdateMethods: " + b.String())
			}
			if isEmpty {
				s.Report("workloadUpdateMethods is already []: workload updates are off")
				return nil
			}
			off := []kubevirtv1.WorkloadUpdateMethod{}
			if err := s.Cluster.SetWorkloadUpdateMethods(ctx, cur, &off); err != nil {
				return err
			}
			s.Report("workloadUpdateMethods: " + ShowMethods(cur) + " → []")
			return nil
		},
	}
}

// RestoreWorkloadUpdates puts the backed-up workloadUpdateMethods back,
// exactly as found ([] stays [], a list keeps its order; an absent backup,
// which only an older checkpoint can hold, is restored as the
// DefaultWorkloadUpdateMethods a server stores for it), by compare-and-swap
// from []. It is idempotent: a field that already holds the backup is left
// alone, so a crash at any point of the step resumes cleanly. If someone changed the field while
// the plan kept it off, it is not overwritten: the step stops and says so.
func RestoreWorkloadUpdates() Step {
	return Step{
		Name:        "restore-workload-updates",
		Description: "Restore spec.workloadUpdateStrategy.workloadUpdateMethods from the checkpoint's backup, exactly as it was found",
		Changes:     true,
		Remedy:      "set workloadUpdateMethods yourself to the value in the checkpoint, then run the plan again",
		Act: func(ctx context.Context, s *State) error {
			if s.Record.Methods == nil {
				s.Report("no backup: this plan did not disable workload updates; nothing to restore")
				return nil
			}
			hc, err := s.Cluster.GetHyperConverged(ctx)
			if err != nil {
				return err
			}
			cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
			if s.Record.Methods.Equal(cur) {
				s.Report("workloadUpdateMethods is " + s.Record.Methods.String() + " as backed up")
				return nil
			}
			if cur == nil || len(*cur) != 0 {
				return &ObjectError{Op: "restore workloadUpdateMethods of", Kind: "HyperConverged", Namespace: hc.Namespace, Name: hc.Name,
					Err: fmt.Errorf("%w: it is %s, not the [] this plan set; the backup is %s and was not applied over it",
						ErrMethodsChanged, ShowMethods(cur), s.Record.Methods)}
			}
			if err := s.Cluster.SetWorkloadUpdateMethods(ctx, cur, s.Record.Methods.Stored()); err != nil {
				return err
			}
			s.Report("workloadUpdateMethods: [] → " + ShowMethods(s.Record.Methods.Stored()))
			return nil
		},
	}
}

// ---- HCO -----------------------------------------------------------------------

// WaitUpgradeable waits until the HyperConverged reports Upgradeable=True
// for its current generation.
func WaitUpgradeable(name string) Step {
	return Step{
		Name:        name,
		Description: "Wait until the HyperConverged reports Upgradeable=True",
		Remedy:      "read the HyperConverged's conditions (oc get hyperconverged -n " + DefaultNamespace + " -o yaml) and resolve what keeps it not upgradeable",
		Wait: &Wait{
			For:     "HyperConverged Upgradeable=True",
			Timeout: DefaultUpgradeableTimeout,
			Done: func(ctx context.Context, s *State) (bool, string, error) {
				hc, err := s.Cluster.GetHyperConverged(ctx)
				if err != nil {
					return false, "", err
				}
				h := conditions.Evaluate(s.Clock, hc.Status.Conditions, hc.Generation, conditions.EvaluateOptions{})
				if h.Upgradeable {
					return true, "HyperConverged Upgradeable=True", nil
				}
				return false, "HyperConverged not upgradeable: " + strings.Join(h.Reasons, "; "), nil
			},
		},
	}
}

// ---- platform --------------------------------------------------------------------

// UpdatePlatform asks the CVO for an OpenShift update (spec.desiredUpdate)
// and waits until the ClusterVersion has completed it and the master pool
// has rolled it out. to is the version; if empty, the newest release of
// minor in the ClusterVersion's available updates is taken when the step
// runs (what `oc adm upgrade --to-latest` does), and kept in the record.
// An update the CVO refuses (ReleaseAccepted=False) stops the plan with
// the CVO's reason.
func UpdatePlatform(to string, minor channel.Minor) Step {
	return updatePlatformNamed("update-ocp-"+minor.String(), to, minor)
}

func updatePlatformNamed(name, to string, minor channel.Minor) Step {
	what := to
	if what == "" {
		what = "the newest " + minor.String() + ".z the ClusterVersion offers"
	}
	return Step{
		Name:        name,
		Description: "Update OpenShift to " + what + " (spec.desiredUpdate of the ClusterVersion) and wait until the ClusterVersion reports it Completed and the master pool has rolled it out",
		Changes:     true,
		Remedy:      "read the ClusterVersion (oc adm upgrade; oc get clusterversion -o yaml); run the plan again to resume",
		Act: func(ctx context.Context, s *State) error {
			cv, err := s.Cluster.GetClusterVersion(ctx)
			if err != nil {
				return err
			}
			target, err := platformTarget(ctx, s, cv, name, to, minor)
			if err != nil {
				return err
			}
			if cv.CurrentVersion() == target {
				s.Report("OpenShift already runs " + target)
				return nil
			}
			if cur, err := channel.ParseVersion(cv.CurrentVersion()); err == nil {
				if tv, err := channel.ParseVersion(target); err == nil && channel.Classify(cur, tv) == channel.UpdateSkipMinor {
					return &ObjectError{Op: "update", Kind: "ClusterVersion", Name: "version",
						Err: fmt.Errorf("%w: %s → %s skips a minor; minor updates go one at a time", ErrUpdateRefused, cur, tv)}
				}
			}
			if cv.DesiredVersion == target {
				return nil
			}
			return s.Cluster.SetDesiredUpdate(ctx, target)
		},
		Wait: &Wait{
			For:     "the ClusterVersion to complete the update to " + what,
			Timeout: DefaultPlatformTimeout,
			Done: func(ctx context.Context, s *State) (bool, string, error) {
				cv, err := s.Cluster.GetClusterVersion(ctx)
				if err != nil {
					return false, "", err
				}
				target := s.Record.resolved(name, to)
				if cv.CurrentVersion() == target && !cv.Updating() {
					pools, err := s.Cluster.ListMachineConfigPools(ctx)
					if err != nil {
						return false, "", err
					}
					for _, p := range pools {
						if p.Name == MasterPool && !p.Updated() {
							return false, fmt.Sprintf("ClusterVersion %s Completed; master pool %d/%d updated", target, p.UpdatedMachineCount, p.MachineCount), nil
						}
					}
					return true, "ClusterVersion " + target + " Completed", nil
				}
				if len(cv.History) > 0 && cv.History[0].Version == target {
					return false, fmt.Sprintf("ClusterVersion updating to %s since %s", target, cv.History[0].StartedTime.UTC().Format(time.RFC3339)), nil
				}
				for _, c := range cv.Conditions {
					if c.Type == "ReleaseAccepted" && c.Status == metav1.ConditionFalse && cv.DesiredVersion == target {
						return false, "", &ObjectError{Op: "update", Kind: "ClusterVersion", Name: "version",
							Err: fmt.Errorf("%w: the CVO did not accept %s: %s: %s", ErrUpdateRefused, target, c.Reason, c.Message)}
					}
				}
				return false, "ClusterVersion: desired update " + target + " not started yet", nil
			},
		},
	}
}

// platformTarget resolves the version an UpdatePlatform step goes to.
func platformTarget(ctx context.Context, s *State, cv *ClusterVersion, name, to string, minor channel.Minor) (string, error) {
	if v := s.Record.resolved(name, to); v != "" {
		return v, nil
	}
	var best channel.Version
	for _, u := range cv.AvailableUpdates {
		v, err := channel.ParseVersion(u)
		if err != nil || v.MinorVersion() != minor {
			continue
		}
		if best.IsZero() || v.Compare(best) > 0 {
			best = v
		}
	}
	if best.IsZero() {
		return "", &ObjectError{Op: "pick the update of", Kind: "ClusterVersion", Name: "version",
			Err: fmt.Errorf("no %s release among the available updates %v: set a channel that offers %s, or give the version", minor, cv.AvailableUpdates, minor)}
	}
	if s.Record.Resolved == nil {
		s.Record.Resolved = map[string]string{}
	}
	s.Record.Resolved[name] = best.String()
	if err := s.Save(ctx); err != nil {
		return "", err
	}
	s.Report("picked " + best.String() + ", the newest " + minor.String() + " release available")
	return best.String(), nil
}

func (r *Record) resolved(name, given string) string {
	if given != "" {
		return given
	}
	return r.Resolved[name]
}

// ---- operator ------------------------------------------------------------------

// OperatorTarget is the OpenShift Virtualization version an operator step
// expects OLM to install.
type OperatorTarget struct {
	// Version is the exact version, e.g. "4.15.2". Empty means the newest
	// z-stream of Minor that the channel offers: any InstallPlan for a
	// version of Minor newer than the installed one is expected.
	Version string
	// Minor is the minor the version belongs to.
	Minor channel.Minor
	// Namespace and Subscription locate the operator; empty means
	// DefaultNamespace and DefaultSubscriptionName.
	Namespace, Subscription string
}

func (t OperatorTarget) String() string {
	if t.Version != "" {
		return t.Version
	}
	return "the newest " + t.Minor.String() + ".z"
}

// expects reports whether an OpenShift Virtualization version is what the
// target expects.
func (t OperatorTarget) expects(version string) bool {
	if t.Version != "" {
		return version == t.Version
	}
	v, err := channel.ParseVersion(version)
	return err == nil && v.MinorVersion() == t.Minor
}

// reached reports whether an installed version is at or past the target:
// with Automatic approval OLM moves on by itself (from the newest z of a
// minor straight to the next minor when OpenShift already runs it, as when
// OpenShift Virtualization catches up), so a step whose target was passed
// is done. Approval stays exact (expects).
func (t OperatorTarget) reached(version string) bool {
	v, err := channel.ParseVersion(version)
	if err != nil {
		return false
	}
	if t.Version != "" {
		tv, err := channel.ParseVersion(t.Version)
		return err == nil && v.Compare(tv) >= 0
	}
	return v.MinorVersion().Compare(t.Minor) >= 0
}

// UpdateOperator updates OpenShift Virtualization through OLM and waits
// until the expected version's CSV has Succeeded and the HyperConverged
// reports it in status.versions. With Manual approval it approves the
// InstallPlan whose CSV is the expected version, and no other: an
// InstallPlan for any other version stops the plan with an
// *InstallPlanError, unapproved. With Automatic approval OLM installs by
// itself; the step only watches.
func UpdateOperator(t OperatorTarget) Step {
	ns := t.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	sub := t.Subscription
	if sub == "" {
		sub = DefaultSubscriptionName
	}
	return Step{
		Name: "update-cnv-" + t.Minor.String(),
		Description: "Update OpenShift Virtualization to " + t.String() + " through OLM (approve its InstallPlan if approval is Manual, and no other), " +
			"wait until the CSV is Succeeded and the HyperConverged's status.versions reports it",
		Changes: true,
		Remedy:  "read the Subscription, InstallPlans and CSVs (oc get sub,ip,csv -n " + ns + "); run the plan again to resume",
		Wait: &Wait{
			For:     "OpenShift Virtualization " + t.String() + " to be installed",
			Timeout: DefaultOperatorTimeout,
			Done: func(ctx context.Context, s *State) (bool, string, error) {
				return operatorDone(ctx, s, t, ns, sub)
			},
		},
	}
}

func operatorDone(ctx context.Context, s *State, t OperatorTarget, ns, subName string) (bool, string, error) {
	sub, err := s.Cluster.GetSubscription(ctx, ns, subName)
	if err != nil {
		return false, "", err
	}
	csvs, err := s.Cluster.ListCSVs(ctx, ns)
	if err != nil {
		return false, "", err
	}
	installed := ""
	for _, c := range csvs {
		if c.Name == sub.InstalledCSV && c.Phase == conditions.CSVPhaseSucceeded {
			installed = c.Version
		}
		if c.Name == sub.CurrentCSV && c.Name != sub.InstalledCSV && c.Phase == conditions.CSVPhaseFailed {
			return false, "", &ObjectError{Op: "install", Kind: "ClusterServiceVersion", Namespace: ns, Name: c.Name,
				Err: fmt.Errorf("%w: CSV %s is Failed (%s: %s); OLM keeps both CSVs", ErrOperatorInstallFailed, c.Name, c.Reason, c.Message)}
		}
	}
	if installed != "" && (t.expects(installed) || t.reached(installed) && sub.CurrentCSV == sub.InstalledCSV) &&
		(t.Version != "" || sub.CurrentCSV == sub.InstalledCSV) {
		hc, err := s.Cluster.GetHyperConverged(ctx)
		if err != nil {
			return false, "", err
		}
		if got := hc.Status.OperatorVersion(); got != installed {
			return false, fmt.Sprintf("CSV %s Succeeded; HyperConverged status.versions operator is %q, waiting for %s", CSVName(installed), got, installed), nil
		}
		return true, "OpenShift Virtualization " + installed + " installed; status.versions operator = " + installed, nil
	}
	// Approve the expected InstallPlan, and only that one.
	if sub.InstallPlanRef != "" {
		plans, err := s.Cluster.ListInstallPlans(ctx, ns)
		if err != nil {
			return false, "", err
		}
		for _, ip := range plans {
			if ip.Name != sub.InstallPlanRef || ip.Approved || ip.Phase != InstallPlanRequiresApproval {
				continue
			}
			if !installPlanExpected(ip, t) {
				exp := CSVName(t.Version)
				if t.Version == "" {
					exp = "a CSV of OpenShift Virtualization " + t.Minor.String()
				}
				return false, "", &InstallPlanError{Namespace: ns, Name: ip.Name, CSVs: ip.CSVNames, Expected: exp}
			}
			if err := cnvWouldLead(ctx, s, ip); err != nil {
				return false, "", err
			}
			if err := s.Cluster.ApproveInstallPlan(ctx, ns, ip.Name); err != nil {
				return false, "", err
			}
			s.Report("approved InstallPlan " + ip.Name + " for " + strings.Join(ip.CSVNames, ", "))
			return false, "InstallPlan " + ip.Name + " approved", nil
		}
	}
	target := t.Version
	if target == "" {
		target = versionOfCSV(sub.CurrentCSV)
	}
	upd, err := conditions.ReadOperatorUpdate(csvs, target)
	if err != nil || target == "" {
		return false, "Subscription " + sub.Name + ": " + sub.State + ", installed " + sub.InstalledCSV, nil
	}
	return false, upd.Summary, nil
}

// installPlanExpected reports whether every OpenShift Virtualization CSV
// of the InstallPlan is the expected version, and there is one.
func installPlanExpected(ip InstallPlan, t OperatorTarget) bool {
	found := false
	for _, name := range ip.CSVNames {
		v := versionOfCSV(name)
		if v == "" {
			continue
		}
		if !t.expects(v) {
			return false
		}
		found = true
	}
	return found
}

// cnvWouldLead refuses an InstallPlan that would put OpenShift
// Virtualization ahead of OpenShift.
func cnvWouldLead(ctx context.Context, s *State, ip InstallPlan) error {
	cv, err := s.Cluster.GetClusterVersion(ctx)
	if err != nil {
		return err
	}
	ocp, err := channel.ParseVersion(cv.CurrentVersion())
	if err != nil {
		return nil
	}
	for _, name := range ip.CSVNames {
		v, err := channel.ParseVersion(versionOfCSV(name))
		if err != nil {
			continue
		}
		if err := s.Plan.Preflight.compat().CheckOn(v, ocp); errors.Is(err, channel.ErrPlatformTooOld) {
			return &InstallPlanError{Namespace: ip.Namespace, Name: ip.Name, CSVs: ip.CSVNames,
				Expected: "a version that does not lead OpenShift " + ocp.String()}
		}
	}
	return nil
}

// ---- workloads -------------------------------------------------------------------

// VerifyWorkloads waits until every outdated VMI runs the new launcher, or
// will not by itself: the VMIs the workload updater cannot update (not
// migratable with LiveMigrate only, updates off, …) and the ones stuck after
// repeated failed migrations are reported, each with its reason, and the
// step finishes. VMIs shut down by an Evict and not yet restarted are waited
// for.
func VerifyWorkloads() Step {
	return Step{
		Name:        "verify-workload-updates",
		Description: "Verify the workload updates (oc get vmim -A): wait until every VMI runs the new virt-launcher, and report each VMI that will not, with its reason",
		Remedy:      "list the outdated VMIs (oc get vmi -A -l kubevirt.io/outdatedLauncherImage) and their migrations (oc get vmim -A); run the plan again to resume",
		Wait: &Wait{
			For:      "every VMI to run the new virt-launcher, or to be reported",
			Interval: time.Minute,
			TimeoutFor: func(ctx context.Context, s *State) (time.Duration, error) {
				n, err := countVMIs(ctx, s.Cluster, ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
				if err != nil {
					return 0, err
				}
				return DefaultWorkloadsBaseTimeout + time.Duration(n)*DefaultWorkloadsPerVMI, nil
			},
			Done: verifyDone,
		},
	}
}

// countVMIs is how many VMIs ListVMIs returns for opts: counted by the
// cluster when it is a VMICounter, else listed.
func countVMIs(ctx context.Context, c Workloads, opts ListOptions) (int, error) {
	if vc, ok := c.(VMICounter); ok {
		return vc.CountVMIs(ctx, opts)
	}
	vmis, err := c.ListVMIs(ctx, opts)
	return len(vmis), err
}

// stallPolls is how many polls without progress VerifyWorkloads waits
// before it looks for stuck VMIs.
const stallPolls = 5

func verifyDone(ctx context.Context, s *State) (bool, string, error) {
	memo := s.memo()
	outdatedOnly := ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel}
	if vc, ok := s.Cluster.(VMICounter); ok {
		// While the count of outdated VMIs moves, the update progresses:
		// say so without listing (and copying) them all.
		n, err := vc.CountVMIs(ctx, outdatedOnly)
		if err != nil {
			return false, "", err
		}
		if n != memo.lastCount && n > 0 {
			memo.lastCount = n
			return false, fmt.Sprintf("%d outdated VMIs left", n), nil
		}
		memo.lastCount = n
	}
	hc, err := s.Cluster.GetHyperConverged(ctx)
	if err != nil {
		return false, "", err
	}
	strategy := hc.Spec.WorkloadUpdateStrategy.KubeVirt()
	if memo.cluster == "" {
		cluster, _, err := ReadClusterEvictionStrategy(ctx, s.Cluster)
		if err != nil {
			return false, "", err
		}
		memo.cluster = cluster
	}
	outdated, err := s.Cluster.ListVMIs(ctx, outdatedOnly)
	if err != nil {
		return false, "", err
	}
	type left struct {
		key, why string
	}
	var pending []*kubevirtv1.VirtualMachineInstance
	var never []left
	for i := range outdated {
		vmi := &outdated[i]
		if vmi.IsFinal() {
			continue
		}
		if b, ok := workload.FindBlocker(vmi, strategy, "", &memo.cluster); ok && b.NeverUpdates {
			never = append(never, left{vmi.Namespace + "/" + vmi.Name, b.Cause + ": " + b.Workaround})
			continue
		}
		if st := s.Plan.Preflight.Strategy; st != nil {
			if d := workload.DecideBy(st, vmi, strategy, "", nil); d.Method == workload.MethodNone && d.Code != workload.CodeMigrating && d.Code != workload.CodeUnfinishedMigration {
				never = append(never, left{vmi.Namespace + "/" + vmi.Name, string(d.Code) + ": " + d.Reason})
				continue
			}
		}
		pending = append(pending, vmi)
	}
	if len(pending) > 0 {
		if memo.lastPending != len(pending) {
			memo.lastPending, memo.still = len(pending), 0
		} else {
			memo.still++
		}
		status := fmt.Sprintf("%d VMIs to update, %d will not update by themselves", len(pending), len(never))
		if memo.still < stallPolls {
			return false, status, nil
		}
		// No progress for a while: are the ones left stuck?
		stuck, err := stuckVMIs(ctx, s, pending)
		if err != nil {
			return false, "", err
		}
		if len(stuck) < len(pending) {
			memo.still = 0 // look again after as many polls
			return false, status, nil
		}
		for _, st := range stuck {
			never = append(never, left(st))
		}
	} else {
		// Evicted VMIs whose VirtualMachine will start them again.
		restarting, err := awaitingRestart(ctx, s)
		if err != nil {
			return false, "", err
		}
		if restarting > 0 {
			return false, fmt.Sprintf("%d VMIs shut down for the update, waiting for their VirtualMachines to start them", restarting), nil
		}
	}
	if !memo.reported {
		memo.reported = true
		for _, n := range never {
			s.Report("VMI " + n.key + " does not run the new virt-launcher: " + n.why)
		}
	}
	if len(never) == 0 {
		return true, "every VMI runs the new virt-launcher", nil
	}
	return true, fmt.Sprintf("every VMI that can be updated was; %d will not update by themselves (reported)", len(never)), nil
}

type stuckVMI struct{ key, why string }

// stuckVMIs returns the pending VMIs whose recent migrations all failed,
// at least workload.DefaultStuckAfter of them.
func stuckVMIs(ctx context.Context, s *State, pending []*kubevirtv1.VirtualMachineInstance) ([]stuckVMI, error) {
	migs, err := s.Cluster.ListMigrations(ctx, ListOptions{})
	if err != nil {
		return nil, err
	}
	byVMI := map[string][]*kubevirtv1.VirtualMachineInstanceMigration{}
	for i := range migs {
		k := migs[i].Namespace + "/" + migs[i].Spec.VMIName
		byVMI[k] = append(byVMI[k], &migs[i])
	}
	var out []stuckVMI
	for _, vmi := range pending {
		k := vmi.Namespace + "/" + vmi.Name
		n, _ := workload.Failures(byVMI[k])
		if n < workload.DefaultStuckAfter {
			continue
		}
		why := fmt.Sprintf("stuck: its last %d migrations failed", n)
		for _, m := range byVMI[k] {
			if m.Status.Phase == kubevirtv1.MigrationFailed && m.Status.MigrationState != nil && m.Status.MigrationState.FailureReason != "" {
				why += " (" + m.Status.MigrationState.FailureReason + ")"
				break
			}
		}
		out = append(out, stuckVMI{k, why + "; find the cause in the migrations (oc get vmim -n " + vmi.Namespace + "), fix it, or restart the VM"})
	}
	return out, nil
}

// awaitingRestart counts the VMIs that ended and whose VirtualMachine's
// runStrategy will start them again.
func awaitingRestart(ctx context.Context, s *State) (int, error) {
	vmis, err := s.Cluster.ListVMIs(ctx, ListOptions{})
	if err != nil {
		return 0, err
	}
	var final []string
	for i := range vmis {
		if vmis[i].IsFinal() {
			final = append(final, vmis[i].Namespace+"/"+vmis[i].Name)
		}
	}
	if len(final) == 0 {
		return 0, nil
	}
	vms, err := s.Cluster.ListVirtualMachines(ctx, ListOptions{})
	if err != nil {
		return 0, err
	}
	restarts := map[string]bool{}
	for _, vm := range vms {
		if rs := vm.Spec.RunStrategy; rs != nil && *rs == kubevirtv1.RunStrategyAlways {
			restarts[vm.Namespace+"/"+vm.Name] = true
		}
	}
	n := 0
	for _, k := range final {
		if restarts[k] {
			n++
		}
	}
	return n, nil
}

// verifyMemo is what VerifyWorkloads remembers between polls of one wait.
type verifyMemo struct {
	lastPending, still int
	reported           bool
	// lastCount is the count of outdated VMIs at the last poll
	// (VMICounter); cluster the cluster-wide eviction strategy, read once.
	lastCount int
	cluster   kubevirtv1.EvictionStrategy
}

func (s *State) memo() *verifyMemo {
	if s.run == nil {
		return &verifyMemo{lastPending: -1, lastCount: -1}
	}
	if s.run.memo == nil || s.run.memoStep != s.step {
		s.run.memo, s.run.memoStep = &verifyMemo{lastPending: -1, lastCount: -1}, s.step
	}
	return s.run.memo
}
