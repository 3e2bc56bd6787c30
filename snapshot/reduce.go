package snapshot

import (
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// What a snapshot keeps of the upstream objects: what the model reads, and
// nothing that would make a snapshot unsafe to share (IP addresses, cloud-init
// user data, access credentials, volumes, kubectl's last-applied copies).
// Every object loses managedFields, resourceVersion, finalizers and its
// TypeMeta (the list it sits in says its kind).

// keepMeta keeps identity, age, labels, owners and the annotations keep
// accepts.
func keepMeta(m metav1.ObjectMeta, keep func(key string) bool) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, Generation: m.Generation,
		CreationTimestamp: m.CreationTimestamp, DeletionTimestamp: m.DeletionTimestamp,
		Labels: m.Labels, OwnerReferences: m.OwnerReferences}
	for k, v := range m.Annotations {
		if keep != nil && keep(k) {
			if out.Annotations == nil {
				out.Annotations = map[string]string{}
			}
			out.Annotations[k] = v
		}
	}
	return out
}

// kubevirtAnnotation accepts KubeVirt's annotations (kubevirt.io/…,
// *.kubevirt.io/…), which the workload updater and the migration
// controller read.
func kubevirtAnnotation(k string) bool {
	domain, _, ok := strings.Cut(k, "/")
	return ok && (domain == "kubevirt.io" || strings.HasSuffix(domain, ".kubevirt.io"))
}

// nodeAnnotation accepts the machine-config daemon's state annotations.
func nodeAnnotation(k string) bool {
	return strings.HasPrefix(k, "machineconfiguration.openshift.io/")
}

// reduceNode keeps labels, creation time, cordon and taints, capacity,
// allocatable, conditions (without heartbeats) and the versions of
// nodeInfo; not addresses, images, volumes or machine identifiers.
func reduceNode(n *corev1.Node) {
	n.TypeMeta = metav1.TypeMeta{}
	n.ObjectMeta = keepMeta(n.ObjectMeta, nodeAnnotation)
	n.Spec = corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable, Taints: n.Spec.Taints}
	st := n.Status
	n.Status = corev1.NodeStatus{Capacity: st.Capacity, Allocatable: st.Allocatable,
		NodeInfo: corev1.NodeSystemInfo{KernelVersion: st.NodeInfo.KernelVersion, OSImage: st.NodeInfo.OSImage,
			ContainerRuntimeVersion: st.NodeInfo.ContainerRuntimeVersion, KubeletVersion: st.NodeInfo.KubeletVersion,
			OperatingSystem: st.NodeInfo.OperatingSystem, Architecture: st.NodeInfo.Architecture}}
	for _, c := range st.Conditions {
		c.LastHeartbeatTime = metav1.Time{}
		n.Status.Conditions = append(n.Status.Conditions, c)
	}
}

// reduceVMISpec keeps what scheduling, migration and eviction read:
// resources, memory, CPU, eviction strategy, node selector, affinity,
// tolerations, topology spread, priority and the grace period; not
// volumes, networks, devices, firmware (serials, UUIDs), access
// credentials, probes, hostnames or DNS.
func reduceVMISpec(s kubevirtv1.VirtualMachineInstanceSpec) kubevirtv1.VirtualMachineInstanceSpec {
	d := s.Domain
	return kubevirtv1.VirtualMachineInstanceSpec{
		Domain: kubevirtv1.DomainSpec{Resources: d.Resources, CPU: d.CPU, Memory: d.Memory, Machine: d.Machine,
			IOThreadsPolicy: d.IOThreadsPolicy},
		PriorityClassName: s.PriorityClassName, NodeSelector: s.NodeSelector, Affinity: s.Affinity,
		SchedulerName: s.SchedulerName, Tolerations: s.Tolerations, TopologySpreadConstraints: s.TopologySpreadConstraints,
		EvictionStrategy: s.EvictionStrategy, StartStrategy: s.StartStrategy,
		TerminationGracePeriodSeconds: s.TerminationGracePeriodSeconds, Architecture: s.Architecture,
	}
}

// reduceVMI keeps the VMI's identity, labels, owners and KubeVirt's
// annotations, the reduced spec, and the status the model reads (phase,
// node, conditions such as LiveMigratable with its reason, migration
// state and method, launcher image, evacuation node, active pods,
// memory, topology hints); not interfaces (IPs), guest OS details,
// volume status or the SELinux context.
func reduceVMI(v *kubevirtv1.VirtualMachineInstance) {
	v.TypeMeta = metav1.TypeMeta{}
	v.ObjectMeta = keepMeta(v.ObjectMeta, kubevirtAnnotation)
	v.Spec = reduceVMISpec(v.Spec)
	st := v.Status
	v.Status = kubevirtv1.VirtualMachineInstanceStatus{NodeName: st.NodeName, Reason: st.Reason, Conditions: st.Conditions,
		Phase: st.Phase, MigrationState: st.MigrationState, MigrationMethod: st.MigrationMethod,
		MigrationTransport: st.MigrationTransport, QOSClass: st.QOSClass,
		LauncherContainerImageVersion: st.LauncherContainerImageVersion, EvacuationNodeName: st.EvacuationNodeName,
		ActivePods: st.ActivePods, TopologyHints: st.TopologyHints, Machine: st.Machine,
		CurrentCPUTopology: st.CurrentCPUTopology, Memory: st.Memory, MigratedVolumes: st.MigratedVolumes}
	if ms := v.Status.MigrationState; ms != nil {
		cp := ms.DeepCopy()
		cp.TargetNodeAddress, cp.TargetDirectMigrationNodePorts = "", nil
		v.Status.MigrationState = cp
	}
}

// reduceVM keeps the run strategy (or spec.running), the instance type
// and preference, the template's labels and reduced spec, and the status
// (printable status, conditions); not data volume templates.
func reduceVM(vm *kubevirtv1.VirtualMachine) {
	vm.TypeMeta = metav1.TypeMeta{}
	vm.ObjectMeta = keepMeta(vm.ObjectMeta, kubevirtAnnotation)
	s := vm.Spec
	vm.Spec = kubevirtv1.VirtualMachineSpec{Running: s.Running, RunStrategy: s.RunStrategy, Instancetype: s.Instancetype, Preference: s.Preference}
	if s.Template != nil {
		vm.Spec.Template = &kubevirtv1.VirtualMachineInstanceTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: s.Template.ObjectMeta.Labels},
			Spec:       reduceVMISpec(s.Template.Spec),
		}
	}
	st := vm.Status
	vm.Status = kubevirtv1.VirtualMachineStatus{Created: st.Created, Ready: st.Ready, PrintableStatus: st.PrintableStatus,
		RunStrategy: st.RunStrategy, Conditions: st.Conditions, StartFailure: st.StartFailure,
		DesiredGeneration: st.DesiredGeneration, ObservedGeneration: st.ObservedGeneration}
}

// reduceMigration keeps the migration whole but for the target pod's
// addresses.
func reduceMigration(m *kubevirtv1.VirtualMachineInstanceMigration) {
	m.TypeMeta = metav1.TypeMeta{}
	m.ObjectMeta = keepMeta(m.ObjectMeta, kubevirtAnnotation)
	if ms := m.Status.MigrationState; ms != nil {
		ms.TargetNodeAddress, ms.TargetDirectMigrationNodePorts = "", nil
	}
}

// reduceKubeVirt keeps the spec (configuration, workload update strategy,
// placement) and the status' phase, conditions and versions; not the
// deployment configuration copies or generations.
func reduceKubeVirt(kv *kubevirtv1.KubeVirt) {
	kv.TypeMeta = metav1.TypeMeta{}
	kv.ObjectMeta = keepMeta(kv.ObjectMeta, nil)
	st := kv.Status
	kv.Status = kubevirtv1.KubeVirtStatus{Phase: st.Phase, Conditions: st.Conditions, OperatorVersion: st.OperatorVersion,
		TargetKubeVirtRegistry: st.TargetKubeVirtRegistry, TargetKubeVirtVersion: st.TargetKubeVirtVersion,
		ObservedKubeVirtRegistry: st.ObservedKubeVirtRegistry, ObservedKubeVirtVersion: st.ObservedKubeVirtVersion,
		OutdatedVirtualMachineInstanceWorkloads: st.OutdatedVirtualMachineInstanceWorkloads,
		ObservedGeneration:                      st.ObservedGeneration, DefaultArchitecture: st.DefaultArchitecture}
}

// reducePDB keeps spec and status.
func reducePDB(p *policyv1.PodDisruptionBudget) {
	p.TypeMeta = metav1.TypeMeta{}
	p.ObjectMeta = keepMeta(p.ObjectMeta, nil)
	p.Status.DisruptedPods = nil
	p.Labels = maps.Clone(p.Labels)
}
