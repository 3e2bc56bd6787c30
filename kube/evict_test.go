package kube

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// launcherPod is a virt-launcher pod as KubeVirt makes it: controlled by
// the VMI, labelled with its UID.
func launcherPod(ns, name, node string, vmiName string, vmiUID types.UID, created time.Time) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(created),
			Labels: map[string]string{"kubevirt.io": "virt-launcher", kubevirtv1.CreatedByLabel: string(vmiUID), "app": "vm-" + vmiName},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstance",
				Name: vmiName, UID: vmiUID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{
			NodeName: node, AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{{Name: "compute", Image: "virt-launcher"}},
		},
	}
}

// TestEvictVMI evicts a VMI's current launcher pod through the Eviction
// API: not the migration target on another node, and a
// PodDisruptionBudget's refusal (the API server's 429, "Cannot evict pod as
// it would violate the pod's disruption budget."; k8s.io/kubernetes
// pkg/registry/core/pod/storage/eviction.go) is an *update.EvictionError
// with Refusal EvictionDisruptionBudget.
func TestEvictVMI(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	const ns = "evict"
	vmi := kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Status:     kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: "worker-0"},
	}
	idle := kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "idle"}}
	a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil), VMIs: []kubevirtv1.VirtualMachineInstance{vmi, idle}})
	ctx := t.Context()
	if _, err := a.core.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	created, err := a.dyn.Resource(VMIResource).Namespace(ns).Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := created.GetUID()
	now := time.Now()
	for _, p := range []*corev1.Pod{
		launcherPod(ns, "virt-launcher-db-old", "worker-0", "db", uid, now.Add(-time.Hour)),
		launcherPod(ns, "virt-launcher-db-cur", "worker-0", "db", uid, now),
		launcherPod(ns, "virt-launcher-db-target", "worker-1", "db", uid, now.Add(time.Minute)), // a migration target
	} {
		if _, err := a.core.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
	// The API server stamps creationTimestamp itself: the pods are created
	// in order, a second apart at most, so make "cur" the newest on worker-0
	// by creating it again after "old".
	if err := a.core.CoreV1().Pods(ns).Delete(ctx, "virt-launcher-db-cur", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a creationTimestamp newer than the old pod's", func() bool {
		old, err := a.core.CoreV1().Pods(ns).Get(ctx, "virt-launcher-db-old", metav1.GetOptions{})
		return err == nil && time.Since(old.CreationTimestamp.Time) > time.Second
	})
	if _, err := a.core.CoreV1().Pods(ns).Create(ctx, launcherPod(ns, "virt-launcher-db-cur", "worker-0", "db", uid, now), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Running, as the kubelet would report them: the Eviction API lets
	// Pending pods go without asking their PodDisruptionBudget.
	for _, name := range []string{"virt-launcher-db-old", "virt-launcher-db-cur", "virt-launcher-db-target"} {
		p, err := a.core.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodRunning
		if _, err := a.core.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}

	// A PodDisruptionBudget with no disruption allowed refuses the eviction.
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "vm-db"}}},
	}
	if _, err := a.core.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	err = c.EvictVMI(ctx, ns, "db")
	t.Logf("eviction refused in %v", time.Since(t0))
	var ee *update.EvictionError
	if !errors.As(err, &ee) || !errors.Is(err, ErrEvictionDenied) || errors.Is(err, update.ErrEvacuationStarted) {
		t.Fatalf("evict under a PodDisruptionBudget: err = %v, want an *update.EvictionError (ErrEvictionDenied, not ErrEvacuationStarted)", err)
	}
	if ee.Refusal != update.EvictionDisruptionBudget || ee.Pod != "virt-launcher-db-cur" || ee.Namespace != ns || ee.Name != "db" {
		t.Errorf("eviction error = %+v, want Refusal %s for pod virt-launcher-db-cur of %s/db", ee, update.EvictionDisruptionBudget, ns)
	}
	t.Logf("denied, as expected: %v", err)
	if err := a.core.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, "db", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	t0 = time.Now()
	if err := c.EvictVMI(ctx, ns, "db"); err != nil {
		t.Fatal(err)
	}
	t.Logf("evicted in %v", time.Since(t0))
	for name, wantEvicted := range map[string]bool{"virt-launcher-db-cur": true, "virt-launcher-db-old": false, "virt-launcher-db-target": false} {
		p, err := a.core.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		evicted := apierrors.IsNotFound(err) || (err == nil && p.DeletionTimestamp != nil)
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if evicted != wantEvicted {
			t.Errorf("pod %s evicted = %v, want %v", name, evicted, wantEvicted)
		}
	}

	if err := c.EvictVMI(ctx, ns, "idle"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("evict a VMI without a launcher pod: err = %v, want ErrNotFound", err)
	}
}
