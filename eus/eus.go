package eus

import (
	"context"
	"errors"
	"fmt"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// Sentinel causes of Plan's refusals; a *update.RefusalError wraps one.
var (
	// ErrNotEUS: the source is not on an EUS minor.
	ErrNotEUS = errors.New("the source is not an EUS release")
	// ErrNotNextEUS: the target is not on the EUS minor after the source's.
	ErrNotNextEUS = errors.New("the target is not the next EUS release")
	// ErrOnOddMinor: the cluster is already on the odd minor between two
	// EUS minors.
	ErrOnOddMinor = errors.New("the cluster is already on the odd minor")
	// ErrBelowMinimum: a version is older than a documented minimum of the
	// EUS procedure.
	ErrBelowMinimum = errors.New("below the documented minimum")
)

// PausedPoolsMinimum is the oldest release the paused-pool procedure
// starts from: 4.8.14, for 4.8 → 4.10. EUS updates from 4.6 run without
// pausing the pools.
var PausedPoolsMinimum = channel.MustParseVersion("4.8.14")

// RHEL94Minor is 4.16, whose launchers (RHEL 9.4) must all be updated
// before the cluster leaves it.
var RHEL94Minor = channel.Minor{Major: 4, Minor: 16}

// Note416 is the note Plan adds when 4.16 is the target or the source.
const Note416 = "4.16 (RHEL 9.4): workload updates are re-enabled on reaching 4.16, so that every virt-launcher pod runs the 4.16 version before the next update; " +
	"planning from 4.16, VMIs still on an older launcher are an Error of the pre-flight checks"

// Plan plans an EUS-to-EUS update from r.From.OCP (an EUS release) to r.To
// (a release of the next EUS minor). r.Via, or else the graph, or else the
// ClusterVersion when the step runs, gives the odd-minor release; r.CNV
// and r.CNVCatalog the OpenShift Virtualization versions (else the newest
// z of each minor the channel offers when the step runs).
func Plan(r update.Request) (*update.Plan, error) {
	// The minors first: a wrong kind of update is the first thing to say.
	if from, err := channel.ParseVersion(r.From.OCP); err == nil {
		if to, err := channel.ParseVersion(r.To); err == nil {
			if err := checkMinors(from.MinorVersion(), to.MinorVersion(), update.Parsed{OCP: from, To: to}); err != nil {
				return nil, err
			}
		}
	}
	p, err := r.Parse()
	if err != nil {
		return nil, err
	}
	if err := checkMinors(p.OCP.MinorVersion(), p.To.MinorVersion(), p); err != nil {
		return nil, err
	}
	src, dst := p.OCP.MinorVersion(), p.To.MinorVersion()
	odd := src.Next()
	via, err := pickVia(r, p, odd)
	if err != nil {
		return nil, err
	}
	paused := p.OCP.Compare(PausedPoolsMinimum) >= 0
	if src == (channel.Minor{Major: 4, Minor: 8}) && !paused {
		return nil, &update.RefusalError{Err: ErrBelowMinimum, Field: "From.OCP",
			Detail:  fmt.Sprintf("the paused-pool EUS procedure from 4.8 needs %s or later, the cluster runs %s", PausedPoolsMinimum, p.OCP),
			Instead: "update to the newest 4.8.z (at least " + PausedPoolsMinimum.String() + ") first, then plan again"}
	}
	var oddTarget, dstTarget update.OperatorTarget
	catchUp, caught := r.CatchUpCNV(p)
	if !r.WithoutCNV {
		cnvOdd, err := channel.NextCNVMinor(caught.CNVMinor)
		if err != nil {
			return nil, &update.RefusalError{Err: update.ErrBadRequest, Field: "From.CNV", Detail: err.Error(), Instead: "give the OpenShift Virtualization version the cluster runs"}
		}
		cnvDst, err := channel.NextCNVMinor(cnvOdd)
		if err != nil {
			return nil, &update.RefusalError{Err: update.ErrBadRequest, Field: "From.CNV", Detail: err.Error(), Instead: "give the OpenShift Virtualization version the cluster runs"}
		}
		oddTarget, _ = update.Request{CNVCatalog: r.CNVCatalog, Namespace: r.Namespace, Subscription: r.Subscription}.CNVTarget(p, cnvOdd, channel.Version{})
		dstTarget, _ = r.CNVTarget(p, cnvDst, channel.Version{})
	}

	plan := &update.Plan{Kind: update.KindEUS, From: update.Versions{OCP: p.OCP.String(), CNV: r.From.CNV},
		To: update.Versions{OCP: p.To.String(), CNV: dstTarget.Version}}
	pre := update.PreflightOptions{Kind: update.KindEUS, From: update.Versions{OCP: p.OCP.String()}, To: p.To.String(),
		Graph: r.Graph, AllowConditional: r.AllowConditional, AcceptRisks: r.AcceptRisks, Force: r.Force, Extra: oddMinorCheck(src, dst),
		Compatibility: r.Compatibility, Strategy: r.Strategy}
	if src == RHEL94Minor {
		pre.OutdatedSeverity = update.SeverityError
	}
	if src == RHEL94Minor || dst == RHEL94Minor {
		plan.Notes = append(plan.Notes, Note416)
	}
	if floor, ok := channel.EUSFloor(dst); ok {
		plan.Notes = append(plan.Notes, fmt.Sprintf("eus-%s takes only %s and later from %s: the intermediate release is %s or later", dst, floor, odd, floor))
	}

	pathVia := via
	if r.Via == "" && r.Graph != nil {
		pathVia = "" // the graph's own path, through whichever odd-minor release it takes
	}
	hops, found, err := r.PlatformPath(p, pathVia)
	if err != nil {
		return nil, err
	}
	plan.Path, plan.Findings = append([]string{p.OCP.String()}, hops...), []update.Finding{found}
	plan.Request = r.Resumable(hops)
	pre.Findings = plan.Findings
	// The hops by minor: those before the odd minor (a z of the source),
	// the odd minor's, and the target minor's.
	var early, oddHops, dstHops []string
	for _, h := range hops {
		v, err := channel.ParseVersion(h)
		switch {
		case err != nil:
		case v.MinorVersion() == odd:
			oddHops = append(oddHops, h)
		case v.MinorVersion() == dst:
			dstHops = append(dstHops, h)
		default:
			early = append(early, h)
		}
	}
	oddSteps := update.PlatformSteps(oddHops)
	if len(oddSteps) == 0 {
		oddSteps = []update.Step{update.UpdatePlatform("", odd)} // picked from the ClusterVersion when it runs
	}

	plan.Preflight = pre
	steps := []update.Step{update.PreflightStep(pre)}
	if paused {
		steps = append(steps, update.PauseWorkerPools())
	} else {
		plan.Notes = append(plan.Notes, "the paused-pool procedure starts with 4.8 → 4.10 (from "+PausedPoolsMinimum.String()+"): from "+src.String()+" the worker pools are not paused, and workers reboot at each minor")
	}
	if r.WithoutCNV {
		// The platform alone: the channel and the hops, with the workers
		// paused so they reboot once.
		steps = append(steps, update.SetChannel(p.To, true))
		steps = append(steps, update.PlatformSteps(early)...)
		steps = append(steps, oddSteps...)
		steps = append(steps, update.PlatformSteps(dstHops)...)
	} else {
		steps = append(steps, update.DisableWorkloadUpdates())
		switch {
		case len(catchUp) > 0:
			steps = append(steps, catchUp...)
		case p.CNVMinor == src:
			steps = append(steps, r.CurrentMinorCNV(p))
		}
		steps = append(steps,
			update.WaitUpgradeable("wait-upgradeable-"+src.String()),
			update.SetChannel(p.To, true))
		steps = append(steps, update.PlatformSteps(early)...)
		steps = append(steps, oddSteps...)
		steps = append(steps,
			update.UpdateOperator(oddTarget),
			update.WaitUpgradeable("wait-upgradeable-"+odd.String()))
		steps = append(steps, update.PlatformSteps(dstHops)...)
		steps = append(steps,
			update.UpdateOperator(dstTarget),
			update.RestoreWorkloadUpdates(),
			update.VerifyWorkloads(),
		)
	}
	if paused {
		steps = append(steps, update.UnpauseWorkerPools())
	} else {
		steps = append(steps, update.WaitPoolsUpdated("wait-pools-"+dst.String()))
	}
	if dst == RHEL94Minor {
		for i := range steps {
			if steps[i].Name == "restore-workload-updates" {
				steps[i].Description += " (on 4.16 this re-enables workload updates so every virt-launcher pod runs the 4.16 version before the next update)"
			}
		}
	}
	plan.Steps = steps
	return plan, nil
}

// NewPlan builds the plan for any kind of update, as `virtupdate plan`
// does: EUS-to-EUS (Plan) when the target is two minors ahead, else a
// z-stream or minor plan (update.NewPlan), which refuses what is neither.
func NewPlan(r update.Request) (*update.Plan, error) {
	from, err1 := channel.ParseVersion(r.From.OCP)
	to, err2 := channel.ParseVersion(r.To)
	if err1 == nil && err2 == nil && channel.Classify(from, to) == channel.UpdateSkipMinor {
		return Plan(r)
	}
	return update.NewPlan(r)
}

// checkMinors refuses a source that is not EUS, a target that is not the
// next EUS, and a cluster on the odd minor.
func checkMinors(src, dst channel.Minor, p update.Parsed) error {
	if !channel.IsEUS(src) {
		if prev, ok := src.Previous(); ok && channel.IsEUS(prev) {
			if next, ok := channel.NextEUS(src); ok && next == dst {
				return &update.RefusalError{Err: ErrOnOddMinor, Field: "From.OCP",
					Detail:  fmt.Sprintf("the cluster runs %s, already on %s, the odd minor between %s and %s", p.OCP, src, prev, dst),
					Instead: fmt.Sprintf("if an EUS run from %s was interrupted, run that same plan again: it resumes from its checkpoint; otherwise finish with a minor update %s → %s", prev, src, dst)}
			}
		}
		return &update.RefusalError{Err: ErrNotEUS, Field: "From.OCP",
			Detail:  fmt.Sprintf("%s is not an EUS minor (EUS minors are the even ones from 4.6 to 4.22)", src),
			Instead: "update one minor at a time to the next EUS minor first"}
	}
	next, ok := channel.NextEUS(src)
	if !ok {
		return &update.RefusalError{Err: ErrNotNextEUS, Field: "To", Detail: fmt.Sprintf("no EUS minor follows %s", src),
			Instead: "update one minor at a time"}
	}
	if dst != next {
		instead := fmt.Sprintf("plan to %s first: EUS-to-EUS goes to the next EUS minor only", next)
		switch {
		case dst == src:
			instead = "this is a z-stream update: plan it with update.ZStreamPlan"
		case dst == src.Next():
			instead = "this is a minor update: plan it with update.MinorPlan"
		}
		return &update.RefusalError{Err: ErrNotNextEUS, Field: "To",
			Detail: fmt.Sprintf("%s is on %s; the next EUS minor after %s is %s", p.To, dst, src, next), Instead: instead}
	}
	return nil
}

// pickVia returns the odd-minor release: r.Via, checked; else the graph's
// path; else "" (the ClusterVersion's newest, when the step runs).
func pickVia(r update.Request, p update.Parsed, odd channel.Minor) (string, error) {
	floor, hasFloor := channel.EUSFloor(odd.Next())
	if r.Via != "" {
		v, err := channel.ParseVersion(r.Via)
		if err != nil {
			return "", &update.RefusalError{Err: update.ErrBadRequest, Field: "Via", Detail: err.Error(), Instead: "give a version like 4.15.30"}
		}
		if v.MinorVersion() != odd {
			return "", &update.RefusalError{Err: update.ErrBadRequest, Field: "Via", Detail: fmt.Sprintf("%s is not a release of %s", v, odd),
				Instead: "give a " + odd.String() + " release"}
		}
		if hasFloor && v.Compare(floor) < 0 {
			return "", &update.RefusalError{Err: ErrBelowMinimum, Field: "Via",
				Detail:  fmt.Sprintf("eus-%s takes only %s and later from %s; %s is older", odd.Next(), floor, odd, v),
				Instead: "go through " + floor.String() + " or a later " + odd.String() + " release"}
		}
		return v.String(), nil
	}
	if r.Graph != nil {
		path, err := r.Graph.FindPath(p.OCP.String(), p.To.String(), channel.PathOptions{AllowConditional: r.AllowConditional})
		if err == nil {
			via := ""
			for _, v := range path.Versions() {
				if pv, err := channel.ParseVersion(v); err == nil && pv.MinorVersion() == odd {
					via = v
				}
			}
			if via != "" {
				return via, nil
			}
		}
		// No path: the pre-flight check says why, naming the missing hop.
	}
	return "", nil
}

// oddMinorCheck is the EUS pre-flight check of the cluster itself: it must
// still be on the source minor, not on the odd one.
func oddMinorCheck(src, dst channel.Minor) func(context.Context, update.Cluster) ([]update.Finding, error) {
	return func(ctx context.Context, c update.Cluster) ([]update.Finding, error) {
		cv, err := c.GetClusterVersion(ctx)
		if err != nil {
			return nil, err
		}
		v, err := channel.ParseVersion(cv.CurrentVersion())
		if err != nil {
			return nil, nil
		}
		switch v.MinorVersion() {
		case src:
			return []update.Finding{{Check: "EUSSource", Severity: update.SeverityInfo, Reason: fmt.Sprintf("the cluster runs %s, on EUS minor %s; the target is on %s", v, src, dst)}}, nil
		case src.Next():
			return []update.Finding{{Check: "EUSSource", Severity: update.SeverityError,
				Reason: fmt.Sprintf("the cluster already runs %s, on the odd minor %s", v, src.Next()),
				Remedy: fmt.Sprintf("if this plan was interrupted, its checkpoint resumes it (same checkpoint name); otherwise finish with a minor update to %s", dst)}}, nil
		}
		return []update.Finding{{Check: "EUSSource", Severity: update.SeverityError,
			Reason: fmt.Sprintf("the cluster runs %s, not a %s release", v, src), Remedy: "plan from the version the cluster runs"}}, nil
	}
}
