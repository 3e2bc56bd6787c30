package main

import (
	"strings"
	"testing"
)

// TestRun runs the example on the small scenario; the large one takes tens
// of seconds (go run ./examples/eus-upgrade).
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, "eus-small.yaml"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"start pause-worker-pools", "done  unpause-worker-pools",
		"OpenShift 4.16.3, OpenShift Virtualization 4.16.2, workloadUpdateMethods [LiveMigrate,Evict], 0 VMIs outdated"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
