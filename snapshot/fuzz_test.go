package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/virtupdate/virtupdate/scenario"
)

// FuzzDecodeFile: the file decoder never panics; its errors are
// ErrMalformed or a limit; mayHold never skips a file that holds an object
// the decoder reads; and what it reads (once validated) writes and reads
// back. The seed corpus is real files of testdata and
// testdata/fuzz/FuzzDecodeFile.
func FuzzDecodeFile(f *testing.F) {
	for _, p := range []string{
		"testdata/must-gather/ocp-4.9-metal/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-514b5bd41b36c20014cd237c8aa7eec548e02df0b5d289ae15385eb2a8c6eebf/cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigpools/worker.yaml",
		"testdata/must-gather/ocp-4.9-metal/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-514b5bd41b36c20014cd237c8aa7eec548e02df0b5d289ae15385eb2a8c6eebf/cluster-scoped-resources/config.openshift.io/clusterversions.yaml",
		"testdata/must-gather/cnv-4.18-fragments/namespaces/kube-system/route.openshift.io/routes.yaml",
	} {
		if data, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(vmiListJSON))
	f.Add([]byte("apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {name: s, namespace: n}\nspec: {name: p, installPlanApproval: Manual}\n---------------\napiVersion: operators.coreos.com/v1alpha1\nkind: InstallPlan\nmetadata: {name: i, namespace: n}\n"))
	f.Add([]byte("apiVersion: v1\nkind: NodeList\nitems:\n- metadata: {name: a}\n"))
	f.Add([]byte("apiVersion: config.openshift.io/v1\nkind: ClusterVersion\nmetadata: {name: version}\nstatus:\n  conditionalUpdates:\n  - release: {version: 4.18.10}\n    risks:\n    - name: R\n      url: https://issues.example/R\n      message: m\n      matchingRules:\n      - type: PromQL\n        promql: {promql: vector(1)}\n      - type: Always\n    conditions:\n    - {type: Recommended, status: \"False\", reason: R, message: m, lastTransitionTime: \"2026-02-28T00:00:00Z\"}\n"))
	limits := scenario.Limits{MaxBytes: 1 << 20, MaxNodes: 20, MaxVMIs: 20, MaxMigrations: 20, MaxOther: 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newCollector(limits)
		err := c.decodeData("f.yaml", data, false)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, scenario.ErrTooLarge) {
				t.Fatalf("an error that is neither malformed input nor a limit: %v", err)
			}
			return
		}
		if len(c.objs) > 0 && !mayHold(data) {
			t.Fatalf("mayHold skips a file holding %v", c.objs)
		}
		o := c.objects(scenario.Source{Kind: scenario.SourceDump}, nil)
		if limits.Validate(o) != nil {
			return // the reader refuses it too
		}
		out, err := scenario.Marshal(o)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := scenario.Parse(out); err != nil {
			t.Fatalf("Parse of what was read: %v\n%s", err, out)
		}
	})
}
