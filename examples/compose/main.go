// Command compose plugs a team's own policies into the SDK and shows the
// fake cluster's virt-controller honour them end to end, during a real
// z-stream plan: a workload Strategy that never evicts VMs labelled
// critical, and an Admission that updates namespace prod first.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

const scenario = `
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.5]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict]}, liveMigrationConfig: {parallelMigrationsPerCluster: 1}}
clusterEvictionStrategy: None
nodes: [{name: "w-{i}", count: 3}]
vms:
  - {namespace: dev, name: "dev-{i}", count: 2}
  - {namespace: prod, name: "prod-{i}", count: 2}
  - {namespace: prod, name: "ledger", migratable: false}
`

// neverEvictCritical is KubeVirt's table, except that a VMI labelled
// critical=true is never evicted: it stays on the old launcher, reported.
var neverEvictCritical = workload.StrategyFunc(func(vmi *v1.VirtualMachineInstance, m workload.Methods) workload.Decision {
	d := workload.KubeVirtTable{}.Select(vmi, m)
	if d.Method == workload.MethodEvict && vmi.Labels["critical"] == "true" {
		return workload.Decision{Method: workload.MethodNone, Code: "Critical", Reason: "labelled critical: never evicted"}
	}
	return d
})

// prodFirst orders prod's VMIs before the others' (one migration at a time
// in this cluster, so the order shows).
var prodFirst = workload.NamespaceOrder{"prod"}

func run(w io.Writer) error {
	s, err := fake.ParseScenario([]byte(scenario))
	if err != nil {
		return err
	}
	c, err := s.NewClusterWith(func(o *fake.Options) { o.Strategy, o.Admission = neverEvictCritical, prodFirst })
	if err != nil {
		return err
	}
	// The ledger VM is critical: label its VMI as a controller would.
	if err := c.LabelVMI("prod", "ledger", "critical", "true"); err != nil {
		return err
	}
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNVCatalog: s.CNV.Catalog, Strategy: neverEvictCritical})
	if err != nil {
		return err
	}
	var reports []string
	opts := update.Options{
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			if e.Type == update.EventReport && strings.HasPrefix(e.Message, "VMI ") {
				reports = append(reports, e.Message)
			}
		},
	}
	if _, err := update.Run(context.Background(), c, plan, opts); err != nil {
		return err
	}
	fmt.Fprintln(w, "workload updates, in order:")
	for _, e := range c.Events() {
		if e.Kind == fake.KindVMI && e.Reason == "WorkloadUpdateMigration" || e.Kind == fake.KindVMI && e.Reason == "ShutDown" {
			fmt.Fprintf(w, "  %s %s/%s %s\n", e.Time.Format("15:04:05"), e.Namespace, e.Name, e.Reason)
		}
	}
	for _, r := range reports {
		fmt.Fprintln(w, r)
	}
	return nil
}
