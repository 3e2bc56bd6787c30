package snapshot

import (
	"slices"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// portGaps are the fields of the object form the read ports never show,
// named as Missing names them: a live snapshot always lacks them.
var portGaps = []string{
	scenario.PartClusterVersion + ".availableUpdates.channels",
	scenario.PartClusterVersion + ".conditionalUpdates.release.channels",
	scenario.PartCSVs + ".maxOpenShiftVersion",
	scenario.PartSubscriptions + ".source",
}

// poolsFromPort converts the MachineConfigPools port's view; noSelector
// reports a pool the port gave no spec.nodeSelector for (the selector is
// then not known, and the pool's role label stands for it).
func poolsFromPort(pools []update.MachineConfigPool) (out []scenario.MachineConfigPool, noSelector bool) {
	for _, p := range pools {
		sp := scenario.PoolFromPort(p)
		noSelector = noSelector || sp.NodeSelector == nil
		out = append(out, sp)
	}
	return out, noSelector
}

// clusterOperatorsFromPort converts the ClusterOperators port's view: the
// name and the conditions (the object form keeps no operand versions).
func clusterOperatorsFromPort(cos []update.ClusterOperator) []scenario.ClusterOperator {
	out := make([]scenario.ClusterOperator, 0, len(cos))
	for _, co := range cos {
		out = append(out, scenario.ClusterOperator{Name: co.Name, Conditions: slices.Clone(co.Conditions)})
	}
	return out
}
