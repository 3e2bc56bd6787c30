package workload

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v1 "kubevirt.io/api/core/v1"
)

// KubeVirt: pkg/virt-config/virt-config.go (MigrationCompletionTimeoutPerGiB,
// MigrationProgressTimeout, ParallelMigrationsPerClusterDefault,
// ParallelOutboundMigrationsPerNodeDefault) and pkg/virt-config/configuration.go
// defaultClusterConfig.
func TestKubeVirtMigrationDefaults(t *testing.T) {
	want := v1.MigrationConfiguration{
		ParallelMigrationsPerCluster:      ptr(uint32(5)),
		ParallelOutboundMigrationsPerNode: ptr(uint32(2)),
		CompletionTimeoutPerGiB:           ptr(int64(150)),
		ProgressTimeout:                   ptr(int64(150)),
		AllowAutoConverge:                 ptr(false),
		AllowPostCopy:                     ptr(false),
	}
	if diff := cmp.Diff(want, KubeVirtMigrationDefaults()); diff != "" {
		t.Errorf("KubeVirtMigrationDefaults (-want +got):\n%s", diff)
	}
}

// HCO: api/v1/hyperconverged_types.go (kubebuilder default of
// liveMigrationConfig: completionTimeoutPerGiB 20,
// parallelMigrationsPerCluster 5, parallelOutboundMigrationsPerNode 1,
// progressTimeout 150, allowAutoConverge/allowPostCopy/allowWorkloadDisruption
// false) and assets/upgradePatches.json (for "<1.19.0": test
// completionTimeoutPerGiB == 150, replace with 20; no patch of
// parallelOutboundMigrationsPerNode).
func TestHCOMigrationDefaults(t *testing.T) {
	tests := []struct {
		reason     string
		newInstall bool
		perNode    uint32
	}{
		{"installed with HCO 1.19: the new CRD default of 1 outbound migration per node", true, 1},
		{"upgraded from HCO < 1.19: the stored 2 stays, only completionTimeoutPerGiB is patched", false, 2},
	}
	for _, tt := range tests {
		want := v1.MigrationConfiguration{
			ParallelMigrationsPerCluster:      ptr(uint32(5)),
			ParallelOutboundMigrationsPerNode: ptr(tt.perNode),
			CompletionTimeoutPerGiB:           ptr(int64(20)),
			ProgressTimeout:                   ptr(int64(150)),
			AllowAutoConverge:                 ptr(false),
			AllowPostCopy:                     ptr(false),
			AllowWorkloadDisruption:           ptr(false),
		}
		if diff := cmp.Diff(want, HCOMigrationDefaults(tt.newInstall)); diff != "" {
			t.Errorf("%s: HCOMigrationDefaults(%v) (-want +got):\n%s", tt.reason, tt.newInstall, diff)
		}
	}
}

// KubeVirt: pkg/virt-launcher/virtwrap/live-migration-source.go
// newMigrationMonitor (acceptableCompletionTime = CompletionTimeoutPerGiB ×
// getVMIMigrationDataSize) and shouldTriggerTimeout (0 disables);
// pkg/virt-launcher/virtwrap/manager.go getVMIMigrationDataSize (memory plus
// migrated volumes, memory.ScaledValue(resource.Giga): gigabytes of 10⁹
// bytes, rounded up).
func TestCompletionTimeout(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		reason string
		cfg    v1.MigrationConfiguration
		memory resource.Quantity
		disks  resource.Quantity
		want   time.Duration
	}{
		{"unset: KubeVirt's 150 s per unit; 1G is one unit", v1.MigrationConfiguration{}, q("1G"), resource.Quantity{}, 150 * time.Second},
		{"2Gi is 2.147e9 bytes: rounded up to 3 units, not 2", v1.MigrationConfiguration{}, q("2Gi"), resource.Quantity{}, 450 * time.Second},
		{"1Gi (1.07e9 bytes) counts as 2 units", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(20))}, q("1Gi"), resource.Quantity{}, 40 * time.Second},
		{"HCO's 20 s on a 16Gi VMI: 18 units", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(20))}, q("16Gi"), resource.Quantity{}, 360 * time.Second},
		{"migrated disks add to the memory before rounding", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(10))}, q("1500M"), q("1500M"), 30 * time.Second},
		{"one byte over a unit adds a unit", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(10))}, *resource.NewQuantity(1e9+1, resource.DecimalSI), resource.Quantity{}, 20 * time.Second},
		{"no data: no completion timeout", v1.MigrationConfiguration{}, resource.Quantity{}, resource.Quantity{}, 0},
		{"completionTimeoutPerGiB 0: no completion timeout", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(0))}, q("4Gi"), resource.Quantity{}, 0},
		{"a negative completionTimeoutPerGiB: no timeout rather than a negative one", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(-5))}, q("4Gi"), resource.Quantity{}, 0},
		{"a huge product saturates instead of overflowing", v1.MigrationConfiguration{CompletionTimeoutPerGiB: ptr(int64(math.MaxInt64))}, q("4Gi"), resource.Quantity{}, time.Duration(math.MaxInt64)},
	}
	for _, tt := range tests {
		if got := CompletionTimeout(tt.cfg, tt.memory, tt.disks); got != tt.want {
			t.Errorf("%s: CompletionTimeout = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

// The inputs are not modified (CompletionTimeout adds the quantities).
func TestCompletionTimeoutKeepsItsInputs(t *testing.T) {
	mem, disks := resource.MustParse("2Gi"), resource.MustParse("1Gi")
	CompletionTimeout(v1.MigrationConfiguration{}, mem, disks)
	if mem.String() != "2Gi" || disks.String() != "1Gi" {
		t.Errorf("inputs changed: memory %s, disks %s", mem.String(), disks.String())
	}
}

// KubeVirt: pkg/virt-launcher/virtwrap/live-migration-source.go
// isMigrationProgressing (progressTimeout 0 disables) and
// pkg/virt-config/virt-config.go MigrationProgressTimeout = 150.
func TestProgressTimeout(t *testing.T) {
	tests := []struct {
		reason string
		cfg    v1.MigrationConfiguration
		want   time.Duration
	}{
		{"unset: KubeVirt's 150 s", v1.MigrationConfiguration{}, 150 * time.Second},
		{"set", v1.MigrationConfiguration{ProgressTimeout: ptr(int64(30))}, 30 * time.Second},
		{"0 disables the check", v1.MigrationConfiguration{ProgressTimeout: ptr(int64(0))}, 0},
		{"negative: disabled, not negative", v1.MigrationConfiguration{ProgressTimeout: ptr(int64(-1))}, 0},
	}
	for _, tt := range tests {
		if got := ProgressTimeout(tt.cfg); got != tt.want {
			t.Errorf("%s: ProgressTimeout = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

// KubeVirt: pkg/virt-launcher/virtwrap/manager.go getVMIMigrationDataSize
// (memory request, overridden by spec.domain.memory.guest) and
// pkg/storage/types/volume.go GetTotalSizeMigratedVolumes with
// pkg/storage/types/pvc.go GetDiskCapacity (min of request and capacity;
// either missing: not counted).
func TestMigrationData(t *testing.T) {
	q := resource.MustParse
	pvc := func(capacity, request string) *v1.PersistentVolumeClaimInfo {
		info := &v1.PersistentVolumeClaimInfo{Capacity: corev1.ResourceList{}, Requests: corev1.ResourceList{}}
		if capacity != "" {
			info.Capacity[corev1.ResourceStorage] = q(capacity)
		}
		if request != "" {
			info.Requests[corev1.ResourceStorage] = q(request)
		}
		return info
	}
	tests := []struct {
		reason       string
		vmi          *v1.VirtualMachineInstance
		memory, disk int64
	}{
		{"the memory request", vmi("a", func(v *v1.VirtualMachineInstance) {
			v.Spec.Domain.Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: q("2Gi")}
		}), 2 << 30, 0},
		{"guest memory overrides the request", vmi("b", func(v *v1.VirtualMachineInstance) {
			v.Spec.Domain.Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: q("2Gi")}
			v.Spec.Domain.Memory = &v1.Memory{Guest: ptr(q("4Gi"))}
		}), 4 << 30, 0},
		{"migrated volumes: the smaller of request and capacity; one without a request is not counted", vmi("c", func(v *v1.VirtualMachineInstance) {
			v.Status.MigratedVolumes = []v1.StorageMigratedVolumeInfo{
				{VolumeName: "root", SourcePVCInfo: pvc("12Gi", "10Gi")},
				{VolumeName: "data", SourcePVCInfo: pvc("1Gi", "5Gi")},
				{VolumeName: "odd", SourcePVCInfo: pvc("1Gi", "")},
				{VolumeName: "none"},
			}
		}), 0, 11 << 30},
		{"nil VMI", nil, 0, 0},
	}
	for _, tt := range tests {
		mem, disk := MigrationData(tt.vmi)
		if mem.Value() != tt.memory || disk.Value() != tt.disk {
			t.Errorf("%s: MigrationData = %d, %d bytes; want %d, %d", tt.reason, mem.Value(), disk.Value(), tt.memory, tt.disk)
		}
	}
}
