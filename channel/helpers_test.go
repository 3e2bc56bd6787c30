package channel

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// realGraphs are the update-service responses in testdata (see NOTICE.md).
var realGraphs = map[string]string{
	"stable-4.7":     "testdata/stable-4.7-amd64-2022-12.json",
	"stable-4.8":     "testdata/stable-4.8-amd64-2022-12.json",
	"stable-4.9":     "testdata/stable-4.9-amd64-2022-12.json",
	"candidate-4.12": "testdata/candidate-4.12-multi-2022-12.json",
}

func readGraph(t testing.TB, channel string) []byte {
	t.Helper()
	b, err := os.ReadFile(realGraphs[channel])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseReal(t testing.TB, channel string) *Graph {
	t.Helper()
	g, err := ParseGraph(readGraph(t, channel))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// cond is one conditionalEdges entry of a test graph: edges "a>b c>d" and
// risks given as JSON.
type cond struct {
	edges string
	risks string
}

// always and promql are risks of one rule.
func always(name string) string {
	return `{"name":"` + name + `","message":"` + name + ` breaks things.","url":"https://issues.example/` + name + `","matchingRules":[{"type":"Always"}]}`
}

func promql(name, query string) string {
	q, _ := json.Marshal(query)
	return `{"name":"` + name + `","message":"` + name + ` breaks things.","url":"https://issues.example/` + name + `","matchingRules":[{"type":"PromQL","promql":{"promql":` + string(q) + `}}]}`
}

// graphJSON renders a graph: nodes by version, edges as "a>b c>d".
func graphJSON(nodes []string, edges string, conds ...cond) string {
	idx := map[string]int{}
	var b strings.Builder
	b.WriteString(`{"version":1,"nodes":[`)
	for i, v := range nodes {
		idx[v] = i
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"version":"` + v + `","payload":"quay.io/openshift-release-dev/ocp-release:` + v + `","metadata":{}}`)
	}
	b.WriteString(`],"edges":[`)
	for i, e := range strings.Fields(edges) {
		from, to, _ := strings.Cut(e, ">")
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("[" + itoa(idx[from]) + "," + itoa(idx[to]) + "]")
	}
	b.WriteString(`],"conditionalEdges":[`)
	for i, c := range conds {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"edges":[`)
		for j, e := range strings.Fields(c.edges) {
			from, to, _ := strings.Cut(e, ">")
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"from":"` + from + `","to":"` + to + `"}`)
		}
		b.WriteString(`],"risks":[` + c.risks + `]}`)
	}
	b.WriteString("]}")
	return b.String()
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func mustGraph(t testing.TB, nodes []string, edges string, conds ...cond) *Graph {
	t.Helper()
	g, err := ParseGraph([]byte(graphJSON(nodes, edges, conds...)))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func versions(ns []*Node) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.Version.String())
	}
	return out
}
