// Command custom-workload-controller replaces KubeVirt's workload updater
// with a controller of your own, written against the update package's ports
// only, and tests it on the fake cluster during a z-stream update run by
// update.Run. The same controller runs against a real cluster through the
// kube package's implementation of the ports.
//
// The controller here is deliberately cautious: one migration at a time,
// oldest VMI name first, and never a VMI that cannot live-migrate.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/examples/scenarios"
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

// OneAtATime is a workload controller: each Reconcile starts at most one
// migration, and none while another runs.
type OneAtATime struct {
	Workloads update.Workloads
	Started   int
}

// Reconcile looks at the cluster once.
func (o *OneAtATime) Reconcile(ctx context.Context) error {
	migs, err := o.Workloads.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return err
	}
	for _, m := range migs {
		if !m.IsFinal() {
			return nil // one at a time
		}
	}
	outdated, err := o.Workloads.ListVMIs(ctx, update.ListOptions{LabelSelector: kubevirtv1.OutdatedLauncherImageLabel})
	if err != nil {
		return err
	}
	for i := range outdated {
		if !workload.Candidate(&outdated[i]) || !outdated[i].IsMigratable() {
			continue
		}
		if _, err := o.Workloads.CreateMigration(ctx, workload.NewClientMigration(&outdated[i])); err != nil {
			return err
		}
		o.Started++
		return nil
	}
	return nil
}

func run(w io.Writer) error {
	data, err := scenarios.Files.ReadFile("custom-controller.yaml")
	if err != nil {
		return err
	}
	s, err := fake.ParseScenario(data)
	if err != nil {
		return err
	}
	c, err := s.NewCluster()
	if err != nil {
		return err
	}
	c.Disable(fake.ControllerWorkloadUpdate) // ours takes its place
	mine := &OneAtATime{Workloads: c}

	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		return err
	}
	start := c.Clock().Now()
	opts := update.Options{
		Clock: c.Clock(),
		// Between two polls of the plan, our controller runs every 10 s of
		// fake time.
		Waiter: update.WaiterFunc(func(ctx context.Context, d time.Duration) error {
			for d > 0 {
				step := min(d, 10*time.Second)
				if err := mine.Reconcile(ctx); err != nil {
					return err
				}
				if err := c.Advance(step); err != nil {
					return err
				}
				d -= step
			}
			return nil
		}),
		OnEvent: func(e update.Event) {
			if e.Type == update.EventStepDone || e.Type == update.EventPlanDone {
				fmt.Fprintf(w, "%8s %s %s\n", e.Time.Sub(start), e.StepName, e.Message)
			}
		},
	}
	if _, err := update.Run(context.Background(), c, plan, opts); err != nil {
		return err
	}
	most, running := 0, map[string]bool{}
	for _, e := range c.Events() {
		if e.Kind != fake.KindMigration {
			continue
		}
		switch e.Reason {
		case "Running":
			running[e.Name] = true
		case "Succeeded", "Failed":
			delete(running, e.Name)
		}
		most = max(most, len(running))
	}
	fmt.Fprintf(w, "our controller started %d migrations, at most %d at once; %d VMIs outdated\n", mine.Started, most, c.OutdatedVMIs())
	return nil
}
