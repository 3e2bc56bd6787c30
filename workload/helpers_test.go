package workload

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "kubevirt.io/api/core/v1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	oldImage = "registry.example/virt-launcher:v1.8.0"
	newImage = "registry.example/virt-launcher:v1.9.0"
)

// vmi builds a running, outdated VMI owned by a VirtualMachine, with the
// conditions, labels and status a real one carries. Options change it.
func vmi(name string, opts ...func(*v1.VirtualMachineInstance)) *v1.VirtualMachineInstance {
	yes := true
	v := &v1.VirtualMachineInstance{
		TypeMeta: metav1.TypeMeta{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstance"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "prod", Name: name, UID: types.UID("uid-" + name),
			Labels: map[string]string{
				"kubevirt.io/domain": name, "kubevirt.io/nodeName": "node-a", "vm.kubevirt.io/name": name,
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: name, Controller: &yes}},
		},
		Status: v1.VirtualMachineInstanceStatus{
			Phase:                         v1.Running,
			NodeName:                      "node-a",
			LauncherContainerImageVersion: oldImage,
			Conditions: []v1.VirtualMachineInstanceCondition{
				{Type: v1.VirtualMachineInstanceReady, Status: corev1.ConditionTrue},
				{Type: v1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue},
				{Type: v1.VirtualMachineInstanceAgentConnected, Status: corev1.ConditionTrue},
			},
		},
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

func notMigratable(reason string) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) {
		for i := range v.Status.Conditions {
			if v.Status.Conditions[i].Type == v1.VirtualMachineInstanceIsMigratable {
				v.Status.Conditions[i] = v1.VirtualMachineInstanceCondition{
					Type: v1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionFalse,
					Reason: reason, Message: "cannot migrate: " + reason,
				}
			}
		}
	}
}

func phase(p v1.VirtualMachineInstancePhase) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) { v.Status.Phase = p }
}

func evictionStrategy(s v1.EvictionStrategy) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) { v.Spec.EvictionStrategy = &s }
}

func onNode(n string) func(*v1.VirtualMachineInstance) {
	return func(v *v1.VirtualMachineInstance) { v.Status.NodeName = n }
}

func upToDate(v *v1.VirtualMachineInstance) { v.Status.LauncherContainerImageVersion = newImage }

func standalone(v *v1.VirtualMachineInstance) { v.OwnerReferences = nil }

func deleting(v *v1.VirtualMachineInstance) {
	ts := metav1.NewTime(t0)
	v.DeletionTimestamp = &ts
}

func migrating(v *v1.VirtualMachineInstance) {
	ts := metav1.NewTime(t0)
	v.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{StartTimestamp: &ts, SourceNode: v.Status.NodeName}
}

// mig builds a migration of vmiName created at created, in phase p.
func mig(name, vmiName string, p v1.VirtualMachineInstanceMigrationPhase, created time.Time, opts ...func(*v1.VirtualMachineInstanceMigration)) *v1.VirtualMachineInstanceMigration {
	m := &v1.VirtualMachineInstanceMigration{
		TypeMeta: metav1.TypeMeta{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachineInstanceMigration"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "prod", Name: name, UID: types.UID("uid-" + name),
			CreationTimestamp: metav1.NewTime(created),
			Annotations:       map[string]string{v1.WorkloadUpdateMigrationAnnotation: ""},
		},
		Spec:   v1.VirtualMachineInstanceMigrationSpec{VMIName: vmiName},
		Status: v1.VirtualMachineInstanceMigrationStatus{Phase: p},
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// endedAt records the migration's final phase transition at t.
func endedAt(t time.Time) func(*v1.VirtualMachineInstanceMigration) {
	return func(m *v1.VirtualMachineInstanceMigration) {
		m.Status.PhaseTransitionTimestamps = append(m.Status.PhaseTransitionTimestamps,
			v1.VirtualMachineInstanceMigrationPhaseTransitionTimestamp{Phase: m.Status.Phase, PhaseTransitionTimestamp: metav1.NewTime(t)})
	}
}

func failedBecause(reason string) func(*v1.VirtualMachineInstanceMigration) {
	return func(m *v1.VirtualMachineInstanceMigration) {
		m.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{Failed: true, FailureReason: reason}
	}
}

func userMigration(m *v1.VirtualMachineInstanceMigration) { m.Annotations = nil }

func fromNode(n string) func(*v1.VirtualMachineInstanceMigration) {
	return func(m *v1.VirtualMachineInstanceMigration) {
		if m.Status.MigrationState == nil {
			m.Status.MigrationState = &v1.VirtualMachineInstanceMigrationState{}
		}
		m.Status.MigrationState.SourceNode = n
	}
}

func annotate(k string, v int) func(*v1.VirtualMachineInstanceMigration) {
	return func(m *v1.VirtualMachineInstanceMigration) { m.Annotations[k] = strconv.Itoa(v) }
}

// fleet builds n VMIs named prefix-000… with opts.
func fleet(prefix string, n int, opts ...func(*v1.VirtualMachineInstance)) []*v1.VirtualMachineInstance {
	out := make([]*v1.VirtualMachineInstance, n)
	for i := range out {
		out[i] = vmi(fmt.Sprintf("%s-%03d", prefix, i), opts...)
	}
	return out
}

func strategy(methods ...v1.WorkloadUpdateMethod) v1.KubeVirtWorkloadUpdateStrategy {
	return v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: methods}
}

const (
	LM    = v1.WorkloadUpdateMethodLiveMigrate
	Evict = v1.WorkloadUpdateMethodEvict
)

func ptr[T any](v T) *T { return &v }
