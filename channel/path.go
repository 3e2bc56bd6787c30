package channel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PathOptions change how [Graph.FindPath] searches.
type PathOptions struct {
	// AllowConditional lets the path take conditional updates (supported
	// but not recommended until their risks are evaluated). The path
	// reports the risks it crosses.
	AllowConditional bool
	// AcceptRisks, when AllowConditional is false, lets the path take the
	// conditional updates whose every risk is named here, as `oc adm
	// upgrade recommend --accept` accepts risks by name; a conditional
	// update with any other risk stays out of the path.
	AcceptRisks []string
}

// conditional returns which conditional groups a path may take under
// opts: nil when none may.
func (g *Graph) conditional(opts PathOptions) func(group int32) bool {
	switch {
	case opts.AllowConditional:
		return func(int32) bool { return true }
	case len(opts.AcceptRisks) == 0:
		return nil
	}
	ok := make([]bool, len(g.risks))
	for gi, risks := range g.risks {
		ok[gi] = len(risks) > 0
		for _, r := range risks {
			if !slices.Contains(opts.AcceptRisks, r.Name) {
				ok[gi] = false
				break
			}
		}
	}
	return func(group int32) bool { return ok[group] }
}

// Path is a sequence of updates through the graph.
type Path struct {
	// Hops are the releases, starting with the current one and ending with
	// the target. Shared with the graph: do not modify.
	Hops []*Node
	// Conditional[i] is true when the update Hops[i] → Hops[i+1] is a
	// conditional one.
	Conditional []bool
	// Risks are the risks of the conditional updates taken, in path order,
	// each name once.
	Risks []Risk
}

// Versions returns the versions of the hops.
func (p Path) Versions() []string {
	vs := make([]string, len(p.Hops))
	for i, n := range p.Hops {
		vs[i] = n.Version.String()
	}
	return vs
}

// RiskNames returns the names of the risks crossed.
func (p Path) RiskNames() []string {
	names := make([]string, len(p.Risks))
	for i, r := range p.Risks {
		names[i] = r.Name
	}
	return names
}

// ErrNoPath is the cause of a [*NoPathError].
var ErrNoPath = errors.New("no update path")

// NoPathError says why no path leads from one version to another.
type NoPathError struct {
	From, To string
	// GapFrom and GapTo are the minors of the missing hop: the newest minor
	// the current version reaches, and the one after it (the same minor
	// when the target's own minor is reached but not the target). Zero
	// when the versions themselves rule a path out (a downgrade, a major
	// jump).
	GapFrom, GapTo Minor
	// Bridge is the newest GapFrom release with an update into GapTo that
	// leads on to the target, if there is one.
	Bridge string
	// ConditionalPath says a path exists through conditional updates, which
	// were not allowed; ConditionalRisks are the risks it would cross.
	ConditionalPath  bool
	ConditionalRisks []string
	// Reason says what is missing and what to do.
	Reason string
}

// Error renders "no update path from A to B: <reason>".
func (e *NoPathError) Error() string {
	return fmt.Sprintf("no update path from %s to %s: %s", e.From, e.To, e.Reason)
}

// Is makes errors.Is(err, ErrNoPath) true.
func (e *NoPathError) Is(target error) bool { return target == ErrNoPath }

// minorsChain reports whether minor updates one at a time lead from fm to
// tm: within a major, or from 4.y (y ≤ 22) to 5.y through 4.22 → 5.0.
func minorsChain(fm, tm Minor) bool {
	switch {
	case fm.Compare(tm) > 0:
		return false
	case fm.Major == tm.Major:
		return true
	}
	return fm.Major == 4 && fm.Minor <= LastMinorOf4 && tm.Major == 5
}

// FindPath finds the best path of updates from one version to another:
//
//   - every hop is an update of the graph, to a newer release of the same
//     minor or of the next minor (never skipping a minor, never changing
//     major except 4.22 → 5.0);
//   - conditional updates are taken only with opts.AllowConditional;
//   - the path with the fewest hops wins; among those, the one whose
//     intermediate releases are newest, compared hop by hop from the start.
//
// A version missing from the graph is a [*VersionNotFoundError]; when no
// path exists the error is a [*NoPathError] that names the missing hop.
// From equal to to gives a path of one hop and no updates.
func (g *Graph) FindPath(from, to string, opts PathOptions) (Path, error) {
	f, ok := g.find(from)
	if !ok {
		return Path{}, g.notFound(from)
	}
	t, ok := g.find(to)
	if !ok {
		return Path{}, g.notFound(to)
	}
	if f == t {
		return Path{Hops: []*Node{&g.nodes[f]}}, nil
	}
	fv, tv := g.nodes[f].Version, g.nodes[t].Version
	switch k := Classify(fv, tv); k {
	case UpdateNone, UpdateDowngrade:
		return Path{}, &NoPathError{From: fv.String(), To: tv.String(),
			Reason: fmt.Sprintf("%s is not newer than %s, and only updates to newer releases are supported (no rollback)", tv, fv)}
	case UpdateMajor, UpdateSkipMinor:
		if !minorsChain(fv.MinorVersion(), tv.MinorVersion()) {
			return Path{}, &NoPathError{From: fv.String(), To: tv.String(),
				Reason: fmt.Sprintf("minor updates go one at a time, and from %s no sequence of them reaches %s (the only major update is 4.%d → 5.0)",
					fv.MinorVersion(), tv.MinorVersion(), LastMinorOf4)}
		}
	}
	cond := g.conditional(opts)
	dist := g.distances(f, t, cond)
	if dist[f-t] < 0 {
		return Path{}, g.noPath(f, t, dist, opts, cond)
	}
	return g.walk(f, t, dist, cond), nil
}

// hopOK reports whether a → b is an update a path may take: to a strictly
// newer release of the same or the next minor.
func (g *Graph) hopOK(a, b int32) bool {
	if g.prec[b] >= g.prec[a] {
		return false
	}
	am, bm := g.nodes[a].Version.MinorVersion(), g.nodes[b].Version.MinorVersion()
	return am == bm || am.Next() == bm
}

// distances returns, for every node position r in [t, f], the number of
// hops from r to t (-1 when t cannot be reached), indexed by r-t. Nodes are
// ordered newest first and every hop goes to a newer release, so one pass
// from t towards f computes them all.
func (g *Graph) distances(f, t int32, cond func(int32) bool) []int32 {
	dist := make([]int32, f-t+1)
	for r := t + 1; r <= f; r++ {
		best := int32(-1)
		row := g.outTo[g.outStart[r]:g.outStart[r+1]]
		for i := lowerBound(row, t); i < len(row) && row[i] < r; i++ {
			w := row[i]
			if d := dist[w-t]; d >= 0 && (best < 0 || d+1 < best) && !g.isHidden(g.outStart[r]+int32(i)) && g.hopOK(r, w) {
				best = d + 1
			}
		}
		if cond != nil {
			for _, e := range g.condTo[g.condStart[r]:g.condStart[r+1]] {
				if w := e.to; w >= t && w < r && cond(e.group) {
					if d := dist[w-t]; d >= 0 && (best < 0 || d+1 < best) && g.hopOK(r, w) {
						best = d + 1
					}
				}
			}
		}
		dist[r-t] = best
	}
	return dist
}

func lowerBound(row []int32, x int32) int {
	lo, hi := 0, len(row)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if row[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// walk follows the distances from f to t, taking at each hop the newest
// release that is one hop closer.
func (g *Graph) walk(f, t int32, dist []int32, cond func(int32) bool) Path {
	p := Path{Hops: []*Node{&g.nodes[f]}}
	seen := map[string]bool{}
	for cur := f; cur != t; {
		want := dist[cur-t] - 1
		next, group := int32(-1), int32(-1)
		row := g.outTo[g.outStart[cur]:g.outStart[cur+1]]
		for i := lowerBound(row, t); i < len(row) && row[i] < cur; i++ {
			if w := row[i]; dist[w-t] == want && !g.isHidden(g.outStart[cur]+int32(i)) && g.hopOK(cur, w) {
				next = w
				break
			}
		}
		if cond != nil {
			for _, e := range g.condTo[g.condStart[cur]:g.condStart[cur+1]] {
				if w := e.to; w >= t && w < cur && (next < 0 || w < next) && dist[w-t] == want && cond(e.group) && g.hopOK(cur, w) {
					next, group = w, e.group
					break
				}
			}
		}
		p.Hops = append(p.Hops, &g.nodes[next])
		p.Conditional = append(p.Conditional, group >= 0)
		if group >= 0 {
			for _, r := range g.risks[group] {
				if !seen[r.Name] {
					seen[r.Name] = true
					p.Risks = append(p.Risks, r)
				}
			}
		}
		cur = next
	}
	return p
}

// noPath explains why t cannot be reached from f.
func (g *Graph) noPath(f, t int32, dist []int32, opts PathOptions, cond func(int32) bool) error {
	fv, tv := g.nodes[f].Version, g.nodes[t].Version
	e := &NoPathError{From: fv.String(), To: tv.String()}

	// Releases f reaches within [t, f].
	reached := make([]bool, f-t+1)
	reached[f-t] = true
	newest := fv.MinorVersion()
	newestIn := map[Minor]int32{}
	for r := f; r >= t; r-- {
		if !reached[r-t] {
			continue
		}
		m := g.nodes[r].Version.MinorVersion()
		if m.Compare(newest) > 0 {
			newest = m
		}
		newestIn[m] = r // r decreases: the last write is the newest
		row := g.outTo[g.outStart[r]:g.outStart[r+1]]
		for i := lowerBound(row, t); i < len(row) && row[i] < r; i++ {
			if !g.isHidden(g.outStart[r]+int32(i)) && g.hopOK(r, row[i]) {
				reached[row[i]-t] = true
			}
		}
		if cond != nil {
			for _, c := range g.condTo[g.condStart[r]:g.condStart[r+1]] {
				if c.to >= t && c.to < r && cond(c.group) && g.hopOK(r, c.to) {
					reached[c.to-t] = true
				}
			}
		}
	}

	tm := tv.MinorVersion()
	var b strings.Builder
	if newest == tm {
		e.GapFrom, e.GapTo = tm, tm
		fmt.Fprintf(&b, "no update leads to %s from the %s releases %s reaches", tv, tm, fv)
		if r, ok := newestIn[tm]; ok && r != f {
			fmt.Fprintf(&b, " (the newest of them is %s)", g.nodes[r].Version)
		}
		b.WriteString("; pick another target or wait for an update to it to be published")
	} else {
		e.GapFrom, e.GapTo = newest, newest.Next()
		bridge, anyBridge := int32(-1), int32(-1)
		for r := int32(0); r < int32(len(g.nodes)) && bridge < 0; r++ {
			if g.nodes[r].Version.MinorVersion() != e.GapFrom {
				continue
			}
			for _, w := range g.targets(r, cond) {
				if g.nodes[w].Version.MinorVersion() != e.GapTo || !g.hopOK(r, w) {
					continue
				}
				if anyBridge < 0 {
					anyBridge = r
				}
				if w >= t && w <= f && dist[w-t] >= 0 {
					bridge = r
					break
				}
			}
		}
		from := fv.String()
		if newest != fv.MinorVersion() {
			from = "any " + newest.String() + " release reachable from " + fv.String()
		} else if r, ok := newestIn[newest]; ok && r != f {
			from = "any " + newest.String() + " release reachable from " + fv.String() + " (up to " + g.nodes[r].Version.String() + ")"
		}
		fmt.Fprintf(&b, "no update from %s into a %s release that leads to %s", from, e.GapTo, tv)
		switch {
		case bridge >= 0:
			e.Bridge = g.nodes[bridge].Version.String()
			fmt.Fprintf(&b, "; the newest %s that reaches %s on the way to %s is %s", e.GapFrom, e.GapTo, tv, e.Bridge)
			if bridge > f {
				fmt.Fprintf(&b, ", which is older than %s: updates never go back, so wait for an update from a newer %s into %s, or pick an older target", fv, e.GapFrom, e.GapTo)
			} else {
				fmt.Fprintf(&b, ", which %s does not reach", fv)
			}
		case anyBridge >= 0:
			fmt.Fprintf(&b, "; the newest %s with any update into %s is %s, but no such update leads on to %s", e.GapFrom, e.GapTo, g.nodes[anyBridge].Version, tv)
		default:
			fmt.Fprintf(&b, "; the graph has no update from %s into %s at all: use a channel that carries both minors (e.g. stable-%s)", e.GapFrom, e.GapTo, e.GapTo)
		}
	}
	if !opts.AllowConditional {
		all := func(int32) bool { return true }
		if d := g.distances(f, t, all); d[f-t] >= 0 {
			p := g.walk(f, t, d, all)
			e.ConditionalPath, e.ConditionalRisks = true, p.RiskNames()
			fmt.Fprintf(&b, "; a path exists through conditional updates (risks: %s): allow conditional updates to take it", strings.Join(e.ConditionalRisks, ", "))
		}
	}
	e.Reason = b.String()
	return e
}

// targets lists the updates from r: plain edges the CVO offers as
// recommended, and conditional ones when allowed.
func (g *Graph) targets(r int32, cond func(int32) bool) []int32 {
	var ts []int32
	for pos := g.outStart[r]; pos < g.outStart[r+1]; pos++ {
		if !g.isHidden(pos) {
			ts = append(ts, g.outTo[pos])
		}
	}
	if cond != nil {
		for _, e := range g.condTo[g.condStart[r]:g.condStart[r+1]] {
			if cond(e.group) {
				ts = append(ts, e.to)
			}
		}
	}
	return ts
}
