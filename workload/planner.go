package workload

import (
	"math/rand/v2"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	v1 "kubevirt.io/api/core/v1"
)

// Snapshot is what one reconcile looks at: the state of the cluster as the
// caller read it, and the time.
type Snapshot struct {
	// VMIs are all VirtualMachineInstances; the planner looks only at the
	// running ones. Their order is the order of Evict batches.
	VMIs []*v1.VirtualMachineInstance
	// Migrations are all VirtualMachineInstanceMigrations, of any origin.
	Migrations []*v1.VirtualMachineInstanceMigration
	// TargetPods are the migration target pods (labelled
	// kubevirt.io/migrationJobUID with their migration's UID); optional.
	// With them the planner looks again when a Pending target pod's timeout
	// expires (see [PendingTimeouts]). It never acts on them: KubeVirt's
	// migration controller deletes the timed-out target pod and the
	// migration ends Failed, which the next snapshot shows.
	TargetPods []*corev1.Pod
	// Strategy is the KubeVirt CR's spec.workloadUpdateStrategy (HCO copies
	// its own into it).
	Strategy v1.KubeVirtWorkloadUpdateStrategy
	// MigrationConfig is the KubeVirt CR's spec.configuration.migrations;
	// unset fields take KubeVirt's defaults.
	MigrationConfig v1.MigrationConfiguration
	// ClusterEvictionStrategy is the KubeVirt CR's
	// spec.configuration.evictionStrategy; nil means None.
	ClusterEvictionStrategy *v1.EvictionStrategy
	// LauncherImage is the target virt-launcher image; empty means only
	// VMIs labelled kubevirt.io/outdatedLauncherImage are outdated.
	LauncherImage string
	// LastEvictionBatch is when the previous Evict batch was issued, as the
	// previous Plan returned it; the zero time means never. Persist it to
	// keep the batch pace across restarts.
	LastEvictionBatch time.Time
	// Now is the time of the reconcile; the zero time means the planner's
	// clock.
	Now time.Time
}

// ActionKind is what an Action does.
type ActionKind string

// The action kinds.
const (
	// ActionMigrate: create a workload-update migration for the VMI (see
	// NewMigration).
	ActionMigrate ActionKind = "Migrate"
	// ActionEvict: evict the VMI's launcher pod.
	ActionEvict ActionKind = "Evict"
	// ActionAbort: delete an unfinished migration, which aborts it. The
	// planner aborts only its own migrations of VMIs that no longer need
	// them, as KubeVirt's updater does; never to time one out.
	ActionAbort ActionKind = "Abort"
	// ActionDelete: delete a finalized migration that is no longer kept.
	ActionDelete ActionKind = "Delete"
)

// Action is one change the plan asks for.
type Action struct {
	// Kind says what to do.
	Kind ActionKind `json:"kind"`
	// Namespace of the VMI and of the migration.
	Namespace string `json:"namespace"`
	// VMI is the VMI's name.
	VMI string `json:"vmi"`
	// Migration is the migration's name, for Abort and Delete.
	Migration string `json:"migration,omitempty"`
	// Reason says why.
	Reason string `json:"reason"`
}

// VMIDecision is the planner's verdict on one outdated VMI.
type VMIDecision struct {
	// Namespace of the VMI.
	Namespace string `json:"namespace"`
	// Name of the VMI.
	Name string `json:"name"`
	// Decision is the method and why. Code is Backoff or Stuck when retries
	// hold a migratable VMI back.
	Decision
	// Now is true when this plan acts on the VMI (its Migrate or Evict
	// action is in the plan); false means it waits or is left alone.
	Now bool `json:"now,omitempty"`
	// Cause is the LiveMigratable condition's reason when the VMI cannot
	// live-migrate.
	Cause string `json:"cause,omitempty"`
	// Eviction is what evicting it will do, for Method Evict.
	Eviction EvictionOutcome `json:"eviction,omitempty"`
	// RetryAt is when its next migration may start, for Code Backoff.
	RetryAt time.Time `json:"retryAt,omitzero"`
}

// Stuck is a VMI whose migrations failed too many times in a row.
type Stuck struct {
	// Namespace of the VMI.
	Namespace string `json:"namespace"`
	// Name of the VMI.
	Name string `json:"name"`
	// Failures is the number of consecutive failed migrations.
	Failures int `json:"failures"`
	// Reasons are the failures' reasons, newest first, each prefixed with
	// the migration's name.
	Reasons []string `json:"reasons"`
}

// Plan is the result of one reconcile.
type Plan struct {
	// Migrate lists the VMIs to live-migrate now.
	Migrate []Action `json:"migrate"`
	// Evict lists the VMIs whose launcher pod to evict now.
	Evict []Action `json:"evict"`
	// Abort lists unfinished migrations to delete.
	Abort []Action `json:"abort"`
	// Delete lists finalized migrations beyond the kept history.
	Delete []Action `json:"delete"`
	// Decisions holds one entry per outdated running VMI, in input order.
	Decisions []VMIDecision `json:"decisions"`
	// Blockers are the VMIs that will never update by themselves or that
	// block node drains.
	Blockers []Blocker `json:"blockers"`
	// Stuck are the VMIs the planner no longer retries.
	Stuck []Stuck `json:"stuck"`
	// Progress counts where the update stands.
	Progress Progress `json:"progress"`
	// Held counts the migrations and evictions the planner's Window kept
	// back (it was closed); WindowOpens is when it opens next, zero when it
	// was open or never opens.
	Held        int       `json:"held,omitempty"`
	WindowOpens time.Time `json:"windowOpens,omitzero"`
	// LastEvictionBatch is the time of the latest Evict batch, this plan's
	// if it has one: pass it to the next reconcile.
	LastEvictionBatch time.Time `json:"lastEvictionBatch,omitzero"`
	// RequeueAfter is when to look again even if nothing changes: the next
	// Evict batch, the end of a retry delay, a pending-pod deadline, the
	// end of a creation expectation, or a resync while migrations wait for
	// capacity. Zero means only a change in the cluster can lead to new
	// actions.
	RequeueAfter time.Duration `json:"requeueAfter"`
}

// Planner turns snapshots into plans. Its zero value is usable: KubeVirt's
// rules, the real clock, seed 0. A Planner keeps scratch memory and the
// migrations it planned but has not seen yet (its creation expectations)
// between reconciles: use one per goroutine, and one per stream of
// snapshots of a cluster.
type Planner struct {
	// Policy holds the planner's choices; see DefaultPolicy.
	Policy Policy
	// Seed makes the order in which migration candidates are picked
	// reproducible: equal seeds and equal snapshots give equal plans, from
	// planners with the same creation expectations (new ones have none).
	Seed uint64
	// Clock gives the time when a Snapshot has none; nil means the real
	// clock.
	Clock clock.PassiveClock
	// Strategy picks the method of each outdated VMI it may act on; nil
	// means KubeVirt's table ([KubeVirtTable]). See [Strategy] for what the
	// planner does with its answer.
	Strategy Strategy
	// Admission orders and filters the VMIs the planner acts on in each
	// reconcile (a priority, a disruption budget); nil means the planner's
	// own order: migrations shuffled by the seed, evictions in input order.
	Admission Admission
	// Window holds the plan's migrations and evictions while it is closed
	// (a maintenance window, package window): a reconcile outside it plans
	// none, counts them in Plan.Held and says in Plan.WindowOpens and
	// RequeueAfter when the next one opens; nil means always open. What is
	// under way goes on.
	Window windowGate

	// scratch is reused between reconciles; it is why a Planner must not
	// be used by two goroutines at once.
	scratch struct {
		migrate []candidate
		evict   []int
		picked  []int
	}
	// admission is the scratch memory of the Admission path (admission.go).
	admission struct {
		queue             []Disruption
		migrated, evicted []int
	}
	// expect holds the migrations planned and not seen yet, by VMI.
	expect map[vmiKey]*expectation
}

// NewPlanner returns a planner with policy and seed.
func NewPlanner(policy Policy, seed uint64) *Planner {
	return &Planner{Policy: policy, Seed: seed}
}

type vmiKey struct{ namespace, name string }

// vmiMigrations are the migrations of one VMI.
type vmiMigrations struct {
	all []*v1.VirtualMachineInstanceMigration
	// unfinished is the newest unfinished migration, if any.
	unfinished *v1.VirtualMachineInstanceMigration
	// ownUnfinished are this planner's unfinished migrations.
	ownUnfinished []*v1.VirtualMachineInstanceMigration
	// expected is true while a migration the planner planned for the VMI
	// has not been seen (a creation expectation); expectedOutdated when
	// this snapshot still shows the VMI running and outdated, so the
	// expectation stands.
	expected, expectedOutdated bool
}

// Reconcile plans one pass over s, as KubeVirt's workload updater does, by
// these rules:
//
//   - only running VMIs that are not final or being deleted count, and of
//     those only the outdated ones are updated (see Outdated);
//   - the method of each is Select's (Planner.Strategy's when set), with
//     None for a VMI that is migrating or has an unfinished migration;
//   - new migrations: parallelMigrationsPerCluster minus the running
//     migrations of any origin (minus this planner's Pending ones too with
//     Policy.CountPendingMigrations), at most parallelOutboundMigrationsPerNode
//     out of one node with Policy.LimitPerNode; candidates are picked in an
//     order shuffled by the seed and the time, so the same failing VMIs do not
//     always come first;
//   - a VMI whose last migrations failed waits Policy.Backoff (or
//     Policy.Retry); after
//     Policy.StuckAfter consecutive failures it is stuck and not retried;
//   - Evict: when batchEvictionInterval has passed since LastEvictionBatch,
//     the first batchEvictionSize candidates in input order;
//   - with Planner.Admission, migrations and evictions are picked, within
//     the same caps, in the order the Admission returns and only among the
//     VMIs it admits (see [Admission]);
//   - Abort: this planner's migrations of VMIs that are no longer outdated
//     and have not handed off yet, and migrations whose target pod stayed
//     Pending past its timeout (when TargetPods are given);
//   - Delete: finalized migrations beyond the Policy.KeepFinalized most
//     recent per VMI.
//
// No VMI ever gets a second migration while one is unfinished, and a stale
// snapshot cannot make the planner plan one twice. A VMI that is migrating
// or has an unfinished migration of any origin gets none. And the planner
// remembers each migration it plans (a creation expectation, as KubeVirt's
// updater keeps): until a snapshot shows a workload-update migration of
// that VMI that was not there when it was planned, or
// Policy.ExpectationTimeout (5 min) passes, the VMI is treated as having an
// unfinished migration, and the planned migration holds its place against
// parallelMigrationsPerCluster (and the per-node cap with
// Policy.LimitPerNode). An expectation also ends when a snapshot no longer
// shows the VMI running and outdated (it is gone, stopped or updated). The
// caller reports a failed create with [Planner.CreateFailed]; a snapshot
// older than the planner's last plan therefore never leads to a duplicate.
//
// Reconcile never sleeps, never calls a server and accepts any input.
func (p *Planner) Reconcile(s Snapshot) Plan {
	var plan Plan
	p.ReconcileInto(&plan, s)
	return plan
}

// ReconcileInto is [Planner.Reconcile] writing into plan and reusing the
// memory of its slices, so a controller that keeps one Plan between passes
// does not allocate per VMI. Whatever plan held before is overwritten.
func (p *Planner) ReconcileInto(plan *Plan, s Snapshot) {
	now := s.Now
	if now.IsZero() {
		clk := p.Clock
		if clk == nil {
			clk = clock.RealClock{}
		}
		now = clk.Now()
	}
	pol := p.Policy
	methods := MethodsOf(s.Strategy)
	batchSize, batchInterval := BatchEviction(s.Strategy)
	perCluster, perNode := MigrationLimits(s.MigrationConfig)

	*plan = Plan{
		Migrate:           plan.Migrate[:0],
		Evict:             plan.Evict[:0],
		Abort:             plan.Abort[:0],
		Delete:            plan.Delete[:0],
		Decisions:         slices.Grow(plan.Decisions[:0], len(s.VMIs)),
		Blockers:          plan.Blockers[:0],
		Stuck:             plan.Stuck[:0],
		LastEvictionBatch: s.LastEvictionBatch,
	}
	var requeue time.Time
	wake := func(t time.Time) {
		if t.After(now) && (requeue.IsZero() || t.Before(requeue)) {
			requeue = t
		}
	}

	// Index the migrations by VMI and count the ones holding capacity.
	byVMI := make(map[vmiKey]*vmiMigrations, len(s.Migrations))
	running := 0
	nodeLoad := map[string]int{}
	var durations []time.Duration
	for _, m := range s.Migrations {
		if m == nil {
			continue
		}
		k := vmiKey{m.Namespace, m.Spec.VMIName}
		g := byVMI[k]
		if g == nil {
			g = &vmiMigrations{}
			byVMI[k] = g
		}
		g.all = append(g.all, m)
		if !m.IsFinal() {
			if g.unfinished == nil || newestFirst(m, g.unfinished) < 0 {
				g.unfinished = m
			}
			if isWorkloadUpdate(m) {
				g.ownUnfinished = append(g.ownUnfinished, m)
			}
		}
		// Running migrations of any origin hold capacity (KubeVirt's rule);
		// with CountPendingMigrations so do this planner's unfinished ones.
		holds := m.IsRunning() || (pol.CountPendingMigrations && isWorkloadUpdate(m) && !m.IsFinal())
		if holds {
			running++
		}
		if holds && pol.LimitPerNode {
			if ms := m.Status.MigrationState; ms != nil && ms.SourceNode != "" {
				nodeLoad[ms.SourceNode]++
			}
		}
		if d, ok := migrationDuration(m); ok {
			durations = append(durations, d)
		}
	}
	for _, g := range byVMI {
		if len(g.all) > 1 {
			slices.SortFunc(g.all, newestFirst)
		}
	}

	// Migrations planned earlier and not seen yet hold their place.
	expTimeout := pol.expectationTimeout()
	expecting := len(p.expect) > 0 && p.settleExpectations(byVMI, now, expTimeout) > 0
	if expecting {
		for k := range p.expect {
			g := byVMI[k]
			if g == nil {
				g = &vmiMigrations{}
				byVMI[k] = g
			}
			g.expected = true
		}
	}

	// Pending target pods: look again at their deadlines.
	if len(s.TargetPods) > 0 && len(s.Migrations) > 0 {
		p.watchTargetPods(s, now, wake)
	}

	var (
		migrateCandidates = p.scratch.migrate[:0]
		evictCandidates   = p.scratch.evict[:0] // indexes into decisions
		decisions         = plan.Decisions
		prog              Progress
	)
	var j judgement
	for _, vmi := range s.VMIs {
		if !Candidate(vmi) {
			continue
		}
		prog.Running++
		g := byVMI[vmiKey{vmi.Namespace, vmi.Name}]
		outdated := Outdated(vmi, s.LauncherImage)
		es := EffectiveEvictionStrategy(vmi, s.ClusterEvictionStrategy)
		// The LiveMigratable condition is read once, and only when needed.
		var mc *v1.VirtualMachineInstanceCondition
		if outdated || es == v1.EvictionStrategyLiveMigrate || es == v1.EvictionStrategyExternal {
			mc = migratableCondition(vmi)
		}
		if b, ok := findBlocker(vmi, methods, outdated, es, mc); ok {
			plan.Blockers = append(plan.Blockers, b)
		}
		if !outdated {
			prog.Updated++
			if g != nil && len(g.ownUnfinished) > 0 && abortable(vmi) {
				plan.Abort = appendAborts(plan.Abort, vmi, g)
			}
			continue
		}
		prog.Outdated++
		expected := g != nil && g.expected
		if expected {
			g.expectedOutdated = true
		}
		p.judge(&j, vmi, g, expected, methods, es, mc, now)
		if pol.LimitPerNode && j.loadNode != "" {
			nodeLoad[j.loadNode]++
		}
		switch j.kind {
		case judgedStuck:
			plan.Stuck = append(plan.Stuck, Stuck{Namespace: vmi.Namespace, Name: vmi.Name, Failures: j.failures, Reasons: failureReasons(g.all, j.failures)})
			prog.Stuck++
		case judgedBackoff:
			wake(j.d.RetryAt)
			prog.Migrate++
		case judgedMigrate:
			migrateCandidates = append(migrateCandidates, candidate{len(decisions), vmi.Status.NodeName})
			prog.Migrate++
		case judgedEvict, judgedEvictSkipped:
			if j.denied {
				prog.Blocked++
			} else {
				prog.Evict++
			}
			if j.kind == judgedEvict {
				evictCandidates = append(evictCandidates, len(decisions))
			}
		case judgedMigrating:
			prog.Migrating++
		default:
			prog.Blocked++
		}
		decisions = append(decisions, j.d)
	}
	plan.Decisions = decisions

	// Expected migrations hold their place, while the snapshot still shows
	// their VMI running and outdated; one that shows it gone, stopped or
	// updated is newer than the planned migration, which is then moot.
	if expecting {
		for k, e := range p.expect {
			if g := byVMI[k]; g == nil || !g.expectedOutdated {
				delete(p.expect, k)
				continue
			}
			running++
			if pol.LimitPerNode && e.node != "" {
				nodeLoad[e.node]++
			}
			wake(e.planned.Add(expTimeout))
		}
	}

	// Migrations: KubeVirt's cap, then the per-node cap, in seeded order.
	slots := max(perCluster-running, 0)
	// An Admission orders and filters what the planner acts on
	// (admission.go): it takes the candidates over here, and acts on them
	// before the history below.
	var admitting *admissionPass
	if p.Admission != nil {
		admitting = p.startAdmission(s, decisions, migrateCandidates, evictCandidates, byVMI, slots, now)
		migrateCandidates, evictCandidates = migrateCandidates[:0], evictCandidates[:0]
	}
	if slots > 0 && len(migrateCandidates) > 0 {
		// A partial Fisher-Yates shuffle: only the picked prefix is drawn.
		rng := rand.New(rand.NewPCG(p.Seed, uint64(now.UnixNano())))
		picked := p.scratch.picked[:0]
		for i := 0; i < len(migrateCandidates) && slots > 0; i++ {
			j := i + rng.IntN(len(migrateCandidates)-i)
			migrateCandidates[i], migrateCandidates[j] = migrateCandidates[j], migrateCandidates[i]
			c := migrateCandidates[i]
			if pol.LimitPerNode && c.node != "" {
				if nodeLoad[c.node] >= perNode {
					continue
				}
				nodeLoad[c.node]++
			}
			picked = append(picked, c.decision)
			d := &decisions[c.decision]
			k := vmiKey{d.Namespace, d.Name}
			p.expectCreation(k, c.node, byVMI[k], now)
			slots--
		}
		// The actions follow input order, whatever order picked them.
		slices.Sort(picked)
		for _, i := range picked {
			d := &decisions[i]
			d.Now = true
			plan.Migrate = append(plan.Migrate, Action{Kind: ActionMigrate, Namespace: d.Namespace, VMI: d.Name, Reason: reasonMigrateCreated})
		}
		p.scratch.picked = picked
	}
	p.scratch.migrate, p.scratch.evict = migrateCandidates, evictCandidates
	for i := range decisions {
		if d := &decisions[i]; d.Method == MethodLiveMigrate && !d.Now {
			d.Reason = reasonCapacity
		}
	}
	if len(migrateCandidates) > len(plan.Migrate) {
		wake(now.Add(pol.resync()))
	}

	// Evict batches.
	if len(evictCandidates) > 0 {
		if now.After(s.LastEvictionBatch.Add(batchInterval)) {
			plan.LastEvictionBatch = now
			for _, i := range evictCandidates[:min(batchSize, len(evictCandidates))] {
				d := &decisions[i]
				d.Now = true
				plan.Evict = append(plan.Evict, Action{Kind: ActionEvict, Namespace: d.Namespace, VMI: d.Name, Reason: reasonEvictNow})
			}
		}
		if len(evictCandidates) > len(plan.Evict) && batchSize > 0 {
			// The first instant strictly after the interval, KubeVirt's test.
			wake(plan.LastEvictionBatch.Add(batchInterval + time.Nanosecond))
		}
	}

	if admitting != nil {
		next, batch := p.admit(plan, admitting, byVMI, nodeLoad)
		wake(next)
		wake(batch)
	}

	// History beyond what is kept.
	keep := pol.keep()
	for _, g := range byVMI {
		for _, m := range Superseded(g.all, keep) {
			plan.Delete = append(plan.Delete, Action{Kind: ActionDelete, Namespace: m.Namespace, VMI: m.Spec.VMIName, Migration: m.Name, Reason: reasonDeleteOldAttempt})
		}
	}
	sortActions(plan.Delete)
	sortActions(plan.Abort)

	plan.Progress = prog.withETA(durations, perCluster, batchSize, batchInterval, plan.LastEvictionBatch, now, len(plan.Evict))
	if !requeue.IsZero() {
		plan.RequeueAfter = requeue.Sub(now)
	}
	p.holdOutsideWindow(plan, now, s.LastEvictionBatch)
}

// judgedKind is what a reconcile does with an outdated running VMI.
type judgedKind uint8

const (
	// judgedBlocked: nothing; it waits for something else (Blocked in
	// Progress).
	judgedBlocked judgedKind = iota
	// judgedMigrating: its migration is in progress or unfinished.
	judgedMigrating
	// judgedMigrate: a migration candidate now.
	judgedMigrate
	// judgedBackoff: a migration candidate from d.RetryAt on.
	judgedBackoff
	// judgedStuck: no more retries.
	judgedStuck
	// judgedEvict: a candidate of the Evict batches.
	judgedEvict
	// judgedEvictSkipped: to be evicted, but left out of the batches
	// (Policy.SkipDeniedEvictions).
	judgedEvictSkipped
)

// judgement is what a reconcile makes of one outdated running VMI.
type judgement struct {
	// d is its decision.
	d    VMIDecision
	kind judgedKind
	// failures is the count of consecutive failed migrations, for
	// judgedStuck.
	failures int
	// denied: its eviction will be denied or handed to an external
	// controller, for judgedEvict and judgedEvictSkipped.
	denied bool
	// loadNode is the node its unfinished migration counts against under
	// Policy.LimitPerNode when the migration does not name its source node
	// yet; "" for none.
	loadNode string
}

// judge decides on one outdated running VMI (Candidate and Outdated) by the
// rules of [Planner.Reconcile]: g are its migrations (nil for none),
// expected whether a migration planned for it has not been seen yet, es its
// effective eviction strategy and mc its LiveMigratable condition (nil for
// none). Planner.ReconcileInto and Tracker share it, so both plan alike.
func (p *Planner) judge(j *judgement, vmi *v1.VirtualMachineInstance, g *vmiMigrations, expected bool, methods Methods, es v1.EvictionStrategy, mc *v1.VirtualMachineInstanceCondition, now time.Time) {
	pol := &p.Policy
	*j = judgement{}
	var unfinished *v1.VirtualMachineInstanceMigration
	if g != nil {
		unfinished = g.unfinished
	}
	// The per-node load from the migration objects misses those without a
	// source node yet: take the VMI's node for them.
	if pol.LimitPerNode && unfinished != nil && vmi.Status.NodeName != "" {
		if ms := unfinished.Status.MigrationState; ms == nil || ms.SourceNode == "" {
			if unfinished.IsRunning() || (pol.CountPendingMigrations && isWorkloadUpdate(unfinished)) {
				j.loadNode = vmi.Status.NodeName
			}
		}
	}
	cause, _, notMigratable := causeOf(mc)
	d := &j.d
	d.Namespace, d.Name, d.Cause = vmi.Namespace, vmi.Name, cause
	switch {
	case isMigrating(vmi):
		d.Decision = decisionMigrating
	case unfinished != nil:
		d.Decision = decisionUnfinishedMigration
	case expected:
		d.Decision = decisionCreationExpected
	default:
		d.Decision = byMethods(methods, !notMigratable)
		if p.Strategy != nil {
			d.Decision = allowed(p.Strategy, vmi, methods, !notMigratable, d.Decision)
		}
	}
	switch d.Method {
	case MethodLiveMigrate:
		n, last := 0, time.Time{}
		if g != nil {
			n, last = failures(g.all)
		}
		switch {
		case pol.Stuck(n):
			d.Method, d.Code, d.Reason = MethodNone, CodeStuck, reasonStuck
			j.kind, j.failures = judgedStuck, n
		case n > 0 && now.Before(last.Add(pol.retryDelay(vmi, n))):
			d.Method, d.Code, d.Reason = MethodNone, CodeBackoff, reasonBackoff
			d.RetryAt = last.Add(pol.retryDelay(vmi, n))
			j.kind = judgedBackoff
		default:
			j.kind = judgedMigrate
		}
	case MethodEvict:
		d.Eviction = evictionOutcome(es, !notMigratable)
		j.denied = d.Eviction == EvictionDenied || d.Eviction == EvictionExternal
		j.kind = judgedEvict
		if j.denied && pol.SkipDeniedEvictions {
			j.kind = judgedEvictSkipped
		}
	default:
		switch d.Code {
		case CodeMigrating, CodeUnfinishedMigration:
			j.kind = judgedMigrating
		default:
			j.kind = judgedBlocked
		}
	}
}

// appendAborts appends the Abort actions of this planner's unfinished
// migrations of a VMI that no longer needs them.
func appendAborts(abort []Action, vmi *v1.VirtualMachineInstance, g *vmiMigrations) []Action {
	for _, m := range g.ownUnfinished {
		abort = append(abort, Action{Kind: ActionAbort, Namespace: m.Namespace, VMI: vmi.Name, Migration: m.Name, Reason: reasonAbortUpToDate})
	}
	return abort
}

// candidate is a VMI that may be migrated now: its decision and its node.
type candidate struct {
	decision int
	node     string
}

// abortable is KubeVirt's rule (shouldAbortMigration) for dropping the
// workload-update migrations of a VMI that no longer needs them: always when
// the VMI carries kubevirt.io/testWorkloadUpdateMigrationAbortion; otherwise
// when no CPU, memory or volume change is under way and the target has not
// reported its domain ready.
func abortable(vmi *v1.VirtualMachineInstance) bool {
	if _, ok := vmi.Annotations[v1.WorkloadUpdateMigrationAbortionAnnotation]; ok {
		return true
	}
	if hotplugInProgress(vmi) || volumesUpdateInProgress(vmi) {
		return false
	}
	ms := vmi.Status.MigrationState
	return ms == nil || ms.TargetNodeDomainReadyTimestamp == nil
}

// watchTargetPods wakes the planner at the next deadline of a Pending
// target pod, so it sees the migration fail soon after KubeVirt's migration
// controller times it out. It never acts on a migration.
func (p *Planner) watchTargetPods(s Snapshot, now time.Time, wake func(time.Time)) {
	pods := make(map[types.UID]*corev1.Pod, len(s.TargetPods))
	for _, pod := range s.TargetPods {
		if pod == nil {
			continue
		}
		if uid, ok := pod.Labels[v1.MigrationJobLabel]; ok {
			pods[types.UID(uid)] = pod
		}
	}
	for _, m := range s.Migrations {
		if m == nil || m.UID == "" || !pendingTimeoutsApply(m) {
			continue
		}
		pod := pods[m.UID]
		if pod == nil {
			continue
		}
		if v := p.Policy.Timeouts.Check(m, pod, now); v.Pending && !v.Expired {
			wake(v.Deadline)
		}
	}
}

func sortActions(a []Action) {
	slices.SortFunc(a, func(x, y Action) int {
		if x.Namespace != y.Namespace {
			if x.Namespace < y.Namespace {
				return -1
			}
			return 1
		}
		if x.Migration < y.Migration {
			return -1
		}
		if x.Migration > y.Migration {
			return 1
		}
		return 0
	})
}

// migrationDuration is how long a Succeeded migration took, from creation to
// success.
func migrationDuration(m *v1.VirtualMachineInstanceMigration) (time.Duration, bool) {
	if m.Status.Phase != v1.MigrationSucceeded || m.CreationTimestamp.IsZero() {
		return 0, false
	}
	end := finishedAt(m)
	if !end.After(m.CreationTimestamp.Time) {
		return 0, false
	}
	return end.Sub(m.CreationTimestamp.Time), true
}
