package conditions

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
)

// Aggregator turns the conditions of the components HCO deploys into the
// HyperConverged's conditions after one reconcile. [HCOAggregator] (HCO's
// rules, as [Aggregate] applies them) is the default; [NewAggregator]
// configures it with typed options, and [AggregatorFunc] adapts a function.
//
// Aggregate is given the clock for lastTransitionTime (nil means the real
// clock), the HyperConverged's current status.conditions and what HCO found
// in the reconcile. An implementation must:
//
//   - be deterministic: equal inputs and an equal clk.Now() give an equal
//     Result;
//   - not modify current, nor in.Components and their conditions;
//   - write the five managed types (Result.Conditions holds current's other
//     types unchanged, and a type no rule set as Unknown), each with
//     in.Generation as observedGeneration, moving lastTransitionTime only
//     when the status changes (meta.SetStatusCondition does);
//   - accept nil current, no components, and a nil OperandError.
//
// HCOAggregator allocates only the Result's slice (and what the default
// components' messages need); it is called once per reconcile.
type Aggregator interface {
	Aggregate(clk clock.PassiveClock, current []metav1.Condition, in Input) Result
}

// AggregatorFunc adapts a function to [Aggregator]. A nil AggregatorFunc is
// [Aggregate].
type AggregatorFunc func(clk clock.PassiveClock, current []metav1.Condition, in Input) Result

// Aggregate calls f.
func (f AggregatorFunc) Aggregate(clk clock.PassiveClock, current []metav1.Condition, in Input) Result {
	if f == nil {
		return Aggregate(clk, current, in)
	}
	return f(clk, current, in)
}

// MergeStrategy records what one component reports into the conditions of
// the reconcile, the step of HCO's aggregation that reads a component's
// status, and says whether the component is up (ready). HCO's own step is
// [HCOMerge]; inject another with the options [CustomMergeStrategy] (every
// component) or [ForComponent] (one), as cluster-api's util/conditions
// CustomMergeStrategy injects a merge strategy.
//
// Merge is called once per component, in the order of Input.Components;
// what it records with the [Recorder] is what HCO's chart then reads (a
// Degraded forces Available=False, a Progressing alone Upgradeable=False,
// …). It returns whether the component is ready: an upgrade completes in
// the pass where every component is ready and at its target version and
// nothing at all was recorded. An implementation must be deterministic and
// must not modify the component or keep the Recorder after it returns.
type MergeStrategy interface {
	Merge(c Component, r *Recorder) (ready bool)
}

// MergeFunc adapts a function to [MergeStrategy]. A nil MergeFunc is
// [HCOMerge].
type MergeFunc func(c Component, r *Recorder) (ready bool)

// Merge calls f.
func (f MergeFunc) Merge(c Component, r *Recorder) bool {
	if f == nil {
		return HCOMerge{}.Merge(c, r)
	}
	return f(c, r)
}

// HCOMerge is HCO's merge of one component (the default [MergeStrategy]): a
// component with no conditions is not available, progressing and not
// upgradeable; its Available=False, Progressing=True, Degraded=True and
// Upgradeable=False are recorded with the reason "<Component><State>" (the
// last component wins on a type), its Progressing also sets
// Upgradeable=False unless something already did, its Upgradeable=False
// tells OLM not to upgrade, and a missing Available is not available. It is
// up when it reports Available, Progressing and Degraded, none negative.
type HCOMerge struct{}

// Merge records c's negative states as HCO does.
func (HCOMerge) Merge(c Component, r *Recorder) bool { return r.p.component(c) }

// Recorder is HCO's in-memory condition map of one reconcile, as a
// [MergeStrategy] sees it: it records the five managed types (other types
// are ignored) and whether OLM may upgrade the operator.
type Recorder struct {
	p pass
}

// Set records a managed condition type; the last writer wins. The
// condition carries the reconcile's generation. A type other than the five
// managed ones is ignored.
func (r *Recorder) Set(conditionType string, status metav1.ConditionStatus, reason, message string) {
	if i := typeIndex(conditionType); i >= 0 {
		r.p.put(i, status, reason, message)
	}
}

// SetIfUnset records a managed condition type only when nothing recorded it
// in this reconcile.
func (r *Recorder) SetIfUnset(conditionType string, status metav1.ConditionStatus, reason, message string) {
	if i := typeIndex(conditionType); i >= 0 {
		r.p.putIfUnset(i, status, reason, message)
	}
}

// Get returns what the reconcile recorded for a managed type so far.
func (r *Recorder) Get(conditionType string) (metav1.Condition, bool) {
	if i := typeIndex(conditionType); i >= 0 && r.p.set[i] {
		return r.p.cond[i], true
	}
	return metav1.Condition{}, false
}

// HoldOperatorUpgrade makes the Upgradeable condition HCO reports to OLM
// False (Result.OperatorUpgradeable), with the reason and message of the
// Upgradeable condition recorded, as a component's Upgradeable=False does.
func (r *Recorder) HoldOperatorUpgrade() { r.p.upgradeable = false }

func typeIndex(t string) int {
	for i, m := range managedTypes {
		if m == t {
			return i
		}
	}
	return -1
}

// AggregateOptions are the options of an [HCOAggregator], set by
// [AggregateOption] values.
type AggregateOptions struct {
	merge      MergeStrategy
	components map[string]MergeStrategy
}

// AggregateOption configures an [HCOAggregator] (see [NewAggregator]).
type AggregateOption interface {
	ApplyToAggregate(opts *AggregateOptions)
}

// CustomMergeStrategy replaces HCO's merge ([HCOMerge]) for every component
// that no [ForComponent] names. A nil MergeStrategy keeps HCO's.
type CustomMergeStrategy struct {
	MergeStrategy
}

// ApplyToAggregate sets the merge strategy.
func (s CustomMergeStrategy) ApplyToAggregate(opts *AggregateOptions) {
	opts.merge = s.MergeStrategy
}

// Merge is the strategy's, or HCO's for a nil one, so the zero
// CustomMergeStrategy is usable as a MergeStrategy too.
func (s CustomMergeStrategy) Merge(c Component, r *Recorder) bool {
	if s.MergeStrategy == nil {
		return HCOMerge{}.Merge(c, r)
	}
	return s.MergeStrategy.Merge(c, r)
}

// ForComponent replaces the merge of the component Name (as in
// Component.Name, e.g. ComponentSSP), whatever [CustomMergeStrategy] says.
// A nil Strategy gives the component back to HCO's merge. The last
// ForComponent of a name wins.
type ForComponent struct {
	Name     string
	Strategy MergeStrategy
}

// ApplyToAggregate sets the component's merge strategy.
func (f ForComponent) ApplyToAggregate(opts *AggregateOptions) {
	if opts.components == nil {
		opts.components = map[string]MergeStrategy{}
	}
	if f.Strategy == nil {
		opts.components[f.Name] = HCOMerge{}
		return
	}
	opts.components[f.Name] = f.Strategy
}

// IgnoreComponents leaves the named components out of the aggregation:
// they record nothing and count as up (their AtTargetVersion included), as
// if HCO did not deploy them.
type IgnoreComponents []string

// ApplyToAggregate ignores the components.
func (names IgnoreComponents) ApplyToAggregate(opts *AggregateOptions) {
	for _, n := range names {
		ForComponent{Name: n, Strategy: ignore{}}.ApplyToAggregate(opts)
	}
}

// ignore marks an ignored component; the aggregation skips it.
type ignore struct{}

func (ignore) Merge(Component, *Recorder) bool { return true }

func (a HCOAggregator) ignores(name string) bool {
	s, ok := a.opts.components[name]
	if !ok {
		return false
	}
	_, ig := s.(ignore)
	return ig
}

var (
	_ Aggregator      = HCOAggregator{}
	_ Aggregator      = AggregatorFunc(nil)
	_ MergeStrategy   = HCOMerge{}
	_ MergeStrategy   = MergeFunc(nil)
	_ MergeStrategy   = CustomMergeStrategy{}
	_ AggregateOption = CustomMergeStrategy{}
	_ AggregateOption = ForComponent{}
	_ AggregateOption = IgnoreComponents(nil)
)

// HCOAggregator is HCO's aggregation, the default [Aggregator], with
// optional merge strategies. Its zero value is exactly [Aggregate]; build
// others with [NewAggregator]. It is a value: copies share nothing mutable.
type HCOAggregator struct {
	opts AggregateOptions
}

// NewAggregator returns HCO's aggregation with the options applied in
// order: [CustomMergeStrategy], [ForComponent], [IgnoreComponents]. nil
// options are skipped.
func NewAggregator(opts ...AggregateOption) HCOAggregator {
	var o AggregateOptions
	for _, opt := range opts {
		if opt != nil {
			opt.ApplyToAggregate(&o)
		}
	}
	return HCOAggregator{opts: o}
}

// custom reports whether any component is merged other than by HCO's rule.
func (a HCOAggregator) custom() bool {
	return a.opts.merge != nil || len(a.opts.components) > 0
}

// merge records one component with its strategy. HCO's own merge works on
// p in place; another works on a Recorder holding a copy of p, copied back,
// so the default path never moves p to the heap.
func (a HCOAggregator) merge(p *pass, c Component) bool {
	st := a.opts.merge
	if s, ok := a.opts.components[c.Name]; ok {
		st = s
	}
	if st == nil {
		return p.component(c)
	}
	if _, ok := st.(HCOMerge); ok {
		return p.component(c)
	}
	r := &Recorder{p: *p}
	ready := st.Merge(c, r)
	*p = r.p
	return ready
}
