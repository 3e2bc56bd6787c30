package crclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/update"
)

// Reads of a cache-backed client are eventually consistent: an informer
// sees a write when its watch delivers it. The Cluster reads its own
// writes: after a write it notes the object's resourceVersion the API
// server returned, and a later read of that object, or a list of its
// kind, first waits until the cache holds that resourceVersion or a newer
// one (bounded by the context and Options.CacheTimeout). Writes return as
// soon as the API server answered; only reads wait. This is the rule of
// controller-runtime's own experimental read-your-writes client
// (pkg/client/consistency.go: SetMinimumRV after a write, WaitForGet and
// WaitForList before a read), kept here so the Cluster behaves the same
// whatever client it is given. Writes of other processes are seen when the
// cache sees them, as with any informer.

// objectKey names an object across the API versions of its kind.
type objectKey struct {
	gk              schema.GroupKind
	namespace, name string
}

// writes holds, per object, the resourceVersion of this Cluster's last
// write the cache may not hold yet.
type writes struct {
	mu  sync.Mutex
	min map[objectKey]string
}

func newWrites() *writes { return &writes{min: map[objectKey]string{}} }

// note records the resourceVersion of a write. A resourceVersion that is
// not the decimal revision etcd gives (resourceversion.CompareResourceVersion
// rejects it) cannot be compared, so nothing is awaited for it.
func (w *writes) note(k objectKey, rv string) {
	if _, err := resourceversion.CompareResourceVersion(rv, rv); err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.min[k]; ok {
		if c, err := resourceversion.CompareResourceVersion(old, rv); err == nil && c > 0 {
			return
		}
	}
	w.min[k] = rv
}

// pending returns the resourceVersion awaited for k, if any.
func (w *writes) pending(k objectKey) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rv, ok := w.min[k]
	return rv, ok
}

// pendingOf returns every object of the kind awaited, in the namespace
// when it is not "".
func (w *writes) pendingOf(gk schema.GroupKind, namespace string) map[objectKey]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[objectKey]string{}
	for k, rv := range w.min {
		if k.gk == gk && (namespace == "" || k.namespace == namespace) {
			out[k] = rv
		}
	}
	return out
}

// done forgets k unless a newer write replaced rv meanwhile.
func (w *writes) done(k objectKey, rv string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.min[k] == rv {
		delete(w.min, k)
	}
}

// holds reports whether a read resourceVersion is rv or newer.
func holds(read, rv string) bool {
	c, err := resourceversion.CompareResourceVersion(read, rv)
	return err == nil && c >= 0
}

// keyOf names obj, whose kind comes from the object (unstructured) or the
// client's scheme (typed).
func (c *Cluster) keyOf(obj client.Object) (objectKey, error) {
	gvk, err := c.c.GroupVersionKindFor(obj)
	if err != nil {
		return objectKey{}, err
	}
	return objectKey{gk: gvk.GroupKind(), namespace: obj.GetNamespace(), name: obj.GetName()}, nil
}

// wrote notes a write whose answer the API server decoded into obj.
func (c *Cluster) wrote(obj client.Object) {
	if k, err := c.keyOf(obj); err == nil {
		c.writes.note(k, obj.GetResourceVersion())
	}
}

// get reads one object through r, after the cache holds this Cluster's
// last write of it.
func (c *Cluster) get(ctx context.Context, r client.Reader, key client.ObjectKey, obj client.Object) error {
	obj.SetNamespace(key.Namespace)
	obj.SetName(key.Name)
	k, err := c.keyOf(obj)
	if err != nil {
		return err
	}
	rv, ok := c.writes.pending(k)
	if !ok {
		return r.Get(ctx, key, obj)
	}
	return c.await(ctx, k, rv, func() (string, error) {
		err := r.Get(ctx, key, obj)
		return obj.GetResourceVersion(), err
	})
}

// list lists through r, after the cache holds every write of this Cluster
// to objects of item's kind (in the namespace of the options, when set).
func (c *Cluster) list(ctx context.Context, r client.Reader, list client.ObjectList, item client.Object, opts ...client.ListOption) error {
	k, err := c.keyOf(item)
	if err != nil {
		return err
	}
	lo := (&client.ListOptions{}).ApplyOptions(opts)
	for pk, rv := range c.writes.pendingOf(k.gk, lo.Namespace) {
		probe, ok := item.DeepCopyObject().(client.Object)
		if !ok {
			return fmt.Errorf("copy of %T is not a client.Object", item)
		}
		key := client.ObjectKey{Namespace: pk.namespace, Name: pk.name}
		if err := c.await(ctx, pk, rv, func() (string, error) {
			err := r.Get(ctx, key, probe)
			return probe.GetResourceVersion(), err
		}); err != nil {
			return err
		}
	}
	return r.List(ctx, list, opts...)
}

// Polling of the cache: an in-memory lookup, first after pollFirst, then
// twice as long each time up to pollMax.
const (
	pollFirst = 5 * time.Millisecond
	pollMax   = 100 * time.Millisecond
)

// await calls read until it returns rv or newer. NotFound is awaited too
// (a created object the cache has not seen yet); another error is
// returned at once. When the context or Options.CacheTimeout ends the
// wait, the write is forgotten (the next read takes the cache as it is)
// and the error wraps update.ErrTransient.
func (c *Cluster) await(ctx context.Context, k objectKey, rv string, read func() (string, error)) error {
	clk := c.opts.Clock
	deadline := clk.Now().Add(c.opts.CacheTimeout)
	delay := pollFirst
	for {
		got, err := read()
		switch {
		case err == nil && holds(got, rv):
			c.writes.done(k, rv)
			return nil
		case err != nil && !apierrors.IsNotFound(err):
			return err
		}
		left := deadline.Sub(clk.Now())
		if left <= 0 || ctx.Err() != nil {
			c.writes.done(k, rv)
			seen := "does not hold it"
			if err == nil {
				seen = "holds resourceVersion " + got
			}
			cause := ctx.Err()
			if cause == nil {
				cause = fmt.Errorf("Options.CacheTimeout (%v) passed", c.opts.CacheTimeout)
			}
			return &update.ObjectError{Op: "read", Kind: k.gk.Kind, Namespace: k.namespace, Name: k.name,
				Err: fmt.Errorf("%w: the cache has not caught up with this process's write (resourceVersion %s); it %s: %w; is the manager started and its cache watching %s?",
					update.ErrTransient, rv, seen, cause, k.gk.String())}
		}
		t := clk.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C():
		}
		delay = min(2*delay, pollMax)
	}
}
