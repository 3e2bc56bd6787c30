package channel

import (
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ChannelsKey is the node metadata key listing, comma-separated, the
// channels a release is in.
const ChannelsKey = "io.openshift.upgrades.graph.release.channels"

// Node is a release in the update graph.
type Node struct {
	// Version is the release version; its full string is the node's
	// identity.
	Version Version
	// Payload is the release image pull spec
	// (quay.io/openshift-release-dev/ocp-release@sha256:…).
	Payload string
	// Metadata holds the node's metadata as served: the channels
	// (ChannelsKey), the errata "url", and more.
	Metadata map[string]string
}

// Channels returns the channels the release is in, from its ChannelsKey
// metadata, sorted, empty entries removed, as the CVO reads them.
func (n *Node) Channels() []string {
	var cs []string
	for c := range strings.SplitSeq(n.Metadata[ChannelsKey], ",") {
		if c = strings.TrimSpace(c); c != "" {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	return cs
}

// InChannel reports whether name is one of the release's channels.
func (n *Node) InChannel(name string) bool {
	if name == "" {
		return false
	}
	for c := range strings.SplitSeq(n.Metadata[ChannelsKey], ",") {
		if strings.TrimSpace(c) == name {
			return true
		}
	}
	return false
}

// URL returns the release's errata link from its "url" metadata.
func (n *Node) URL() string { return n.Metadata["url"] }

// RuleType is the type of a risk's matching rule.
type RuleType string

// The matching-rule types the CVO knows.
const (
	// RuleAlways matches every cluster.
	RuleAlways RuleType = "Always"
	// RulePromQL matches a cluster where a PromQL query returns 1.
	RulePromQL RuleType = "PromQL"
)

// MatchingRule is one way to decide whether a risk applies to a cluster.
type MatchingRule struct {
	Type RuleType
	// PromQL is set for a PromQL rule; a set PromQL makes an Always rule
	// invalid.
	PromQL *PromQLRule
}

// PromQLRule holds the query of a PromQL matching rule.
type PromQLRule struct {
	// PromQL is the query. Its result must be a single sample of 0 (the risk
	// does not apply) or 1 (it applies).
	PromQL string
}

// valid reports whether the CVO keeps the rule when it prunes invalid ones:
// a known type with the fields that type needs and no others.
func (r MatchingRule) valid() bool {
	switch r.Type {
	case RuleAlways:
		return r.PromQL == nil
	case RulePromQL:
		return r.PromQL != nil && r.PromQL.PromQL != ""
	}
	return false
}

// Risk is a known issue that makes an update conditional.
type Risk struct {
	// Name is a CamelCase identifier, e.g. "VSphereNodeNameChanges".
	Name string
	// Message says what goes wrong; URL links to the details.
	Message, URL string
	// MatchingRules decide whether the risk applies to a cluster, in
	// decreasing precedence: the first that can be evaluated decides.
	MatchingRules []MatchingRule
}

// ConditionalEdge is an update between two versions named by string.
type ConditionalEdge struct {
	From, To string
}

// ConditionalEdges is one entry of the graph's conditionalEdges: updates
// that share a set of risks.
type ConditionalEdges struct {
	Edges []ConditionalEdge
	Risks []Risk
}

// Graph is an update graph as the OpenShift Update Service (Cincinnati)
// serves it. It is immutable and safe for concurrent use.
//
// Nodes are kept newest first. Plain edges are kept as adjacency lists of
// node positions, sorted newest first, so the updates from a version come
// out in the order the CVO sorts them without sorting.
type Graph struct {
	nodes     []Node
	byVersion map[string]int32
	// prec[i] is the position of the newest node with the precedence of
	// node i: equal for versions that differ only in build metadata.
	prec []int32
	// CSR adjacency of the plain edges, both ways.
	outStart, outTo []int32
	inStart, inFrom []int32
	// hidden marks plain edges (positions in outTo) that are also
	// conditional: the CVO offers them as conditional only.
	hidden []uint64
	// CSR of the conditional updates the CVO keeps (valid rules, target
	// declared once), sorted by target.
	condStart []int32
	condTo    []condEdge
	groups    []ConditionalEdges
	// risks holds, per group, its risks with invalid rules pruned.
	risks    [][]Risk
	numEdges int
	numCond  int
	channel  string
	keep     bool
	// onlyFrom is set on a graph built from a ClusterVersion's offered
	// updates: the one release whose updates it lists.
	onlyFrom string
}

type condEdge struct {
	to, group int32
}

// ParseOption changes how [ParseGraph] reads a graph.
type ParseOption interface {
	applyParse(*parseConfig)
}

type parseConfig struct {
	keepUnknownRules bool
}

type keepUnknownRules struct{}

func (keepUnknownRules) applyParse(c *parseConfig) { c.keepUnknownRules = true }

// KeepUnknownRules makes [ParseGraph] accept matching rules of a type it
// does not know, as the CVO does: such a rule is pruned, and a risk left
// without rules drops its conditional updates. Without it an unknown type is
// an [ErrUnknownRuleType] error naming the rule.
func KeepUnknownRules() ParseOption { return keepUnknownRules{} }

// ParseGraph reads a graph document as the update service serves it:
//
//	{"version": 1,
//	 "nodes": [{"version": "4.7.1", "payload": "quay.io/…", "metadata": {…}}, …],
//	 "edges": [[0, 1], …],
//	 "conditionalEdges": [{"edges": [{"from": "4.7.1", "to": "4.7.2"}],
//	                       "risks": [{"name": …, "message": …, "url": …,
//	                                  "matchingRules": [{"type": "PromQL", "promql": {"promql": "…"}}]}]}]}
//
// It checks what the CVO and the update service rely on: every node has a
// unique, valid version; every edge is a pair of node indices in range, not
// a self-loop, listed once; every conditional edge names versions of the
// graph (both ends); every rule type is known (see [KeepUnknownRules]);
// "version", when present, is 1. Unknown fields are ignored;
// conditionalEdges may be absent. Errors are [*GraphError] values naming the
// JSON path, line, byte offset and value at fault.
func ParseGraph(data []byte, opts ...ParseOption) (*Graph, error) {
	var cfg parseConfig
	for _, o := range opts {
		o.applyParse(&cfg)
	}
	p := &graphParser{d: decoder{data: data, keys: make(map[string]string, 64)}, cfg: cfg, edgesAt: -1}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.build()
}

type graphParser struct {
	d   decoder
	cfg parseConfig

	nodes      []Node
	nodeAt     []int // offset of each node's version value
	haveNodes  bool
	haveEdges  bool
	pairs      []int32 // wire index pairs
	edgesAt    int     // offset of the edges array
	groups     []ConditionalEdges
	condAt     [][][2]int // per group, per edge: offsets of from and to
	versionSet bool
}

func (p *graphParser) parse() error {
	d := &p.d
	d.ws()
	if d.eof() {
		return d.errSyntax("empty document: expected a graph object")
	}
	if d.peek() != '{' {
		return d.errSyntax("expected a graph object, found %s", d.kindAt())
	}
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "version":
			d.push("version")
			at := d.pos
			n, err := d.integer()
			if err != nil {
				return err
			}
			if n != 1 {
				return d.errValue(at, ErrInvalidGraph, "graph format version %d is not supported: this reads version 1", n)
			}
			p.versionSet = true
			d.pop()
		case "nodes":
			d.push("nodes")
			p.nodes, p.nodeAt = p.nodes[:0], p.nodeAt[:0]
			if err := d.array(p.node); err != nil {
				return err
			}
			p.haveNodes = true
			d.pop()
			if p.haveEdges { // edges came first: check their indices now
				return p.checkEdges()
			}
		case "edges":
			d.push("edges")
			p.edgesAt = d.pos
			limit := len(p.nodes)
			if !p.haveNodes {
				limit = 1 << 30
			}
			if err := p.edges(limit); err != nil {
				return err
			}
			p.haveEdges = true
			d.pop()
		case "conditionalEdges":
			d.push("conditionalEdges")
			p.groups, p.condAt = p.groups[:0], p.condAt[:0]
			if err := d.array(p.group); err != nil {
				return err
			}
			d.pop()
		default:
			d.push(string(key))
			if err := d.skip(0); err != nil {
				return err
			}
			d.pop()
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.ws()
	if !d.eof() {
		return d.errSyntax("unexpected %s after the graph object", d.found())
	}
	if !p.haveNodes {
		return d.errValue(0, ErrInvalidGraph, `field "nodes" is missing`)
	}
	if !p.haveEdges {
		return d.errValue(0, ErrInvalidGraph, `field "edges" is missing`)
	}
	return nil
}

func (p *graphParser) node(i int) error {
	d := &p.d
	var n Node
	at, haveVersion := d.pos, false
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "version":
			d.push("version")
			at = d.pos
			s, err := d.str()
			if err != nil {
				return err
			}
			v, err := ParseVersion(s)
			if err != nil {
				return d.errValue(at, ErrInvalidGraph, "%q is not a semantic version", s)
			}
			n.Version, haveVersion = v, true
			d.pop()
		case "payload":
			d.push("payload")
			s, err := d.str()
			if err != nil {
				return err
			}
			n.Payload = s
			d.pop()
		case "metadata":
			d.push("metadata")
			md := make(map[string]string, 4)
			err := d.object(func(k []byte) error {
				key, ok := d.keys[string(k)]
				if !ok {
					key = string(k)
					d.keys[key] = key
				}
				d.push(key)
				var v string
				var err error
				if key == ChannelsKey {
					v, err = d.interned()
				} else {
					v, err = d.str()
				}
				if err != nil {
					return err
				}
				md[key] = v
				d.pop()
				return nil
			})
			if err != nil {
				return err
			}
			n.Metadata = md
			d.pop()
		default:
			return d.skip(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !haveVersion {
		return d.errValue(at, ErrInvalidGraph, "node %d has no version", i)
	}
	p.nodes = append(p.nodes, n)
	p.nodeAt = append(p.nodeAt, at)
	return nil
}

// edges reads the edges array: index pairs below limit.
func (p *graphParser) edges(limit int) error {
	d := &p.d
	if p.pairs == nil {
		// Compact edges take about 8 bytes each, indented ones about 30.
		p.pairs = make([]int32, 0, 2*min((len(d.data)-d.pos)/16+16, 1<<22))
	}
	p.pairs = p.pairs[:0]
	return d.array(func(i int) error {
		if d.peek() != '[' {
			if d.peek() == 'n' && d.null() {
				return d.errValue(d.pos-4, ErrInvalidGraph, "an edge must be a pair [from, to] of node indices, got null")
			}
			return d.typeErr(d.errSyntax("expected an array, found %s", d.kindAt()), "pair [from, to] of node indices")
		}
		d.pos++
		d.pushIndex(0)
		a, err := d.index(limit)
		if err != nil {
			return err
		}
		if err := d.expect(',', "',' and the second index of the edge"); err != nil {
			return err
		}
		d.setIndex(1)
		b, err := d.index(limit)
		if err != nil {
			return err
		}
		d.pop()
		d.ws()
		if d.eof() || d.peek() != ']' {
			if !d.eof() && d.peek() == ',' {
				return d.errValue(d.pos, ErrInvalidGraph, "an edge must be a pair [from, to], this one has more elements")
			}
			return d.errSyntax("expected ']' after the edge's two indices, found %s", d.found())
		}
		d.pos++
		p.pairs = append(p.pairs, int32(a), int32(b))
		return nil
	})
}

// checkEdges checks the indices of edges read before the nodes, by reading
// them again with the node count, so the error has the exact position.
func (p *graphParser) checkEdges() error {
	n := int32(len(p.nodes))
	for _, x := range p.pairs {
		if x >= n {
			saved, path := p.d.pos, p.d.path
			p.d.pos, p.d.path = p.edgesAt, pathStack{{key: "edges", index: -1}}
			err := p.edges(len(p.nodes))
			p.d.pos, p.d.path = saved, path
			return err
		}
	}
	return nil
}

func (p *graphParser) group(int) error {
	d := &p.d
	var g ConditionalEdges
	var at [][2]int
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "edges":
			d.push("edges")
			err := d.array(func(int) error {
				var e ConditionalEdge
				var off [2]int
				err := d.object(func(k []byte) error {
					switch string(k) {
					case "from", "to":
						name := string(k)
						d.push(name)
						pos := d.pos
						s, err := d.interned()
						if err != nil {
							return err
						}
						if name == "from" {
							e.From, off[0] = s, pos
						} else {
							e.To, off[1] = s, pos
						}
						d.pop()
					default:
						return d.skip(3)
					}
					return nil
				})
				if err != nil {
					return err
				}
				g.Edges = append(g.Edges, e)
				at = append(at, off)
				return nil
			})
			if err != nil {
				return err
			}
			d.pop()
		case "risks":
			d.push("risks")
			if err := d.array(func(int) error { return p.risk(&g) }); err != nil {
				return err
			}
			d.pop()
		default:
			return d.skip(2)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.groups = append(p.groups, g)
	p.condAt = append(p.condAt, at)
	return nil
}

func (p *graphParser) risk(g *ConditionalEdges) error {
	d := &p.d
	var r Risk
	start := d.pos
	err := d.object(func(key []byte) error {
		var dst *string
		switch string(key) {
		case "name":
			dst = &r.Name
		case "message":
			dst = &r.Message
		case "url":
			dst = &r.URL
		case "matchingRules":
			d.push("matchingRules")
			err := d.array(func(int) error { return p.rule(&r) })
			if err != nil {
				return err
			}
			d.pop()
			return nil
		default:
			return d.skip(3)
		}
		d.push(string(key))
		s, err := d.str()
		if err != nil {
			return err
		}
		*dst = s
		d.pop()
		return nil
	})
	if err != nil {
		return err
	}
	if r.Name == "" {
		return d.errValue(start, ErrInvalidGraph, "a risk must have a name")
	}
	g.Risks = append(g.Risks, r)
	return nil
}

func (p *graphParser) rule(r *Risk) error {
	d := &p.d
	var m MatchingRule
	typeAt := -1
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "type":
			d.push("type")
			typeAt = d.pos
			s, err := d.str()
			if err != nil {
				return err
			}
			m.Type = RuleType(s)
			d.pop()
		case "promql":
			d.push("promql")
			if d.null() {
				d.pop()
				return nil
			}
			q := &PromQLRule{}
			err := d.object(func(k []byte) error {
				if string(k) != "promql" {
					return d.skip(5)
				}
				d.push("promql")
				s, err := d.str()
				if err != nil {
					return err
				}
				q.PromQL = s
				d.pop()
				return nil
			})
			if err != nil {
				return err
			}
			m.PromQL = q
			d.pop()
		default:
			return d.skip(4)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if m.Type != RuleAlways && m.Type != RulePromQL && !p.cfg.keepUnknownRules {
		d.push("type")
		defer d.pop()
		if typeAt < 0 {
			return d.errValue(d.pos, ErrUnknownRuleType, "the rule has no type: use Always or PromQL")
		}
		return d.errValue(typeAt, ErrUnknownRuleType, "%q: use Always or PromQL", m.Type)
	}
	r.MatchingRules = append(r.MatchingRules, m)
	return nil
}

// build turns what was read into a Graph.
func (p *graphParser) build() (*Graph, error) {
	src := graphSource{nodes: p.nodes, pairs: p.pairs, groups: p.groups, keepUnknown: p.cfg.keepUnknownRules}
	src.errNode = func(i, first int) error {
		return &GraphError{Path: fmt.Sprintf("nodes[%d].version", i), Offset: p.nodeAt[i], Line: lineOf(p.d.data, p.nodeAt[i]),
			Err: ErrDuplicateNode, Detail: fmt.Sprintf("%q is also nodes[%d]: a version may appear once", p.nodes[i].Version, first)}
	}
	src.errEdge = func(i int, cause error, detail string) error {
		off := p.edgeOffset(i)
		return &GraphError{Path: fmt.Sprintf("edges[%d]", i), Offset: off, Line: lineOf(p.d.data, off), Err: cause, Detail: detail}
	}
	src.errCond = func(g, e int, to bool, v string) error {
		end, off := "from", p.condAt[g][e][0]
		if to {
			end, off = "to", p.condAt[g][e][1]
		}
		detail := fmt.Sprintf("%q is not a node of the graph", v)
		if v == "" {
			detail = fmt.Sprintf("the edge has no %q version", end)
		}
		return &GraphError{Path: fmt.Sprintf("conditionalEdges[%d].edges[%d].%s", g, e, end), Offset: off, Line: lineOf(p.d.data, off),
			Err: ErrUnknownVersion, Detail: detail}
	}
	return src.build()
}

// edgeOffset finds the byte offset of edges[i] by reading the array again;
// it runs only to report an error.
func (p *graphParser) edgeOffset(i int) int {
	d := &decoder{data: p.d.data, pos: p.edgesAt, keys: map[string]string{}}
	if p.edgesAt < 0 {
		return 0
	}
	found := p.edgesAt
	_ = d.array(func(j int) error {
		if j == i {
			found = d.pos
		}
		return d.skip(1)
	})
	return found
}

// graphSource is what a Graph is built from: nodes and edges in wire order.
type graphSource struct {
	nodes       []Node
	pairs       []int32
	groups      []ConditionalEdges
	keepUnknown bool
	channel     string

	errNode func(i, first int) error
	errEdge func(i int, cause error, detail string) error
	errCond func(g, e int, to bool, v string) error
}

func (s *graphSource) build() (*Graph, error) {
	if s.errNode == nil {
		s.errNode = func(i, _ int) error { return &GraphError{Path: fmt.Sprintf("nodes[%d]", i), Err: ErrDuplicateNode} }
		s.errEdge = func(i int, cause error, detail string) error {
			return &GraphError{Path: fmt.Sprintf("edges[%d]", i), Err: cause, Detail: detail}
		}
		s.errCond = func(g, e int, _ bool, v string) error {
			return &GraphError{Path: fmt.Sprintf("conditionalEdges[%d].edges[%d]", g, e), Err: ErrUnknownVersion, Detail: v}
		}
	}
	n := len(s.nodes)
	g := &Graph{channel: s.channel, keep: s.keepUnknown, groups: s.groups, numEdges: len(s.pairs) / 2}

	// Order nodes newest first; rank[i] is the new position of wire node i.
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return s.nodes[order[a]].Version.order(s.nodes[order[b]].Version) > 0 })
	rank := make([]int32, n)
	g.nodes = make([]Node, n)
	for r, i := range order {
		rank[i] = int32(r)
		g.nodes[r] = s.nodes[i]
	}
	g.prec = make([]int32, n)
	for r := 1; r < n; r++ {
		g.prec[r] = int32(r)
		if g.nodes[r].Version.Compare(g.nodes[r-1].Version) == 0 {
			g.prec[r] = g.prec[r-1]
		}
	}
	g.byVersion = make(map[string]int32, n)
	for i := range s.nodes {
		v := s.nodes[i].Version.String()
		if first, dup := g.byVersion[v]; dup {
			return nil, s.errNode(i, int(order[first]))
		}
		g.byVersion[v] = rank[i]
	}

	// In-edges bucketed by target, then out-edges filled target by target,
	// so every out row comes out sorted newest first without a sort.
	e := len(s.pairs) / 2
	g.inStart = make([]int32, n+1)
	for k := 0; k < e; k++ {
		a, b := s.pairs[2*k], s.pairs[2*k+1]
		if a == b {
			return nil, s.errEdge(k, ErrInvalidGraph, fmt.Sprintf("[%d, %d] is an update from %s to itself", a, b, s.nodes[a].Version))
		}
		g.inStart[rank[b]+1]++
	}
	for i := 0; i < n; i++ {
		g.inStart[i+1] += g.inStart[i]
	}
	g.inFrom = make([]int32, e)
	fill := make([]int32, n+1)
	copy(fill, g.inStart)
	outDeg := make([]int32, n+1)
	for k := 0; k < e; k++ {
		ra, rb := rank[s.pairs[2*k]], rank[s.pairs[2*k+1]]
		g.inFrom[fill[rb]] = ra
		fill[rb]++
		outDeg[ra+1]++
	}
	for i := 0; i < n; i++ {
		outDeg[i+1] += outDeg[i]
	}
	g.outStart = outDeg
	g.outTo = make([]int32, e)
	copy(fill, g.outStart)
	for t := int32(0); t < int32(n); t++ {
		for _, f := range g.inFrom[g.inStart[t]:g.inStart[t+1]] {
			pos := fill[f]
			if pos > g.outStart[f] && g.outTo[pos-1] == t {
				return nil, s.duplicateEdge(order, f, t)
			}
			g.outTo[pos] = t
			fill[f]++
		}
	}
	if err := s.conditional(g); err != nil {
		return nil, err
	}
	return g, nil
}

func (s *graphSource) duplicateEdge(order []int32, f, t int32) error {
	a, b := order[f], order[t]
	seen := false
	for k := 0; k < len(s.pairs)/2; k++ {
		if s.pairs[2*k] == a && s.pairs[2*k+1] == b {
			if seen {
				return s.errEdge(k, ErrDuplicateEdge, fmt.Sprintf("[%d, %d] (%s to %s) is listed twice", a, b, s.nodes[a].Version, s.nodes[b].Version))
			}
			seen = true
		}
	}
	return s.errEdge(0, ErrDuplicateEdge, "an edge is listed twice")
}

// conditional resolves the conditional edges and applies the CVO's rules:
// a plain edge that is also conditional is offered as conditional only; a
// risk whose rules are all invalid drops the updates of its group; an update
// declared conditional more than once is dropped.
func (s *graphSource) conditional(g *Graph) error {
	n := len(g.nodes)
	g.hidden = make([]uint64, (len(g.outTo)+63)/64)
	g.risks = make([][]Risk, len(s.groups))
	type pair struct{ f, t int32 }
	var kept []pair
	var keptGroup []int32
	count := map[pair]int{}
	for gi, grp := range s.groups {
		g.risks[gi], _ = pruneRisks(grp.Risks)
		valid := len(grp.Risks) > 0
		for _, r := range g.risks[gi] {
			if len(r.MatchingRules) == 0 {
				valid = false
			}
		}
		for ei, e := range grp.Edges {
			f, ok := g.byVersion[e.From]
			if !ok {
				return s.errCond(gi, ei, false, e.From)
			}
			t, ok := g.byVersion[e.To]
			if !ok {
				return s.errCond(gi, ei, true, e.To)
			}
			g.numCond++
			if pos, ok := g.plainEdge(f, t); ok {
				g.hidden[pos/64] |= 1 << (pos % 64)
			}
			if valid {
				p := pair{f, t}
				count[p]++
				kept = append(kept, p)
				keptGroup = append(keptGroup, int32(gi))
			}
		}
	}
	g.condStart = make([]int32, n+1)
	var edges []condEdge
	var from []int32
	for i, p := range kept {
		if count[p] != 1 {
			continue
		}
		edges = append(edges, condEdge{to: p.t, group: keptGroup[i]})
		from = append(from, p.f)
		g.condStart[p.f+1]++
	}
	for i := 0; i < n; i++ {
		g.condStart[i+1] += g.condStart[i]
	}
	g.condTo = make([]condEdge, len(edges))
	fill := slices.Clone(g.condStart)
	for i, e := range edges {
		g.condTo[fill[from[i]]] = e
		fill[from[i]]++
	}
	for i := 0; i < n; i++ {
		row := g.condTo[g.condStart[i]:g.condStart[i+1]]
		slices.SortFunc(row, func(a, b condEdge) int { return int(a.to - b.to) })
	}
	return nil
}

// pruneRisks returns the risks with the rules the CVO would prune removed:
// unknown types, and known types with the wrong fields. The input is shared
// when nothing is pruned.
func pruneRisks(risks []Risk) ([]Risk, bool) {
	changed := false
	for _, r := range risks {
		for _, m := range r.MatchingRules {
			if !m.valid() {
				changed = true
			}
		}
	}
	if !changed {
		return risks, false
	}
	out := make([]Risk, len(risks))
	for i, r := range risks {
		out[i] = r
		out[i].MatchingRules = nil
		for _, m := range r.MatchingRules {
			if m.valid() {
				out[i].MatchingRules = append(out[i].MatchingRules, m)
			}
		}
	}
	return out, true
}

// plainEdge finds the plain edge f → t and returns its position in outTo.
func (g *Graph) plainEdge(f, t int32) (int32, bool) {
	row := g.outTo[g.outStart[f]:g.outStart[f+1]]
	i, ok := slices.BinarySearch(row, t)
	return g.outStart[f] + int32(i), ok
}

func (g *Graph) isHidden(pos int32) bool { return g.hidden[pos/64]&(1<<(pos%64)) != 0 }

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// NumEdges returns the number of plain edges, as listed in "edges".
func (g *Graph) NumEdges() int { return g.numEdges }

// NumConditionalEdges returns the number of conditional (from, to) pairs
// listed in "conditionalEdges", over all entries.
func (g *Graph) NumConditionalEdges() int { return g.numCond }

// Channel returns the channel the graph was filtered to by
// [Graph.Filter], or "" for a graph as parsed.
func (g *Graph) Channel() string { return g.channel }

// Nodes returns the nodes, newest first (versions of equal precedence
// ordered by their strings). The slice is new; the nodes' metadata maps are
// shared with the graph and must not be modified.
func (g *Graph) Nodes() []Node { return slices.Clone(g.nodes) }

// Lookup returns the node of a version: the node with exactly that string,
// or else, for a version without build metadata, the only node of the same
// precedence (so "4.6.1" finds "4.6.1+amd64" when no other 4.6.1 is in the
// graph). The node must not be modified.
func (g *Graph) Lookup(version string) (*Node, bool) {
	i, ok := g.find(version)
	if !ok {
		return nil, false
	}
	return &g.nodes[i], true
}

func (g *Graph) find(version string) (int32, bool) {
	if i, ok := g.byVersion[version]; ok {
		return i, true
	}
	v, err := ParseVersion(version)
	if err != nil || v.Metadata() != "" {
		return 0, false
	}
	lo := sort.Search(len(g.nodes), func(i int) bool { return g.nodes[i].Version.Compare(v) <= 0 })
	if lo < len(g.nodes) && g.nodes[lo].Version.Compare(v) == 0 &&
		(lo+1 == len(g.nodes) || g.nodes[lo+1].Version.Compare(v) != 0) {
		return int32(lo), true
	}
	return 0, false
}

// notFound builds the error for a version missing from the graph.
func (g *Graph) notFound(version string) error {
	e := &VersionNotFoundError{Version: version, Channel: g.channel}
	if v, err := ParseVersion(version); err == nil {
		m := v.MinorVersion()
		for i := range g.nodes {
			if g.nodes[i].Version.MinorVersion() == m {
				e.Newest = g.nodes[i].Version.String()
				break
			}
		}
	}
	return e
}

// Edges yields every plain edge as listed in "edges" (including those the
// CVO offers as conditional because they are also conditional edges),
// grouped by source, newest source and target first.
func (g *Graph) Edges() iter.Seq2[*Node, *Node] {
	return func(yield func(*Node, *Node) bool) {
		for f := range g.nodes {
			for _, t := range g.outTo[g.outStart[f]:g.outStart[f+1]] {
				if !yield(&g.nodes[f], &g.nodes[t]) {
					return
				}
			}
		}
	}
}

// ConditionalEdges returns the conditionalEdges entries as listed. The
// slice is new; the entries are shared with the graph and must not be
// modified.
func (g *Graph) ConditionalEdges() []ConditionalEdges { return slices.Clone(g.groups) }

// Filter returns the graph of one channel, as the update service serves it:
// only the nodes whose ChannelsKey metadata lists the channel, and the
// edges and conditional edges between them. It does not check the name;
// see [ParseChannel].
func (g *Graph) Filter(channel string) *Graph {
	keep := make([]int32, len(g.nodes))
	var nodes []Node
	for i := range g.nodes {
		keep[i] = -1
		if g.nodes[i].InChannel(channel) {
			keep[i] = int32(len(nodes))
			nodes = append(nodes, g.nodes[i])
		}
	}
	var pairs []int32
	for f := range g.nodes {
		if keep[f] < 0 {
			continue
		}
		for _, t := range g.outTo[g.outStart[f]:g.outStart[f+1]] {
			if keep[t] >= 0 {
				pairs = append(pairs, keep[f], keep[t])
			}
		}
	}
	var groups []ConditionalEdges
	for _, grp := range g.groups {
		var es []ConditionalEdge
		for _, e := range grp.Edges {
			f, t := g.byVersion[e.From], g.byVersion[e.To]
			if keep[f] >= 0 && keep[t] >= 0 {
				es = append(es, e)
			}
		}
		if len(es) > 0 {
			groups = append(groups, ConditionalEdges{Edges: es, Risks: grp.Risks})
		}
	}
	src := graphSource{nodes: nodes, pairs: pairs, groups: groups, keepUnknown: g.keep, channel: channel}
	fg, err := src.build()
	if err != nil {
		// Unreachable: the subgraph of a valid graph is valid.
		return &Graph{channel: channel, byVersion: map[string]int32{}, outStart: []int32{0}, inStart: []int32{0}, condStart: []int32{0}}
	}
	return fg
}

// String summarises the graph, e.g. "graph of 102 nodes, 3244 edges, 13
// conditional edges".
func (g *Graph) String() string {
	s := "graph of " + strconv.Itoa(len(g.nodes)) + " nodes, " + strconv.Itoa(g.numEdges) + " edges, " +
		strconv.Itoa(g.numCond) + " conditional edges"
	if g.channel != "" {
		s += " (channel " + g.channel + ")"
	}
	return s
}
