package snapshot

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// sameAsReference checks the fast path against sigs.k8s.io/yaml (over
// go.yaml.in/yaml/v2) on one document: when the fast path converts it,
// the reference must accept it and give the same JSON value.
func sameAsReference(t *testing.T, name string, doc []byte) (fast bool) {
	t.Helper()
	short := func(b []byte) string {
		if len(b) > 400 {
			return fmt.Sprintf("%q… (%d bytes)", b[:400], len(b))
		}
		return fmt.Sprintf("%q", b)
	}
	got, ok := fastYAMLToJSON(doc)
	if !ok {
		return false
	}
	want, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatalf("%s: the fast path converts what the reference refuses (%v):\n%s\n-> %s", name, err, short(doc), short(got))
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: the fast path wrote invalid JSON %s: %v\n%q", name, got, err, doc)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: the fast path differs from the reference\ninput %s\nfast  %s\nref   %s", name, short(doc), short(got), short(want))
	}
	return true
}

// TestFastYAMLOnRealFiles: every document of the real must-gathers and of
// a generated one converts as the reference does, and most take the fast
// path.
func TestFastYAMLOnRealFiles(t *testing.T) {
	gen := t.TempDir()
	writeCNVMustGather(t, gen, genOpts{VMIs: 20, DefaultImage: true})
	var docs, fast int
	for _, root := range []string{"testdata/must-gather", gen} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if dec, _ := fileKind(p); !dec {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			parts, isJSON, err := documents(data)
			if err != nil || isJSON {
				return nil
			}
			for _, doc := range parts {
				docs++
				if sameAsReference(t, p, doc) {
					fast++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if fast*10 < docs*9 {
		t.Errorf("only %d of %d documents took the fast path", fast, docs)
	}
	t.Logf("%d of %d documents took the fast path", fast, docs)
}

func TestFastYAMLCases(t *testing.T) {
	for _, tt := range []struct {
		reason, in string
		fast       bool
	}{
		{"plain scalars and their types as v2 reads them", "a: 1\nb: true\nc: yes\nd: ~\ne: 4Gi\nf: 15500m\ng: -3\nh: v1.2.3\ni:\nj: 'quoted: yes'\nk: \"esc\\u00e9\\n\"\n", true},
		{"a compact mapping in a sequence", "items:\n- a: 1\n  b:\n    c: [ ]\n- d: {}\n  e: []\n", false},
		{"a sequence under a key at the key's indent", "a:\n- x\n- z: 1\nb: 2\n", true},
		{"the key y is a boolean to v2: left to the reference", "y: 1\n", false},
		{"a literal block scalar", "data: |\n  line one\n\n    indented\n  three\nnext: 1\n", true},
		{"a stripped literal", "data: |-\n  x\n  y\n", true},
		{"a kept literal", "data: |+\n  x\n\n\nnext: 1\n", true},
		{"a multi-line plain scalar", "message: this is a long\n  message that wraps\n\n  and a paragraph\nnext: 1\n", true},
		{"a multi-line single-quoted scalar", "message: 'error creating role x:\n  Role \"y\" is invalid: ''z'''\nnext: 1\n", true},
		{"a multi-line double-quoted scalar", "message: \"one\n  two\n\n  three\"\n", true},
		{"comments", "# head\na: 1 # trailing\n# between\nb: 2\n", true},
		{"octal is left to the reference", "mode: 0755\n", false},
		{"floats are left to the reference", "ratio: 0.5\n", false},
		{"an unquoted date is left to the reference", "day: 2026-03-01\n", false},
		{"anchors are left to the reference", "a: &x 1\nb: *x\n", false},
		{"flow mappings are left to the reference", "a: {b: 1}\n", false},
		{"folded scalars are left to the reference", "a: >\n  x\n", false},
		{"numeric keys are left to the reference", "1: a\n", false},
		{"empty document", "# nothing\n", true},
	} {
		_, ok := fastYAMLToJSON([]byte(tt.in))
		if ok != tt.fast {
			t.Errorf("%s: fast path %v, want %v", tt.reason, ok, tt.fast)
		}
		sameAsReference(t, tt.reason, []byte(tt.in))
	}
}

// FuzzFastYAML: whatever the fast path converts, the reference reads to
// the same value.
func FuzzFastYAML(f *testing.F) {
	f.Add([]byte("a: 1\nb:\n- c: 'x'\n  d: |\n    y\n"))
	f.Add([]byte("message: 'one\n  two'\nx: \"a\\tb\"\n"))
	f.Add([]byte("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  labels:\n    a: \"\"\n"))
	f.Add([]byte(strings.Repeat("k: v\n", 3)))
	if data, err := os.ReadFile("testdata/must-gather/ocp-4.9-metal/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-514b5bd41b36c20014cd237c8aa7eec548e02df0b5d289ae15385eb2a8c6eebf/namespaces/cfe-test-namespace/operators.coreos.com/installplans/install-b8pzk.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 1<<16 {
			return
		}
		sameAsReference(t, "fuzz", doc)
	})
}
