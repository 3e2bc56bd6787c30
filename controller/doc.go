// Package controller runs workload's planner as a controller-runtime
// reconciler: a workload-update controller of your own, in place of
// KubeVirt's, with the SDK's policies.
//
// A [Reconciler] acts through the update package's ports (a [Cluster]:
// crclient's over the manager's cache on a real cluster, fake's in tests).
// Each pass reads the HyperConverged, the VMIs and the migrations, plans
// with workload.Planner, creates the plan's migrations, evicts its Evict
// batch (after saving the batch clock in a checkpoint), and then
//
//   - sets the gauges virtupdate_vmis_outdated, virtupdate_vmis_migrating,
//     virtupdate_vmis_stuck, virtupdate_vmis_blocked,
//     virtupdate_migrations_in_flight and
//     virtupdate_workload_update_eta_seconds in controller-runtime's
//     metrics registry (or the Registerer option's);
//   - records Events on the VMIs: KubeVirt's reasons for what it did
//     (SuccessfulCreate, FailedCreate, SuccessfulEvict, FailedEvict, …),
//     and WorkloadUpdateStuck and WorkloadUpdateBlocked once per VMI and
//     cause, not at every pass.
//
// # Running it
//
// [Reconciler.SetupWithManager] adds it to a manager: one worker, one key
// ([Request]), re-planned on any event of a VMI, a migration, the
// HyperConverged or the KubeVirt CR (after [DefaultThrottle], as KubeVirt
// throttles), and again after the plan's RequeueAfter: the next Evict
// batch, the end of a retry delay, the opening of the maintenance window.
// Run the manager with leader election so one replica acts. [CacheOptions]
// keep the manager's cache to what the reconciler reads. The command in
// examples/controller is such a manager, with deployment manifests in
// deploy/controller.
//
// Switch KubeVirt's own updater off first (the HyperConverged's
// spec.workloadUpdateStrategy.workloadUpdateMethods set to []) and give
// the methods to the reconciler ([Methods]), or the two race.
//
// # Policies
//
// The policies are typed options: [Policy] (workload.DefaultPolicy() by
// default: pending migrations count against the caps, the per-node cap,
// denied evictions left out of batches, stuck after five failures),
// [Strategy], [Admission], [Retry], [Window] and [Clock].
//
// # What it follows, and where it differs
//
// KubeVirt's workload updater
// (pkg/virt-controller/watch/workload-updater/workload-updater.go) keys on
// the KubeVirt CR with one worker, acts only while KubeVirt is Deployed
// and not rolling out, creates workload-update migrations within the
// caps, evicts in batches, and records the Events whose reasons this
// package uses. Beyond it, as workload's planner does: the batch clock
// survives a restart, a VMI is stuck after repeated failures instead of
// retried forever, and every VMI that will not update is explained.
// Migrations are created as a client other than virt-controller may
// create them: without spec.priority (workload.NewClientMigration).
// Aborting migrations of VMIs that no longer need them, and deleting old
// finalized ones, need a Cluster that implements [MigrationDeleter]
// (kube/crclient's does); without one KubeVirt's migration controller
// still deletes the finalized migrations beyond five per VMI.
//
// Limits: the Stuck and Blocked Events are deduplicated in memory, so a
// new leader records them once more; the gauges are set by the leader
// only (other replicas export zeros).
package controller
