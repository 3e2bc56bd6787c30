package workload

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "kubevirt.io/api/core/v1"
)

// KubeVirt: pkg/util/migrations/migrations.go (QueuePriority* constants,
// PriorityFromMigration) and pkg/virt-controller/watch/migration/migration.go
// enqueueMigration (a Running migration is enqueued at QueuePriorityRunning).
func TestMigrationPriority(t *testing.T) {
	withPrio := func(p v1.MigrationPriority) func(*v1.VirtualMachineInstanceMigration) {
		return func(m *v1.VirtualMachineInstanceMigration) { m.Spec.Priority = &p }
	}
	tests := []struct {
		reason      string
		m           *v1.VirtualMachineInstanceMigration
		spec, queue int
	}{
		{"system-critical (evacuation, workload update)", mig("a", "vm", v1.MigrationPending, t0, withPrio(v1.PrioritySystemCritical)), 100, 100},
		{"user-triggered", mig("a", "vm", v1.MigrationPending, t0, withPrio(v1.PriorityUserTriggered)), 50, 50},
		{"system-maintenance (descheduler)", mig("a", "vm", v1.MigrationPending, t0, withPrio(v1.PrioritySystemMaintenance)), 20, 20},
		{"no priority (a user's migration)", mig("a", "vm", v1.MigrationPending, t0), 0, 0},
		{"an unknown priority is the default", mig("a", "vm", v1.MigrationPending, t0, withPrio("urgent")), 0, 0},
		{"running: the active priority in the queue", mig("a", "vm", v1.MigrationRunning, t0, withPrio(v1.PrioritySystemMaintenance)), 20, 1000},
		{"nil", nil, 0, 0},
	}
	for _, tt := range tests {
		if got := MigrationPriority(tt.m); got != tt.spec {
			t.Errorf("%s: MigrationPriority = %d, want %d", tt.reason, got, tt.spec)
		}
		if got := QueuePriority(tt.m); got != tt.queue {
			t.Errorf("%s: QueuePriority = %d, want %d", tt.reason, got, tt.queue)
		}
	}
	// The documented values.
	for name, c := range map[string][2]int{
		"Running": {QueuePriorityRunning, 1000}, "SystemCritical": {QueuePrioritySystemCritical, 100},
		"UserTriggered": {QueuePriorityUserTriggered, 50}, "SystemMaintenance": {QueuePrioritySystemMaintenance, 20},
		"Default": {QueuePriorityDefault, 0},
	} {
		if c[0] != c[1] {
			t.Errorf("QueuePriority%s = %d, want %d", name, c[0], c[1])
		}
	}
}

// KubeVirt: migration_test.go "Priority queue" / "should get items in order
// based on priority": running first, then critical, user-triggered,
// maintenance, none; and reEnqueueHighestPriorityPendingMigrations (sorted
// by priority, highest first).
func TestCompareMigrationPriority(t *testing.T) {
	withPrio := func(p v1.MigrationPriority) func(*v1.VirtualMachineInstanceMigration) {
		return func(m *v1.VirtualMachineInstanceMigration) { m.Spec.Priority = &p }
	}
	ms := []*v1.VirtualMachineInstanceMigration{
		mig("test-noprio-migration-0", "a", v1.MigrationPending, t0),
		mig("test-maint-migration-0", "b", v1.MigrationPending, t0, withPrio(v1.PrioritySystemMaintenance)),
		nil,
		mig("test-user-migration-0", "c", v1.MigrationPending, t0, withPrio(v1.PriorityUserTriggered)),
		mig("test-crit-migration-1", "d", v1.MigrationPending, t0.Add(time.Second), withPrio(v1.PrioritySystemCritical)),
		mig("test-crit-migration-0", "e", v1.MigrationPending, t0, withPrio(v1.PrioritySystemCritical)),
		mig("testmigration0", "f", v1.MigrationRunning, t0.Add(time.Hour), withPrio(v1.PrioritySystemCritical)),
	}
	slices.SortFunc(ms, CompareMigrationPriority)
	var got []string
	for _, m := range ms {
		if m == nil {
			got = append(got, "<nil>")
			continue
		}
		got = append(got, m.Name)
	}
	want := []string{"testmigration0", "test-crit-migration-0", "test-crit-migration-1", "test-user-migration-0", "test-maint-migration-0", "test-noprio-migration-0", "<nil>"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("order (-want +got)\n%s", d)
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// getRequeueDelayForPriority.
func TestRequeueDelay(t *testing.T) {
	tests := []struct {
		reason   string
		priority int
		want     time.Duration
	}{
		{"running", QueuePriorityRunning, time.Second},
		{"system-critical", QueuePrioritySystemCritical, time.Second},
		{"user-triggered", QueuePriorityUserTriggered, 3 * time.Second},
		{"system-maintenance", QueuePrioritySystemMaintenance, 5 * time.Second},
		{"none", QueuePriorityDefault, 5 * time.Second},
	}
	for _, tt := range tests {
		if got := RequeueDelay(tt.priority); got != tt.want {
			t.Errorf("%s: RequeueDelay(%d) = %v, want %v", tt.reason, tt.priority, got, tt.want)
		}
	}
}

// KubeVirt: pkg/virt-controller/watch/drain/evacuation/evacuation.go
// GenerateNewMigration, pinned by evacuation_test.go "should have expected
// values, annotations and priority" ("default priority is system-critical",
// "with descheduler annotation, priority is system-maintenance").
func TestNewEvacuationMigration(t *testing.T) {
	tests := []struct {
		reason      string
		annotations map[string]string
		want        v1.MigrationPriority
	}{
		{"default priority is system-critical", nil, v1.PrioritySystemCritical},
		{"with descheduler annotation, priority is system-maintenance", map[string]string{v1.EvictionSourceAnnotation: "descheduler"}, v1.PrioritySystemMaintenance},
		{"another eviction source is system-critical", map[string]string{v1.EvictionSourceAnnotation: "someone"}, v1.PrioritySystemCritical},
	}
	for _, tt := range tests {
		v := vmi("my-vmi")
		v.Annotations = tt.annotations
		m := NewEvacuationMigration(v, "somenode")
		if m.Spec.VMIName != "my-vmi" || m.Namespace != "prod" || m.GenerateName != "kubevirt-evacuation-" ||
			m.Annotations[v1.EvacuationMigrationAnnotation] != "somenode" || m.Spec.Priority == nil || *m.Spec.Priority != tt.want {
			t.Errorf("%s: %+v", tt.reason, m)
		}
		if !retryEligible(m) {
			t.Errorf("%s: an evacuation migration must count for the backoff", tt.reason)
		}
	}
	if NewEvacuationMigration(nil, "n") != nil {
		t.Error("NewEvacuationMigration(nil) is not nil")
	}
}

// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go
// sync (the migration it creates), pinned by workload-updater_test.go
// "should set correct priority to the migration object" ("system-critical in
// case of upgrade", "user-triggered in case of hotplug", "user-triggered in
// case of volume update") and "should use correct label value for
// filtering" ("with regular name", "with long name").
func TestNewMigration(t *testing.T) {
	got := NewMigration(vmi("vm"))
	prio := v1.PrioritySystemCritical
	want := &v1.VirtualMachineInstanceMigration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstanceMigration"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", GenerateName: "kubevirt-workload-update-", Annotations: map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""}},
		Spec:       v1.VirtualMachineInstanceMigrationSpec{VMIName: "vm", Priority: &prio},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if NewMigration(nil) != nil {
		t.Error("NewMigration(nil) is not nil")
	}
	cond := func(ct v1.VirtualMachineInstanceConditionType, st corev1.ConditionStatus) func(*v1.VirtualMachineInstance) {
		return func(v *v1.VirtualMachineInstance) {
			v.Status.Conditions = append(v.Status.Conditions, v1.VirtualMachineInstanceCondition{Type: ct, Status: st})
		}
	}
	long := strings.Repeat("a", 64)
	tests := []struct {
		reason string
		vmi    *v1.VirtualMachineInstance
		prio   v1.MigrationPriority
		label  string // "" means no label
	}{
		{"system-critical in case of upgrade", vmi("testvm"), v1.PrioritySystemCritical, ""},
		{"user-triggered in case of hotplug (memory change True)", vmi("testvm", cond(v1.VirtualMachineInstanceMemoryChange, corev1.ConditionTrue)), v1.PriorityUserTriggered, ""},
		{"a memory change that is not True is no hotplug", vmi("testvm", cond(v1.VirtualMachineInstanceMemoryChange, corev1.ConditionFalse)), v1.PrioritySystemCritical, ""},
		{"a CPU change of any status is a hotplug", vmi("testvm", cond(v1.VirtualMachineInstanceVCPUChange, corev1.ConditionFalse)), v1.PriorityUserTriggered, ""},
		{"user-triggered in case of volume update, labelled with the name", vmi("testvm", cond(v1.VirtualMachineInstanceVolumesChange, corev1.ConditionTrue)), v1.PriorityUserTriggered, "testvm"},
		{"a long name: labelled with the UID", vmi(long, cond(v1.VirtualMachineInstanceVolumesChange, corev1.ConditionTrue)), v1.PriorityUserTriggered, "uid-" + long},
	}
	for _, tt := range tests {
		m := NewMigration(tt.vmi)
		if *m.Spec.Priority != tt.prio {
			t.Errorf("%s: priority %s, want %s", tt.reason, *m.Spec.Priority, tt.prio)
		}
		if got, ok := m.Labels[v1.VolumesUpdateMigration]; got != tt.label || ok != (tt.label != "") {
			t.Errorf("%s: label %q (%v), want %q", tt.reason, got, ok, tt.label)
		}
	}
}

// A client's migration carries no priority: KubeVirt's migration-create
// admitter refuses spec.priority from anyone but virt-controller
// (pkg/virt-api/webhooks/validating-webhook/admitters/migration-create-admitter.go,
// "Migration priority queue, only virt-controller is allowed to set priority field").
func TestNewClientMigration(t *testing.T) {
	vmi := &v1.VirtualMachineInstance{}
	vmi.Namespace, vmi.Name = "ns", "vm"
	m := NewClientMigration(vmi)
	if m.Spec.Priority != nil {
		t.Errorf("priority = %v, want none", *m.Spec.Priority)
	}
	if _, ok := m.Annotations[v1.WorkloadUpdateMigrationAnnotation]; !ok || m.Spec.VMIName != "vm" || m.GenerateName == "" {
		t.Errorf("not a workload-update migration of the VMI: %+v", m)
	}
	if NewMigration(vmi).Spec.Priority == nil {
		t.Error("virt-controller's own migration lost its priority")
	}
	if NewClientMigration(nil) != nil {
		t.Error("a nil VMI gives a migration")
	}
}
