package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// ListVMIs implements update.Workloads, reading Options.PageSize objects
// per request.
func (c *Cluster) ListVMIs(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstance, error) {
	vmis, err := listTyped[kubevirtv1.VirtualMachineInstance](ctx, c, VMIResource, opts.Namespace, opts.LabelSelector)
	if err != nil {
		return nil, ListError(kindVMI, opts.Namespace, err)
	}
	sortByNamespaceName(vmis)
	return vmis, nil
}

// ListVirtualMachines implements update.Workloads.
func (c *Cluster) ListVirtualMachines(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachine, error) {
	vms, err := listTyped[kubevirtv1.VirtualMachine](ctx, c, VMResource, opts.Namespace, opts.LabelSelector)
	if err != nil {
		return nil, ListError(kindVM, opts.Namespace, err)
	}
	sortByNamespaceName(vms)
	return vms, nil
}

// ListMigrations implements update.Workloads.
func (c *Cluster) ListMigrations(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error) {
	migs, err := listTyped[kubevirtv1.VirtualMachineInstanceMigration](ctx, c, MigrationResource, opts.Namespace, opts.LabelSelector)
	if err != nil {
		return nil, ListError(kindMigration, opts.Namespace, err)
	}
	sortByNamespaceName(migs)
	return migs, nil
}

// CreateMigration implements update.Workloads. The object is created as
// given (name or generateName, labels, annotations, spec); the API server
// fills in the generated name.
func (c *Cluster) CreateMigration(ctx context.Context, m *kubevirtv1.VirtualMachineInstanceMigration) (*kubevirtv1.VirtualMachineInstanceMigration, error) {
	const op = "create"
	if err := update.CheckClientMigration(m); err != nil {
		return nil, err // refused as KubeVirt's migration-create admitter refuses it
	}
	name := m.Name
	if name == "" {
		name = m.GenerateName + "*"
	}
	if m.Name == "" && m.GenerateName == "" {
		return nil, &update.ObjectError{Op: op, Kind: kindMigration, Namespace: m.Namespace,
			Err: errors.New("metadata.name or metadata.generateName is required")}
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(m)
	if err != nil {
		return nil, &update.ObjectError{Op: op, Kind: kindMigration, Namespace: m.Namespace, Name: name, Err: err}
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion(kubevirtv1.SchemeGroupVersion.String())
	u.SetKind(kindMigration)
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	created, err := c.dyn.Resource(MigrationResource).Namespace(m.Namespace).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return nil, MapError(op, kindMigration, m.Namespace, name, err)
	}
	var out kubevirtv1.VirtualMachineInstanceMigration
	if err := fromUnstructured(created, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// EvictVMI implements update.Workloads. It asks the policy/v1 Eviction API
// to evict the VMI's current virt-launcher pod, the one KubeVirt's
// workload updater evicts: the newest pod the VMI controls on the VMI's
// node. KubeVirt's eviction webhook and PodDisruptionBudgets then decide.
// nil means the pod was evicted; every refusal for now (HTTP 429) is an
// *update.EvictionError whose Refusal is update.ClassifyEviction of the
// server's message (the webhook's, or the API server's for a budget), with
// the pod named. A VMI without a launcher pod is update.ErrNotFound.
func (c *Cluster) EvictVMI(ctx context.Context, namespace, name string) error {
	const op = "evict"
	u, err := c.dyn.Resource(VMIResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return MapError(op, kindVMI, namespace, name, err)
	}
	var vmi kubevirtv1.VirtualMachineInstance
	if err := fromUnstructured(u, &vmi); err != nil {
		return err
	}
	pod, err := c.currentLauncherPod(ctx, &vmi)
	if err != nil {
		return MapError(op, kindVMI, namespace, name, err)
	}
	if pod == nil {
		return &update.ObjectError{Op: op, Kind: kindVMI, Namespace: namespace, Name: name,
			Err: fmt.Errorf("%w: the VMI has no virt-launcher pod on node %q (it is not running, or it finished)", update.ErrNotFound, vmi.Status.NodeName)}
	}
	err = c.evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: pod.Name}})
	switch {
	case err == nil:
		return nil
	case apierrors.IsTooManyRequests(err):
		return EvictionError(namespace, name, pod.Name, err)
	default:
		return MapError(op+" launcher pod "+pod.Name+" of", kindVMI, namespace, name, err)
	}
}

// EvictionError is the *update.EvictionError of the API server's refusal
// (HTTP 429) err to evict pod, the launcher pod of the VMI namespace/name.
// The API server prefixes a webhook's message with
// `admission webhook "<name>" denied the request: `
// (k8s.io/apiserver pkg/admission/plugin/webhook/errors ToStatusErr); the
// Message and its classification (update.ClassifyEviction) are the
// webhook's own words, or the API server's for a PodDisruptionBudget.
func EvictionError(namespace, name, pod string, err error) *update.EvictionError {
	msg := err.Error()
	var s apierrors.APIStatus
	if errors.As(err, &s) && s.Status().Message != "" {
		msg = s.Status().Message
	}
	msg = webhookMessage(msg)
	return &update.EvictionError{Namespace: namespace, Name: name, Pod: pod, Refusal: update.ClassifyEviction(msg), Message: msg}
}

// webhookMessage strips the API server's prefix off a webhook's denial.
func webhookMessage(msg string) string {
	const pre, denied = `admission webhook "`, `" denied the request: `
	if rest, ok := strings.CutPrefix(msg, pre); ok {
		if _, after, ok := strings.Cut(rest, denied); ok {
			return after
		}
	}
	return msg
}

// evict posts the Eviction once. client-go retries an HTTP 429 that
// carries Retry-After (as every refused eviction does) up to ten times,
// which blocks for minutes; the refusal is returned at once instead, and the
// caller (the workload updater's next round) decides when to ask again.
func (c *Cluster) evict(ctx context.Context, e *policyv1.Eviction) error {
	if rc, ok := c.core.CoreV1().RESTClient().(*rest.RESTClient); ok && rc != nil {
		return rc.Post().Namespace(e.Namespace).Resource("pods").Name(e.Name).SubResource("eviction").
			Body(e).MaxRetries(0).Do(ctx).Error()
	}
	return c.core.CoreV1().Pods(e.Namespace).EvictV1(ctx, e)
}

// currentLauncherPod finds the VMI's current pod as KubeVirt does
// (controller.CurrentVMIPod): among the pods the VMI controls, on the VMI's
// node when it has one, the newest. Launcher pods carry the label
// kubevirt.io/created-by=<VMI UID>, which narrows the list.
func (c *Cluster) currentLauncherPod(ctx context.Context, vmi *kubevirtv1.VirtualMachineInstance) (*corev1.Pod, error) {
	selector := kubevirtv1.CreatedByLabel + "=" + string(vmi.UID)
	pods, err := listPages(ctx, c.opts.PageSize, selector, func(ctx context.Context, opts metav1.ListOptions) ([]corev1.Pod, string, error) {
		l, err := c.core.CoreV1().Pods(vmi.Namespace).List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list its virt-launcher pods: %w", err)
	}
	var cur *corev1.Pod
	for i := range pods {
		p := &pods[i]
		if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != vmi.UID {
			continue
		}
		if vmi.Status.NodeName != "" && p.Spec.NodeName != vmi.Status.NodeName {
			continue // a migration target being prepared
		}
		if cur == nil || cur.CreationTimestamp.Before(&p.CreationTimestamp) {
			cur = p
		}
	}
	return cur, nil
}

// DeleteMigration deletes a VirtualMachineInstanceMigration: KubeVirt's
// migration controller aborts one that has not finished when it is deleted
// (pkg/virt-controller/watch/migration/migration.go), which is how its
// workload updater aborts the migrations it no longer needs. A migration
// that does not exist is update.ErrNotFound. It is the optional port
// controller.MigrationDeleter. The roles of deploy/rbac.yaml do not grant
// it: update.Run never deletes a migration; the controller's role does
// (deploy/controller).
func (c *Cluster) DeleteMigration(ctx context.Context, namespace, name string) error {
	err := c.dyn.Resource(MigrationResource).Namespace(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	return MapError("delete", kindMigration, namespace, name, err)
}
