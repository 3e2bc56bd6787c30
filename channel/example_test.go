package channel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/virtupdate/virtupdate/channel"
)

// A small graph in the update service's format: 4.14.1 → 4.14.2 → 4.15.0,
// and a conditional update 4.14.1 → 4.15.0 with one risk.
const example = `{"version": 1,
 "nodes": [
  {"version": "4.14.1", "payload": "quay.io/openshift-release-dev/ocp-release@sha256:01", "metadata": {"io.openshift.upgrades.graph.release.channels": "stable-4.14,stable-4.15"}},
  {"version": "4.14.2", "payload": "quay.io/openshift-release-dev/ocp-release@sha256:02", "metadata": {"io.openshift.upgrades.graph.release.channels": "stable-4.14,stable-4.15"}},
  {"version": "4.15.0", "payload": "quay.io/openshift-release-dev/ocp-release@sha256:03", "metadata": {"io.openshift.upgrades.graph.release.channels": "stable-4.15"}}],
 "edges": [[0, 1], [1, 2]],
 "conditionalEdges": [{"edges": [{"from": "4.14.1", "to": "4.15.0"}],
   "risks": [{"name": "SDNPodNetworkLoss", "message": "Pods may lose network on SDN clusters.", "url": "https://issues.example/1",
              "matchingRules": [{"type": "PromQL", "promql": {"promql": "max(cluster_infrastructure_provider{type=\"SDN\"})"}}]}]}]}`

func ExampleParseGraph() {
	g, err := channel.ParseGraph([]byte(example))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g)
	_, err = channel.ParseGraph([]byte(`{"nodes": [{"version": "4.14.1"}], "edges": [[0, 1]]}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, channel.ErrEdgeOutOfRange))
	// Output:
	// graph of 3 nodes, 2 edges, 1 conditional edges
	// graph JSON, edges[0][1] (line 1, byte 49): edge index out of range: node index 1 is out of range: the graph has 1 nodes (0 to 0)
	// true
}

func ExampleGraph_Updates() {
	g, _ := channel.ParseGraph([]byte(example))
	u, err := g.Updates("4.14.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range u.Recommended {
		fmt.Println("recommended:", n.Version)
	}
	for _, c := range u.Conditional {
		fmt.Println("conditional:", c.Release.Version, c.RiskNames())
	}
	_, err = g.Updates("4.13.9")
	fmt.Println(errors.Is(err, channel.ErrVersionNotFound))
	// Output:
	// recommended: 4.14.2
	// conditional: 4.15.0 [SDNPodNetworkLoss]
	// true
}

func ExampleGraph_Filter() {
	g, _ := channel.ParseGraph([]byte(example))
	fmt.Println(g.Filter("stable-4.14"))
	// Output:
	// graph of 2 nodes, 1 edges, 0 conditional edges (channel stable-4.14)
}

func ExampleGraph_FindPath() {
	g, _ := channel.ParseGraph([]byte(example))
	p, _ := g.FindPath("4.14.1", "4.15.0", channel.PathOptions{})
	fmt.Println(p.Versions(), p.RiskNames())
	p, _ = g.FindPath("4.14.1", "4.15.0", channel.PathOptions{AllowConditional: true})
	fmt.Println(p.Versions(), p.RiskNames())
	// Output:
	// [4.14.1 4.14.2 4.15.0] []
	// [4.14.1 4.15.0] [SDNPodNetworkLoss]
}

// When there is no path, the error names the missing hop.
func ExampleNoPathError() {
	data, _ := os.ReadFile("testdata/stable-4.9-amd64-2022-12.json")
	g, _ := channel.ParseGraph(data)
	_, err := g.FindPath("4.8.10", "4.9.5", channel.PathOptions{})
	var np *channel.NoPathError
	if errors.As(err, &np) {
		fmt.Println("missing hop:", np.GapFrom, "→", np.GapTo)
	}
	// Output:
	// missing hop: 4.8 → 4.9
}

func ExampleEvaluate() {
	g, _ := channel.ParseGraph([]byte(example))
	u, _ := g.Updates("4.14.1")
	// On a real cluster the querier asks thanos-querier; here the cluster
	// runs OpenShift SDN.
	prom := channel.PromQLFunc(func(context.Context, string) ([]float64, error) { return []float64{1}, nil })
	e := channel.Evaluate(context.Background(), channel.Rules{PromQL: prom}, u.Conditional[0], nil)
	fmt.Println(e.Recommended.Status, e.Recommended.Reason)
	fmt.Println(e.Recommended.Message)
	e = channel.Evaluate(context.Background(), channel.Rules{PromQL: prom}, u.Conditional[0], []string{"SDNPodNetworkLoss"})
	fmt.Println(e.Recommended.Status, e.Recommended.Reason)
	e = channel.Evaluate(context.Background(), channel.Rules{}, u.Conditional[0], nil)
	fmt.Println(e.Recommended.Status, e.Recommended.Reason)
	// Output:
	// False SDNPodNetworkLoss
	// Pods may lose network on SDN clusters. https://issues.example/1
	// True AllExposedRisksAccepted
	// Unknown EvaluationFailed
}

func ExampleUpdates_Available() {
	g, _ := channel.ParseGraph([]byte(example))
	u, _ := g.Updates("4.14.1")
	notSDN := channel.PromQLFunc(func(context.Context, string) ([]float64, error) { return []float64{0}, nil })
	avail, _ := u.Available(context.Background(), channel.Rules{PromQL: notSDN}, nil)
	for _, n := range avail {
		fmt.Println(n.Version)
	}
	// Output:
	// 4.15.0
	// 4.14.2
}

func ExampleMatchRisk() {
	risk := channel.Risk{Name: "CephParallelFsync", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}}}
	applies, err := channel.MatchRisk(context.Background(), channel.Rules{}, risk)
	fmt.Println(applies, err)
	// Output:
	// true <nil>
}

func ExampleParseVersion() {
	v, _ := channel.ParseVersion("4.12.0-rc.3+multi")
	fmt.Println(v.MinorVersion(), v.Prerelease(), v.Metadata())
	_, err := channel.ParseVersion("4.12")
	fmt.Println(errors.Is(err, channel.ErrInvalidVersion))
	// Output:
	// 4.12 rc.3 multi
	// true
}

func ExampleClassify() {
	v := channel.MustParseVersion
	fmt.Println(channel.Classify(v("4.14.3"), v("4.14.10")))
	fmt.Println(channel.Classify(v("4.22.5"), v("5.0.1")))
	fmt.Println(channel.Classify(v("4.14.10"), v("4.16.2")))
	// Output:
	// z-stream
	// minor
	// skip-minor
}

func ExampleMinor_Next() {
	m, _ := channel.ParseMinor("4.22")
	fmt.Println(m.Next())
	// Output:
	// 5.0
}

func ExampleParseChannel() {
	c, err := channel.ParseChannel("eus-4.16")
	fmt.Println(c.Kind, c.Minor, err)
	_, err = channel.ParseChannel("eus-4.15")
	fmt.Println(err)
	// Output:
	// eus 4.16 <nil>
	// invalid channel "eus-4.15": 4.15 is not an EUS minor (EUS minors are the even ones from 4.6 to 4.22); use stable-4.15
}

func ExampleOfferedChannels() {
	fmt.Println(channel.OfferedChannels(channel.Minor{Major: 4, Minor: 14}))
	// Output:
	// [candidate-4.14 fast-4.14 stable-4.14 eus-4.14 candidate-4.15 fast-4.15 stable-4.15 eus-4.16]
}

func ExampleChannel_Admits() {
	eus48 := channel.MustParseChannel("eus-4.8")
	fmt.Println(eus48.Admits(channel.MustParseVersion("4.7.33")), eus48.Admits(channel.MustParseVersion("4.7.34")))
	// Output:
	// false true
}

func ExampleExpectedIn() {
	inFast := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	from, to, _ := channel.ExpectedIn(channel.Stable, inFast, true)
	fmt.Println(from.Format(time.DateOnly), "to", to.Format(time.DateOnly))
	// Output:
	// 2026-04-16 to 2026-05-31
}

func ExampleCheckCNVUpdate() {
	v := channel.MustParseVersion
	fmt.Println(channel.CheckCNVUpdate(v("4.14.20"), v("4.14.3"), v("4.14.12")))
	fmt.Println(channel.CheckCNVUpdate(v("4.14.20"), v("4.14.12"), v("4.15.1")))
	// Output:
	// <nil>
	// OpenShift Virtualization would lead OpenShift: CNV 4.15.1 needs OpenShift 4.15, and the cluster runs 4.14.20: update OpenShift to 4.15 first
}

func ExampleNextCNVUpdate() {
	v := channel.MustParseVersion
	catalog := []channel.Version{v("4.14.3"), v("4.14.12"), v("4.15.4")}
	next, _ := channel.NextCNVUpdate(v("4.15.1"), v("4.14.3"), catalog)
	fmt.Println(next)
	next, _ = channel.NextCNVUpdate(v("4.15.1"), next, catalog)
	fmt.Println(next)
	// Output:
	// 4.14.12
	// 4.15.4
}

func ExampleCheckCNVOnOCP() {
	v := channel.MustParseVersion
	err := channel.CheckCNVOnOCP(v("4.14.12"), v("4.15.1"))
	fmt.Println(errors.Is(err, channel.ErrCNVBehindOCP))
	// Output:
	// true
}

func ExampleOCPMinorForCNV() {
	ocp, confirmed, _ := channel.OCPMinorForCNV(channel.Minor{Major: 2, Minor: 5})
	fmt.Println(ocp, confirmed)
	ocp, confirmed, _ = channel.OCPMinorForCNV(channel.Minor{Major: 2, Minor: 6})
	fmt.Println(ocp, confirmed)
	// Output:
	// 4.6 true
	// 4.7 false
}

func ExampleIsEUS() {
	for _, m := range []channel.Minor{{Major: 4, Minor: 4}, {Major: 4, Minor: 6}, {Major: 4, Minor: 15}, {Major: 4, Minor: 22}} {
		fmt.Print(m, " ", channel.IsEUS(m), "; ")
	}
	fmt.Println()
	// Output:
	// 4.4 false; 4.6 true; 4.15 false; 4.22 true;
}

// A pre-flight check written once against Compatibility runs with the
// OpenShift rules and with the upstream table alike; the generic sentinels
// tell what to update first.
func ExampleCompatibility() {
	check := func(c channel.Compatibility, operator, platform string) {
		err := c.CheckOn(channel.MustParseVersion(operator), channel.MustParseVersion(platform))
		switch {
		case err == nil:
			fmt.Println(operator, "on", platform, "is supported")
		case errors.Is(err, channel.ErrPlatformTooOld):
			fmt.Println(operator, "on", platform, ": update the platform first")
		case errors.Is(err, channel.ErrPlatformTooNew):
			fmt.Println(operator, "on", platform, ": update the operator")
		default:
			fmt.Println(err)
		}
	}
	check(channel.OpenShift{}, "4.14.3", "4.14.20")
	check(channel.OpenShift{}, "4.15.0", "4.14.20")
	check(channel.Upstream{}, "1.18.1", "1.34.2")
	check(channel.Upstream{}, "1.16.0", "1.35.0")
	// Output:
	// 4.14.3 on 4.14.20 is supported
	// 4.15.0 on 4.14.20 : update the platform first
	// 1.18.1 on 1.34.2 is supported
	// 1.16.0 on 1.35.0 : update the operator
}

// Upstream HCO on plain Kubernetes: which release runs where, and the
// update the catalog offers, minor by minor.
func ExampleUpstream() {
	r, _ := channel.Upstream{}.Release(channel.Minor{Major: 1, Minor: 18})
	fmt.Printf("HCO %s deploys KubeVirt %s: Kubernetes %s to %s\n", r.HCO, r.KubeVirt, r.MinKubernetes, r.MaxKubernetes)

	catalog := []channel.Version{channel.MustParseVersion("1.17.3"), channel.MustParseVersion("1.18.0"), channel.MustParseVersion("1.18.1")}
	next, err := channel.Upstream{}.NextUpdate(channel.MustParseVersion("1.33.2"), channel.MustParseVersion("1.17.3"), catalog)
	fmt.Println(next, err)
	_, err = channel.Upstream{}.NextUpdate(channel.MustParseVersion("1.32.6"), channel.MustParseVersion("1.17.3"), catalog)
	fmt.Println(err)
	// Output:
	// HCO 1.18 deploys KubeVirt 1.8: Kubernetes 1.33 to 1.35
	// 1.18.1 <nil>
	// the operator version needs a newer platform: HCO 1.18.1 deploys KubeVirt 1.8, which needs Kubernetes 1.33 or later, and the cluster runs 1.32.6: update Kubernetes first
}

// CompatibilityFuncs changes one rule and keeps the others.
func ExampleCompatibilityFuncs() {
	lenient := channel.CompatibilityFuncs{
		CheckOnFunc: func(operator, platform channel.Version) error {
			err := channel.OpenShift{}.CheckOn(operator, platform)
			if errors.Is(err, channel.ErrPlatformTooNew) {
				return nil // CNV one minor behind OpenShift is fine here
			}
			return err
		},
	}
	fmt.Println(lenient.CheckOn(channel.MustParseVersion("4.14.3"), channel.MustParseVersion("4.15.2")))
	next, err := lenient.NextUpdate(channel.MustParseVersion("4.15.2"), channel.MustParseVersion("4.14.3"),
		[]channel.Version{channel.MustParseVersion("4.14.9"), channel.MustParseVersion("4.15.1")})
	fmt.Println(next, err)
	// Output:
	// <nil>
	// 4.14.9 <nil>
}

// A live cluster's ClusterVersion lists the updates from the release it
// runs: status.availableUpdates and status.conditionalUpdates. Offered turns
// them into a graph a plan can take its first hop from.
func ExampleOffered_Graph() {
	g, err := channel.Offered{
		Current:     "4.14.10",
		Recommended: []string{"4.14.30", "4.15.3"},
		Conditional: []channel.OfferedConditional{{Version: "4.15.9", Risks: []channel.Risk{{
			Name: "ExampleRisk", MatchingRules: []channel.MatchingRule{{Type: channel.RuleAlways}},
		}}}},
	}.Graph()
	if err != nil {
		fmt.Println(err)
		return
	}
	from, _ := g.OnlyFrom()
	fmt.Println("updates from", from+":", g.OfferedVersions())
	p, err := g.FindPath("4.14.10", "4.15.9", channel.PathOptions{AllowConditional: true})
	fmt.Println(p.Versions(), p.RiskNames(), err)
	// Output:
	// updates from 4.14.10: 4.15.3, 4.14.30, 4.15.9 (risks: ExampleRisk)
	// [4.14.10 4.15.9] [ExampleRisk] <nil>
}
