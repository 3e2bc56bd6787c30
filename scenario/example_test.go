package scenario_test

import (
	"fmt"

	"github.com/virtupdate/virtupdate/scenario"
)

// A scenario in the object form: the nodes are found in the pools by the
// pools' node selectors, as the MCO finds them.
func Example() {
	o, err := scenario.Parse([]byte(`
apiVersion: scenario.virtupdate/v1
kind: Objects
missing: [ClusterVersion]
pools:
- name: master
  nodeSelector: {matchLabels: {node-role.kubernetes.io/master: ""}}
- name: worker
  nodeSelector: {matchLabels: {node-role.kubernetes.io/worker: ""}}
  maxUnavailable: 50%
- name: infra
  nodeSelector: {matchLabels: {node-role.kubernetes.io/infra: ""}}
nodes:
- metadata: {name: m0, labels: {node-role.kubernetes.io/master: "", node-role.kubernetes.io/worker: ""}}
- metadata: {name: w0, labels: {node-role.kubernetes.io/worker: "", topology.kubernetes.io/zone: a}}
  status: {allocatable: {memory: 64Gi, cpu: "16"}}
- metadata: {name: i0, labels: {node-role.kubernetes.io/worker: "", node-role.kubernetes.io/infra: ""}}
  spec: {unschedulable: true}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range o.NodeSummaries() {
		fmt.Printf("%s: pool %s, zone %q, memory %s, cordoned %v\n", n.Name, n.Pool, n.Zone, n.Memory.String(), n.Cordoned)
	}
	fmt.Println("missing:", o.Missing)
	fmt.Println("worker maxUnavailable:", o.Pools[1].Port().MaxUnavailable)
	// Output:
	// m0: pool master, zone "", memory 0, cordoned false
	// w0: pool worker, zone "a", memory 64Gi, cordoned false
	// i0: pool infra, zone "", memory 0, cordoned true
	// missing: [ClusterVersion]
	// worker maxUnavailable: 1
}
