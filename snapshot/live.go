package snapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// Reader is what ReadCluster reads a live cluster through: the read
// methods of the update package's ports, and none that writes. Any
// update.Cluster (the kube adapter, the fake) is a Reader. A Reader that
// also implements update.PodDisruptionBudgets or update.ClusterOperators
// has its budgets or ClusterOperators read too.
// Nothing here reads Secrets, tokens or pods.
type Reader interface {
	GetClusterVersion(ctx context.Context) (*update.ClusterVersion, error)
	ListMachineConfigPools(ctx context.Context) ([]update.MachineConfigPool, error)
	GetSubscription(ctx context.Context, namespace, name string) (*update.Subscription, error)
	ListCSVs(ctx context.Context, namespace string) ([]conditions.CSV, error)
	ListInstallPlans(ctx context.Context, namespace string) ([]update.InstallPlan, error)
	GetHyperConverged(ctx context.Context) (*update.HyperConverged, error)
	GetKubeVirt(ctx context.Context) (*kubevirtv1.KubeVirt, error)
	ListNodes(ctx context.Context) ([]corev1.Node, error)
	ListNodeMaintenances(ctx context.Context) ([]update.NodeMaintenance, error)
	ListVMIs(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstance, error)
	ListVirtualMachines(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachine, error)
	ListMigrations(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error)
}

var _ Reader = update.Cluster(nil)

// ClusterOptions say where OpenShift Virtualization is installed.
type ClusterOptions struct {
	Options
	// Name names the cluster in Source.Name (its API server, a context).
	Name string
	// Subscription is the name of OpenShift Virtualization's Subscription
	// in the HyperConverged's namespace (default
	// update.DefaultSubscriptionName); the ports read one Subscription by
	// name.
	Subscription string
}

// ReadCluster reads a live cluster once through r. Objects the cluster
// does not have (no HyperConverged, no Subscription of that name, no
// KubeVirt CR) are left out; what the ports cannot show is Missing: the
// channels of the ClusterVersion's available and conditional updates
// (the conditional updates themselves, with their risks' matching rules
// and Recommended condition, are read), the CSVs' properties (maxOpenShiftVersion), the
// Subscription's catalog source, the pools' node selectors when the port
// does not give them, ClusterOperators unless r implements
// update.ClusterOperators (and the server serves them), and
// PodDisruptionBudgets unless r implements update.PodDisruptionBudgets.
// The ports read one Subscription, OpenShift Virtualization's, and the
// CSVs and InstallPlans of its namespace only: the object form holds no
// other operator's. A cluster with none of OpenShift Virtualization's
// objects (no HyperConverged, KubeVirt CR, VM, VMI or migration, and no
// Subscription or CSV of HCO's package in that namespace) is written
// withoutCNV: true. The caps of opts.Limits apply.
func ReadCluster(ctx context.Context, r Reader, opts ClusterOptions) (*scenario.Objects, error) {
	o := scenario.New()
	opts.Options = opts.Options.withDefaults()
	now := metav1.NewTime(opts.Now().UTC().Truncate(time.Second))
	o.Source = scenario.Source{Kind: scenario.SourceCluster, Name: opts.Name, CollectedAt: &now}
	l := opts.Limits
	missing := slices.Clone(portGaps)

	cv, err := r.GetClusterVersion(ctx)
	switch {
	case err == nil:
		o.ClusterVersion = scenario.ClusterVersionFromPort(*cv)
	case errors.Is(err, update.ErrNotFound):
	default:
		return nil, fmt.Errorf("read the ClusterVersion: %w", err)
	}
	if cr, ok := r.(update.ClusterOperators); ok {
		cos, err := cr.ListClusterOperators(ctx)
		switch {
		case err == nil:
			o.ClusterOperators = clusterOperatorsFromPort(cos)
		case errors.Is(err, update.ErrNotFound): // the server does not serve them
			missing = append(missing, scenario.PartClusterOperators)
		default:
			return nil, fmt.Errorf("read the ClusterOperators: %w", err)
		}
	} else {
		missing = append(missing, scenario.PartClusterOperators)
	}
	pools, err := r.ListMachineConfigPools(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the MachineConfigPools: %w", err)
	}
	var noSelector bool
	o.Pools, noSelector = poolsFromPort(pools)
	if noSelector {
		missing = append(missing, scenario.PartPools+".nodeSelector")
	}
	nodes, err := r.ListNodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the nodes: %w", err)
	}
	if len(nodes) > l.MaxNodes {
		return nil, errTooMany(scenario.PartNodes, l.MaxNodes)
	}
	for i := range nodes {
		reduceNode(&nodes[i])
	}
	o.Nodes = nodes
	nms, err := r.ListNodeMaintenances(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the NodeMaintenances: %w", err)
	}
	for _, nm := range nms {
		o.NodeMaintenances = append(o.NodeMaintenances, scenario.NodeMaintenanceFromPort(nm))
	}

	hc, err := r.GetHyperConverged(ctx)
	switch {
	case err == nil:
		o.HyperConverged = scenario.HyperConvergedFromPort(*hc)
	case errors.Is(err, update.ErrNotFound):
	default:
		return nil, fmt.Errorf("read the HyperConverged: %w", err)
	}
	kv, err := r.GetKubeVirt(ctx)
	switch {
	case err == nil:
		reduceKubeVirt(kv)
		o.KubeVirt = kv
	case errors.Is(err, update.ErrNotFound):
	default:
		return nil, fmt.Errorf("read the KubeVirt CR: %w", err)
	}
	ns := update.DefaultNamespace
	if hc != nil && hc.Namespace != "" {
		ns = hc.Namespace
	}
	subName := opts.Subscription
	if subName == "" {
		subName = update.DefaultSubscriptionName
	}
	sub, err := r.GetSubscription(ctx, ns, subName)
	switch {
	case err == nil:
		o.Subscriptions = []scenario.Subscription{scenario.SubscriptionFromPort(*sub)}
	case errors.Is(err, update.ErrNotFound):
	default:
		return nil, fmt.Errorf("read Subscription %s/%s: %w", ns, subName, err)
	}
	csvs, err := r.ListCSVs(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("read the CSVs of %s: %w", ns, err)
	}
	for _, c := range csvs {
		o.CSVs = append(o.CSVs, scenario.CSVFromPort(ns, c))
	}
	ips, err := r.ListInstallPlans(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("read the InstallPlans of %s: %w", ns, err)
	}
	for _, ip := range ips {
		o.InstallPlans = append(o.InstallPlans, scenario.InstallPlanFromPort(ip))
	}

	vms, err := r.ListVirtualMachines(ctx, update.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the VirtualMachines: %w", err)
	}
	if len(vms) > l.MaxVMIs {
		return nil, errTooMany(scenario.PartVirtualMachines, l.MaxVMIs)
	}
	for i := range vms {
		reduceVM(&vms[i])
	}
	o.VirtualMachines = vms
	vmis, err := r.ListVMIs(ctx, update.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the VMIs: %w", err)
	}
	if len(vmis) > l.MaxVMIs {
		return nil, errTooMany(scenario.PartVMIs, l.MaxVMIs)
	}
	for i := range vmis {
		reduceVMI(&vmis[i])
	}
	o.VMIs = vmis
	migs, err := r.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the migrations: %w", err)
	}
	if len(migs) > l.MaxMigrations {
		return nil, errTooMany(scenario.PartMigrations, l.MaxMigrations)
	}
	for i := range migs {
		reduceMigration(&migs[i])
	}
	o.Migrations = migs

	if pr, ok := r.(update.PodDisruptionBudgets); ok {
		pdbs, err := pr.ListPodDisruptionBudgets(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the PodDisruptionBudgets: %w", err)
		}
		for i := range pdbs {
			reducePDB(&pdbs[i])
		}
		o.PodDisruptionBudgets = pdbs
	} else {
		missing = append(missing, scenario.PartPodDisruptionBudgets)
	}
	o.Missing = missing
	markWithoutCNV(o)
	o.Sort()
	if err := l.Validate(o); err != nil {
		return nil, fmt.Errorf("the cluster's objects: %w", err)
	}
	return o, nil
}
