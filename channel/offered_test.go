package channel

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The CVO lists in status.availableUpdates the plain edges of the graph and
// the conditional updates it evaluated as Recommended=True, and keeps every
// conditional update in status.conditionalUpdates
// (cluster-version-operator pkg/cvo/availableupdates.go: addUpdate when the
// Recommended condition is True, removeUpdate otherwise).
func TestOfferedGraph(t *testing.T) {
	always := []MatchingRule{{Type: RuleAlways}}
	for _, tt := range []struct {
		reason      string
		offered     Offered
		recommended []string
		conditional map[string][]string
	}{
		{reason: "availableUpdates are plain edges from the current release, newest first",
			offered:     Offered{Current: "4.14.10", Recommended: []string{"4.14.12", "4.15.3", "4.14.30"}},
			recommended: []string{"4.15.3", "4.14.30", "4.14.12"}},
		{reason: "a conditional update not recommended is a conditional edge with its risks",
			offered: Offered{Current: "4.14.10", Recommended: []string{"4.14.30"},
				Conditional: []OfferedConditional{{Version: "4.15.3", Risks: []Risk{{Name: "ARisk", MatchingRules: always}}}}},
			recommended: []string{"4.14.30"}, conditional: map[string][]string{"4.15.3": {"ARisk"}}},
		{reason: "a conditional update the CVO recommends (it is in availableUpdates too) is a plain edge",
			offered: Offered{Current: "4.14.10", Recommended: []string{"4.15.3"},
				Conditional: []OfferedConditional{{Version: "4.15.3", Risks: []Risk{{Name: "ARisk", MatchingRules: always}}}}},
			recommended: []string{"4.15.3"}},
		{reason: "a risk whose rules the CVO would prune still holds the update back: it is not recommended",
			offered: Offered{Current: "4.14.10",
				Conditional: []OfferedConditional{{Version: "4.15.3", Risks: []Risk{{Name: "Odd", MatchingRules: []MatchingRule{{Type: "Nonsense"}}}}}}},
			conditional: map[string][]string{"4.15.3": {"Odd"}}},
		{reason: "a conditional update without risks is still not recommended",
			offered:     Offered{Current: "4.14.10", Conditional: []OfferedConditional{{Version: "4.15.3"}}},
			conditional: map[string][]string{"4.15.3": {"NotRecommended"}}},
		{reason: "a version listed twice is one edge",
			offered:     Offered{Current: "4.14.10", Recommended: []string{"4.14.12", "4.14.12"}},
			recommended: []string{"4.14.12"}},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			g, err := tt.offered.Graph()
			if err != nil {
				t.Fatal(err)
			}
			if from, ok := g.OnlyFrom(); !ok || from != tt.offered.Current {
				t.Errorf("OnlyFrom() = %q, %v; want %q, true", from, ok, tt.offered.Current)
			}
			u, err := g.Updates(tt.offered.Current)
			if err != nil {
				t.Fatal(err)
			}
			var rec []string
			for _, n := range u.Recommended {
				rec = append(rec, n.Version.String())
			}
			cond := map[string][]string{}
			for _, c := range u.Conditional {
				cond[c.Release.Version.String()] = c.RiskNames()
			}
			if len(cond) == 0 {
				cond = nil
			}
			if diff := cmp.Diff(tt.recommended, rec); diff != "" {
				t.Errorf("recommended (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.conditional, cond); diff != "" {
				t.Errorf("conditional (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOfferedGraphPaths(t *testing.T) {
	g, err := Offered{Current: "4.14.10", Recommended: []string{"4.14.30", "4.15.3"},
		Conditional: []OfferedConditional{{Version: "4.15.9", Risks: []Risk{{Name: "ARisk", MatchingRules: []MatchingRule{{Type: RuleAlways}}}}}}}.Graph()
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.FindPath("4.14.10", "4.15.3", PathOptions{})
	if err != nil || len(p.Hops) != 2 {
		t.Fatalf("FindPath to an offered release = %v, %v; want one hop", p.Versions(), err)
	}
	if _, err := g.FindPath("4.14.10", "4.15.9", PathOptions{}); !errors.Is(err, ErrNoPath) {
		t.Errorf("a conditional update without its risks accepted: err = %v, want ErrNoPath", err)
	}
	p, err = g.FindPath("4.14.10", "4.15.9", PathOptions{AllowConditional: true})
	if err != nil || len(p.Risks) != 1 || p.Risks[0].Name != "ARisk" {
		t.Errorf("with conditional updates allowed: %v, %v; want one hop crossing ARisk", p.Versions(), err)
	}
	if got, want := g.OfferedVersions(), "4.15.3, 4.14.30, 4.15.9 (risks: ARisk)"; got != want {
		t.Errorf("OfferedVersions() = %q, want %q", got, want)
	}
	if _, ok := mustParse(t).OnlyFrom(); ok {
		t.Error("a parsed graph says it lists the updates of one release only")
	}
}

func mustParse(t *testing.T) *Graph {
	t.Helper()
	g, err := ParseGraph([]byte(`{"nodes":[{"version":"4.14.1","payload":"p1"},{"version":"4.14.2","payload":"p2"}],"edges":[[0,1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestOfferedGraphErrorsNameTheField(t *testing.T) {
	for _, tt := range []struct {
		reason  string
		offered Offered
		path    string
		err     error
	}{
		{reason: "no current release", offered: Offered{Recommended: []string{"4.14.2"}}, path: "current", err: ErrNoCurrent},
		{reason: "a current release that is not a version", offered: Offered{Current: "four"}, path: "current", err: ErrInvalidGraph},
		{reason: "an available update that is not a version", offered: Offered{Current: "4.14.1", Recommended: []string{"4.14.2", "x"}},
			path: "recommended[1]", err: ErrInvalidGraph},
		{reason: "the current release offered as its own update", offered: Offered{Current: "4.14.1", Conditional: []OfferedConditional{{Version: "4.14.1"}}},
			path: "conditional[0].version", err: ErrInvalidGraph},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			_, err := tt.offered.Graph()
			var ge *GraphError
			if !errors.As(err, &ge) || ge.Path != tt.path || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v; want a *GraphError at %s wrapping %v", err, tt.path, tt.err)
			}
		})
	}
}
