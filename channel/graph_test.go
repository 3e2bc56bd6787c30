package channel

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRealGraphs(t *testing.T) {
	for _, tt := range []struct {
		channel                             string
		nodes, edges, condPairs, condGroups int
		newest, oldest                      string
	}{
		{"stable-4.7", 102, 3244, 13, 2, "4.7.60", "4.6.1"},
		{"stable-4.8", 101, 3168, 4, 1, "4.8.54", "4.7.0"},
		{"stable-4.9", 90, 2544, 0, 0, "4.9.53", "4.8.2"},
		{"candidate-4.12", 5, 10, 0, 0, "4.12.0-rc.4", "4.12.0-rc.0"},
	} {
		g := parseReal(t, tt.channel)
		got := []any{g.Len(), g.NumEdges(), g.NumConditionalEdges(), len(g.ConditionalEdges())}
		want := []any{tt.nodes, tt.edges, tt.condPairs, tt.condGroups}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: nodes, edges, conditional pairs, groups (-want +got):\n%s", tt.channel, d)
		}
		nodes := g.Nodes()
		if nodes[0].Version.String() != tt.newest || nodes[len(nodes)-1].Version.String() != tt.oldest {
			t.Errorf("%s: nodes must be newest first: got %s … %s", tt.channel, nodes[0].Version, nodes[len(nodes)-1].Version)
		}
		for i := 1; i < len(nodes); i++ {
			if nodes[i-1].Version.Compare(nodes[i].Version) <= 0 {
				t.Fatalf("%s: %s listed before %s", tt.channel, nodes[i-1].Version, nodes[i].Version)
			}
		}
		edges := 0
		for range g.Edges() {
			edges++
		}
		if edges != tt.edges {
			t.Errorf("%s: Edges() yields %d, want %d", tt.channel, edges, tt.edges)
		}
	}
}

// plainGraph decodes a graph document with encoding/json, as the CVO does;
// the reference the fast decoder is checked against (and the benchmarks'
// baseline).
type plainGraph struct {
	Version int `json:"version"`
	Nodes   []struct {
		Version  string            `json:"version"`
		Payload  string            `json:"payload"`
		Metadata map[string]string `json:"metadata"`
	} `json:"nodes"`
	Edges            [][2]int `json:"edges"`
	ConditionalEdges []struct {
		Edges []struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"edges"`
		Risks []struct {
			URL           string `json:"url"`
			Name          string `json:"name"`
			Message       string `json:"message"`
			MatchingRules []struct {
				Type   string `json:"type"`
				PromQL *struct {
					PromQL string `json:"promql"`
				} `json:"promql"`
			} `json:"matchingRules"`
		} `json:"risks"`
	} `json:"conditionalEdges"`
}

// The fast decoder reads the real graphs exactly as encoding/json does.
func TestParseGraphAgreesWithEncodingJSON(t *testing.T) {
	for name := range realGraphs {
		data := readGraph(t, name)
		var ref plainGraph
		if err := json.Unmarshal(data, &ref); err != nil {
			t.Fatal(err)
		}
		g := parseReal(t, name)
		for _, n := range ref.Nodes {
			got, ok := g.Lookup(n.Version)
			if !ok || got.Payload != n.Payload || !cmp.Equal(got.Metadata, n.Metadata) {
				t.Errorf("%s: node %s differs: %+v", name, n.Version, got)
			}
		}
		want := map[[2]string]bool{}
		for _, e := range ref.Edges {
			want[[2]string{ref.Nodes[e[0]].Version, ref.Nodes[e[1]].Version}] = true
		}
		got := map[[2]string]bool{}
		for f, to := range g.Edges() {
			got[[2]string{f.Version.String(), to.Version.String()}] = true
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: edges (-encoding/json +ours):\n%s", name, d)
		}
		var wantCond, gotCond []string
		for _, c := range ref.ConditionalEdges {
			for _, e := range c.Edges {
				for _, r := range c.Risks {
					for _, m := range r.MatchingRules {
						wantCond = append(wantCond, e.From+">"+e.To+" "+r.Name+" "+r.URL+" "+r.Message+" "+m.Type+" "+m.PromQL.PromQL)
					}
				}
			}
		}
		for _, c := range g.ConditionalEdges() {
			for _, e := range c.Edges {
				for _, r := range c.Risks {
					for _, m := range r.MatchingRules {
						gotCond = append(gotCond, e.From+">"+e.To+" "+r.Name+" "+r.URL+" "+r.Message+" "+string(m.Type)+" "+m.PromQL.PromQL)
					}
				}
			}
		}
		if d := cmp.Diff(wantCond, gotCond); d != "" {
			t.Errorf("%s: conditional edges (-encoding/json +ours):\n%s", name, d)
		}
	}
}

func TestParseGraphErrors(t *testing.T) {
	nodes3 := `"nodes":[{"version":"4.7.1"},{"version":"4.7.2"},{"version":"4.7.3"}]`
	for _, tt := range []struct {
		reason, in string
		cause      error
		path       string
		mention    string
	}{
		{"not JSON", `{"nodes": [`, ErrMalformedGraph, "nodes", "end of input"},
		{"empty input", ``, ErrMalformedGraph, "(top level)", "empty document"},
		{"not an object", `[1,2]`, ErrMalformedGraph, "(top level)", "found array"},
		{"trailing data", `{` + nodes3 + `,"edges":[]} x`, ErrMalformedGraph, "(top level)", `'x' after the graph object`},
		{"edge index out of range", `{` + nodes3 + `,"edges":[[0,1],[1,3]]}`, ErrEdgeOutOfRange, "edges[1][1]", "node index 3 is out of range: the graph has 3 nodes (0 to 2)"},
		{"negative edge index", `{` + nodes3 + `,"edges":[[-1,1]]}`, ErrEdgeOutOfRange, "edges[0][0]", "node index -1 is not an index"},
		{"fractional edge index", `{` + nodes3 + `,"edges":[[0,1.5]]}`, ErrEdgeOutOfRange, "edges[0][1]", "node index 1.5"},
		{"huge edge index", `{` + nodes3 + `,"edges":[[0,99999999999999999999999]]}`, ErrEdgeOutOfRange, "edges[0][1]", "99999999999999999999999 is out of range"},
		{"edges before nodes, out of range", `{"edges":[[0,1],[2,5]],` + nodes3 + `}`, ErrEdgeOutOfRange, "edges[1][1]", "node index 5"},
		{"edge of three", `{` + nodes3 + `,"edges":[[0,1,2]]}`, ErrInvalidGraph, "edges[0]", "more elements"},
		{"edge of one", `{` + nodes3 + `,"edges":[[0]]}`, ErrMalformedGraph, "edges[0][0]", "expected ',' and the second index"},
		{"edge not an array", `{` + nodes3 + `,"edges":[{"from":0}]}`, ErrInvalidGraph, "edges[0]", "must be a pair [from, to] of node indices, got object"},
		{"self-loop", `{` + nodes3 + `,"edges":[[0,1],[2,2]]}`, ErrInvalidGraph, "edges[1]", "update from 4.7.3 to itself"},
		{"duplicate edge", `{` + nodes3 + `,"edges":[[0,1],[1,2],[0,1]]}`, ErrDuplicateEdge, "edges[2]", "(4.7.1 to 4.7.2) is listed twice"},
		{"duplicate node", `{"nodes":[{"version":"4.7.1"},{"version":"4.7.2"},{"version":"4.7.1"}],"edges":[]}`, ErrDuplicateNode, "nodes[2].version", `"4.7.1" is also nodes[0]`},
		{"invalid node version", `{"nodes":[{"version":"4.7.1"},{"version":"4.7"}],"edges":[]}`, ErrInvalidGraph, "nodes[1].version", `"4.7" is not a semantic version`},
		{"node version not a string", `{"nodes":[{"version":4.7}],"edges":[]}`, ErrInvalidGraph, "nodes[0].version", "must be a string, got number"},
		{"node without version", `{"nodes":[{"payload":"x"}],"edges":[]}`, ErrInvalidGraph, "nodes[0]", "node 0 has no version"},
		{"metadata value not a string", `{"nodes":[{"version":"4.7.1","metadata":{"url":1}}],"edges":[]}`, ErrInvalidGraph, "nodes[0].metadata.url", "must be a string"},
		{"conditional edge to an unknown version", `{` + nodes3 + `,"edges":[],"conditionalEdges":[{"edges":[{"from":"4.7.1","to":"4.7.2"},{"from":"4.7.1","to":"4.7.9"}],"risks":[` + always("R") + `]}]}`,
			ErrUnknownVersion, "conditionalEdges[0].edges[1].to", `"4.7.9" is not a node of the graph`},
		{"conditional edge from an unknown version", `{` + nodes3 + `,"edges":[],"conditionalEdges":[{"edges":[{"from":"4.6.9","to":"4.7.2"}],"risks":[` + always("R") + `]}]}`,
			ErrUnknownVersion, "conditionalEdges[0].edges[0].from", `"4.6.9"`},
		{"rule of unknown type", `{` + nodes3 + `,"edges":[],"conditionalEdges":[{"edges":[{"from":"4.7.1","to":"4.7.2"}],"risks":[{"name":"R","matchingRules":[{"type":"Always"},{"type":"Telepathy"}]}]}]}`,
			ErrUnknownRuleType, "conditionalEdges[0].risks[0].matchingRules[1].type", `"Telepathy": use Always or PromQL`},
		{"risk without a name", `{` + nodes3 + `,"edges":[],"conditionalEdges":[{"edges":[],"risks":[{"message":"m"}]}]}`, ErrInvalidGraph, "conditionalEdges[0].risks[0]", "must have a name"},
		{"graph format version 2", `{"version":2,` + nodes3 + `,"edges":[]}`, ErrInvalidGraph, "version", "graph format version 2 is not supported"},
		{"nodes missing", `{"edges":[]}`, ErrInvalidGraph, "(top level)", `"nodes" is missing`},
		{"edges missing", `{` + nodes3 + `}`, ErrInvalidGraph, "(top level)", `"edges" is missing`},
		{"bad escape", `{"nodes":[{"version":"4.7.1","payload":"a\qb"}],"edges":[]}`, ErrMalformedGraph, "nodes[0].payload", `invalid escape \q`},
		{"control character", "{\"nodes\":[{\"version\":\"4.7.1\",\"payload\":\"a\tb\"}],\"edges\":[]}", ErrMalformedGraph, "nodes[0].payload", "control character 0x09"},
		{"invalid UTF-8", "{\"nodes\":[{\"version\":\"4.7.1\",\"payload\":\"a\xffb\"}],\"edges\":[]}", ErrMalformedGraph, "nodes[0].payload", "not valid UTF-8"},
		{"deep nesting in an unknown field", `{"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `,` + nodes3 + `,"edges":[]}`, ErrMalformedGraph, "x", "nested deeper"},
		{"leading zero", `{` + nodes3 + `,"edges":[[01,2]]}`, ErrMalformedGraph, "edges[0][0]", "leading zero"},
	} {
		g, err := ParseGraph([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: no error, got %v", tt.reason, g)
			continue
		}
		if g != nil {
			t.Errorf("%s: an error must come with no graph", tt.reason)
		}
		var ge *GraphError
		if !errors.As(err, &ge) || !errors.Is(err, tt.cause) {
			t.Errorf("%s: err = %v (%T), want a GraphError wrapping %v", tt.reason, err, err, tt.cause)
			continue
		}
		if !strings.HasPrefix(ge.Path, tt.path) {
			t.Errorf("%s: path = %q, want %q", tt.reason, ge.Path, tt.path)
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %q, want it to mention %q", tt.reason, err, tt.mention)
		}
	}
}

func TestParseGraphErrorPosition(t *testing.T) {
	in := "{\n\"nodes\": [{\"version\": \"4.7.1\"}, {\"version\": \"4.7.2\"}],\n\"edges\": [\n  [0, 1],\n  [1, 7]\n]}"
	_, err := ParseGraph([]byte(in))
	var ge *GraphError
	if !errors.As(err, &ge) {
		t.Fatal(err)
	}
	if ge.Line != 5 || in[ge.Offset:ge.Offset+1] != "7" || ge.Path != "edges[1][1]" {
		t.Errorf("error at line %d, offset %d (%q), path %s; want line 5 at the 7 of edges[1][1]", ge.Line, ge.Offset, in[ge.Offset:], ge.Path)
	}
}

func TestParseGraphAcceptsValidJSONVariants(t *testing.T) {
	for _, tt := range []struct{ reason, in string }{
		{"keys in any order, edges before nodes", `{"edges":[[1,0]],"conditionalEdges":[],"nodes":[{"version":"4.7.2"},{"version":"4.7.1"}],"version":1}`},
		{"unknown fields everywhere are skipped", `{"x":{"y":[1,2.5e3,true,false,null,"s"]},"nodes":[{"version":"4.7.1","z":[]},{"version":"4.7.2","metadata":{"k":"v"}}],"edges":[[0,1]],"conditionalEdges":[{"q":1,"edges":[{"from":"4.7.1","to":"4.7.2","w":0}],"risks":[{"name":"R","extra":{},"matchingRules":[{"type":"Always","n":null}]}]}]}`},
		{"nulls for absent values", `{"version":1,"nodes":[{"version":"4.7.1","payload":null,"metadata":null},{"version":"4.7.2"}],"edges":[[0,1]],"conditionalEdges":null}`},
		{"no conditionalEdges (older services)", `{"nodes":[{"version":"4.7.1"},{"version":"4.7.2"}],"edges":[[0,1]]}`},
		{"escapes in strings", `{"nodes":[{"version":"4.7.\u0031","payload":"a\"b\\c\/d\n\u00e9\ud83d\ude00"},{"version":"4.7.2"}],"edges":[[0,1]]}`},
		{"whitespace everywhere", " {\r\n\t\"nodes\" : [ { \"version\" : \"4.7.1\" } , {\"version\":\"4.7.2\"} ] , \"edges\" : [ [ 0 , 1 ] ] } \n"},
	} {
		g, err := ParseGraph([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		u, err := g.Updates("4.7.1")
		if err != nil || len(u.Recommended)+len(u.Conditional) != 1 {
			t.Errorf("%s: updates from 4.7.1 = %+v, %v; want the one to 4.7.2", tt.reason, u, err)
		}
	}
	g, _ := ParseGraph([]byte(`{"nodes":[{"version":"4.7.1","payload":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}],"edges":[]}`))
	if n, _ := g.Lookup("4.7.1"); n.Payload != "a\"b\\c/d\né😀" {
		t.Errorf("escapes decoded as %q", n.Payload)
	}
}

func TestKeepUnknownRules(t *testing.T) {
	in := graphJSON([]string{"4.7.1", "4.7.2", "4.7.3"}, "4.7.1>4.7.2",
		cond{edges: "4.7.1>4.7.3", risks: `{"name":"R","matchingRules":[{"type":"Telepathy"},{"type":"Always"}]}`},
		cond{edges: "4.7.1>4.7.2", risks: `{"name":"S","matchingRules":[{"type":"Telepathy"}]}`})
	if _, err := ParseGraph([]byte(in)); !errors.Is(err, ErrUnknownRuleType) {
		t.Fatalf("without the option: %v, want ErrUnknownRuleType", err)
	}
	g, err := ParseGraph([]byte(in), KeepUnknownRules())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := g.Updates("4.7.1")
	got := map[string]any{"recommended": versions(u.Recommended), "conditional": len(u.Conditional)}
	want := map[string]any{"recommended": []string{}, "conditional": 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if r := u.Conditional[0].Risks[0].MatchingRules; len(r) != 1 || r[0].Type != RuleAlways {
		t.Errorf("the unknown rule must be pruned from the risk, got %+v", r)
	}
	if raw := g.ConditionalEdges()[0].Risks[0].MatchingRules; len(raw) != 2 {
		t.Errorf("ConditionalEdges must keep the rules as listed, got %+v", raw)
	}
}

func TestFilter(t *testing.T) {
	g := parseReal(t, "stable-4.7")
	for _, tt := range []struct {
		channel        string
		nodes          int
		condPairs      int
		newest, reason string
	}{
		{"stable-4.7", 102, 13, "4.7.60", "the graph of stable-4.7 filtered to stable-4.7 is itself"},
		{"eus-4.8", 76, 0, "4.7.60", "eus-4.8 lacks 4.7 releases before 4.7.34, so the conditional edges into 4.7.4 go"},
		{"stable-4.6", 46, 0, "4.6.56", "only the 4.6 releases that were in stable-4.6 (4.6.59 was not)"},
		{"fast-4.9", 0, 0, "", "a channel no release lists"},
	} {
		fg := g.Filter(tt.channel)
		newest := ""
		if fg.Len() > 0 {
			newest = fg.Nodes()[0].Version.String()
		}
		if fg.Len() != tt.nodes || fg.NumConditionalEdges() != tt.condPairs || newest != tt.newest || fg.Channel() != tt.channel {
			t.Errorf("%s: Filter(%s) = %v, newest %q", tt.reason, tt.channel, fg, newest)
		}
		for f, to := range fg.Edges() {
			if !f.InChannel(tt.channel) || !to.InChannel(tt.channel) {
				t.Fatalf("%s: edge %s → %s leaves the channel", tt.reason, f.Version, to.Version)
			}
		}
	}
	if g.Filter("stable-4.7").NumEdges() != g.NumEdges() {
		t.Error("filtering to the graph's own channel must keep every edge")
	}
	// Edges between kept nodes are all kept: count them independently.
	want := 0
	for f, to := range g.Edges() {
		if f.InChannel("eus-4.8") && to.InChannel("eus-4.8") {
			want++
		}
	}
	if got := g.Filter("eus-4.8").NumEdges(); got != want {
		t.Errorf("eus-4.8 has %d edges, want %d", got, want)
	}
}

func TestNodeChannels(t *testing.T) {
	n := Node{Metadata: map[string]string{ChannelsKey: "stable-4.7, eus-4.8,,candidate-4.7", "url": "https://errata.example/1"}}
	if d := cmp.Diff([]string{"candidate-4.7", "eus-4.8", "stable-4.7"}, n.Channels()); d != "" {
		t.Errorf("Channels must be split, trimmed, without empties, sorted (-want +got):\n%s", d)
	}
	if !n.InChannel("eus-4.8") || n.InChannel("eus-4.") || n.InChannel("") {
		t.Error("InChannel must match whole names")
	}
	if n.URL() != "https://errata.example/1" {
		t.Error("URL")
	}
}

func TestLookup(t *testing.T) {
	g := mustGraph(t, []string{"4.6.1+amd64", "4.6.1+s390x", "4.6.2+amd64", "4.6.3"}, "")
	for _, tt := range []struct {
		q, want, reason string
	}{
		{"4.6.1+amd64", "4.6.1+amd64", "the exact string"},
		{"4.6.2", "4.6.2+amd64", "the only node of that precedence"},
		{"4.6.1", "", "ambiguous: two architectures"},
		{"4.6.3+amd64", "", "metadata in the query must match a node"},
		{"4.6.9", "", "absent"},
		{"garbage", "", "not a version"},
	} {
		n, ok := g.Lookup(tt.q)
		got := ""
		if ok {
			got = n.Version.String()
		}
		if got != tt.want {
			t.Errorf("%s: Lookup(%q) = %q, want %q", tt.reason, tt.q, got, tt.want)
		}
	}
}

func FuzzParseGraph(f *testing.F) {
	f.Add([]byte(graphJSON([]string{"4.7.1", "4.7.2", "4.8.0"}, "4.7.1>4.7.2 4.7.2>4.8.0",
		cond{edges: "4.7.1>4.8.0", risks: promql("R", "up == 1")})))
	f.Add([]byte(`{"edges":[[1,0]],"nodes":[{"version":"4.7.2"},{"version":"4.7.1"}]}`))
	f.Add([]byte(`{"nodes":[{"version":"4.7.\u0031","payload":"\ud83d\ude00"}],"edges":[],"x":[1e5,true,null]}`))
	f.Add([]byte(`{"nodes":[],"edges":[[0,0]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGraph(data, KeepUnknownRules())
		if err != nil {
			var ge *GraphError
			if g != nil || !errors.As(err, &ge) || ge.Offset < 0 || ge.Offset > len(data) || ge.Err == nil {
				t.Fatalf("bad error: graph %v, err %v", g, err)
			}
			return
		}
		// Whatever we accept is JSON. (Counts are not compared with
		// encoding/json: it matches keys case-insensitively.)
		if !json.Valid(data) {
			t.Fatal("we accepted invalid JSON")
		}
		edges := 0
		for range g.Edges() {
			edges++
		}
		if edges != g.NumEdges() {
			t.Fatalf("Edges() yields %d, NumEdges is %d", edges, g.NumEdges())
		}
		nodes := g.Nodes()
		for _, n := range nodes {
			if _, err := g.Updates(n.Version.String()); err != nil {
				t.Fatal(err)
			}
			if got, ok := g.Lookup(n.Version.String()); !ok || got.Version != n.Version {
				t.Fatalf("Lookup(%s) = %v, %v", n.Version, got, ok)
			}
		}
		if len(nodes) > 1 {
			_, _ = g.FindPath(nodes[len(nodes)-1].Version.String(), nodes[0].Version.String(), PathOptions{AllowConditional: true})
			_, _ = g.FindPath(nodes[len(nodes)-1].Version.String(), nodes[0].Version.String(), PathOptions{})
		}
		_ = g.Filter("stable-4.7")
	})
}
