package crclient

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// ListVMIs implements update.Workloads.
func (c *Cluster) ListVMIs(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstance, error) {
	var l kubevirtv1.VirtualMachineInstanceList
	if err := c.listWorkloads(ctx, &l, &kubevirtv1.VirtualMachineInstance{}, opts); err != nil {
		return nil, kube.ListError(kindVMI, opts.Namespace, err)
	}
	sortByNamespaceName(l.Items)
	return l.Items, nil
}

// CountVMIs implements update.VMICounter: how many VMIs ListVMIs would
// return, counted without copying them (client.UnsafeDisableDeepCopy: the
// cache hands out its own objects, pkg/cache/internal/cache_reader.go
// List, which are only counted here).
func (c *Cluster) CountVMIs(ctx context.Context, opts update.ListOptions) (int, error) {
	var l kubevirtv1.VirtualMachineInstanceList
	if err := c.listWorkloads(ctx, &l, &kubevirtv1.VirtualMachineInstance{}, opts, client.UnsafeDisableDeepCopy); err != nil {
		return 0, kube.ListError(kindVMI, opts.Namespace, err)
	}
	return len(l.Items), nil
}

// ListVirtualMachines implements update.Workloads.
func (c *Cluster) ListVirtualMachines(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachine, error) {
	var l kubevirtv1.VirtualMachineList
	if err := c.listWorkloads(ctx, &l, &kubevirtv1.VirtualMachine{}, opts); err != nil {
		return nil, kube.ListError(kindVM, opts.Namespace, err)
	}
	sortByNamespaceName(l.Items)
	return l.Items, nil
}

// ListMigrations implements update.Workloads.
func (c *Cluster) ListMigrations(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error) {
	var l kubevirtv1.VirtualMachineInstanceMigrationList
	if err := c.listWorkloads(ctx, &l, &kubevirtv1.VirtualMachineInstanceMigration{}, opts); err != nil {
		return nil, kube.ListError(kindMigration, opts.Namespace, err)
	}
	sortByNamespaceName(l.Items)
	return l.Items, nil
}

func (c *Cluster) listWorkloads(ctx context.Context, l client.ObjectList, item client.Object, opts update.ListOptions, more ...client.ListOption) error {
	lo, err := listOptions(opts.Namespace, opts.LabelSelector)
	if err != nil {
		return err
	}
	return c.list(ctx, c.c, l, item, append(lo, more...)...)
}

// CreateMigration implements update.Workloads. The object is created as
// given (name or generateName, labels, annotations, spec), without its
// status; the API server fills in the generated name.
func (c *Cluster) CreateMigration(ctx context.Context, m *kubevirtv1.VirtualMachineInstanceMigration) (*kubevirtv1.VirtualMachineInstanceMigration, error) {
	const op = "create"
	if err := update.CheckClientMigration(m); err != nil {
		return nil, err // refused as KubeVirt's migration-create admitter refuses it
	}
	if m.Name == "" && m.GenerateName == "" {
		return nil, &update.ObjectError{Op: op, Kind: kindMigration, Namespace: m.Namespace,
			Err: errors.New("metadata.name or metadata.generateName is required")}
	}
	name := m.Name
	if name == "" {
		name = m.GenerateName + "*"
	}
	obj := &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: *m.ObjectMeta.DeepCopy(), Spec: *m.Spec.DeepCopy()}
	obj.ResourceVersion, obj.UID, obj.CreationTimestamp = "", "", metav1.Time{}
	if err := c.c.Create(ctx, obj); err != nil {
		return nil, mapError(op, kindMigration, m.Namespace, name, err)
	}
	c.wrote(obj)
	return obj, nil
}

// EvictVMI implements update.Workloads as the kube adapter does: it asks
// the policy/v1 Eviction API to evict the VMI's current virt-launcher pod
// (the newest pod the VMI controls on the VMI's node, KubeVirt's
// controller.CurrentVMIPod). nil means the pod was evicted; every refusal
// for now (HTTP 429) is an *update.EvictionError whose Refusal is
// update.ClassifyEviction of the server's message; a VMI without a
// launcher pod is update.ErrNotFound. The VMI and its pods are read
// through the client (the cache). The eviction is posted through
// Options.Config once when it is set, else with
// client.SubResource("eviction").Create; see Options.Config.
func (c *Cluster) EvictVMI(ctx context.Context, namespace, name string) error {
	const op = "evict"
	vmi := &kubevirtv1.VirtualMachineInstance{}
	if err := c.get(ctx, c.c, client.ObjectKey{Namespace: namespace, Name: name}, vmi); err != nil {
		return mapError(op, kindVMI, namespace, name, err)
	}
	pod, err := c.currentLauncherPod(ctx, vmi)
	if err != nil {
		return mapError(op, kindVMI, namespace, name, err)
	}
	if pod == nil {
		return &update.ObjectError{Op: op, Kind: kindVMI, Namespace: namespace, Name: name,
			Err: fmt.Errorf("%w: the VMI has no virt-launcher pod on node %q (it is not running, or it finished)", update.ErrNotFound, vmi.Status.NodeName)}
	}
	err = c.evict(ctx, pod)
	switch {
	case err == nil:
		return nil
	case apierrors.IsTooManyRequests(err):
		return kube.EvictionError(namespace, name, pod.Name, err)
	default:
		return mapError(op+" launcher pod "+pod.Name+" of", kindVMI, namespace, name, err)
	}
}

// evict posts the pod's Eviction. Through Options.Config it is posted once
// (MaxRetries(0)), as the kube adapter posts it. Through the client,
// controller-runtime posts it with client-go's default retries
// (pkg/client/typed_client.go CreateSubResource; client-go rest
// with_retry.go retries a 429 carrying Retry-After up to ten times), and
// its read-your-writes client leaves evictions out as well
// (pkg/client/consistency.go consistentSubResourceClient.Create: the
// answer is a Status without a resourceVersion).
func (c *Cluster) evict(ctx context.Context, pod *corev1.Pod) error {
	e := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name}}
	if rc, ok := c.evictREST.(*rest.RESTClient); ok && rc != nil {
		return rc.Post().Namespace(pod.Namespace).Resource("pods").Name(pod.Name).SubResource("eviction").
			Body(e).MaxRetries(0).Do(ctx).Error()
	}
	return c.c.SubResource("eviction").Create(ctx, pod, e)
}

// currentLauncherPod finds the VMI's current pod as KubeVirt does
// (controller.CurrentVMIPod): among the pods the VMI controls, on the
// VMI's node when it has one, the newest. The label
// kubevirt.io/created-by=<VMI UID> narrows the list.
func (c *Cluster) currentLauncherPod(ctx context.Context, vmi *kubevirtv1.VirtualMachineInstance) (*corev1.Pod, error) {
	var l corev1.PodList
	opts := []client.ListOption{client.InNamespace(vmi.Namespace), client.MatchingLabels{kubevirtv1.CreatedByLabel: string(vmi.UID)}}
	if err := c.list(ctx, c.c, &l, &corev1.Pod{}, opts...); err != nil {
		return nil, fmt.Errorf("list its virt-launcher pods: %w", err)
	}
	var cur *corev1.Pod
	for i := range l.Items {
		p := &l.Items[i]
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
// migration controller aborts one that has not finished when it is
// deleted (pkg/virt-controller/watch/migration/migration.go), which is how
// its workload updater aborts the migrations it no longer needs. A
// migration that does not exist is update.ErrNotFound. It is the optional
// port controller.MigrationDeleter.
func (c *Cluster) DeleteMigration(ctx context.Context, namespace, name string) error {
	obj := &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := c.c.Delete(ctx, obj); err != nil {
		return mapError("delete", kindMigration, namespace, name, err)
	}
	return nil
}
