package channel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type condView struct {
	Version string
	Risks   []string
}

func view(u Updates) (rec []string, conds []condView) {
	rec = versions(u.Recommended)
	conds = []condView{}
	for _, c := range u.Conditional {
		conds = append(conds, condView{c.Release.Version.String(), c.RiskNames()})
	}
	return rec, conds
}

func TestUpdatesCVOSemantics(t *testing.T) {
	nodes := []string{"4.14.1", "4.14.2", "4.14.3", "4.14.4", "4.15.0", "4.15.1"}
	for _, tt := range []struct {
		reason   string
		edges    string
		conds    []cond
		wantRec  []string
		wantCond []condView
	}{
		{reason: "recommended are the plain edges, newest first",
			edges: "4.14.1>4.14.2 4.14.1>4.15.0 4.14.1>4.14.4", wantRec: []string{"4.15.0", "4.14.4", "4.14.2"}, wantCond: []condView{}},
		{reason: "conditional edges come with their group's risks",
			edges: "4.14.1>4.14.2", conds: []cond{{edges: "4.14.1>4.14.3 4.14.2>4.14.3", risks: always("A") + "," + promql("B", "x")}},
			wantRec: []string{"4.14.2"}, wantCond: []condView{{"4.14.3", []string{"A", "B"}}}},
		{reason: "a target listed both ways is conditional only",
			edges: "4.14.1>4.14.2 4.14.1>4.14.3", conds: []cond{{edges: "4.14.1>4.14.3", risks: always("A")}},
			wantRec: []string{"4.14.2"}, wantCond: []condView{{"4.14.3", []string{"A"}}}},
		{reason: "a target declared conditional twice is dropped, from both groups",
			edges: "4.14.1>4.14.2", conds: []cond{{edges: "4.14.1>4.14.3 4.14.1>4.14.4", risks: always("A")}, {edges: "4.14.1>4.14.3", risks: always("B")}},
			wantRec: []string{"4.14.2"}, wantCond: []condView{{"4.14.4", []string{"A"}}}},
		{reason: "a target declared twice in one group is dropped too",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.3 4.14.1>4.14.3", risks: always("A")}},
			wantRec: []string{}, wantCond: []condView{}},
		{reason: "a risk whose only rule is invalid (Always with a query) drops the update",
			edges: "4.14.1>4.14.2", conds: []cond{{edges: "4.14.1>4.14.3", risks: `{"name":"A","matchingRules":[{"type":"Always","promql":{"promql":"x"}}]}`}},
			wantRec: []string{"4.14.2"}, wantCond: []condView{}},
		{reason: "a PromQL rule without a query is invalid",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.3", risks: `{"name":"A","matchingRules":[{"type":"PromQL"}]}`}},
			wantRec: []string{}, wantCond: []condView{}},
		{reason: "a risk with no rules at all drops the update",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.3", risks: `{"name":"A","matchingRules":[]}`}},
			wantRec: []string{}, wantCond: []condView{}},
		{reason: "a group without risks is dropped (nothing to evaluate)",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.3", risks: ``}},
			wantRec: []string{}, wantCond: []condView{}},
		{reason: "a dropped conditional update still removes its plain edge: the both-ways rule runs first",
			edges: "4.14.1>4.14.2 4.14.1>4.14.3", conds: []cond{{edges: "4.14.1>4.14.3", risks: `{"name":"A","matchingRules":[{"type":"PromQL"}]}`}},
			wantRec: []string{"4.14.2"}, wantCond: []condView{}},
		{reason: "duplicates are counted after pruning: an invalid twin does not drop the valid one",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.3", risks: always("A")}, {edges: "4.14.1>4.14.3", risks: `{"name":"B","matchingRules":[{"type":"PromQL"}]}`}},
			wantRec: []string{}, wantCond: []condView{{"4.14.3", []string{"A"}}}},
		{reason: "an invalid rule is pruned but a valid one keeps the risk",
			edges: "", conds: []cond{{edges: "4.14.1>4.15.1", risks: `{"name":"A","matchingRules":[{"type":"PromQL"},{"type":"Always"}]}`}},
			wantRec: []string{}, wantCond: []condView{{"4.15.1", []string{"A"}}}},
		{reason: "conditional updates are sorted newest first",
			edges: "", conds: []cond{{edges: "4.14.1>4.14.2", risks: always("A")}, {edges: "4.14.1>4.15.1 4.14.1>4.14.4", risks: always("B")}},
			wantRec: []string{}, wantCond: []condView{{"4.15.1", []string{"B"}}, {"4.14.4", []string{"B"}}, {"4.14.2", []string{"A"}}}},
		{reason: "edges from other versions do not count",
			edges: "4.14.2>4.14.3", conds: []cond{{edges: "4.14.2>4.14.4", risks: always("A")}},
			wantRec: []string{}, wantCond: []condView{}},
	} {
		g := mustGraph(t, nodes, tt.edges, tt.conds...)
		u, err := g.Updates("4.14.1")
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		rec, conds := view(u)
		if d := cmp.Diff(tt.wantRec, rec); d != "" {
			t.Errorf("%s: recommended (-want +got):\n%s", tt.reason, d)
		}
		if d := cmp.Diff(tt.wantCond, conds); d != "" {
			t.Errorf("%s: conditional (-want +got):\n%s", tt.reason, d)
		}
		if u.From.Version.String() != "4.14.1" {
			t.Errorf("%s: From = %s", tt.reason, u.From.Version)
		}
	}
}

func TestUpdatesVersionNotFound(t *testing.T) {
	g := parseReal(t, "stable-4.7").Filter("stable-4.7")
	_, err := g.Updates("4.7.99")
	var nf *VersionNotFoundError
	if !errors.Is(err, ErrVersionNotFound) || !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a VersionNotFoundError", err)
	}
	want := &VersionNotFoundError{Version: "4.7.99", Channel: "stable-4.7", Newest: "4.7.60"}
	if d := cmp.Diff(want, nf); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !strings.Contains(err.Error(), `"stable-4.7"`) || !strings.Contains(err.Error(), "4.7.60") {
		t.Errorf("message %q must name the channel and the newest 4.7", err)
	}
}

// The real stable-4.7 graph has two conditional groups into 4.7.4.
func TestUpdatesOnRealConditionalEdges(t *testing.T) {
	g := parseReal(t, "stable-4.7")
	for _, tt := range []struct {
		from, reason string
		cond         []condView
		nRec         int
	}{
		{from: "4.7.2", reason: "a z-stream update into 4.7.4 carries one risk",
			cond: []condView{{"4.7.4", []string{"VSphereNodeNameChanges"}}}, nRec: 42},
		{from: "4.6.15", reason: "a minor update into 4.7.4 carries the three risks of its group",
			cond: []condView{{"4.7.4", []string{"AuthOAuthProxyLeakedConnections", "VSphereHW14CrossNodeNetworkingError", "VSphereNodeNameChanges"}}}},
		{from: "4.7.13", reason: "later releases have no conditional update", cond: []condView{}, nRec: 34},
	} {
		u, err := g.Updates(tt.from)
		if err != nil {
			t.Fatal(err)
		}
		rec, conds := view(u)
		if d := cmp.Diff(tt.cond, conds); d != "" {
			t.Errorf("%s: conditional (-want +got):\n%s", tt.reason, d)
		}
		for _, v := range rec {
			if v == "4.7.4" {
				t.Errorf("%s: 4.7.4 must not be recommended", tt.reason)
			}
		}
		if tt.nRec != 0 && len(rec) != tt.nRec {
			t.Errorf("%s: %d recommended, want %d", tt.reason, len(rec), tt.nRec)
		}
	}
	u, _ := g.Updates("4.7.2")
	r := u.Conditional[0].Risks[0]
	if !strings.HasPrefix(r.URL, "https://") || r.MatchingRules[0].Type != RulePromQL ||
		!strings.Contains(r.MatchingRules[0].PromQL.PromQL, "cluster_infrastructure_provider") {
		t.Errorf("risk read wrongly: %+v", r)
	}
}

// fakeProm answers queries from a table; a missing query fails.
type fakeProm map[string][]float64

func (f fakeProm) Query(_ context.Context, q string) ([]float64, error) {
	v, ok := f[q]
	if !ok {
		return nil, errors.New("thanos-querier unavailable")
	}
	return v, nil
}

func TestRulesMatch(t *testing.T) {
	prom := fakeProm{"one": {1}, "zero": {0}, "two": {2}, "none": {}, "many": {1, 1}}
	for _, tt := range []struct {
		reason  string
		ev      Rules
		rule    MatchingRule
		want    bool
		wantErr bool
		unsup   bool
	}{
		{"Always matches", Rules{}, MatchingRule{Type: RuleAlways}, true, false, false},
		{"a query returning 1 matches", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"one"}}, true, false, false},
		{"a query returning 0 does not match", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"zero"}}, false, false, false},
		{"a value other than 0 or 1 is an error", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"two"}}, false, true, false},
		{"no sample is an error", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"none"}}, false, true, false},
		{"more than one sample is an error", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"many"}}, false, true, false},
		{"a failing query is an error", Rules{PromQL: prom}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"other"}}, false, true, false},
		{"PromQL without a querier cannot be evaluated", Rules{}, MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"one"}}, false, true, true},
		{"an unknown type cannot be evaluated", Rules{}, MatchingRule{Type: "Telepathy"}, false, true, true},
		{"Always with a query is invalid", Rules{}, MatchingRule{Type: RuleAlways, PromQL: &PromQLRule{"one"}}, false, true, true},
	} {
		got, err := tt.ev.Match(context.Background(), tt.rule)
		if got != tt.want || (err != nil) != tt.wantErr || errors.Is(err, ErrUnsupportedRule) != tt.unsup {
			t.Errorf("%s: Match = %v, %v", tt.reason, got, err)
		}
	}
	q := PromQLFunc(func(_ context.Context, s string) ([]float64, error) { return []float64{1}, nil })
	if m, err := (Rules{PromQL: q}).Match(context.Background(), MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{"x"}}); !m || err != nil {
		t.Errorf("PromQLFunc: %v, %v", m, err)
	}
}

func TestMatchRiskFirstEvaluableRuleWins(t *testing.T) {
	prom := fakeProm{"zero": {0}}
	ev := Rules{PromQL: prom}
	pq := func(q string) MatchingRule { return MatchingRule{Type: RulePromQL, PromQL: &PromQLRule{q}} }
	for _, tt := range []struct {
		reason  string
		rules   []MatchingRule
		want    bool
		wantErr bool
	}{
		{"a failing rule falls through to the next", []MatchingRule{pq("down"), {Type: RuleAlways}}, true, false},
		{"an explicit no-match stops the search", []MatchingRule{pq("zero"), {Type: RuleAlways}}, false, false},
		{"an unknown type is skipped", []MatchingRule{{Type: "Telepathy"}, pq("zero")}, false, false},
		{"no rule evaluable is an error", []MatchingRule{pq("down"), {Type: "Telepathy"}}, false, true},
		{"no rules at all is an error", nil, false, true},
	} {
		got, err := MatchRisk(context.Background(), ev, Risk{Name: "R", MatchingRules: tt.rules})
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: MatchRisk = %v, %v", tt.reason, got, err)
		}
	}
}

func TestEvaluateRecommended(t *testing.T) {
	prom := fakeProm{"yes": {1}, "no": {0}}
	risk := func(name, query string) Risk {
		return Risk{Name: name, Message: name + " breaks.", URL: "https://issues.example/" + name,
			MatchingRules: []MatchingRule{{Type: RulePromQL, PromQL: &PromQLRule{query}}}}
	}
	for _, tt := range []struct {
		reason   string
		risks    []Risk
		accepted []string
		want     Condition
		applies  []ConditionStatus
	}{
		{"no risk applies", []Risk{risk("A", "no"), risk("B", "no")}, nil,
			Condition{ConditionRecommended, ConditionTrue, ReasonNotExposedToRisks, ""}, []ConditionStatus{ConditionFalse, ConditionFalse}},
		{"one risk applies: its name is the reason, message and URL the message", []Risk{risk("A", "no"), risk("B", "yes")}, nil,
			Condition{ConditionRecommended, ConditionFalse, "B", "B breaks. https://issues.example/B"}, []ConditionStatus{ConditionFalse, ConditionTrue}},
		{"two risks apply", []Risk{risk("A", "yes"), risk("B", "yes")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonMultipleReasons, "A breaks. https://issues.example/A\n\nB breaks. https://issues.example/B"}, nil},
		{"a name that is no valid reason becomes ExposedToRisks", []Risk{risk("Bad name!", "yes")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonExposedToRisks, "Bad name! breaks. https://issues.example/Bad name!"}, nil},
		{"evaluation failed is Unknown", []Risk{risk("A", "no"), risk("B", "down")}, nil,
			Condition{ConditionRecommended, ConditionUnknown, ReasonEvaluationFailed, ""}, []ConditionStatus{ConditionFalse, ConditionUnknown}},
		{"False dominates Unknown", []Risk{risk("A", "down"), risk("B", "yes")}, nil,
			Condition{ConditionRecommended, ConditionFalse, "B", "B breaks. https://issues.example/B"}, nil},
		{"all applying risks accepted", []Risk{risk("A", "yes"), risk("B", "no")}, []string{"A"},
			Condition{ConditionRecommended, ConditionTrue, ReasonAllExposedRisksAccepted, ""}, nil},
		{"an accepted risk does not excuse another", []Risk{risk("A", "yes"), risk("B", "yes")}, []string{"A"},
			Condition{ConditionRecommended, ConditionFalse, "B", "B breaks. https://issues.example/B"}, nil},
		{"accepting does not hide a failed evaluation", []Risk{risk("A", "yes"), risk("B", "down")}, []string{"A"},
			Condition{ConditionRecommended, ConditionUnknown, ReasonEvaluationFailed, ""}, nil},
	} {
		to := &Node{Version: MustParseVersion("4.14.3")}
		e := Evaluate(context.Background(), Rules{PromQL: prom}, ConditionalUpdate{Release: to, Risks: tt.risks}, tt.accepted)
		got := e.Recommended
		if tt.want.Message == "" { // messages of True and Unknown are prose; pin their content below
			got.Message = ""
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: Recommended (-want +got):\n%s", tt.reason, d)
		}
		if tt.applies != nil {
			var st []ConditionStatus
			for _, r := range e.Risks {
				st = append(st, r.Applies.Status)
			}
			if d := cmp.Diff(tt.applies, st); d != "" {
				t.Errorf("%s: Applies (-want +got):\n%s", tt.reason, d)
			}
		}
		if e.Recommended.Status == ConditionUnknown && !strings.Contains(e.Recommended.Message, "could not evaluate exposure to update risk B") {
			t.Errorf("%s: Unknown message %q must name the risk", tt.reason, e.Recommended.Message)
		}
	}
}

func TestValidReason(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"VSphereNodeNameChanges", true}, {"A", true}, {"A_b:c,d", true}, {"A:", false}, {"A,", false},
		{"1A", false}, {"", false}, {"Has space", false}, {"Dotted.Name", false}, {strings.Repeat("A", 1025), false},
	} {
		if got := validReason(tt.s); got != tt.want {
			t.Errorf("validReason(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestAvailable(t *testing.T) {
	g := mustGraph(t, []string{"4.14.1", "4.14.2", "4.14.3", "4.14.4", "4.14.5"}, "4.14.1>4.14.2 4.14.1>4.14.4",
		cond{edges: "4.14.1>4.14.5", risks: promql("A", "no")}, cond{edges: "4.14.1>4.14.3", risks: promql("B", "yes")})
	u, _ := g.Updates("4.14.1")
	avail, evals := u.Available(context.Background(), Rules{PromQL: fakeProm{"yes": {1}, "no": {0}}}, nil)
	if d := cmp.Diff([]string{"4.14.5", "4.14.4", "4.14.2"}, versions(avail)); d != "" {
		t.Errorf("available = recommended plus conditional with Recommended=True, newest first (-want +got):\n%s", d)
	}
	if len(evals) != 2 || evals[1].Recommended.Reason != "B" {
		t.Errorf("evaluations: %+v", evals)
	}
}
