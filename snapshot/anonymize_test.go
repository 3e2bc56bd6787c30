package snapshot

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/scenario"
)

// anonInput is a generated must-gather's objects with more references to
// follow: a PodDisruptionBudget selecting a VM's pods, a VMI pinned to its
// node by selector and affinity, a custom pool and role, a node
// maintenance, a VMI on a private registry's launcher.
func anonInput(t *testing.T) *scenario.Objects {
	t.Helper()
	root := t.TempDir()
	writeCNVMustGather(t, root, genOpts{VMIs: 20, DefaultImage: true})
	o, err := ReadMustGather(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	o.PodDisruptionBudgets = append(o.PodDisruptionBudgets, policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-0", Name: "payroll-budget", Labels: map[string]string{"team": "payroll"}},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "vm-00000"}}}})
	v := &o.VMIs[0]
	v.Spec.NodeSelector = map[string]string{scenario.LabelHostname: "worker-0"}
	v.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"worker-0"}}},
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "acme.example/rack", Operator: corev1.NodeSelectorOpIn, Values: []string{"r12"}}}}}}}}
	o.VMIs[1].Status.LauncherContainerImageVersion = "mirror.acme.example:5000/cnv/virt-launcher-rhel9@sha256:abcd"
	o.Pools = append(o.Pools, scenario.MachineConfigPool{Name: "acme-gpu",
		NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{scenario.LabelRolePrefix + "acme-gpu": ""}}})
	o.Nodes[2].Labels[scenario.LabelRolePrefix+"acme-gpu"] = ""
	o.Nodes[2].Labels["acme.example/rack"] = "r12"
	o.NodeMaintenances = []scenario.NodeMaintenance{{Group: "nodemaintenance.medik8s.io", Name: "fix-worker-1", NodeName: "worker-1", Reason: "replace DIMM on worker-1."}}
	o.Sort()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	return o
}

func ptr[T any](v T) *T { return &v }

func TestAnonymizeConsistent(t *testing.T) {
	in := anonInput(t)
	before, err := scenario.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := Anonymize(in, 42)
	if after, _ := scenario.Marshal(in); !bytes.Equal(before, after) {
		t.Fatal("Anonymize changed its input")
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("the anonymised objects do not validate: %v", err)
	}
	data, err := scenario.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, secret := range []string{"worker-0", "worker-1", "tenant-0", "tenant-1", "vm-00000", "vm-00013", "payroll", "acme",
		"kubevirt-workload-update-5", "fix-worker", "r12", "zone-a", "20000000-0000-4000-8000-000000000000", "mirror.acme.example"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q is still in the anonymised snapshot", secret)
		}
	}
	for _, kept := range []string{"openshift-cnv", "kubevirt-hyperconverged-operator.v4.18.3", "4.18.7", "stable-4.18", "16Gi", "63500m",
		"LiveMigrate", "DisksNotLiveMigratable", "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:4f2b",
		"node-role.kubernetes.io/worker", "cpu-model.node.kubevirt.io/Skylake-Server", "virt-launcher-rhel9@sha256:abcd"} {
		if !strings.Contains(text, kept) {
			t.Errorf("%q was replaced; it should be kept", kept)
		}
	}
	if !out.Source.Anonymized || out.Source.Name != "" {
		t.Errorf("source %+v: want anonymised, no name", out.Source)
	}

	nodes := map[string]bool{}
	for _, n := range out.Nodes {
		nodes[n.Name] = true
		if n.Labels[scenario.LabelHostname] != n.Name {
			t.Errorf("node %s: hostname label %q does not follow its name", n.Name, n.Labels[scenario.LabelHostname])
		}
	}
	vmis := map[string]bool{}
	vms := map[string]bool{}
	for _, vm := range out.VirtualMachines {
		vms[vm.Namespace+"/"+vm.Name] = true
	}
	for _, v := range out.VMIs {
		vmis[v.Namespace+"/"+v.Name] = true
		if !nodes[v.Status.NodeName] {
			t.Errorf("VMI %s/%s runs on %q, not a node of the snapshot", v.Namespace, v.Name, v.Status.NodeName)
		}
		if v.Labels["kubevirt.io/nodeName"] != v.Status.NodeName {
			t.Errorf("VMI %s: kubevirt.io/nodeName %q, node %q", v.Name, v.Labels["kubevirt.io/nodeName"], v.Status.NodeName)
		}
		if o := v.OwnerReferences[0]; o.Name != v.Name || !vms[v.Namespace+"/"+o.Name] {
			t.Errorf("VMI %s: owner %s is not its VM", v.Name, o.Name)
		}
		for _, node := range v.Status.ActivePods {
			if !nodes[node] {
				t.Errorf("VMI %s: active pod on %q, not a node", v.Name, node)
			}
		}
		if sel := v.Spec.NodeSelector[scenario.LabelHostname]; sel != "" && !nodes[sel] {
			t.Errorf("VMI %s: node selector names %q, not a node", v.Name, sel)
		}
		if a := v.Spec.Affinity; a != nil {
			term := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0]
			if !nodes[term.MatchFields[0].Values[0]] {
				t.Errorf("VMI %s: affinity on metadata.name %q, not a node", v.Name, term.MatchFields[0].Values[0])
			}
			// The rack label of the node and the VMI's affinity on it still match.
			key, val := term.MatchExpressions[0].Key, term.MatchExpressions[0].Values[0]
			matched := false
			for _, n := range out.Nodes {
				matched = matched || n.Labels[key] == val
			}
			if !matched {
				t.Errorf("VMI %s: affinity %s=%s matches no node any more", v.Name, key, val)
			}
		}
	}
	for _, m := range out.Migrations {
		if !vmis[m.Namespace+"/"+m.Spec.VMIName] {
			t.Errorf("migration %s/%s: vmiName %q is not a VMI of its namespace", m.Namespace, m.Name, m.Spec.VMIName)
		}
		if ms := m.Status.MigrationState; ms != nil && (!nodes[ms.SourceNode] || !nodes[ms.TargetNode]) {
			t.Errorf("migration %s: source %q or target %q is not a node", m.Name, ms.SourceNode, ms.TargetNode)
		}
	}
	// The budget still selects the VMI's pods' label.
	var budget *policyv1.PodDisruptionBudget
	for i := range out.PodDisruptionBudgets {
		if out.PodDisruptionBudgets[i].Labels != nil {
			budget = &out.PodDisruptionBudgets[i]
		}
	}
	selected := 0
	for _, v := range out.VMIs {
		if budget != nil && v.Labels["app"] == budget.Spec.Selector.MatchLabels["app"] {
			selected++
		}
	}
	if selected != 1 {
		t.Errorf("the budget's selector matches %d VMIs' app label, want 1", selected)
	}
	// Pools select the same nodes.
	before2, after2 := poolCounts(in), poolCounts(out)
	if !slices.Equal(before2, after2) {
		t.Errorf("nodes per pool %v before, %v after", before2, after2)
	}
	if nm := out.NodeMaintenances[0]; !nodes[nm.NodeName] || strings.Contains(nm.Reason, "worker-1") || !strings.HasSuffix(nm.Reason, ".") {
		t.Errorf("node maintenance %+v: want its node mapped, its reason's node name replaced, the sentence kept", nm)
	}
	// Every namespace is mapped the same way.
	if out.VMIs[0].Namespace != out.VirtualMachines[0].Namespace || out.VMIs[0].Namespace == "tenant-0" {
		t.Errorf("namespaces %q, %q", out.VMIs[0].Namespace, out.VirtualMachines[0].Namespace)
	}
}

func poolCounts(o *scenario.Objects) []int {
	m := map[string]int{}
	for _, n := range o.NodeSummaries() {
		m[n.Pool]++
	}
	var out []int
	for _, p := range o.Pools {
		out = append(out, m[p.Name])
	}
	slices.Sort(out)
	return out
}

func TestAnonymizeSeed(t *testing.T) {
	in := anonInput(t)
	a, _ := scenario.Marshal(Anonymize(in, 7))
	b, _ := scenario.Marshal(Anonymize(in, 7))
	c, _ := scenario.Marshal(Anonymize(in, 8))
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different snapshots")
	}
	if bytes.Equal(a, c) {
		t.Error("another seed gave the same names")
	}
}
