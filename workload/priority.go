package workload

import (
	"cmp"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// Queue priorities of KubeVirt's migration controller. Its work queue hands
// out the migration with the highest priority first; a migration's priority
// comes from spec.priority ([MigrationPriority]). Migrations the controller
// re-enqueues to watch a backoff or a pending target pod get
// QueuePriorityRunning.
const (
	// QueuePriorityRunning is for migrations already in progress.
	QueuePriorityRunning = 1000
	// QueuePrioritySystemCritical is for spec.priority system-critical:
	// evacuations (node drains) and workload updates.
	QueuePrioritySystemCritical = 100
	// QueuePriorityUserTriggered is for spec.priority user-triggered:
	// workload-update migrations for a hotplug or a volume update.
	QueuePriorityUserTriggered = 50
	// QueuePrioritySystemMaintenance is for spec.priority
	// system-maintenance: evacuations the descheduler asked for.
	QueuePrioritySystemMaintenance = 20
	// QueuePriorityDefault is for migrations without (or with an unknown)
	// spec.priority: those users create.
	QueuePriorityDefault = 0
)

// evacuationGenerateName is the generated-name prefix of KubeVirt's
// evacuation migrations.
const evacuationGenerateName = "kubevirt-evacuation-"

// descheduler is the value of the VMI annotation kubevirt.io/eviction-source
// that makes an evacuation system-maintenance.
const descheduler = "descheduler"

// MigrationPriority is the queue priority KubeVirt's migration controller
// gives migration m, from its spec.priority: system-critical 100,
// user-triggered 50, system-maintenance 20, anything else (or none) 0. A nil
// m has QueuePriorityDefault.
func MigrationPriority(m *v1.VirtualMachineInstanceMigration) int {
	if m == nil || m.Spec.Priority == nil {
		return QueuePriorityDefault
	}
	switch *m.Spec.Priority {
	case v1.PrioritySystemCritical:
		return QueuePrioritySystemCritical
	case v1.PriorityUserTriggered:
		return QueuePriorityUserTriggered
	case v1.PrioritySystemMaintenance:
		return QueuePrioritySystemMaintenance
	}
	return QueuePriorityDefault
}

// QueuePriority is the priority with which KubeVirt's migration controller
// enqueues m on a change: QueuePriorityRunning while m is in phase Running,
// else [MigrationPriority].
func QueuePriority(m *v1.VirtualMachineInstanceMigration) int {
	if m != nil && m.Status.Phase == v1.MigrationRunning {
		return QueuePriorityRunning
	}
	return MigrationPriority(m)
}

// CompareMigrationPriority orders migrations the way KubeVirt's migration
// controller serves them, for sorting: higher [QueuePriority] first, so
// running migrations, then system-critical ones (evacuations, workload
// updates), user-triggered, system-maintenance, and those without a
// priority. When a migration finishes, KubeVirt re-enqueues the Pending ones
// in this order (by [MigrationPriority]), at most
// parallelMigrationsPerCluster of them.
// Among equal priorities KubeVirt's order is its queue's, which nothing
// fixes; this one takes the older migration first (by creation time), then
// namespace and name, so the order is reproducible. nil sorts last.
func CompareMigrationPriority(a, b *v1.VirtualMachineInstanceMigration) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if c := cmp.Compare(QueuePriority(b), QueuePriority(a)); c != 0 {
		return c
	}
	if c := a.CreationTimestamp.Time.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// RequeueDelay is how long KubeVirt's migration controller waits before it
// looks again at a Pending migration of queue priority priority that cannot
// start for lack of capacity (parallelMigrationsPerCluster or
// parallelOutboundMigrationsPerNode reached): 1 s from
// QueuePrioritySystemCritical up, 3 s from QueuePriorityUserTriggered up, 5
// s below.
func RequeueDelay(priority int) time.Duration {
	switch {
	case priority >= QueuePrioritySystemCritical:
		return time.Second
	case priority >= QueuePriorityUserTriggered:
		return 3 * time.Second
	}
	return 5 * time.Second
}

// NewEvacuationMigration is the migration KubeVirt's evacuation controller
// creates to move vmi off node (being drained, or where an eviction marked
// the VMI): generated name kubevirt-evacuation-…, annotation
// kubevirt.io/evacuationMigration with the node's name, priority
// system-critical, or system-maintenance when the VMI carries the
// annotation kubevirt.io/eviction-source=descheduler. A nil vmi gives nil.
func NewEvacuationMigration(vmi *v1.VirtualMachineInstance, node string) *v1.VirtualMachineInstanceMigration {
	if vmi == nil {
		return nil
	}
	prio := v1.PrioritySystemCritical
	if vmi.Annotations[v1.EvictionSourceAnnotation] == descheduler {
		prio = v1.PrioritySystemMaintenance
	}
	m := &v1.VirtualMachineInstanceMigration{
		Spec: v1.VirtualMachineInstanceMigrationSpec{VMIName: vmi.Name, Priority: &prio},
	}
	m.APIVersion, m.Kind = v1.GroupVersion.String(), "VirtualMachineInstanceMigration"
	m.Namespace, m.GenerateName = vmi.Namespace, evacuationGenerateName
	m.Annotations = map[string]string{v1.EvacuationMigrationAnnotation: node}
	return m
}
