// Package workload decides how the virtual machines of a KubeVirt (OpenShift
// Virtualization) cluster move to a new virt-launcher after an update, when,
// and why some never will.
//
// It works on the real API types of kubevirt.io/api/core/v1: a
// [v1.VirtualMachineInstance], [v1.VirtualMachineInstanceMigration],
// [v1.KubeVirtWorkloadUpdateStrategy] and [v1.MigrationConfiguration]. Every
// function is a pure decision over values and a time: nothing here sleeps,
// reads the wall clock behind the caller's back, or talks to a server.
//
// # What it decides
//
//   - [Outdated] and [Candidate]: which VMIs run an old launcher and can be
//     updated at all.
//   - [Select]: LiveMigrate, Evict or None for one VMI, by KubeVirt's table,
//     with a reason a person can act on. [Decide] adds the outdated check.
//   - [PredictEviction]: what KubeVirt's eviction webhook makes of an
//     eviction, by the VMI's eviction strategy: a shutdown (and whether the
//     VM comes back, or a standalone VMI is lost), an evacuation migration,
//     or a denial that never ends.
//   - [FindBlocker]: VMIs that will never update by themselves or that will
//     stall node drains, with the cause from the LiveMigratable condition
//     and the remedy.
//   - [Planner.Reconcile]: one pass of the workload updater over a
//     [Snapshot]: the migrations, evictions, aborts and deletions to do now,
//     a verdict for every outdated VMI, [Progress] with an ETA, and when to
//     look again.
//   - [Backoff], [PendingTimeouts], [Failures], [Superseded]: the retry delay
//     after failed migrations (and [Backoff.HoldUntil], KubeVirt's hold on a
//     Pending migration), the pending target-pod timeouts, and the
//     five-attempt history, as KubeVirt's migration controller applies them.
//   - [MigrationPriority], [QueuePriority], [CompareMigrationPriority],
//     [RequeueDelay], [NewEvacuationMigration]: the order in which KubeVirt's
//     migration controller serves migrations, and the evacuation migrations
//     it is given.
//   - [CompletionTimeout], [ProgressTimeout], [MigrationData],
//     [KubeVirtMigrationDefaults], [HCOMigrationDefaults]: how long a live
//     migration may run before virt-launcher gives up on it, and the
//     configurations KubeVirt and HCO apply.
//   - [ReadVMIList], [ReadMigrationList]: the output of
//     `kubectl get vmi -A -o json` and `kubectl get vmim -A -o json`.
//
// # Composing
//
// Three small interfaces let a caller change a rule without forking the
// planner; each has KubeVirt's rule as its default, so the zero [Planner]
// and the zero [Policy] plan as KubeVirt does:
//
//   - [Strategy] (Planner.Strategy): the method of one VMI. [KubeVirtTable]
//     is the default; [StrategyFunc] adapts a function, [FirstOf] chains
//     strategies, the first with an opinion deciding. The planner never lets
//     a Strategy widen what workloadUpdateMethods allows ([CodeNotAllowed]).
//     [DecideBy] is [Decide] with a Strategy.
//   - [Admission] (Planner.Admission): which of the VMIs the planner could
//     act on now it may, and in what order. [NamespaceOrder] and
//     [LabelOrder] are priorities, [NamespaceBudget] a per-namespace
//     disruption budget, [Admissions] chains them, [AdmissionFunc] adapts a
//     function.
//   - [RetryPolicy] (Policy.Retry): the wait after failed migrations.
//     [Backoff] is the default; [MaxOf], [Capped], [PerVMI] and
//     [RetryFunc] compose others, and [NextAttempt] and [HoldUntil] apply
//     any of them.
//
// # Where we differ from KubeVirt
//
// The zero [Policy] ([KubeVirtPolicy]) plans as KubeVirt's workload updater
// does, with its migration controller's backoff and timeouts. What differs
// even then is listed here, with the options ([DefaultPolicy]) that add to
// it:
//
//   - The Evict batch clock (the time of the last batch) is part of the
//     [Snapshot] and of the [Plan], so a caller can persist it; KubeVirt keeps
//     it in memory and evicts a batch at once after a restart. Passing the
//     zero time gives KubeVirt's behaviour.
//   - Creation expectations are kept per VMI: a VMI whose planned migration
//     is not in the snapshot yet waits (up to 5 min, KubeVirt's expectations
//     timeout), and its planned migration holds a place against
//     parallelMigrationsPerCluster, while the other VMIs are planned as
//     usual. KubeVirt's updater does nothing at all, for any VMI, until it
//     has seen every migration it created (or the 5 min pass). Either way no
//     VMI gets two migrations, and no more than the cap are created from a
//     stale view; KubeVirt's updater may just start other VMIs a pass later.
//   - [Policy.CountPendingMigrations] (on in DefaultPolicy): this
//     planner's Pending migrations count against parallelMigrationsPerCluster
//     and the per-node cap; KubeVirt counts only running ones, so reconciles
//     can stack Pending migrations.
//   - [Policy.LimitPerNode] (on in DefaultPolicy): no more migrations out of
//     one node are created than parallelOutboundMigrationsPerNode; KubeVirt's
//     updater creates them and its migration controller holds them Pending.
//   - [Policy.SkipDeniedEvictions] (on in DefaultPolicy): VMIs whose eviction
//     the webhook will deny (eviction strategy LiveMigrate on a VMI that
//     cannot migrate, or External) are left out of Evict batches instead of
//     taking a place in every batch forever; they are reported as blockers.
//   - [Policy.StuckAfter] (DefaultStuckAfter = 5 in DefaultPolicy, 0 in
//     KubeVirtPolicy): after that many consecutive failed migrations a VMI is
//     stuck, reported with its failure reasons and not retried; KubeVirt
//     retries forever.
//   - The retry delay ([Backoff]) is applied before a migration is created;
//     KubeVirt creates it and holds it Pending until the delay passes
//     ([Backoff.HoldUntil]). The count and the clock are KubeVirt's
//     ([Failures]), and the migration starts at the same moment either way;
//     in KubeVirt the held migration is an unfinished migration of the VMI
//     meanwhile, here the VMI is reported with Code Backoff. KubeVirt's delay
//     has no cap; DefaultPolicy caps it at [DefaultBackoffMax] (320 s, what
//     five failures give), which matters only when more than five failed
//     migrations since the last success are still kept.
//   - Migrations created in the same second are ordered by name where
//     KubeVirt's sort leaves their order unspecified (the newest decides the
//     backoff clock and which Pending migration is held).
//   - [Outdated] also honours the kubevirt.io/outdatedLauncherImage label
//     when the VMI's or the target launcher image is not known; KubeVirt's
//     updater does not read it (virt-controller sets it, the metrics read
//     it), and takes a VMI without a launcher image for up to date. When both
//     images are known they decide, as in KubeVirt.
//   - Every VMI not acted on gets a reason ([VMIDecision]), and blockers get
//     a cause and a remedy ([Blocker]); KubeVirt says nothing.
//   - Migration candidates are shuffled by a seed and the snapshot's time,
//     so a plan is reproducible; KubeVirt shuffles at random. Evict batches
//     take VMIs in input order; KubeVirt takes its informer's order.
//   - Re-enqueueing: the [Plan] says when to look again (RequeueAfter);
//     KubeVirt's updater means to re-enqueue after 30 s but passes 30 as a
//     Duration, 30 ns.
//   - The planner also plans the deletion of finalized migrations beyond the
//     five kept per VMI; in KubeVirt the migration controller does that
//     when a migration finalizes, and also deletes the defunct pod.
//
// Pending target pods are timed out by KubeVirt's migration controller, not
// by the updater: [PendingTimeouts.Check] says when, and the planner only
// looks again then. The migration ends Failed and stays; the planner never
// deletes a migration to time it out.
//
// Not modelled: migrations KubeVirt's updater also starts for hotplugged CPU
// or memory and for volume changes (a VMI with such a change in progress is
// not aborted, as in KubeVirt, but not migrated for it either; [NewMigration]
// gives such a migration KubeVirt's user-triggered priority); the gate on
// the KubeVirt CR being Deployed, which the caller checks; migration
// policies; and the in-flight migration timeouts of virt-launcher, which
// [CompletionTimeout] and [ProgressTimeout] compute but the planner does not
// apply.
package workload
