package workload_test

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// How long a migration of a 16Gi VMI may run before virt-launcher's
// completion timeout acts: KubeVirt's default, then HCO's. The data is
// counted in whole gigabytes (10⁹ bytes), rounded up: 16Gi is 18.
func ExampleCompletionTimeout() {
	memory := resource.MustParse("16Gi")
	fmt.Println(workload.CompletionTimeout(workload.KubeVirtMigrationDefaults(), memory, resource.Quantity{}))
	fmt.Println(workload.CompletionTimeout(workload.HCOMigrationDefaults(true), memory, resource.Quantity{}))
	fmt.Println(workload.ProgressTimeout(workload.HCOMigrationDefaults(true)))
	// Output:
	// 45m0s
	// 6m0s
	// 2m30s
}

// HCO's migration settings on a cluster installed with 1.19, and on one
// upgraded to it from an earlier release.
func ExampleHCOMigrationDefaults() {
	for _, newInstall := range []bool{true, false} {
		cfg := workload.HCOMigrationDefaults(newInstall)
		fmt.Println(newInstall, *cfg.ParallelOutboundMigrationsPerNode, *cfg.CompletionTimeoutPerGiB)
	}
	// Output:
	// true 1 20
	// false 2 20
}

// KubeVirt's migration controller holds the newest evacuation or
// workload-update migration of a VMI Pending for the backoff: 20 s after the
// previous one failed.
func ExampleBackoff_HoldUntil() {
	prev := failed("a", start) // failed at start + 30 s
	next := &v1.VirtualMachineInstanceMigration{}
	next.Namespace, next.Name, next.Spec.VMIName = "prod", "b", "web"
	next.Annotations = map[string]string{v1.EvacuationMigrationAnnotation: "worker-1"}
	next.CreationTimestamp.Time = start.Add(time.Minute)
	next.Status.Phase = v1.MigrationPending
	until := workload.Backoff{}.HoldUntil(next, []*v1.VirtualMachineInstanceMigration{prev, next})
	fmt.Println(until.Sub(start))
	// Output:
	// 50s
}

// The order in which KubeVirt's migration controller serves migrations:
// running ones, then evacuations and workload updates (system-critical),
// then the descheduler's (system-maintenance), then users'.
func ExampleCompareMigrationPriority() {
	user := &v1.VirtualMachineInstanceMigration{}
	user.Name = "user"
	drain := workload.NewEvacuationMigration(running("db", true), "worker-1")
	drain.Name = "drain"
	desched := running("cache", true)
	desched.Annotations = map[string]string{v1.EvictionSourceAnnotation: "descheduler"}
	rebalance := workload.NewEvacuationMigration(desched, "worker-2")
	rebalance.Name = "rebalance"
	ms := []*v1.VirtualMachineInstanceMigration{user, rebalance, drain}
	slices.SortFunc(ms, workload.CompareMigrationPriority)
	for _, m := range ms {
		fmt.Println(m.Name, workload.MigrationPriority(m))
	}
	// Output:
	// drain 100
	// rebalance 20
	// user 0
}

// The planner remembers the migrations it planned: a snapshot read before
// the migration was created does not lead to a second one.
func ExamplePlanner_CreateFailed() {
	p := workload.NewPlanner(workload.DefaultPolicy(), 0)
	s := workload.Snapshot{
		VMIs:          []*v1.VirtualMachineInstance{running("web", true)},
		Strategy:      v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: []v1.WorkloadUpdateMethod{v1.WorkloadUpdateMethodLiveMigrate}},
		LauncherImage: "virt-launcher:v1.9",
		Now:           start,
	}
	fmt.Println(len(p.Reconcile(s).Migrate))
	s.Now = start.Add(time.Second) // the same, stale, snapshot
	fmt.Println(len(p.Reconcile(s).Migrate), p.Expecting())
	p.CreateFailed("prod", "web") // the create call failed
	fmt.Println(len(p.Reconcile(s).Migrate))
	// Output:
	// 1
	// 0 1
	// 1
}
