package update_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

func TestZStreamPlanRunsToTheNewestZ(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.14.4, 4.14.5, 4.15.1"))
	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Kind != update.KindZStream || plan.To.CNV != "4.14.5" {
		t.Fatalf("plan %s to CNV %q, want a z-stream straight to 4.14.5", plan.Kind, plan.To.CNV)
	}
	var events []update.Event
	if _, err := update.Run(context.Background(), c, plan, fakeOptions(c, &events)); err != nil {
		t.Fatal(err)
	}
	hc, _ := c.GetHyperConverged(context.Background())
	if got := hc.Status.OperatorVersion(); got != "4.14.5" {
		t.Errorf("CNV = %s, want 4.14.5 (straight to the newest z, skipping 4.14.4)", got)
	}
	if n := len(fakeEvents(c, fake.KindCSV, "Succeeded")); n != 1 {
		t.Errorf("%d CSV installs, want 1: a z-stream goes straight to the newest z", n)
	}
	if c.OutdatedVMIs() != 0 {
		t.Errorf("%d VMIs outdated after verify-workload-updates", c.OutdatedVMIs())
	}
}

func TestMinorPlanUpdatesOpenShiftBeforeCNV(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.15.1, 4.15.2"))
	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.15.10", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"preflight", "update-cnv-4.14", "wait-upgradeable", "set-channel-4.15", "update-ocp-4.15", "wait-pools-4.15", "update-cnv-4.15", "verify-workload-updates"}
	var names []string
	for _, st := range plan.Steps {
		names = append(names, st.Name)
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Fatalf("minor plan steps (-want +got):\n%s", d)
	}
	if _, err := update.Run(context.Background(), c, plan, fakeOptions(c, nil)); err != nil {
		t.Fatal(err)
	}
	ocpDone := fakeEvents(c, fake.KindClusterVersion, "UpdateCompleted")
	cnvDone := fakeEvents(c, fake.KindCSV, "Succeeded")
	if len(ocpDone) != 1 || len(cnvDone) != 1 || cnvDone[0].Time.Before(ocpDone[0].Time) {
		t.Fatalf("OpenShift completed at %v, CNV at %v: CNV must follow OpenShift, never lead", ocpDone, cnvDone)
	}
	hc, _ := c.GetHyperConverged(context.Background())
	if hc.Status.OperatorVersion() != "4.15.2" {
		t.Errorf("CNV = %s, want 4.15.2", hc.Status.OperatorVersion())
	}
}

func TestManualApprovalApprovesOnlyTheExpectedInstallPlan(t *testing.T) {
	for _, tt := range []struct {
		name, expect, catalog string
		wantErr               error
		reason                string
	}{
		{"expected", "4.14.5", "4.14.4, 4.14.5", nil,
			"the InstallPlan OLM creates is for the newest z, the version the plan expects: approve it"},
		{"unexpected", "4.14.4", "4.14.4, 4.14.5", update.ErrUnexpectedInstallPlan,
			"OLM offers 4.14.5 but the plan expects 4.14.4: say so and stop, leaving the InstallPlan unapproved"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Manual", tt.catalog))
			plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, CNV: tt.expect})
			if err != nil {
				t.Fatal(err)
			}
			_, err = update.Run(context.Background(), c, plan, fakeOptions(c, nil))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v (%s)", err, tt.wantErr, tt.reason)
			}
			var se *update.StepError
			if tt.wantErr != nil && (!errors.As(err, &se) || se.Step != "update-cnv-4.14") {
				t.Errorf("err = %v, want a StepError of update-cnv-4.14 (%s)", err, tt.reason)
			}
			ips, _ := c.ListInstallPlans(context.Background(), update.DefaultNamespace)
			var approved []string
			for _, ip := range ips {
				if ip.Approved {
					approved = append(approved, ip.CSVNames...)
				}
			}
			want := []string(nil)
			if tt.wantErr == nil {
				want = []string{update.CSVName(tt.expect)}
			}
			if d := cmp.Diff(want, approved); d != "" {
				t.Errorf("approved CSVs (-want +got), %s:\n%s", tt.reason, d)
			}
		})
	}
}

func TestMethodsRestoredExactly(t *testing.T) {
	for _, tt := range []struct {
		name, methods string
		reason        string
	}{
		{"absent", "", "an absent field is stored as HCO's default [LiveMigrate] and comes back as that, not as []"},
		{"empty", "workloadUpdateStrategy: {workloadUpdateMethods: []}", "[] must come back as [], not absent"},
		{"list", "workloadUpdateStrategy: {workloadUpdateMethods: [Evict, LiveMigrate]}", "a list comes back in its order"},
		{"one", "workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}", "the default list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCluster(t, `
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.15.1, 4.16.2]}
hyperConverged: {`+tt.methods+`}
nodes: [{name: "w-{i}", count: 2}]
vms: [{namespace: a, name: "v-{i}", count: 3}]
`)
			before, _ := c.GetHyperConverged(context.Background())
			orig := before.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
			plan := eusLikePlan()
			if _, err := update.Run(context.Background(), c, plan, fakeOptions(c, nil)); err != nil {
				t.Fatal(err)
			}
			after, _ := c.GetHyperConverged(context.Background())
			got := after.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
			if got == nil || !update.SameStoredMethods(orig, got) {
				t.Errorf("methods %s → %s; %s", update.ShowMethods(orig), update.ShowMethods(got), tt.reason)
			}
		})
	}
}

// eusLikePlan disables and restores the methods around a CNV z-stream.
func eusLikePlan() *update.Plan {
	return &update.Plan{Kind: update.KindZStream, From: update.Versions{OCP: "4.14.20"}, To: update.Versions{OCP: "4.14.20"},
		Steps: []update.Step{update.PauseWorkerPools(), update.DisableWorkloadUpdates(), update.RestoreWorkloadUpdates(), update.UnpauseWorkerPools()}}
}

func TestDryRunChangesNothing(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Manual", "4.15.1"))
	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.15.3", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	before := len(c.Events())
	opts := fakeOptions(c, nil)
	var events []update.Event
	opts.OnEvent = func(e update.Event) { events = append(events, e) }
	opts.DryRun = true
	if _, err := update.Run(context.Background(), c, plan, opts); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(len(plan.Steps), len(stepsOf(events, update.EventStepPlanned))); d != "" {
		t.Errorf("a dry run describes every step: %s", d)
	}
	if after := c.Events(); len(after) != before {
		t.Errorf("a dry run changed the cluster: %v", after[before:])
	}
	if _, err := c.LoadCheckpoint(context.Background(), update.DefaultCheckpointName); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("a dry run wrote a checkpoint: %v", err)
	}
}

func TestConflictsAreRetried(t *testing.T) {
	c, _ := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Manual", "4.14.4"))
	for _, k := range []string{fake.KindHyperConverged, fake.KindMachineConfigPool, fake.KindCheckpoint} {
		c.FailNextWrites(k, 3)
	}
	var events []update.Event
	if _, err := update.Run(context.Background(), c, eusLikePlan(), fakeOptions(c, &events)); err != nil {
		t.Fatal(err)
	}
	if n := len(stepsOf(events, update.EventRetrying)); n < 9 {
		t.Errorf("%d retries, want at least 9 (three conflicts of each kind)", n)
	}
}

func TestCheckpointOfAnotherPlanIsNotOverwritten(t *testing.T) {
	c, _ := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.14.4"))
	ctx, cancel := context.WithCancel(context.Background())
	opts := fakeOptions(c, nil)
	opts.OnEvent = func(e update.Event) {
		if e.Type == update.EventStepDone && e.StepName == "disable-workload-updates" {
			cancel()
		}
	}
	if _, err := update.Run(ctx, c, eusLikePlan(), opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	other, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.14.22"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = update.Run(context.Background(), c, other, fakeOptions(c, nil))
	var ce *update.CheckpointError
	if !errors.Is(err, update.ErrOtherPlan) || !errors.As(err, &ce) || ce.Step != "disable-workload-updates" {
		t.Fatalf("err = %v, want ErrOtherPlan naming the step it holds", err)
	}
	// The interrupted plan resumes and finishes; then the other may run.
	res, err := update.Run(context.Background(), c, eusLikePlan(), fakeOptions(c, nil))
	if err != nil || !res.Resumed {
		t.Fatalf("resume: %+v %v", res, err)
	}
	if _, err := update.Run(context.Background(), c, other, fakeOptions(c, nil)); err != nil {
		t.Fatalf("after the first plan finished: %v", err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name   string
		in     update.MethodsBackup
		reason string
	}{
		{"absent", update.BackupMethods(nil), "absent stays absent"},
		{"empty", update.BackupMethods(&[]kubevirtv1.WorkloadUpdateMethod{}), "[] stays []"},
		{"list", update.BackupMethods(&[]kubevirtv1.WorkloadUpdateMethod{"Evict", "LiveMigrate", "Evict"}), "order and repeats are kept"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCluster(t, "clusterVersion: {version: 4.14.1}")
			rec := update.Record{Plan: "p", StepName: "s", Methods: &tt.in}
			plan := &update.Plan{Kind: update.KindZStream, From: update.Versions{OCP: "4.14.1"}, To: update.Versions{OCP: "4.14.1"},
				Steps: []update.Step{{Name: "s", Changes: true, Act: func(ctx context.Context, s *update.State) error {
					s.Record.Methods = rec.Methods
					return s.Save(ctx)
				}}}}
			if _, err := update.Run(context.Background(), c, plan, fakeOptions(c, nil)); err != nil {
				t.Fatal(err)
			}
			cp, _ := c.LoadCheckpoint(context.Background(), update.DefaultCheckpointName)
			got, err := update.DecodeRecord(cp.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Methods.Equal(tt.in.Value()) || (got.Methods.Value() == nil) != (tt.in.Value() == nil) {
				t.Errorf("%s round-tripped to %s: %s", tt.in, got.Methods, tt.reason)
			}
		})
	}
}

func TestPlanValidate(t *testing.T) {
	noop := func(context.Context, *update.State) error { return nil }
	for _, tt := range []struct {
		name   string
		steps  []update.Step
		reason string
	}{
		{"empty", nil, "a plan without steps cannot run"},
		{"unnamed", []update.Step{{Act: noop}}, "steps are named: the checkpoint records the name"},
		{"twice", []update.Step{{Name: "a", Act: noop}, {Name: "a", Act: noop}}, "names are unique so a resume finds its step"},
		{"idle", []update.Step{{Name: "a"}}, "a step acts or waits"},
	} {
		p := &update.Plan{Steps: tt.steps}
		if err := p.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it; %s", tt.name, tt.reason)
		}
		if _, err := update.Run(context.Background(), nil, p, update.Options{}); err == nil {
			t.Errorf("%s: Run accepted it; %s", tt.name, tt.reason)
		}
	}
}

// With Manual approval and a newer z of the current CNV minor in the
// catalog, OLM's first InstallPlan is for that z. The minor plan takes it
// first (the documented jump to the newest z), then approves the next
// minor's: the run completes, approving each expected InstallPlan in order
// and no other.
func TestManualApprovalWithANewerZOfTheCurrentMinorCompletes(t *testing.T) {
	for _, tt := range []struct {
		reason string
		build  func(update.Request) (*update.Plan, error)
		to     string
		want   []string
	}{
		{"minor update", update.NewPlan, "4.15.10", []string{"kubevirt-hyperconverged-operator.v4.14.5", "kubevirt-hyperconverged-operator.v4.15.2"}},
		{"EUS-to-EUS update", eus.NewPlan, "4.16.3", []string{"kubevirt-hyperconverged-operator.v4.14.5", "kubevirt-hyperconverged-operator.v4.15.2", "kubevirt-hyperconverged-operator.v4.16.1"}},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Manual", "4.14.4, 4.14.5, 4.15.1, 4.15.2, 4.16.1"))
			r := update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: tt.to, CNVCatalog: s.CNV.Catalog}
			if tt.to == "4.16.3" {
				r.Via = "4.15.30"
			}
			plan, err := tt.build(r)
			if err != nil {
				t.Fatal(err)
			}
			var events []update.Event
			if _, err := update.Run(context.Background(), c, plan, fakeOptions(c, &events)); err != nil {
				t.Fatal(err)
			}
			var approved []string
			for _, e := range events {
				if e.Type == update.EventReport && strings.HasPrefix(e.Message, "approved InstallPlan ") {
					approved = append(approved, e.Message[strings.LastIndex(e.Message, " ")+1:])
				}
			}
			if d := cmp.Diff(tt.want, approved); d != "" {
				t.Errorf("approved in order (-want +got):\n%s", d)
			}
		})
	}
}
