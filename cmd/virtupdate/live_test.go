package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// onFake makes the live commands talk to a fake cluster built from the
// scenario.
func onFake(t *testing.T, scenario string) *fake.Cluster {
	t.Helper()
	s, err := fake.ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	old := connect
	connect = func(*clusterFlags) (update.Cluster, error) { return c, nil }
	t.Cleanup(func() { connect = old })
	return c
}

const eusReady = `
clusterVersion: {version: 4.14.20, channel: eus-4.16}
cnv: {version: 4.14.3}
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes: [{name: "worker-{i}", count: 3}]
vms:
  - {namespace: prod, name: "db-{i}", count: 2}
`

func TestCheckReady(t *testing.T) {
	onFake(t, eusReady)
	out, _, err := run(t, "", "check", "--to", "4.16.3", "-o", "json")
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	var r checkReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Ready || r.Kind != update.KindEUS || r.From.OCP != "4.14.20" || r.From.CNV != "4.14.3" {
		t.Errorf("report = %+v; want a ready EUS check from 4.14.20/4.14.3", r)
	}
}

func TestCheckBlocked(t *testing.T) {
	onFake(t, eusReady+`  - {namespace: prod, name: gpu, migratable: false, notMigratableReason: HostDeviceNotLiveMigratable, evictionStrategy: LiveMigrate}
nodeMaintenances: [{group: nodemaintenance.kubevirt.io, name: nm1, node: worker-1}]
`)
	out, _, err := run(t, "", "check", "--to", "4.16.3")
	if err == nil || exitCode(err) != exitBlocked {
		t.Fatalf("err = %v (exit %d), want exit %d; output:\n%s", err, exitCode(err), exitBlocked, out)
	}
	for _, want := range []string{"eus from OpenShift 4.14.20 / OpenShift Virtualization 4.14.3 to 4.16.3", "Error WorkloadBlockers", "prod/gpu", "blocked: fix the Error findings first"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckRefusedPlan(t *testing.T) {
	onFake(t, eusReady)
	out, _, err := run(t, "", "check", "--to", "4.18.1", "-o", "json")
	if exitCode(err) != exitBlocked {
		t.Fatalf("err = %v", err)
	}
	var r checkReport
	_ = json.Unmarshal([]byte(out), &r)
	if r.Ready || len(r.Findings) != 1 || r.Findings[0].Check != "Plan" || r.Findings[0].Remedy == "" {
		t.Errorf("a target that is not the next EUS is one Error finding with a remedy: %+v", r)
	}
}

func TestStatusCommand(t *testing.T) {
	onFake(t, eusReady)
	out, _, err := run(t, "", "status", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"platform", "operator", "hyperConverged", "pools", "workloads"} {
		if _, ok := r[k]; !ok {
			t.Errorf("status JSON lacks %q: %s", k, out)
		}
	}
	text, _, err := run(t, "", "status")
	if err != nil || !strings.Contains(text, "OpenShift 4.14.20, channel eus-4.16") {
		t.Errorf("text status: %v\n%s", err, text)
	}
}

func TestLiveCommandsNeedAKubeconfig(t *testing.T) {
	for _, cmd := range []string{"status", "check"} {
		_, _, err := run(t, "", cmd, "--kubeconfig", "/nonexistent/kubeconfig")
		if err == nil || !strings.Contains(err.Error(), "kubeconfig") {
			t.Errorf("%s with a missing kubeconfig: err = %v, want it to name the kubeconfig", cmd, err)
		}
	}
}
