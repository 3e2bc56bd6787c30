package update_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

// A live cluster's ClusterVersion is the graph when no other is given: its
// status.availableUpdates (plain edges, plus the conditional updates the
// CVO evaluated as Recommended=True: cluster-version-operator
// pkg/cvo/availableupdates.go) and status.conditionalUpdates (the others).
// The CVO lists only the updates from the release it runs, so the first
// hop is verified and the ones after it are assumed; a target it does not
// offer is refused as `oc adm upgrade --to` refuses it (openshift/oc
// pkg/cli/admin/upgrade/upgrade.go: "The version must be on the list of
// available updates"; a conditional one is refused as "not one of the
// recommended updates, but is available as a conditional update").
func TestPlanOnTheClusterVersionsOfferedUpdates(t *testing.T) {
	risk := func(name string) []channel.Risk {
		return []channel.Risk{{Name: name, MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}}
	}
	cv := func(current string, available []string, cond ...update.ConditionalUpdate) update.ClusterVersion {
		return update.ClusterVersion{Channel: "eus-4.16", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: current}},
			AvailableUpdates: available, ConditionalUpdates: cond}
	}
	notRecommended := func(v, name string) update.ConditionalUpdate {
		return update.ConditionalUpdate{Version: v, Risks: risk(name), Recommended: metav1.Condition{Type: "Recommended", Status: metav1.ConditionFalse}}
	}
	for _, tt := range []struct {
		reason  string
		cv      update.ClusterVersion
		req     update.Request
		eus     bool
		want    []string
		sev     update.Severity
		wantErr error
	}{
		{reason: "a target the ClusterVersion offers is one verified hop",
			cv: cv("4.14.10", []string{"4.14.30", "4.15.3"}), req: update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.3"},
			want: []string{"4.14.10", "4.15.3"}, sev: update.SeverityInfo},
		{reason: "an EUS-to-EUS update goes through the newest offered release of the odd minor; the second hop is assumed",
			cv: cv("4.14.10", []string{"4.14.30", "4.15.3", "4.15.9"}), eus: true,
			req:  update.Request{From: update.Versions{OCP: "4.14.10", CNV: "4.14.3"}, To: "4.16.2"},
			want: []string{"4.14.10", "4.15.9", "4.16.2"}, sev: update.SeverityWarning},
		{reason: "an EUS intermediate that is only a conditional update is not taken without its risk accepted",
			cv: cv("4.14.10", []string{"4.14.30", "4.15.3"}, notRecommended("4.15.9", "ARisk")), eus: true,
			req:  update.Request{From: update.Versions{OCP: "4.14.10", CNV: "4.14.3"}, To: "4.16.2"},
			want: []string{"4.14.10", "4.15.3", "4.16.2"}, sev: update.SeverityWarning},
		{reason: "a conditional update the CVO recommends is taken without accepting anything",
			cv: cv("4.14.10", []string{"4.15.9"}, update.ConditionalUpdate{Version: "4.15.9", Risks: risk("ARisk"),
				Recommended: metav1.Condition{Type: "Recommended", Status: metav1.ConditionTrue}}),
			req:  update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.9"},
			want: []string{"4.14.10", "4.15.9"}, sev: update.SeverityInfo},
		{reason: "a conditional update not recommended needs its risk accepted, rather than a route around it",
			cv:      cv("4.14.10", []string{"4.14.30"}, notRecommended("4.15.9", "ARisk")),
			req:     update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.9"},
			wantErr: update.ErrRisksNotAccepted},
		{reason: "accepting another risk does not accept this one",
			cv:      cv("4.14.10", []string{"4.14.30"}, notRecommended("4.15.9", "ARisk")),
			req:     update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.9", AcceptRisks: []string{"Other"}},
			wantErr: update.ErrRisksNotAccepted},
		{reason: "with its risk accepted by name",
			cv:   cv("4.14.10", []string{"4.14.30"}, notRecommended("4.15.9", "ARisk")),
			req:  update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.9", AcceptRisks: []string{"ARisk"}},
			want: []string{"4.14.10", "4.15.9"}, sev: update.SeverityInfo},
		{reason: "a minor target not offered from an old z goes through the newest offered z first",
			cv:   cv("4.14.10", []string{"4.14.20", "4.14.30"}),
			req:  update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.3"},
			want: []string{"4.14.10", "4.14.30", "4.15.3"}, sev: update.SeverityWarning},
		{reason: "a z-stream target not offered, with nothing older on offer, is refused",
			cv:      cv("4.14.10", []string{"4.14.40"}),
			req:     update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.14.35"},
			wantErr: channel.ErrNoPath},
		{reason: "an EUS via the ClusterVersion does not offer is refused",
			cv: cv("4.14.10", []string{"4.15.3"}), eus: true,
			req:     update.Request{From: update.Versions{OCP: "4.14.10", CNV: "4.14.3"}, To: "4.16.2", Via: "4.15.7"},
			wantErr: channel.ErrNoPath},
		{reason: "a plan from another release than the one the ClusterVersion runs is refused",
			cv:      cv("4.14.12", []string{"4.15.3"}),
			req:     update.Request{From: update.Versions{OCP: "4.14.10"}, To: "4.15.3"},
			wantErr: update.ErrBadRequest},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			g, err := tt.cv.OfferedGraph()
			if err != nil {
				t.Fatal(err)
			}
			tt.req.Graph = g
			var plan *update.Plan
			if tt.eus {
				plan, err = eus.Plan(tt.req)
			} else {
				plan, err = update.NewPlan(tt.req)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if errors.Is(err, channel.ErrNoPath) && !strings.Contains(err.Error(), "--graph") {
					t.Errorf("the refusal %q does not say how to plan several hops", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, plan.Path); d != "" {
				t.Errorf("path (-want +got):\n%s", d)
			}
			i := slices.IndexFunc(plan.Findings, func(f update.Finding) bool { return f.Check == update.CheckPath })
			if i < 0 || plan.Findings[i].Severity != tt.sev {
				t.Fatalf("findings = %v, want a %s %s", plan.Findings, tt.sev, update.CheckPath)
			}
		})
	}
}

func TestOfferedGraphOfAClusterVersionWithoutUpdatesIsNone(t *testing.T) {
	g, err := update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.10"}}}.OfferedGraph()
	if g != nil || err != nil {
		t.Fatalf("OfferedGraph() = %v, %v; want nil, nil: nothing to verify against", g, err)
	}
	_, err = update.ClusterVersion{AvailableUpdates: []string{"4.14.11"}}.OfferedGraph()
	if !errors.Is(err, channel.ErrNoCurrent) {
		t.Fatalf("no completed history: err = %v, want channel.ErrNoCurrent", err)
	}
}
