package workload

import (
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v1 "kubevirt.io/api/core/v1"
)

// Convergence limits of a live migration in flight, enforced by
// virt-launcher on the source node: KubeVirt's defaults, and those HCO
// (OpenShift Virtualization) writes into the KubeVirt CR.
const (
	// DefaultCompletionTimeoutPerGiB is KubeVirt's
	// migrations.completionTimeoutPerGiB, in seconds: the time a migration
	// may take per unit of migrated data (see [CompletionTimeout]) before it
	// is aborted, switched to post-copy, or forced to switch over.
	DefaultCompletionTimeoutPerGiB int64 = 150
	// DefaultProgressTimeout is KubeVirt's migrations.progressTimeout, in
	// seconds: a migration whose remaining data has not shrunk for longer
	// than this is aborted.
	DefaultProgressTimeout int64 = 150
	// HCOCompletionTimeoutPerGiB is HCO's completionTimeoutPerGiB from
	// release 1.19 on, for new installations, and for upgraded ones that
	// still had the earlier default of 150 (HCO's upgrade patch replaces
	// 150 by 20).
	HCOCompletionTimeoutPerGiB int64 = 20
	// HCOParallelOutboundMigrationsPerNode is HCO's
	// parallelOutboundMigrationsPerNode for installations made with release
	// 1.19 or later. Upgraded installations keep the value they stored,
	// KubeVirt's 2 unless someone changed it.
	HCOParallelOutboundMigrationsPerNode uint32 = 1
	// HCOParallelMigrationsPerCluster is HCO's
	// parallelMigrationsPerCluster, the same as KubeVirt's.
	HCOParallelMigrationsPerCluster uint32 = 5
	// HCOProgressTimeout is HCO's progressTimeout, in seconds, the same as
	// KubeVirt's.
	HCOProgressTimeout int64 = 150
)

// KubeVirtMigrationDefaults is the migration configuration KubeVirt applies
// when its CR sets none: the fields this package reads (parallel limits,
// completion and progress timeouts, auto-converge and post-copy off). Fields
// KubeVirt leaves unset (allowWorkloadDisruption) stay nil.
func KubeVirtMigrationDefaults() v1.MigrationConfiguration {
	perCluster := uint32(DefaultParallelMigrationsPerCluster)
	perNode := uint32(DefaultParallelOutboundMigrationsPerNode)
	return v1.MigrationConfiguration{
		ParallelMigrationsPerCluster:      &perCluster,
		ParallelOutboundMigrationsPerNode: &perNode,
		CompletionTimeoutPerGiB:           ptrTo(DefaultCompletionTimeoutPerGiB),
		ProgressTimeout:                   ptrTo(DefaultProgressTimeout),
		AllowAutoConverge:                 ptrTo(false),
		AllowPostCopy:                     ptrTo(false),
	}
}

// HCOMigrationDefaults is the live migration configuration HCO 1.19 or
// later writes into the KubeVirt CR when the HyperConverged CR's
// liveMigrationConfig was left at its defaults.
//
// newInstall is true for a cluster installed with HCO 1.19 or later:
// parallelOutboundMigrationsPerNode 1 and completionTimeoutPerGiB 20. It is
// false for one upgraded from an earlier release: the stored defaults
// remain, except completionTimeoutPerGiB, which HCO's upgrade patch changes
// from 150 to 20, so parallelOutboundMigrationsPerNode stays 2. Both keep
// parallelMigrationsPerCluster 5, progressTimeout 150 s and auto-converge,
// post-copy and workload disruption off.
func HCOMigrationDefaults(newInstall bool) v1.MigrationConfiguration {
	perCluster := HCOParallelMigrationsPerCluster
	perNode := HCOParallelOutboundMigrationsPerNode
	if !newInstall {
		perNode = uint32(DefaultParallelOutboundMigrationsPerNode)
	}
	return v1.MigrationConfiguration{
		ParallelMigrationsPerCluster:      &perCluster,
		ParallelOutboundMigrationsPerNode: &perNode,
		CompletionTimeoutPerGiB:           ptrTo(HCOCompletionTimeoutPerGiB),
		ProgressTimeout:                   ptrTo(HCOProgressTimeout),
		AllowAutoConverge:                 ptrTo(false),
		AllowPostCopy:                     ptrTo(false),
		AllowWorkloadDisruption:           ptrTo(false),
	}
}

func ptrTo[T any](v T) *T { return &v }

// CompletionTimeout is how long a live migration of a VMI with memory of
// guest memory and migratedDisks of migrated (non-shared) disk data may run
// under cfg before virt-launcher's completion timeout acts (abort, or
// post-copy or forced switchover when the configuration allows them).
//
// It is KubeVirt's rule: completionTimeoutPerGiB seconds (unset:
// DefaultCompletionTimeoutPerGiB) times the migrated data counted in whole
// gigabytes of 10⁹ bytes, rounded up — despite the field's name, not in
// GiB — so 2Gi of memory counts as 3. There is no minimum: zero data, or
// a completionTimeoutPerGiB of zero or less, gives 0, which means no
// completion timeout at all. virt-launcher compares whole elapsed seconds
// with the timeout and acts once they exceed it.
//
// Use [MigrationData] for the memory and disks of a VMI.
func CompletionTimeout(cfg v1.MigrationConfiguration, memory, migratedDisks resource.Quantity) time.Duration {
	perUnit := DefaultCompletionTimeoutPerGiB
	if cfg.CompletionTimeoutPerGiB != nil {
		perUnit = *cfg.CompletionTimeoutPerGiB
	}
	if perUnit <= 0 {
		return 0
	}
	data := memory.DeepCopy()
	data.Add(migratedDisks)
	units := data.ScaledValue(resource.Giga)
	if units <= 0 {
		return 0
	}
	return saturatingSeconds(perUnit, units)
}

// saturatingSeconds is a×b seconds, capped at the largest Duration.
func saturatingSeconds(a, b int64) time.Duration {
	const maxSeconds = int64(math.MaxInt64) / int64(time.Second)
	if a > maxSeconds/b {
		return time.Duration(math.MaxInt64)
	}
	return secondsToDuration(a * b)
}

// ProgressTimeout is how long a live migration under cfg may go without
// progress (its remaining data not shrinking) before virt-launcher aborts
// it: progressTimeout seconds, unset meaning DefaultProgressTimeout. Zero
// or less disables the check, and gives 0. virt-launcher acts once the
// whole seconds without progress exceed it.
func ProgressTimeout(cfg v1.MigrationConfiguration) time.Duration {
	s := DefaultProgressTimeout
	if cfg.ProgressTimeout != nil {
		s = *cfg.ProgressTimeout
	}
	if s <= 0 {
		return 0
	}
	return secondsToDuration(s)
}

// MigrationData is the data a live migration of vmi moves, as virt-launcher
// counts it for the completion timeout: memory is the VMI's memory request,
// or spec.domain.memory.guest when set; migratedDisks is the size of the
// volumes in status.migratedVolumes (for each, the smaller of its source
// PVC's storage request and capacity; a volume missing either counts 0).
// Local disks copied by a block migration are not included: virt-launcher
// measures their files on the node, which the VMI does not show. A nil vmi
// gives zero quantities.
func MigrationData(vmi *v1.VirtualMachineInstance) (memory, migratedDisks resource.Quantity) {
	if vmi == nil {
		return resource.Quantity{}, resource.Quantity{}
	}
	if q, ok := vmi.Spec.Domain.Resources.Requests[corev1.ResourceMemory]; ok {
		memory = q.DeepCopy()
	}
	if m := vmi.Spec.Domain.Memory; m != nil && m.Guest != nil {
		memory = m.Guest.DeepCopy()
	}
	var disks int64
	for _, mv := range vmi.Status.MigratedVolumes {
		if mv.SourcePVCInfo == nil {
			continue
		}
		capQ, ok := mv.SourcePVCInfo.Capacity[corev1.ResourceStorage]
		if !ok {
			continue
		}
		reqQ, ok := mv.SourcePVCInfo.Requests[corev1.ResourceStorage]
		if !ok {
			continue
		}
		c, ok1 := capQ.AsInt64()
		r, ok2 := reqQ.AsInt64()
		if !ok1 || !ok2 {
			continue
		}
		size := min(c, r)
		if size > 0 && disks > math.MaxInt64-size {
			disks = math.MaxInt64
			continue
		}
		disks += size
	}
	return memory, *resource.NewQuantity(disks, resource.BinarySI)
}
