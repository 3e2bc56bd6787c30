package fake

import (
	"fmt"
	"slices"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// NewClusterFromObjects returns a fake cluster holding the objects of an
// object-form scenario (a snapshot of a real cluster, package snapshot),
// seeded through the cluster's exported Set and Add methods, so that the
// real plan runs on the user's cluster. The objects are validated first
// (scenario.Objects.Validate). opts.Start zero means the time the
// snapshot was collected (Source.CollectedAt), so nodes' ages and
// conditions' times read as they did.
//
// How the objects become the fake's state:
//   - The ClusterVersion, pools (spec.maxUnavailable as written: a
//     percentage scales with the pool's nodes), nodes, NodeMaintenances,
//     InstallPlans, CSVs, the HyperConverged, the KubeVirt CR, VMs, VMIs,
//     migrations and PodDisruptionBudgets are stored as found.
//   - OpenShift Virtualization's operator is installed at the version the
//     HyperConverged reports (status.versions), else its Succeeded CSV's,
//     with its Subscription's name and approval (SetOperator): the fake's
//     OLM drives that Subscription, under its own name, which plans must
//     name (update.Request's Subscription) when it is not
//     update.DefaultSubscriptionName.
//   - A node is in the pool the MCO puts it in by the pools'
//     spec.nodeSelector: master over a single custom pool over worker, and
//     no pool for a node two custom pools select (scenario.PoolOf).
//   - KubeVirt marks a VMI whose virt-launcher image is not the current
//     one with the kubevirt.io/outdatedLauncherImage label
//     (pkg/virt-controller/watch/vmi/lifecycle.go setLauncherContainerInfo);
//     the fake compares images with its own launcher image
//     (LauncherImage), so a VMI without that label is given it and an
//     outdated one keeps its own.
//   - ClusterOperators' conditions are set (SetClusterOperatorCondition),
//     but for OLM's, which the fake's OLM computes from the CSVs'
//     olm.maxOpenShiftVersion: those are set when the source read them
//     (not missing).
//
// What the fake cannot hold yet is left out, and a forecast on it differs
// from the cluster there: OLM is played for OpenShift Virtualization in
// update.DefaultNamespace only; no catalog is known (SetCatalog: a
// forecast sets it).
//
// A VMI that runs on a node the objects do not hold is an error: the fake
// could not place it.
func NewClusterFromObjects(o *scenario.Objects, opts Options) (*Cluster, error) {
	if o == nil {
		return nil, fmt.Errorf("%w: no objects", update.ErrInvalid)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	nodes := map[string]bool{}
	for i := range o.Nodes {
		nodes[o.Nodes[i].Name] = true
	}
	for i := range o.VMIs {
		v := &o.VMIs[i]
		if v.Status.NodeName != "" && !v.IsFinal() && !nodes[v.Status.NodeName] {
			return nil, fmt.Errorf("%w: vmis[%d] (%s/%s) runs on node %q, which the objects do not hold (missing: %v): add the node or remove the VMI",
				update.ErrInvalid, i, v.Namespace, v.Name, v.Status.NodeName, o.Missing)
		}
	}
	if opts.Start.IsZero() && o.Source.CollectedAt != nil {
		opts.Start = o.Source.CollectedAt.Time
	}
	c := NewCluster(opts)

	if cv := o.ClusterVersion; cv != nil {
		c.SetClusterVersion(cv.Port())
	}
	cnvVersion := ""
	if hc := o.HyperConverged; hc != nil {
		c.SetHyperConverged(hc.Port())
		cnvVersion = hc.Status.OperatorVersion()
		if cnvVersion == "" {
			cnvVersion = succeededCNV(o.CSVs, hc.Namespace)
		}
	}
	if o.KubeVirt != nil {
		c.SetKubeVirt(o.KubeVirt)
	}
	subs := make([]update.Subscription, 0, len(o.Subscriptions))
	for _, s := range o.Subscriptions {
		subs = append(subs, s.Port())
	}
	if cnvVersion != "" {
		op := Operator{Version: cnvVersion}
		if i := slices.IndexFunc(subs, isCNVSubscription); i >= 0 {
			op.Approval = subs[i].InstallPlanApproval
			op.Subscription = subs[i].Name
		}
		c.SetOperator(op)
	}
	c.AddSubscriptions(subs...)
	byNamespace := map[string][]conditions.CSV{}
	for _, x := range o.CSVs {
		byNamespace[x.Namespace] = append(byNamespace[x.Namespace], x.Port())
	}
	for ns, csvs := range byNamespace {
		c.AddCSVs(ns, csvs...)
	}
	if !slices.Contains(o.Missing, scenario.PartCSVs+".maxOpenShiftVersion") {
		for _, x := range o.CSVs {
			if err := c.SetCSVMaxOpenShiftVersion(x.Namespace, x.Name, x.MaxOpenShiftVersion); err != nil {
				return nil, err
			}
		}
	}
	ips := make([]update.InstallPlan, 0, len(o.InstallPlans))
	for _, ip := range o.InstallPlans {
		ips = append(ips, ip.Port())
	}
	c.AddInstallPlans(ips...)

	c.AddNodes(o.Nodes...)
	for _, p := range o.Pools {
		c.AddPools(p.Port())
	}
	for _, p := range o.Pools {
		if p.MaxUnavailable != nil {
			if err := c.SetPoolMaxUnavailable(p.Name, *p.MaxUnavailable); err != nil {
				return nil, err
			}
		}
	}
	for _, co := range o.ClusterOperators {
		if co.Name == ClusterOperatorOLM {
			continue // computed by the fake's OLM from the CSVs
		}
		for _, cond := range co.Conditions {
			err := c.SetClusterOperatorCondition(co.Name, configv1.ClusterOperatorStatusCondition{
				Type: configv1.ClusterStatusConditionType(cond.Type), Status: configv1.ConditionStatus(cond.Status),
				Reason: cond.Reason, Message: cond.Message, LastTransitionTime: cond.LastTransitionTime})
			if err != nil {
				return nil, err
			}
		}
	}

	c.AddVirtualMachines(o.VirtualMachines...)
	vmis := make([]kubevirtv1.VirtualMachineInstance, len(o.VMIs))
	for i := range o.VMIs {
		v := o.VMIs[i].DeepCopy()
		if _, outdated := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]; cnvVersion != "" && !outdated && v.Status.LauncherContainerImageVersion != "" {
			v.Status.LauncherContainerImageVersion = LauncherImage(cnvVersion)
		}
		vmis[i] = *v
	}
	c.AddVMIs(vmis...)
	c.AddMigrations(o.Migrations...)
	nms := make([]update.NodeMaintenance, 0, len(o.NodeMaintenances))
	for _, nm := range o.NodeMaintenances {
		nms = append(nms, nm.Port())
	}
	c.AddNodeMaintenances(nms...)
	c.AddPodDisruptionBudgets(o.PodDisruptionBudgets...)
	return c, nil
}

// isCNVSubscription reports whether a Subscription installs OpenShift
// Virtualization in the namespace the fake's OLM plays.
func isCNVSubscription(s update.Subscription) bool {
	return s.Package == update.HyperConvergedPackage && s.Namespace == update.DefaultNamespace
}

// succeededCNV is the version of the Succeeded OpenShift Virtualization
// CSV of a namespace, "" when there is none.
func succeededCNV(csvs []scenario.CSV, namespace string) string {
	for _, x := range csvs {
		if x.Namespace == namespace && x.Phase == conditions.CSVPhaseSucceeded && strings.HasPrefix(x.Name, update.HyperConvergedPackage+"-operator.v") {
			return x.Version
		}
	}
	return ""
}
