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
	if r.Operator.To != "4.14.4" || r.Operator.Phase != "Installing" || r.Operator.Done || !r.Updating {
		t.Errorf("operator = %+v (updating %v), want 4.14.4 Installing, an update under way", r.Operator, r.Updating)
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
	// Stuck and blocked VMIs are Warnings, not waited for: the update is
	// done.
	if r.Updating || r.hasError() {
		t.Errorf("updating %v, findings %v: want done, no Error", r.Updating, r.Findings)
	}
	var text strings.Builder
	if err := writeStatusText(&text, r, textOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OpenShift 4.14.20", "HyperConverged:  Succeeded (version 4.14.4)", "kubevirt-hyperconverged-operator.v4.14.4",
		"stuck prod/db-0 after 5 failures", "blocker prod/gpu: HostDeviceNotLiveMigratable",
		"Warning WorkloadBlocked: VMI prod/gpu will not move to the new launcher by itself", "Warning WorkloadStuck: VMI prod/db-0 failed to migrate 5 times"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

// TestStatusWithoutVirtualization: a cluster without OpenShift
// Virtualization gets the platform part, and the report says CNV is
// absent; so does one that is not OpenShift.
func TestStatusWithoutVirtualization(t *testing.T) {
	c := newStatusFake(t, `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
pools: [{name: worker}, {name: master}]
nodes: [{name: "master-0", role: master}, {name: "worker-{i}", count: 2}]
`)
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(30 * time.Minute); err != nil {
		t.Fatal(err)
	}
	r := statusOf(t, c, nil)
	if r.Virtualization.Installed || !strings.Contains(r.Virtualization.Reason, "no HyperConverged in namespace openshift-cnv") ||
		r.HyperConverged != nil || r.Workloads != nil || r.Operator != nil {
		t.Errorf("virtualization %+v: want absent, said so", r.Virtualization)
	}
	if !r.Platform.Updating || r.ControlPlane == nil || !r.ControlPlane.CompletionKnown || len(r.Pools) != 2 {
		t.Errorf("platform %+v, control plane %+v, %d pools: want the platform part", r.Platform, r.ControlPlane, len(r.Pools))
	}
	var text strings.Builder
	if err := writeStatusText(&text, r, textOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"updating to 4.14.21", "= Control Plane =", "OpenShift Virtualization: OpenShift Virtualization is not installed"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}

	empty := statusFake{fake.NewCluster(fake.Options{})}
	r = statusOf(t, empty, nil)
	if r.Platform.Reason == "" || r.ControlPlane != nil || r.Virtualization.Installed || r.Updating {
		t.Errorf("no ClusterVersion, no HyperConverged: %+v", r)
	}
}

// TestStatusDuringControlPlane is the first thing status got wrong on a
// real cluster: during the control-plane phase every pool's
// updatedMachineCount is its machineCount (the nodes run the pool's
// current rendered config, the old release's), yet no node runs the
// target. Counted as oc counts them (by the release of each node's
// MachineConfig: workerpool.go assessNodesStatus), the pools are Pending
// at 0%; the control plane's completion is the share of operators at the
// target.
func TestStatusDuringControlPlane(t *testing.T) {
	c := newStatusFake(t, `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
pools: [{name: worker}, {name: master}]
nodes: [{name: "master-0", role: master}, {name: "worker-{i}", count: 4}]
`)
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(30 * time.Minute); err != nil {
		t.Fatal(err)
	}
	r := statusOf(t, c, nil)
	var worker poolStatus
	for _, p := range r.Pools {
		if p.Name == "worker" {
			worker = p
		}
	}
	if worker.Reported.Updated != 4 || worker.Reported.Machines != 4 {
		t.Fatalf("the pool's own status = %+v; the scenario is not the one this test is about", worker.Reported)
	}
	if worker.Basis != basisNodes || worker.Updated != 0 || worker.Completion != 0 || worker.Assessment != assessPending {
		t.Errorf("worker pool = %s %.0f%% (%d/%d, basis %s), want Pending 0%% (0/4) by the nodes", worker.Assessment, worker.Completion, worker.Updated, worker.Total, worker.Basis)
	}
	if cp := r.ControlPlane; cp.Assessment != assessProgressing || cp.Completion < 40 || cp.Completion > 60 || cp.Target != "4.14.21" || cp.Previous != "4.14.20" {
		t.Errorf("control plane = %+v, want about half way to 4.14.21", cp)
	}
}

// TestStatusWorkersAfterControlPlane is the third: a cluster whose control
// plane finished (history Completed, the CVO no longer Progressing) while
// workers are still outdated is updating, as oc says (status.go Run: not
// updating only when Progressing is not True and no worker pool is
// outdated).
func TestStatusWorkersAfterControlPlane(t *testing.T) {
	c := newStatusFake(t, `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes: [{name: "master-0", role: master}, {name: "worker-{i}", count: 6}]
`)
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	// The control plane takes 60m; the master node reboots in 5m, the
	// workers one after another.
	if err := c.Advance(72 * time.Minute); err != nil {
		t.Fatal(err)
	}
	cv, _ := c.GetClusterVersion(context.Background())
	if cv.Updating() {
		t.Fatal("the ClusterVersion still updates; the scenario is not the one this test is about")
	}
	r := statusOf(t, c, nil)
	if !r.Platform.Updating || !r.Updating || r.ControlPlane.Assessment != assessCompleted {
		t.Errorf("platform %+v, control plane %s: want updating, control plane Completed", r.Platform, r.ControlPlane.Assessment)
	}
	var text strings.Builder
	_ = writeStatusText(&text, r, textOptions{})
	if !strings.Contains(text.String(), "= Worker Upgrade =") || strings.Contains(text.String(), "not updating") {
		t.Errorf("text:\n%s", text.String())
	}
}

// TestStatusUpdateAsked (ours): an update asked in spec.desiredUpdate that
// the CVO has not taken up yet is under way, so a --watch started right
// after `oc adm upgrade --to` does not end at once; one the CVO refused
// (ReleaseAccepted=False: here two minors at once, the CVO's
// ClusterVersionGiantHop precondition, CVO pkg/payload/precondition/clusterversion/gianthop.go)
// is an Error that says why.
func TestStatusUpdateAsked(t *testing.T) {
	const scenario = `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
pools: [{name: worker}, {name: master}]
nodes: [{name: "master-0", role: master}, {name: "worker-0"}]
`
	c := newStatusFake(t, scenario)
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	r := statusOf(t, c, nil)
	if !r.Platform.Updating || r.Platform.Requested != "4.14.21" || r.hasError() {
		t.Errorf("asked, not taken up: platform %+v, findings %v", r.Platform, r.Findings)
	}
	var text strings.Builder
	_ = writeStatusText(&text, r, textOptions{})
	if !strings.Contains(text.String(), "update to 4.14.21 asked, not yet taken up by the cluster-version operator") {
		t.Errorf("text:\n%s", text.String())
	}

	c = newStatusFake(t, scenario)
	if err := c.SetDesiredUpdate(context.Background(), "4.16.3"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	r = statusOf(t, c, nil)
	if r.Platform.Updating || !r.hasError() || r.Findings[0].Check != checkUpdateNotAccepted || !strings.Contains(r.Findings[0].Reason, "does not accept the update to 4.16.3") {
		t.Errorf("refused: platform %+v, findings %v", r.Platform, r.Findings)
	}
}
