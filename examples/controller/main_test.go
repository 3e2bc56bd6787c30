package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
)

func TestFlags(t *testing.T) {
	var stderr strings.Builder
	c, err := parse(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if !c.leaderElect || c.namespace != update.DefaultNamespace || c.metricsAddr != ":8080" {
		t.Errorf("defaults %+v: want leader election on, namespace %s, metrics on :8080", c, update.DefaultNamespace)
	}
	if _, err := options(config{methods: "LiveMigrate,Restart"}); err == nil || !strings.Contains(err.Error(), "--methods") {
		t.Errorf("a bad --methods: err = %v, want one naming the flag", err)
	}
}

// The command's manager, with leader election, against a real API server
// with the upstream CRDs: it creates the migrations of the outdated VMIs
// with the methods of --methods (the HyperConverged's are [], KubeVirt's
// updater off).
func TestRunOnEnvtest(t *testing.T) {
	if _, missing := kubetest.Assets(); missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + missing)
		}
		t.Skip(missing)
	}
	srv, err := kubetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := kubevirtv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	admin, err := client.New(srv.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := update.DefaultNamespace
	for _, n := range []string{ns, "vms"} {
		if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
	}
	off := []kubevirtv1.WorkloadUpdateMethod{}
	hc, err := kubetest.HyperConvergedObject(&update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &off}}}, srv.HCO().StorageVersion)
	if err != nil {
		t.Fatal(err)
	}
	delete(hc.Object, "status")
	if err := admin.Create(ctx, hc); err != nil {
		t.Fatal(err)
	}
	kv := &kubevirtv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubevirt-kubevirt-hyperconverged"}}
	if err := admin.Create(ctx, kv); err != nil {
		t.Fatal(err)
	}
	kv.Status.Phase = kubevirtv1.KubeVirtPhaseDeployed
	if err := admin.Status().Update(ctx, kv); err != nil {
		t.Fatal(err)
	}
	vmi := &kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: "vms", Name: "db", Labels: map[string]string{kubevirtv1.OutdatedLauncherImageLabel: ""}},
		Spec:       kubevirtv1.VirtualMachineInstanceSpec{Domain: kubevirtv1.DomainSpec{Devices: kubevirtv1.Devices{}}},
		Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: "worker-0", LauncherContainerImageVersion: "virt-launcher:old",
			Conditions: []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}}},
	}
	if err := admin.Create(ctx, vmi); err != nil {
		t.Fatal(err)
	}

	c, err := parse([]string{"--methods", "LiveMigrate", "--metrics-bind-address", "0", "--health-probe-bind-address", "0"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, srv.Config, c) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var migs kubevirtv1.VirtualMachineInstanceMigrationList
		if err := admin.List(ctx, &migs, client.InNamespace("vms")); err != nil {
			t.Fatal(err)
		}
		if len(migs.Items) == 1 && migs.Items[0].Spec.VMIName == "db" {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the command stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no migration of vms/db within 60 s (found %d)", len(migs.Items))
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("the command returned %v after its context ended, want nil", err)
	}
}
