package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/virtupdate/virtupdate/update"
)

// HyperConvergedGVK is the HyperConverged's kind at the API version the
// reconciler watches it: v1beta1, which every HCO release serves.
var HyperConvergedGVK = schema.GroupVersionKind{Group: "hco.kubevirt.io", Version: "v1beta1", Kind: "HyperConverged"}

// AddToScheme adds the kinds the reconciler watches and records Events on
// (KubeVirt's core/v1) to s.
func AddToScheme(s *runtime.Scheme) error {
	if s == nil {
		return errors.New("controller.AddToScheme: the scheme is nil")
	}
	return kubevirtv1.AddToScheme(s)
}

// Request is the one key of the reconciler's queue, the HyperConverged of
// namespace: every watch event enqueues it.
func Request(namespace string) reconcile.Request {
	if namespace == "" {
		namespace = update.DefaultNamespace
	}
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: update.HyperConvergedName}}
}

// CacheOptions are the cache options of a manager that runs the reconciler
// for the HyperConverged in namespace: the HyperConverged, the KubeVirt CR
// and the ConfigMaps (the checkpoints of crclient's ports) are cached from
// that namespace only, so a Role there is enough to read them; pods only
// if they are virt-launcher pods (label kubevirt.io=virt-launcher), which
// evictions look up; VMIs and migrations from every namespace.
func CacheOptions(namespace string) cache.Options {
	if namespace == "" {
		namespace = update.DefaultNamespace
	}
	only := cache.ByObject{Namespaces: map[string]cache.Config{namespace: {}}}
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		hyperConverged():       only,
		&kubevirtv1.KubeVirt{}: only,
		&corev1.ConfigMap{}:    only,
		&corev1.Pod{}:          {Label: labels.SelectorFromSet(labels.Set{kubevirtv1.AppLabel: "virt-launcher"})},
	}}
}

func hyperConverged() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(HyperConvergedGVK)
	return u
}

// SetupWithManager adds the reconciler to mgr as the controller
// DefaultName, with one worker: it watches the VMIs, the migrations, the
// HyperConverged and the KubeVirt CR, and every event of any of them
// enqueues Request(namespace) after the Throttle. Like every
// controller-runtime controller it runs only while mgr holds the leader
// lease, when leader election is on. Without a Recorder option, Events go
// through mgr's recorder (events.k8s.io/v1). mgr's scheme must hold
// KubeVirt's kinds (AddToScheme).
func (r *Reconciler) SetupWithManager(mgr manager.Manager, namespace string) error {
	if mgr == nil {
		return errors.New("controller: SetupWithManager: the manager is nil")
	}
	for _, obj := range []runtime.Object{&kubevirtv1.VirtualMachineInstance{}, &kubevirtv1.VirtualMachineInstanceMigration{}, &kubevirtv1.KubeVirt{}} {
		if _, _, err := mgr.GetScheme().ObjectKinds(obj); err != nil {
			return fmt.Errorf("controller: SetupWithManager: the manager's scheme lacks KubeVirt's kinds (%w): call controller.AddToScheme on it", err)
		}
	}
	if r.opts.Recorder == nil {
		r.mu.Lock()
		r.events.rec = mgr.GetEventRecorder(DefaultName)
		r.mu.Unlock()
	}
	h := enqueue{req: Request(namespace), after: r.opts.Throttle}
	return builder.ControllerManagedBy(mgr).
		Named(DefaultName).
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: 1}).
		Watches(&kubevirtv1.VirtualMachineInstance{}, h).
		Watches(&kubevirtv1.VirtualMachineInstanceMigration{}, h).
		Watches(&kubevirtv1.KubeVirt{}, h).
		Watches(hyperConverged(), h).
		Complete(r)
}

// enqueue adds its one request after a delay for every event.
type enqueue struct {
	req   reconcile.Request
	after time.Duration // ≤ 0 means at once
}

var _ handler.EventHandler = enqueue{}

func (e enqueue) add(q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if e.after > 0 {
		q.AddAfter(e.req, e.after)
		return
	}
	q.Add(e.req)
}

// Create enqueues the request.
func (e enqueue) Create(_ context.Context, _ event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	e.add(q)
}

// Update enqueues the request.
func (e enqueue) Update(_ context.Context, _ event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	e.add(q)
}

// Delete enqueues the request.
func (e enqueue) Delete(_ context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	e.add(q)
}

// Generic enqueues the request.
func (e enqueue) Generic(_ context.Context, _ event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	e.add(q)
}
