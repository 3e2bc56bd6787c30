package fake

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// migrationValidator is the name of KubeVirt's validating webhook for new
// migrations (pkg/virt-operator/resource/generate/components/webhooks.go).
const migrationValidator = "migration-create-validator.kubevirt.io"

// mutateMigration is KubeVirt's mutating webhook on a new migration
// (pkg/virt-api/webhooks/mutating-webhook/mutators/migration-create-mutator.go):
// it labels the migration with its VMI's name.
func (c *Cluster) mutateMigration(m *kubevirtv1.VirtualMachineInstanceMigration) {
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	m.Labels[kubevirtv1.MigrationSelectorLabel] = m.Spec.VMIName
}

// admitMigration is KubeVirt's validating webhook on a new migration
// (pkg/virt-api/webhooks/validating-webhook/admitters/migration-create-admitter.go):
// the VMI must exist, not be final, not be LiveMigratable=False, and have no
// migration in flight. The denial is an error naming the migration, as the
// API server returns it.
func (c *Cluster) admitMigration(m *kubevirtv1.VirtualMachineInstanceMigration) error {
	deny := func(msg string) error {
		return &update.ObjectError{Op: "create", Kind: KindMigration, Namespace: m.Namespace, Name: m.Name,
			Err: errors.New(`admission webhook "` + migrationValidator + `" denied the request: ` + msg)}
	}
	vk := key{m.Namespace, m.Spec.VMIName}
	vmi := c.vmis[vk]
	switch {
	case vmi == nil:
		return deny(`the VMI "` + vk.namespace + "/" + vk.name + `" does not exist`)
	case vmi.IsFinal():
		return deny("Cannot migrate VMI in finalized state.")
	}
	for _, cond := range vmi.Status.Conditions {
		if cond.Type == kubevirtv1.VirtualMachineInstanceIsMigratable && cond.Status == corev1.ConditionFalse {
			return deny("Cannot migrate VMI, Reason: " + cond.Reason + ", Message: " + cond.Message)
		}
	}
	if other := c.unfinishedMigration(vk); other != nil {
		return deny("in-flight migration detected. Active migration job (" + string(other.UID) + ") is currently already in progress for VMI " + vk.name + ".")
	}
	return nil
}
