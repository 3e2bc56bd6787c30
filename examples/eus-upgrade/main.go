// Command eus-upgrade runs an EUS-to-EUS update, OpenShift 4.14 → 4.16 with
// OpenShift Virtualization, on a fake cluster of realistic size (123 nodes,
// 5,200 VMIs), and prints the plan's timeline: each step as it starts and
// ends, in virtual time.
//
//	go run ./examples/eus-upgrade                 # the large cluster
//	go run ./examples/eus-upgrade -scenario eus-small.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/examples/scenarios"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

func main() {
	name := flag.String("scenario", "eus-upgrade.yaml", "the scenario of examples/scenarios to run")
	flag.Parse()
	if err := run(os.Stdout, *name); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer, name string) error {
	data, err := scenarios.Files.ReadFile(name)
	if err != nil {
		return err
	}
	s, err := fake.ParseScenario(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c, err := s.NewCluster()
	if err != nil {
		return err
	}
	// The plan: from what the cluster runs to the scenario's target,
	// through the oldest 4.15 release eus-4.16 takes.
	plan, err := eus.Plan(update.Request{
		From:       update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version},
		To:         s.Update.To,
		Via:        "4.15.30",
		CNVCatalog: s.CNV.Catalog,
	})
	if err != nil {
		return err
	}
	start := c.Clock().Now()
	opts := update.Options{
		Clock: c.Clock(),
		// Waiting moves the fake clock: hours of the update take seconds.
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			switch e.Type {
			case update.EventStepStarted:
				fmt.Fprintf(w, "%8s  start %-26s %s\n", e.Time.Sub(start).Round(time.Second), e.StepName, e.Message)
			case update.EventStepDone:
				fmt.Fprintf(w, "%8s  done  %s\n", e.Time.Sub(start).Round(time.Second), e.StepName)
			case update.EventPlanDone, update.EventPlanFailed:
				fmt.Fprintf(w, "%8s  %s\n", e.Time.Sub(start).Round(time.Second), e.Message)
			}
		},
	}
	if _, err := update.Run(context.Background(), c, plan, opts); err != nil {
		return err
	}
	hc, _ := c.GetHyperConverged(context.Background())
	cv, _ := c.GetClusterVersion(context.Background())
	fmt.Fprintf(w, "OpenShift %s, OpenShift Virtualization %s, workloadUpdateMethods %s, %d VMIs outdated\n",
		cv.CurrentVersion(), hc.Status.OperatorVersion(), update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods), c.OutdatedVMIs())
	return nil
}
