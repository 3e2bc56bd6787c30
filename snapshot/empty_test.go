package snapshot

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// TestNoObjectsFound: a source in which no object of a kind a snapshot
// reads is found (nor a List of one) is an error naming it and saying
// what the source must be, not an empty snapshot with every part missing.
func TestNoObjectsFound(t *testing.T) {
	const passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	// A Pod that names a Node (its owner) is decoded, and counted as a Pod.
	const podList = "apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    namespace: web\n    ownerReferences: [{apiVersion: v1, kind: Node, name: n1, uid: u}]\n"
	for _, tt := range []struct {
		reason string
		// read writes the source under dir and reads it; path is what
		// the error must name.
		read func(t *testing.T, dir string) (path string, err error)
		want []string
	}{
		{"a text file given as a dump (/etc/passwd)",
			func(t *testing.T, dir string) (string, error) {
				genWriter{t, dir}.raw("passwd", passwd)
				p := filepath.Join(dir, "passwd")
				_, err := ReadDump(p, Options{})
				return p, err
			}, []string{"1 file read, none YAML or JSON naming one of these kinds", "a dump is the output of `oc get … -o yaml` or `oc get … -o json`: one object, a List, or a multi-document YAML"}},
		{"a dump of other kinds only",
			func(t *testing.T, dir string) (string, error) {
				genWriter{t, dir}.raw("pods.yaml", podList)
				p := filepath.Join(dir, "pods.yaml")
				_, err := ReadDump(p, Options{})
				return p, err
			}, []string{"it holds only objects of other kinds (1 Pod)", "a dump is the output of `oc get"}},
		{"an untyped empty List, as oc get prints when nothing matched, does not say of which kind",
			func(t *testing.T, dir string) (string, error) {
				genWriter{t, dir}.raw("empty.yaml", "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n")
				p := filepath.Join(dir, "empty.yaml")
				_, err := ReadDump(p, Options{})
				return p, err
			}, []string{"an empty List does not say of which kind"}},
		{"an empty folder given as a dump",
			func(t *testing.T, dir string) (string, error) {
				_, err := ReadDump(dir, Options{})
				return dir, err
			}, []string{"it holds no file", "a dump is"}},
		{"text on standard input",
			func(t *testing.T, dir string) (string, error) {
				_, err := ReadDumpFrom(strings.NewReader(passwd), "standard input", Options{})
				return "standard input", err
			}, []string{"a dump is"}},
		{"a must-gather folder with logs and no resource files",
			func(t *testing.T, dir string) (string, error) {
				w := genWriter{t, dir}
				w.raw("timestamp", "2021-09-14 16:43:44.051395446 +0200 CEST m=+1.404430641\n")
				w.raw("img/namespaces/openshift-etcd/pods/etcd-0/etcd/etcd/logs/current.log", "started\n")
				_, err := ReadMustGather(dir, Options{})
				return dir, err
			}, []string{"a must-gather is the folder `oc adm must-gather` writes", "cluster-scoped-resources/ and namespaces/"}},
		{"an empty must-gather folder",
			func(t *testing.T, dir string) (string, error) {
				_, err := ReadMustGather(dir, Options{})
				return dir, err
			}, []string{"it holds no file", "a must-gather is"}},
		{"a must-gather archive with no resource files",
			func(t *testing.T, dir string) (string, error) {
				src := filepath.Join(dir, "src")
				genWriter{t, src}.raw("must-gather.local.1/img/host_service_logs/kubelet.log", "kubelet started\n")
				p := filepath.Join(dir, "mg.tar.gz")
				writeTarGz(t, src, p)
				_, err := ReadMustGather(p, Options{})
				return p, err
			}, []string{"a must-gather is"}},
	} {
		path, err := tt.read(t, t.TempDir())
		if !errors.Is(err, ErrNoObjects) {
			t.Errorf("%s: error %v, want ErrNoObjects", tt.reason, err)
			continue
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != path {
			t.Errorf("%s: error %v does not name %s", tt.reason, err, path)
		}
		for _, w := range append(tt.want, "Node, ClusterVersion") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.reason, err, w)
			}
		}
	}
}

// TestEmptyTypedListIsFound: a typed List with no items says the cluster
// has none of the kind (oc adm inspect writes one per resource): it is a
// snapshot, with that part not missing.
func TestEmptyTypedListIsFound(t *testing.T) {
	dir := t.TempDir()
	genWriter{t, dir}.raw("vmis.yaml", "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceList\nitems: []\n")
	o, err := ReadDump(filepath.Join(dir, "vmis.yaml"), Options{})
	if err != nil {
		t.Fatalf("an empty VirtualMachineInstanceList: %v", err)
	}
	if slices.Contains(o.Missing, scenario.PartVMIs) || len(o.VMIs) != 0 {
		t.Errorf("missing %q, %d VMIs: want no VMIs and the part not missing", o.Missing, len(o.VMIs))
	}
}

// otherOperator writes OLM objects of an operator that is not OpenShift
// Virtualization, as openshift/must-gather gathers them
// (collection-scripts/gather_olm: oc adm inspect -A olm).
func otherOperator(w genWriter, root string) {
	w.raw(root+"/namespaces/tools/operators.coreos.com/subscriptions/cache.yaml",
		"apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: cache, namespace: tools}\nspec: {name: image-caching-operator, channel: alpha, installPlanApproval: Manual}\n")
	w.raw(root+"/namespaces/tools/operators.coreos.com/clusterserviceversions/cache.v0.0.1.yaml",
		"apiVersion: operators.coreos.com/v1alpha1\nkind: ClusterServiceVersion\nmetadata: {name: image-caching-operator.v0.0.1, namespace: tools}\nspec: {version: 0.0.1}\nstatus: {phase: Succeeded}\n")
	w.raw(root+"/cluster-scoped-resources/core/nodes/w1.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: w1}\n")
}

// TestWithoutCNV: a must-gather whose OLM objects of every namespace hold
// no Subscription or CSV of HCO's package, and no object of OpenShift
// Virtualization, is of a cluster without it: withoutCNV is set and the
// parts its operator brings are not missing. Anything that says otherwise,
// or a source that cannot tell, leaves it unset.
func TestWithoutCNV(t *testing.T) {
	const mg = "must-gather.local.1/img"
	for _, tt := range []struct {
		reason string
		write  func(w genWriter)
		dump   bool
		want   bool
	}{
		{"OLM objects of another operator only: no OpenShift Virtualization",
			func(w genWriter) { otherOperator(w, mg) }, false, true},
		{"HCO's Subscription in a namespace of its own: OpenShift Virtualization is installed",
			func(w genWriter) {
				otherOperator(w, mg)
				w.raw(mg+"/namespaces/virt/operators.coreos.com/subscriptions/hco.yaml",
					"apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: hco, namespace: virt}\nspec: {name: kubevirt-hyperconverged, channel: stable}\n")
			}, false, false},
		{"HCO's CSV alone (its Subscription deleted): the operator still runs",
			func(w genWriter) {
				otherOperator(w, mg)
				w.raw(mg+"/namespaces/openshift-cnv/operators.coreos.com/clusterserviceversions/hco.yaml",
					"apiVersion: operators.coreos.com/v1alpha1\nkind: ClusterServiceVersion\nmetadata: {name: kubevirt-hyperconverged-operator.v4.18.3, namespace: openshift-cnv}\nspec: {version: 4.18.3}\nstatus: {phase: Succeeded}\n")
			}, false, false},
		{"a VMI found: KubeVirt runs, whatever OLM shows",
			func(w genWriter) {
				otherOperator(w, mg)
				w.raw(mg+"/namespaces/prod/kubevirt.io/virtualmachineinstances/db.yaml",
					"apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: db, namespace: prod}\nstatus: {phase: Running, nodeName: w1}\n")
			}, false, false},
		{"no CSV read: the source cannot tell",
			func(w genWriter) {
				w.raw(mg+"/namespaces/tools/operators.coreos.com/subscriptions/cache.yaml",
					"apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: cache, namespace: tools}\nspec: {name: image-caching-operator}\n")
				w.raw(mg+"/cluster-scoped-resources/core/nodes/w1.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: w1}\n")
			}, false, false},
		{"a dump may hold some namespaces' OLM objects only: it cannot tell",
			func(w genWriter) { otherOperator(w, mg) }, true, false},
	} {
		dir := t.TempDir()
		tt.write(genWriter{t, dir})
		read := ReadMustGather
		if tt.dump {
			read = ReadDump
		}
		o, err := read(dir, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if o.WithoutCNV != tt.want {
			t.Errorf("%s: withoutCNV = %v, want %v (missing %q)", tt.reason, o.WithoutCNV, tt.want, o.Missing)
		}
		for _, p := range scenario.CNVParts() {
			if tt.want && slices.Contains(o.Missing, p) {
				t.Errorf("%s: %s missing, yet the cluster runs no OpenShift Virtualization", tt.reason, p)
			}
		}
		if !tt.want && !tt.dump && o.CNVObject() == "" && !slices.Contains(o.Missing, scenario.PartHyperConverged) {
			t.Errorf("%s: the HyperConverged is neither found nor missing", tt.reason)
		}
		roundTrip(t, o)
	}
}

// TestReadClusterWithoutCNV: a live cluster with no HyperConverged, KubeVirt
// CR, workloads, or OpenShift Virtualization Subscription or CSV is written
// withoutCNV; one with its operator is not.
func TestReadClusterWithoutCNV(t *testing.T) {
	for _, tt := range []struct {
		reason string
		mutate func(s *stubCluster)
		want   bool
	}{
		{"OpenShift Virtualization installed", func(*stubCluster) {}, false},
		{"a platform cluster", func(s *stubCluster) {
			s.hc, s.kv, s.subs, s.csvs, s.vmis = nil, nil, nil, nil, nil
		}, true},
		{"the operator installed, no HyperConverged created yet", func(s *stubCluster) {
			s.hc, s.kv, s.vmis = nil, nil, nil
		}, false},
		{"another operator's CSV in the namespace is not OpenShift Virtualization", func(s *stubCluster) {
			s.hc, s.kv, s.subs, s.vmis = nil, nil, nil, nil
			s.csvs = []conditions.CSV{{Name: "local-storage-operator.v4.18.0", Phase: conditions.CSVPhaseSucceeded}}
		}, true},
	} {
		s := newStub()
		tt.mutate(s)
		o, err := ReadCluster(t.Context(), s, ClusterOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if o.WithoutCNV != tt.want {
			t.Errorf("%s: withoutCNV = %v, want %v", tt.reason, o.WithoutCNV, tt.want)
		}
		roundTrip(t, o)
	}
}

// TestReadClusterConditionalUpdates: the live reader keeps the
// ClusterVersion's conditional updates as the port gives them (the kube
// adapter reads status.conditionalUpdates), and the object form gives the
// same back to a fake (scenario.ClusterVersion.Port, which
// fake.SetClusterVersion copies). Only the channels of their releases,
// which the port does not show, are missing.
func TestReadClusterConditionalUpdates(t *testing.T) {
	s := newStub()
	rec := metav1.Condition{Type: "Recommended", Status: metav1.ConditionFalse, Reason: "MultipleReasons", Message: "two risks apply",
		LastTransitionTime: metav1.Unix(1_780_000_000, 0).Rfc3339Copy()}
	s.cv.Target = "4.18.7"
	s.cv.ConditionalUpdates = []update.ConditionalUpdate{
		{Version: "4.18.9", Recommended: rec, Risks: []channel.Risk{
			{Name: "A", Message: "a", URL: "https://issues.example/A", MatchingRules: []channel.MatchingRule{
				{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: `topk(1, cluster_version{type="current"}) or vector(0)`}}, {Type: channel.RuleAlways}}},
			{Name: "B", Message: "b", URL: "https://issues.example/B", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}}},
		{Version: "4.18.8", Risks: []channel.Risk{{Name: "C", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}}},
	}
	o, err := ReadCluster(t.Context(), s, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(o.Missing, scenario.PartClusterVersion+".conditionalUpdates") ||
		!slices.Contains(o.Missing, scenario.PartClusterVersion+".conditionalUpdates.release.channels") {
		t.Errorf("missing %q: want the conditional updates read and only their channels missing", o.Missing)
	}
	roundTrip(t, o)
	back := o.ClusterVersion.Port()
	if d := cmp.Diff(s.cv.ConditionalUpdates, back.ConditionalUpdates); d != "" {
		t.Errorf("conditional updates from the port through the snapshot and back (-port +fake's):\n%s", d)
	}
}
