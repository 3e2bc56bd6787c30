package fake_test

import (
	"context"
	"fmt"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

const scenario = `
seed: 1
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}}
nodes: [{name: "worker-{i}", count: 3}]
vms: [{namespace: prod, name: "db-{i}", count: 4, memory: 2Gi}]
`

// A fake cluster runs a CNV z-stream update: OLM installs the new operator
// (5m), HCO rolls its components out (3m), and KubeVirt's workload updater
// migrates every VMI onto the new launcher: three at once (one per source
// node, HCO's default), 12 s each (10 s target pod start, 2 GiB at 1 GiB/s),
// then the fourth.
func ExampleCluster_RunUntil() {
	s, err := fake.ParseScenario([]byte(scenario))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _ := s.NewCluster()
	start := c.Clock().Now()
	done, err := c.RunUntil(func() bool {
		hc, _ := c.GetHyperConverged(context.Background())
		return hc.Status.OperatorVersion() == "4.14.4" && c.OutdatedVMIs() == 0
	}, 24*time.Hour)
	fmt.Println("done:", done, err, "after", c.Clock().Now().Sub(start))
	migrated := 0
	for _, e := range c.Events() {
		if e.Kind == fake.KindMigration && e.Reason == "Succeeded" {
			migrated++
		}
	}
	fmt.Println("migrated:", migrated)
	// Output:
	// done: true <nil> after 8m24s
	// migrated: 4
}

// myUpdater is a user's own workload controller: it migrates outdated VMIs
// one at a time, through the ports only, so the same code runs against a
// real cluster through the kube package.
func myUpdater(ctx context.Context, w update.Workloads) error {
	migs, err := w.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return err
	}
	for _, m := range migs {
		if !m.IsFinal() {
			return nil // one at a time
		}
	}
	outdated, err := w.ListVMIs(ctx, update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
	if err != nil || len(outdated) == 0 {
		return err
	}
	_, err = w.CreateMigration(ctx, workload.NewClientMigration(&outdated[0]))
	return err
}

// Swap the fake's workload updater for your own controller: disable it, then
// run yours between steps of the fake clock.
func ExampleCluster_Disable() {
	s, _ := fake.ParseScenario([]byte(scenario))
	c, _ := s.NewCluster()
	c.Disable(fake.ControllerWorkloadUpdate)
	ctx := context.Background()
	for range 200 {
		if err := myUpdater(ctx, c); err != nil {
			fmt.Println(err)
			return
		}
		if err := c.Advance(10 * time.Second); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("outdated VMIs left:", c.OutdatedVMIs())
	var order []string
	for _, e := range c.Events() {
		if e.Kind == fake.KindMigration && e.Reason == "Succeeded" {
			order = append(order, e.Time.Format("15:04:05"))
		}
	}
	fmt.Println("migrations finished at:", order)
	// Output:
	// outdated VMIs left: 0
	// migrations finished at: [00:08:12 00:08:32 00:08:52 00:09:12]
}

// Register a controller of your own: it runs inside the fake's event loop,
// after the fake's controllers at each instant, through the same ports a
// real cluster's adapter gives. This one approves every Manual InstallPlan
// of OpenShift Virtualization as soon as OLM creates it; the cluster is
// the runner's Waiter too, so update.Run would move its time.
func ExampleCluster_Register() {
	s, _ := fake.ParseScenario([]byte(`
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, approval: Manual, catalog: [4.14.4]}
nodes: [{name: "worker-{i}", count: 2}]
`))
	c, _ := s.NewCluster()
	approve := fake.NewController("auto-approver", func(ctx context.Context, cl update.Cluster, now time.Time) (time.Duration, error) {
		plans, err := cl.ListInstallPlans(ctx, update.DefaultNamespace)
		if err != nil {
			return 0, err
		}
		for _, p := range plans {
			if !p.Approved {
				fmt.Println(now.Format("15:04:05"), "approving", p.Name, p.CSVNames)
				if err := cl.ApproveInstallPlan(ctx, p.Namespace, p.Name); err != nil {
					return 0, err
				}
			}
		}
		return 0, nil // run again when something changes
	})
	if err := c.Register(approve); err != nil {
		fmt.Println(err)
		return
	}
	if err := c.Wait(context.Background(), time.Hour); err != nil {
		fmt.Println(err)
		return
	}
	hc, _ := c.GetHyperConverged(context.Background())
	fmt.Println("after", c.Clock().Now().Format("15:04:05"), "OpenShift Virtualization", hc.Status.OperatorVersion())
	// Output:
	// 00:00:00 approving install-vll49 [kubevirt-hyperconverged-operator.v4.14.4]
	// after 01:00:00 OpenShift Virtualization 4.14.4
}

// The cluster's clock tells its fake time and nothing else; time moves when
// the cluster waits (as the runner's Waiter, or through Advance and
// RunUntil), and every controller plays the instants in between.
func ExampleCluster_Clock() {
	s, _ := fake.ParseScenario([]byte(scenario))
	c, _ := s.NewCluster()
	clk := c.Clock() // a clock.PassiveClock: Now and Since
	start := clk.Now()
	if err := c.Wait(context.Background(), 10*time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	hc, _ := c.GetHyperConverged(context.Background())
	fmt.Println("after", clk.Since(start), "OpenShift Virtualization", hc.Status.OperatorVersion(), "outdated VMIs:", c.OutdatedVMIs())
	// Output:
	// after 10m0s OpenShift Virtualization 4.14.4 outdated VMIs: 0
}
