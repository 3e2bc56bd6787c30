package channel

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
)

// The benchmarks keep their baselines beside them, so the ratios hold on a
// noisy machine: encoding/json into plain structs (what the CVO does) for
// parsing, and a plain breadth-first search over the same adjacency for
// paths. Run them with
//
//	go test -run '^$' -bench . -benchtime 2s ./channel/

func BenchmarkParseStable47(b *testing.B) {
	data := readGraph(b, "stable-4.7")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseGraph(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseStable47Baseline(b *testing.B) {
	data := readGraph(b, "stable-4.7")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var g plainGraph
		if err := json.Unmarshal(data, &g); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	syntheticOnce sync.Once
	syntheticData []byte
)

// syntheticArches and syntheticMinors shape a graph like today's whole
// graph: 5 architectures × 24 minors (4.1 … 4.22, 5.0, 5.1) × 50 z-streams
// = 6,000 nodes; within a minor every release updates to every newer one;
// into the next minor from its 27 newest releases to all 50: 302,250 edges.
// Some conditional edges from the old releases of each minor into the next
// carry a PromQL risk.
var syntheticArches = []string{"amd64", "arm64", "ppc64le", "s390x", "multi"}

const syntheticZ = 50

func syntheticMinors() []Minor {
	var ms []Minor
	for m := (Minor{4, 1}); m.Compare(Minor{5, 1}) <= 0; m = m.Next() {
		ms = append(ms, m)
	}
	return ms
}

func syntheticVersion(m Minor, z int, arch string) string {
	return m.String() + "." + strconv.Itoa(z) + "+" + arch
}

func synthetic(tb testing.TB) []byte {
	tb.Helper()
	syntheticOnce.Do(func() {
		minors := syntheticMinors()
		idx := map[string]int{}
		b := []byte(`{"version":1,"nodes":[`)
		n := 0
		for _, arch := range syntheticArches {
			for _, m := range minors {
				for z := 0; z < syntheticZ; z++ {
					v := syntheticVersion(m, z, arch)
					idx[v] = n
					if n > 0 {
						b = append(b, ',')
					}
					n++
					b = append(b, `{"version":"`...)
					b = append(b, v...)
					b = append(b, `","payload":"quay.io/openshift-release-dev/ocp-release@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","metadata":{"io.openshift.upgrades.graph.release.channels":"candidate-`...)
					b = append(b, m.String()...)
					b = append(b, `,fast-`...)
					b = append(b, m.String()...)
					b = append(b, `,stable-`...)
					b = append(b, m.String()...)
					b = append(b, `","io.openshift.upgrades.graph.release.manifestref":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","url":"https://access.redhat.com/errata/RHBA-2026:`...)
					b = strconv.AppendInt(b, int64(n), 10)
					b = append(b, `"}}`...)
				}
			}
		}
		b = append(b, `],"edges":[`...)
		first := true
		edge := func(from, to string) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(idx[from]), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(idx[to]), 10)
			b = append(b, ']')
		}
		for _, arch := range syntheticArches {
			for i, m := range minors {
				for z := 0; z < syntheticZ; z++ {
					for z2 := z + 1; z2 < syntheticZ; z2++ {
						edge(syntheticVersion(m, z, arch), syntheticVersion(m, z2, arch))
					}
					if i+1 < len(minors) && z >= syntheticZ-27 {
						for z2 := 0; z2 < syntheticZ; z2++ {
							edge(syntheticVersion(m, z, arch), syntheticVersion(minors[i+1], z2, arch))
						}
					}
				}
			}
		}
		b = append(b, `],"conditionalEdges":[`...)
		for i, m := range minors[:len(minors)-1] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"edges":[`...)
			for z := 0; z < 5; z++ {
				if z > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"from":"`+syntheticVersion(m, z, "amd64")+`","to":"`+syntheticVersion(minors[i+1], syntheticZ-1, "amd64")+`"}`...)
			}
			b = append(b, `],"risks":[`+promql("Risk"+strconv.Itoa(i), `cluster_infrastructure_provider{type=~"VSphere|None"}`)+`]}`...)
		}
		syntheticData = append(b, "]}"...)
	})
	return syntheticData
}

func TestSyntheticGraphShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 300k-edge graph")
	}
	g, err := ParseGraph(synthetic(t))
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 6000 || g.NumEdges() != 302250 || g.NumConditionalEdges() != 23*5 {
		t.Errorf("synthetic graph is %v, want 6000 nodes, 302250 edges, 115 conditional edges", g)
	}
	p, err := g.FindPath(benchPathFrom, benchPathTo, PathOptions{})
	if err != nil || len(p.Hops) != 4 {
		t.Errorf("path across two minors: %v, %v", p.Versions(), err)
	}
	u, err := g.Updates(benchUpdatesFrom)
	if err != nil || len(u.Recommended) != 26+50 {
		t.Errorf("updates: %d, %v", len(u.Recommended), err)
	}
}

func BenchmarkParseSynthetic(b *testing.B) {
	data := synthetic(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseGraph(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSyntheticBaseline(b *testing.B) {
	data := synthetic(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var g plainGraph
		if err := json.Unmarshal(data, &g); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	syntheticGraphOnce sync.Once
	syntheticGraph     *Graph
)

func parsedSynthetic(b *testing.B) *Graph {
	syntheticGraphOnce.Do(func() {
		g, err := ParseGraph(synthetic(b))
		if err != nil {
			b.Fatal(err)
		}
		syntheticGraph = g
	})
	return syntheticGraph
}

// benchUpdatesFrom has one of the largest out-degrees: the newer z-streams
// of its minor and all 50 of the next.
const (
	benchUpdatesFrom = "4.14.23+amd64"
	benchPathFrom    = "4.12.0+amd64"
	benchPathTo      = "4.14.49+amd64"
)

func BenchmarkUpdates(b *testing.B) {
	g := parsedSynthetic(b)
	b.ReportAllocs()
	for b.Loop() {
		u, err := g.Updates(benchUpdatesFrom)
		if err != nil || len(u.Recommended) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdatesConditional(b *testing.B) {
	g := parsedSynthetic(b)
	b.ReportAllocs()
	for b.Loop() {
		u, err := g.Updates("4.14.0+amd64")
		if err != nil || len(u.Conditional) != 1 {
			b.Fatal(err, len(u.Conditional))
		}
	}
}

func BenchmarkFindPath(b *testing.B) {
	g := parsedSynthetic(b)
	b.ReportAllocs()
	for b.Loop() {
		p, err := g.FindPath(benchPathFrom, benchPathTo, PathOptions{})
		if err != nil || len(p.Hops) != 4 {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindPathBaselineBFS is a plain breadth-first search over the same
// adjacency: no minor rules, no preference among shortest paths.
func BenchmarkFindPathBaselineBFS(b *testing.B) {
	g := parsedSynthetic(b)
	f, t := g.byVersion[benchPathFrom], g.byVersion[benchPathTo]
	b.ReportAllocs()
	for b.Loop() {
		if p := bfs(g, f, t); len(p) != 4 {
			b.Fatal(p)
		}
	}
}

func bfs(g *Graph, f, t int32) []int32 {
	parent := make([]int32, len(g.nodes))
	for i := range parent {
		parent[i] = -1
	}
	parent[f] = f
	queue := []int32{f}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == t {
			break
		}
		for _, w := range g.outTo[g.outStart[cur]:g.outStart[cur+1]] {
			if parent[w] < 0 {
				parent[w] = cur
				queue = append(queue, w)
			}
		}
	}
	if parent[t] < 0 {
		return nil
	}
	var path []int32
	for v := t; v != f; v = parent[v] {
		path = append(path, v)
	}
	return append(path, f)
}
