package update

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
)

// Pre-flight and plan findings about the path and the channel.
const (
	// CheckPath is the plan's platform path: verified in an update graph,
	// or assumed when there is none.
	CheckPath = "UpdatePath"
	// CheckChannel is the ClusterVersion's channel: does it offer the
	// target, and can the plan switch to one that does.
	CheckChannel = "Channel"
)

// ErrRisksNotAccepted: the only path to the target takes conditional
// updates whose risks the request does not accept.
var ErrRisksNotAccepted = errors.New("the path takes conditional updates whose risks are not accepted")

// PlatformPath returns the OpenShift releases a plan updates through, after
// from and ending with to, and a finding that says how they were found.
//
// With a graph the hops are channel.FindPath's: recommended edges only,
// unless the request accepts risks (AllowConditional accepts every risk,
// AcceptRisks the named ones; a path crossing any other risk is refused with
// ErrRisksNotAccepted, as `oc adm upgrade --to` refuses a conditional
// update without --allow-not-recommended). The EUS intermediate is the
// release the path passes through. Without a graph nothing is verified: the
// hops are the releases the request names (from, via, to) and the finding
// is a Warning that names them; no release is invented.
func (r Request) PlatformPath(p Parsed, via string) ([]string, Finding, error) {
	from, to := p.OCP.String(), p.To.String()
	if r.Graph == nil && len(r.Hops) > 0 {
		if r.Hops[len(r.Hops)-1] != to {
			return nil, Finding{}, &RefusalError{Err: ErrBadRequest, Field: "Hops", Detail: fmt.Sprintf("the recorded path %s does not end at %s", strings.Join(r.Hops, " → "), to),
				Instead: "resume with the request the plan was built from"}
		}
		return slices.Clone(r.Hops), Finding{Check: CheckPath, Severity: SeverityInfo,
			Reason: "the update path " + from + " → " + strings.Join(r.Hops, " → ") + ", as the plan found it when it started"}, nil
	}
	if from == to && via == "" {
		return nil, Finding{Check: CheckPath, Severity: SeverityInfo, Reason: "OpenShift stays at " + from}, nil
	}
	if r.Graph == nil {
		hops := []string{}
		assumed := []string{from}
		if via != "" {
			hops = append(hops, via)
			assumed = append(assumed, via)
		} else if channel.Classify(p.OCP, p.To) == channel.UpdateSkipMinor {
			assumed = append(assumed, "the newest "+p.OCP.MinorVersion().Next().String()+".z the ClusterVersion offers")
		}
		if from != to {
			hops = append(hops, to)
			assumed = append(assumed, to)
		}
		return hops, Finding{Check: CheckPath, Severity: SeverityWarning,
			Reason: "the update path is not verified: no update graph was given, so the plan assumes " + strings.Join(assumed, " → ") +
				" and the ClusterVersion's available updates decide when each step runs",
			Remedy: "give the update graph (a file or the update service URL), or plan against the live cluster, whose ClusterVersion lists its available and conditional updates"}, nil
	}
	if from == to {
		return nil, Finding{Check: CheckPath, Severity: SeverityInfo, Reason: "OpenShift stays at " + from}, nil
	}
	if only, ok := r.Graph.OnlyFrom(); ok {
		return r.offeredPath(p, via, only)
	}
	find := func(opts channel.PathOptions) (channel.Path, error) {
		if via != "" {
			return r.joinPaths(from, via, to, opts)
		}
		return r.Graph.FindPath(from, to, opts)
	}
	// Recommended edges, and the conditional ones whose every risk is
	// accepted: an accepted risk never takes the path off a recommended
	// route, and a risk not named keeps its updates out.
	path, err := find(r.pathOptions())
	if err != nil && len(r.AcceptRisks) > 0 && !r.AllowConditional {
		// Only a path through other risks remains: name them.
		if cp, cerr := find(channel.PathOptions{AllowConditional: true}); cerr == nil {
			if rerr := r.checkRisks(cp); rerr != nil {
				return nil, Finding{}, rerr
			}
		}
	}
	if err != nil {
		var nf *channel.VersionNotFoundError
		if errors.As(err, &nf) && nf.Version == from {
			return nil, Finding{}, &RefusalError{Err: err, Field: "From.OCP", Detail: fmt.Sprintf("the cluster's %s is not in the update graph", from),
				Instead: "give the graph of the channel and architecture the cluster follows (a nightly or CI build is in none)"}
		}
		return nil, Finding{}, &RefusalError{Err: err, Field: "To", Detail: fmt.Sprintf("%s is not reachable from %s in the update graph", to, from),
			Instead: "pick a target the graph reaches (virtupdate graph updates), or accept the risks of its conditional updates"}
	}
	if err := r.checkRisks(path); err != nil {
		return nil, Finding{}, err
	}
	hops := path.Versions()[1:]
	reason := "the update path " + strings.Join(path.Versions(), " → ") + " follows the graph's recommended updates"
	if risks := path.RiskNames(); len(risks) > 0 {
		reason = "the update path " + strings.Join(path.Versions(), " → ") + " takes conditional updates; risks accepted: " + strings.Join(risks, ", ")
	}
	return hops, Finding{Check: CheckPath, Severity: SeverityInfo, Reason: reason}, nil
}

// checkRisks refuses a path that crosses a risk the request does not
// accept.
func (r Request) checkRisks(path channel.Path) error {
	if r.AllowConditional {
		return nil
	}
	var refused []string
	for _, n := range path.RiskNames() {
		if !slices.Contains(r.AcceptRisks, n) {
			refused = append(refused, n)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return &RefusalError{Err: ErrRisksNotAccepted, Field: "AcceptRisks",
		Detail:  fmt.Sprintf("the path %s takes conditional updates with the risks %s", strings.Join(path.Versions(), " → "), strings.Join(refused, ", ")),
		Instead: "read each risk (virtupdate graph updates, or oc adm upgrade --include-not-recommended), then accept them by name (--accept-risks " + strings.Join(refused, ",") + "), or pick another target"}
}

// offeredPath is the path through a graph that lists only the updates
// from one release, as a live cluster's ClusterVersion does (see
// [channel.Offered]). The first hop must be one the ClusterVersion offers,
// as `oc adm upgrade --to` refuses a version it does not list; the hops
// after it cannot be verified until the cluster runs the first, so the
// finding is a Warning that names them:
//
//   - the target, when offered, is the one hop;
//   - an EUS-to-EUS update goes through via, or else the newest release of
//     the intermediate minor on offer;
//   - any other target not on offer goes through the newest offered
//     release of the current minor (the documented "update to the latest
//     z-stream first"), when there is one.
func (r Request) offeredPath(p Parsed, via, only string) ([]string, Finding, error) {
	from, to := p.OCP.String(), p.To.String()
	if only != from {
		return nil, Finding{}, &RefusalError{Err: ErrBadRequest, Field: "Graph",
			Detail:  fmt.Sprintf("the graph lists the updates the ClusterVersion offers from %s, but the plan starts from %s", only, from),
			Instead: "plan from the version the cluster runs, or give the update graph (--graph FILE|URL)"}
	}
	hop := func(target string) (channel.Path, error) {
		return r.Graph.FindPath(from, target, r.pathOptions())
	}
	offered := func(minor channel.Minor) string {
		u, err := r.Graph.Updates(from)
		if err != nil {
			return ""
		}
		for _, n := range u.Recommended {
			if n.Version.MinorVersion() == minor && n.Version.Compare(p.To) < 0 {
				return n.Version.String()
			}
		}
		for _, c := range u.Conditional {
			if c.Release.Version.MinorVersion() == minor && c.Release.Version.Compare(p.To) < 0 && r.accepts(c.RiskNames()) {
				return c.Release.Version.String()
			}
		}
		return ""
	}
	first := to
	path, err := hop(to)
	if err != nil && !r.AllowConditional {
		// The target on offer as a conditional update: say which risks to
		// accept rather than route around them.
		if cp, cerr := r.Graph.FindPath(from, to, channel.PathOptions{AllowConditional: true}); cerr == nil {
			return nil, Finding{}, r.checkRisks(cp)
		}
	}
	switch {
	case err == nil:
	case via != "":
		first = via
		path, err = hop(via)
	case channel.Classify(p.OCP, p.To) == channel.UpdateSkipMinor:
		if first = offered(p.OCP.MinorVersion().Next()); first != "" {
			path, err = hop(first)
		}
	default:
		if first = offered(p.OCP.MinorVersion()); first != "" {
			path, err = hop(first)
		}
	}
	if first == "" || err != nil {
		target := to
		if first != "" {
			target = first
		}
		return nil, Finding{}, &RefusalError{Err: channel.ErrNoPath, Field: "To",
			Detail: fmt.Sprintf("%s is not among the updates the ClusterVersion offers from %s (%s)", target, from, r.Graph.OfferedVersions()),
			Instead: "pick a release it offers (oc adm upgrade), accept the risks of a conditional one (--accept-risks), " +
				"or give the update graph (--graph FILE|URL) so that the plan can take several hops"}
	}
	if err := r.checkRisks(path); err != nil {
		return nil, Finding{}, err
	}
	kind := "a recommended update"
	if risks := path.RiskNames(); len(risks) > 0 {
		kind = "a conditional update (risks accepted: " + strings.Join(risks, ", ") + ")"
	}
	if first == to {
		return []string{to}, Finding{Check: CheckPath, Severity: SeverityInfo,
			Reason: "the update path " + from + " → " + to + " is " + kind + " the ClusterVersion offers"}, nil
	}
	return []string{first, to}, Finding{Check: CheckPath, Severity: SeverityWarning,
		Reason: "the update path is verified only to its first hop: " + from + " → " + first + " is " + kind +
			" the ClusterVersion offers; " + first + " → " + to + " is assumed, because a ClusterVersion lists only the updates from the release it runs",
		Remedy: "give the update graph (--graph FILE or the update service URL) to verify the whole path"}, nil
}

// joinPaths is the path from → via → to.
// pathOptions are the request's rules for conditional updates.
func (r Request) pathOptions() channel.PathOptions {
	return channel.PathOptions{AllowConditional: r.AllowConditional, AcceptRisks: r.AcceptRisks}
}

// accepts reports whether the request accepts every one of the risks.
func (r Request) accepts(risks []string) bool {
	if r.AllowConditional {
		return true
	}
	for _, n := range risks {
		if !slices.Contains(r.AcceptRisks, n) {
			return false
		}
	}
	return len(risks) > 0
}

func (r Request) joinPaths(from, via, to string, opts channel.PathOptions) (channel.Path, error) {
	a, err := r.Graph.FindPath(from, via, opts)
	if err != nil {
		return channel.Path{}, err
	}
	b, err := r.Graph.FindPath(via, to, opts)
	if err != nil {
		return channel.Path{}, err
	}
	out := channel.Path{Hops: append(slices.Clone(a.Hops), b.Hops[1:]...), Conditional: append(slices.Clone(a.Conditional), b.Conditional...)}
	seen := map[string]bool{}
	for _, rk := range append(slices.Clone(a.Risks), b.Risks...) {
		if !seen[rk.Name] {
			seen[rk.Name] = true
			out.Risks = append(out.Risks, rk)
		}
	}
	return out, nil
}

// PlatformSteps are the UpdatePlatform steps of the hops, in order. The
// last hop of each minor keeps the name update-ocp-<minor>; an earlier hop
// of the same minor is update-ocp-<version>.
func PlatformSteps(hops []string) []Step {
	var out []Step
	for i, h := range hops {
		v, err := channel.ParseVersion(h)
		if err != nil {
			continue
		}
		m := v.MinorVersion()
		st := UpdatePlatform(h, m)
		if i+1 < len(hops) {
			if nv, err := channel.ParseVersion(hops[i+1]); err == nil && nv.MinorVersion() == m {
				st = updatePlatformNamed("update-ocp-"+h, h, m)
			}
		}
		out = append(out, st)
	}
	return out
}
