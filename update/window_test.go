package update_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
)

// A step that changes the cluster starts only inside the window; one that
// only waits or reads runs at any time. The fake clock starts on Thursday
// 2026-01-01 00:00 UTC; the window opens Saturday 22:00 Berlin (21:00 UTC).
//
// With Manual approval, the InstallPlan the step approves is the change the
// window holds (with Automatic approval OLM installs by itself, whatever the
// plan does).
func TestRunHoldsClusterChangesUntilTheWindowOpens(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Manual", "4.14.4, 4.14.5"))
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	var events []update.Event
	opts := fakeOptions(c, &events)
	opts.Window = window.MustParse("Sat 22:00-05:00 Europe/Berlin")
	if _, err := update.Run(context.Background(), c, plan, opts); err != nil {
		t.Fatal(err)
	}
	opens := time.Date(2026, 1, 3, 21, 0, 0, 0, time.UTC)
	for _, e := range events {
		if e.Type == update.EventActing && plan.Steps[e.Step].Changes && e.Time.Before(opens) {
			t.Errorf("%s acted at %s, before the window opened at %s", e.StepName, e.Time, opens)
		}
		if e.Type == update.EventStepDone && e.StepName == "preflight" && !e.Time.Before(opens) {
			t.Errorf("the pre-flight step changes nothing, yet it waited for the window: done at %s", e.Time)
		}
	}
	for _, e := range c.Events() {
		if (e.Reason == "Installing" || e.Reason == "Approved" || e.Reason == "Paused") && e.Time.Before(opens) {
			t.Errorf("the cluster changed before the window opened: %v", e)
		}
	}
	if len(fakeEvents(c, "ClusterServiceVersion", "Succeeded")) == 0 && len(fakeEvents(c, "CSV", "Succeeded")) == 0 {
		t.Error("the operator update never ran")
	}
	held := false
	for _, e := range events {
		if e.Type == update.EventWaiting && e.StepName == "update-cnv-4.14" {
			held = true
		}
	}
	if !held {
		t.Error("no event said the step waits for the window")
	}
}

func TestRunRefusesWhenNoWindowEverOpens(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.14.4"))
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	opts := fakeOptions(c, nil)
	opts.Window = window.Any{} // never open
	_, err = update.Run(context.Background(), c, plan, opts)
	var se *update.StepError
	if !errors.Is(err, update.ErrNoWindow) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want ErrNoWindow in a StepError", err)
	}
}
