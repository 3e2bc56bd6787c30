// Package virtupdate is an SDK for the update logic of OpenShift
// Virtualization (KubeVirt and its HyperConverged Cluster Operator) and the
// OpenShift cluster under it. It holds no code of its own; this page maps the
// packages for a newcomer.
//
// Decisions are pure functions of a snapshot and a time; acting on a cluster
// goes through small interfaces. The packages, leaves first:
//
//   - conditions: the HyperConverged conditions. Aggregate component
//     conditions by HCO's rules, Evaluate them into a Health verdict, and read
//     an operator update from its ClusterServiceVersions.
//   - channel: versions, update channels, the update graph with conditional
//     edges, path search across minors, and CNV↔OCP compatibility.
//   - workload: which VMIs update how (LiveMigrate, Evict or not at all) and
//     why, Evict batching, migration caps, retries and timeouts, blockers.
//   - update: the ports through which plans read and change a cluster, the
//     plans for operator and platform updates, and the runner that survives
//     restarts.
//   - eus: EUS-to-EUS planning.
//   - fake: an in-memory cluster on a fake clock that plays OLM, HCO, CVO, MCO
//     and virt-controller, for tests without a cluster.
//   - kube: the same ports on a real cluster, through client-go; kube/crclient
//     the same over a controller-runtime client, reading a manager's cache.
//   - controller: a workload-update reconciler for a controller-runtime
//     manager, with leader election, metrics and Events.
//   - window: maintenance windows (days, start, duration, time zone) the
//     runner holds cluster-changing steps to.
//   - report: one self-contained HTML page of an update.
//   - scenario: the object form of a scenario, every node and VM as found;
//     snapshot reads it from a live cluster, a must-gather or oc dumps.
//   - forecast: what an update will do to each VM, node and namespace, with
//     an ETA distribution over seeded runs on the fake.
//
// Dependencies point one way: conditions, channel and workload import nothing
// of the others and never client-go; update builds on them; eus on update;
// fake and kube implement update's ports; the command and examples sit on
// top. A test keeps it so.
package virtupdate
