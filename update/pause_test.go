package update_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

// A run paused before a step keeps its checkpoint there; another process
// rebuilds the plan from the checkpoint's request alone (no graph, no
// flags), resumes it, and the steps run once each.
func TestPauseBeforeAndResumeFromTheCheckpointAlone(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.15.1, 4.15.2, 4.16.1"))
	g := realGraphFor(t)
	plan, err := eus.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Graph: g, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	var events []update.Event
	opts := fakeOptions(c, &events)
	opts.PauseBefore = []string{"update-ocp-4.16"}
	res, err := update.Run(context.Background(), c, plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Paused != "update-ocp-4.16" {
		t.Fatalf("paused = %q, want before update-ocp-4.16", res.Paused)
	}
	rec, err := update.LoadRecord(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	if rec.StepName != "update-ocp-4.16" || rec.Acted || rec.Request == nil {
		t.Fatalf("record at %s acted=%v request=%v", rec.StepName, rec.Acted, rec.Request)
	}

	// Another process: only the cluster and its checkpoint.
	again, err := eus.NewPlan(rec.Request.Request())
	if err != nil {
		t.Fatal(err)
	}
	if again.ID() != plan.ID() || !slices.Equal(stepNames(again), stepNames(plan)) || !slices.Equal(again.Path, plan.Path) {
		t.Fatalf("rebuilt plan %s %v %v, want %s %v %v", again.ID(), again.Path, stepNames(again), plan.ID(), plan.Path, stepNames(plan))
	}
	opts = fakeOptions(c, &events)
	opts.PauseBefore = []string{"update-ocp-4.16"} // the step it resumes at: no second pause
	res, err = update.Run(context.Background(), c, again, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Paused != "" {
		t.Fatalf("resumed %v paused %q", res.Resumed, res.Paused)
	}
	if d := cmp.Diff(stepNames(plan), stepsOf(events, update.EventStepDone)); d != "" {
		t.Errorf("each step done once (-want +got):\n%s", d)
	}
}

// realGraphFor is a small graph in the update service's JSON with a
// recommended path 4.14.20 → 4.15.30 → 4.16.3.
func realGraphFor(t *testing.T) *channelGraph {
	t.Helper()
	g, err := parseGraph(`{"nodes":[{"version":"4.14.20","payload":"a"},{"version":"4.15.30","payload":"b"},{"version":"4.16.3","payload":"c"}],"edges":[[0,1],[1,2]]}`)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
