package snapshot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// vmiListJSON is a VMI List as `kubectl get vmi -A -o json` prints it.
const vmiListJSON = `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachineInstance",
            "metadata": {"name": "db-0", "namespace": "prod", "uid": "u-1", "resourceVersion": "77",
                "managedFields": [{"manager": "virt-controller", "operation": "Update"}]},
            "spec": {"domain": {"devices": {}, "resources": {"requests": {"memory": "8Gi"}}}},
            "status": {"nodeName": "w1", "phase": "Running",
                "conditions": [{"type": "LiveMigratable", "status": "True"}]}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}`

func TestReadDump(t *testing.T) {
	d := t.TempDir()
	w := genWriter{t, d}
	w.raw("vmis.json", vmiListJSON)
	w.raw("nodes.yaml", "apiVersion: v1\nkind: NodeList\nitems:\n- metadata: {name: w1, labels: {node-role.kubernetes.io/worker: \"\"}}\n  status: {allocatable: {memory: 64Gi}}\n")
	w.raw("cnv/hco.yaml", "apiVersion: hco.kubevirt.io/v1beta1\nkind: HyperConverged\nmetadata: {name: kubevirt-hyperconverged, namespace: openshift-cnv}\nspec: {workloadUpdateStrategy: {workloadUpdateMethods: []}}\n---\napiVersion: nodemaintenance.medik8s.io/v1beta1\nkind: NodeMaintenance\nmetadata: {name: nm-w1}\nspec: {nodeName: w1, reason: firmware}\nstatus: {phase: Running}\n")
	o, err := ReadDump(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.VMIs) != 1 || o.VMIs[0].Status.NodeName != "w1" || o.VMIs[0].ManagedFields != nil {
		t.Errorf("VMIs %+v", o.VMIs)
	}
	if len(o.Nodes) != 1 || o.Nodes[0].Name != "w1" {
		t.Errorf("nodes from a NodeList whose items have no kind: %+v", o.Nodes)
	}
	if m := o.HyperConverged.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m == nil || len(*m) != 0 {
		t.Errorf("workloadUpdateMethods [] must stay [] (automatic workload updates off), got %v", m)
	}
	if d := cmp.Diff([]scenario.NodeMaintenance{{Group: update.NodeMaintenanceMedik8s, Name: "nm-w1", NodeName: "w1", Reason: "firmware", Phase: "Running"}}, o.NodeMaintenances); d != "" {
		t.Errorf("node maintenances (-want +got):\n%s", d)
	}
	if o.Source.Kind != scenario.SourceDump {
		t.Errorf("source kind %q", o.Source.Kind)
	}
	for _, p := range []string{scenario.PartClusterVersion, scenario.PartPools, scenario.PartVirtualMachines, scenario.PartKubeVirt} {
		if !slices.Contains(o.Missing, p) {
			t.Errorf("%s not missing from a dump without any", p)
		}
	}
	for _, p := range []string{scenario.PartVMIs, scenario.PartNodes, scenario.PartHyperConverged, scenario.PartNodeMaintenances} {
		if slices.Contains(o.Missing, p) {
			t.Errorf("%s missing from a dump that holds some", p)
		}
	}
	roundTrip(t, o)

	one, err := ReadDump(filepath.Join(d, "vmis.json"), Options{})
	if err != nil || len(one.VMIs) != 1 {
		t.Fatalf("one file: %v, %+v", err, one)
	}
	fromStdin, err := ReadDumpFrom(strings.NewReader(vmiListJSON), "-", Options{})
	if err != nil || len(fromStdin.VMIs) != 1 || fromStdin.Source.Name != "-" {
		t.Fatalf("from a reader: %v, %+v", err, fromStdin)
	}
	if _, err := ReadDumpFrom(strings.NewReader("kind: List\nitems: [\n"), "-", Options{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("malformed input: %v, want ErrMalformed", err)
	}
}

// stubCluster is a Reader over fixed objects.
type stubCluster struct {
	cv    *update.ClusterVersion
	pools []update.MachineConfigPool
	subs  map[string]update.Subscription
	csvs  []conditions.CSV
	ips   []update.InstallPlan
	hc    *update.HyperConverged
	kv    *kubevirtv1.KubeVirt
	nodes []corev1.Node
	nms   []update.NodeMaintenance
	vmis  []kubevirtv1.VirtualMachineInstance
	vms   []kubevirtv1.VirtualMachine
	migs  []kubevirtv1.VirtualMachineInstanceMigration
	calls []string
}

func (s *stubCluster) call(c string) { s.calls = append(s.calls, c) }

func (s *stubCluster) GetClusterVersion(context.Context) (*update.ClusterVersion, error) {
	s.call("GetClusterVersion")
	if s.cv == nil {
		return nil, update.NotFound("get", "ClusterVersion", "", "version")
	}
	return s.cv, nil
}
func (s *stubCluster) ListMachineConfigPools(context.Context) ([]update.MachineConfigPool, error) {
	s.call("ListMachineConfigPools")
	return s.pools, nil
}
func (s *stubCluster) GetSubscription(_ context.Context, ns, name string) (*update.Subscription, error) {
	s.call("GetSubscription " + ns + "/" + name)
	if sub, ok := s.subs[ns+"/"+name]; ok {
		return &sub, nil
	}
	return nil, update.NotFound("get", "Subscription", ns, name)
}
func (s *stubCluster) ListCSVs(_ context.Context, ns string) ([]conditions.CSV, error) {
	s.call("ListCSVs " + ns)
	return s.csvs, nil
}
func (s *stubCluster) ListInstallPlans(_ context.Context, ns string) ([]update.InstallPlan, error) {
	s.call("ListInstallPlans " + ns)
	return s.ips, nil
}
func (s *stubCluster) GetHyperConverged(context.Context) (*update.HyperConverged, error) {
	s.call("GetHyperConverged")
	if s.hc == nil {
		return nil, update.NotFound("get", "HyperConverged", update.DefaultNamespace, update.HyperConvergedName)
	}
	return s.hc, nil
}
func (s *stubCluster) GetKubeVirt(context.Context) (*kubevirtv1.KubeVirt, error) {
	s.call("GetKubeVirt")
	if s.kv == nil {
		return nil, update.NotFound("get", "KubeVirt", update.DefaultNamespace, "kubevirt-kubevirt-hyperconverged")
	}
	return s.kv.DeepCopy(), nil
}
func (s *stubCluster) ListNodes(context.Context) ([]corev1.Node, error) {
	s.call("ListNodes")
	return append([]corev1.Node(nil), s.nodes...), nil
}
func (s *stubCluster) ListNodeMaintenances(context.Context) ([]update.NodeMaintenance, error) {
	s.call("ListNodeMaintenances")
	return s.nms, nil
}
func (s *stubCluster) ListVMIs(context.Context, update.ListOptions) ([]kubevirtv1.VirtualMachineInstance, error) {
	s.call("ListVMIs")
	return append([]kubevirtv1.VirtualMachineInstance(nil), s.vmis...), nil
}
func (s *stubCluster) ListVirtualMachines(context.Context, update.ListOptions) ([]kubevirtv1.VirtualMachine, error) {
	s.call("ListVirtualMachines")
	return s.vms, nil
}
func (s *stubCluster) ListMigrations(context.Context, update.ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error) {
	s.call("ListMigrations")
	return s.migs, nil
}

type stubWithPDBs struct {
	*stubCluster
	pdbs []policyv1.PodDisruptionBudget
}

func (s stubWithPDBs) ListPodDisruptionBudgets(context.Context) ([]policyv1.PodDisruptionBudget, error) {
	s.call("ListPodDisruptionBudgets")
	return s.pdbs, nil
}

func newStub() *stubCluster {
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}
	return &stubCluster{
		cv: &update.ClusterVersion{Channel: "stable-4.18", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.18.7"}},
			AvailableUpdates: []string{"4.18.9"}, DesiredChannels: []string{"stable-4.18"}},
		pools: []update.MachineConfigPool{{Name: "worker", MaxUnavailable: 2, MachineCount: 4}},
		subs: map[string]update.Subscription{"openshift-cnv/kubevirt-hyperconverged": {Namespace: "openshift-cnv", Name: "kubevirt-hyperconverged",
			Package: "kubevirt-hyperconverged", InstallPlanApproval: update.ApprovalAutomatic}},
		csvs: []conditions.CSV{{Name: "kubevirt-hyperconverged-operator.v4.18.3", Version: "4.18.3", Phase: conditions.CSVPhaseSucceeded}},
		hc: &update.HyperConverged{Namespace: "openshift-cnv", Name: "kubevirt-hyperconverged",
			Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}},
		kv: &kubevirtv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: "openshift-cnv", Name: "kubevirt-kubevirt-hyperconverged"},
			Status: kubevirtv1.KubeVirtStatus{ObservedDeploymentConfig: "{}", Phase: kubevirtv1.KubeVirtPhaseDeployed}},
		nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "w1", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}}}}},
		vmis: []kubevirtv1.VirtualMachineInstance{{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db-0"},
			Spec:   kubevirtv1.VirtualMachineInstanceSpec{AccessCredentials: []kubevirtv1.AccessCredential{{SSHPublicKey: &kubevirtv1.SSHPublicKeyAccessCredential{}}}},
			Status: kubevirtv1.VirtualMachineInstanceStatus{NodeName: "w1", Phase: kubevirtv1.Running}}},
	}
}

func TestReadCluster(t *testing.T) {
	s := newStub()
	o, err := ReadCluster(t.Context(), s, ClusterOptions{Name: "api.example:6443"})
	if err != nil {
		t.Fatal(err)
	}
	if o.ClusterVersion.Port().CurrentVersion() != "4.18.7" || o.ClusterVersion.Desired.Version != "4.18.7" || len(o.ClusterVersion.AvailableUpdates) != 1 {
		t.Errorf("ClusterVersion %+v", o.ClusterVersion)
	}
	if len(o.Pools) != 1 || o.Pools[0].Port().MaxUnavailable != 2 {
		t.Errorf("pools %+v", o.Pools)
	}
	if len(o.Subscriptions) != 1 || len(o.CSVs) != 1 || o.CSVs[0].Namespace != "openshift-cnv" {
		t.Errorf("OLM: %+v %+v", o.Subscriptions, o.CSVs)
	}
	if o.Nodes[0].ManagedFields != nil || len(o.Nodes[0].Status.Addresses) > 0 {
		t.Error("nodes read live are not reduced")
	}
	if len(o.VMIs[0].Spec.AccessCredentials) > 0 {
		t.Error("VMI access credentials kept")
	}
	if o.KubeVirt.Status.ObservedDeploymentConfig != "" {
		t.Error("KubeVirt not reduced")
	}
	want := []string{"ClusterOperators", "ClusterServiceVersions.maxOpenShiftVersion", "ClusterVersion.availableUpdates.channels",
		"ClusterVersion.conditionalUpdates.release.channels", "MachineConfigPools.nodeSelector", "PodDisruptionBudgets", "Subscriptions.source"}
	if d := cmp.Diff(want, o.Missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if o.Source.Kind != scenario.SourceCluster || o.Source.Name != "api.example:6443" || o.Source.CollectedAt == nil {
		t.Errorf("source %+v", o.Source)
	}
	for _, c := range s.calls {
		if strings.HasPrefix(c, "Set") || strings.HasPrefix(c, "Approve") || strings.HasPrefix(c, "Create") || strings.HasPrefix(c, "Evict") {
			t.Errorf("a write: %s", c)
		}
	}
	roundTrip(t, o)

	withPDBs := stubWithPDBs{newStub(), []policyv1.PodDisruptionBudget{{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"}}}}
	o, err = ReadCluster(t.Context(), withPDBs, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.PodDisruptionBudgets) != 1 || slices.Contains(o.Missing, scenario.PartPodDisruptionBudgets) {
		t.Errorf("a reader with the PodDisruptionBudgets port: %d budgets, missing %v", len(o.PodDisruptionBudgets), o.Missing)
	}

	// A cluster without OpenShift Virtualization: nothing of it, no error.
	bare := newStub()
	bare.hc, bare.kv, bare.subs, bare.csvs = nil, nil, nil, nil
	o, err = ReadCluster(t.Context(), bare, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o.HyperConverged != nil || o.KubeVirt != nil || len(o.Subscriptions) != 0 {
		t.Errorf("objects a cluster without CNV does not have: %+v", o)
	}

	// Caps.
	many := newStub()
	for i := range 4 {
		many.vmis = append(many.vmis, kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "p", Name: fmt.Sprint(i)}})
	}
	if _, err := ReadCluster(t.Context(), many, ClusterOptions{Options: Options{Limits: scenario.Limits{MaxVMIs: 3}}}); !errors.Is(err, scenario.ErrTooLarge) {
		t.Errorf("over the VMI cap: %v", err)
	}
}
