package update

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/workload"
)

// Sentinel causes of the plans' refusals; a *RefusalError wraps one.
var (
	// ErrBadRequest: a field of the request is missing or malformed.
	ErrBadRequest = errors.New("bad plan request")
	// ErrWrongKind: the update is not of the kind the plan builds.
	ErrWrongKind = errors.New("not an update of this kind")
	// ErrNothingToDo: the cluster already runs the target.
	ErrNothingToDo = errors.New("nothing to update")
)

// RefusalError says why a plan cannot be built and what to do instead.
type RefusalError struct {
	// Err is the cause, one of the sentinels (errors.Is).
	Err error
	// Field names the request field at fault, when one is ("To").
	Field string
	// Detail says what is wrong, naming the values.
	Detail string
	// Instead says what to do.
	Instead string
}

// Error renders the cause, the detail and what to do instead.
func (e *RefusalError) Error() string {
	s := e.Err.Error()
	if e.Field != "" {
		s += ": " + e.Field
	}
	s += ": " + e.Detail
	if e.Instead != "" {
		s += "; instead: " + e.Instead
	}
	return s
}

// Unwrap returns the cause.
func (e *RefusalError) Unwrap() error { return e.Err }

// Request describes an update to plan.
type Request struct {
	// From are the versions the cluster runs: OpenShift (required) and
	// OpenShift Virtualization (optional; from 4.8 on it is assumed to be on
	// OpenShift's minor when empty).
	From Versions
	// To is the target OpenShift version; empty (or From.OCP) for an update
	// of OpenShift Virtualization alone.
	To string
	// CNV is the OpenShift Virtualization version expected at the end.
	// Empty means the newest z-stream of the target minor: taken from
	// CNVCatalog when given, else whatever the channel offers when the plan
	// runs.
	CNV string
	// CNVCatalog lists the OpenShift Virtualization versions the stable
	// channel offers.
	CNVCatalog []string
	// Via is the intermediate OpenShift version of an EUS-to-EUS update
	// (a release of the odd minor); empty means the newest one the graph
	// offers, or else the ClusterVersion when the step runs.
	Via string
	// Graph, when not nil, is the update graph: pre-flight checks the
	// target is reachable in it, and EUS plans pick Via from it.
	Graph *channel.Graph
	// AllowConditional lets the path take conditional updates, accepting
	// every risk.
	AllowConditional bool
	// AcceptRisks names the risks of conditional updates the path may take
	// (as `oc adm upgrade recommend --accept` names them); any other risk on
	// the path refuses the plan.
	AcceptRisks []string
	// Hops are the OpenShift releases the platform goes through, after
	// From.OCP and ending with To, as an earlier plan found them in its
	// graph (Plan.Request has them); used when Graph is nil, so that a plan
	// resumed from its checkpoint takes the same path.
	Hops []string
	// Compatibility says which operator versions run on which platform
	// versions; nil means channel.OpenShift{}. The plan's pre-flight checks
	// and its operator steps use it.
	Compatibility channel.Compatibility
	// Strategy is the workload update Strategy the cluster follows when it
	// is not KubeVirt's (see PreflightOptions.Strategy).
	Strategy workload.Strategy
	// WithoutCNV says the cluster has no OpenShift Virtualization: the plan
	// updates the platform alone, with no operator step and no workload
	// step.
	WithoutCNV bool
	// Force runs the plan despite Error findings of the pre-flight checks.
	Force bool
	// Namespace and Subscription locate the operator; empty means
	// DefaultNamespace and DefaultSubscriptionName.
	Namespace, Subscription string
}

// Parsed is a request with its versions read.
type Parsed struct {
	OCP, To channel.Version
	// CNV is zero when the request does not say.
	CNV channel.Version
	// CNVMinor is the OpenShift Virtualization minor the cluster runs.
	CNVMinor channel.Minor
	Catalog  []channel.Version
}

// Parse checks the request's versions and reads them.
func (r Request) Parse() (Parsed, error) {
	var p Parsed
	var err error
	if r.From.OCP == "" {
		return p, &RefusalError{Err: ErrBadRequest, Field: "From.OCP", Detail: "the current OpenShift version is required", Instead: "give it, e.g. 4.14.20"}
	}
	if p.OCP, err = channel.ParseVersion(r.From.OCP); err != nil {
		return p, &RefusalError{Err: ErrBadRequest, Field: "From.OCP", Detail: err.Error(), Instead: "give a version like 4.14.20"}
	}
	p.To = p.OCP
	if r.To != "" {
		if p.To, err = channel.ParseVersion(r.To); err != nil {
			return p, &RefusalError{Err: ErrBadRequest, Field: "To", Detail: err.Error(), Instead: "give a version like 4.16.3"}
		}
	}
	if r.WithoutCNV && (r.From.CNV != "" || r.CNV != "" || len(r.CNVCatalog) > 0) {
		return p, &RefusalError{Err: ErrBadRequest, Field: "WithoutCNV", Detail: "the cluster has no OpenShift Virtualization, yet the request names its versions",
			Instead: "leave the OpenShift Virtualization versions out, or plan with them"}
	}
	if r.WithoutCNV {
		return p, nil
	}
	if r.From.CNV != "" {
		if p.CNV, err = channel.ParseVersion(r.From.CNV); err != nil {
			return p, &RefusalError{Err: ErrBadRequest, Field: "From.CNV", Detail: err.Error(), Instead: "give a version like 4.14.3"}
		}
		p.CNVMinor = p.CNV.MinorVersion()
	} else {
		m := p.OCP.MinorVersion()
		if m.Compare(channel.Minor{Major: 4, Minor: 8}) < 0 {
			return p, &RefusalError{Err: ErrBadRequest, Field: "From.CNV", Detail: "before 4.8 the OpenShift Virtualization version differs from OpenShift's (2.x)",
				Instead: "give the OpenShift Virtualization version too (OCP/CNV, e.g. 4.6.40/2.5.8)"}
		}
		p.CNVMinor = m
	}
	if err := r.checkCNV(&p); err != nil {
		return p, err
	}
	for i, v := range r.CNVCatalog {
		cv, err := channel.ParseVersion(v)
		if err != nil {
			return p, &RefusalError{Err: ErrBadRequest, Field: fmt.Sprintf("CNVCatalog[%d]", i), Detail: err.Error(), Instead: "list versions like 4.15.2"}
		}
		p.Catalog = append(p.Catalog, cv)
	}
	if r.CNV != "" {
		v, err := channel.ParseVersion(r.CNV)
		if err != nil {
			return p, &RefusalError{Err: ErrBadRequest, Field: "CNV", Detail: err.Error(), Instead: "give a version like 4.16.2"}
		}
		want := p.CNVMinor
		if p.CNVBehind() {
			want = p.OCP.MinorVersion() // the plan catches it up first
		}
		if channel.Classify(p.OCP, p.To) != channel.UpdateNone && channel.Classify(p.OCP, p.To) != channel.UpdateZStream {
			want = p.To.MinorVersion()
		}
		if p.To.MinorVersion().Compare(channel.Minor{Major: 4, Minor: 8}) >= 0 && v.MinorVersion() != want {
			return p, &RefusalError{Err: ErrBadRequest, Field: "CNV", Detail: fmt.Sprintf("%s is not a release of OpenShift Virtualization %s, the minor the update ends on", v, want),
				Instead: "give a " + want.String() + ".z version, or leave it out for the newest one"}
		}
		if !p.CNV.IsZero() && v.Compare(p.CNV) < 0 {
			return p, &RefusalError{Err: ErrBadRequest, Field: "CNV", Detail: fmt.Sprintf("%s is older than the %s the cluster runs", v, p.CNV), Instead: "give a newer version"}
		}
		if len(p.Catalog) > 0 && !slices.ContainsFunc(p.Catalog, func(c channel.Version) bool { return c.Compare(v) == 0 }) {
			return p, &RefusalError{Err: ErrBadRequest, Field: "CNV", Detail: fmt.Sprintf("%s is not in the catalog (%s)", v, strings.Join(r.CNVCatalog, ", ")),
				Instead: "give a version the stable channel offers, or leave it out for the newest one"}
		}
	}
	return p, nil
}

// checkCNV refuses an OpenShift Virtualization that leads OpenShift or is
// more than one minor behind it: neither is a state an update starts from
// (CNV 4.y runs on OCP 4.y; during a minor update OpenShift moves first, so
// CNV may be one minor behind).
func (r Request) checkCNV(p *Parsed) error {
	if p.CNV.IsZero() || p.OCP.MinorVersion().Compare(channel.Minor{Major: 4, Minor: 8}) < 0 {
		return nil
	}
	cm, om := p.CNV.MinorVersion(), p.OCP.MinorVersion()
	switch {
	case cm.Compare(om) > 0:
		return &RefusalError{Err: ErrBadRequest, Field: "From.CNV", Detail: fmt.Sprintf("OpenShift Virtualization %s leads OpenShift %s: CNV %s runs only on OpenShift %s", p.CNV, p.OCP, cm, cm),
			Instead: "give the versions the cluster runs (oc get clusterversion; oc get csv -n " + DefaultNamespace + ")"}
	case cm != om:
		if prev, ok := om.Previous(); !ok || prev != cm {
			return &RefusalError{Err: ErrBadRequest, Field: "From.CNV", Detail: fmt.Sprintf("OpenShift Virtualization %s is more than one minor behind OpenShift %s: the cluster is unsupported", p.CNV, p.OCP),
				Instead: "update OpenShift Virtualization minor by minor to " + om.String() + " first"}
		}
	}
	return nil
}

// SavedRequest is the part of a Request a checkpoint keeps, so that
// another process rebuilds the same plan (same steps, same path) without
// the graph or the flags it was built from.
type SavedRequest struct {
	From        Versions `json:"from"`
	To          string   `json:"to"`
	CNV         string   `json:"cnv,omitempty"`
	CNVCatalog  []string `json:"cnvCatalog,omitempty"`
	Via         string   `json:"via,omitempty"`
	Hops        []string `json:"hops,omitempty"`
	AcceptRisks []string `json:"acceptRisks,omitempty"`
	Force       bool     `json:"force,omitempty"`
	WithoutCNV  bool     `json:"withoutCNV,omitempty"`
	Namespace   string   `json:"namespace,omitempty"`
	// Subscription is the Subscription's name.
	Subscription string `json:"subscription,omitempty"`
}

// Resumable is the request as a checkpoint keeps it, with the hops the
// plan found.
func (r Request) Resumable(hops []string) *SavedRequest {
	return &SavedRequest{From: r.From, To: r.To, CNV: r.CNV, CNVCatalog: r.CNVCatalog, Via: r.Via, Hops: hops,
		AcceptRisks: r.AcceptRisks, Force: r.Force, WithoutCNV: r.WithoutCNV, Namespace: r.Namespace, Subscription: r.Subscription}
}

// Request rebuilds the request.
func (s SavedRequest) Request() Request {
	return Request{From: s.From, To: s.To, CNV: s.CNV, CNVCatalog: s.CNVCatalog, Via: s.Via, Hops: s.Hops,
		AcceptRisks: s.AcceptRisks, Force: s.Force, WithoutCNV: s.WithoutCNV, Namespace: s.Namespace, Subscription: s.Subscription}
}

// CNVTarget is the OpenShift Virtualization target of a minor: the
// request's CNV when it is of that minor, else the newest version of the
// minor in the catalog newer than after, else the minor alone (the newest
// z the channel offers when the plan runs). ok is false when the catalog
// is given and holds nothing newer.
func (r Request) CNVTarget(p Parsed, minor channel.Minor, after channel.Version) (t OperatorTarget, ok bool) {
	t = OperatorTarget{Minor: minor, Namespace: r.Namespace, Subscription: r.Subscription}
	if r.CNV != "" {
		if v, err := channel.ParseVersion(r.CNV); err == nil && v.MinorVersion() == minor {
			t.Version = v.String()
			return t, after.IsZero() || v.Compare(after) > 0
		}
	}
	if len(p.Catalog) == 0 {
		return t, true
	}
	var best channel.Version
	for _, v := range p.Catalog {
		if v.MinorVersion() != minor || (!after.IsZero() && v.Compare(after) <= 0) {
			continue
		}
		if best.IsZero() || v.Compare(best) > 0 {
			best = v
		}
	}
	if best.IsZero() {
		return t, false
	}
	t.Version = best.String()
	return t, true
}

// NewPlan builds the plan for the request's kind of update: a z-stream or
// a minor update. An EUS-to-EUS update is refused with ErrWrongKind: build
// it with eus.Plan.
func NewPlan(r Request) (*Plan, error) {
	p, err := r.Parse()
	if err != nil {
		return nil, err
	}
	if r.Via != "" && channel.Classify(p.OCP, p.To) != channel.UpdateSkipMinor {
		return nil, &RefusalError{Err: ErrBadRequest, Field: "Via", Detail: fmt.Sprintf("%s applies only to an EUS-to-EUS update; %s → %s is not one", r.Via, p.OCP, p.To),
			Instead: "leave it out: the path follows the graph"}
	}
	switch channel.Classify(p.OCP, p.To) {
	case channel.UpdateNone, channel.UpdateZStream:
		return ZStreamPlan(r)
	case channel.UpdateMinor:
		return MinorPlan(r)
	case channel.UpdateSkipMinor:
		return nil, &RefusalError{Err: ErrWrongKind, Field: "To", Detail: fmt.Sprintf("%s → %s skips a minor; minor updates go one at a time", p.OCP, p.To),
			Instead: "from an EUS minor to the next EUS minor, use an EUS-to-EUS plan (eus.Plan); otherwise update to " + p.OCP.MinorVersion().Next().String() + " first"}
	}
	return nil, &RefusalError{Err: ErrWrongKind, Field: "To", Detail: fmt.Sprintf("%s → %s is not a supported update (%s)", p.OCP, p.To, channel.Classify(p.OCP, p.To)),
		Instead: "updates go forward, one minor at a time (and 4.22 → 5.0)"}
}

func (r Request) preflight(kind Kind, p Parsed) PreflightOptions {
	return PreflightOptions{Kind: kind, From: Versions{OCP: p.OCP.String()}, To: p.To.String(), Graph: r.Graph,
		AllowConditional: r.AllowConditional, AcceptRisks: r.AcceptRisks, Force: r.Force, Compatibility: r.Compatibility, Strategy: r.Strategy}
}

// CNVBehind reports whether OpenShift Virtualization runs one minor behind
// OpenShift (from 4.8 on, where their minors are aligned): the state an
// OpenShift minor update leaves until the operator follows it.
func (p Parsed) CNVBehind() bool {
	if p.CNV.IsZero() || p.OCP.MinorVersion().Compare(channel.Minor{Major: 4, Minor: 8}) < 0 {
		return false
	}
	return p.CNVMinor.Next() == p.OCP.MinorVersion()
}

// CatchUpCNV returns the steps that take an OpenShift Virtualization one
// minor behind OpenShift up to OpenShift's minor before anything else
// moves: first the newest z of its own minor (OLM's stable channel offers
// the next minor only from it), then the newest z of OpenShift's minor,
// since OpenShift Virtualization 4.y is supported on OpenShift 4.y only and
// the next OpenShift minor would leave it two behind. It also returns p as
// the cluster is after them. With CNV on OpenShift's minor there is
// nothing to catch up: no steps, and p as it is.
func (r Request) CatchUpCNV(p Parsed) ([]Step, Parsed) {
	if r.WithoutCNV || !p.CNVBehind() {
		return nil, p
	}
	first := r.CurrentMinorCNV(p)
	ocpMinor := p.OCP.MinorVersion()
	t, _ := r.CNVTarget(p, ocpMinor, channel.Version{})
	after := p
	after.CNVMinor = ocpMinor
	after.CNV = channel.Version{}
	if v, err := channel.ParseVersion(t.Version); err == nil {
		after.CNV = v
	}
	return []Step{first, UpdateOperator(t)}, after
}

// CurrentMinorCNV is the step that first takes OpenShift Virtualization to
// the newest z of the minor it runs, the documented jump straight to the
// latest z-stream, before it follows OpenShift to the next minor: OLM's
// stable channel offers the next minor only from the newest z, and with
// Manual approval the InstallPlan for that z comes first.
func (r Request) CurrentMinorCNV(p Parsed) Step {
	t, _ := Request{CNVCatalog: r.CNVCatalog, Namespace: r.Namespace, Subscription: r.Subscription}.CNVTarget(p, p.CNVMinor, p.CNV)
	if t.Version == "" && !p.CNV.IsZero() && len(p.Catalog) > 0 {
		t.Version = p.CNV.String() // the catalog offers nothing newer
	}
	return UpdateOperator(t)
}

// ZStreamPlan plans a z-stream update: OpenShift to a newer z of its minor
// when To says so (then the pools roll it out), and OpenShift
// Virtualization straight to the newest z of its minor, skipping the ones
// between, then the workload updates are verified.
func ZStreamPlan(r Request) (*Plan, error) {
	p, err := r.Parse()
	if err != nil {
		return nil, err
	}
	kind := channel.Classify(p.OCP, p.To)
	if kind != channel.UpdateNone && kind != channel.UpdateZStream {
		return nil, &RefusalError{Err: ErrWrongKind, Field: "To", Detail: fmt.Sprintf("%s → %s is not a z-stream update (%s)", p.OCP, p.To, kind),
			Instead: "plan it with NewPlan, which picks the kind"}
	}
	plan := &Plan{Kind: KindZStream, From: Versions{OCP: p.OCP.String(), CNV: r.From.CNV}, To: Versions{OCP: p.To.String()},
		Preflight: r.preflight(KindZStream, p)}
	hops, found, err := r.PlatformPath(p, "")
	if err != nil {
		return nil, err
	}
	plan.Path, plan.Findings = append([]string{p.OCP.String()}, hops...), []Finding{found}
	plan.Request = r.Resumable(hops)
	plan.Preflight.Findings = plan.Findings
	plan.Steps = append(plan.Steps, PreflightStep(plan.Preflight))
	if kind == channel.UpdateZStream {
		plan.Steps = append(plan.Steps, PlatformSteps(hops)...)
		plan.Steps = append(plan.Steps, WaitPoolsUpdated("wait-pools-"+p.To.MinorVersion().String()))
	}
	t, ok := r.CNVTarget(p, p.CNVMinor, p.CNV)
	catchUp, caught := r.CatchUpCNV(p)
	switch {
	case r.WithoutCNV:
	case len(catchUp) > 0:
		plan.To.CNV = caught.CNV.String()
		if caught.CNV.IsZero() {
			plan.To.CNV = ""
		}
		plan.Steps = append(plan.Steps, catchUp...)
		plan.Steps = append(plan.Steps, VerifyWorkloads())
	case ok:
		plan.To.CNV = t.Version
		plan.Steps = append(plan.Steps, UpdateOperator(t), VerifyWorkloads())
	default:
		plan.Notes = append(plan.Notes, "the catalog offers no OpenShift Virtualization release newer than "+p.CNV.String()+" in "+p.CNVMinor.String())
	}
	if len(plan.Steps) == 1 {
		return nil, &RefusalError{Err: ErrNothingToDo, Detail: "OpenShift is at " + p.OCP.String() + " and the catalog offers no newer OpenShift Virtualization " + p.CNVMinor.String() + ".z",
			Instead: "nothing; or give a newer target"}
	}
	return plan, nil
}

// MinorPlan plans a minor update: wait for HCO Upgradeable, OpenShift 4.y
// → 4.y+1, the pools roll it out, then OpenShift Virtualization follows to
// the newest z of its next minor (never before OpenShift), then the
// workload updates are verified.
func MinorPlan(r Request) (*Plan, error) {
	p, err := r.Parse()
	if err != nil {
		return nil, err
	}
	if kind := channel.Classify(p.OCP, p.To); kind != channel.UpdateMinor {
		return nil, &RefusalError{Err: ErrWrongKind, Field: "To", Detail: fmt.Sprintf("%s → %s is not a minor update (%s)", p.OCP, p.To, kind),
			Instead: "plan it with NewPlan, which picks the kind (or eus.Plan for EUS to EUS)"}
	}
	m := p.To.MinorVersion()
	var t OperatorTarget
	catchUp, caught := r.CatchUpCNV(p)
	if !r.WithoutCNV {
		cnvMinor, err := channel.NextCNVMinor(caught.CNVMinor)
		if err != nil {
			return nil, &RefusalError{Err: ErrBadRequest, Field: "From.CNV", Detail: err.Error(), Instead: "give the OpenShift Virtualization version the cluster runs"}
		}
		t, _ = r.CNVTarget(p, cnvMinor, channel.Version{})
	}
	plan := &Plan{Kind: KindMinor, From: Versions{OCP: p.OCP.String(), CNV: r.From.CNV}, To: Versions{OCP: p.To.String(), CNV: t.Version},
		Preflight: r.preflight(KindMinor, p)}
	hops, found, err := r.PlatformPath(p, "")
	if err != nil {
		return nil, err
	}
	plan.Path, plan.Findings = append([]string{p.OCP.String()}, hops...), []Finding{found}
	plan.Request = r.Resumable(hops)
	plan.Preflight.Findings = plan.Findings
	plan.Steps = []Step{PreflightStep(plan.Preflight)}
	if r.WithoutCNV {
		plan.Steps = append(plan.Steps, SetChannel(p.To, false))
		plan.Steps = append(plan.Steps, PlatformSteps(hops)...)
		plan.Steps = append(plan.Steps, WaitPoolsUpdated("wait-pools-"+m.String()))
		return plan, nil
	}
	switch {
	case len(catchUp) > 0:
		plan.Steps = append(plan.Steps, catchUp...)
	case p.CNVMinor == p.OCP.MinorVersion():
		plan.Steps = append(plan.Steps, r.CurrentMinorCNV(p))
	}
	plan.Steps = append(plan.Steps, WaitUpgradeable("wait-upgradeable"), SetChannel(p.To, false))
	plan.Steps = append(plan.Steps, PlatformSteps(hops)...)
	plan.Steps = append(plan.Steps,
		WaitPoolsUpdated("wait-pools-"+m.String()),
		UpdateOperator(t),
		VerifyWorkloads(),
	)
	return plan, nil
}
