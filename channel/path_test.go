package channel

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindPathRules(t *testing.T) {
	for _, tt := range []struct {
		reason   string
		nodes    []string
		edges    string
		conds    []cond
		from, to string
		allow    bool
		want     []string
		risks    []string
	}{
		{reason: "a direct z-stream update",
			nodes: []string{"4.14.1", "4.14.2"}, edges: "4.14.1>4.14.2", from: "4.14.1", to: "4.14.2", want: []string{"4.14.1", "4.14.2"}},
		{reason: "never skip a minor, even when the graph has the edge",
			nodes: []string{"4.14.1", "4.15.0", "4.16.0"}, edges: "4.14.1>4.16.0 4.14.1>4.15.0 4.15.0>4.16.0",
			from: "4.14.1", to: "4.16.0", want: []string{"4.14.1", "4.15.0", "4.16.0"}},
		{reason: "4.22 → 5.0 is a minor hop",
			nodes: []string{"4.21.9", "4.22.3", "5.0.1"}, edges: "4.21.9>4.22.3 4.22.3>5.0.1", from: "4.21.9", to: "5.0.1",
			want: []string{"4.21.9", "4.22.3", "5.0.1"}},
		{reason: "4.21 → 5.0 skips 4.22",
			nodes: []string{"4.21.9", "4.22.3", "5.0.1"}, edges: "4.21.9>5.0.1 4.21.9>4.22.3 4.22.3>5.0.1", from: "4.21.9", to: "5.0.1",
			want: []string{"4.21.9", "4.22.3", "5.0.1"}},
		{reason: "fewest hops first",
			nodes: []string{"4.14.1", "4.14.2", "4.14.3", "4.15.0"}, edges: "4.14.1>4.14.2 4.14.2>4.14.3 4.14.3>4.15.0 4.14.2>4.15.0",
			from: "4.14.1", to: "4.15.0", want: []string{"4.14.1", "4.14.2", "4.15.0"}},
		{reason: "then the newest intermediate release",
			nodes: []string{"4.14.1", "4.14.5", "4.14.9", "4.15.0"}, edges: "4.14.1>4.14.5 4.14.1>4.14.9 4.14.5>4.15.0 4.14.9>4.15.0",
			from: "4.14.1", to: "4.15.0", want: []string{"4.14.1", "4.14.9", "4.15.0"}},
		{reason: "newest is compared hop by hop from the start",
			nodes: []string{"4.14.1", "4.14.5", "4.14.9", "4.15.1", "4.15.7", "4.15.9"},
			edges: "4.14.1>4.14.5 4.14.1>4.14.9 4.14.5>4.15.7 4.14.9>4.15.1 4.15.7>4.15.9 4.15.1>4.15.9",
			from:  "4.14.1", to: "4.15.9", want: []string{"4.14.1", "4.14.9", "4.15.1", "4.15.9"}},
		{reason: "no conditional edge by default, even if it is shorter",
			nodes: []string{"4.14.1", "4.14.2", "4.15.0"}, edges: "4.14.1>4.14.2 4.14.2>4.15.0", conds: []cond{{edges: "4.14.1>4.15.0", risks: always("Risky")}},
			from: "4.14.1", to: "4.15.0", want: []string{"4.14.1", "4.14.2", "4.15.0"}},
		{reason: "allowed conditional edges count as updates, and the path reports their risks",
			nodes: []string{"4.14.1", "4.14.2", "4.15.0"}, edges: "4.14.1>4.14.2 4.14.2>4.15.0", conds: []cond{{edges: "4.14.1>4.15.0", risks: always("Risky") + "," + always("Other")}},
			from: "4.14.1", to: "4.15.0", allow: true, want: []string{"4.14.1", "4.15.0"}, risks: []string{"Risky", "Other"}},
		{reason: "with conditional edges allowed, newest intermediates still rank before avoiding them",
			nodes: []string{"4.14.1", "4.14.2", "4.14.3", "4.15.0"}, edges: "4.14.1>4.14.2 4.14.2>4.15.0 4.14.3>4.15.0", conds: []cond{{edges: "4.14.1>4.14.3", risks: always("Risky")}},
			from: "4.14.1", to: "4.15.0", allow: true, want: []string{"4.14.1", "4.14.3", "4.15.0"}, risks: []string{"Risky"}},
		{reason: "a plain edge that is also conditional is conditional",
			nodes: []string{"4.14.1", "4.14.2", "4.15.0"}, edges: "4.14.1>4.15.0 4.14.1>4.14.2 4.14.2>4.15.0", conds: []cond{{edges: "4.14.1>4.15.0", risks: always("Risky")}},
			from: "4.14.1", to: "4.15.0", want: []string{"4.14.1", "4.14.2", "4.15.0"}},
		{reason: "a risk repeated on two hops is reported once",
			nodes: []string{"4.14.1", "4.14.2", "4.15.0"}, conds: []cond{{edges: "4.14.1>4.14.2 4.14.2>4.15.0", risks: always("Risky")}},
			from: "4.14.1", to: "4.15.0", allow: true, want: []string{"4.14.1", "4.14.2", "4.15.0"}, risks: []string{"Risky"}},
		{reason: "an update to a release of equal precedence is no hop",
			nodes: []string{"4.6.1+amd64", "4.6.1+s390x", "4.6.2+amd64", "4.6.3+amd64"}, edges: "4.6.1+amd64>4.6.1+s390x 4.6.1+s390x>4.6.3+amd64 4.6.1+amd64>4.6.2+amd64 4.6.2+amd64>4.6.3+amd64",
			from: "4.6.1+amd64", to: "4.6.3+amd64", want: []string{"4.6.1+amd64", "4.6.2+amd64", "4.6.3+amd64"}},
		{reason: "the same version is a path of one hop",
			nodes: []string{"4.14.1"}, from: "4.14.1", to: "4.14.1", want: []string{"4.14.1"}},
	} {
		g := mustGraph(t, tt.nodes, tt.edges, tt.conds...)
		p, err := g.FindPath(tt.from, tt.to, PathOptions{AllowConditional: tt.allow})
		if err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		if d := cmp.Diff(tt.want, p.Versions()); d != "" {
			t.Errorf("%s: hops (-want +got):\n%s", tt.reason, d)
		}
		if tt.risks == nil {
			tt.risks = []string{}
		}
		if d := cmp.Diff(tt.risks, p.RiskNames()); d != "" {
			t.Errorf("%s: risks (-want +got):\n%s", tt.reason, d)
		}
		if len(p.Conditional) != len(p.Hops)-1 {
			t.Errorf("%s: %d conditional flags for %d hops", tt.reason, len(p.Conditional), len(p.Hops))
		}
	}
}

func TestFindPathErrors(t *testing.T) {
	for _, tt := range []struct {
		reason          string
		nodes           []string
		edges           string
		conds           []cond
		from, to        string
		gapFrom, gapTo  string
		bridge          string
		conditionalPath bool
		mention         []string
	}{
		{reason: "only an edge that skips a minor",
			nodes: []string{"4.14.1", "4.15.0", "4.16.0"}, edges: "4.14.1>4.16.0", from: "4.14.1", to: "4.16.0",
			gapFrom: "4.14", gapTo: "4.15", mention: []string{"no update from 4.14.1 into a 4.15 release that leads to 4.16.0", "no update from 4.14 into 4.15 at all"}},
		{reason: "the newest release that reaches the next minor is older than the current one",
			nodes: []string{"4.13.40", "4.13.45", "4.14.10"}, edges: "4.13.40>4.13.45 4.13.40>4.14.10", from: "4.13.45", to: "4.14.10",
			gapFrom: "4.13", gapTo: "4.14", bridge: "4.13.40", mention: []string{"the newest 4.13 that reaches 4.14 on the way to 4.14.10 is 4.13.40, which is older than 4.13.45"}},
		{reason: "the reachable releases of the next minor do not lead to the target",
			nodes: []string{"4.13.1", "4.13.2", "4.14.3", "4.14.10"}, edges: "4.13.1>4.13.2 4.13.2>4.14.3", from: "4.13.1", to: "4.14.10",
			gapFrom: "4.14", gapTo: "4.14", mention: []string{"no update leads to 4.14.10 from the 4.14 releases 4.13.1 reaches (the newest of them is 4.14.3)"}},
		{reason: "minor updates exist but none leads to the target",
			nodes: []string{"4.13.1", "4.13.2", "4.14.3", "4.14.10"}, edges: "4.13.1>4.13.2 4.13.2>4.14.3 4.14.10>4.14.3", from: "4.13.1", to: "4.14.10",
			gapFrom: "4.14", gapTo: "4.14"},
		{reason: "the bridge exists but the current release does not reach it",
			nodes: []string{"4.13.1", "4.13.2", "4.13.5", "4.14.10"}, edges: "4.13.1>4.13.2 4.13.5>4.14.10", from: "4.13.1", to: "4.14.10",
			gapFrom: "4.13", gapTo: "4.14", bridge: "4.13.5", mention: []string{"any 4.13 release reachable from 4.13.1 (up to 4.13.2)", "is 4.13.5, which 4.13.1 does not reach"}},
		{reason: "a conditional path exists but was not allowed",
			nodes: []string{"4.14.1", "4.15.0"}, conds: []cond{{edges: "4.14.1>4.15.0", risks: always("Risky")}}, from: "4.14.1", to: "4.15.0",
			gapFrom: "4.14", gapTo: "4.15", conditionalPath: true, mention: []string{"a path exists through conditional updates (risks: Risky)"}},
		{reason: "a downgrade", nodes: []string{"4.14.1", "4.14.2"}, edges: "4.14.1>4.14.2", from: "4.14.2", to: "4.14.1",
			mention: []string{"4.14.1 is not newer than 4.14.2", "no rollback"}},
		{reason: "a major jump", nodes: []string{"4.14.1", "6.0.0"}, from: "4.14.1", to: "6.0.0",
			mention: []string{"from 4.14 no sequence of them reaches 6.0"}},
	} {
		g := mustGraph(t, tt.nodes, tt.edges, tt.conds...)
		_, err := g.FindPath(tt.from, tt.to, PathOptions{})
		var np *NoPathError
		if !errors.Is(err, ErrNoPath) || !errors.As(err, &np) {
			t.Errorf("%s: err = %v, want a NoPathError", tt.reason, err)
			continue
		}
		var gf, gt string
		if np.GapFrom != (Minor{}) {
			gf, gt = np.GapFrom.String(), np.GapTo.String()
		}
		got := []any{gf, gt, np.Bridge, np.ConditionalPath}
		want := []any{tt.gapFrom, tt.gapTo, tt.bridge, tt.conditionalPath}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: gap from, gap to, bridge, conditional path (-want +got):\n%s\n%v", tt.reason, d, err)
		}
		for _, m := range tt.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%s: %q\nwant it to mention %q", tt.reason, err, m)
			}
		}
	}
	g := mustGraph(t, []string{"4.14.1"}, "")
	if _, err := g.FindPath("4.14.1", "4.14.9", PathOptions{}); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("a missing target: %v", err)
	}
	if _, err := g.FindPath("4.13.9", "4.14.1", PathOptions{}); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("a missing source: %v", err)
	}
}

// Multi-hop paths across minors on the real stable-4.9 graph.
func TestFindPathRealStable49(t *testing.T) {
	g := parseReal(t, "stable-4.9")
	for _, tt := range []struct {
		from, to string
		want     []string
		reason   string
	}{
		{"4.8.2", "4.9.53", []string{"4.8.2", "4.8.54", "4.9.53"}, "the oldest 4.8 reaches the newest 4.9 through the newest 4.8"},
		{"4.8.2", "4.8.54", []string{"4.8.2", "4.8.54"}, "a direct z-stream update"},
		{"4.8.54", "4.9.53", []string{"4.8.54", "4.9.53"}, "a direct minor update"},
	} {
		p, err := g.FindPath(tt.from, tt.to, PathOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		if d := cmp.Diff(tt.want, p.Versions()); d != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.reason, d)
		}
	}
	// 4.8.10 has no path to 4.9.5: every 4.8 it reaches is too new to go
	// into 4.9.5. The error names the hop and the bridge.
	_, err := g.FindPath("4.8.10", "4.9.5", PathOptions{})
	var np *NoPathError
	if !errors.As(err, &np) || np.GapFrom != (Minor{4, 8}) || np.GapTo != (Minor{4, 9}) {
		t.Fatalf("4.8.10 → 4.9.5: %v", err)
	}
}

// pathOracle finds the best path by enumerating every path through the
// updates the public Updates API offers, independently of FindPath's
// search: fewest hops, then newest intermediates from the start.
func pathOracle(g *Graph, from, to string, allow bool) []string {
	best := []string(nil)
	var walk func(path []string, depth int)
	better := func(a, b []string) bool {
		if b == nil || len(a) < len(b) {
			return true
		}
		if len(a) > len(b) {
			return false
		}
		for i := range a {
			va, vb := MustParseVersion(a[i]), MustParseVersion(b[i])
			if c := va.order(vb); c != 0 {
				return c > 0
			}
		}
		return false
	}
	walk = func(path []string, depth int) {
		cur := path[len(path)-1]
		if cur == to {
			if better(path, best) {
				best = append([]string(nil), path...)
			}
			return
		}
		if depth == 0 {
			return
		}
		u, _ := g.Updates(cur)
		next := u.Recommended
		if allow {
			for _, c := range u.Conditional {
				next = append(next, c.Release)
			}
		}
		cv := MustParseVersion(cur)
		for _, n := range next {
			if !Classify(cv, n.Version).Allowed() || n.Version.Compare(MustParseVersion(to)) > 0 {
				continue
			}
			walk(append(path, n.Version.String()), depth-1)
		}
	}
	for depth := 1; depth <= 4 && best == nil; depth++ {
		walk([]string{from}, depth)
	}
	return best
}

func TestFindPathAgreesWithOracle(t *testing.T) {
	for _, name := range []string{"stable-4.7", "stable-4.9"} {
		g := parseReal(t, name)
		nodes := g.Nodes()
		pairs := 0
		for i := len(nodes) - 1; i >= 0; i -= 13 {
			for j := 0; j < i; j += 9 {
				from, to := nodes[i].Version.String(), nodes[j].Version.String()
				for _, allow := range []bool{false, true} {
					want := pathOracle(g, from, to, allow)
					p, err := g.FindPath(from, to, PathOptions{AllowConditional: allow})
					var got []string
					if err == nil {
						got = p.Versions()
					}
					if d := cmp.Diff(want, got); d != "" {
						t.Fatalf("%s %s → %s (allow %v): (-oracle +FindPath):\n%s\nerr %v", name, from, to, allow, d, err)
					}
					pairs++
				}
			}
		}
		if pairs < 50 {
			t.Errorf("%s: only %d pairs checked", name, pairs)
		}
	}
}

// Risks accepted by name, as `oc adm upgrade recommend --accept NAME`
// accepts them: a conditional update is taken only when every one of its
// risks is accepted; a name that matches no risk changes nothing.
func TestFindPathAcceptsRisksByName(t *testing.T) {
	nodes := []string{"4.14.1", "4.14.2", "4.15.0", "4.15.3"}
	edges := "4.14.1>4.14.2 4.14.2>4.15.0"
	conds := []cond{
		{edges: "4.14.1>4.15.0", risks: always("Risky") + "," + always("Other")},
		{edges: "4.14.1>4.15.3", risks: always("Risky")},
	}
	g := mustGraph(t, nodes, edges, conds...)
	for _, tt := range []struct {
		reason    string
		to        string
		accept    []string
		want      []string
		noPath    bool
		wantRisks []string
	}{
		{reason: "an unknown name keeps the recommended path", to: "4.15.0", accept: []string{"Bogus"}, want: []string{"4.14.1", "4.14.2", "4.15.0"}},
		{reason: "one of two risks accepted is not enough", to: "4.15.0", accept: []string{"Risky"}, want: []string{"4.14.1", "4.14.2", "4.15.0"}},
		{reason: "both risks accepted: the shorter conditional hop", to: "4.15.0", accept: []string{"Risky", "Other"}, want: []string{"4.14.1", "4.15.0"}, wantRisks: []string{"Risky", "Other"}},
		{reason: "the only way there with its one risk accepted", to: "4.15.3", accept: []string{"Risky"}, want: []string{"4.14.1", "4.15.3"}, wantRisks: []string{"Risky"}},
		{reason: "the only way there with another risk accepted: no path", to: "4.15.3", accept: []string{"Other"}, noPath: true},
	} {
		p, err := g.FindPath("4.14.1", tt.to, PathOptions{AcceptRisks: tt.accept})
		if tt.noPath {
			if !errors.Is(err, ErrNoPath) {
				t.Errorf("%s: err = %v, want ErrNoPath", tt.reason, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.reason, err)
			continue
		}
		if d := cmp.Diff(tt.want, p.Versions()); d != "" {
			t.Errorf("%s: hops (-want +got):\n%s", tt.reason, d)
		}
		if tt.wantRisks == nil {
			tt.wantRisks = []string{}
		}
		if d := cmp.Diff(tt.wantRisks, p.RiskNames()); d != "" {
			t.Errorf("%s: risks (-want +got):\n%s", tt.reason, d)
		}
	}
}
