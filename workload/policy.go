package workload

import (
	"math"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// Defaults, each the documented value of KubeVirt (or HCO where it says so).
const (
	// DefaultBatchEvictionSize is how many VMIs one Evict batch takes when
	// spec.workloadUpdateStrategy.batchEvictionSize is unset.
	DefaultBatchEvictionSize = 10
	// DefaultBatchEvictionInterval is the wait between Evict batches when
	// spec.workloadUpdateStrategy.batchEvictionInterval is unset.
	DefaultBatchEvictionInterval = time.Minute
	// DefaultParallelMigrationsPerCluster is KubeVirt's cap on concurrent
	// live migrations in the cluster.
	DefaultParallelMigrationsPerCluster = 5
	// DefaultParallelOutboundMigrationsPerNode is KubeVirt's cap on
	// concurrent live migrations out of one node. (HCO 1.19 sets 1 on new
	// installations.)
	DefaultParallelOutboundMigrationsPerNode = 2
	// DefaultUnschedulablePendingTimeout: a migration fails when its target
	// pod has been Pending this long because it is Unschedulable.
	DefaultUnschedulablePendingTimeout = 5 * time.Minute
	// DefaultPendingTimeout: a migration fails when its target pod has been
	// Pending this long for any reason.
	DefaultPendingTimeout = 15 * time.Minute
	// DefaultBackoffInitial is the wait before retrying a VMI whose last
	// migration failed.
	DefaultBackoffInitial = 20 * time.Second
	// DefaultBackoffFactor multiplies the wait for each further consecutive
	// failure.
	DefaultBackoffFactor = 2
	// DefaultBackoffMax is the longest wait in [DefaultPolicy]. KubeVirt sets
	// no cap, but it keeps only five finalized migrations per VMI, so it
	// seldom counts more than five failures: 20 s × 2⁴ = 320 s.
	DefaultBackoffMax = 320 * time.Second
	// DefaultKeepFinalizedMigrations is how many finalized (Succeeded or
	// Failed) migrations are kept per VMI; older ones are deleted.
	DefaultKeepFinalizedMigrations = 5
	// DefaultStuckAfter is how many consecutive failed migrations make a VMI
	// stuck in [DefaultPolicy]. KubeVirt retries forever (StuckAfter 0).
	DefaultStuckAfter = 5
	// DefaultExpectationTimeout is how long the planner waits to see a
	// migration it planned before it stops expecting it: KubeVirt's
	// controller expectations timeout.
	DefaultExpectationTimeout = 5 * time.Minute
	// DefaultResync is how soon to look again while migrations wait for
	// capacity: the 30 s KubeVirt's updater means to re-enqueue after.
	DefaultResync = 30 * time.Second
)

// Backoff is the wait before a new migration of a VMI whose previous ones
// failed: Initial after one failure, multiplied by Factor for each further
// consecutive failure, at most Max. The zero value is KubeVirt's: 20 s,
// doubling, with no cap. (KubeVirt keeps five finalized migrations per VMI,
// so it rarely counts more than five failures: 320 s.)
type Backoff struct {
	// Initial is the wait after one failure; zero means
	// DefaultBackoffInitial.
	Initial time.Duration
	// Factor multiplies the wait per further failure; zero means
	// DefaultBackoffFactor. Values below 1 are taken as 1.
	Factor float64
	// Max caps the wait; zero or negative means no cap, as in KubeVirt.
	// DefaultPolicy sets DefaultBackoffMax.
	Max time.Duration
}

// Delay is the wait after failures consecutive failed migrations: 0 for
// none, then Initial, Initial×Factor, … It never overflows.
func (b Backoff) Delay(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	initial, factor, limit := b.Initial, b.Factor, b.Max
	if initial <= 0 {
		initial = DefaultBackoffInitial
	}
	if factor == 0 {
		factor = DefaultBackoffFactor
	}
	if factor < 1 {
		factor = 1
	}
	d := float64(initial) * math.Pow(factor, float64(failures-1))
	if limit > 0 && d >= float64(limit) {
		return limit
	}
	if d >= math.MaxInt64 || math.IsNaN(d) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

// PendingTimeouts fail a migration whose target pod stays Pending: after
// Unschedulable when the scheduler reports it Unschedulable, after Any for
// any reason. Zero fields take the defaults (5 min and 15 min). Per
// migration the annotations kubevirt.io/migrationUnschedulablePodTimeoutSeconds
// and kubevirt.io/migrationPendingPodTimeoutSeconds override them.
type PendingTimeouts struct {
	// Unschedulable applies while the pod is Unschedulable; zero means
	// DefaultUnschedulablePendingTimeout.
	Unschedulable time.Duration
	// Any applies to a Pending pod whatever the reason; zero means
	// DefaultPendingTimeout.
	Any time.Duration
}

// Policy holds the planner's choices. The zero value behaves as KubeVirt's
// workload updater does; [DefaultPolicy] adds what we do beyond it.
type Policy struct {
	// CountPendingMigrations also counts the Pending migrations this
	// planner created (annotated kubevirt.io/workloadUpdateMigration)
	// against parallelMigrationsPerCluster and the per-node cap. KubeVirt
	// counts only running ones, so several reconciles can stack Pending
	// migrations. On in DefaultPolicy.
	CountPendingMigrations bool
	// LimitPerNode starts no more migrations out of a node than
	// parallelOutboundMigrationsPerNode allows. KubeVirt's updater creates
	// them anyway and its migration controller holds them Pending. On in
	// DefaultPolicy.
	LimitPerNode bool
	// SkipDeniedEvictions leaves out of Evict batches the VMIs whose
	// eviction KubeVirt's webhook will deny (eviction strategy LiveMigrate
	// on a VMI that cannot migrate, or External), so they do not take the
	// places of VMIs that can be evicted. KubeVirt evicts them anyway, batch
	// after batch. They are reported as blockers either way. On in
	// DefaultPolicy.
	SkipDeniedEvictions bool
	// StuckAfter is how many consecutive failed migrations make a VMI stuck:
	// it is reported with its failure reasons and not retried. 0 means
	// never (KubeVirt retries forever); DefaultPolicy uses DefaultStuckAfter.
	StuckAfter int
	// Backoff is the wait between a failed migration and the next, unless
	// Retry is set.
	Backoff Backoff
	// Retry, when set, replaces Backoff: any [RetryPolicy], for example
	// MaxOf{Backoff{}, PerVMI(...)}. nil means Backoff.
	Retry RetryPolicy
	// Timeouts fail migrations whose target pod stays Pending.
	Timeouts PendingTimeouts
	// KeepFinalized is how many finalized migrations to keep per VMI; zero
	// means DefaultKeepFinalizedMigrations.
	KeepFinalized int
	// Resync is how soon to look again while migrations wait for capacity;
	// zero means DefaultResync.
	Resync time.Duration
	// ExpectationTimeout is how long the planner, after planning a migration
	// for a VMI, waits to see it in a snapshot before it stops expecting it
	// (see [Planner.Reconcile]); zero means DefaultExpectationTimeout.
	ExpectationTimeout time.Duration
}

// DefaultPolicy is the planner's default: KubeVirt's rules, plus counting the
// planner's own Pending migrations, the per-node cap, skipping evictions
// that will be denied, stuck detection after DefaultStuckAfter failures, and
// a backoff capped at DefaultBackoffMax.
func DefaultPolicy() Policy {
	return Policy{
		CountPendingMigrations: true,
		LimitPerNode:           true,
		SkipDeniedEvictions:    true,
		StuckAfter:             DefaultStuckAfter,
		Backoff:                Backoff{Max: DefaultBackoffMax},
	}
}

// KubeVirtPolicy is the zero Policy, named for readability: it plans as
// KubeVirt's workload updater does, with its migration controller's backoff,
// pending-pod timeouts and five-migration history. What still differs is
// listed precisely in the package documentation (Where we differ from
// KubeVirt): the Evict batch clock kept in the Snapshot, the seeded shuffle
// and input order, the backoff applied before a migration is created, the
// per-VMI creation expectations, the outdated label, and what is not
// modelled.
func KubeVirtPolicy() Policy { return Policy{} }

func (p Policy) keep() int {
	if p.KeepFinalized <= 0 {
		return DefaultKeepFinalizedMigrations
	}
	return p.KeepFinalized
}

func (p Policy) expectationTimeout() time.Duration {
	if p.ExpectationTimeout <= 0 {
		return DefaultExpectationTimeout
	}
	return p.ExpectationTimeout
}

func (p Policy) resync() time.Duration {
	if p.Resync <= 0 {
		return DefaultResync
	}
	return p.Resync
}

// Stuck reports whether failures consecutive failures make a VMI stuck.
func (p Policy) Stuck(failures int) bool {
	return p.StuckAfter > 0 && failures >= p.StuckAfter
}

// BatchEviction returns the batch size and interval of a strategy, with
// KubeVirt's defaults for unset fields. A negative size is taken as 0 (no
// evictions), as KubeVirt does in effect; a negative interval as 0.
func BatchEviction(strategy v1.KubeVirtWorkloadUpdateStrategy) (size int, interval time.Duration) {
	size, interval = DefaultBatchEvictionSize, DefaultBatchEvictionInterval
	if strategy.BatchEvictionSize != nil {
		size = max(*strategy.BatchEvictionSize, 0)
	}
	if strategy.BatchEvictionInterval != nil {
		interval = max(strategy.BatchEvictionInterval.Duration, 0)
	}
	return size, interval
}

// MigrationLimits returns parallelMigrationsPerCluster and
// parallelOutboundMigrationsPerNode of a configuration, with KubeVirt's
// defaults for unset fields.
func MigrationLimits(cfg v1.MigrationConfiguration) (perCluster, perNode int) {
	perCluster, perNode = DefaultParallelMigrationsPerCluster, DefaultParallelOutboundMigrationsPerNode
	if cfg.ParallelMigrationsPerCluster != nil {
		perCluster = int(*cfg.ParallelMigrationsPerCluster)
	}
	if cfg.ParallelOutboundMigrationsPerNode != nil {
		perNode = int(*cfg.ParallelOutboundMigrationsPerNode)
	}
	return perCluster, perNode
}
