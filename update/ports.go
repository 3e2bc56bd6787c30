package update

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
)

// ClusterVersions reads and steers the platform (OpenShift) release through
// the CVO's ClusterVersion.
type ClusterVersions interface {
	// GetClusterVersion reads the ClusterVersion "version".
	GetClusterVersion(ctx context.Context) (*ClusterVersion, error)
	// SetChannel sets spec.channel.
	SetChannel(ctx context.Context, channel string) error
	// SetDesiredUpdate sets spec.desiredUpdate to the version, which starts
	// a platform update.
	SetDesiredUpdate(ctx context.Context, version string) error
}

// MachineConfigPools reads and pauses the MCO's pools.
type MachineConfigPools interface {
	// ListMachineConfigPools lists every pool, sorted by name.
	ListMachineConfigPools(ctx context.Context) ([]MachineConfigPool, error)
	// SetPoolPaused sets spec.paused of the named pool.
	SetPoolPaused(ctx context.Context, name string, paused bool) error
}

// OLM reads an operator's Subscription, CSVs and InstallPlans and approves
// InstallPlans.
type OLM interface {
	// GetSubscription reads one Subscription.
	GetSubscription(ctx context.Context, namespace, name string) (*Subscription, error)
	// ListCSVs lists the ClusterServiceVersions of a namespace, sorted by
	// name.
	ListCSVs(ctx context.Context, namespace string) ([]conditions.CSV, error)
	// ListInstallPlans lists the InstallPlans of a namespace, sorted by
	// name.
	ListInstallPlans(ctx context.Context, namespace string) ([]InstallPlan, error)
	// ApproveInstallPlan sets spec.approved of the named InstallPlan and of
	// no other.
	ApproveInstallPlan(ctx context.Context, namespace, name string) error
}

// HyperConvergeds reads HCO's HyperConverged and changes its workload update
// methods.
type HyperConvergeds interface {
	// GetHyperConverged reads the HyperConverged.
	GetHyperConverged(ctx context.Context) (*HyperConverged, error)
	// SetWorkloadUpdateMethods changes
	// spec.workloadUpdateStrategy.workloadUpdateMethods from `from` to `to`,
	// as one compare-and-swap.
	//
	// The field holds what a server can hold: a list, or `[]` (a pointer to
	// an empty slice) for automatic workload updates off. HCO's CRD stores
	// an absent field as DefaultWorkloadUpdateMethods, so GetHyperConverged
	// never reads it absent, a `from` of nil stands for that default, and a
	// `to` of nil is refused (CheckMethodsWrite). The contract:
	//
	//   - to is checked before any write: nil or a method other than
	//     LiveMigrate and Evict is an error wrapping ErrInvalid;
	//   - when the current value already is `to` (compared as stored, see
	//     SameStoredMethods), nothing is written and the call succeeds, so a
	//     write retried or resumed after it landed is idempotent;
	//   - otherwise, when the current value is not `from`, nothing changes
	//     and the error wraps ErrConflict;
	//   - after the write, the field the server returns is compared with
	//     `to`: anything else (defaulting, pruning, a conversion that drops
	//     the field) is an error wrapping ErrNotStored that names the field.
	SetWorkloadUpdateMethods(ctx context.Context, from, to *[]kubevirtv1.WorkloadUpdateMethod) error
}

// KubeVirts reads the KubeVirt custom resource HCO manages (kubevirt.io/v1
// KubeVirt, one per cluster, in the HyperConverged's namespace).
type KubeVirts interface {
	// GetKubeVirt reads the KubeVirt CR; ErrNotFound when there is none.
	GetKubeVirt(ctx context.Context) (*kubevirtv1.KubeVirt, error)
}

// Nodes reads nodes and NodeMaintenance objects.
type Nodes interface {
	// ListNodes lists every node, sorted by name.
	ListNodes(ctx context.Context) ([]corev1.Node, error)
	// ListNodeMaintenances lists NodeMaintenance objects of both API groups,
	// sorted by group then name.
	ListNodeMaintenances(ctx context.Context) ([]NodeMaintenance, error)
}

// Workloads reads VMIs, VirtualMachines and migrations, creates migrations
// and evicts VMIs.
type Workloads interface {
	// ListVMIs lists VirtualMachineInstances, sorted by namespace and name.
	ListVMIs(ctx context.Context, opts ListOptions) ([]kubevirtv1.VirtualMachineInstance, error)
	// ListVirtualMachines lists VirtualMachines, sorted by namespace and
	// name.
	ListVirtualMachines(ctx context.Context, opts ListOptions) ([]kubevirtv1.VirtualMachine, error)
	// ListMigrations lists VirtualMachineInstanceMigrations, sorted by
	// namespace and name.
	ListMigrations(ctx context.Context, opts ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error)
	// CreateMigration creates a migration. A GenerateName is honoured; the
	// created object is returned.
	CreateMigration(ctx context.Context, m *kubevirtv1.VirtualMachineInstanceMigration) (*kubevirtv1.VirtualMachineInstanceMigration, error)
	// EvictVMI asks to evict the launcher pod of the VMI, which goes through
	// KubeVirt's eviction webhook and the PodDisruptionBudgets. nil means
	// the pod was evicted (the VMI shuts down). Otherwise the error is an
	// *EvictionError: the webhook started an evacuation migration instead
	// or one is in progress (ErrEvacuationStarted; the MCO's drain keeps
	// asking until the VMI has left), or it denied the eviction
	// (ErrEvictionDenied: not migratable under LiveMigrate, a budget).
	EvictVMI(ctx context.Context, namespace, name string) error
}

// Checkpoints stores the records plans resume from.
type Checkpoints interface {
	// LoadCheckpoint reads the named record; ErrNotFound when there is none.
	LoadCheckpoint(ctx context.Context, name string) (Checkpoint, error)
	// SaveCheckpoint creates (ResourceVersion "") or replaces (the version
	// last seen) the record and returns it with its new ResourceVersion. A
	// stale version, or creating a record that exists, is ErrConflict.
	SaveCheckpoint(ctx context.Context, c Checkpoint) (Checkpoint, error)
}

// Cluster is every port together, for code that needs the whole cluster.
// Prefer the single ports in signatures: a function that only approves
// InstallPlans should take an OLM.
type Cluster interface {
	ClusterVersions
	MachineConfigPools
	OLM
	HyperConvergeds
	KubeVirts
	Nodes
	Workloads
	Checkpoints
}

// VMICounter counts VMIs without returning them. It is an optional port:
// a wait that polls how many VMIs are left (the verify step) asks it first
// and lists them only when the count stops changing, so a large cluster is
// not copied at every poll.
type VMICounter interface {
	// CountVMIs returns how many VMIs ListVMIs would return for opts.
	CountVMIs(ctx context.Context, opts ListOptions) (int, error)
}
