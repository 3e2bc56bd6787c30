package crclient

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/virtupdate/virtupdate/update"
)

// laggingClient plays a manager's client whose informers are behind:
// writes go to the server at once, but the first `lag` reads of a written
// object (a Get of it, or a list holding it) still see its state from
// before the write, absent for a created one, as an informer whose watch
// event is on its way. With forever the cache never catches up.
type laggingClient struct {
	client.Client

	mu      sync.Mutex
	lag     int
	forever bool
	old     map[objectKey]*stale
	// staleReads counts the reads answered from before a write.
	staleReads int
}

type stale struct {
	obj   client.Object // nil: it did not exist
	reads int
}

func newLagging(t *testing.T, lag int, objs ...client.Object) *laggingClient {
	t.Helper()
	return &laggingClient{
		Client: fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build(),
		lag:    lag, old: map[objectKey]*stale{},
	}
}

func (l *laggingClient) key(obj runtime.Object, namespace, name string) objectKey {
	gvk, _ := l.GroupVersionKindFor(obj)
	return objectKey{gk: gvk.GroupKind(), namespace: namespace, name: name}
}

// remember keeps the state before a write, unless an older one is kept.
func (l *laggingClient) remember(ctx context.Context, obj client.Object) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.key(obj, obj.GetNamespace(), obj.GetName())
	if _, ok := l.old[k]; ok {
		return
	}
	prev := obj.DeepCopyObject().(client.Object)
	if err := l.Client.Get(ctx, client.ObjectKeyFromObject(obj), prev); err != nil {
		prev = nil
	}
	l.old[k] = &stale{obj: prev}
}

func (l *laggingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	l.remember(ctx, obj)
	return l.Client.Create(ctx, obj, opts...)
}

func (l *laggingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	l.remember(ctx, obj)
	return l.Client.Update(ctx, obj, opts...)
}

func (l *laggingClient) Patch(ctx context.Context, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
	l.remember(ctx, obj)
	return l.Client.Patch(ctx, obj, p, opts...)
}

// staleFor answers a read of k from before the write, while it lags.
func (l *laggingClient) staleFor(k objectKey) (*stale, bool) {
	st, ok := l.old[k]
	if !ok {
		return nil, false
	}
	if !l.forever && st.reads >= l.lag {
		delete(l.old, k)
		return nil, false
	}
	st.reads++
	l.staleReads++
	return st, true
}

func (l *laggingClient) Get(ctx context.Context, key client.ObjectKey, out client.Object, opts ...client.GetOption) error {
	l.mu.Lock()
	st, ok := l.staleFor(l.key(out, key.Namespace, key.Name))
	l.mu.Unlock()
	if !ok {
		return l.Client.Get(ctx, key, out, opts...)
	}
	if st.obj == nil {
		gvk, _ := l.GroupVersionKindFor(out)
		return apierrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, key.Name)
	}
	reflect.ValueOf(out).Elem().Set(reflect.ValueOf(st.obj.DeepCopyObject()).Elem())
	return nil
}

func (l *laggingClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := l.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []runtime.Object
	for _, it := range items {
		a, _ := meta.Accessor(it)
		st, ok := l.staleFor(l.key(it, a.GetNamespace(), a.GetName()))
		switch {
		case !ok:
			out = append(out, it)
		case st.obj != nil:
			out = append(out, st.obj.DeepCopyObject())
		}
	}
	return meta.SetList(list, out)
}

// stepWhileWaiting advances the fake clock whenever the Cluster waits on
// it, until the test ends.
func stepWhileWaiting(t *testing.T, fc *clocktesting.FakeClock) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if fc.HasWaiters() {
				fc.Step(pollMax)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func lagged(t *testing.T, l *laggingClient) (*Cluster, *clocktesting.FakeClock) {
	t.Helper()
	fc := clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	stepWhileWaiting(t, fc)
	c, err := New(l, Options{Clock: fc, CacheTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, fc
}

// TestReadYourWrites pins the package's consistency rule on a cache that
// lags behind the writes (the rule of controller-runtime's
// pkg/client/consistency.go): a read after this Cluster's write waits
// until the cache holds the written resourceVersion, for a Get
// (checkpoints) and for a list (InstallPlans), a create and an update.
// Without the rule the same reads see the cache's stale state: the
// laggingClient's own read, the control, does.
func TestReadYourWrites(t *testing.T) {
	ctx := t.Context()
	ns := update.DefaultNamespace
	ip := &operatorsv1alpha1.InstallPlan{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "install-a"},
		Spec: operatorsv1alpha1.InstallPlanSpec{Approval: operatorsv1alpha1.ApprovalManual, ClusterServiceVersionNames: []string{}}}
	l := newLagging(t, 3, ip)
	c, _ := lagged(t, l)

	saved, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("v1")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.LoadCheckpoint(ctx, "plan")
	if err != nil || string(got.Data) != "v1" || got.ResourceVersion != saved.ResourceVersion {
		t.Fatalf("load after create = %q@%s, %v; want v1@%s", got.Data, got.ResourceVersion, err, saved.ResourceVersion)
	}
	next, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("v2"), ResourceVersion: saved.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.LoadCheckpoint(ctx, "plan"); err != nil || string(got.Data) != "v2" || got.ResourceVersion != next.ResourceVersion {
		t.Fatalf("load after update = %q@%s, %v; want v2@%s", got.Data, got.ResourceVersion, err, next.ResourceVersion)
	}
	if err := c.ApproveInstallPlan(ctx, ns, "install-a"); err != nil {
		t.Fatal(err)
	}
	ips, err := c.ListInstallPlans(ctx, ns)
	if err != nil || len(ips) != 1 || !ips[0].Approved {
		t.Fatalf("list after approve = %+v, %v; want install-a approved", ips, err)
	}
	if l.staleReads == 0 {
		t.Fatal("the cache never lagged: the test proves nothing")
	}

	// The control: a read straight after a write, without the rule.
	if err := l.Patch(ctx, &operatorsv1alpha1.InstallPlan{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "install-a"}},
		client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"approved":false}}`))); err != nil {
		t.Fatal(err)
	}
	var direct operatorsv1alpha1.InstallPlan
	if err := l.Get(ctx, client.ObjectKey{Namespace: ns, Name: "install-a"}, &direct); err != nil || !direct.Spec.Approved {
		t.Errorf("control: the lagging cache answered approved=%v (%v) right after the write; it must still show the old state", direct.Spec.Approved, err)
	}
}

// TestCacheTimeout: a cache that never catches up fails the read after
// Options.CacheTimeout with update.ErrTransient (a read may be retried),
// and the write is forgotten: the next read takes the cache as it is.
func TestCacheTimeout(t *testing.T) {
	ctx := t.Context()
	l := newLagging(t, 0)
	l.forever = true
	c, fc := lagged(t, l)
	start := fc.Now()
	if _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.LoadCheckpoint(ctx, "plan")
	var oe *update.ObjectError
	if !errors.Is(err, update.ErrTransient) || !errors.As(err, &oe) || oe.Name != c.CheckpointConfigMapName("plan") {
		t.Fatalf("load while the cache lags for ever: err = %v, want ErrTransient naming the ConfigMap", err)
	}
	if waited := fc.Since(start); waited < 10*time.Second {
		t.Errorf("gave up after %v, want Options.CacheTimeout (10s)", waited)
	}
	if _, err := c.LoadCheckpoint(ctx, "plan"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("the next load: err = %v, want the cache's answer as it is (ErrNotFound)", err)
	}
}

// TestCacheWaitEndsWithContext: a cancelled context ends the wait too.
func TestCacheWaitEndsWithContext(t *testing.T) {
	l := newLagging(t, 0)
	l.forever = true
	c, _ := lagged(t, l)
	if _, err := c.SaveCheckpoint(t.Context(), update.Checkpoint{Name: "plan", Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.LoadCheckpoint(ctx, "plan"); !errors.Is(err, update.ErrTransient) || !errors.Is(err, context.Canceled) {
		t.Errorf("load with a cancelled context: err = %v, want ErrTransient wrapping context.Canceled", err)
	}
}

// TestResourceVersionOrder pins the comparison the wait relies on: etcd's
// revisions as decimals (k8s.io/apimachinery pkg/util/resourceversion
// CompareResourceVersion), and a resourceVersion that is not one is never
// awaited.
func TestResourceVersionOrder(t *testing.T) {
	for _, tt := range []struct {
		read, wrote string
		want        bool
		reason      string
	}{
		{"12", "12", true, "the write itself"},
		{"13", "12", true, "a newer write"},
		{"100", "99", true, "compared as numbers, not strings"},
		{"11", "12", false, "older than the write"},
		{"", "12", false, "nothing read"},
		{"abc", "12", false, "not a revision"},
	} {
		if got := holds(tt.read, tt.wrote); got != tt.want {
			t.Errorf("%s: holds(%q, %q) = %v, want %v", tt.reason, tt.read, tt.wrote, got, tt.want)
		}
	}
	w := newWrites()
	k := objectKey{gk: schema.GroupKind{Kind: kindConfigMap}, name: "x"}
	w.note(k, "opaque-version")
	if _, ok := w.pending(k); ok {
		t.Error("a resourceVersion that is not a revision cannot be compared: it must not be awaited")
	}
	w.note(k, "20")
	w.note(k, "19")
	if rv, _ := w.pending(k); rv != "20" {
		t.Errorf("awaited %s after writes 20 then 19 (answers out of order), want the newer 20", rv)
	}
	w.done(k, "19")
	if _, ok := w.pending(k); !ok {
		t.Error("done with an older version forgot a newer write")
	}
}
