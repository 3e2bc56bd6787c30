package channel

import (
	"errors"
	"fmt"
	"strings"
)

// Offered is what a cluster's ClusterVersion says it may update to: the
// release it runs, status.availableUpdates and status.conditionalUpdates.
// It is the update graph a live cluster holds, seen from one release: the
// CVO lists the updates from the release it runs and nothing beyond.
type Offered struct {
	// Current is the release the cluster runs (the newest Completed entry
	// of status.history).
	Current string
	// Channel is spec.channel, the channel the CVO asked the update service
	// for.
	Channel string
	// Recommended are the versions of status.availableUpdates. The CVO
	// lists there the plain edges and the conditional updates whose risks
	// it evaluated as not applying (their Recommended condition True).
	Recommended []string
	// Conditional are the entries of status.conditionalUpdates whose
	// Recommended condition is not True: supported, not recommended until
	// their risks are accepted. An entry whose version is also in
	// Recommended is recommended and adds no conditional edge.
	Conditional []OfferedConditional
}

// OfferedConditional is one conditional update of a ClusterVersion.
type OfferedConditional struct {
	Version string
	// Risks are the update's risks as the ClusterVersion lists them. A risk
	// without a rule the CVO keeps counts as an Always risk here: the CVO
	// already decided the update is not recommended, so the risk applies
	// as far as a reader of its status can tell.
	Risks []Risk
}

// ErrNoCurrent: an Offered without the release the cluster runs.
var ErrNoCurrent = errors.New("the release the cluster runs is not known")

// Graph returns the graph the ClusterVersion describes: the current release
// and every offered release as nodes, a plain edge from the current release
// to each recommended one and a conditional edge, with its risks, to each
// conditional one. Versions listed twice are taken once; a version that is
// not a version, or the current release offered as its own update, is a
// *GraphError naming the field. The graph's [Graph.OnlyFrom] is Current:
// a path found in it has one hop, and a target it does not offer may still
// be reachable through releases the ClusterVersion does not list.
func (o Offered) Graph() (*Graph, error) {
	if o.Current == "" {
		return nil, &GraphError{Path: "current", Err: ErrNoCurrent, Detail: "give the version the cluster runs (status.history)"}
	}
	cur, err := ParseVersion(o.Current)
	if err != nil {
		return nil, &GraphError{Path: "current", Err: ErrInvalidGraph, Detail: err.Error()}
	}
	nodes := []Node{{Version: cur}}
	index := map[string]int32{cur.String(): 0}
	add := func(field, v string) (int32, error) {
		pv, err := ParseVersion(v)
		if err != nil {
			return 0, &GraphError{Path: field, Err: ErrInvalidGraph, Detail: err.Error()}
		}
		if pv.String() == cur.String() {
			return 0, &GraphError{Path: field, Err: ErrInvalidGraph, Detail: fmt.Sprintf("%s is the release the cluster runs, not an update", v)}
		}
		if i, ok := index[pv.String()]; ok {
			return i, nil
		}
		index[pv.String()] = int32(len(nodes))
		nodes = append(nodes, Node{Version: pv})
		return int32(len(nodes) - 1), nil
	}
	var pairs []int32
	plain := map[int32]bool{}
	for i, v := range o.Recommended {
		t, err := add(fmt.Sprintf("recommended[%d]", i), v)
		if err != nil {
			return nil, err
		}
		if !plain[t] {
			plain[t] = true
			pairs = append(pairs, 0, t)
		}
	}
	var groups []ConditionalEdges
	cond := map[int32]bool{}
	for i, c := range o.Conditional {
		t, err := add(fmt.Sprintf("conditional[%d].version", i), c.Version)
		if err != nil {
			return nil, err
		}
		if plain[t] || cond[t] {
			continue
		}
		cond[t] = true
		risks := make([]Risk, 0, len(c.Risks))
		for _, r := range c.Risks {
			r.MatchingRules = keptRules(r.MatchingRules)
			if len(r.MatchingRules) == 0 {
				r.MatchingRules = []MatchingRule{{Type: RuleAlways}}
			}
			risks = append(risks, r)
		}
		if len(risks) == 0 {
			risks = []Risk{{Name: "NotRecommended", Message: "the ClusterVersion does not recommend this update and names no risk", MatchingRules: []MatchingRule{{Type: RuleAlways}}}}
		}
		groups = append(groups, ConditionalEdges{Edges: []ConditionalEdge{{From: cur.String(), To: nodes[t].Version.String()}}, Risks: risks})
	}
	src := graphSource{nodes: nodes, pairs: pairs, groups: groups, channel: o.Channel}
	g, err := src.build()
	if err != nil {
		return nil, err
	}
	g.onlyFrom = cur.String()
	return g, nil
}

// keptRules are the rules the CVO keeps when it prunes invalid ones.
func keptRules(rules []MatchingRule) []MatchingRule {
	var out []MatchingRule
	for _, m := range rules {
		if m.valid() {
			out = append(out, m)
		}
	}
	return out
}

// OnlyFrom returns the release a graph built by [Offered.Graph] lists the
// updates of, and true; for a graph parsed from an update service it
// returns "", false. Paths in such a graph have one hop: what lies beyond
// the offered releases is not known until the cluster runs one of them.
func (g *Graph) OnlyFrom() (string, bool) { return g.onlyFrom, g.onlyFrom != "" }

// OfferedVersions returns the offered releases of a graph built by
// [Offered.Graph], newest first, the conditional ones marked with their
// risk names, for messages: "4.15.30, 4.15.28 (risk: ARiskName)".
func (g *Graph) OfferedVersions() string {
	if g.onlyFrom == "" {
		return ""
	}
	u, err := g.Updates(g.onlyFrom)
	if err != nil {
		return ""
	}
	var parts []string
	for _, n := range u.Recommended {
		parts = append(parts, n.Version.String())
	}
	for _, c := range u.Conditional {
		parts = append(parts, c.Release.Version.String()+" (risks: "+strings.Join(c.RiskNames(), ", ")+")")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
