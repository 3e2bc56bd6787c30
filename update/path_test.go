package update_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

// realGraph reads one of the real update graphs kept in channel/testdata
// (see its NOTICE.md).
func realGraph(t *testing.T, name string) *channel.Graph {
	t.Helper()
	data, err := os.ReadFile("../channel/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	g, err := channel.ParseGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func stepNames(p *update.Plan) []string {
	var out []string
	for _, st := range p.Steps {
		out = append(out, st.Name)
	}
	return out
}

func TestPlanHopsFollowTheGraph(t *testing.T) {
	g49 := realGraph(t, "stable-4.9-amd64-2022-12.json")
	g48 := realGraph(t, "stable-4.8-amd64-2022-12.json")
	for _, tt := range []struct {
		reason   string
		req      update.Request
		wantPath []string
		wantErr  error
		// wantSteps are the platform steps, in order.
		wantSteps []string
		wantSev   update.Severity
	}{
		{
			reason:    "the real stable-4.9 graph has no 4.8.10 → 4.9.53 edge: the path goes through 4.8.54",
			req:       update.Request{From: update.Versions{OCP: "4.8.10"}, To: "4.9.53", Graph: g49},
			wantPath:  []string{"4.8.10", "4.8.54", "4.9.53"},
			wantSteps: []string{"update-ocp-4.8", "update-ocp-4.9"},
			wantSev:   update.SeverityInfo,
		},
		{
			reason:  "4.7.2 → 4.7.4 exists only as a conditional update (VSphereNodeNameChanges): no recommended path without accepting it",
			req:     update.Request{From: update.Versions{OCP: "4.7.2", CNV: "2.6.5"}, To: "4.7.4", Graph: g48},
			wantErr: channel.ErrNoPath,
		},
		{
			reason:    "the same hop with its risk accepted by name",
			req:       update.Request{From: update.Versions{OCP: "4.7.2", CNV: "2.6.5"}, To: "4.7.4", Graph: g48, AcceptRisks: []string{"VSphereNodeNameChanges"}},
			wantPath:  []string{"4.7.2", "4.7.4"},
			wantSteps: []string{"update-ocp-4.7"},
			wantSev:   update.SeverityInfo,
		},
		{
			reason:  "accepting another risk does not accept this one",
			req:     update.Request{From: update.Versions{OCP: "4.7.2", CNV: "2.6.5"}, To: "4.7.4", Graph: g48, AcceptRisks: []string{"SomethingElse"}},
			wantErr: update.ErrRisksNotAccepted,
		},
		{
			reason:  "a target the graph does not reach is refused, not planned",
			req:     update.Request{From: update.Versions{OCP: "4.8.10"}, To: "4.9.99", Graph: g49},
			wantErr: channel.ErrVersionNotFound,
		},
		{
			reason:    "without a graph the plan names the releases it assumes and warns that the path is unverified",
			req:       update.Request{From: update.Versions{OCP: "4.8.10"}, To: "4.9.53"},
			wantPath:  []string{"4.8.10", "4.9.53"},
			wantSteps: []string{"update-ocp-4.9"},
			wantSev:   update.SeverityWarning,
		},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			plan, err := update.NewPlan(tt.req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.wantPath, plan.Path); d != "" {
				t.Errorf("path (-want +got):\n%s", d)
			}
			var platform []string
			for _, n := range stepNames(plan) {
				if strings.HasPrefix(n, "update-ocp-") {
					platform = append(platform, n)
				}
			}
			if d := cmp.Diff(tt.wantSteps, platform); d != "" {
				t.Errorf("platform steps (-want +got):\n%s", d)
			}
			if len(plan.Findings) != 1 || plan.Findings[0].Check != update.CheckPath || plan.Findings[0].Severity != tt.wantSev {
				t.Fatalf("findings = %v, want one %s %s", plan.Findings, tt.wantSev, update.CheckPath)
			}
			for _, v := range tt.wantPath {
				if !strings.Contains(plan.Findings[0].Reason, v) {
					t.Errorf("the path finding %q does not name %s", plan.Findings[0].Reason, v)
				}
			}
		})
	}
}

func TestTwoHopsOfOneMinorHaveDistinctSteps(t *testing.T) {
	steps := update.PlatformSteps([]string{"4.8.30", "4.8.54", "4.9.53"})
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if d := cmp.Diff([]string{"update-ocp-4.8.30", "update-ocp-4.8", "update-ocp-4.9"}, names); d != "" {
		t.Errorf("step names (-want +got):\n%s", d)
	}
}

// The EUS intermediate comes from the graph's path; a channel step sets
// eus-<target> as the EUS-to-EUS procedure does.
func TestEUSPlanTakesItsIntermediateFromTheGraph(t *testing.T) {
	// A synthetic graph in the update service's JSON: 4.14.20 → 4.15.7 is
	// recommended, 4.15.0 is in the graph but no edge reaches it.
	g, err := channel.ParseGraph([]byte(`{"nodes":[
		{"version":"4.14.20","payload":"p0"},{"version":"4.15.0","payload":"p1"},
		{"version":"4.15.7","payload":"p2"},{"version":"4.16.3","payload":"p3"}],
		"edges":[[0,2],[2,3],[1,3]]}`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Graph: g})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"4.14.20", "4.15.7", "4.16.3"}, plan.Path); d != "" {
		t.Errorf("path (-want +got):\n%s", d)
	}
	names := stepNames(plan)
	if !slices.Contains(names, "set-channel-4.16") {
		t.Errorf("no channel step in %v", names)
	}
	for _, st := range plan.Steps {
		if st.Name == "update-ocp-4.15" && !strings.Contains(st.Description, "4.15.7") {
			t.Errorf("the odd-minor step is %q, want 4.15.7 from the graph", st.Description)
		}
	}
}

func TestTargetChannel(t *testing.T) {
	for _, tt := range []struct {
		reason, current, target string
		eus                     bool
		want                    string
		change                  bool
	}{
		{"stable-4.14 does not offer 4.15: stable-4.15", "stable-4.14", "4.15.3", false, "stable-4.15", true},
		{"fast keeps its kind", "fast-4.14", "4.15.3", false, "fast-4.15", true},
		{"stable-4.15 offers 4.15", "stable-4.15", "4.15.3", false, "stable-4.15", false},
		{"EUS-to-EUS on stable-4.14 goes to eus-4.16", "stable-4.14", "4.16.3", true, "eus-4.16", true},
		{"EUS-to-EUS on eus-4.16 stays", "eus-4.16", "4.16.3", true, "eus-4.16", false},
		{"stable-4.16 offers 4.16 but the EUS procedure uses eus-4.16", "stable-4.16", "4.16.3", true, "eus-4.16", true},
		{"no channel: stable of the target", "", "4.15.3", false, "stable-4.15", true},
	} {
		got, change := update.TargetChannel(tt.current, channel.MustParseVersion(tt.target), tt.eus)
		if got.String() != tt.want || change != tt.change {
			t.Errorf("%s: TargetChannel(%q, %s) = %s, %v; want %s, %v", tt.reason, tt.current, tt.target, got, change, tt.want, tt.change)
		}
	}
}

func TestRequestRefusesCNVStatesAndFlagsThatDoNotApply(t *testing.T) {
	for _, tt := range []struct {
		reason string
		req    update.Request
		field  string
	}{
		{"CNV ahead of OpenShift", update.Request{From: update.Versions{OCP: "4.13.1", CNV: "4.14.10"}, To: "4.14.10"}, "From.CNV"},
		{"CNV two minors behind", update.Request{From: update.Versions{OCP: "4.15.1", CNV: "4.13.10"}, To: "4.16.3"}, "From.CNV"},
		{"--cnv not a version", update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.15.3", CNV: "garbage"}, "CNV"},
		{"--cnv of another minor than the target", update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.15.3", CNV: "4.17.0"}, "CNV"},
		{"--cnv not in the catalog", update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.15.3", CNV: "4.15.9", CNVCatalog: []string{"4.15.1", "4.15.2"}}, "CNV"},
		{"--cnv older than the running one", update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.14.20", CNV: "4.14.1"}, "CNV"},
	} {
		_, err := update.NewPlan(tt.req)
		var re *update.RefusalError
		if !errors.As(err, &re) || !errors.Is(err, update.ErrBadRequest) || re.Field != tt.field {
			t.Errorf("%s: err = %v, want a bad request on %s", tt.reason, err, tt.field)
		}
	}
	// One minor behind is the state in the middle of a minor update: allowed.
	if _, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.15.1", CNV: "4.14.10"}, To: "4.15.1"}); err != nil {
		t.Errorf("CNV one minor behind OpenShift: %v", err)
	}
}

type channelGraph = channel.Graph

func parseGraph(s string) (*channel.Graph, error) { return channel.ParseGraph([]byte(s)) }

// Accepting a risk by name never takes a plan off its recommended path:
// on the real stable-4.7 graph 4.6.15 → 4.7.60 goes through 4.6.62 with
// or without --accept-risks, and a name that matches no risk is harmless.
func TestAcceptedRisksKeepTheRecommendedPath(t *testing.T) {
	g := realGraph(t, "stable-4.7-amd64-2022-12.json")
	for _, accept := range [][]string{nil, {"Bogus"}, {"VSphereNodeNameChanges"}} {
		plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.6.15", CNV: "2.5.8"}, To: "4.7.60", Graph: g, AcceptRisks: accept})
		if err != nil {
			t.Fatalf("accept %v: %v", accept, err)
		}
		if d := cmp.Diff([]string{"4.6.15", "4.6.62", "4.7.60"}, plan.Path); d != "" {
			t.Errorf("accept %v: path (-want +got):\n%s", accept, d)
		}
	}
}

// A plan that leaves OpenShift where it is has no OpenShift path to
// verify: no Warning about one, with a graph or without.
func TestNoOpenShiftChangeNoPathWarning(t *testing.T) {
	for _, g := range []*channel.Graph{nil, realGraph(t, "stable-4.8-amd64-2022-12.json")} {
		plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.8.10"}, To: "4.8.10", Graph: g})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range plan.Findings {
			if f.Check == update.CheckPath && f.Severity != update.SeverityInfo {
				t.Errorf("graph %v: %s", g != nil, f)
			}
		}
	}
}
