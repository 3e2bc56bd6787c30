// Package fake is an in-memory cluster for testing update tools without a
// cluster. A [Cluster] implements every port of the update package on a fake
// clock and plays the controllers an OpenShift Virtualization update goes
// through, each of which can be switched off ([Cluster.Disable]) so your own
// controller takes its place:
//
//   - OLM: through the operator's Subscription (Operator.Subscription), an
//     InstallPlan for the newest CNV version the catalog ([Cluster.SetCatalog]) offers by
//     the CNV↔OCP rules (the newest z of the minor; a minor only once OCP is
//     on it); Manual approval waits; the new CSV stays Pending while HCO
//     tells OLM it is not upgradeable (HCO's OperatorCondition), then
//     Installing while the old one is Replacing, then Succeeded (or Failed,
//     when injected). OLM's ClusterOperator is Upgradeable=False while an
//     installed CSV's olm.maxOpenShiftVersion is below the next OpenShift
//     minor ([Cluster.SetCSVMaxOpenShiftVersion]; the CNV CSVs declare the
//     minor after their own).
//   - HCO: the HyperConverged is stored as HCO's CRD defaults it (absent
//     workloadUpdateMethods are [LiveMigrate], batch 10, 1m0s) and its
//     webhook sets spec.evictionStrategy once HCO has counted the workers
//     (LiveMigrate with two or more, None with one); HCO writes the KubeVirt
//     CR from it (workload update strategy, live migration configuration
//     with HCO's defaults, eviction strategy), which is what virt-controller
//     reads; components report Progressing while a new version rolls out;
//     the HyperConverged conditions come from conditions.Aggregate, also
//     when an operand fails ([Cluster.FailOperand]); status.versions and the
//     target launcher image change when the upgrade completes.
//   - CVO: a desired update (or a retarget of the one in flight) passes the
//     CVO's preconditions (Rollback: only back to the previous version of
//     the same minor; GiantHop: no minor skip, no major update but 4.22 →
//     5.0; Upgradeable: no minor or major update while the ClusterVersion is
//     Upgradeable=False, which comes from the ClusterOperators
//     ([Cluster.SetClusterOperatorCondition]) and from an update in
//     progress, never from the HyperConverged) or is refused with
//     ReleaseAccepted=False, reason PreconditionChecks; an accepted one is a
//     Partial history entry; after the control plane's time the MCO rolls it
//     out, and it is Completed once the master pool has.
//   - MCO: pools roll out at most maxUnavailable nodes at a time (a count or
//     a percentage, rounded down, at least 1: [Cluster.SetPoolMaxUnavailable]),
//     by zone then age, each node in the pool the MCO puts it in (its role
//     labels, or once a pool has a spec.nodeSelector, the MCO's rule: master
//     over a single custom pool over worker, none for a node two custom
//     pools select); a node is cordoned, drained through the eviction
//     webhook, rebooted and uncordoned; a node that is cordoned
//     ([Cluster.Cordon]), NotReady ([Cluster.SetNodeReady]) or mid-update
//     counts against maxUnavailable and is never picked, so it can stall its
//     pool; a paused pool waits; a VMI whose eviction is always denied
//     stalls its pool.
//   - node-maintenance operator: a NodeMaintenance of either API group
//     cordons and drains its node, Running then Succeeded, and
//     [Cluster.DeleteNodeMaintenance] ends it.
//   - virt-controller: the workload updater (workload's planner, KubeVirt's
//     policy unless Options.WorkloadPolicy says otherwise), the eviction
//     webhook by eviction strategy (an evacuation is answered as KubeVirt
//     answers it, with a 429 update.EvictionError), the migration admission
//     webhook (one migration in flight per VMI), evacuation migrations, the
//     migration controller (caps, priority order, pending-pod timeouts,
//     retry backoff, five-attempt history) and a live migration model
//     (memory and migrated disks copied at the bandwidth while the guest
//     dirties memory, aborted by virt-launcher's progressTimeout and
//     completionTimeoutPerGiB), and the VM controller restarting VMIs by
//     runStrategy.
//
// A controller of your own runs inside the same event loop
// ([Cluster.Register], a [Controller]: a name and a reconcile through the
// ports that says when it next wants to run), after the fake's
// controllers at each instant, in registration order.
//
// Time only moves when you move it: [Cluster.Advance], [Cluster.RunUntil]
// and [Cluster.Wait] (which makes the cluster the runner's update.Waiter)
// jump from one scheduled instant to the next, so a day of a large cluster
// takes seconds, and a run is the same for the same seed. [Cluster.Clock]
// only tells that time (a clock.PassiveClock): nothing can move it behind
// the controllers' backs. What changed at
// an instant is all a controller looks at: the workload updater keeps its
// candidates between passes (workload.Tracker), an MCO or HCO with nothing
// to do does not look again until a node, a pool or the HyperConverged
// changes, and target nodes are picked from an index; a z-stream of 10,000
// VMIs on 200 nodes takes a fraction of a second, 100,000 on 500 nodes some
// seconds. Every change is an
// [Event]; the events are the timeline of a simulation. Faults can be
// injected: lost races per kind ([Cluster.FailNextWrites]), failing
// migrations, target pods held Pending, guests that dirty memory faster
// than a migration copies it ([Cluster.SetDirtyRate]), a node that does not
// come back, a failing operator install, an HCO operand that fails to
// reconcile ([Cluster.FailOperand]).
//
// The CVO's admin-ack ConfigMaps are there, empty, as on every OpenShift
// cluster, for pre-flight to read ([Cluster.SetAdminGates]); the fake's CVO
// does not hold a minor update on an unacknowledged gate itself.
//
// A cluster is built with the Set and Add methods or from a YAML
// [Scenario]. The fake passes the same conformance suite (update/updatetest)
// as the client-go adapter, so code tested here behaves the same on a real
// cluster.
//
// Not modelled: the control-plane nodes' own update (only the CVO's
// duration), RHEL workers, kubelet version skew between the control plane
// and paused pools, PodDisruptionBudgets other than KubeVirt's eviction
// webhook, migration policies, post-copy, auto-converge, forced switchover
// (allowWorkloadDisruption) and the experimental stall detector, network
// and storage of VMs (a block migration's local disks are not counted,
// migrations do not share a node's link), HCO components other than
// KubeVirt changing state, and a scheduler: a migration lands on the ready,
// schedulable worker with the fewest running VMIs.
package fake
