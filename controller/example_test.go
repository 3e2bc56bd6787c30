package controller_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// A reconciler on a fake cluster during a z-stream update: each pass
// creates the migrations the planner allows and says when to look again.
func Example() {
	s, err := fake.ParseScenario([]byte(`
seed: 1
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.4]}
nodes: [{name: "worker-{i}", count: 2}]
vms: [{namespace: prod, name: "db-{i}", count: 4, memory: 2Gi}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cl, err := s.NewCluster()
	if err != nil {
		fmt.Println(err)
		return
	}
	cl.Disable(fake.ControllerWorkloadUpdate) // the reconciler takes its place
	if _, err := cl.RunUntil(func() bool { return cl.OutdatedVMIs() == 4 }, 6*time.Hour); err != nil {
		fmt.Println(err)
		return
	}
	r, err := controller.New(cl, controller.Clock{PassiveClock: cl.Clock()}, controller.Seed(1),
		controller.Registerer{Registerer: prometheus.NewRegistry()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for pass := 1; cl.OutdatedVMIs() > 0 && pass < 100; pass++ {
		res, err := r.Reconcile(ctx, controller.Request(update.DefaultNamespace))
		if err != nil {
			fmt.Println(err)
			return
		}
		if p := r.Plan(); len(p.Migrate) > 0 {
			fmt.Printf("outdated %d: migrate %d, look again in %v\n", p.Progress.Outdated, len(p.Migrate), res.RequeueAfter)
		}
		if err := cl.Advance(5 * time.Second); err != nil {
			fmt.Println(err)
			return
		}
	}
	migs, _ := cl.ListMigrations(ctx, update.ListOptions{})
	n := 0
	for _, m := range migs {
		if m.Status.Phase == kubevirtv1.MigrationSucceeded {
			n++
		}
	}
	fmt.Printf("%d migrations succeeded, %d VMIs outdated\n", n, cl.OutdatedVMIs())
	// Output:
	// outdated 4: migrate 2, look again in 30s
	// outdated 2: migrate 2, look again in 0s
	// 4 migrations succeeded, 0 VMIs outdated
}
