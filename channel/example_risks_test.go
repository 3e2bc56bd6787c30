package channel_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/virtupdate/virtupdate/channel"
)

// One risk applies and another cannot be evaluated: as the CVO says it,
// Recommended=False with reason MultipleReasons, and both messages.
func ExampleRecommend() {
	promql := func(name, query string) channel.Risk {
		return channel.Risk{Name: name, Message: name + " may break the update.", URL: "https://issues.example/" + name,
			MatchingRules: []channel.MatchingRule{{Type: channel.RulePromQL, PromQL: &channel.PromQLRule{PromQL: query}}}}
	}
	u := channel.ConditionalUpdate{
		Release: &channel.Node{Version: channel.MustParseVersion("4.18.5")},
		Risks:   []channel.Risk{promql("SDNPodNetworkLoss", "sdn"), promql("CephFsync", "ceph")},
	}
	prom := channel.PromQLFunc(func(_ context.Context, q string) ([]float64, error) {
		if q == "sdn" {
			return []float64{1}, nil
		}
		return nil, errors.New("thanos-querier unavailable")
	})
	risks := channel.EvaluateRisks(context.Background(), channel.Rules{PromQL: prom}, []channel.ConditionalUpdate{u})
	e := channel.Recommend(u, risks, nil)
	fmt.Println(e.Recommended.Status, e.Recommended.Reason)
	fmt.Println(e.Recommended.Message)
	// Output:
	// False MultipleReasons
	// SDNPodNetworkLoss may break the update. https://issues.example/SDNPodNetworkLoss
	//
	// Could not evaluate exposure to update risk CephFsync (risk CephFsync: no matching rule could be evaluated: rule 0: PromQL query "ceph": thanos-querier unavailable)
	//   CephFsync description: CephFsync may break the update.
	//   CephFsync URL: https://issues.example/CephFsync
}
