package crclient_test

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/virtupdate/virtupdate/kube/crclient"
	"github.com/virtupdate/virtupdate/update"
)

// KubeVirt's workload updater aborts a migration it no longer needs by
// deleting it (pkg/virt-controller/watch/workload-updater/workload-updater.go,
// the abort path); a migration already gone is not an error to the caller,
// who tells it apart by update.ErrNotFound.
func TestDeleteMigration(t *testing.T) {
	scheme, err := crclient.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	m := &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "kubevirt-workload-update-abc"},
		Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "db"}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(m).Build()
	cluster, err := crclient.New(c, crclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := cluster.DeleteMigration(ctx, "prod", m.Name); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(m), &kubevirtv1.VirtualMachineInstanceMigration{}); err == nil {
		t.Error("the migration is still there")
	}
	if err := cluster.DeleteMigration(ctx, "prod", m.Name); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("deleting it again: err = %v, want update.ErrNotFound", err)
	}
}
