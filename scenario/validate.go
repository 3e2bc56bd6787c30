package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// Validate checks the objects with the default limits.
func (o *Objects) Validate() error { return DefaultLimits().Validate(o) }

// Validate checks that the objects can be loaded: the header, required
// names, one object per namespace and name (and per UID) of each kind, the
// values of enumerations (phases, strategies, approvals), quantities and
// maxUnavailable, and the caps on list lengths. The first problem is
// returned as a *FieldError naming the field path (vmis[3].spec.evictionStrategy)
// and the value. References between objects (a VMI's node, a migration's
// VMI) are not checked: a snapshot of a changing cluster may hold a
// migration whose VMI is gone.
func (l Limits) Validate(o *Objects) error {
	l = l.WithDefaults()
	if o.APIVersion != APIVersion {
		return fieldErr("apiVersion", strconv.Quote(o.APIVersion), "must be %s (a count-form scenario, with clusterVersion.version and vms groups, is read by fake.ParseScenario)", APIVersion)
	}
	if o.Kind != Kind {
		return fieldErr("kind", strconv.Quote(o.Kind), "must be %s", Kind)
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"nodes", len(o.Nodes)}, {"vmis", len(o.VMIs)}, {"virtualMachines", len(o.VirtualMachines)}, {"migrations", len(o.Migrations)},
		{"clusterOperators", len(o.ClusterOperators)}, {"pools", len(o.Pools)}, {"nodeMaintenances", len(o.NodeMaintenances)},
		{"subscriptions", len(o.Subscriptions)}, {"csvs", len(o.CSVs)}, {"installPlans", len(o.InstallPlans)},
		{"podDisruptionBudgets", len(o.PodDisruptionBudgets)}, {"missing", len(o.Missing)}} {
		if c.n > l.capOf(c.field) {
			return tooLarge(c.field, "%d items, more than %d", c.n, l.capOf(c.field))
		}
	}
	checks := []func(*Objects) error{validateHeader, validatePlatform, validateOLM, validateCNV, validateWorkloads}
	for _, check := range checks {
		if err := check(o); err != nil {
			return err
		}
	}
	return nil
}

func validateHeader(o *Objects) error {
	switch o.Source.Kind {
	case "", SourceMustGather, SourceDump, SourceCluster:
	default:
		return fieldErr("source.kind", strconv.Quote(o.Source.Kind), "is not %s, %s or %s", SourceMustGather, SourceDump, SourceCluster)
	}
	parts := Parts()
	seen := map[string]bool{}
	for i, m := range o.Missing {
		part, _, _ := strings.Cut(m, ".")
		if !slices.Contains(parts, part) {
			return fieldErr(fmt.Sprintf("missing[%d]", i), strconv.Quote(m), "is not a part (%s) or Part.field", strings.Join(parts, ", "))
		}
		if seen[m] {
			return fieldErr(fmt.Sprintf("missing[%d]", i), strconv.Quote(m), "given twice")
		}
		seen[m] = true
	}
	return nil
}

// names checks the name (and namespace) of each object of a list and that
// no two share them or a UID.
type names struct {
	field      string
	namespaced bool
	seen       map[string]int
	uids       map[types.UID]int
}

func newNames(field string, namespaced bool) *names {
	return &names{field: field, namespaced: namespaced, seen: map[string]int{}, uids: map[types.UID]int{}}
}

func (n *names) add(i int, namespace, name string, uid types.UID) error {
	f := fmt.Sprintf("%s[%d]", n.field, i)
	if name == "" {
		return fieldErr(f+".name", "", "is required")
	}
	if n.namespaced && namespace == "" {
		return fieldErr(f+".namespace", "", "is required")
	}
	k := name
	if n.namespaced {
		k = namespace + "/" + name
	}
	if j, ok := n.seen[k]; ok {
		return fieldErr(f, strconv.Quote(k), "is also %s[%d]: each object appears once", n.field, j)
	}
	n.seen[k] = i
	if uid != "" {
		if j, ok := n.uids[uid]; ok {
			return fieldErr(f+".uid", strconv.Quote(string(uid)), "is also the UID of %s[%d]", n.field, j)
		}
		n.uids[uid] = i
	}
	return nil
}

func (n *names) meta(i int, m *metav1.ObjectMeta) error {
	f := fmt.Sprintf("%s[%d]", n.field, i)
	if m.Name == "" {
		return fieldErr(f+".metadata.name", "", "is required")
	}
	if n.namespaced && m.Namespace == "" {
		return fieldErr(f+".metadata.namespace", "", "is required")
	}
	return n.add(i, m.Namespace, m.Name, m.UID)
}

func checkConditions(field string, conds []metav1.Condition) error {
	for i, c := range conds {
		f := fmt.Sprintf("%s[%d]", field, i)
		if c.Type == "" {
			return fieldErr(f+".type", "", "is required")
		}
		switch c.Status {
		case metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown:
		default:
			return fieldErr(f+".status", strconv.Quote(string(c.Status)), "is not True, False or Unknown (quote it: YAML reads True and False as booleans)")
		}
	}
	return nil
}

func validatePlatform(o *Objects) error {
	if cv := o.ClusterVersion; cv != nil {
		for i, h := range cv.History {
			f := fmt.Sprintf("clusterVersion.history[%d]", i)
			if h.State != update.UpdateCompleted && h.State != update.UpdatePartial {
				return fieldErr(f+".state", strconv.Quote(h.State), "is not %s or %s", update.UpdateCompleted, update.UpdatePartial)
			}
			if h.Version == "" {
				return fieldErr(f+".version", "", "is required")
			}
		}
		for i, r := range cv.AvailableUpdates {
			if r.Version == "" {
				return fieldErr(fmt.Sprintf("clusterVersion.availableUpdates[%d].version", i), "", "is required")
			}
		}
		for i, u := range cv.ConditionalUpdates {
			f := fmt.Sprintf("clusterVersion.conditionalUpdates[%d]", i)
			if u.Release.Version == "" {
				return fieldErr(f+".release.version", "", "is required")
			}
			for j, r := range u.Risks {
				if r.Name == "" {
					return fieldErr(fmt.Sprintf("%s.risks[%d].name", f, j), "", "is required")
				}
				for k, m := range r.MatchingRules {
					if m.Type != RuleAlways && m.Type != RulePromQL {
						return fieldErr(fmt.Sprintf("%s.risks[%d].matchingRules[%d].type", f, j, k), strconv.Quote(m.Type), "is not %s or %s", RuleAlways, RulePromQL)
					}
				}
			}
			if err := checkConditions(f+".conditions", u.Conditions); err != nil {
				return err
			}
		}
		if err := checkConditions("clusterVersion.conditions", cv.Conditions); err != nil {
			return err
		}
	}
	cos := newNames("clusterOperators", false)
	for i, co := range o.ClusterOperators {
		if err := cos.add(i, "", co.Name, ""); err != nil {
			return err
		}
		if err := checkConditions(fmt.Sprintf("clusterOperators[%d].conditions", i), co.Conditions); err != nil {
			return err
		}
	}
	pools := newNames("pools", false)
	for i, p := range o.Pools {
		f := fmt.Sprintf("pools[%d]", i)
		if err := pools.add(i, "", p.Name, ""); err != nil {
			return err
		}
		if p.NodeSelector != nil {
			if _, err := metav1.LabelSelectorAsSelector(p.NodeSelector); err != nil {
				return fieldErr(f+".nodeSelector", "", "%v", err)
			}
		}
		if err := checkMaxUnavailable(f+".maxUnavailable", p.MaxUnavailable); err != nil {
			return err
		}
		for name, n := range map[string]int32{"machineCount": p.MachineCount, "updatedMachineCount": p.UpdatedMachineCount,
			"readyMachineCount": p.ReadyMachineCount, "unavailableMachineCount": p.UnavailableMachineCount, "degradedMachineCount": p.DegradedMachineCount} {
			if n < 0 {
				return fieldErr(f+"."+name, strconv.Itoa(int(n)), "must not be negative")
			}
		}
		if err := checkConditions(f+".conditions", p.Conditions); err != nil {
			return err
		}
	}
	nodes := newNames("nodes", false)
	for i := range o.Nodes {
		n := &o.Nodes[i]
		if err := nodes.meta(i, &n.ObjectMeta); err != nil {
			return err
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceCPU} {
			if q, ok := n.Status.Allocatable[r]; ok && q.Sign() < 0 {
				return fieldErr(fmt.Sprintf("nodes[%d].status.allocatable.%s", i, r), q.String(), "must not be negative")
			}
		}
	}
	nms := newNames("nodeMaintenances", true)
	for i, nm := range o.NodeMaintenances {
		f := fmt.Sprintf("nodeMaintenances[%d]", i)
		if nm.Group != update.NodeMaintenanceKubeVirt && nm.Group != update.NodeMaintenanceMedik8s {
			return fieldErr(f+".group", strconv.Quote(nm.Group), "is not %s or %s", update.NodeMaintenanceKubeVirt, update.NodeMaintenanceMedik8s)
		}
		if nm.Name == "" {
			return fieldErr(f+".name", "", "is required")
		}
		if nm.NodeName == "" {
			return fieldErr(f+".nodeName", "", "is required")
		}
		if err := nms.add(i, nm.Group, nm.Name, ""); err != nil {
			return err
		}
	}
	return nil
}

// checkMaxUnavailable accepts what the MCO resolves: a count of 0 or more,
// or a percentage from 0% to 100%.
func checkMaxUnavailable(field string, v *intstr.IntOrString) error {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return fieldErr(field, strconv.Itoa(int(v.IntVal)), "must not be negative")
		}
		return nil
	}
	s, ok := strings.CutSuffix(v.StrVal, "%")
	n, err := strconv.Atoi(s)
	if !ok || err != nil || n < 0 || n > 100 {
		return fieldErr(field, strconv.Quote(v.StrVal), "is not a node count or a percentage from 0%% to 100%% (\"25%%\")")
	}
	return nil
}

func checkApproval(field, a string) error {
	if a != "" && a != update.ApprovalAutomatic && a != update.ApprovalManual {
		return fieldErr(field, strconv.Quote(a), "is not %s or %s", update.ApprovalAutomatic, update.ApprovalManual)
	}
	return nil
}

func validateOLM(o *Objects) error {
	subs := newNames("subscriptions", true)
	for i, s := range o.Subscriptions {
		if err := subs.add(i, s.Namespace, s.Name, ""); err != nil {
			return err
		}
		if err := checkApproval(fmt.Sprintf("subscriptions[%d].installPlanApproval", i), s.InstallPlanApproval); err != nil {
			return err
		}
	}
	csvs := newNames("csvs", true)
	for i, c := range o.CSVs {
		if err := csvs.add(i, c.Namespace, c.Name, ""); err != nil {
			return err
		}
		switch c.Phase {
		case conditions.CSVPhaseNone, conditions.CSVPhasePending, conditions.CSVPhaseInstallReady, conditions.CSVPhaseInstalling,
			conditions.CSVPhaseSucceeded, conditions.CSVPhaseFailed, conditions.CSVPhaseUnknown, conditions.CSVPhaseReplacing, conditions.CSVPhaseDeleting:
		default:
			return fieldErr(fmt.Sprintf("csvs[%d].phase", i), strconv.Quote(string(c.Phase)), "is not an OLM phase (Pending, InstallReady, Installing, Succeeded, Failed, Unknown, Replacing, Deleting)")
		}
	}
	ips := newNames("installPlans", true)
	for i, ip := range o.InstallPlans {
		f := fmt.Sprintf("installPlans[%d]", i)
		if err := ips.add(i, ip.Namespace, ip.Name, ""); err != nil {
			return err
		}
		if err := checkApproval(f+".approval", ip.Approval); err != nil {
			return err
		}
		switch ip.Phase {
		case "", "Planning", update.InstallPlanRequiresApproval, update.InstallPlanInstalling, update.InstallPlanComplete, update.InstallPlanFailed:
		default:
			return fieldErr(f+".phase", strconv.Quote(ip.Phase), "is not an InstallPlan phase (Planning, RequiresApproval, Installing, Complete, Failed)")
		}
	}
	return nil
}

func checkEvictionStrategy(field string, s *kubevirtv1.EvictionStrategy) error {
	if s == nil {
		return nil
	}
	switch *s {
	case kubevirtv1.EvictionStrategyNone, kubevirtv1.EvictionStrategyLiveMigrate, kubevirtv1.EvictionStrategyLiveMigrateIfPossible, kubevirtv1.EvictionStrategyExternal:
		return nil
	}
	return fieldErr(field, strconv.Quote(string(*s)), "is not None, LiveMigrate, LiveMigrateIfPossible or External")
}

func validateCNV(o *Objects) error {
	if o.WithoutCNV {
		if f := o.CNVObject(); f != "" {
			return fieldErr("withoutCNV", "true", "says the cluster runs no OpenShift Virtualization, yet %s is one of its objects: remove withoutCNV or the object", f)
		}
	}
	if hc := o.HyperConverged; hc != nil {
		if hc.Namespace == "" {
			return fieldErr("hyperConverged.namespace", "", "is required")
		}
		if hc.Name == "" {
			return fieldErr("hyperConverged.name", "", "is required")
		}
		s := hc.Spec.WorkloadUpdateStrategy
		if s.WorkloadUpdateMethods != nil {
			for i, m := range *s.WorkloadUpdateMethods {
				if m != kubevirtv1.WorkloadUpdateMethodLiveMigrate && m != kubevirtv1.WorkloadUpdateMethodEvict {
					return fieldErr(fmt.Sprintf("hyperConverged.spec.workloadUpdateStrategy.workloadUpdateMethods[%d]", i), strconv.Quote(string(m)), "is not LiveMigrate or Evict")
				}
			}
		}
		if n := s.BatchEvictionSize; n != nil && *n < 0 {
			return fieldErr("hyperConverged.spec.workloadUpdateStrategy.batchEvictionSize", strconv.Itoa(*n), "must not be negative")
		}
		if b := hc.Spec.LiveMigrationConfig.BandwidthPerMigration; b != nil {
			if q, err := resource.ParseQuantity(*b); err != nil || q.Sign() < 0 {
				return fieldErr("hyperConverged.spec.liveMigrationConfig.bandwidthPerMigration", strconv.Quote(*b), "is not a quantity per second like 64Mi (0 for no limit)")
			}
		}
		if err := checkEvictionStrategy("hyperConverged.spec.evictionStrategy", hc.Spec.EvictionStrategy); err != nil {
			return err
		}
		if err := checkConditions("hyperConverged.status.conditions", hc.Status.Conditions); err != nil {
			return err
		}
	}
	if kv := o.KubeVirt; kv != nil {
		if kv.Name == "" {
			return fieldErr("kubeVirt.metadata.name", "", "is required")
		}
		if err := checkEvictionStrategy("kubeVirt.spec.configuration.evictionStrategy", kv.Spec.Configuration.EvictionStrategy); err != nil {
			return err
		}
	}
	return nil
}

func validateWorkloads(o *Objects) error {
	vms := newNames("virtualMachines", true)
	for i := range o.VirtualMachines {
		vm := &o.VirtualMachines[i]
		if err := vms.meta(i, &vm.ObjectMeta); err != nil {
			return err
		}
		if rs := vm.Spec.RunStrategy; rs != nil {
			switch *rs {
			case kubevirtv1.RunStrategyAlways, kubevirtv1.RunStrategyRerunOnFailure, kubevirtv1.RunStrategyManual, kubevirtv1.RunStrategyHalted,
				kubevirtv1.RunStrategyOnce, kubevirtv1.RunStrategyWaitAsReceiver:
			default:
				return fieldErr(fmt.Sprintf("virtualMachines[%d].spec.runStrategy", i), strconv.Quote(string(*rs)), "is not Always, RerunOnFailure, Manual, Halted, Once or WaitAsReceiver")
			}
		}
	}
	vmis := newNames("vmis", true)
	for i := range o.VMIs {
		v := &o.VMIs[i]
		f := fmt.Sprintf("vmis[%d]", i)
		if err := vmis.meta(i, &v.ObjectMeta); err != nil {
			return err
		}
		switch v.Status.Phase {
		case kubevirtv1.VmPhaseUnset, kubevirtv1.Pending, kubevirtv1.Scheduling, kubevirtv1.Scheduled, kubevirtv1.Running,
			kubevirtv1.Succeeded, kubevirtv1.Failed, kubevirtv1.WaitingForSync, kubevirtv1.Unknown:
		default:
			return fieldErr(f+".status.phase", strconv.Quote(string(v.Status.Phase)), "is not a VMI phase (Pending, Scheduling, Scheduled, Running, Succeeded, Failed, WaitingForSync, Unknown)")
		}
		if err := checkEvictionStrategy(f+".spec.evictionStrategy", v.Spec.EvictionStrategy); err != nil {
			return err
		}
		if q, ok := v.Spec.Domain.Resources.Requests[corev1.ResourceMemory]; ok && q.Sign() < 0 {
			return fieldErr(f+".spec.domain.resources.requests.memory", q.String(), "must not be negative")
		}
	}
	migs := newNames("migrations", true)
	for i := range o.Migrations {
		m := &o.Migrations[i]
		f := fmt.Sprintf("migrations[%d]", i)
		if err := migs.meta(i, &m.ObjectMeta); err != nil {
			return err
		}
		if m.Spec.VMIName == "" {
			return fieldErr(f+".spec.vmiName", "", "is required")
		}
		switch m.Status.Phase {
		case kubevirtv1.MigrationPhaseUnset, kubevirtv1.MigrationPending, kubevirtv1.MigrationScheduling, kubevirtv1.MigrationScheduled,
			kubevirtv1.MigrationPreparingTarget, kubevirtv1.MigrationTargetReady, kubevirtv1.MigrationRunning, kubevirtv1.MigrationSucceeded,
			kubevirtv1.MigrationFailed, kubevirtv1.MigrationWaitingForSync, kubevirtv1.MigrationSynchronizing:
		default:
			return fieldErr(f+".status.phase", strconv.Quote(string(m.Status.Phase)), "is not a migration phase (Pending, Scheduling, Scheduled, PreparingTarget, TargetReady, Running, Succeeded, Failed)")
		}
	}
	pdbs := newNames("podDisruptionBudgets", true)
	for i := range o.PodDisruptionBudgets {
		if err := pdbs.meta(i, &o.PodDisruptionBudgets[i].ObjectMeta); err != nil {
			return err
		}
	}
	return nil
}
