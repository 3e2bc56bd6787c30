package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

var (
	live  = kubevirtv1.WorkloadUpdateMethodLiveMigrate
	evict = kubevirtv1.WorkloadUpdateMethodEvict
)

// readMethods reads the field as a third party would.
func readMethods(t *testing.T, c *Cluster) *[]kubevirtv1.WorkloadUpdateMethod {
	t.Helper()
	hc, err := c.GetHyperConverged(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
}

// TestWorkloadUpdateMethodsLostRace makes a second writer change the
// HyperConverged between the first writer's read and its patch: the
// server-side test of the patch must fail the first write with a conflict
// and keep the second writer's value, from every starting state.
func TestWorkloadUpdateMethodsLostRace(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	for _, tt := range []struct {
		name              string
		start             *[]kubevirtv1.WorkloadUpdateMethod
		first, second     *[]kubevirtv1.WorkloadUpdateMethod // what each writer sets from start
		secondEditsSpecOf string                             // instead of the field, the second writer changes this sibling
	}{
		{name: "list", start: updatetest.Methods(live), first: updatetest.Methods(evict), second: updatetest.Methods(live, evict)},
		{name: "empty", start: updatetest.Methods(), first: updatetest.Methods(live), second: nil},
		{name: "absent", start: nil, first: updatetest.Methods(live), second: updatetest.Methods()},
		{name: "absent, a sibling changes", start: nil, first: updatetest.Methods(evict), secondEditsSpecOf: "batchEvictionSize"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(tt.start)})
			first, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			second, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.second
			first.beforeMethodsPatch = func() {
				if tt.secondEditsSpecOf != "" {
					patch := fmt.Appendf(nil, `{"spec":{"workloadUpdateStrategy":{%q:5}}}`, tt.secondEditsSpecOf)
					if _, err := a.dyn.Resource(HyperConvergedResource).Namespace(update.DefaultNamespace).Patch(context.Background(),
						update.HyperConvergedName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
						t.Errorf("second writer: %v", err)
					}
					want = tt.start
					return
				}
				if err := second.SetWorkloadUpdateMethods(context.Background(), tt.start, tt.second); err != nil {
					t.Errorf("second writer: %v", err)
				}
			}
			err = first.SetWorkloadUpdateMethods(t.Context(), tt.start, tt.first)
			if !isConflict(err) {
				t.Fatalf("first writer: err = %v, want ErrConflict", err)
			}
			var oe *update.ObjectError
			if !errors.As(err, &oe) || oe.Kind != "HyperConverged" || oe.Name != update.HyperConvergedName {
				t.Errorf("the error does not name the HyperConverged: %v", err)
			}
			if got := readMethods(t, first); update.ShowMethods(got) != update.ShowMethods(want) {
				t.Errorf("field = %s, want the second writer's %s: a write was lost", update.ShowMethods(got), update.ShowMethods(want))
			}
			// Read again and retry, as the runner does: now it succeeds.
			first.beforeMethodsPatch = nil
			if err := first.SetWorkloadUpdateMethods(t.Context(), want, tt.first); err != nil {
				t.Fatalf("retry after reading again: %v", err)
			}
			if got := readMethods(t, first); update.ShowMethods(got) != update.ShowMethods(tt.first) {
				t.Errorf("after the retry the field is %s, want %s", update.ShowMethods(got), update.ShowMethods(tt.first))
			}
		})
	}
}

// TestWorkloadUpdateMethodsConcurrentWriters races writers on separate
// adapters, each swapping the same starting value for its own: exactly one
// wins each round, the others get ErrConflict, and the field holds the
// winner's value.
func TestWorkloadUpdateMethodsConcurrentWriters(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
	values := []*[]kubevirtv1.WorkloadUpdateMethod{
		updatetest.Methods(), updatetest.Methods(live), updatetest.Methods(evict), updatetest.Methods(live, evict),
	}
	writers := make([]*Cluster, len(values))
	for i := range writers {
		c, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		writers[i] = c
	}
	var cur *[]kubevirtv1.WorkloadUpdateMethod // absent
	for round := range 10 {
		errs := make([]error, len(writers))
		var start, done sync.WaitGroup
		start.Add(1)
		for i, w := range writers {
			to := values[(i+round)%len(values)]
			if update.ShowMethods(to) == update.ShowMethods(cur) {
				to = nil // every writer changes the value
			}
			done.Go(func() {
				start.Wait()
				errs[i] = w.SetWorkloadUpdateMethods(context.Background(), cur, to)
			})
		}
		start.Done()
		done.Wait()
		winners := 0
		var winner *[]kubevirtv1.WorkloadUpdateMethod
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
				winner = values[(i+round)%len(values)]
				if update.ShowMethods(winner) == update.ShowMethods(cur) {
					winner = nil
				}
			case !isConflict(err):
				t.Fatalf("round %d writer %d: %v, want nil or ErrConflict", round, i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d writers succeeded from %s, want exactly 1", round, winners, update.ShowMethods(cur))
		}
		if got := readMethods(t, writers[0]); update.ShowMethods(got) != update.ShowMethods(winner) {
			t.Fatalf("round %d: field = %s, want the winner's %s", round, update.ShowMethods(got), update.ShowMethods(winner))
		}
		cur = winner
	}
}

// TestWorkloadUpdateMethodsInvalid: a value the CRD's schema refuses is the
// API server's validation error, not a conflict (the runner would retry a
// conflict forever).
func TestWorkloadUpdateMethodsInvalid(t *testing.T) {
	cfg := needServer(t)
	newAdmin(t, cfg).seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(updatetest.Methods(live))})
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SetWorkloadUpdateMethods(t.Context(), updatetest.Methods(live), updatetest.Methods("Reboot"))
	if err == nil || isConflict(err) {
		t.Fatalf("set an invalid method: err = %v, want a validation error that is not ErrConflict", err)
	}
	t.Logf("validation error, as expected: %v", err)
	if got := readMethods(t, c); update.ShowMethods(got) != "[LiveMigrate]" {
		t.Errorf("field = %s after a refused write", update.ShowMethods(got))
	}
}
