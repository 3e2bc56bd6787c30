// Package fake is an in-memory cluster for testing update tools without a
// cluster. A [Cluster] implements every port of the update package on a fake
// clock and plays the controllers an OpenShift Virtualization update goes
// through, each of which can be switched off ([Cluster.Disable]) so your own
// controller takes its place:
//
//   - OLM: an InstallPlan for the newest CNV version the catalog offers by
//     the CNV↔OCP rules (the newest z of the minor; a minor only once OCP is
//     on it); Manual approval waits; the new CSV stays Pending while HCO
//     tells OLM it is not upgradeable, then Installing while the old one is
//     Replacing, then Succeeded (or Failed, when injected).
//   - HCO: components report Progressing while a new version rolls out; the
//     HyperConverged conditions come from conditions.Aggregate; status.versions
//     and the target launcher image change when the upgrade completes.
//   - CVO: a desired update becomes a Partial history entry that completes
//     after a configurable time; minor skips, major jumps (but 4.22 → 5.0),
//     rollbacks, and minor updates while HCO is not upgradeable or CNV is a
//     minor behind are refused with the CVO's reasons.
//   - MCO: after a platform update, pools roll out at most maxUnavailable
//     nodes at a time, by zone then age; a node is cordoned, drained through
//     the eviction webhook, rebooted and made ready; a paused pool waits; a
//     VMI whose eviction is always denied stalls its pool.
//   - virt-controller: the workload updater (workload's planner, KubeVirt's
//     policy unless Options.WorkloadPolicy says otherwise), the eviction
//     webhook by eviction strategy, evacuation migrations, the migration
//     controller (caps, pending-pod timeouts, retry backoff, five-attempt
//     history, durations from memory and bandwidth), and the VM controller
//     restarting VMIs by runStrategy.
//
// Time only moves when you move it: [Cluster.Advance] and [Cluster.RunUntil]
// jump from one scheduled instant to the next, so a day of a large cluster
// takes seconds, and a run is the same for the same seed. Every change is an
// [Event]; the events are the timeline of a simulation. Faults can be
// injected: lost races per kind ([Cluster.FailNextWrites]), failing
// migrations, target pods held Pending, a node that does not come back, a
// failing operator install.
//
// A cluster is built with the Set and Add methods or from a YAML
// [Scenario]. The fake passes the same conformance suite (update/updatetest)
// as the client-go adapter, so code tested here behaves the same on a real
// cluster.
//
// Not modelled: the control-plane nodes' own update (only the CVO's
// duration), RHEL workers, kubelet version skew between the control plane
// and paused pools, PodDisruptionBudgets other than KubeVirt's eviction
// webhook, migration policies and in-flight migration timeouts
// (completionTimeoutPerGiB, progressTimeout), post-copy, network and storage
// of VMs, HCO components other than KubeVirt changing state, and a
// scheduler: a migration lands on the ready, schedulable worker with the
// fewest running VMIs.
package fake
