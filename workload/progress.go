package workload

import (
	"slices"
	"time"
)

// Progress counts where a workload update stands. Every running VMI is either
// Updated or Outdated; every outdated one is in exactly one of Migrating,
// Migrate, Evict, Blocked and Stuck.
type Progress struct {
	// Running is the number of running VMIs (not final, not being deleted).
	Running int `json:"running"`
	// Updated run the target launcher.
	Updated int `json:"updated"`
	// Outdated run an older launcher.
	Outdated int `json:"outdated"`
	// Migrating have a migration in progress or not yet finished.
	Migrating int `json:"migrating"`
	// Migrate will be live-migrated: now, when a slot frees, or after their
	// retry delay.
	Migrate int `json:"migrate"`
	// Evict will be evicted: in this batch or a later one.
	Evict int `json:"evict"`
	// Blocked will not update by themselves (see Plan.Blockers).
	Blocked int `json:"blocked"`
	// Stuck failed too often and are no longer retried (see Plan.Stuck).
	Stuck int `json:"stuck"`
	// ObservedMigrations is the number of Succeeded migrations the ETA is
	// computed from, and MedianMigration their median duration (creation to
	// success).
	ObservedMigrations int `json:"observedMigrations"`
	// MedianMigration is the median duration of the observed migrations.
	MedianMigration time.Duration `json:"medianMigration"`
	// ETA is how long until every VMI that can update has: the migrations
	// in waves of parallelMigrationsPerCluster, each as long as the median,
	// and the Evict batches at their pace, whichever ends later. Blocked and
	// stuck VMIs are not in it. Valid only when ETAKnown.
	ETA time.Duration `json:"eta"`
	// ETAKnown is false when migrations remain but none was observed yet,
	// or evictions remain with a batch size of zero.
	ETAKnown bool `json:"etaKnown"`
}

// withETA fills the ETA fields from the observed durations and the pace.
func (p Progress) withETA(durations []time.Duration, perCluster, batchSize int, interval time.Duration, lastNow, now time.Time, evictedNow int) Progress {
	p.ObservedMigrations = len(durations)
	if len(durations) > 0 {
		slices.Sort(durations)
		p.MedianMigration = durations[len(durations)/2]
		if len(durations)%2 == 0 {
			p.MedianMigration = (durations[len(durations)/2-1] + durations[len(durations)/2]) / 2
		}
	}
	p.ETAKnown = true
	var migrateETA, evictETA time.Duration
	if remaining := p.Migrate + p.Migrating; remaining > 0 {
		switch {
		case len(durations) == 0 || perCluster <= 0:
			p.ETAKnown = false
		default:
			waves := (remaining + perCluster - 1) / perCluster
			migrateETA = time.Duration(waves) * p.MedianMigration
		}
	}
	if remaining := p.Evict - evictedNow; remaining > 0 {
		if batchSize <= 0 {
			p.ETAKnown = false
		} else {
			// The next batch comes one interval after the latest; each
			// further one an interval later.
			next := lastNow.Add(interval)
			if lastNow.IsZero() {
				next = now
			}
			first := max(next.Sub(now), 0)
			batches := (remaining + batchSize - 1) / batchSize
			evictETA = first + time.Duration(batches-1)*interval
		}
	}
	if p.ETAKnown {
		p.ETA = max(migrateETA, evictETA)
	}
	return p
}
