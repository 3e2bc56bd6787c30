package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// vmi is a running VMI on the node, migratable or not, with its own
// eviction strategy (nil: the cluster's).
func vmi(name, node string, migratable bool, strategy *kubevirtv1.EvictionStrategy) *kubevirtv1.VirtualMachineInstance {
	v := &kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name}}
	v.Spec.EvictionStrategy = strategy
	v.Status.Phase, v.Status.NodeName = kubevirtv1.Running, node
	status, reason := "True", ""
	if !migratable {
		status, reason = "False", "HostDeviceNotLiveMigratable"
	}
	v.Status.Conditions = []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionStatus(status), Reason: reason}}
	return v
}

func pdb(ns, name string, allowed, expected int32, ownedByVMI bool) policyv1.PodDisruptionBudget {
	p := policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed, ExpectedPods: expected}}
	if ownedByVMI {
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "VirtualMachineInstance", Name: "x"}}
	}
	return p
}

// TestDrainFindings: what holds a draining node, and how much it matters.
// A VMI whose eviction KubeVirt's webhook denies (LiveMigrate and not
// migratable: kubevirt pkg/virt-api/webhooks/validating-webhook/admitters/
// pod-eviction-admitter.go) holds the drain forever: an Error at once. A
// PodDisruptionBudget at its limit (oc reads it from the
// PodDisruptionBudgetAtLimit alert: alerts.go allowedAlerts) holds it while
// it lasts: a Warning once the node has drained for 10m (the MCO's drain
// controller slows its retries then), an Error past 1h (it reports the
// drain failed: machine-config-operator pkg/controller/drain/
// drain_controller.go DefaultConfig DrainRequeueFailingThreshold,
// DrainTimeoutDuration).
func TestDrainFindings(t *testing.T) {
	live := kubevirtv1.EvictionStrategyLiveMigrate
	ifPossible := kubevirtv1.EvictionStrategyLiveMigrateIfPossible
	draining := func(since time.Duration) poolStatus {
		n := nodeStatus{Name: "worker-7", Phase: phaseDraining, Assessment: assessProgressing}
		if since > 0 {
			n.Since = cpNow.Add(-since)
		}
		return poolStatus{Name: "worker", Nodes: []nodeStatus{n, {Name: "worker-8", Phase: phasePending}}}
	}
	atLimit := []policyv1.PodDisruptionBudget{pdb("db", "quorum", 0, 3, false)}
	for _, tt := range []struct {
		reason string
		pool   poolStatus
		vmis   []*kubevirtv1.VirtualMachineInstance
		pdbs   []policyv1.PodDisruptionBudget
		known  bool
		want   []string // "Check Severity"
		says   string
	}{
		{"nothing on the node", draining(time.Hour), nil, nil, true, nil, ""},
		{"a LiveMigrate VMI that cannot migrate: an Error at once", draining(0),
			[]*kubevirtv1.VirtualMachineInstance{vmi("gpu", "worker-7", false, &live)}, nil, true,
			[]string{checkDrainVMI + " Error"}, "denies the eviction of prod/gpu (eviction strategy LiveMigrate; HostDeviceNotLiveMigratable"},
		{"the cluster's LiveMigrate decides for a VMI without its own", draining(0),
			[]*kubevirtv1.VirtualMachineInstance{vmi("gpu", "worker-7", false, nil)}, nil, true, []string{checkDrainVMI + " Error"}, "prod/gpu"},
		{"a migratable VMI migrates: nothing", draining(0),
			[]*kubevirtv1.VirtualMachineInstance{vmi("db", "worker-7", true, &live)}, nil, true, nil, ""},
		{"a LiveMigrateIfPossible VMI that cannot migrate is shut down: a Warning", draining(0),
			[]*kubevirtv1.VirtualMachineInstance{vmi("legacy", "worker-7", false, &ifPossible)}, nil, true, []string{checkDrainShutdown + " Warning"}, "shuts down 1 VMI"},
		{"a VMI on a node that is not draining: nothing here", draining(0),
			[]*kubevirtv1.VirtualMachineInstance{vmi("gpu", "worker-8", false, &live)}, nil, true, nil, ""},
		{"a budget at its limit, draining for 5m: not yet", draining(5 * time.Minute), nil, atLimit, true, nil, ""},
		{"a budget at its limit, draining for 15m: a Warning", draining(15 * time.Minute), nil, atLimit, true,
			[]string{checkDrainPDB + " Warning"}, "node worker-7 is draining for 15m while 1 PodDisruptionBudget allows no disruption"},
		{"a budget at its limit, draining for 2h: an Error", draining(2 * time.Hour), nil, atLimit, true,
			[]string{checkDrainPDB + " Error"}, "past the MCO's drain timeout of 1h"},
		{"a budget at its limit, since not known: Info", draining(0), nil, atLimit, true, []string{checkDrainPDB + " Info"}, "is draining while"},
		{"KubeVirt's own budget of a migrating VMI does not count", draining(2 * time.Hour), nil, []policyv1.PodDisruptionBudget{pdb("prod", "kubevirt-disruption-budget-x", 0, 1, true)}, true, nil, ""},
		{"a budget that allows a disruption does not count", draining(2 * time.Hour), nil, []policyv1.PodDisruptionBudget{pdb("db", "loose", 1, 3, false)}, true, nil, ""},
		{"a budget with no pods does not count", draining(2 * time.Hour), nil, []policyv1.PodDisruptionBudget{pdb("db", "empty", 0, 0, false)}, true, nil, ""},
		{"budgets not readable: nothing said of them", draining(2 * time.Hour), nil, atLimit, false, nil, ""},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			byNode := map[string][]*kubevirtv1.VirtualMachineInstance{}
			for _, v := range tt.vmis {
				byNode[v.Status.NodeName] = append(byNode[v.Status.NodeName], v)
			}
			findings := drainFindings([]poolStatus{tt.pool}, drainFacts{vmis: byNode, cluster: live, pdbs: tt.pdbs, pdbsKnown: tt.known, now: cpNow})
			var got []string
			for _, f := range findings {
				got = append(got, f.Check+" "+string(f.Severity))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings %v, want %v: %v", got, tt.want, findings)
			}
			if tt.says != "" && !strings.Contains(findings[0].Reason, tt.says) {
				t.Errorf("reason %q lacks %q", findings[0].Reason, tt.says)
			}
			for _, f := range findings {
				if f.Remedy == "" || !slices.Contains(f.Objects, "node worker-7") {
					t.Errorf("finding %v: no remedy or does not name the node", f)
				}
			}
		})
	}
}

// TestHasError: a report with an Error finding ends a --watch with exit 1.
func TestHasError(t *testing.T) {
	r := &statusReport{Findings: []update.Finding{{Severity: update.SeverityWarning}}}
	if r.hasError() {
		t.Error("a Warning is not an Error")
	}
	r.Findings = append(r.Findings, update.Finding{Severity: update.SeverityError})
	if !r.hasError() {
		t.Error("an Error is")
	}
}
