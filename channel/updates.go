package channel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Updates is what the CVO offers a cluster on one version of a graph.
type Updates struct {
	// From is the cluster's current release.
	From *Node
	// Recommended are the targets of plain edges, minus those that are also
	// conditional; newest first.
	Recommended []*Node
	// Conditional are the targets of conditional edges the CVO keeps, each
	// with its risks; newest first.
	Conditional []ConditionalUpdate
}

// ConditionalUpdate is an update that is supported but recommended only for
// clusters none of its risks apply to.
type ConditionalUpdate struct {
	Release *Node
	// Risks are the risks of the update, with the matching rules the CVO
	// would prune (unknown types, wrong fields) removed; each has at least
	// one rule. Shared with the graph: do not modify.
	Risks []Risk
}

// RiskNames returns the names of the update's risks, in order.
func (u ConditionalUpdate) RiskNames() []string {
	names := make([]string, len(u.Risks))
	for i, r := range u.Risks {
		names[i] = r.Name
	}
	return names
}

// Updates returns the updates the CVO offers a cluster on version from,
// computed as the CVO computes them from the graph:
//
//   - recommended: the targets of the plain edges from the version;
//   - conditional: the targets of the conditional edges from it, each with
//     the risks of its conditionalEdges entry;
//   - a target listed both ways is offered as conditional only;
//   - matching rules of an unknown type, Always rules with a query and
//     PromQL rules without one are pruned, and a risk left without rules
//     drops its update;
//   - a target declared conditional more than once is dropped.
//
// Both lists are sorted newest first. A version not in the graph is a
// [*VersionNotFoundError] (see [Graph.Lookup] for how versions are matched).
// The nodes returned are shared with the graph and must not be modified.
func (g *Graph) Updates(from string) (Updates, error) {
	f, ok := g.find(from)
	if !ok {
		return Updates{}, g.notFound(from)
	}
	u := Updates{From: &g.nodes[f]}
	lo, hi := g.outStart[f], g.outStart[f+1]
	if hi > lo {
		u.Recommended = make([]*Node, 0, hi-lo)
		for pos := lo; pos < hi; pos++ {
			if !g.isHidden(pos) {
				u.Recommended = append(u.Recommended, &g.nodes[g.outTo[pos]])
			}
		}
	}
	if row := g.condTo[g.condStart[f]:g.condStart[f+1]]; len(row) > 0 {
		u.Conditional = make([]ConditionalUpdate, len(row))
		for i, e := range row {
			u.Conditional[i] = ConditionalUpdate{Release: &g.nodes[e.to], Risks: g.risks[e.group]}
		}
	}
	return u, nil
}

// ErrUnsupportedRule is returned (wrapped) by a [RiskEvaluator] for a rule
// it cannot evaluate: the next rule of the risk is tried.
var ErrUnsupportedRule = errors.New("unsupported matching rule")

// RiskEvaluator decides whether a matching rule matches a cluster.
//
// Match returns true when the rule matches, false when it explicitly does
// not, and an error when it cannot tell: then the next rule of the risk is
// tried, as the CVO does.
type RiskEvaluator interface {
	Match(ctx context.Context, rule MatchingRule) (bool, error)
}

// PromQLQuerier runs an instant PromQL query against the cluster's
// monitoring stack (thanos-querier on OpenShift) and returns the values of
// the samples of the resulting vector.
type PromQLQuerier interface {
	Query(ctx context.Context, query string) ([]float64, error)
}

// PromQLFunc adapts a function to [PromQLQuerier].
type PromQLFunc func(ctx context.Context, query string) ([]float64, error)

// Query calls f.
func (f PromQLFunc) Query(ctx context.Context, query string) ([]float64, error) { return f(ctx, query) }

// Rules is the built-in [RiskEvaluator]: Always rules match; PromQL rules
// are run through the PromQL querier, whose result must be exactly one
// sample of value 0 (no match) or 1 (match). Without a querier PromQL rules
// cannot be evaluated. The zero Rules evaluates Always rules only.
type Rules struct {
	PromQL PromQLQuerier
}

var _ RiskEvaluator = Rules{}

// Match evaluates one rule.
func (r Rules) Match(ctx context.Context, rule MatchingRule) (bool, error) {
	if !rule.valid() {
		return false, fmt.Errorf("%w: type %q", ErrUnsupportedRule, rule.Type)
	}
	switch rule.Type {
	case RuleAlways:
		return true, nil
	case RulePromQL:
		if r.PromQL == nil {
			return false, fmt.Errorf("%w: no PromQL querier is configured to run %q", ErrUnsupportedRule, rule.PromQL.PromQL)
		}
		vals, err := r.PromQL.Query(ctx, rule.PromQL.PromQL)
		if err != nil {
			return false, fmt.Errorf("PromQL query %q: %w", rule.PromQL.PromQL, err)
		}
		if len(vals) != 1 {
			return false, fmt.Errorf("PromQL query %q returned %d samples: it must return exactly one, 0 or 1", rule.PromQL.PromQL, len(vals))
		}
		switch vals[0] {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
		return false, fmt.Errorf("PromQL query %q returned %v: it must return 0 or 1", rule.PromQL.PromQL, vals[0])
	}
	return false, fmt.Errorf("%w: type %q", ErrUnsupportedRule, rule.Type)
}

// MatchRisk decides whether a risk applies: its rules are tried in order and
// the first that evaluates (match or explicit no match) decides. When no
// rule can be evaluated the error joins the reasons.
func MatchRisk(ctx context.Context, ev RiskEvaluator, risk Risk) (bool, error) {
	var errs []error
	for i, rule := range risk.MatchingRules {
		m, err := ev.Match(ctx, rule)
		if err == nil {
			return m, nil
		}
		errs = append(errs, fmt.Errorf("rule %d: %w", i, err))
	}
	if len(errs) == 0 {
		return false, fmt.Errorf("risk %s has no matching rules", risk.Name)
	}
	return false, fmt.Errorf("risk %s: no matching rule could be evaluated: %w", risk.Name, errors.Join(errs...))
}

// ConditionStatus is the status of a [Condition].
type ConditionStatus string

// Condition statuses, as in Kubernetes.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// Condition is a condition with the fields of a Kubernetes
// metav1.Condition that the CVO sets on conditional updates (no times or
// generations: those belong to whoever stores it).
type Condition struct {
	Type    string
	Status  ConditionStatus
	Reason  string
	Message string
}

// Condition types and reasons the CVO writes on conditional updates and
// their risks.
const (
	// ConditionRecommended is the type of the update's condition.
	ConditionRecommended = "Recommended"
	// ConditionApplies is the type of a risk's condition.
	ConditionApplies = "Applies"

	// ReasonNotExposedToRisks: Recommended=True, no risk applies.
	ReasonNotExposedToRisks = "NotExposedToRisks"
	// ReasonAllExposedRisksAccepted: Recommended=True, every risk that
	// applies is accepted by the administrator.
	ReasonAllExposedRisksAccepted = "AllExposedRisksAccepted"
	// ReasonExposedToRisks: Recommended=False for a risk whose name is not a
	// valid condition reason (otherwise the reason is the risk's name).
	ReasonExposedToRisks = "ExposedToRisks"
	// ReasonMultipleReasons: Recommended=False for risks of different names.
	ReasonMultipleReasons = "MultipleReasons"
	// ReasonEvaluationFailed: Recommended=Unknown, or Applies=Unknown, when a
	// risk could not be evaluated.
	ReasonEvaluationFailed = "EvaluationFailed"
	// ReasonMatch: Applies=True.
	ReasonMatch = "Match"
	// ReasonNotMatch: Applies=False.
	ReasonNotMatch = "NotMatch"
)

// RiskResult is the evaluation of one risk for one cluster.
type RiskResult struct {
	// Risk is the risk as the update lists it. (Which definition was
	// evaluated: see [EvaluateRisks].)
	Risk Risk
	// Applies is the risk's Applies condition: True/Match, False/NotMatch
	// or Unknown/EvaluationFailed (Unknown/InternalErrorFoundNoRiskCondition
	// when no evaluation of the risk was given to [Recommend]).
	Applies Condition
	// Accepted says the administrator accepted the risk by name.
	Accepted bool
	// Err is why the risk could not be evaluated.
	Err error
}

// Evaluation is a conditional update evaluated for one cluster.
type Evaluation struct {
	Update ConditionalUpdate
	// Risks holds one result per risk of the update, in the update's order.
	Risks []RiskResult
	// Recommended is the update's Recommended condition.
	Recommended Condition
}

// ReasonNoRiskCondition is the reason of a risk's Applies=Unknown when
// [Recommend] was given no evaluation of it, as the CVO names that case.
const ReasonNoRiskCondition = "InternalErrorFoundNoRiskCondition"

// Messages of the Recommended condition, as the CVO writes them.
const (
	messageNotExposed = "The update is recommended, because none of the conditional update risks apply to this cluster."
	messageAccepted   = "The update is recommended, because either risk does not apply to this cluster or it is accepted by cluster admins."
)

// EvaluateRisks evaluates the risks of a set of conditional updates as the
// CVO does, once per risk name: when several updates carry a risk of the
// same name, the definition of the newest target release is evaluated (the
// first listed among equal versions), and its result stands for every
// update that carries the name. Risks are evaluated newest target first,
// then by name. The result maps each name to its evaluation, whose Risk is
// the definition evaluated; nil when there are no risks.
//
// A risk that cannot be evaluated gets Applies=Unknown/EvaluationFailed with
// the CVO's message: "Could not evaluate exposure to update risk NAME
// (ERROR)" followed by the risk's description and URL.
func EvaluateRisks(ctx context.Context, ev RiskEvaluator, updates []ConditionalUpdate) map[string]RiskResult {
	type newest struct {
		risk    Risk
		version Version
	}
	byName := map[string]newest{}
	for _, u := range updates {
		var v Version
		if u.Release != nil {
			v = u.Release.Version
		}
		for _, r := range u.Risks {
			if cur, ok := byName[r.Name]; !ok || v.Compare(cur.version) > 0 {
				byName[r.Name] = newest{risk: r, version: v}
			}
		}
	}
	if len(byName) == 0 {
		return nil
	}
	order := make([]newest, 0, len(byName))
	for _, n := range byName {
		order = append(order, n)
	}
	slices.SortFunc(order, func(a, b newest) int {
		if c := b.version.Compare(a.version); c != 0 {
			return c
		}
		return strings.Compare(a.risk.Name, b.risk.Name)
	})
	out := make(map[string]RiskResult, len(order))
	for _, n := range order {
		out[n.risk.Name] = evaluateRisk(ctx, ev, n.risk)
	}
	return out
}

// evaluateRisk evaluates one risk definition.
func evaluateRisk(ctx context.Context, ev RiskEvaluator, r Risk) RiskResult {
	res := RiskResult{Risk: r}
	m, err := MatchRisk(ctx, ev, r)
	switch {
	case err != nil:
		res.Err = err
		res.Applies = Condition{Type: ConditionApplies, Status: ConditionUnknown, Reason: ReasonEvaluationFailed,
			Message: fmt.Sprintf("Could not evaluate exposure to update risk %s (%v)\n  %s description: %s\n  %s URL: %s", r.Name, err, r.Name, r.Message, r.Name, r.URL)}
	case m:
		res.Applies = Condition{Type: ConditionApplies, Status: ConditionTrue, Reason: ReasonMatch}
	default:
		res.Applies = Condition{Type: ConditionApplies, Status: ConditionFalse, Reason: ReasonNotMatch}
	}
	return res
}

// Recommend computes the update's Recommended condition from the
// evaluations of its risks (by name, as [EvaluateRisks] returns them), as
// the CVO does. The update's risks are taken in order:
//
//   - a risk that applies and is not in accepted makes it False; the reason
//     is the risk's name (ExposedToRisks when the name is not a valid
//     condition reason), and the message gets the risk's message and URL;
//   - a risk that could not be evaluated makes it Unknown unless something
//     made it False; the reason is EvaluationFailed, and the message gets
//     the risk's Applies message;
//   - a risk that applies and is accepted keeps it True, with reason
//     AllExposedRisksAccepted;
//   - with nothing of the above it is True/NotExposedToRisks.
//
// False dominates Unknown, which dominates True. The reasons of several
// risks combine as the CVO's newRecommendedReason does: different reasons
// give MultipleReasons, so a risk that applies and another that fails to
// evaluate give False/MultipleReasons with both messages, in the update's
// order, separated by a blank line. (The generic ExposedToRisks and
// EvaluationFailed give ExposedToRisks, and the order of an accepted risk
// and one that applies can matter, as in the CVO.) A risk missing from
// risks counts as Unknown, reason InternalErrorFoundNoRiskCondition.
// Pass accepted only when the administrator's accepted risks are to be
// honoured (the CVO honours them behind a feature gate).
func Recommend(u ConditionalUpdate, risks map[string]RiskResult, accepted []string) Evaluation {
	e := Evaluation{Update: u, Risks: make([]RiskResult, len(u.Risks))}
	c := Condition{Type: ConditionRecommended, Status: ConditionTrue, Reason: ReasonNotExposedToRisks, Message: messageNotExposed}
	var msgs []string
	for i, r := range u.Risks {
		res, ok := risks[r.Name]
		if !ok {
			res = RiskResult{Applies: Condition{Type: ConditionApplies, Status: ConditionUnknown, Reason: ReasonNoRiskCondition,
				Message: fmt.Sprintf("failed to find risk condition for risk %s", r.Name)}}
		}
		res.Risk = r
		res.Accepted = slices.Contains(accepted, r.Name)
		e.Risks[i] = res
		switch res.Applies.Status {
		case ConditionUnknown:
			c.Status = combineStatus(c.Status, ConditionUnknown)
			c.Reason = combineReason(c.Reason, ReasonEvaluationFailed)
			msgs = append(msgs, res.Applies.Message)
		case ConditionTrue:
			if res.Accepted {
				c.Status = combineStatus(c.Status, ConditionTrue)
				c.Reason = combineReason(c.Reason, ReasonAllExposedRisksAccepted)
				c.Message = messageAccepted
				continue
			}
			c.Status = combineStatus(c.Status, ConditionFalse)
			want := ReasonExposedToRisks
			if validReason(r.Name) {
				want = r.Name
			}
			c.Reason = combineReason(c.Reason, want)
			msgs = append(msgs, r.Message+" "+r.URL)
		}
	}
	if len(msgs) > 0 {
		c.Message = strings.Join(msgs, "\n\n")
	}
	e.Recommended = c
	return e
}

// Evaluate evaluates every risk of one update and computes its Recommended
// condition: [EvaluateRisks] over the update alone, then [Recommend]. To
// evaluate the conditional updates of a cluster together, each risk name
// once, as the CVO does, use [Updates.Available].
func Evaluate(ctx context.Context, ev RiskEvaluator, u ConditionalUpdate, accepted []string) Evaluation {
	return Recommend(u, EvaluateRisks(ctx, ev, []ConditionalUpdate{u}), accepted)
}

// combineStatus is the CVO's newRecommendedStatus: False dominates Unknown,
// which dominates the rest.
func combineStatus(now, want ConditionStatus) ConditionStatus {
	switch {
	case now == ConditionFalse || want == ConditionFalse:
		return ConditionFalse
	case now == ConditionUnknown || want == ConditionUnknown:
		return ConditionUnknown
	}
	return want
}

// combineReason is the CVO's newRecommendedReason: the reason of the
// Recommended condition when a risk that wants reason want is met while the
// reason is now.
func combineReason(now, want string) string {
	switch {
	case now == ReasonNotExposedToRisks,
		now == ReasonAllExposedRisksAccepted && want != ReasonNotExposedToRisks,
		now == ReasonEvaluationFailed && want == ReasonExposedToRisks,
		now == want:
		return want
	case want == ReasonNotExposedToRisks,
		now == ReasonEvaluationFailed && want == ReasonAllExposedRisksAccepted,
		now == ReasonExposedToRisks && (want == ReasonAllExposedRisksAccepted || want == ReasonEvaluationFailed):
		return now
	}
	return ReasonMultipleReasons
}

// validReason reports whether s is a valid Kubernetes condition reason:
// CamelCase, starting with a letter, of letters, digits, '_', ',' and ':',
// not ending in ',' or ':', at most 1024 bytes.
func validReason(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		switch {
		case i == 0 && !letter:
			return false
		case letter || (c >= '0' && c <= '9') || c == '_':
		case (c == ',' || c == ':') && i != len(s)-1:
		default:
			return false
		}
	}
	return true
}

// Available returns the releases the CVO would list as available updates
// for a cluster: the recommended ones and the conditional ones whose
// Recommended condition is True, newest first, with the evaluations of all
// conditional updates in order. The risks of all conditional updates are
// evaluated together, once per name, from the newest definition
// ([EvaluateRisks]); each update's condition is then [Recommend]'s.
func (u Updates) Available(ctx context.Context, ev RiskEvaluator, accepted []string) ([]*Node, []Evaluation) {
	risks := EvaluateRisks(ctx, ev, u.Conditional)
	evals := make([]Evaluation, len(u.Conditional))
	var ok []*Node
	for i, cu := range u.Conditional {
		evals[i] = Recommend(cu, risks, accepted)
		if evals[i].Recommended.Status == ConditionTrue {
			ok = append(ok, cu.Release)
		}
	}
	out := make([]*Node, 0, len(u.Recommended)+len(ok))
	i, j := 0, 0
	for i < len(u.Recommended) || j < len(ok) {
		if j == len(ok) || (i < len(u.Recommended) && u.Recommended[i].Version.order(ok[j].Version) > 0) {
			out = append(out, u.Recommended[i])
			i++
		} else {
			out = append(out, ok[j])
			j++
		}
	}
	return out, evals
}
