package eus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// TestResumeAfterCrash stops the runner at every event of a full EUS run
// (between every pair of steps, between a step's checkpoint and its act,
// between its act and the checkpoint that records it, in the middle of its
// waits) and lets a new runner, which knows nothing but the cluster, finish
// the plan. Whatever the crash point: the methods end restored exactly, no
// change is made twice, a step that finished is not acted again, CNV never
// leads OpenShift and no minor is skipped.
func TestResumeAfterCrash(t *testing.T) {
	ref, s := newCluster(t, fmt.Sprintf(eusScenario, 5, "Manual"))
	plan, err := eus.Plan(eusRequest(s))
	if err != nil {
		t.Fatal(err)
	}
	var refEvents []update.Event
	if _, err := update.Run(context.Background(), ref, plan, (&watcher{c: ref}).options(&refEvents)); err != nil {
		t.Fatal(err)
	}
	stepGaps := 0
	for crashAt := range refEvents {
		if refEvents[crashAt].Type == update.EventStepDone {
			stepGaps++
		}
		t.Run(fmt.Sprintf("after event %d %s %s", crashAt, refEvents[crashAt].Type, refEvents[crashAt].StepName), func(t *testing.T) {
			c, _ := newCluster(t, fmt.Sprintf(eusScenario, 5, "Manual"))
			hc, _ := c.GetHyperConverged(context.Background())
			orig := update.BackupMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods)
			w := &watcher{c: c}

			ctx, crash := context.WithCancel(context.Background())
			var first []update.Event
			opts := w.options(&first)
			inner := opts.OnEvent
			opts.OnEvent = func(e update.Event) {
				inner(e)
				if len(first) == crashAt+1 {
					crash()
				}
			}
			_, err := update.Run(ctx, c, plan, opts)
			crash()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			var second []update.Event
			res, err := update.Run(context.Background(), c, plan, w.options(&second))
			if err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			saved := false
			for _, e := range first {
				saved = saved || e.Type == update.EventCheckpoint
			}
			if saved && !res.Resumed && !res.AlreadyDone {
				t.Errorf("a checkpoint was saved, yet the second run started afresh instead of resuming")
			}

			// Methods restored exactly.
			hc, _ = c.GetHyperConverged(context.Background())
			if !orig.Equal(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods) {
				t.Errorf("methods %s, want %s restored", update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods), orig)
			}
			// No change twice.
			for what, counts := range map[string]map[string]int{
				"desired update": countFake(c, fake.KindClusterVersion, "DesiredUpdateSet", ""),
				"pause":          countFake(c, fake.KindMachineConfigPool, "Paused", ""),
				"unpause":        countFake(c, fake.KindMachineConfigPool, "Unpaused", ""),
				"methods":        countFake(c, fake.KindHyperConverged, "WorkloadUpdateMethodsChanged", ""),
				"approval":       countFake(c, fake.KindInstallPlan, "Approved", ""),
			} {
				for k, n := range counts {
					if n > 1 {
						t.Errorf("%s %s happened %d times", what, k, n)
					}
				}
			}
			if n := len(countFake(c, fake.KindHyperConverged, "WorkloadUpdateMethodsChanged", "")); n != 2 {
				t.Errorf("methods changed %d ways, want 2 (off, then back)", n)
			}
			// A step that changes the cluster and finished in the first run
			// does not act again (read-only steps, like the pre-flight
			// checks before the first checkpoint, may run again).
			changes := map[string]bool{}
			for _, st := range plan.Steps {
				changes[st.Name] = st.Changes
			}
			finished := map[string]bool{}
			for _, e := range first {
				if e.Type == update.EventStepDone && changes[e.StepName] {
					finished[e.StepName] = true
				}
			}
			for _, e := range second {
				if e.Type == update.EventActing && finished[e.StepName] {
					t.Errorf("step %s finished before the crash and acted again", e.StepName)
				}
			}
			if len(w.violations) > 0 {
				t.Errorf("invariants: %v", w.violations)
			}
		})
	}
	if stepGaps != len(plan.Steps) {
		t.Errorf("crashed after %d step ends, want all %d", stepGaps, len(plan.Steps))
	}
}
