package snapshot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver/v4"
	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/operator-framework/api/pkg/lib/version"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// The population the live test seeds: an OpenShift 4.16.3 cluster with
// OpenShift Virtualization 4.16.2, three control-plane nodes and six
// workers in two pools (worker, and a custom pool "infra" chosen by its
// node selector), in three zones, one worker cordoned; 241 VirtualMachines
// of every run strategy and 232 VMIs, migratable or not (with KubeVirt's
// reasons), of every eviction strategy, some on an outdated virt-launcher,
// two pinned to the infra pool by a node selector, one standalone; a
// PodDisruptionBudget over the databases. testdata/live-population.yaml is
// the same cluster written by hand in the object form.
const (
	popOCP     = "4.16.3"
	popCNV     = "4.16.2"
	popTo      = "4.16.8"
	popCatalog = "4.16.5"
	// popLauncher is 4.16.2's virt-launcher; popOldLauncher 4.16.1's,
	// which the VMIs labelled outdated still run.
	popLauncher    = "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:2f3ae4c1a9f8d7b6e5c4b3a2918f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5"
	popOldLauncher = "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:0b1c2d3e4f5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	popCSV         = "kubevirt-hyperconverged-operator.v4.16.2"
	popInstallPlan = "install-7x2kq"
)

// popCollectedAt is when the live snapshot says it was taken, the
// reference's source.collectedAt: both forecasts start there.
var popCollectedAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// popTime is a fixed time for the fields a controller would have set long
// ago (history, conditions' transitions).
func popTime(s string) metav1.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return metav1.NewTime(t)
}

type popNode struct {
	name, zone    string
	roles         []string
	cpu, memory   string // allocatable
	capCPU, capMi string // capacity
	cordoned      bool
}

// popNodes are created in this order, which is the order of their names:
// the MCO orders a pool's nodes by zone, then age, then name, and the
// nodes of the reference are as old as their names say.
var popNodes = []popNode{
	{name: "infra-0", zone: "zone-a", roles: []string{"infra", "worker"}, cpu: "31500m", memory: "125Gi", capCPU: "32", capMi: "128Gi"},
	{name: "infra-1", zone: "zone-b", roles: []string{"infra", "worker"}, cpu: "31500m", memory: "125Gi", capCPU: "32", capMi: "128Gi"},
	{name: "master-0", zone: "zone-a", roles: []string{"control-plane", "master"}, cpu: "7500m", memory: "31Gi", capCPU: "8", capMi: "32Gi"},
	{name: "master-1", zone: "zone-b", roles: []string{"control-plane", "master"}, cpu: "7500m", memory: "31Gi", capCPU: "8", capMi: "32Gi"},
	{name: "master-2", zone: "zone-c", roles: []string{"control-plane", "master"}, cpu: "7500m", memory: "31Gi", capCPU: "8", capMi: "32Gi"},
	{name: "worker-0", zone: "zone-a", roles: []string{"worker"}, cpu: "63", memory: "250Gi", capCPU: "64", capMi: "256Gi"},
	{name: "worker-1", zone: "zone-b", roles: []string{"worker"}, cpu: "63", memory: "250Gi", capCPU: "64", capMi: "256Gi"},
	{name: "worker-2", zone: "zone-c", roles: []string{"worker"}, cpu: "63", memory: "250Gi", capCPU: "64", capMi: "256Gi"},
	{name: "worker-3", zone: "zone-a", roles: []string{"worker"}, cpu: "63", memory: "250Gi", capCPU: "64", capMi: "256Gi", cordoned: true},
}

// popWorkers are the nodes the VMIs are spread over, in turn.
var popWorkers = []string{"worker-0", "worker-1", "worker-2", "worker-3", "infra-0", "infra-1"}

func (p popNode) object() *corev1.Node {
	labels := map[string]string{
		"kubernetes.io/hostname": p.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"topology.kubernetes.io/zone": p.zone, "topology.kubernetes.io/region": "eu-west",
	}
	for _, r := range p.roles {
		labels["node-role.kubernetes.io/"+r] = ""
	}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: p.name, Labels: labels, Annotations: map[string]string{
			"machineconfiguration.openshift.io/state":                "Done",
			"machineconfiguration.openshift.io/currentConfig":        "rendered-" + p.pool() + "-6f1c2b",
			"machineconfiguration.openshift.io/desiredConfig":        "rendered-" + p.pool() + "-6f1c2b",
			"volumes.kubernetes.io/controller-managed-attach-detach": "true",
		}},
		Spec: corev1.NodeSpec{Unschedulable: p.cordoned, ProviderID: "aws:///eu-west-1a/i-0" + p.name},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(p.capCPU), corev1.ResourceMemory: resource.MustParse(p.capMi), corev1.ResourcePods: resource.MustParse("250")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(p.cpu), corev1.ResourceMemory: resource.MustParse(p.memory), corev1.ResourcePods: resource.MustParse("250")},
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available", LastHeartbeatTime: metav1.Now(), LastTransitionTime: popTime("2026-10-01T08:30:00Z")},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.Now(), LastTransitionTime: popTime("2026-10-01T08:30:00Z")},
			},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.1." + fmt.Sprint(len(p.name))}, {Type: corev1.NodeHostName, Address: p.name}},
			NodeInfo: corev1.NodeSystemInfo{MachineID: "ec2" + p.name, SystemUUID: "ec2-" + p.name, BootID: "boot-" + p.name,
				KernelVersion: "5.14.0-427.37.1.el9_4.x86_64", OSImage: "Red Hat Enterprise Linux CoreOS 416.94.202409191851-0",
				ContainerRuntimeVersion: "cri-o://1.29.8-5.rhaos4.16.git7032128.el9", KubeletVersion: "v1.29.8+f10c92d",
				OperatingSystem: "linux", Architecture: "amd64"},
		},
	}
	if slices.Contains(p.roles, "master") {
		n.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule}}
	}
	if p.cordoned {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule})
	}
	return n
}

func (p popNode) pool() string {
	switch {
	case slices.Contains(p.roles, "master"):
		return "master"
	case slices.Contains(p.roles, "infra"):
		return "infra"
	}
	return "worker"
}

// popGroup is a group of VMs alike.
type popGroup struct {
	namespace, prefix string
	n                 int
	memory            string
	run               kubevirtv1.VirtualMachineRunStrategy
	eviction          kubevirtv1.EvictionStrategy // "" for the cluster's
	app               string
	// notMigratable gives the LiveMigratable=False reason of VM i, "" when
	// it can migrate.
	notMigratable func(i int) (reason, message string)
	outdated      bool   // the VMIs run the previous virt-launcher
	pool          string // pins the VMIs to a pool's nodes by node selector
	standalone    bool   // a VMI without a VirtualMachine
}

var (
	reasonDisks     = [2]string{"DisksNotLiveMigratable", "cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)"}
	reasonHostDev   = [2]string{"HostDeviceNotLiveMigratable", "VMI uses a PCI host devices"}
	reasonInterface = [2]string{"InterfaceNotLiveMigratable", "cannot migrate VMI which does not use masquerade, bridge with kubevirt.io/allow-pod-bridge-network-live-migration VM annotation or a migratable plugin to connect to the pod network"}
)

var popGroups = []popGroup{
	{namespace: "prod", prefix: "db", n: 24, memory: "16Gi", run: kubevirtv1.RunStrategyAlways, app: "db"},
	{namespace: "prod", prefix: "web", n: 100, memory: "4Gi", run: kubevirtv1.RunStrategyAlways, app: "web"},
	{namespace: "dev", prefix: "dev", n: 60, memory: "2Gi", run: kubevirtv1.RunStrategyRerunOnFailure, eviction: kubevirtv1.EvictionStrategyLiveMigrateIfPossible, app: "dev",
		notMigratable: func(i int) (string, string) {
			switch i % 12 {
			case 5:
				return reasonHostDev[0], reasonHostDev[1]
			case 11:
				return reasonInterface[0], reasonInterface[1]
			}
			return "", ""
		}},
	{namespace: "batch", prefix: "job", n: 30, memory: "8Gi", run: kubevirtv1.RunStrategyManual, app: "batch"},
	{namespace: "batch", prefix: "archive", n: 10, memory: "8Gi", run: kubevirtv1.RunStrategyHalted, app: "archive"},
	{namespace: "legacy", prefix: "legacy", n: 15, memory: "8Gi", run: kubevirtv1.RunStrategyAlways, eviction: kubevirtv1.EvictionStrategyNone, app: "legacy",
		notMigratable: func(int) (string, string) { return reasonDisks[0], reasonDisks[1] }, outdated: true},
	{namespace: "tools", prefix: "gpu", n: 2, memory: "32Gi", run: kubevirtv1.RunStrategyAlways, app: "gpu", pool: "infra"},
	{namespace: "tools", prefix: "toolbox", n: 1, memory: "1Gi", eviction: kubevirtv1.EvictionStrategyNone, app: "toolbox", pool: "infra", standalone: true},
}

func popNamespaces() []string {
	return []string{update.DefaultNamespace, "prod", "dev", "batch", "legacy", "tools"}
}

// popVM is one VM of the population and its VMI (nil for a halted VM).
type popVM struct {
	vm  *kubevirtv1.VirtualMachine // nil for a standalone VMI
	vmi *kubevirtv1.VirtualMachineInstance
}

// popVMs spreads the groups' VMIs over popWorkers in turn (a group pinned
// to a pool over that pool's nodes in turn).
func popVMs() []popVM {
	var out []popVM
	spread := 0
	pinned := map[string]int{}
	for _, g := range popGroups {
		for i := range g.n {
			name := fmt.Sprintf("%s-%d", g.prefix, i)
			if g.standalone {
				name = g.prefix
			}
			mem := resource.MustParse(g.memory)
			labels := map[string]string{"app": g.app, "kubevirt.io/domain": name}
			spec := kubevirtv1.VirtualMachineInstanceSpec{
				Domain: kubevirtv1.DomainSpec{
					CPU:       &kubevirtv1.CPU{Cores: 2, Sockets: 1, Threads: 1},
					Memory:    &kubevirtv1.Memory{Guest: &mem},
					Resources: kubevirtv1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: mem}},
					Machine:   &kubevirtv1.Machine{Type: "pc-q35-rhel9.4.0"},
					Devices: kubevirtv1.Devices{
						Disks:      []kubevirtv1.Disk{{Name: "rootdisk", DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}}}},
						Interfaces: []kubevirtv1.Interface{{Name: "default", InterfaceBindingMethod: kubevirtv1.InterfaceBindingMethod{Masquerade: &kubevirtv1.InterfaceMasquerade{}}}},
					},
				},
				Networks: []kubevirtv1.Network{{Name: "default", NetworkSource: kubevirtv1.NetworkSource{Pod: &kubevirtv1.PodNetwork{}}}},
				Volumes: []kubevirtv1.Volume{{Name: "rootdisk", VolumeSource: kubevirtv1.VolumeSource{
					PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: name + "-rootdisk"}}}}},
			}
			if g.eviction != "" {
				e := g.eviction
				spec.EvictionStrategy = &e
			}
			if g.pool != "" {
				spec.NodeSelector = map[string]string{"node-role.kubernetes.io/" + g.pool: ""}
			}
			var p popVM
			if !g.standalone {
				run := g.run
				p.vm = &kubevirtv1.VirtualMachine{
					ObjectMeta: metav1.ObjectMeta{Namespace: g.namespace, Name: name, Labels: map[string]string{"app": g.app},
						Annotations: map[string]string{"kubevirt.io/latest-observed-api-version": "v1", "kubectl.kubernetes.io/last-applied-configuration": `{"secret":"not kept"}`}},
					Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &run, Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: *spec.DeepCopy()}},
					Status: kubevirtv1.VirtualMachineStatus{Created: true, Ready: true, PrintableStatus: kubevirtv1.VirtualMachineStatusRunning},
				}
				if run == kubevirtv1.RunStrategyHalted {
					p.vm.Status = kubevirtv1.VirtualMachineStatus{PrintableStatus: kubevirtv1.VirtualMachineStatusStopped}
					out = append(out, p)
					continue
				}
			}
			var node string
			if g.pool != "" {
				nodes := poolNodes(g.pool)
				node = nodes[pinned[g.pool]%len(nodes)]
				pinned[g.pool]++
			} else {
				node = popWorkers[spread%len(popWorkers)]
				spread++
			}
			launcher := popLauncher
			vmiLabels := map[string]string{"kubevirt.io/nodeName": node}
			for k, v := range labels {
				vmiLabels[k] = v
			}
			if g.outdated {
				launcher = popOldLauncher
				vmiLabels[kubevirtv1.OutdatedLauncherImageLabel] = ""
			}
			migratable := kubevirtv1.VirtualMachineInstanceCondition{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}
			if g.notMigratable != nil {
				if reason, msg := g.notMigratable(i); reason != "" {
					migratable.Status, migratable.Reason, migratable.Message = corev1.ConditionFalse, reason, msg
				}
			}
			p.vmi = &kubevirtv1.VirtualMachineInstance{
				ObjectMeta: metav1.ObjectMeta{Namespace: g.namespace, Name: name, Labels: vmiLabels,
					Annotations: map[string]string{"kubevirt.io/latest-observed-api-version": "v1", "kubevirt.io/storage-observed-api-version": "v1"},
					Finalizers:  []string{"kubevirt.io/virtualMachineControllerFinalize", "foregroundDeleteVirtualMachine"}},
				Spec: spec,
				Status: kubevirtv1.VirtualMachineInstanceStatus{
					Phase: kubevirtv1.Running, NodeName: node, QOSClass: ptr(corev1.PodQOSBurstable),
					Conditions: []kubevirtv1.VirtualMachineInstanceCondition{
						{Type: kubevirtv1.VirtualMachineInstanceReady, Status: corev1.ConditionTrue},
						migratable,
					},
					Interfaces:                    []kubevirtv1.VirtualMachineInstanceNetworkInterface{{Name: "default", IP: "10.128.2.17", MAC: "02:42:ac:11:00:02"}},
					LauncherContainerImageVersion: launcher,
					GuestOSInfo:                   kubevirtv1.VirtualMachineInstanceGuestOSInfo{Name: "Red Hat Enterprise Linux", Version: "9.4"},
					ActivePods:                    map[types.UID]string{types.UID("pod-" + name): node},
				},
			}
			out = append(out, p)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func poolNodes(pool string) []string {
	var out []string
	for _, n := range popNodes {
		if n.pool() == pool {
			out = append(out, n.name)
		}
	}
	return out
}

// seedPopulation creates the population through client-go, with the
// HyperConverged in the server's storage version, and returns how long it
// took.
func seedPopulation(ctx context.Context, a admin, hco kubetest.HCO) (time.Duration, error) {
	start := time.Now()
	if err := a.ensureNamespaces(ctx, popNamespaces()...); err != nil {
		return 0, err
	}
	for _, p := range popNodes {
		n := p.object()
		created, err := a.core.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			return 0, fmt.Errorf("create node %s: %w", p.name, err)
		}
		created.Status = n.Status
		if created, err = a.core.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("write the status of node %s: %w", p.name, err)
		}
		// The API server taints a new node not-ready (TaintNodesByCondition);
		// the node lifecycle controller, which envtest does not run, lifts
		// the taint once the node reports Ready.
		created.Spec.Taints = n.Spec.Taints
		if _, err := a.core.CoreV1().Nodes().Update(ctx, created, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("untaint node %s: %w", p.name, err)
		}
	}
	if err := seedPlatform(ctx, a); err != nil {
		return 0, err
	}
	if err := seedOperator(ctx, a, hco); err != nil {
		return 0, err
	}
	vms := popVMs()
	var mu sync.Mutex
	uids := map[string]types.UID{}
	err := parallel(len(vms), 8, func(i int) error {
		vm := vms[i].vm
		if vm == nil {
			return nil
		}
		created, err := a.create(ctx, kube.VMResource, "VirtualMachine", vm, true)
		if err != nil {
			return err
		}
		mu.Lock()
		uids[vm.Namespace+"/"+vm.Name] = created.GetUID()
		mu.Unlock()
		return nil
	})
	if err != nil {
		return 0, err
	}
	err = parallel(len(vms), 8, func(i int) error {
		vmi := vms[i].vmi
		if vmi == nil {
			return nil
		}
		vmi = vmi.DeepCopy()
		if vm := vms[i].vm; vm != nil {
			vmi.OwnerReferences = []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: vm.Name,
				UID: uids[vm.Namespace+"/"+vm.Name], Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
		}
		// KubeVirt's VMI CRD has no status subresource: the status is
		// written with the object.
		_, err := a.create(ctx, kube.VMIResource, "VirtualMachineInstance", vmi, false)
		return err
	})
	if err != nil {
		return 0, err
	}
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db-quorum"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}},
		Status:     policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, CurrentHealthy: 24, DesiredHealthy: 23, DisruptionsAllowed: 1, ExpectedPods: 24},
	}
	created, err := a.core.PolicyV1().PodDisruptionBudgets("prod").Create(ctx, pdb, metav1.CreateOptions{})
	if err != nil {
		return 0, fmt.Errorf("create PodDisruptionBudget prod/db-quorum: %w", err)
	}
	created.Status = pdb.Status
	if _, err := a.core.PolicyV1().PodDisruptionBudgets("prod").UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return 0, fmt.Errorf("write the status of PodDisruptionBudget prod/db-quorum: %w", err)
	}
	return time.Since(start), nil
}

func releaseImage(v string) string {
	return "quay.io/openshift-release-dev/ocp-release@sha256:" + strings.Repeat(strings.ReplaceAll(v, ".", ""), 16)[:64]
}

// seedPlatform creates the ClusterVersion, the MachineConfigPools and two
// ClusterOperators.
func seedPlatform(ctx context.Context, a admin) error {
	cond := func(typ configv1.ClusterStatusConditionType, status configv1.ConditionStatus, reason, msg string) configv1.ClusterOperatorStatusCondition {
		return configv1.ClusterOperatorStatusCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastTransitionTime: popTime("2026-10-01T09:40:00Z")}
	}
	completed := func(t string) *metav1.Time { v := popTime(t); return &v }
	cv := &configv1.ClusterVersion{
		ObjectMeta: metav1.ObjectMeta{Name: kube.ClusterVersionName},
		Spec:       configv1.ClusterVersionSpec{ClusterID: "3b5c5a0e-9f5e-4a43-9f61-3c7c1d4b6a11", Channel: "stable-4.16"},
		Status: configv1.ClusterVersionStatus{
			ObservedGeneration: 1, VersionHash: "Kk5d6SQb0x0=",
			Desired: configv1.Release{Version: popOCP, Image: releaseImage(popOCP), Channels: []string{"candidate-4.16", "candidate-4.17", "eus-4.16", "fast-4.16", "fast-4.17", "stable-4.16", "stable-4.17"}},
			History: []configv1.UpdateHistory{
				{State: configv1.CompletedUpdate, Version: popOCP, Image: releaseImage(popOCP), StartedTime: popTime("2026-10-01T08:00:00Z"), CompletionTime: completed("2026-10-01T09:40:00Z"), Verified: true},
				{State: configv1.CompletedUpdate, Version: "4.16.1", Image: releaseImage("4.16.1"), StartedTime: popTime("2026-07-01T08:00:00Z"), CompletionTime: completed("2026-07-01T09:30:00Z"), Verified: false},
			},
			AvailableUpdates: []configv1.Release{
				{Version: "4.16.8", Image: releaseImage("4.16.8"), Channels: []string{"candidate-4.16", "eus-4.16", "fast-4.16", "stable-4.16"}},
				{Version: "4.16.5", Image: releaseImage("4.16.5"), Channels: []string{"candidate-4.16", "eus-4.16", "fast-4.16", "stable-4.16"}},
			},
			ConditionalUpdates: []configv1.ConditionalUpdate{{
				Release: configv1.Release{Version: "4.16.9", Image: releaseImage("4.16.9")},
				Risks:   []configv1.ConditionalUpdateRisk{{Name: "OVNNetworkPolicyRace", Message: "Pods may lose connectivity briefly.", URL: "https://issues.example/OCPBUGS-1", MatchingRules: []configv1.ClusterCondition{{Type: "Always"}}}},
				Conditions: []metav1.Condition{{Type: "Recommended", Status: metav1.ConditionFalse, Reason: "OVNNetworkPolicyRace",
					Message: "Pods may lose connectivity briefly.", LastTransitionTime: popTime("2026-11-28T00:00:00Z")}},
			}},
			Conditions: []configv1.ClusterOperatorStatusCondition{
				cond(configv1.OperatorAvailable, configv1.ConditionTrue, "", "Done applying "+popOCP),
				cond(configv1.OperatorProgressing, configv1.ConditionFalse, "", "Cluster version is "+popOCP),
				cond("Failing", configv1.ConditionFalse, "", ""),
				cond(configv1.OperatorUpgradeable, configv1.ConditionTrue, "", ""),
				cond("RetrievedUpdates", configv1.ConditionTrue, "", ""),
			},
		},
	}
	obj, err := toMap(cv)
	if err != nil {
		return err
	}
	// The Go type has spec.signatureStores (TechPreviewNoUpgrade), which the
	// Default feature set's CRD lacks.
	unstructured.RemoveNestedField(obj, "spec", "signatureStores")
	if _, err := a.create(ctx, kube.ClusterVersionResource, "ClusterVersion", obj, true); err != nil {
		return err
	}

	for _, p := range []struct {
		name           string
		selector       string
		maxUnavailable *intstr.IntOrString
		machines       int32
	}{
		{"infra", "node-role.kubernetes.io/infra", ptr(intstr.FromInt32(1)), 2},
		{"master", "node-role.kubernetes.io/master", nil, 3},
		{"worker", "node-role.kubernetes.io/worker", ptr(intstr.FromInt32(2)), 4},
	} {
		unavailable := int32(0)
		if p.name == "worker" {
			unavailable = 1 // worker-3 is cordoned
		}
		pool := &mcfgv1.MachineConfigPool{
			ObjectMeta: metav1.ObjectMeta{Name: p.name},
			Spec: mcfgv1.MachineConfigPoolSpec{
				NodeSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{p.selector: ""}},
				MaxUnavailable: p.maxUnavailable,
				Configuration:  mcfgv1.MachineConfigPoolStatusConfiguration{ObjectReference: corev1.ObjectReference{Name: "rendered-" + p.name + "-6f1c2b"}},
			},
			Status: mcfgv1.MachineConfigPoolStatus{ObservedGeneration: 1, MachineCount: p.machines, UpdatedMachineCount: p.machines,
				ReadyMachineCount: p.machines - unavailable, UnavailableMachineCount: unavailable,
				Configuration: mcfgv1.MachineConfigPoolStatusConfiguration{ObjectReference: corev1.ObjectReference{Name: "rendered-" + p.name + "-6f1c2b"}},
				Conditions: []mcfgv1.MachineConfigPoolCondition{
					{Type: mcfgv1.MachineConfigPoolUpdated, Status: corev1.ConditionTrue, LastTransitionTime: popTime("2026-10-01T09:40:00Z"),
						Message: "All nodes are updated with MachineConfig rendered-" + p.name + "-6f1c2b"},
					{Type: mcfgv1.MachineConfigPoolUpdating, Status: corev1.ConditionFalse, LastTransitionTime: popTime("2026-10-01T09:40:00Z")},
					{Type: mcfgv1.MachineConfigPoolDegraded, Status: corev1.ConditionFalse, LastTransitionTime: popTime("2026-10-01T09:40:00Z")},
				}},
		}
		if _, err := a.create(ctx, kube.MachineConfigPoolResource, "MachineConfigPool", pool, true); err != nil {
			return err
		}
	}
	for _, name := range []string{"kube-apiserver", "machine-config"} {
		// The release payload's annotations: the ClusterOperators port lists
		// the payload's operators only.
		co := &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{
			"include.release.openshift.io/self-managed-high-availability": "true", "include.release.openshift.io/single-node-developer": "true"}}, Status: configv1.ClusterOperatorStatus{
			Conditions: []configv1.ClusterOperatorStatusCondition{
				cond(configv1.OperatorAvailable, configv1.ConditionTrue, "AsExpected", ""),
				cond(configv1.OperatorProgressing, configv1.ConditionFalse, "AsExpected", ""),
				cond(configv1.OperatorDegraded, configv1.ConditionFalse, "AsExpected", ""),
				cond(configv1.OperatorUpgradeable, configv1.ConditionTrue, "AsExpected", ""),
			},
			Versions: []configv1.OperandVersion{{Name: "operator", Version: popOCP}},
		}}
		if _, err := a.create(ctx, kube.ClusterOperatorResource, "ClusterOperator", co, true); err != nil {
			return err
		}
	}
	return nil
}

// seedOperator creates OpenShift Virtualization's Subscription, CSV and
// InstallPlan, the HyperConverged and the KubeVirt CR.
func seedOperator(ctx context.Context, a admin, hco kubetest.HCO) error {
	ns := update.DefaultNamespace
	sub := &operatorsv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: update.DefaultSubscriptionName},
		Spec: &operatorsv1alpha1.SubscriptionSpec{Package: update.HyperConvergedPackage, Channel: "stable",
			CatalogSource: "redhat-operators", CatalogSourceNamespace: "openshift-marketplace",
			InstallPlanApproval: operatorsv1alpha1.ApprovalManual, StartingCSV: "kubevirt-hyperconverged-operator.v4.16.1"},
		Status: operatorsv1alpha1.SubscriptionStatus{CurrentCSV: popCSV, InstalledCSV: popCSV, State: operatorsv1alpha1.SubscriptionStateAtLatest,
			InstallPlanRef: &corev1.ObjectReference{Kind: "InstallPlan", Namespace: ns, Name: popInstallPlan, APIVersion: "operators.coreos.com/v1alpha1"},
			LastUpdated:    popTime("2026-10-02T10:00:00Z")},
	}
	if _, err := a.create(ctx, kube.SubscriptionResource, "Subscription", sub, true); err != nil {
		return err
	}
	v, err := semver.Parse(popCNV)
	if err != nil {
		return err
	}
	csv := &operatorsv1alpha1.ClusterServiceVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: popCSV, Annotations: map[string]string{
			"olm.properties": `[{"type":"olm.maxOpenShiftVersion","value":"4.17"}]`}},
		Spec: operatorsv1alpha1.ClusterServiceVersionSpec{DisplayName: "OpenShift Virtualization", Replaces: "kubevirt-hyperconverged-operator.v4.16.1",
			Version: version.OperatorVersion{Version: v},
			InstallStrategy: operatorsv1alpha1.NamedInstallStrategy{StrategyName: operatorsv1alpha1.InstallStrategyNameDeployment,
				StrategySpec: operatorsv1alpha1.StrategyDetailsDeployment{DeploymentSpecs: []operatorsv1alpha1.StrategyDeploymentSpec{}}}},
		Status: operatorsv1alpha1.ClusterServiceVersionStatus{Phase: operatorsv1alpha1.CSVPhaseSucceeded, Reason: operatorsv1alpha1.CSVReasonInstallSuccessful,
			Message: "install strategy completed with no errors", LastTransitionTime: ptr(popTime("2026-10-02T10:05:00Z"))},
	}
	if _, err := a.create(ctx, kube.CSVResource, "ClusterServiceVersion", csv, true); err != nil {
		return err
	}
	ip := &operatorsv1alpha1.InstallPlan{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: popInstallPlan},
		Spec:       operatorsv1alpha1.InstallPlanSpec{ClusterServiceVersionNames: []string{popCSV}, Approval: operatorsv1alpha1.ApprovalManual, Approved: true},
		Status:     operatorsv1alpha1.InstallPlanStatus{Phase: operatorsv1alpha1.InstallPlanPhaseComplete, CatalogSources: []string{}},
	}
	if _, err := a.create(ctx, kube.InstallPlanResource, "InstallPlan", ip, true); err != nil {
		return err
	}

	if err := seedHyperConverged(ctx, a, hco); err != nil {
		return err
	}
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}
	eviction := kubevirtv1.EvictionStrategyLiveMigrate
	kv := &kubevirtv1.KubeVirt{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: kube.KubeVirtName, Labels: map[string]string{"app": "kubevirt-hyperconverged"}},
		Spec: kubevirtv1.KubeVirtSpec{
			Configuration: kubevirtv1.KubeVirtConfiguration{EvictionStrategy: &eviction,
				MigrationConfiguration: &kubevirtv1.MigrationConfiguration{ParallelMigrationsPerCluster: ptr(uint32(5)), ParallelOutboundMigrationsPerNode: ptr(uint32(2)),
					CompletionTimeoutPerGiB: ptr(int64(150)), ProgressTimeout: ptr(int64(150))}},
			WorkloadUpdateStrategy: kubevirtv1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: methods, BatchEvictionSize: ptr(10),
				BatchEvictionInterval: &metav1.Duration{Duration: time.Minute}},
		},
		Status: kubevirtv1.KubeVirtStatus{Phase: kubevirtv1.KubeVirtPhaseDeployed, ObservedKubeVirtVersion: "v1.2.2", TargetKubeVirtVersion: "v1.2.2",
			ObservedKubeVirtRegistry: "registry.redhat.io/container-native-virtualization", TargetKubeVirtRegistry: "registry.redhat.io/container-native-virtualization",
			OperatorVersion: "v1.2.2", ObservedGeneration: ptr(int64(1)), OutdatedVirtualMachineInstanceWorkloads: ptr(15)},
	}
	if _, err := a.create(ctx, kube.KubeVirtResource, "KubeVirt", kv, true); err != nil {
		return err
	}
	return nil
}

// seedHyperConverged creates the HyperConverged, status included, in the
// shape of the CRD's storage version.
func seedHyperConverged(ctx context.Context, a admin, hco kubetest.HCO) error {
	ns := update.DefaultNamespace
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}
	eviction := kubevirtv1.EvictionStrategyLiveMigrate
	healthy := func(typ string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: "ReconcileCompleted", Message: "Reconcile completed successfully",
			LastTransitionTime: popTime("2026-10-02T10:10:00Z"), ObservedGeneration: 1}
	}
	hc := &update.HyperConverged{Namespace: ns, Name: update.HyperConvergedName,
		Spec: update.HyperConvergedSpec{
			WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods, BatchEvictionSize: ptr(10),
				BatchEvictionInterval: &metav1.Duration{Duration: time.Minute}},
			LiveMigrationConfig: update.LiveMigrationConfig{ParallelMigrationsPerCluster: ptr(uint32(5)), ParallelOutboundMigrationsPerNode: ptr(uint32(2)),
				CompletionTimeoutPerGiB: ptr(int64(150)), ProgressTimeout: ptr(int64(150))},
			EvictionStrategy: &eviction,
		},
		Status: update.HyperConvergedStatus{ObservedGeneration: 1, SystemHealthStatus: "healthy",
			Versions: []update.OperandVersion{{Name: "operator", Version: popCNV}},
			Conditions: []metav1.Condition{
				healthy("ReconcileComplete", metav1.ConditionTrue), healthy("Available", metav1.ConditionTrue),
				healthy("Progressing", metav1.ConditionFalse), healthy("Degraded", metav1.ConditionFalse),
				healthy("Upgradeable", metav1.ConditionTrue),
			}},
	}
	u, err := kubetest.HyperConvergedObject(hc, hco.StorageVersion)
	if err != nil {
		return err
	}
	_, err = a.create(ctx, kubetest.HyperConvergedResource(hco.StorageVersion), "HyperConverged", u.Object, true)
	return err
}

func toMap(obj any) (map[string]any, error) {
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}
