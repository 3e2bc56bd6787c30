package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/scenario"
)

// snapshot reads the real OCP 4.9 must-gather kept in snapshot/testdata:
// 6 nodes, 2 pools and the ClusterVersion, and no OpenShift
// Virtualization; what it lacks is said.
func TestSnapshotMustGather(t *testing.T) {
	file := filepath.Join(t.TempDir(), "snap.yaml")
	_, stderr, err := run(t, "", "snapshot", "--must-gather", "../../snapshot/testdata/must-gather/ocp-4.9-metal", "-f", file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !scenario.IsObjects(data) {
		t.Fatalf("not an object-form snapshot:\n%.300s", data)
	}
	// The cluster runs no OpenShift Virtualization: said as such, not as
	// missing VMIs; what it does lack is said too.
	if !strings.Contains(stderr, "the source lacks: NodeMaintenances") || !strings.Contains(stderr, "runs no OpenShift Virtualization") ||
		strings.Contains(stderr, "VirtualMachineInstances") {
		t.Errorf("what the must-gather lacks is not said: %q", stderr)
	}
	for _, tt := range []struct {
		reason string
		args   []string
		want   string
	}{
		{"no source", []string{"snapshot"}, "give exactly one source"},
		{"two sources", []string{"snapshot", "--live", "--dump", "x"}, "give exactly one source"},
		{"--context without --live", []string{"snapshot", "--dump", "x", "--context", "prod"}, "--context applies only to --live"},
		{"--seed without --anonymize", []string{"snapshot", "--dump", "x", "--seed", "3"}, "--seed applies only to --anonymize"},
		{"a missing must-gather", []string{"snapshot", "--must-gather", "/nonexistent"}, "--must-gather"},
	} {
		_, _, err := run(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != exitUsage {
			t.Errorf("%s: err = %v (exit %d), want %q and exit 2", tt.reason, err, exitCode(err), tt.want)
		}
	}
}
