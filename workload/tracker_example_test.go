package workload_test

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// A controller that sees every change keeps a Tracker: it tells it what
// changed, and each pass costs what changed, not the size of the cluster,
// with the plan a full pass of the planner would make.
func ExampleTracker() {
	tr := workload.NewTracker(workload.NewPlanner(workload.KubeVirtPolicy(), 1))
	for i := range 3 {
		tr.SetVMI(&v1.VirtualMachineInstance{
			ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: fmt.Sprintf("vm-%d", i)},
			Status: v1.VirtualMachineInstanceStatus{Phase: v1.Running, NodeName: "node-a", LauncherContainerImageVersion: "launcher:v1",
				Conditions: []v1.VirtualMachineInstanceCondition{{Type: v1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}}},
		})
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	perCluster := uint32(2)
	settings := workload.Settings{
		Strategy:        v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}},
		MigrationConfig: v1.MigrationConfiguration{ParallelMigrationsPerCluster: &perCluster},
		LauncherImage:   "launcher:v2",
		Now:             now,
	}
	plan := tr.Reconcile(settings)
	fmt.Println("migrate:", len(plan.Migrate), "of", tr.Len(), "outdated; look again in", plan.RequeueAfter)
	// Output:
	// migrate: 2 of 3 outdated; look again in 30s
}
