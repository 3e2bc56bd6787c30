package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

const statusScenario = `
seed: 2
clusterVersion: {version: 4.14.20, channel: stable-4.14}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}}
nodes: [{name: "worker-{i}", count: 2}]
vms:
  - {namespace: prod, name: "db-{i}", count: 3}
  - {namespace: prod, name: gpu, migratable: false, notMigratableReason: HostDeviceNotLiveMigratable, evictionStrategy: LiveMigrate}
faults:
  migrationFailures: [{vmi: prod/db-0, count: 100}]
`

func TestBuildStatusMidUpdate(t *testing.T) {
	s, err := fake.ParseScenario([]byte(statusScenario))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.NewCluster()
	if err := c.Advance(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	r, err := buildStatus(context.Background(), c, c.Clock(), update.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if r.Operator.To != "4.14.4" || r.Operator.Phase != "Installing" || r.Operator.Done {
		t.Errorf("operator = %+v, want 4.14.4 Installing", r.Operator)
	}
	if r.Platform.Version != "4.14.20" || r.Platform.Updating {
		t.Errorf("platform = %+v", r.Platform)
	}

	// Long after: the operator is done, db-0 keeps failing and gpu blocks.
	if err := c.Advance(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	r, err = buildStatus(context.Background(), c, c.Clock(), update.DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Operator.Done || r.HyperConverged.Version != "4.14.4" || r.HyperConverged.Verdict != "Succeeded" {
		t.Errorf("operator %+v, HCO %+v: want done and Succeeded", r.Operator, r.HyperConverged)
	}
	w := r.Workloads
	if w.Progress.Running != 4 || w.Progress.Updated != 2 || len(w.Stuck) != 1 || w.Stuck[0].Name != "db-0" || len(w.Blockers) != 1 || w.Blockers[0].Name != "gpu" {
		t.Errorf("workloads = %+v; want 2 of 4 updated, db-0 stuck, gpu blocking", w)
	}
	if len(w.FailedMigrations) != 5 {
		t.Errorf("failed migrations kept = %d, want the 5 most recent", len(w.FailedMigrations))
	}
	var text strings.Builder
	if err := writeStatusText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OpenShift 4.14.20", "HyperConverged:  Succeeded (version 4.14.4)", "kubevirt-hyperconverged-operator.v4.14.4", "stuck prod/db-0 after 5 failures", "blocker prod/gpu: HostDeviceNotLiveMigratable"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

func TestBuildStatusWithoutHCO(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	_, err := buildStatus(context.Background(), c, c.Clock(), update.DefaultNamespace)
	if err == nil || !strings.Contains(err.Error(), "is OpenShift Virtualization installed in namespace openshift-cnv") {
		t.Errorf("err = %v, want it to say what is missing", err)
	}
}
