package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

const runScenario = `
seed: 3
clusterVersion: {version: 4.14.20, channel: stable-4.14}
cnv: {version: 4.14.3, catalog: [4.15.1, 4.15.2, 4.16.1]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict]}}
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 3}
vms:
  - {namespace: prod, name: "db-{i}", count: 4, memory: 2Gi}
`

// runOnFake points run at the fake and its clock.
func runOnFake(t *testing.T) *fake.Cluster {
	t.Helper()
	c := onFake(t, runScenario)
	old := runTime
	runTime = func(update.Cluster) (clock.PassiveClock, update.Waiter) {
		return c.Clock(), update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) })
	}
	t.Cleanup(func() { runTime = old })
	return c
}

func TestRunEUSWithAGateThenContinue(t *testing.T) {
	c := runOnFake(t)
	out, _, err := run(t, "", "run", "--to", "4.16.3", "--via", "4.15.30", "--cnv-catalog", "4.15.1,4.15.2,4.16.1", "--yes", "--pause-before", "update-ocp-4.16")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "paused before update-ocp-4.16") {
		t.Fatalf("no pause:\n%s", out)
	}
	cv, _ := c.GetClusterVersion(context.Background())
	if cv.CurrentVersion() != "4.15.30" {
		t.Fatalf("at the gate OpenShift is %s, want 4.15.30", cv.CurrentVersion())
	}
	out, _, err = run(t, "", "run", "--continue", "--yes")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "EUS-to-EUS update done") || !strings.Contains(out, "workloadUpdateMethods restored to [LiveMigrate,Evict]") {
		t.Errorf("summary:\n%s", out)
	}
	cv, _ = c.GetClusterVersion(context.Background())
	hc, _ := c.GetHyperConverged(context.Background())
	if cv.CurrentVersion() != "4.16.3" || update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods) != "[LiveMigrate,Evict]" {
		t.Errorf("after the run: OpenShift %s, methods %s", cv.CurrentVersion(), update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods))
	}
	out, _, err = run(t, "", "run", "--continue", "--yes")
	if err == nil || exitCode(err) != exitOK || !strings.Contains(err.Error(), "has finished") {
		t.Errorf("continuing a finished plan: err = %v (exit %d)\n%s", err, exitCode(err), out)
	}
}

func TestRunDryRunChangesNothing(t *testing.T) {
	c := runOnFake(t)
	before := len(c.Events())
	out, stderr, err := run(t, "", "run", "--to", "4.15.3", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "dry run: nothing was changed") || !strings.Contains(stderr, "update-ocp-4.15") {
		t.Errorf("dry run output:\n%s\n%s", out, stderr)
	}
	if _, err := c.LoadCheckpoint(context.Background(), update.DefaultCheckpointName); err == nil {
		t.Error("a dry run wrote a checkpoint")
	}
	for _, e := range c.Events()[before:] {
		if e.Reason == "DesiredUpdateSet" || e.Reason == "Paused" {
			t.Errorf("a dry run changed the cluster: %v", e)
		}
	}
}

func TestRunFlagsAndConfirmation(t *testing.T) {
	runOnFake(t)
	for _, tt := range []struct {
		reason  string
		args    []string
		mention string
		code    int
	}{
		{"no target", []string{"run"}, "--to is required", exitUsage},
		{"--continue with a target", []string{"run", "--continue", "--to", "4.16.3"}, "--to cannot apply", exitUsage},
		{"--continue without a checkpoint", []string{"run", "--continue", "--yes"}, "no checkpoint", exitUsage},
		{"a gate that names no step", []string{"run", "--to", "4.15.3", "--yes", "--pause-before", "update-ocp-9.9"}, "the plan has no such step", exitUsage},
		{"no terminal and no --yes", []string{"run", "--to", "4.15.3"}, "give --yes", exitUsage},
		{"--via outside EUS", []string{"run", "--to", "4.15.3", "--via", "4.15.1", "--yes"}, "--via", exitUsage},
	} {
		_, _, err := run(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.mention) || exitCode(err) != tt.code {
			t.Errorf("%s: err = %v (exit %d), want %q and exit %d", tt.reason, err, exitCode(err), tt.mention, tt.code)
		}
	}
	old := isTerminal
	isTerminal = func(io.Reader) bool { return true }
	defer func() { isTerminal = old }()
	_, _, err := run(t, "n\n", "run", "--to", "4.15.3")
	if err == nil || !strings.Contains(err.Error(), "not confirmed") || exitCode(err) != exitBlocked {
		t.Errorf("answering no: err = %v", err)
	}
}

func TestRunWindowFlag(t *testing.T) {
	runOnFake(t)
	_, _, err := run(t, "", "run", "--to", "4.15.3", "--yes", "--window", "Mon-Fry 22:00-05:00")
	if err == nil || !strings.Contains(err.Error(), `day "Fry"`) || exitCode(err) != exitUsage {
		t.Errorf("a bad window: err = %v", err)
	}
	_, stderr, err := run(t, "", "run", "--to", "4.14.20", "--yes", "--window", "Sat 22:00+6h UTC", "--window", "Sun 22:00+6h UTC")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "outside the maintenance window") {
		t.Errorf("the run did not say it waits for the window:\n%s", stderr)
	}
}
