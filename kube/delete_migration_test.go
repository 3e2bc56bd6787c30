package kube

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestDeleteMigration deletes migrations on a real API server. KubeVirt's
// workload updater aborts a migration it no longer needs by deleting it
// and takes NotFound as done
// (pkg/virt-controller/watch/workload-updater/workload-updater.go, the
// abortChangeVMIs loop); its migration controller holds the migration
// with the finalizer kubevirt.io/migrationJobFinalize and reads the
// deletionTimestamp of one that has not finished as the request to abort
// it (pkg/virt-controller/watch/migration/migration.go: DeletionTimestamp
// != nil && !isMigrationHandedOff → AbortRequested). So a delete of a
// migration that still has its finalizer succeeds and leaves it marked,
// deleting it again succeeds too, and a migration that is gone is
// update.ErrNotFound naming it.
func TestDeleteMigration(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	const ns = "abort"
	mig := func(name string, finalizers ...string) kubevirtv1.VirtualMachineInstanceMigration {
		return kubevirtv1.VirtualMachineInstanceMigration{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Finalizers: finalizers,
				Annotations: map[string]string{kubevirtv1.WorkloadUpdateMigrationAnnotation: ""}},
			Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "db"},
		}
	}
	a.seed(t, updatetest.Fixture{
		HyperConverged: updatetest.HyperConverged(nil),
		Migrations: []kubevirtv1.VirtualMachineInstanceMigration{
			mig("kubevirt-workload-update-done"),
			mig("kubevirt-workload-update-running", kubevirtv1.VirtualMachineInstanceMigrationFinalizer),
			mig("kubevirt-workload-update-kept"),
		},
	})
	running := "kubevirt-workload-update-running"
	t.Cleanup(func() { // envtest runs no migration controller to drop the finalizer
		_, _ = a.dyn.Resource(MigrationResource).Namespace(ns).Patch(t.Context(), running, types.MergePatchType,
			[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	if err := c.DeleteMigration(ctx, ns, "kubevirt-workload-update-done"); err != nil {
		t.Fatalf("delete a migration without finalizer: %v", err)
	}
	if err := c.DeleteMigration(ctx, ns, running); err != nil {
		t.Fatalf("delete a migration KubeVirt still holds: %v", err)
	}
	if err := c.DeleteMigration(ctx, ns, running); err != nil {
		t.Errorf("delete the marked migration again: %v, want nil (it still exists until KubeVirt drops its finalizer)", err)
	}

	migs, err := c.ListMigrations(ctx, update.ListOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range migs {
		got[m.Name] = m.DeletionTimestamp != nil
	}
	want := map[string]bool{running: true, "kubevirt-workload-update-kept": false}
	if len(got) != len(want) {
		t.Errorf("migrations left: %v (name → marked for deletion), want %v", got, want)
	}
	for name, marked := range want {
		if m, ok := got[name]; !ok || m != marked {
			t.Errorf("migration %s: present %v, marked for deletion %v; want present, marked %v", name, ok, m, marked)
		}
	}

	for _, tt := range []struct {
		namespace, name string
		reason          string
	}{
		{ns, "kubevirt-workload-update-done", "deleted already"},
		{ns, "never-created", "never there"},
		{"no-such-namespace", "kubevirt-workload-update-x", "a namespace that does not exist"},
	} {
		err := c.DeleteMigration(ctx, tt.namespace, tt.name)
		var oe *update.ObjectError
		if !errors.Is(err, update.ErrNotFound) || !errors.As(err, &oe) ||
			oe.Op != "delete" || oe.Kind != kindMigration || oe.Namespace != tt.namespace || oe.Name != tt.name {
			t.Errorf("%s: DeleteMigration(%s, %s) = %v, want update.ErrNotFound in an ObjectError naming the delete and the migration", tt.reason, tt.namespace, tt.name, err)
		}
	}
}
