package fake_test

import (
	"testing"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// newFromFixture seeds a fake cluster with a conformance fixture.
func newFromFixture(_ *testing.T, f updatetest.Fixture) update.Cluster {
	c := fake.NewCluster(fake.Options{Seed: 1})
	if f.HyperConverged != nil {
		c.SetHyperConverged(*f.HyperConverged)
	}
	if f.KubeVirt != nil {
		c.SetKubeVirt(f.KubeVirt)
	}
	if f.ClusterVersion != nil {
		c.SetClusterVersion(*f.ClusterVersion)
	}
	c.AddPools(f.Pools...)
	c.AddSubscriptions(f.Subscriptions...)
	c.AddCSVs(update.DefaultNamespace, f.CSVs...)
	c.AddInstallPlans(f.InstallPlans...)
	c.AddNodes(f.Nodes...)
	c.AddNodeMaintenances(f.NodeMaintenances...)
	c.AddPodDisruptionBudgets(f.PodDisruptionBudgets...)
	c.AddVMIs(f.VMIs...)
	c.AddVirtualMachines(f.VirtualMachines...)
	c.AddMigrations(f.Migrations...)
	if f.AdminGates != nil {
		c.SetAdminGates(*f.AdminGates)
	}
	return c
}

func TestConformance(t *testing.T) {
	updatetest.Run(t, newFromFixture)
}
