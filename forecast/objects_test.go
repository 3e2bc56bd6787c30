package forecast

import (
	"context"
	"testing"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

func objectsInput(t *testing.T, catalog []string) Input {
	t.Helper()
	o, err := scenario.Load("testdata/objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := FromObjects(o, catalog)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// The object form plugs in through Input.Build as the count form does.
func TestFromObjects(t *testing.T) {
	in := objectsInput(t, []string{"4.16.5"})
	if in.From != (update.Versions{OCP: "4.16.1", CNV: "4.16.2"}) {
		t.Fatalf("the objects run %+v, want OpenShift 4.16.1 and OpenShift Virtualization 4.16.2", in.From)
	}
	f, err := Run(context.Background(), in, Options{Request: update.Request{To: "4.16.3"}, Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Summary
	if f.Stopped() || s.To.CNV != "4.16.5" || s.VMs != 3 || s.Outcomes.Total() != 3 {
		t.Fatalf("summary %+v", s)
	}
	legacy := vmNamed(t, f, "batch", "legacy-0")
	if legacy.Outcome != ShutDown || legacy.Moves < 1 {
		t.Errorf("batch/legacy-0: %s after %d moves: want shut down by its node's drain", legacy.Outcome, legacy.Moves)
	}
	for _, name := range []string{"db-0", "web-0"} {
		if vm := vmNamed(t, f, "prod", name); vm.Outcome != Migrated || vm.NodeRollMoves < 1 || vm.WorkloadUpdateMoves < 1 {
			t.Errorf("prod/%s: %s, %d node-roll and %d workload-update moves: want migrated by both", name, vm.Outcome, vm.NodeRollMoves, vm.WorkloadUpdateMoves)
		}
	}

	// Without a catalog no newer OpenShift Virtualization is offered: the
	// plan updates OpenShift alone.
	plain := objectsInput(t, nil)
	f, err = Run(context.Background(), plain, Options{Request: update.Request{To: "4.16.3"}, Runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Stopped() || f.Summary.To.CNV != "" || f.Summary.WorkloadUpdateMoves != 0 {
		t.Errorf("without a catalog: %s, to %+v, %d workload-update moves; want OpenShift alone updated", f.Summary.Result, f.Summary.To, f.Summary.WorkloadUpdateMoves)
	}
}
