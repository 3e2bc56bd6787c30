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

// CVO: pkg/cvo/availableupdates.go evaluateConditionalUpdate, pinned by
// pkg/cvo/availableupdates_test.go TestEvaluateConditionalUpdate: the rows
// "no risks" … "one risk that fails to evaluate" are its cases, with the
// risk conditions produced by evaluating the rules.
func TestEvaluateRecommended(t *testing.T) {
	prom := fakeProm{"yes": {1}, "no": {0}}
	risk := func(name, query, message, url string) Risk {
		return Risk{Name: name, Message: message, URL: url,
			MatchingRules: []MatchingRule{{Type: RulePromQL, PromQL: &PromQLRule{query}}}}
	}
	unknown := func(name, desc, url string) string {
		return "Could not evaluate exposure to update risk " + name +
			" (risk " + name + ": no matching rule could be evaluated: rule 0: PromQL query \"down\": thanos-querier unavailable)\n" +
			"  " + name + " description: " + desc + "\n  " + name + " URL: " + url
	}
	const notExposed = "The update is recommended, because none of the conditional update risks apply to this cluster."
	const acceptedMsg = "The update is recommended, because either risk does not apply to this cluster or it is accepted by cluster admins."
	for _, tt := range []struct {
		reason   string
		risks    []Risk
		accepted []string
		want     Condition
		applies  []ConditionStatus
	}{
		{"no risks", nil, nil,
			Condition{ConditionRecommended, ConditionTrue, ReasonNotExposedToRisks, notExposed}, []ConditionStatus{}},
		{"one risk that does not match", []Risk{risk("ShouldNotApply", "no", "", "")}, nil,
			Condition{ConditionRecommended, ConditionTrue, ReasonNotExposedToRisks, notExposed}, []ConditionStatus{ConditionFalse}},
		{"one risk that matches", []Risk{risk("RiskThatApplies", "yes", "This is a risk!", "https://match.es")}, nil,
			Condition{ConditionRecommended, ConditionFalse, "RiskThatApplies", "This is a risk! https://match.es"}, []ConditionStatus{ConditionTrue}},
		{"one risk that matches and is accepted", []Risk{risk("RiskThatApplies", "yes", "", "")}, []string{"RiskThatApplies", "not-important"},
			Condition{ConditionRecommended, ConditionTrue, ReasonAllExposedRisksAccepted, acceptedMsg}, []ConditionStatus{ConditionTrue}},
		{"matching risk with name that cannot be used as a condition reason", []Risk{risk("RISK-THAT-APPLIES", "yes", "This is a risk!", "https://match.es")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonExposedToRisks, "This is a risk! https://match.es"}, nil},
		{"two risks that match", []Risk{
			risk("RiskThatApplies", "yes", "This is a risk!", "https://match.es"),
			risk("ShouldNotApply", "no", "ShouldNotApply", "https://doesnotmat.ch"),
			risk("RiskThatAppliesToo", "yes", "This is a risk too!", "https://match.es/too")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonMultipleReasons, "This is a risk! https://match.es\n\nThis is a risk too! https://match.es/too"},
			[]ConditionStatus{ConditionTrue, ConditionFalse, ConditionTrue}},
		{"first risk matches, second fails to evaluate: False, MultipleReasons, both messages", []Risk{
			risk("RiskThatApplies", "yes", "This is a risk!", "https://match.es"),
			risk("RiskThatFailsToEvaluate", "down", "This is a risk too!", "https://whokno.ws")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonMultipleReasons,
				"This is a risk! https://match.es\n\n" + unknown("RiskThatFailsToEvaluate", "This is a risk too!", "https://whokno.ws")},
			[]ConditionStatus{ConditionTrue, ConditionUnknown}},
		{"the same the other way round", []Risk{
			risk("RiskThatFailsToEvaluate", "down", "This is a risk too!", "https://whokno.ws"),
			risk("RiskThatApplies", "yes", "This is a risk!", "https://match.es")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonMultipleReasons,
				unknown("RiskThatFailsToEvaluate", "This is a risk too!", "https://whokno.ws") + "\n\nThis is a risk! https://match.es"}, nil},
		{"one risk that fails to evaluate", []Risk{risk("RiskThatFailsToEvaluate", "down", "This is a risk!", "https://whokno.ws")}, nil,
			Condition{ConditionRecommended, ConditionUnknown, ReasonEvaluationFailed, unknown("RiskThatFailsToEvaluate", "This is a risk!", "https://whokno.ws")},
			[]ConditionStatus{ConditionUnknown}},
		{"a failure next to a risk with an invalid name: the generic ExposedToRisks absorbs EvaluationFailed", []Risk{
			risk("A", "down", "A breaks.", "u"), risk("BAD-NAME", "yes", "Bad.", "v")}, nil,
			Condition{ConditionRecommended, ConditionFalse, ReasonExposedToRisks, unknown("A", "A breaks.", "u") + "\n\nBad. v"}, nil},
		{"an accepted risk does not excuse another", []Risk{risk("A", "yes", "A breaks.", "a"), risk("B", "yes", "B breaks.", "b")}, []string{"A"},
			Condition{ConditionRecommended, ConditionFalse, "B", "B breaks. b"}, nil},
		{"accepted after one that applies: MultipleReasons, as newRecommendedReason(B, AllExposedRisksAccepted) gives", []Risk{risk("B", "yes", "B breaks.", "b"), risk("A", "yes", "A breaks.", "a")}, []string{"A"},
			Condition{ConditionRecommended, ConditionFalse, ReasonMultipleReasons, "B breaks. b"}, nil},
		{"accepting does not hide a failed evaluation", []Risk{risk("A", "yes", "A breaks.", "a"), risk("B", "down", "B breaks.", "b")}, []string{"A"},
			Condition{ConditionRecommended, ConditionUnknown, ReasonEvaluationFailed, unknown("B", "B breaks.", "b")}, nil},
		{"no URL: the message keeps the CVO's separating space", []Risk{risk("A", "yes", "A breaks.", "")}, nil,
			Condition{ConditionRecommended, ConditionFalse, "A", "A breaks. "}, nil},
	} {
		to := &Node{Version: MustParseVersion("4.14.3")}
		e := Evaluate(context.Background(), Rules{PromQL: prom}, ConditionalUpdate{Release: to, Risks: tt.risks}, tt.accepted)
		if d := cmp.Diff(tt.want, e.Recommended); d != "" {
			t.Errorf("%s: Recommended (-want +got):\n%s", tt.reason, d)
		}
		if tt.applies != nil {
			st := []ConditionStatus{}
			for _, r := range e.Risks {
				st = append(st, r.Applies.Status)
			}
			if d := cmp.Diff(tt.applies, st); d != "" {
				t.Errorf("%s: Applies (-want +got):\n%s", tt.reason, d)
			}
		}
	}
}

// CVO: pkg/cvo/availableupdates.go newRecommendedReason, pinned by
// pkg/cvo/availableupdates_test.go Test_newRecommendedReason (all twenty
// cases; "Exposed" is ReasonExposedToRisks, the stand-in for a risk name).
func TestCombineReason(t *testing.T) {
	const (
		notExposed = ReasonNotExposedToRisks
		accepted   = ReasonAllExposedRisksAccepted
		failed     = ReasonEvaluationFailed
		multiple   = ReasonMultipleReasons
		exposed    = ReasonExposedToRisks
	)
	for _, tt := range []struct{ reason, now, want, expected string }{
		{"NotExposed to Accepted", notExposed, accepted, accepted},
		{"NotExposed to EvaluationFailed", notExposed, failed, failed},
		{"NotExposed to Multiple", notExposed, multiple, multiple},
		{"NotExposed to Exposed", notExposed, exposed, exposed},
		{"Accepted to NotExposed", accepted, notExposed, accepted},
		{"Accepted to EvaluationFailed", accepted, failed, failed},
		{"Accepted to Multiple", accepted, multiple, multiple},
		{"Accepted to Exposed", accepted, exposed, exposed},
		{"EvaluationFailed to NotExposed", failed, notExposed, failed},
		{"EvaluationFailed to Accepted", failed, accepted, failed},
		{"EvaluationFailed to Multiple", failed, multiple, multiple},
		{"EvaluationFailed to Exposed", failed, exposed, exposed},
		{"Multiple to NotExposed", multiple, notExposed, multiple},
		{"Multiple to Accepted", multiple, accepted, multiple},
		{"Multiple to EvaluationFailed", multiple, failed, multiple},
		{"Multiple to Exposed", multiple, exposed, multiple},
		{"Exposed to NotExposed", exposed, notExposed, exposed},
		{"Exposed to Accepted", exposed, accepted, exposed},
		{"Exposed to EvaluationFailed", exposed, failed, exposed},
		{"Exposed to Multiple", exposed, multiple, multiple},
		// A risk's own name behaves differently from the generic Exposed.
		{"a risk name to EvaluationFailed", "SomeRisk", failed, multiple},
		{"EvaluationFailed to a risk name", failed, "SomeRisk", multiple},
		{"a risk name to the same name", "SomeRisk", "SomeRisk", "SomeRisk"},
		{"a risk name to another", "SomeRisk", "OtherRisk", multiple},
	} {
		if got := combineReason(tt.now, tt.want); got != tt.expected {
			t.Errorf("%s: combineReason(%s, %s) = %s, want %s", tt.reason, tt.now, tt.want, got, tt.expected)
		}
	}
}

// countingEvaluator records the rules it is asked about, in order.
type countingEvaluator struct {
	inner RiskEvaluator
	asked []string
}

func (c *countingEvaluator) Match(ctx context.Context, rule MatchingRule) (bool, error) {
	q := string(rule.Type)
	if rule.PromQL != nil {
		q = rule.PromQL.PromQL
	}
	c.asked = append(c.asked, q)
	return c.inner.Match(ctx, rule)
}

// CVO: pkg/cvo/availableupdates.go loadRiskVersions (each risk name keeps
// the definition of the newest target release), risksInOrder (newest
// version first, then name) and loadRiskConditions (one evaluation per
// name), pinned by pkg/cvo/availableupdates_test.go Test_loadRiskVersions
// ("some conditional updates"), Test_risksInOrder ("some risks") and
// Test_loadRiskConditions ("basic case").
func TestEvaluateRisksOncePerNameFromTheNewestDefinition(t *testing.T) {
	def := func(name, query string) Risk {
		return Risk{Name: name, Message: name + "@" + query, MatchingRules: []MatchingRule{{Type: RulePromQL, PromQL: &PromQLRule{query}}}}
	}
	node := func(v string) *Node { return &Node{Version: MustParseVersion(v)} }
	updates := []ConditionalUpdate{
		{Release: node("4.20.1"), Risks: []Risk{def("riskA", "a-old"), def("riskB", "b-old")}},
		{Release: node("4.20.3"), Risks: []Risk{def("riskA", "a-new"), def("riskC", "c-old")}},
		{Release: node("4.22.1"), Risks: []Risk{def("riskD", "d"), def("riskB", "b-mid")}},
		{Release: node("5.0.1"), Risks: []Risk{def("riskB", "b-new"), def("riskC", "c-new")}},
	}
	ev := &countingEvaluator{inner: Rules{PromQL: fakeProm{"a-new": {1}, "c-new": {1}, "d": {0}}}}
	got := EvaluateRisks(context.Background(), ev, updates)
	// riskB (5.0.1), riskC (5.0.1), riskD (4.22.1), riskA (4.20.3): each
	// once, from the newest definition.
	if d := cmp.Diff([]string{"b-new", "c-new", "d", "a-new"}, ev.asked); d != "" {
		t.Errorf("evaluations (-want +got):\n%s", d)
	}
	want := map[string]ConditionStatus{"riskA": ConditionTrue, "riskB": ConditionUnknown, "riskC": ConditionTrue, "riskD": ConditionFalse}
	for name, st := range want {
		if got[name].Applies.Status != st {
			t.Errorf("%s: Applies %s, want %s", name, got[name].Applies.Status, st)
		}
	}
	if m := got["riskB"].Applies.Message; !strings.HasPrefix(m, "Could not evaluate exposure to update risk riskB (") || !strings.Contains(m, "riskB description: riskB@b-new") {
		t.Errorf("riskB message %q: want the CVO's text with the newest definition's description", m)
	}
	if len(got) != 4 {
		t.Errorf("%d evaluations, want 4", len(got))
	}
	if EvaluateRisks(context.Background(), ev, nil) != nil {
		t.Error("no updates: want nil")
	}
	// Two definitions for the same version: the first listed is kept.
	same := []ConditionalUpdate{{Release: node("4.20.1"), Risks: []Risk{def("R", "first")}}, {Release: node("4.20.1"), Risks: []Risk{def("R", "second")}}}
	ev = &countingEvaluator{inner: Rules{PromQL: fakeProm{"first": {0}}}}
	EvaluateRisks(context.Background(), ev, same)
	if d := cmp.Diff([]string{"first"}, ev.asked); d != "" {
		t.Errorf("equal versions (-want +got):\n%s", d)
	}
}

// The same risk name on two updates is evaluated once and decides both,
// from the newest definition, while each update's message uses its own
// copy of the risk (CVO: pkg/cvo/availableupdates.go
// evaluateConditionalUpdates and evaluateConditionalUpdate).
func TestAvailableEvaluatesEachRiskOnce(t *testing.T) {
	g := mustGraph(t, []string{"4.14.1", "4.14.2", "4.14.3", "4.14.4"}, "4.14.1>4.14.2",
		cond{edges: "4.14.1>4.14.3", risks: promql("Shared", "old")}, cond{edges: "4.14.1>4.14.4", risks: promql("Shared", "new")})
	u, _ := g.Updates("4.14.1")
	ev := &countingEvaluator{inner: Rules{PromQL: fakeProm{"new": {1}, "old": {0}}}}
	avail, evals := u.Available(context.Background(), ev, nil)
	if d := cmp.Diff([]string{"new"}, ev.asked); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"4.14.2"}, versions(avail)); d != "" {
		t.Errorf("available (-want +got):\n%s", d)
	}
	for _, e := range evals {
		if e.Recommended.Status != ConditionFalse || e.Recommended.Reason != "Shared" {
			t.Errorf("%s: %+v; want False/Shared from the newest definition", e.Update.Release.Version, e.Recommended)
		}
	}
}

// A risk without an evaluation is Unknown with the CVO's internal-error
// reason (pkg/cvo/availableupdates.go evaluateConditionalUpdate, "This
// should never happen").
func TestRecommendMissingRisk(t *testing.T) {
	u := ConditionalUpdate{Release: &Node{Version: MustParseVersion("4.14.3")}, Risks: []Risk{{Name: "Gone"}}}
	e := Recommend(u, nil, nil)
	want := Condition{ConditionRecommended, ConditionUnknown, ReasonEvaluationFailed, "failed to find risk condition for risk Gone"}
	if d := cmp.Diff(want, e.Recommended); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if e.Risks[0].Applies.Reason != ReasonNoRiskCondition {
		t.Errorf("Applies reason %s", e.Risks[0].Applies.Reason)
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
