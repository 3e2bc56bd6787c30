package updatetest

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// Fixture is the state a test case starts from. A NewCluster function must
// return a cluster holding exactly these objects (and whatever a real
// cluster always has); fields left empty mean "no such objects".
type Fixture struct {
	// HyperConverged is created in update.DefaultNamespace under
	// update.HyperConvergedName when set.
	HyperConverged *update.HyperConverged
	// KubeVirt is the KubeVirt CR, created in its namespace when set.
	KubeVirt       *kubevirtv1.KubeVirt
	ClusterVersion *update.ClusterVersion
	Pools          []update.MachineConfigPool
	Subscriptions  []update.Subscription
	// CSVs are created in update.DefaultNamespace.
	CSVs             []conditions.CSV
	InstallPlans     []update.InstallPlan
	Nodes            []corev1.Node
	NodeMaintenances []update.NodeMaintenance
	// PodDisruptionBudgets are created with their status as given, for a
	// cluster that implements the optional update.PodDisruptionBudgets.
	PodDisruptionBudgets []policyv1.PodDisruptionBudget
	VMIs                 []kubevirtv1.VirtualMachineInstance
	VirtualMachines      []kubevirtv1.VirtualMachine
	Migrations           []kubevirtv1.VirtualMachineInstanceMigration
}

// NewCluster returns a cluster seeded with the fixture. It is called once
// per test case; use t.Cleanup to release what it starts.
type NewCluster func(t *testing.T, f Fixture) update.Cluster
