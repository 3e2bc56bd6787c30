package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

func loadExample(t *testing.T) *Objects {
	t.Helper()
	o, err := Load(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestExampleFile(t *testing.T) {
	o := loadExample(t)
	if len(o.Nodes) != 3 || len(o.VMIs) != 2 || o.HyperConverged == nil || o.ClusterVersion == nil {
		t.Fatalf("example: %d nodes, %d VMIs, HCO %v, CV %v", len(o.Nodes), len(o.VMIs), o.HyperConverged != nil, o.ClusterVersion != nil)
	}
	if got := o.ClusterVersion.Port().CurrentVersion(); got != "4.16.3" {
		t.Errorf("current version %q, want 4.16.3", got)
	}
	if up := o.ClusterVersion.Upgradeable(); up == nil || up.Status != metav1.ConditionTrue {
		t.Errorf("Upgradeable = %v, want True", up)
	}
	if got := o.Pools[1].Port().MaxUnavailable; got != 1 {
		t.Errorf("worker maxUnavailable 25%% of 2 machines resolves to %d, want 1 (rounded down, at least 1)", got)
	}
}

// TestRoundTrip: what Marshal writes, Parse reads back to the same objects,
// and writing again gives the same bytes.
func TestRoundTrip(t *testing.T) {
	o := loadExample(t)
	o.Sort() // what Marshal writes is sorted
	first, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(first)
	if err != nil {
		t.Fatalf("parse what Marshal wrote: %v\n%s", err, first)
	}
	if d := cmp.Diff(o, back); d != "" {
		t.Errorf("round trip changed the objects (-before +after):\n%s", d)
	}
	second, err := Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("Marshal of the parsed output differs from the first output")
	}
	js, err := MarshalJSON(o)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse(js)
	if err != nil {
		t.Fatalf("parse JSON: %v", err)
	}
	if d := cmp.Diff(o, fromJSON); d != "" {
		t.Errorf("JSON round trip changed the objects:\n%s", d)
	}
}

// TestMarshalDeterministic: the order objects arrive in does not change
// the output, and Marshal does not reorder its argument.
func TestMarshalDeterministic(t *testing.T) {
	o := loadExample(t)
	want, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		c := *o
		c.Nodes = append([]corev1.Node(nil), o.Nodes...)
		c.VMIs = append([]kubevirtv1.VirtualMachineInstance(nil), o.VMIs...)
		c.Pools = append([]MachineConfigPool(nil), o.Pools...)
		r.Shuffle(len(c.Nodes), func(i, j int) { c.Nodes[i], c.Nodes[j] = c.Nodes[j], c.Nodes[i] })
		r.Shuffle(len(c.VMIs), func(i, j int) { c.VMIs[i], c.VMIs[j] = c.VMIs[j], c.VMIs[i] })
		r.Shuffle(len(c.Pools), func(i, j int) { c.Pools[i], c.Pools[j] = c.Pools[j], c.Pools[i] })
		order := nodeNames(c.Nodes)
		got, err := Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("shuffled lists gave different output")
		}
		if nodeNames(c.Nodes) != order {
			t.Error("Marshal reordered the caller's nodes")
		}
	}
}

func nodeNames(nodes []corev1.Node) string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.Name)
	}
	return strings.Join(s, ",")
}

func TestValidateNamesFieldAndValue(t *testing.T) {
	for _, tt := range []struct {
		name, reason string
		mutate       func(o *Objects)
		want         string // a substring: the field path and the value
	}{
		{"apiVersion", "the header tells the object form from the count form",
			func(o *Objects) { o.APIVersion = "v1" }, `apiVersion: "v1"`},
		{"missing part", "missing names parts by their names",
			func(o *Objects) { o.Missing = []string{"Clusterversion"} }, `missing[0]: "Clusterversion"`},
		{"missing field", "Part.field is accepted",
			func(o *Objects) { o.Missing = []string{"ClusterVersion.conditionalUpdates"} }, ""},
		{"history state", "CVO history entries are Completed or Partial",
			func(o *Objects) { o.ClusterVersion.History[0].State = "Done" }, `clusterVersion.history[0].state: "Done"`},
		{"condition status", "a YAML boolean left unquoted is not a condition status",
			func(o *Objects) { o.ClusterVersion.Conditions[0].Status = "true" }, `clusterVersion.conditions[0].status: "true"`},
		{"maxUnavailable percent", "the MCO takes a count or a percentage up to 100%",
			func(o *Objects) { v := intstr.FromString("150%"); o.Pools[1].MaxUnavailable = &v }, `pools[1].maxUnavailable: "150%"`},
		{"maxUnavailable negative", "a negative count does not resolve",
			func(o *Objects) { v := intstr.FromInt32(-1); o.Pools[1].MaxUnavailable = &v }, `pools[1].maxUnavailable: -1`},
		{"duplicate node", "one node per name",
			func(o *Objects) { o.Nodes[2].Name = o.Nodes[1].Name }, `nodes[2]: "worker-0": is also nodes[1]`},
		{"duplicate VMI UID", "a UID is one object",
			func(o *Objects) { o.VMIs[1].UID = o.VMIs[0].UID }, `vmis[1].uid: "7c2e3b4d-0000-4000-8000-000000000001"`},
		{"VMI without namespace", "VMIs are namespaced",
			func(o *Objects) { o.VMIs[0].Namespace = "" }, `vmis[0].metadata.namespace: is required`},
		{"VMI eviction strategy", "KubeVirt's four strategies",
			func(o *Objects) { s := kubevirtv1.EvictionStrategy("Sometimes"); o.VMIs[1].Spec.EvictionStrategy = &s }, `vmis[1].spec.evictionStrategy: "Sometimes"`},
		{"VMI phase", "KubeVirt's phases",
			func(o *Objects) { o.VMIs[0].Status.Phase = "Walking" }, `vmis[0].status.phase: "Walking"`},
		{"migration without VMI", "a migration names its VMI",
			func(o *Objects) { o.Migrations[0].Spec.VMIName = "" }, `migrations[0].spec.vmiName: is required`},
		{"workload update method", "HCO takes LiveMigrate and Evict",
			func(o *Objects) {
				o.HyperConverged.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods = &[]kubevirtv1.WorkloadUpdateMethod{"Reboot"}
			},
			`hyperConverged.spec.workloadUpdateStrategy.workloadUpdateMethods[0]: "Reboot"`},
		{"bandwidth", "HCO's webhook refuses a bandwidth that is not a quantity",
			func(o *Objects) { b := "fast"; o.HyperConverged.Spec.LiveMigrationConfig.BandwidthPerMigration = &b },
			`hyperConverged.spec.liveMigrationConfig.bandwidthPerMigration: "fast"`},
		{"approval", "OLM approvals",
			func(o *Objects) { o.Subscriptions[0].InstallPlanApproval = "Sometimes" }, `subscriptions[0].installPlanApproval: "Sometimes"`},
		{"CSV phase", "OLM phases",
			func(o *Objects) { o.CSVs[0].Phase = "Done" }, `csvs[0].phase: "Done"`},
		{"node maintenance group", "two API groups",
			func(o *Objects) {
				o.NodeMaintenances = []NodeMaintenance{{Group: "nodemaintenance.example.io", Name: "nm", NodeName: "worker-0"}}
			}, `nodeMaintenances[0].group: "nodemaintenance.example.io"`},
		{"matching rule type", "the ClusterVersion CRD enumerates Always and PromQL (openshift/api config/v1 types_cluster_version.go ClusterCondition)",
			func(o *Objects) { o.ClusterVersion.ConditionalUpdates[0].Risks[0].MatchingRules[1].Type = "Sometimes" },
			`clusterVersion.conditionalUpdates[0].risks[0].matchingRules[1].type: "Sometimes"`},
		{"withoutCNV beside a HyperConverged", "a cluster without OpenShift Virtualization has no HyperConverged",
			func(o *Objects) { o.WithoutCNV = true }, `withoutCNV: true: says the cluster runs no OpenShift Virtualization, yet hyperConverged is one of its objects`},
		{"withoutCNV beside HCO's Subscription", "a Subscription of HCO's package installs OpenShift Virtualization, in any namespace",
			func(o *Objects) {
				o.WithoutCNV, o.HyperConverged, o.KubeVirt, o.VirtualMachines, o.VMIs, o.Migrations, o.CSVs = true, nil, nil, nil, nil, nil, nil
				o.Subscriptions[0].Namespace = "virt"
			}, `withoutCNV: true: says the cluster runs no OpenShift Virtualization, yet subscriptions[0] is one of its objects`},
		{"withoutCNV beside HCO's CSV", "HCO's CSV is the operator installed",
			func(o *Objects) {
				o.WithoutCNV, o.HyperConverged, o.KubeVirt, o.VirtualMachines, o.VMIs, o.Migrations, o.Subscriptions = true, nil, nil, nil, nil, nil, nil
			}, `yet csvs[0] is one of its objects`},
		{"withoutCNV alone", "a platform without OpenShift Virtualization is valid",
			func(o *Objects) {
				o.WithoutCNV, o.HyperConverged, o.KubeVirt, o.VirtualMachines, o.VMIs, o.Migrations, o.Subscriptions, o.CSVs = true, nil, nil, nil, nil, nil, nil, nil
			}, ""},
		{"run strategy", "KubeVirt's run strategies",
			func(o *Objects) {
				rs := kubevirtv1.VirtualMachineRunStrategy("Sometimes")
				o.VirtualMachines[0].Spec.RunStrategy = &rs
			},
			`virtualMachines[0].spec.runStrategy: "Sometimes"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := loadExample(t)
			tt.mutate(o)
			err := o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("%s: unexpected error %v", tt.reason, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error", tt.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("%v is not a *FieldError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: error %q does not contain %q", tt.reason, err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	head := "apiVersion: scenario.virtupdate/v1\nkind: Objects\n"
	for _, tt := range []struct {
		name, reason, input, want string
	}{
		{"unknown top-level field", "a typo is not ignored", head + "vms: []\n", "vms: unknown field"},
		{"unknown nested field", "a typo inside an object names the list item", head + "vmis:\n- metadata: {name: a, namespace: b}\n  spek: {}\n", `vmis[0]: unknown field "spek"`},
		{"wrong type", "a type error names the field", head + "nodes:\n- metadata: {name: 7}\n", "nodes[0].metadata.name"},
		{"two documents", "one file is one scenario", head + "---\n" + head, "more than one document"},
		{"duplicate key", "YAML keys are unique", head + "kind: Objects\n", "not valid YAML"},
		{"not a mapping", "the document is a mapping", "[1, 2]", "must be a mapping"},
		{"count form", "the count form is another format", "clusterVersion: {version: 4.14.2}\nnodes: []\n", "apiVersion"},
		{"bad quantity", "quantities follow Kubernetes' syntax", head + "nodes:\n- metadata: {name: n}\n  status: {allocatable: {memory: lots}}\n", "nodes[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatalf("%s: no error", tt.reason)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %q does not contain %q", tt.reason, err, tt.want)
			}
		})
	}
}

// TestLimitsRefuseBeforeDecoding: the item past a cap is never decoded.
// Each input's item past the cap is not a valid object, so a reader that
// decoded it would fail with a type error instead of ErrTooLarge.
func TestLimitsRefuseBeforeDecoding(t *testing.T) {
	l := Limits{MaxVMIs: 3, MaxNodes: 2}
	head := "apiVersion: scenario.virtupdate/v1\nkind: Objects\n"
	yamlItems := func(key string, n int) string {
		var b strings.Builder
		b.WriteString(head + key + ":\n")
		for i := range n {
			fmt.Fprintf(&b, "- metadata: {name: v%d, namespace: ns}\n", i)
		}
		b.WriteString("- 42\n") // not an object
		return b.String()
	}
	jsonItems := func(key string, n int) string {
		var items []string
		for i := range n {
			items = append(items, fmt.Sprintf(`{"metadata":{"name":"v%d","namespace":"ns"}}`, i))
		}
		items = append(items, "42")
		return fmt.Sprintf(`{"apiVersion":%q,"kind":%q,%q:[%s]}`, APIVersion, Kind, key, strings.Join(items, ","))
	}
	for _, tt := range []struct{ name, reason, input string }{
		{"YAML VMIs", "counted from the lines before the YAML is converted", yamlItems("vmis", 3)},
		{"YAML nodes", "each capped list has its cap", yamlItems("nodes", 2)},
		{"YAML indented items", "items indented under their key count too", strings.ReplaceAll(yamlItems("vmis", 3), "\n-", "\n  -")},
		{"JSON VMIs", "counted while decoding, before the item past the cap", jsonItems("vmis", 3)},
		{"flow-style YAML", "a flow list is counted while decoding", head + "vmis: [{metadata: {name: a, namespace: ns}}, {metadata: {name: b, namespace: ns}}, {metadata: {name: c, namespace: ns}}, 42]\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Parse([]byte(tt.input))
			if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("%s: got %v, want ErrTooLarge", tt.reason, err)
			}
		})
	}
	// At the cap exactly, the objects load.
	ok := strings.TrimSuffix(yamlItems("vmis", 3), "- 42\n")
	if _, err := l.Parse([]byte(ok)); err != nil {
		t.Errorf("3 VMIs with a cap of 3: %v", err)
	}
}

func TestLimitsBytes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l := Limits{MaxBytes: int64(len(data)) - 1}
	if _, err := l.Parse(data); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse over MaxBytes: %v, want ErrTooLarge", err)
	}
	if _, err := l.Read(bytes.NewReader(data)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read over MaxBytes: %v, want ErrTooLarge", err)
	}
	_, err = l.Load(filepath.Join("testdata", "example.yaml"))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "example.yaml") {
		t.Errorf("Load over MaxBytes: %v, want ErrTooLarge naming the file", err)
	}
	if _, err := (Limits{MaxBytes: int64(len(data))}).Parse(data); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestIsObjects(t *testing.T) {
	for _, tt := range []struct {
		reason, input string
		want          bool
	}{
		{"YAML object form", "apiVersion: scenario.virtupdate/v1\nkind: Objects\n", true},
		{"JSON object form", `{"apiVersion":"scenario.virtupdate/v1","kind":"Objects"}`, true},
		{"count form", "seed: 7\nclusterVersion: {version: 4.14.2}\n", false},
		{"a Kubernetes List", "apiVersion: v1\nkind: List\nitems: []\n", false},
	} {
		if got := IsObjects([]byte(tt.input)); got != tt.want {
			t.Errorf("%s: IsObjects = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

// TestPoolOf pins the MCO's choice of a node's pool.
// MCO: pkg/helpers/helpers.go GetPoolsForNode and ListPools.
func TestPoolOf(t *testing.T) {
	sel := func(role string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{LabelRolePrefix + role: ""}}
	}
	pools := []MachineConfigPool{{Name: "master", NodeSelector: sel("master")}, {Name: "worker", NodeSelector: sel("worker")},
		{Name: "infra", NodeSelector: sel("infra")}, {Name: "gpu", NodeSelector: sel("gpu")},
		{Name: "empty", NodeSelector: &metav1.LabelSelector{}}}
	node := func(labels ...string) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{}}}
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			n.Labels[k] = v
		}
		return n
	}
	for _, tt := range []struct {
		name, reason string
		node         *corev1.Node
		pools        []MachineConfigPool
		want         string
		wantErr      bool
	}{
		{"worker", "a worker with no custom role", node(LabelRolePrefix + "worker"), pools, "worker", false},
		{"custom over worker", "one custom pool takes a worker", node(LabelRolePrefix+"worker", LabelRolePrefix+"infra"), pools, "infra", false},
		{"master over custom", "master wins over a custom pool", node(LabelRolePrefix+"master", LabelRolePrefix+"infra"), pools, "master", false},
		{"master over worker", "a compact cluster's nodes are masters", node(LabelRolePrefix+"master", LabelRolePrefix+"worker"), pools, "master", false},
		{"two custom", "the MCO refuses a node of two custom pools", node(LabelRolePrefix+"infra", LabelRolePrefix+"gpu"), pools, "", true},
		{"no pool", "a node no selector matches is not managed", node("app=x"), pools, "", false},
		{"empty selector", "an empty selector matches nothing", node(), pools, "", false},
		{"windows", "Windows nodes are not managed by the MCO", node(LabelRolePrefix+"worker", LabelOS+"=windows"), pools, "", false},
		{"no pools known", "the MCO's own pools are assumed", node(LabelRolePrefix + "master"), nil, "master", false},
		{"pool without selector", "a hand-written pool selects its role label", node(LabelRolePrefix + "infra"), []MachineConfigPool{{Name: "infra"}}, "infra", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PoolOf(tt.node, tt.pools)
			if (err != nil) != tt.wantErr {
				t.Fatalf("%s: error %v, want error %v", tt.reason, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("%s: pool %q, want %q", tt.reason, got, tt.want)
			}
		})
	}
}

// TestResolveMaxUnavailable pins the MCO's reading of spec.maxUnavailable.
// MCO: pkg/controller/node/node_controller.go maxUnavailable.
func TestResolveMaxUnavailable(t *testing.T) {
	for _, tt := range []struct {
		reason string
		v      *intstr.IntOrString
		nodes  int
		want   int
	}{
		{"unset is 1", nil, 10, 1},
		{"a count", ptr(intstr.FromInt32(3)), 10, 3},
		{"a percentage rounds down", ptr(intstr.FromString("25%")), 10, 2},
		{"never below 1", ptr(intstr.FromString("10%")), 5, 1},
		{"0 is 1: it does not stop updates", ptr(intstr.FromInt32(0)), 10, 1},
	} {
		got, err := ResolveMaxUnavailable(tt.v, tt.nodes)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.reason, got, err, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestPortConversions(t *testing.T) {
	o := loadExample(t)
	cv := o.ClusterVersion.Port()
	back := ClusterVersionFromPort(cv)
	if back.Desired.Version != "4.16.3" || len(back.AvailableUpdates) != 1 || back.History[0].CompletionTime == nil {
		t.Errorf("ClusterVersion through the port: %+v", back)
	}
	p := o.Pools[1].Port()
	if got := PoolFromPort(p); got.MaxUnavailable == nil || got.MaxUnavailable.IntValue() != 1 {
		t.Errorf("pool through the port: %+v", got)
	}
	sub := SubscriptionFromPort(o.Subscriptions[0].Port())
	if sub.InstallPlanApproval != update.ApprovalManual || sub.Source != "" {
		t.Errorf("subscription through the port: %+v", sub)
	}
	csv := CSVFromPort("openshift-cnv", o.CSVs[0].Port())
	if csv.Version != "4.16.2" || csv.MaxOpenShiftVersion != "" {
		t.Errorf("CSV through the port: %+v", csv)
	}
	hc := HyperConvergedFromPort(o.HyperConverged.Port())
	if hc.Status.OperatorVersion() != "4.16.2" || hc.Namespace != "openshift-cnv" {
		t.Errorf("HyperConverged through the port: %+v", hc)
	}
}
