// Package update holds the ports through which update plans read and change
// a cluster, and the plans and runner built on them.
//
// A port is a small interface over the objects one controller owns:
// [ClusterVersions] (the CVO's ClusterVersion), [MachineConfigPools] (the
// MCO's pools), [OLM] (Subscriptions, ClusterServiceVersions and
// InstallPlans), [HyperConvergeds] (HCO's one custom resource), [Nodes]
// (nodes and NodeMaintenance objects of both API groups), [Workloads] (VMIs,
// VirtualMachines and migrations) and [Checkpoints] (a durable record a plan
// resumes from). [Cluster] is all of them together.
//
// Two implementations exist side by side: the fake package (in memory, on a
// fake clock, playing the cluster's controllers) and the kube package
// (client-go against a real API server). The updatetest package holds one
// conformance suite that both pass, so code written against these ports and
// tested on the fake behaves the same on a real cluster.
//
// Errors: a write that lost a race returns an error for which
// errors.Is(err, [ErrConflict]) is true; a missing object, [ErrNotFound].
// Both come wrapped in an [*ObjectError] that names the object.
package update
