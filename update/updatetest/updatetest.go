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
	// AdminGates are the CVO's admin-ack ConfigMaps, for a cluster that
	// implements the optional update.AdminGatesReader: create
	// openshift-config-managed/admin-gates with Gates as its data unless
	// GatesMissing, and openshift-config/admin-acks with Acks unless
	// AcksMissing. nil leaves them as the cluster has them.
	AdminGates *update.AdminGates
}

// NewCluster returns a cluster seeded with the fixture. It is called once
// per test case; use t.Cleanup to release what it starts.
type NewCluster func(t *testing.T, f Fixture) update.Cluster
