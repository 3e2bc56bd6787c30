package eus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// wantOrder is the documented order of an EUS-to-EUS update.
var wantOrder = []string{
	"preflight",                // 1. pre-flight
	"pause-worker-pools",       // 2. pause the worker pools
	"disable-workload-updates", // 3. back up and disable workload updates
	"update-cnv-4.14",          //    CNV to the newest z of its minor first (the documented z jump)
	"wait-upgradeable-4.14",    // 4. wait Upgradeable
	"set-channel-4.16",         //    the channel: eus-4.16, as the EUS-to-EUS procedure sets it
	"update-ocp-4.15",          // 5. OpenShift to the odd minor
	"update-cnv-4.15",          // 6. CNV to the latest z of the odd minor
	"wait-upgradeable-4.15",    // 7. wait Upgradeable again
	"update-ocp-4.16",          // 8. OpenShift to the target
	"update-cnv-4.16",          // 9. CNV to the target
	"restore-workload-updates", // 10. restore the methods
	"verify-workload-updates",  // 11. verify migrations
	"unpause-worker-pools",     // 12. unpause the pools and wait
}

func TestStepOrder(t *testing.T) {
	c, s := newCluster(t, fmt.Sprintf(eusScenario, 1, "Manual"))
	plan, err := eus.Plan(eusRequest(s))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range plan.Steps {
		names = append(names, st.Name)
	}
	if d := cmp.Diff(wantOrder, names); d != "" {
		t.Fatalf("plan order (-want +got):\n%s", d)
	}
	w := &watcher{c: c}
	var events []update.Event
	if _, err := update.Run(context.Background(), c, plan, w.options(&events)); err != nil {
		t.Fatal(err)
	}
	var done []string
	for _, e := range events {
		if e.Type == update.EventStepDone {
			done = append(done, e.StepName)
		}
	}
	if d := cmp.Diff(wantOrder, done); d != "" {
		t.Errorf("steps finished (-want +got):\n%s", d)
	}
	if len(w.violations) > 0 {
		t.Errorf("invariants: %v", w.violations)
	}
	// On the cluster: pause, methods off, both minors, methods back, unpause.
	var order []string
	for _, e := range c.Events() {
		switch {
		case e.Kind == fake.KindMachineConfigPool && (e.Reason == "Paused" || e.Reason == "Unpaused"):
			order = append(order, e.Reason)
		case e.Kind == fake.KindHyperConverged && e.Reason == "WorkloadUpdateMethodsChanged":
			order = append(order, "methods "+e.Message)
		case e.Kind == fake.KindClusterVersion && e.Reason == "UpdateCompleted":
			order = append(order, "ocp "+strings.TrimSuffix(strings.Fields(e.Message)[3], ";"))
		case e.Kind == fake.KindCSV && e.Reason == "Succeeded":
			order = append(order, "cnv "+strings.TrimSuffix(strings.Fields(e.Message)[1], ";"))
		}
	}
	want := []string{"Paused", "methods [LiveMigrate,Evict] → []", "ocp 4.15.30", "cnv 4.15.2", "ocp 4.16.3", "cnv 4.16.1",
		"methods [] → [LiveMigrate,Evict]", "Unpaused"}
	if d := cmp.Diff(want, order); d != "" {
		t.Errorf("cluster changes (-want +got):\n%s", d)
	}
}

func TestRefusals(t *testing.T) {
	for _, tt := range []struct {
		name     string
		from, to string
		via      string
		want     error
		reason   string
	}{
		{"odd source", "4.15.3", "4.16.3", "", eus.ErrOnOddMinor, "a cluster already on the odd minor finishes with a minor update"},
		{"old odd source", "4.13.3", "4.16.3", "", eus.ErrNotEUS, "4.13 is not EUS and not between 4.14 and 4.16"},
		{"not EUS", "4.4.3", "4.6.3", "", eus.ErrNotEUS, "EUS minors are the even ones from 4.6"},
		{"two EUS ahead", "4.14.3", "4.18.3", "", eus.ErrNotNextEUS, "EUS-to-EUS goes to the next EUS only"},
		{"minor", "4.14.3", "4.15.3", "", eus.ErrNotNextEUS, "4.15 is a minor update"},
		{"same minor", "4.14.3", "4.14.9", "", eus.ErrNotNextEUS, "a z-stream"},
		{"after 4.22", "4.22.3", "5.0.1", "", eus.ErrNotNextEUS, "no EUS minor follows 4.22"},
		{"eus-4.8 floor", "4.6.40/2.5.8", "4.8.20", "4.7.20", eus.ErrBelowMinimum, "eus-4.8 takes only 4.7.34 and later"},
		{"eus-4.10 floor", "4.8.30", "4.10.20", "4.9.29", eus.ErrBelowMinimum, "eus-4.10 takes only 4.9.30 and later"},
		{"paused pools from 4.8.14", "4.8.13", "4.10.20", "4.9.40", eus.ErrBelowMinimum, "the paused-pool procedure needs 4.8.14"},
		{"via of another minor", "4.14.3", "4.16.3", "4.14.9", update.ErrBadRequest, "the intermediate release is of the odd minor"},
		{"garbage", "4.14.x", "4.16.3", "", update.ErrBadRequest, "errors name the field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, cnv, _ := strings.Cut(tt.from, "/")
			_, err := eus.Plan(update.Request{From: update.Versions{OCP: from, CNV: cnv}, To: tt.to, Via: tt.via})
			var re *update.RefusalError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) || re.Instead == "" || re.Field == "" && tt.want != eus.ErrNotNextEUS {
				t.Fatalf("err = %v, want %v with the field and what to do instead (%s)", err, tt.want, tt.reason)
			}
		})
	}
}

func TestExceptions(t *testing.T) {
	for _, tt := range []struct {
		name, from, to, via string
		wantPause           bool
		wantNote            string
		reason              string
	}{
		{"4.6 to 4.8", "4.6.40/2.5.8", "4.8.20", "4.7.40", false, "4.7.34", "the paused-pool procedure starts with 4.8 → 4.10; eus-4.8 takes 4.7.34+"},
		{"4.8 to 4.10", "4.8.14", "4.10.20", "4.9.30", true, "4.9.30", "from 4.8.14 the pools are paused; eus-4.10 takes 4.9.30+"},
		{"to 4.16", "4.14.3", "4.16.3", "", true, "RHEL 9.4", "the 4.16 note on re-enabling workload updates"},
		{"from 4.16", "4.16.3", "4.18.3", "", true, "RHEL 9.4", "outdated launchers are an Error leaving 4.16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, cnv, _ := strings.Cut(tt.from, "/")
			p, err := eus.Plan(update.Request{From: update.Versions{OCP: from, CNV: cnv}, To: tt.to, Via: tt.via})
			if err != nil {
				t.Fatal(err)
			}
			paused := p.Steps[1].Name == "pause-worker-pools"
			if paused != tt.wantPause {
				t.Errorf("pools paused = %v, want %v (%s)", paused, tt.wantPause, tt.reason)
			}
			if !strings.Contains(strings.Join(p.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q lack %q (%s)", p.Notes, tt.wantNote, tt.reason)
			}
		})
	}
}

func TestFrom416OutdatedVMIsAreAnError(t *testing.T) {
	c, _ := newCluster(t, `
clusterVersion: {version: 4.16.3}
cnv: {version: 4.16.1, catalog: [4.16.2]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: []}}
nodes: [{name: "w-{i}", count: 2}]
vms: [{namespace: a, name: "v-{i}", count: 2}]
`)
	// A z-stream with workload updates off leaves VMIs on the old launcher.
	ctx := context.Background()
	if done, err := c.RunUntil(func() bool { hc, _ := c.GetHyperConverged(ctx); return hc.Status.OperatorVersion() == "4.16.2" }, time.Hour); !done || err != nil {
		t.Fatalf("the z-stream did not finish: %v", err)
	}
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.16.3", CNV: "4.16.2"}, To: "4.18.2"})
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{c: c}
	_, err = update.Run(ctx, c, plan, w.options(nil))
	var pe *update.PreflightError
	if !errors.As(err, &pe) || pe.Findings[0].Check != update.CheckOutdatedVMIs {
		t.Fatalf("err = %v, want the pre-flight to refuse leaving 4.16 with outdated launchers", err)
	}
}

func TestPreflightRefusesAPoolDrainedAtOnce(t *testing.T) {
	c, s := newCluster(t, `
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.15.1, 4.16.1]}
pools: [{name: master}, {name: worker, maxUnavailable: 2}]
nodes: [{name: "w-{i}", count: 2}]
vms: [{namespace: a, name: "v-{i}", count: 2}]
`)
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	_, err = update.Run(context.Background(), c, plan, (&watcher{c: c}).options(nil))
	var pe *update.PreflightError
	if !errors.As(err, &pe) || pe.Findings[0].Check != update.CheckPools || !strings.Contains(pe.Findings[0].Remedy, "maxUnavailable") {
		t.Fatalf("err = %v, want the pre-flight to refuse a pool whose every node drains at once, saying to lower maxUnavailable", err)
	}
	if n := len(countFake(c, fake.KindMachineConfigPool, "Paused", "")); n != 0 {
		t.Errorf("the plan paused %d pools after a failed pre-flight", n)
	}
}
