package kube

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
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

// readBatchSize reads spec…workloadUpdateStrategy.batchEvictionSize.
func readBatchSize(t *testing.T, c *Cluster) int {
	t.Helper()
	hc, err := c.GetHyperConverged(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if hc.Spec.WorkloadUpdateStrategy.BatchEvictionSize == nil {
		return 0
	}
	return *hc.Spec.WorkloadUpdateStrategy.BatchEvictionSize
}

// TestWorkloadUpdateMethodsLostRace makes a second writer change the
// HyperConverged between the first writer's read and its patch. When it
// changes the field, the server-side test of the patch fails the first
// write with a conflict and keeps the second writer's value; when it
// changes a sibling (batchEvictionSize), only the field is tested, so both
// changes land. With each HCO CRD, through the version it stores.
func TestWorkloadUpdateMethodsLostRace(t *testing.T) {
	forEachHCO(t, func(t *testing.T, h kubetest.HCO) {
		cfg := needServer(t)
		a := newAdmin(t, cfg)
		for _, tt := range []struct {
			name          string
			start         *[]kubevirtv1.WorkloadUpdateMethod
			first, second *[]kubevirtv1.WorkloadUpdateMethod // what each writer sets from start
			sibling       bool                               // instead of the field, the second writer sets batchEvictionSize 5
			reason        string
		}{
			{name: "list", start: updatetest.Methods(live), first: updatetest.Methods(evict), second: updatetest.Methods(live, evict),
				reason: "the test of the field fails: a conflict, not a lost write"},
			{name: "empty", start: updatetest.Methods(), first: updatetest.Methods(live), second: updatetest.Methods(evict),
				reason: "[] is tested as []"},
			{name: "default", start: nil, first: updatetest.Methods(evict), second: updatetest.Methods(),
				reason: "created without the field, the CRD stores [LiveMigrate], which the patch tests"},
			{name: "sibling", start: nil, first: updatetest.Methods(evict), sibling: true,
				reason: "only the field is tested: a change of batchEvictionSize is no conflict, and is kept"},
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
				first.beforeMethodsPatch = func() {
					if tt.sibling {
						patch := []byte(`{"spec":{"workloadUpdateStrategy":{"batchEvictionSize":5}}}`)
						if h.StorageVersion == HyperConvergedV1 {
							patch = []byte(`{"spec":{"virtualization":{"workloadUpdateStrategy":{"batchEvictionSize":5}}}}`)
						}
						if _, err := a.dyn.Resource(kubetest.HyperConvergedResource(h.StorageVersion)).Namespace(update.DefaultNamespace).Patch(context.Background(),
							update.HyperConvergedName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
							t.Errorf("second writer: %v", err)
						}
						return
					}
					if err := second.SetWorkloadUpdateMethods(context.Background(), tt.start, tt.second); err != nil {
						t.Errorf("second writer: %v", err)
					}
				}
				err = first.SetWorkloadUpdateMethods(t.Context(), tt.start, tt.first)
				if tt.sibling {
					if err != nil {
						t.Fatalf("%s: first writer: %v", tt.reason, err)
					}
					if got := readMethods(t, first); !update.SameStoredMethods(got, tt.first) || readBatchSize(t, first) != 5 {
						t.Errorf("%s: field %s, batchEvictionSize %d; want %s and 5", tt.reason, update.ShowMethods(got), readBatchSize(t, first), update.ShowMethods(tt.first))
					}
					return
				}
				if !isConflict(err) {
					t.Fatalf("%s: first writer: err = %v, want ErrConflict", tt.reason, err)
				}
				var oe *update.ObjectError
				if !errors.As(err, &oe) || oe.Kind != "HyperConverged" || oe.Name != update.HyperConvergedName {
					t.Errorf("the error does not name the HyperConverged: %v", err)
				}
				if got := readMethods(t, first); !update.SameStoredMethods(got, tt.second) {
					t.Errorf("%s: field = %s, want the second writer's %s: a write was lost", tt.reason, update.ShowMethods(got), update.ShowMethods(tt.second))
				}
				// Read again and retry, as the runner does: now it succeeds.
				first.beforeMethodsPatch = nil
				if err := first.SetWorkloadUpdateMethods(t.Context(), tt.second, tt.first); err != nil {
					t.Fatalf("retry after reading again: %v", err)
				}
				if got := readMethods(t, first); !update.SameStoredMethods(got, tt.first) {
					t.Errorf("after the retry the field is %s, want %s", update.ShowMethods(got), update.ShowMethods(tt.first))
				}
			})
		}
	})
}

// TestWorkloadUpdateMethodsConcurrentWriters races writers on separate
// adapters, each swapping the current value for a different one of its
// own: exactly one wins each round, the others get ErrConflict, and the
// field holds the winner's value.
func TestWorkloadUpdateMethodsConcurrentWriters(t *testing.T) {
	forEachHCO(t, func(t *testing.T, _ kubetest.HCO) {
		cfg := needServer(t)
		a := newAdmin(t, cfg)
		a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
		values := []*[]kubevirtv1.WorkloadUpdateMethod{
			updatetest.Methods(), updatetest.Methods(live), updatetest.Methods(evict), updatetest.Methods(live, evict),
		}
		const writers = 3 // every value but the current one
		clusters := make([]*Cluster, writers)
		for i := range clusters {
			c, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			clusters[i] = c
		}
		var cur *[]kubevirtv1.WorkloadUpdateMethod // created without the field: [LiveMigrate]
		for round := range 10 {
			var tos []*[]kubevirtv1.WorkloadUpdateMethod
			for i := range values {
				if v := values[(i+round)%len(values)]; !update.SameStoredMethods(v, cur) {
					tos = append(tos, v)
				}
			}
			errs := make([]error, writers)
			var start, done sync.WaitGroup
			start.Add(1)
			for i, w := range clusters {
				done.Go(func() {
					start.Wait()
					errs[i] = w.SetWorkloadUpdateMethods(context.Background(), cur, tos[i])
				})
			}
			start.Done()
			done.Wait()
			var winners []int
			for i, err := range errs {
				switch {
				case err == nil:
					winners = append(winners, i)
				case !isConflict(err):
					t.Fatalf("round %d writer %d: %v, want nil or ErrConflict", round, i, err)
				}
			}
			if len(winners) != 1 {
				t.Fatalf("round %d: writers %v succeeded from %s, want exactly one", round, winners, update.ShowMethods(cur))
			}
			winner := tos[winners[0]]
			if got := readMethods(t, clusters[0]); got == nil || !slices.Equal(*got, *winner) {
				t.Fatalf("round %d: field = %s, want the winner's %s", round, update.ShowMethods(got), update.ShowMethods(winner))
			}
			cur = winner
		}
	})
}
