// Package conditions reads and writes the health of an OpenShift Virtualization
// installation the way the HyperConverged Cluster Operator (HCO) and the
// Operator Lifecycle Manager (OLM) express it.
//
// It does three things:
//
//   - [Aggregate] turns the conditions of the components HCO deploys (KubeVirt,
//     CDI, NetworkAddonsConfig, SSP, …) into the five HyperConverged conditions
//     (ReconcileComplete, Available, Progressing, Degraded, Upgradeable), by
//     HCO's own rules: only negative component states are recorded, the last
//     component wins on a type, Degraded forces Available=False, Progressing
//     alone forces Upgradeable=False, types nobody set are written Unknown, and
//     during an operator upgrade Progressing is held True with reason
//     HCOUpgrading. It also computes the Upgradeable condition HCO reports to
//     OLM, which is what holds the next CSV in Pending. [Aggregate] is the
//     default [Aggregator]; [NewAggregator] changes how components are
//     merged with typed options ([CustomMergeStrategy], [ForComponent],
//     [IgnoreComponents]) over a [MergeStrategy] that writes through a
//     [Recorder], as cluster-api's util/conditions injects merge
//     strategies.
//   - [Evaluate] reads the HyperConverged conditions back into a [Health]
//     value: a [Verdict], whether the next update may start, reasons a person
//     can act on, since when, and whether Progressing has stalled.
//   - [ReadOperatorUpdate] reads a set of ClusterServiceVersions (the rows of
//     `oc get csv`) into the state of an operator update, and [WriteCSVTable]
//     renders them as `oc get csv` does.
//
// The package works on [metav1.Condition] and the
// k8s.io/apimachinery/pkg/api/meta helpers, so lastTransitionTime changes only
// when a status changes, exactly as on a real cluster. Time comes from an
// injected [clock.PassiveClock]; nothing here reads the wall clock or talks to
// a server.
package conditions
