package controller_test

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube/crclient"
	"github.com/virtupdate/virtupdate/update"
)

// A manager with leader election, the reconciler and crclient's ports over
// the manager's cache, on a real API server with the upstream CRDs: it
// takes the lease, creates the workload-update migrations of the outdated
// VMIs (KubeVirt's cap and the per-node cap), publishes the metrics in
// controller-runtime's registry and records the creations as
// events.k8s.io/v1 Events.
func TestManagerOnEnvtest(t *testing.T) {
	cfg := needServer(t)
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, crclient.AddToScheme, controller.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns, vms := update.DefaultNamespace, "vms"
	for _, n := range []string{ns, vms} {
		if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}
	hc, err := kubetest.HyperConvergedObject(&update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}}, server.HCO().StorageVersion)
	if err != nil {
		t.Fatal(err)
	}
	delete(hc.Object, "status")
	if err := admin.Create(ctx, hc); err != nil {
		t.Fatal(err)
	}
	perNode := uint32(1)
	kv := &kubevirtv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-kubevirt-hyperconverged"},
		Spec: kubevirtv1.KubeVirtSpec{Configuration: kubevirtv1.KubeVirtConfiguration{
			MigrationConfiguration: &kubevirtv1.MigrationConfiguration{ParallelOutboundMigrationsPerNode: &perNode}}}}
	if err := admin.Create(ctx, kv); err != nil {
		t.Fatal(err)
	}
	kv.Status.Phase = kubevirtv1.KubeVirtPhaseDeployed
	if err := admin.Status().Update(ctx, kv); err != nil {
		t.Fatal(err)
	}
	// Four outdated running VMIs that can migrate, two per node: the
	// per-node cap of 1 lets two migrations start.
	for i, node := range []string{"worker-0", "worker-0", "worker-1", "worker-1"} {
		vmi := &kubevirtv1.VirtualMachineInstance{
			ObjectMeta: metav1.ObjectMeta{Namespace: vms, Name: "vm-" + string(rune('a'+i)),
				Labels: map[string]string{kubevirtv1.OutdatedLauncherImageLabel: ""}},
			Spec: kubevirtv1.VirtualMachineInstanceSpec{Domain: kubevirtv1.DomainSpec{Devices: kubevirtv1.Devices{}}},
			Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node,
				LauncherContainerImageVersion: "virt-launcher:old",
				Conditions:                    []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}}},
		}
		if err := admin.Create(ctx, vmi); err != nil {
			t.Fatal(err)
		}
	}

	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                  scheme,
		Cache:                   controller.CacheOptions(ns),
		LeaderElection:          true,
		LeaderElectionID:        controller.DefaultName,
		LeaderElectionNamespace: ns,
		Metrics:                 metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:  "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := crclient.New(mgr.GetClient(), crclient.Options{Namespace: ns, APIReader: mgr.GetAPIReader(), Config: mgr.GetConfig()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := controller.New(cl, controller.Throttle(-1)) // metrics in controller-runtime's registry
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetupWithManager(mgr, ns); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	select {
	case <-mgr.Elected():
	case err := <-done:
		t.Fatalf("the manager stopped before it was elected: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("not elected leader within 60 s")
	}

	var migs kubevirtv1.VirtualMachineInstanceMigrationList
	waitFor(t, 30*time.Second, "2 workload-update migrations", func() bool {
		if err := admin.List(ctx, &migs, client.InNamespace(vms)); err != nil {
			t.Fatal(err)
		}
		return len(migs.Items) >= 2
	})
	// Give a later pass the chance to exceed the caps, then count again.
	waitFor(t, 30*time.Second, "the in-flight gauge to show the 2 migrations", func() bool {
		v, _ := gauge(t, ctrlmetrics.Registry, controller.MetricMigrationsFlight)
		return v == 2
	})
	if err := admin.List(ctx, &migs, client.InNamespace(vms)); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]int{}
	for _, m := range migs.Items {
		if _, ok := m.Annotations[kubevirtv1.WorkloadUpdateMigrationAnnotation]; !ok {
			t.Errorf("migration %s lacks the %s annotation", m.Name, kubevirtv1.WorkloadUpdateMigrationAnnotation)
		}
		var vmi kubevirtv1.VirtualMachineInstance
		if err := admin.Get(ctx, client.ObjectKey{Namespace: vms, Name: m.Spec.VMIName}, &vmi); err != nil {
			t.Fatal(err)
		}
		nodes[vmi.Status.NodeName]++
	}
	if len(migs.Items) != 2 || nodes["worker-0"] != 1 || nodes["worker-1"] != 1 {
		t.Errorf("%d migrations by source node %v, want one out of each node (parallelOutboundMigrationsPerNode 1)", len(migs.Items), nodes)
	}
	if v, help := gauge(t, ctrlmetrics.Registry, controller.MetricOutdated); v != 4 || help == "" {
		t.Errorf("%s = %v (help %q), want 4 with HELP text", controller.MetricOutdated, v, help)
	}
	var lease coordinationv1.Lease
	if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: controller.DefaultName}, &lease); err != nil {
		t.Errorf("the leader-election Lease: %v", err)
	} else if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Errorf("the Lease has no holder")
	}
	waitFor(t, 30*time.Second, "the SuccessfulCreate Events", func() bool {
		var evs eventsv1.EventList
		if err := admin.List(ctx, &evs, client.InNamespace(vms)); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs.Items {
			if e.Reason == controller.ReasonSuccessfulCreate && e.Regarding.Kind == "VirtualMachineInstance" {
				n++
			}
		}
		return n == 2
	})
}

// waitFor polls cond every 50 ms until it holds or the timeout passes: it
// waits on the API server and the manager, which run in real time.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
