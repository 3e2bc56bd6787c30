package scenario

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and what it accepts Marshal writes in a
// form Parse accepts again and that marshals to the same bytes. The seed
// corpus is testdata/example.yaml and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "example.yaml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("apiVersion: scenario.virtupdate/v1\nkind: Objects\n"))
	f.Add([]byte(`{"apiVersion":"scenario.virtupdate/v1","kind":"Objects","vmis":[{"metadata":{"name":"a","namespace":"b"}}]}`))
	f.Add([]byte("apiVersion: scenario.virtupdate/v1\nkind: Objects\nwithoutCNV: true\nclusterVersion: {history: [{state: Completed, version: 4.18.5}], conditionalUpdates: [{release: {version: 4.18.6}, risks: [{name: R, matchingRules: [{type: PromQL, promql: {promql: vector(1)}}, {type: Always}]}]}]}\n"))
	small := Limits{MaxBytes: 1 << 20, MaxNodes: 50, MaxVMIs: 50, MaxMigrations: 50, MaxOther: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := small.Parse(data)
		if err != nil {
			return
		}
		out, err := Marshal(o)
		if err != nil {
			t.Fatalf("Marshal of accepted objects: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of Marshal's output: %v\n%s", err, out)
		}
		again, err := Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("Marshal is not a fixed point:\n%s\n---\n%s", out, again)
		}
	})
}
