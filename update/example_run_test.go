package update_test

import (
	"context"
	"fmt"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

const exampleScenario = `
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, approval: Manual, catalog: [4.14.4, 4.14.5]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}}
nodes: [{name: "worker-{i}", count: 2}]
vms: [{namespace: prod, name: "db-{i}", count: 3, memory: 2Gi}]
`

// Run a CNV z-stream update on the fake cluster. Waiting moves the fake
// clock, so the run takes no real time; the plan approves the InstallPlan
// of the version it expects.
func ExampleRun() {
	s, _ := fake.ParseScenario([]byte(exampleScenario))
	c, _ := s.NewCluster()
	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := c.Clock().Now()
	_, err = update.Run(context.Background(), c, plan, update.Options{
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			if e.Type == update.EventStepDone {
				fmt.Println(e.Time.Sub(start), e.StepName)
			}
		},
	})
	fmt.Println("error:", err)
	// Output:
	// 0s preflight
	// 8m0s update-cnv-4.14
	// 9m0s verify-workload-updates
	// error: <nil>
}

// Plan the next minor update: OpenShift first, then OpenShift
// Virtualization to the newest z of the new minor.
func ExampleNewPlan() {
	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.15.20", CNV: "4.15.2"}, To: "4.16.3",
		CNVCatalog: []string{"4.16.1", "4.16.4"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Kind, plan.To.CNV)
	for _, st := range plan.Steps {
		fmt.Println(st.Name)
	}
	// Output:
	// minor 4.16.4
	// preflight
	// update-cnv-4.15
	// wait-upgradeable
	// set-channel-4.16
	// update-ocp-4.16
	// wait-pools-4.16
	// update-cnv-4.16
	// verify-workload-updates
}

// Pre-flight checks are values: severity, reason and remedy. Under the
// cluster-wide eviction strategy None, a node drain shuts db-0 down.
func ExamplePreflight() {
	s, _ := fake.ParseScenario([]byte(`
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}}
clusterEvictionStrategy: None
nodes: [{name: "worker-{i}", count: 2}]
vms:
  - {namespace: prod, name: "db-0"}
  - {namespace: prod, name: "gpu-0", migratable: false, evictionStrategy: LiveMigrate}
`))
	c, _ := s.NewCluster()
	findings, _ := update.Preflight(context.Background(), c, update.PreflightOptions{Kind: update.KindMinor, From: update.Versions{OCP: "4.14.20"}, To: "4.15.3"})
	for _, f := range findings {
		if f.Severity != update.SeverityInfo {
			fmt.Println(f.Severity, f.Check, f.Objects)
		}
	}
	// Output:
	// Error WorkloadBlockers [VMI prod/gpu-0]
	// Warning DrainShutsDownVMIs [VMI prod/db-0]
}
