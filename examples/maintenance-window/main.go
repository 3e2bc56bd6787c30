// Command maintenance-window runs an OpenShift Virtualization z-stream
// update on a fake cluster, holding every step that changes the cluster
// until a maintenance window opens: the plan is read and checked at once
// (Thursday), the InstallPlan is approved only when the Saturday-night
// window opens in Berlin, and the wait says when that is.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // the window's time zone, on any machine

	"github.com/virtupdate/virtupdate/examples/scenarios"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// The window: Saturday 22:00 to Sunday 05:00, Berlin time.
const maintenance = "Sat 22:00-05:00 Europe/Berlin"

func run(w io.Writer) error {
	data, err := scenarios.Files.ReadFile("zstream-manual.yaml")
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
	gate, err := window.Parse(maintenance)
	if err != nil {
		return err
	}
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		return err
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	fmt.Fprintf(w, "window %q; the clock starts %s\n", gate, c.Clock().Now().In(berlin).Format("Mon 2006-01-02 15:04 MST"))
	opts := update.Options{
		Window: gate,
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			switch {
			case e.Type == update.EventWaiting && e.StepName == "update-cnv-4.14" && len(e.Message) > 7 && e.Message[:7] == "outside":
				fmt.Fprintf(w, "%s %s: %s\n", e.Time.In(berlin).Format("Mon 15:04"), e.StepName, e.Message)
			case e.Type == update.EventReport && len(e.Message) > 8 && e.Message[:8] == "approved":
				fmt.Fprintf(w, "%s %s: %s\n", e.Time.In(berlin).Format("Mon 15:04"), e.StepName, e.Message)
			case e.Type == update.EventStepDone:
				fmt.Fprintf(w, "%s %s: done\n", e.Time.In(berlin).Format("Mon 15:04"), e.StepName)
			}
		},
	}
	res, err := update.Run(context.Background(), c, plan, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "finished %s\n", res.Finished.In(berlin).Format("Mon 15:04 MST"))
	return nil
}
