// Command zstream-with-manual-approval updates OpenShift Virtualization
// straight to the newest z-stream of its minor on a fake cluster whose
// Subscription needs Manual approval. The plan approves the InstallPlan of
// the version it expects and no other: asked to expect an older version, it
// stops and leaves the InstallPlan unapproved.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/virtupdate/virtupdate/examples/scenarios"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func cluster() (*fake.Cluster, *fake.Scenario, error) {
	data, err := scenarios.Files.ReadFile("zstream-manual.yaml")
	if err != nil {
		return nil, nil, err
	}
	s, err := fake.ParseScenario(data)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.NewCluster()
	return c, s, err
}

func options(c *fake.Cluster, w io.Writer) update.Options {
	return update.Options{
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			if e.Type == update.EventReport || e.Type == update.EventStepDone || e.Type == update.EventPlanFailed {
				fmt.Fprintf(w, "  %s %s: %s\n", e.Time.Format("15:04:05"), e.StepName, e.Message)
			}
		},
	}
}

func run(w io.Writer) error {
	ctx := context.Background()

	// 1. The plan expects the newest z the catalog offers: 4.14.5.
	c, s, err := cluster()
	if err != nil {
		return err
	}
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Plan to OpenShift Virtualization %s (Manual approval):\n", plan.To.CNV)
	if _, err := update.Run(ctx, c, plan, options(c, w)); err != nil {
		return err
	}

	// 2. A plan that expects 4.14.4 meets an InstallPlan for 4.14.5.
	c, s, err = cluster()
	if err != nil {
		return err
	}
	plan, err = update.ZStreamPlan(update.Request{From: update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version}, CNV: "4.14.4"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPlan to OpenShift Virtualization %s, while OLM offers 4.14.5:\n", plan.To.CNV)
	_, err = update.Run(ctx, c, plan, options(c, io.Discard))
	var ipe *update.InstallPlanError
	if !errors.As(err, &ipe) {
		return fmt.Errorf("expected the plan to refuse the InstallPlan, got %v", err)
	}
	ips, _ := c.ListInstallPlans(ctx, update.DefaultNamespace)
	fmt.Fprintf(w, "  stopped: %v\n  InstallPlan %s approved: %v\n", err, ipe.Name, ips[0].Approved)
	return nil
}
