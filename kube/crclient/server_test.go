package crclient

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

var (
	live  = kubevirtv1.WorkloadUpdateMethodLiveMigrate
	evict = kubevirtv1.WorkloadUpdateMethodEvict
)

// TestWorkloadUpdateMethodsLostRace makes a second writer change the field
// between the Cluster's read and its patch: the patch's server-side test
// fails, the write is update.ErrConflict and the second writer's value
// stays (kube/race_test.go pins the same on the client-go adapter). With
// each HCO CRD, with the manager's client reading the HyperConverged from
// the API server, and with a client caching it and Options.APIReader for
// the compare-and-swap.
func TestWorkloadUpdateMethodsLostRace(t *testing.T) {
	forEachHCO(t, func(t *testing.T, h kubetest.HCO) {
		for _, v := range []struct {
			name string
			mo   managerOptions
			opts func(manager.Manager) Options
		}{
			{"manager-client", managerOptions{}, nil},
			{"cached-with-APIReader", managerOptions{cacheUnstructured: true}, func(m manager.Manager) Options { return Options{APIReader: m.GetAPIReader()} }},
		} {
			t.Run(v.name, func(t *testing.T) {
				cfg := needServer(t)
				x := &fixtures{mo: v.mo, opts: v.opts, mgr: startManager(t, cfg, v.mo)}
				c := x.newCluster(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
				direct := directClient(t, cfg)
				c.beforeMethodsPatch = func() {
					obj, err := kubetest.HyperConvergedObject(updatetest.HyperConverged(updatetest.Methods(evict)), h.StorageVersion)
					if err != nil {
						t.Fatal(err)
					}
					patch := map[string]any{"spec": obj.Object["spec"]}
					u := c.hcObject(h.StorageVersion)
					if err := direct.Patch(context.Background(), u, client.RawPatch(types.MergePatchType, mustJSON(t, patch))); err != nil {
						t.Fatalf("the second writer: %v", err)
					}
				}
				err := c.SetWorkloadUpdateMethods(t.Context(), nil, updatetest.Methods())
				if !errors.Is(err, update.ErrConflict) {
					t.Fatalf("a write that lost the race: err = %v, want ErrConflict", err)
				}
				c.beforeMethodsPatch = nil
				hc, err := c.GetHyperConverged(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if got := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; got == nil || !slices.Equal(*got, []kubevirtv1.WorkloadUpdateMethod{evict}) {
					t.Errorf("after the lost race the field reads %s, want the second writer's [Evict]", update.ShowMethods(got))
				}
				// From the value the second writer left, the write goes through.
				if err := c.SetWorkloadUpdateMethods(t.Context(), updatetest.Methods(evict), updatetest.Methods(live, evict)); err != nil {
					t.Errorf("a write from the current value: %v", err)
				}
			})
		}
	})
}

// TestHyperConvergedVersion: the version is the CRD's storage version, as
// the kube adapter chooses it; forced to the other served version, which
// prunes the field, a write is update.ErrNotStored and nothing is written.
func TestHyperConvergedVersion(t *testing.T) {
	forEachHCO(t, func(t *testing.T, h kubetest.HCO) {
		cfg := needServer(t)
		x := &fixtures{mgr: startManager(t, cfg, managerOptions{})}
		c := x.newCluster(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(updatetest.Methods(evict))})
		v, why, err := c.HyperConvergedVersion(t.Context())
		if err != nil || v != h.StorageVersion || !strings.Contains(why, "storage version") {
			t.Fatalf("version = %q (%s), %v; want the storage version %q", v, why, err, h.StorageVersion)
		}
		forced, err := New(x.mgr.GetClient(), Options{HyperConvergedVersion: h.Other})
		if err != nil {
			t.Fatal(err)
		}
		err = forced.SetWorkloadUpdateMethods(t.Context(), updatetest.Methods(evict), updatetest.Methods())
		if !errors.Is(err, update.ErrNotStored) || !strings.Contains(err.Error(), methodsField(h.Other)) {
			t.Fatalf("write through %s: err = %v, want ErrNotStored naming %s", h.Other, err, methodsField(h.Other))
		}
		hc, err := c.GetHyperConverged(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; got == nil || !slices.Equal(*got, []kubevirtv1.WorkloadUpdateMethod{evict}) {
			t.Errorf("a refused write changed the field to %s", update.ShowMethods(got))
		}
	})
}

// TestCheckpointAcrossAdapters: both adapters keep the same checkpoint
// ConfigMaps: what one saves the other loads, and a save from a stale
// resourceVersion is a conflict whichever adapter made the newer one.
func TestCheckpointAcrossAdapters(t *testing.T) {
	cfg := needServer(t)
	x := &fixtures{mgr: startManager(t, cfg, managerOptions{})}
	cr := x.newCluster(t, updatetest.Fixture{})
	kc, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	first, err := kc.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("from kube")})
	if err != nil {
		t.Fatal(err)
	}
	// A write of another process: the cache shows it when its watch does.
	var got update.Checkpoint
	waitUntil(t, "the cache to show kube's checkpoint", func() bool {
		got, err = cr.LoadCheckpoint(ctx, "plan")
		return err == nil
	})
	if string(got.Data) != "from kube" || got.ResourceVersion != first.ResourceVersion {
		t.Fatalf("crclient loads %q@%s, want kube's %q@%s", got.Data, got.ResourceVersion, "from kube", first.ResourceVersion)
	}
	second, err := cr.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("from crclient"), ResourceVersion: got.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	if back, err := kc.LoadCheckpoint(ctx, "plan"); err != nil || string(back.Data) != "from crclient" || back.ResourceVersion != second.ResourceVersion {
		t.Errorf("kube loads %q@%s (%v), want crclient's %q@%s", back.Data, back.ResourceVersion, err, "from crclient", second.ResourceVersion)
	}
	if _, err := kc.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("stale"), ResourceVersion: first.ResourceVersion}); !errors.Is(err, update.ErrConflict) {
		t.Errorf("kube saving from a version crclient replaced: err = %v, want ErrConflict", err)
	}
	if _, err := cr.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("stale"), ResourceVersion: first.ResourceVersion}); !errors.Is(err, update.ErrConflict) {
		t.Errorf("crclient saving from a stale version: err = %v, want ErrConflict", err)
	}
}

// TestStatusPorts: the optional ports on the cache. ClusterOperators: the
// release payload's only (oc pkg/cli/admin/upgrade/status/controlplane.go
// assessControlPlaneStatus counts those annotated
// include/exclude.release.openshift.io); MachineConfigs: name and release
// annotation, read as metadata; CountVMIs: what ListVMIs returns.
func TestStatusPorts(t *testing.T) {
	cfg := needServer(t)
	x := &fixtures{mgr: startManager(t, cfg, managerOptions{})}
	vmi := func(ns, name string, labels map[string]string) kubevirtv1.VirtualMachineInstance {
		return kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	}
	old := map[string]string{"kubevirt.io/outdatedLauncherImage": ""}
	f := updatetest.Fixture{VMIs: []kubevirtv1.VirtualMachineInstance{vmi("prod", "db", old), vmi("prod", "api", nil), vmi("dev", "web", old)}}
	direct := directClient(t, cfg)
	seed(t, cfg, f)
	since := metav1.NewTime(kubetest.FixtureTime)
	for _, co := range []*configv1.ClusterOperator{
		{ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver", Annotations: map[string]string{"include.release.openshift.io/self-managed-high-availability": "true"}},
			Status: configv1.ClusterOperatorStatus{Versions: []configv1.OperandVersion{{Name: "operator", Version: "4.16.3"}},
				Conditions: []configv1.ClusterOperatorStatusCondition{{Type: "Degraded", Status: "True", LastTransitionTime: since, Reason: "NodeInstaller"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "etcd", Annotations: map[string]string{"exclude.release.openshift.io/internal-openshift-hosted": "true"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "addon-operator"}},
	} {
		create(t, cfg, kubetest.ClusterOperatorResource, kindClusterOperator, co)
	}
	for _, mc := range []update.MachineConfig{{Name: "00-worker"}, {Name: "rendered-worker-3c4d", ReleaseVersion: "4.15.30"}} {
		obj := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: mc.Name}}
		if mc.ReleaseVersion != "" {
			obj.Annotations = map[string]string{update.MachineConfigReleaseVersionAnnotation: mc.ReleaseVersion}
		}
		obj.Spec.Config.Raw = []byte(`{"ignition":{"version":"3.4.0"}}`)
		create(t, cfg, kubetest.MachineConfigResource, kindMachineConfig, obj)
	}
	waitCacheHolds(t, x.mgr.GetCache(), direct, false)
	c, err := New(x.mgr.GetClient(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cos, err := c.ListClusterOperators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cos) != 2 || cos[0].Name != "etcd" || cos[1].Name != "kube-apiserver" ||
		len(cos[1].Conditions) != 1 || !cos[1].Conditions[0].LastTransitionTime.Equal(&since) || cos[1].Versions[0].Version != "4.16.3" {
		t.Errorf("cluster operators = %+v; want etcd and kube-apiserver (with its condition and version), not addon-operator", cos)
	}
	mcs, err := c.ListMachineConfigs(ctx)
	if want := []update.MachineConfig{{Name: "00-worker"}, {Name: "rendered-worker-3c4d", ReleaseVersion: "4.15.30"}}; err != nil || !slices.Equal(mcs, want) {
		t.Errorf("machine configs = %+v, %v; want %+v", mcs, err, want)
	}
	for _, tt := range []struct {
		opts   update.ListOptions
		want   int
		reason string
	}{
		{update.ListOptions{}, 3, "every VMI"},
		{update.ListOptions{Namespace: "prod"}, 2, "one namespace"},
		{update.ListOptions{LabelSelector: "kubevirt.io/outdatedLauncherImage"}, 2, "outdated only"},
	} {
		n, err := c.CountVMIs(ctx, tt.opts)
		l, lerr := c.ListVMIs(ctx, tt.opts)
		if err != nil || lerr != nil || n != tt.want || len(l) != n {
			t.Errorf("%s: count %d (%v), list %d (%v); want %d", tt.reason, n, err, len(l), lerr, tt.want)
		}
	}
	if _, err := c.CountVMIs(ctx, update.ListOptions{LabelSelector: "a in (b"}); err == nil {
		t.Error("a malformed selector must be an error")
	}
}

// launcherPod is a virt-launcher pod as KubeVirt makes it: controlled by
// the VMI, labelled with its UID.
func launcherPod(ns, name, node, vmiName string, vmiUID types.UID) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name,
			Labels: map[string]string{"kubevirt.io": "virt-launcher", kubevirtv1.CreatedByLabel: string(vmiUID), "app": "vm-" + vmiName},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstance",
				Name: vmiName, UID: vmiUID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec:   corev1.PodSpec{NodeName: node, AutomountServiceAccountToken: ptr.To(false), Containers: []corev1.Container{{Name: "compute", Image: "virt-launcher"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

// TestEvictVMI evicts a VMI's launcher pod on its node through the
// Eviction API, not the migration target on another node. A
// PodDisruptionBudget not yet processed refuses with 429 and Retry-After:
// 10 (k8s.io/kubernetes pkg/registry/core/pod/storage/eviction.go
// checkAndDecrement, createTooManyRequestsError): posted through
// Options.Config once, that is at once an *update.EvictionError with
// Refusal EvictionDisruptionBudget, as the kube adapter returns it;
// through the client's eviction subresource client-go waits out the
// Retry-After and asks again (rest/with_retry.go), so within a two-second
// context the answer is the context's end, a transient error.
func TestEvictVMI(t *testing.T) {
	cfg := needServer(t)
	direct := directClient(t, cfg)
	const ns = "evict"
	running := kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: "worker-0"}}
	idle := kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "idle"}}
	seed(t, cfg, updatetest.Fixture{VMIs: []kubevirtv1.VirtualMachineInstance{running, idle}})
	ctx := t.Context()
	if err := direct.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	var vmi kubevirtv1.VirtualMachineInstance
	if err := direct.Get(ctx, client.ObjectKey{Namespace: ns, Name: "db"}, &vmi); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*corev1.Pod{
		launcherPod(ns, "virt-launcher-db-cur", "worker-0", "db", vmi.UID),
		launcherPod(ns, "virt-launcher-db-target", "worker-1", "db", vmi.UID), // a migration target
	} {
		status := p.Status
		if err := direct.Create(ctx, p); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
		// Running, as the kubelet would report it: the Eviction API lets
		// Pending pods go without asking their PodDisruptionBudget.
		p.Status = status
		if err := direct.Status().Update(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "vm-db"}}}}
	if err := direct.Create(ctx, pdb); err != nil {
		t.Fatal(err)
	}
	mgr := startManager(t, cfg, managerOptions{})
	waitCacheHolds(t, mgr.GetCache(), direct, false)

	once, err := New(mgr.GetClient(), Options{Config: mgr.GetConfig()})
	if err != nil {
		t.Fatal(err)
	}
	err = once.EvictVMI(ctx, ns, "db")
	var ee *update.EvictionError
	if !errors.As(err, &ee) || !errors.Is(err, kube.ErrEvictionDenied) || ee.Refusal != update.EvictionDisruptionBudget || ee.Pod != "virt-launcher-db-cur" {
		t.Fatalf("evict under a PodDisruptionBudget through Options.Config: err = %v, want an *update.EvictionError (%s) for pod virt-launcher-db-cur", err, update.EvictionDisruptionBudget)
	}

	retrying, err := New(mgr.GetClient(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = retrying.EvictVMI(short, ns, "db")
	cancel()
	if errors.As(err, &ee) || !errors.Is(err, update.ErrTransient) {
		t.Errorf("evict through the client's subresource within 2s: err = %v, want client-go still retrying (a transient error, no EvictionError)", err)
	}

	if err := direct.Delete(ctx, pdb); err != nil {
		t.Fatal(err)
	}
	if err := retrying.EvictVMI(ctx, ns, "db"); err != nil {
		t.Fatalf("evict without a budget, through the client's subresource: %v", err)
	}
	for name, wantEvicted := range map[string]bool{"virt-launcher-db-cur": true, "virt-launcher-db-target": false} {
		var p corev1.Pod
		err := direct.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &p)
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if evicted := apierrors.IsNotFound(err) || p.DeletionTimestamp != nil; evicted != wantEvicted {
			t.Errorf("pod %s evicted = %v, want %v", name, evicted, wantEvicted)
		}
	}
	if err := retrying.EvictVMI(ctx, ns, "idle"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("evict a VMI without a launcher pod: err = %v, want ErrNotFound", err)
	}
}

// waitUntil polls cond every 10 ms for up to 10 s: it waits on a real API
// server's watch.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 10s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
