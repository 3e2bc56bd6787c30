package update_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// state is the cluster a pre-flight case starts from: three workers with
// 64 GiB each, one VMI of 8 GiB on each, a healthy worker pool, a
// HyperConverged, and OpenShift 4.14.20 with no update in progress.
type state struct {
	nodes    []corev1.Node
	vmis     []kubevirtv1.VirtualMachineInstance
	vms      []kubevirtv1.VirtualMachine
	cv       update.ClusterVersion
	pool     update.MachineConfigPool
	ips      []update.InstallPlan
	pdbs     []policyv1.PodDisruptionBudget
	gates    update.AdminGates
	eviction kubevirtv1.EvictionStrategy
}

func baseState() state {
	s := state{
		cv:       update.ClusterVersion{Channel: "stable-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}},
		pool:     update.MachineConfigPool{Name: "worker", MaxUnavailable: 1, MachineCount: 3, UpdatedMachineCount: 3, ReadyMachineCount: 3},
		eviction: kubevirtv1.EvictionStrategyLiveMigrate,
	}
	for _, n := range []string{"w0", "w1", "w2"} {
		s.nodes = append(s.nodes, corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{"node-role.kubernetes.io/worker": ""}},
			Status: corev1.NodeStatus{
				Allocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Gi")},
				Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			},
		})
		s.vmis = append(s.vmis, vmiOn("prod", "vm-"+n, n, "8Gi", true))
		s.vms = append(s.vms, vmAlways("prod", "vm-"+n))
	}
	return s
}

func vmiOn(ns, name, node, mem string, migratable bool) kubevirtv1.VirtualMachineInstance {
	st := corev1.ConditionTrue
	if !migratable {
		st = corev1.ConditionFalse
	}
	ctrl := true
	return kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			OwnerReferences: []metav1.OwnerReference{{Kind: "VirtualMachine", Name: name, Controller: &ctrl, APIVersion: "kubevirt.io/v1"}}},
		Spec: kubevirtv1.VirtualMachineInstanceSpec{Domain: kubevirtv1.DomainSpec{Resources: kubevirtv1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem)}}}},
		Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node,
			Conditions: []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: st, Reason: "DisksNotLiveMigratable"}}},
	}
}

func vmAlways(ns, name string) kubevirtv1.VirtualMachine {
	rs := kubevirtv1.RunStrategyAlways
	return kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &rs}}
}

// withPDBs adds the optional PodDisruptionBudgets and AdminGatesReader
// ports to a cluster.
type withPDBs struct {
	*fake.Cluster
	pdbs  []policyv1.PodDisruptionBudget
	gates update.AdminGates
}

func (w withPDBs) GetAdminGates(context.Context) (update.AdminGates, error) { return w.gates, nil }

func (w withPDBs) ListPodDisruptionBudgets(context.Context) ([]policyv1.PodDisruptionBudget, error) {
	return w.pdbs, nil
}

func (s state) cluster() update.Cluster {
	c := fake.NewCluster(fake.Options{Seed: 1})
	hc := update.HyperConverged{Namespace: update.DefaultNamespace, Name: update.HyperConvergedName}
	hc.Spec.EvictionStrategy = &s.eviction
	hc.Status.Versions = []update.OperandVersion{{Name: update.HyperConvergedVersionName, Version: "4.14.3"}}
	c.SetHyperConverged(hc)
	c.SetClusterVersion(s.cv)
	c.AddPools(s.pool)
	c.AddNodes(s.nodes...)
	c.AddVMIs(s.vmis...)
	c.AddVirtualMachines(s.vms...)
	c.AddInstallPlans(s.ips...)
	return withPDBs{Cluster: c, pdbs: s.pdbs, gates: s.gates}
}

// Each finding has a state that raises it and the base state, which does
// not.
func TestPreflightFindings(t *testing.T) {
	minor := update.PreflightOptions{Kind: update.KindMinor, From: update.Versions{OCP: "4.14.20"}, To: "4.15.3"}
	for _, tt := range []struct {
		reason  string
		check   string
		sev     update.Severity
		objects []string
		mutate  func(*state)
	}{
		{"under cluster-wide None a drain shuts a VMI down; its VM restarts it", update.CheckDrainShutdown, update.SeverityWarning,
			[]string{"VMI prod/vm-w0", "VMI prod/vm-w1", "VMI prod/vm-w2"},
			func(s *state) { s.eviction = kubevirtv1.EvictionStrategyNone }},
		{"a standalone VMI is deleted by a drain: data loss", update.CheckDrainDataLoss, update.SeverityError, []string{"VMI prod/vm-w1"},
			func(s *state) {
				s.eviction = kubevirtv1.EvictionStrategyNone
				s.vmis[1].OwnerReferences = nil
			}},
		{"under cluster-wide LiveMigrate a VMI that cannot migrate blocks the drain", update.CheckWorkloads, update.SeverityError, []string{"VMI prod/vm-w2"},
			func(s *state) { s.vmis[2] = vmiOn("prod", "vm-w2", "w2", "8Gi", false) }},
		{"a cordoned node with maxUnavailable 1: the pool cannot start", update.CheckNodes, update.SeverityError, []string{"node w1 (cordoned)"},
			func(s *state) { s.nodes[1].Spec.Unschedulable = true }},
		{"a NotReady node", update.CheckNodes, update.SeverityError, []string{"node w0 (NotReady)"},
			func(s *state) { s.nodes[0].Status.Conditions[0].Status = corev1.ConditionFalse }},
		{"the fullest node's VMIs do not fit on the others", update.CheckCapacity, update.SeverityWarning, []string{"MachineConfigPool worker"},
			func(s *state) {
				s.vmis[0] = vmiOn("prod", "vm-w0", "w0", "60Gi", true)
				s.vmis[1] = vmiOn("prod", "vm-w1", "w1", "60Gi", true)
				s.vmis[2] = vmiOn("prod", "vm-w2", "w2", "60Gi", true)
			}},
		{"the ClusterVersion is not upgradeable: the CVO refuses a minor update", update.CheckPlatformUpgradeable, update.SeverityError, []string{"ClusterVersion version"},
			func(s *state) {
				s.cv.Conditions = []metav1.Condition{{Type: "Upgradeable", Status: metav1.ConditionFalse, Reason: "IncompatibleOperatorsInstalled",
					Message: "Cluster operator operator-lifecycle-manager should not be upgraded between minor versions: ClusterServiceVersions blocking cluster upgrade: ns/op.v1 is incompatible with OpenShift minor versions greater than 4.14"}}
			}},
		{"an InstallPlan waits for approval", update.CheckInstallPlans, update.SeverityWarning, []string{"InstallPlan openshift-cnv/install-x (kubevirt-hyperconverged-operator.v4.14.5)"},
			func(s *state) {
				s.ips = []update.InstallPlan{{Namespace: update.DefaultNamespace, Name: "install-x", CSVNames: []string{"kubevirt-hyperconverged-operator.v4.14.5"}, Approval: update.ApprovalManual, Phase: update.InstallPlanRequiresApproval}}
			}},
		{"a PodDisruptionBudget at its limit blocks drains", update.CheckDisruptionBudgets, update.SeverityError, []string{"PodDisruptionBudget shop/db"},
			func(s *state) {
				s.pdbs = []policyv1.PodDisruptionBudget{
					{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db"}, Status: policyv1.PodDisruptionBudgetStatus{ExpectedPods: 2, DisruptionsAllowed: 0}},
					{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "kubevirt-disruption-budget-x", OwnerReferences: []metav1.OwnerReference{{Kind: "VirtualMachineInstance", Name: "vm-w0"}}},
						Status: policyv1.PodDisruptionBudgetStatus{ExpectedPods: 1}},
				}
			}},
		{"an admin-ack gate of the current minor is not acknowledged", update.CheckAdminAcks, update.SeverityError,
			[]string{"ConfigMap openshift-config-managed/admin-gates ack-4.14-kube-1.29-api-removals-in-4.15"},
			func(s *state) {
				s.gates = update.AdminGates{Gates: map[string]string{
					"ack-4.14-kube-1.29-api-removals-in-4.15": "Kubernetes 1.29 removes APIs: see https://access.redhat.com/articles/6958394",
					"ack-4.13-kube-1.27-api-removals-in-4.14": "an older gate, acknowledged long ago or not: it does not apply to 4.14",
				}, Acks: map[string]string{"ack-4.14-kube-1.29-api-removals-in-4.15": "yes"}}
			}},
		{"the channel does not offer the target and the release does not declare the one that does", update.CheckChannel, update.SeverityError, nil,
			func(s *state) { s.cv.DesiredChannels = []string{"stable-4.14", "fast-4.14"} }},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			base := baseState()
			got, err := update.Preflight(t.Context(), base.cluster(), minor)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range got {
				if f.Check == tt.check && f.Severity == tt.sev {
					t.Fatalf("the base state raises %s already: %s", tt.check, f)
				}
			}
			s := baseState()
			tt.mutate(&s)
			got, err = update.Preflight(t.Context(), s.cluster(), minor)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(got, func(f update.Finding) bool { return f.Check == tt.check && f.Severity == tt.sev })
			if i < 0 {
				t.Fatalf("no %s %s finding in %v", tt.sev, tt.check, got)
			}
			if tt.objects != nil && !slices.Equal(got[i].Objects, tt.objects) {
				t.Errorf("objects = %v, want %v", got[i].Objects, tt.objects)
			}
			if got[i].Severity != update.SeverityInfo && got[i].Remedy == "" {
				t.Errorf("%s has no remedy", got[i])
			}
		})
	}
}

// An update of OpenShift Virtualization alone drains no node: the drain
// findings stay quiet.
func TestPreflightZStreamOfCNVDrainsNothing(t *testing.T) {
	s := baseState()
	s.eviction = kubevirtv1.EvictionStrategyNone
	s.vmis[1].OwnerReferences = nil
	got, err := update.Preflight(t.Context(), s.cluster(), update.PreflightOptions{Kind: update.KindZStream, From: update.Versions{OCP: "4.14.20"}, To: "4.14.20"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if f.Check == update.CheckDrainDataLoss || f.Check == update.CheckDrainShutdown || f.Check == update.CheckCapacity {
			t.Errorf("a CNV-only z-stream reports %s", f)
		}
	}
}

// Pre-flight judges the operator's version on the platform by the plan's
// Compatibility: a rule of the caller's replaces OpenShift's.
func TestPreflightTakesTheCompatibility(t *testing.T) {
	minor := update.PreflightOptions{Kind: update.KindMinor, From: update.Versions{OCP: "4.14.20"}, To: "4.15.3"}
	find := func(o update.PreflightOptions) update.Finding {
		t.Helper()
		got, err := update.Preflight(t.Context(), baseState().cluster(), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range got {
			if f.Check == update.CheckCNVMatchesOCP {
				return f
			}
		}
		t.Fatal("no CNVMatchesOCP finding")
		return update.Finding{}
	}
	if f := find(minor); f.Severity != update.SeverityInfo {
		t.Fatalf("OpenShift's rules: 4.14.3 on 4.14.20 is %s", f)
	}
	minor.Compatibility = channel.CompatibilityFuncs{CheckOnFunc: func(op, pl channel.Version) error {
		return fmt.Errorf("%w: our fleet runs %s only on %s.z", channel.ErrPlatformTooOld, op, "5.0")
	}}
	if f := find(minor); f.Severity != update.SeverityError || !strings.Contains(f.Reason, "our fleet") {
		t.Errorf("the caller's rule: %s", f)
	}
}
