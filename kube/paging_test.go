package kube

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// countingTransport counts the VMI list requests and checks each asks for a
// page.
type countingTransport struct {
	next          http.RoundTripper
	lists, paged  atomic.Int64
	maxLimitSeen  atomic.Int64
	continuations atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/virtualmachineinstances") {
		c.lists.Add(1)
		q := r.URL.Query()
		if q.Get("limit") != "" {
			c.paged.Add(1)
			var n int64
			fmt.Sscan(q.Get("limit"), &n)
			if n > c.maxLimitSeen.Load() {
				c.maxLimitSeen.Store(n)
			}
		}
		if q.Get("continue") != "" {
			c.continuations.Add(1)
		}
	}
	return c.next.RoundTrip(r)
}

// TestListVMIsPages lists 2,000 VMIs in two namespaces, ten pages, with
// and without a label selector, and checks every object comes back once,
// sorted, in requests of at most the page size.
func TestListVMIsPages(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
	t.Cleanup(func() {
		start := time.Now()
		a.wipe(t)
		t.Logf("deleted them in %v", time.Since(start).Round(time.Millisecond))
	})

	const total, pageSize = 2000, 200 // ten pages: more objects test nothing more and cost seconds to create and delete
	namespaces := []string{"paging-a", "paging-b"}
	for _, ns := range namespaces {
		a.ensureNamespace(t, ns)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, total)
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				labels := map[string]any{"index": fmt.Sprint(i)}
				if i%5 == 0 {
					labels["kubevirt.io/outdatedLauncherImage"] = ""
				}
				u := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
					"metadata": map[string]any{"namespace": namespaces[i%2], "name": fmt.Sprintf("vmi-%05d", i), "labels": labels},
					"spec":     map[string]any{"domain": map[string]any{"devices": map[string]any{}}}, // the CRD requires spec.domain.devices
				}}
				if _, err := a.dyn.Resource(VMIResource).Namespace(namespaces[i%2]).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("create VMIs: %v", err)
	}
	t.Logf("created %d VMIs in %v", total, time.Since(start).Round(time.Millisecond))

	counter := &countingTransport{}
	pagedCfg := rest.CopyConfig(cfg)
	pagedCfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter })
	c, err := New(pagedCfg, Options{PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}

	start = time.Now()
	vmis, err := c.ListVMIs(t.Context(), update.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("listed %d VMIs in %d requests in %v", len(vmis), counter.lists.Load(), time.Since(start).Round(time.Millisecond))
	if len(vmis) != total {
		t.Fatalf("listed %d VMIs, want %d", len(vmis), total)
	}
	seen := map[string]bool{}
	for i, v := range vmis {
		key := v.Namespace + "/" + v.Name
		if seen[key] {
			t.Fatalf("%s listed twice", key)
		}
		seen[key] = true
		if i > 0 {
			prev := vmis[i-1].Namespace + "/" + vmis[i-1].Name
			if prev >= key {
				t.Fatalf("not sorted: %s before %s", prev, key)
			}
		}
	}
	if got, want := counter.lists.Load(), int64(total/pageSize); got != want {
		t.Errorf("%d list requests, want %d pages of %d", got, want, pageSize)
	}
	if counter.paged.Load() != counter.lists.Load() || counter.maxLimitSeen.Load() != pageSize {
		t.Errorf("%d of %d list requests carried a limit (largest %d), want all with limit %d",
			counter.paged.Load(), counter.lists.Load(), counter.maxLimitSeen.Load(), pageSize)
	}
	if counter.continuations.Load() != counter.lists.Load()-1 {
		t.Errorf("%d requests continued a list, want every one after the first", counter.continuations.Load())
	}

	outdated, err := c.ListVMIs(t.Context(), update.ListOptions{Namespace: "paging-a", LabelSelector: "kubevirt.io/outdatedLauncherImage"})
	if err != nil {
		t.Fatal(err)
	}
	if len(outdated) != total/10 {
		t.Errorf("outdated VMIs in paging-a = %d, want %d", len(outdated), total/10)
	}
}
