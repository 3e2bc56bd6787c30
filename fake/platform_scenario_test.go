package fake

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// The platform example of the Scenario documentation is testdata/platform.yaml,
// line for line, so the documented example is one that loads and runs.
func TestScenarioDocCarriesPlatformExample(t *testing.T) {
	src, err := os.ReadFile("scenario.go")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(string(example)), "\n") {
		doc.WriteString("//\t" + l + "\n")
	}
	if !strings.Contains(string(src), doc.String()) {
		t.Errorf("the Scenario doc comment does not carry testdata/platform.yaml as its platform example:\n%s", doc.String())
	}
}

// The platform fields of a scenario build the cluster they describe: a
// cordoned node, a NotReady node, a NodeMaintenance that the
// node-maintenance operator runs, a ClusterOperator that is not
// upgradeable, another operator's CSV with its olm.maxOpenShiftVersion, and
// a pool whose maxUnavailable is a percentage.
func TestPlatformScenarioExample(t *testing.T) {
	ctx := context.Background()
	s, err := LoadScenario("testdata/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	if n := node(t, c, "worker-cordoned"); !n.Spec.Unschedulable {
		t.Error("worker-cordoned is cordoned")
	}
	if n := node(t, c, "worker-down"); nodeReadyStatus(&n) {
		t.Error("worker-down is NotReady")
	}
	if p := workerPool(t, c); p.MaxUnavailable != 2 {
		t.Errorf("worker pool maxUnavailable reads %d, want 25%% of 10 workers rounded down = 2", p.MaxUnavailable)
	}
	csvs, _ := c.ListCSVs(ctx, "openshift-storage")
	if len(csvs) != 1 || csvs[0].Name != "odf-operator.v4.15.4" || csvs[0].Phase != "Succeeded" {
		t.Errorf("the other operator's CSV: %+v", csvs)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if nm := nodeMaintenance(t, c, update.NodeMaintenanceMedik8s, "nm-worker-1"); nm.Phase != NodeMaintenanceSucceeded || !node(t, c, "worker-1").Spec.Unschedulable {
		t.Errorf("the NodeMaintenance cordoned and drained worker-1: %+v", nm)
	}
	if up := olmUpgradeable(t, c); up.Status != configv1.ConditionTrue {
		t.Errorf("ODF (up to 4.16) and CNV 4.15 (up to 4.16) allow OCP 4.16: %+v", up)
	}
	cv := desire(t, c, s.Update.To, time.Minute)
	if acc := meta(cv.Conditions, "ReleaseAccepted"); cv.Updating() || !strings.Contains(acc.Message,
		`"KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade": Cluster operator kube-apiserver should not be upgraded between minor or major versions: kubelets of 1 node are two minors behind`) {
		t.Errorf("the kube-apiserver's Upgradeable=False refuses OCP 4.16.1: %+v", acc)
	}
	cv = desire(t, c, "4.15.4", DefaultPlatformUpdate+2*time.Hour)
	if cv.Updating() || cv.CurrentVersion() != "4.15.4" {
		t.Errorf("the z-stream completes once the master pool has rolled out: %+v", cv.History)
	}
	p := workerPool(t, c)
	if p.Updated() || p.UnavailableMachineCount != 3 || len(drained(c)) != 3 {
		t.Errorf("worker pool %+v, drained %v; want it stalled: 3 of 10 unavailable with maxUnavailable 2, only the masters drained", p, drained(c))
	}
	if u := meta(p.Conditions, PoolConditionUpdating); u.Status != metav1.ConditionTrue {
		t.Errorf("the stalled worker pool is Updating: %+v", u)
	}
}

// Errors in the platform fields name the field and the value.
func TestPlatformScenarioValidation(t *testing.T) {
	const base = "clusterVersion: {version: 4.14.20}\ncnv: {version: 4.14.3}\nnodes: [{name: w, unschedulable: true, ready: false}]\n"
	for _, tt := range []struct {
		reason, yaml string
		want         []string
	}{
		{"a word for maxUnavailable", `pools: [{name: worker, maxUnavailable: half}]`, []string{"pools[0].maxUnavailable", `"half"`}},
		{"a percentage over 100", `pools: [{name: worker, maxUnavailable: "150%"}]`, []string{"pools[0].maxUnavailable", `"150%"`}},
		{"a negative count", `pools: [{name: worker, maxUnavailable: -1}]`, []string{"pools[0].maxUnavailable", "-1"}},
		{"maxUnavailable neither a count nor a string", `pools: [{name: worker, maxUnavailable: true}]`, []string{"pools.maxUnavailable", "bool"}},
		{"a ClusterOperator without a name", `clusterOperators: [{conditions: []}]`, []string{"clusterOperators[0].name", "required"}},
		{"OLM's ClusterOperator is the fake's own", `clusterOperators: [{name: operator-lifecycle-manager, conditions: []}]`,
			[]string{"clusterOperators[0].name", `"operator-lifecycle-manager"`, "maxOpenShiftVersion"}},
		{"a ClusterOperator twice", "clusterOperators: [{name: etcd, conditions: []}, {name: etcd, conditions: []}]", []string{"clusterOperators[1].name", `"etcd"`}},
		{"an unknown condition type", `clusterOperators: [{name: etcd, conditions: [{type: Happy, status: "True"}]}]`,
			[]string{"clusterOperators[0].conditions[0].type", `"Happy"`}},
		{"a condition twice", `clusterOperators: [{name: etcd, conditions: [{type: Upgradeable, status: "True"}, {type: Upgradeable, status: "False"}]}]`,
			[]string{"clusterOperators[0].conditions[1].type", `"Upgradeable"`}},
		{"a status that is not True, False or Unknown", `clusterOperators: [{name: etcd, conditions: [{type: Upgradeable, status: "Maybe"}]}]`,
			[]string{"clusterOperators[0].conditions[0].status", `"Maybe"`}},
		{"an unquoted False is a boolean", `clusterOperators: [{name: etcd, conditions: [{type: Upgradeable, status: False}]}]`,
			[]string{"clusterOperators.conditions.status", "bool"}},
		{"an operator without a namespace", `operators: [{csv: odf-operator.v4.14.3}]`, []string{"operators[0].namespace", "required"}},
		{"an operator without a CSV", `operators: [{namespace: openshift-storage}]`, []string{"operators[0].csv", "required"}},
		{"an operator's bad version", `operators: [{namespace: s, csv: x.v1, version: one}]`, []string{"operators[0].version", `"one"`}},
		{"a maxOpenShiftVersion with a patch", `operators: [{namespace: s, csv: x.v1, maxOpenShiftVersion: "4.16.2"}]`,
			[]string{"operators[0].maxOpenShiftVersion", `"4.16.2"`}},
		{"a CSV twice", `operators: [{namespace: s, csv: x.v1}, {namespace: s, csv: x.v1}]`, []string{"operators[1].csv", `"s/x.v1"`}},
		{"CNV's own CSV", `operators: [{namespace: openshift-cnv, csv: kubevirt-hyperconverged-operator.v4.14.3}]`,
			[]string{"operators[0].csv", "kubevirt-hyperconverged-operator.v4.14.3"}},
	} {
		_, err := ParseScenario([]byte(base + tt.yaml))
		if !errors.Is(err, ErrInvalidScenario) {
			t.Errorf("%s: err = %v, want ErrInvalidScenario", tt.reason, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.reason, err, w)
			}
		}
	}
	for _, ok := range []string{
		`pools: [{name: worker, maxUnavailable: "25%"}]`,
		`pools: [{name: worker, maxUnavailable: 3}]`,
		`pools: [{name: worker}]`,
		`clusterOperators: [{name: etcd, conditions: [{type: Upgradeable, status: "False", reason: R, message: m}]}]`,
		`operators: [{namespace: s, csv: x.v1, version: 1.2.3, maxOpenShiftVersion: "4.15"}]`,
	} {
		if _, err := ParseScenario([]byte(base + ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
