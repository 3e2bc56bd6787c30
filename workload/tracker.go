package workload

import (
	"cmp"
	"container/heap"
	"math/rand/v2"
	"slices"
	"time"

	"k8s.io/utils/clock"

	v1 "kubevirt.io/api/core/v1"
)

// Settings are what a [Tracker]'s reconcile reads besides the objects it
// tracks; each field means what the Snapshot field of the same name means.
type Settings struct {
	// Strategy is the KubeVirt CR's spec.workloadUpdateStrategy.
	Strategy v1.KubeVirtWorkloadUpdateStrategy
	// MigrationConfig is the KubeVirt CR's spec.configuration.migrations.
	MigrationConfig v1.MigrationConfiguration
	// ClusterEvictionStrategy is the KubeVirt CR's
	// spec.configuration.evictionStrategy; nil means None.
	ClusterEvictionStrategy *v1.EvictionStrategy
	// LauncherImage is the target virt-launcher image.
	LauncherImage string
	// LastEvictionBatch is when the previous Evict batch was issued.
	LastEvictionBatch time.Time
	// Now is the time of the reconcile; the zero time means the planner's
	// clock.
	Now time.Time
}

// Tracker keeps the VMIs and migrations of one cluster between reconciles,
// and plans as its Planner's [Planner.ReconcileInto] would over a Snapshot
// of them, with the VMIs in namespace and name order, at a cost that grows
// with what changed since the last reconcile rather than with the size of
// the cluster. It is for a controller that sees every change (an informer's
// event handlers, a simulator): tell it each one with SetVMI, DeleteVMI,
// SetMigration and DeleteMigration; it keeps the pointers it is given and
// reads them again at the next reconcile, so after changing an object in
// place, call Set again.
//
// A Tracker's plan holds the actions (Migrate, Evict, Abort, Delete), Stuck,
// LastEvictionBatch and RequeueAfter, equal to those of Planner.Reconcile
// over the same snapshot; it leaves Decisions and Blockers empty and
// Progress zero, which need a pass over every VMI: take a Snapshot and call
// Planner.Reconcile for a report. It plans with no TargetPods. The Reasons
// of the plan's Stuck entries are the tracker's: read them, do not modify
// them. Like a Planner, a Tracker must not be used by two goroutines at
// once.
type Tracker struct {
	p *Planner

	vmis   map[vmiKey]*trackedVMI
	migs   map[vmiKey]*trackedMigration // by the migration's namespace and name
	groups map[vmiKey]*trackedGroup     // by VMI

	dirty      []*trackedVMI // VMIs to judge again
	dirtyGroup []*trackedGroup

	// order holds the VMIs in namespace and name order; pos is each one's
	// index. migrate and evict are the candidates among them.
	order    []*trackedVMI
	relayout bool // a VMI without a position was added
	dead     int  // VMIs in order that are no longer tracked
	migrate  rankSet
	evict    rankSet
	backoff  backoffHeap
	waiting  int                        // VMIs judged in backoff
	stuck    map[*trackedVMI]struct{}   // VMIs judged stuck
	aborting map[*trackedVMI]struct{}   // VMIs with Abort actions
	deleting map[*trackedGroup]struct{} // groups with Delete actions

	// running counts the tracked migrations that hold capacity, nodeLoad
	// their source nodes (and the nodes of unfinished migrations without
	// one) under Policy.LimitPerNode.
	running  int
	nodeLoad map[string]int
	// perNode counts the migration candidates by node.
	perNode map[string]int

	// what the judgements were made with; a change judges everything again
	policy   Policy // with Retry nil
	retry    RetryPolicy
	strategy Strategy
	methods  Methods
	cluster  v1.EvictionStrategy
	launcher string
	judged   bool
	lastNow  time.Time
	// judgements counts the VMIs judged, for tests: what a pass costs.
	judgements int
	expected   []vmiKey // VMIs with an expectation after the last reconcile

	scratch struct {
		swaps    map[int]int
		picked   []int
		load     map[string]int
		examined map[string]int
		stuck    []*trackedVMI
	}
}

type trackedVMI struct {
	key  vmiKey
	vmi  *v1.VirtualMachineInstance // nil: no longer tracked
	pos  int                        // index in Tracker.order; -1 before layout
	kind judgedKind
	// candidate: Candidate and Outdated.
	candidate bool
	dirty     bool
	node      string   // the VMI's node when judged
	loadNode  string   // judgement.loadNode
	stamp     uint32   // bumped by every judgement, for the backoff heap
	stuck     *Stuck   // for judgedStuck
	aborts    []Action // for VMIs up to date with migrations to abort
}

type trackedMigration struct {
	m     *v1.VirtualMachineInstanceMigration
	group *trackedGroup
}

type trackedGroup struct {
	key   vmiKey
	set   []*v1.VirtualMachineInstanceMigration // in no order
	g     vmiMigrations
	dirty bool
	// holding is how many of set hold capacity, loads their source nodes
	// under Policy.LimitPerNode, deletes the Delete actions.
	holding int
	loads   []string
	deletes []Action
}

// NewTracker returns an empty tracker that plans with p: its Policy, Seed,
// Clock, Strategy, Admission and creation expectations. A change of p's
// Policy or Strategy (one that can be compared: a value holding a slice, a
// map or a function is taken as unchanged), of the methods, the cluster's
// eviction strategy or the launcher image judges every VMI again at the next
// reconcile; otherwise the tracker asks the Strategy and the Policy's retry
// wait about a VMI only when the VMI or its migrations change, so both must
// depend on nothing else. With an Admission, which orders every candidate
// of a pass, the tracker plans by a full pass: Planner.ReconcileInto over
// its objects.
func NewTracker(p *Planner) *Tracker {
	return &Tracker{p: p, vmis: map[vmiKey]*trackedVMI{}, migs: map[vmiKey]*trackedMigration{},
		groups: map[vmiKey]*trackedGroup{}, nodeLoad: map[string]int{}, perNode: map[string]int{},
		stuck: map[*trackedVMI]struct{}{}, aborting: map[*trackedVMI]struct{}{}, deleting: map[*trackedGroup]struct{}{}}
}

// Planner is the planner the tracker plans with.
func (t *Tracker) Planner() *Planner { return t.p }

// Len is the number of VMIs tracked.
func (t *Tracker) Len() int { return len(t.order) - t.dead }

// SetVMI adds or replaces the VMI of its namespace and name, or tells the
// tracker that it changed; nil does nothing.
func (t *Tracker) SetVMI(vmi *v1.VirtualMachineInstance) {
	if vmi == nil {
		return
	}
	k := vmiKey{vmi.Namespace, vmi.Name}
	e := t.vmis[k]
	if e == nil {
		e = &trackedVMI{key: k, pos: -1}
		t.vmis[k] = e
		t.relayout = true
		t.order = append(t.order, e)
	} else if e.vmi == nil {
		t.dead--
	}
	e.vmi = vmi
	t.markVMI(e)
}

// DeleteVMI stops tracking the VMI namespace/name.
func (t *Tracker) DeleteVMI(namespace, name string) {
	e := t.vmis[vmiKey{namespace, name}]
	if e == nil || e.vmi == nil {
		return
	}
	e.vmi = nil
	t.dead++
	t.markVMI(e)
}

// SetMigration adds or replaces the migration of its namespace and name, or
// tells the tracker that it changed; nil does nothing.
func (t *Tracker) SetMigration(m *v1.VirtualMachineInstanceMigration) {
	if m == nil {
		return
	}
	k := vmiKey{m.Namespace, m.Name}
	vk := vmiKey{m.Namespace, m.Spec.VMIName}
	tm := t.migs[k]
	if tm != nil && tm.group.key != vk {
		t.DeleteMigration(m.Namespace, m.Name)
		tm = nil
	}
	if tm == nil {
		g := t.group(vk)
		tm = &trackedMigration{group: g}
		t.migs[k] = tm
		g.set = append(g.set, m)
	} else if tm.m != m {
		i := slices.Index(tm.group.set, tm.m)
		tm.group.set[i] = m
	}
	tm.m = m
	t.markGroup(tm.group)
}

// DeleteMigration stops tracking the migration namespace/name.
func (t *Tracker) DeleteMigration(namespace, name string) {
	k := vmiKey{namespace, name}
	tm := t.migs[k]
	if tm == nil {
		return
	}
	delete(t.migs, k)
	g := tm.group
	if i := slices.Index(g.set, tm.m); i >= 0 {
		g.set = slices.Delete(g.set, i, i+1)
	}
	t.markGroup(g)
}

// CreateFailed is [Planner.CreateFailed].
func (t *Tracker) CreateFailed(namespace, name string) { t.p.CreateFailed(namespace, name) }

func (t *Tracker) group(k vmiKey) *trackedGroup {
	g := t.groups[k]
	if g == nil {
		g = &trackedGroup{key: k}
		t.groups[k] = g
	}
	return g
}

func (t *Tracker) markVMI(e *trackedVMI) {
	if !e.dirty {
		e.dirty = true
		t.dirty = append(t.dirty, e)
	}
}

func (t *Tracker) markGroup(g *trackedGroup) {
	if !g.dirty {
		g.dirty = true
		t.dirtyGroup = append(t.dirtyGroup, g)
	}
	if e := t.vmis[g.key]; e != nil {
		t.markVMI(e)
	}
}

// Reconcile is ReconcileInto a new Plan.
func (t *Tracker) Reconcile(s Settings) Plan {
	var plan Plan
	t.ReconcileInto(&plan, s)
	return plan
}

// ReconcileInto plans one pass, as [Planner.ReconcileInto] over a Snapshot
// of the tracked VMIs (in namespace and name order) and migrations with the
// settings s, writing into plan and reusing its memory; see [Tracker] for
// the fields it fills.
func (t *Tracker) ReconcileInto(plan *Plan, s Settings) {
	p := t.p
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
	cluster := v1.EvictionStrategy("\x00none")
	if s.ClusterEvictionStrategy != nil {
		cluster = *s.ClusterEvictionStrategy
	}

	*plan = Plan{
		Migrate:           plan.Migrate[:0],
		Evict:             plan.Evict[:0],
		Abort:             plan.Abort[:0],
		Delete:            plan.Delete[:0],
		Decisions:         plan.Decisions[:0],
		Blockers:          plan.Blockers[:0],
		Stuck:             plan.Stuck[:0],
		LastEvictionBatch: s.LastEvictionBatch,
	}
	var requeue time.Time
	wake := func(at time.Time) {
		if at.After(now) && (requeue.IsZero() || at.Before(requeue)) {
			requeue = at
		}
	}

	// What every judgement depends on: a change judges everything again.
	scalars := pol
	scalars.Retry = nil
	samePolicy := t.judged && scalars == t.policy && unchanged(pol.Retry, t.retry)
	if !samePolicy || !unchanged(p.Strategy, t.strategy) || methods != t.methods || cluster != t.cluster || s.LauncherImage != t.launcher || now.Before(t.lastNow) {
		if !samePolicy {
			for _, g := range t.groups {
				t.markGroup(g)
			}
		}
		for _, e := range t.vmis {
			t.markVMI(e)
		}
		t.policy, t.retry, t.strategy, t.judged = scalars, pol.Retry, p.Strategy, true
		t.methods, t.cluster, t.launcher = methods, cluster, s.LauncherImage
	}
	t.lastNow = now
	if p.Admission != nil {
		t.fullPass(plan, s, now)
		return
	}
	// VMIs whose expectation may have changed since the last reconcile.
	for _, k := range t.expected {
		if e := t.vmis[k]; e != nil {
			t.markVMI(e)
		}
	}
	for k := range p.expect {
		if e := t.vmis[k]; e != nil {
			t.markVMI(e)
		}
	}

	for _, g := range t.dirtyGroup {
		t.refreshGroup(g)
	}
	t.dirtyGroup = t.dirtyGroup[:0]

	// Migrations planned earlier and not seen yet hold their place.
	expTimeout := pol.expectationTimeout()
	for k, e := range p.expect {
		if !now.Before(e.planned.Add(expTimeout)) {
			delete(p.expect, k)
			continue
		}
		if g := t.groups[k]; g != nil && e.seen(g.g.all) {
			delete(p.expect, k)
		}
	}

	if t.relayout || t.dead > len(t.order)/2+1024 {
		t.layout()
	}
	for _, e := range t.dirty {
		e.dirty = false
		t.judge(e, now)
	}
	t.dirty = t.dirty[:0]
	if t.dead > len(t.order)/2+1024 {
		t.layout()
	}

	// Backoffs that ended are candidates now.
	if len(t.backoff) > 2*t.waiting+64 {
		t.backoff = slices.DeleteFunc(t.backoff, func(b backoffEntry) bool { return !b.valid() })
		heap.Init(&t.backoff)
	}
	for len(t.backoff) > 0 {
		b := t.backoff[0]
		if !b.valid() {
			heap.Pop(&t.backoff)
			continue
		}
		if now.Before(b.at) {
			wake(b.at)
			break
		}
		heap.Pop(&t.backoff)
		t.setKind(b.e, judgedMigrate)
	}

	running := t.running
	load := t.scratch.load
	if load == nil {
		load = map[string]int{}
		t.scratch.load = load
	}
	clear(load)
	for k, e := range p.expect {
		if v := t.vmis[k]; v == nil || v.vmi == nil || !v.candidate {
			delete(p.expect, k)
			continue
		}
		running++
		if pol.LimitPerNode && e.node != "" {
			load[e.node]++
		}
		wake(e.planned.Add(expTimeout))
	}

	// Migrations: KubeVirt's cap, then the per-node cap, in seeded order.
	slots := max(perCluster-running, 0)
	candidates := t.migrate.count
	if slots > 0 && candidates > 0 {
		t.pick(plan, now, slots, perNode, load)
	}
	if candidates > len(plan.Migrate) {
		wake(now.Add(pol.resync()))
	}

	// Evict batches.
	if evictable := t.evict.count; evictable > 0 {
		if now.After(s.LastEvictionBatch.Add(batchInterval)) {
			plan.LastEvictionBatch = now
			for r := range min(batchSize, evictable) {
				e := t.order[t.evict.find(r)]
				plan.Evict = append(plan.Evict, Action{Kind: ActionEvict, Namespace: e.key.namespace, VMI: e.key.name, Reason: reasonEvictNow})
			}
		}
		if evictable > len(plan.Evict) && batchSize > 0 {
			wake(plan.LastEvictionBatch.Add(batchInterval + time.Nanosecond))
		}
	}

	if len(t.stuck) > 0 {
		stuck := t.scratch.stuck[:0]
		for e := range t.stuck {
			stuck = append(stuck, e)
		}
		slices.SortFunc(stuck, func(a, b *trackedVMI) int { return a.pos - b.pos })
		for _, e := range stuck {
			plan.Stuck = append(plan.Stuck, *e.stuck)
		}
		clear(stuck)
		t.scratch.stuck = stuck[:0]
	}
	for e := range t.aborting {
		plan.Abort = append(plan.Abort, e.aborts...)
	}
	sortActions(plan.Abort)
	for g := range t.deleting {
		plan.Delete = append(plan.Delete, g.deletes...)
	}
	sortActions(plan.Delete)

	if !requeue.IsZero() {
		plan.RequeueAfter = requeue.Sub(now)
	}
	p.holdOutsideWindow(plan, now, s.LastEvictionBatch)
	t.expected = t.expected[:0]
	for k := range p.expect {
		t.expected = append(t.expected, k)
	}
}

// fullPass plans with an Admission, which orders every candidate of the
// pass: Planner.ReconcileInto over a snapshot of the tracked objects. The
// tracker's own state stays current for the passes without one.
func (t *Tracker) fullPass(plan *Plan, s Settings, now time.Time) {
	for _, g := range t.dirtyGroup {
		t.refreshGroup(g)
	}
	t.dirtyGroup = t.dirtyGroup[:0]
	if t.relayout {
		t.layout()
	}
	snap := Snapshot{Strategy: s.Strategy, MigrationConfig: s.MigrationConfig, ClusterEvictionStrategy: s.ClusterEvictionStrategy,
		LauncherImage: s.LauncherImage, LastEvictionBatch: s.LastEvictionBatch, Now: now}
	for _, e := range t.order {
		if e.vmi != nil {
			snap.VMIs = append(snap.VMIs, e.vmi)
		}
	}
	for _, tm := range t.migs {
		snap.Migrations = append(snap.Migrations, tm.m)
	}
	t.p.ReconcileInto(plan, snap)
	t.expected = t.expected[:0]
	for k := range t.p.expect {
		t.expected = append(t.expected, k)
	}
}

// unchanged reports whether a and b are equal; values that cannot be
// compared (a policy or strategy holding a slice, a map or a function) are
// taken as unchanged.
func unchanged(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = true
		}
	}()
	return a == b
}

// pick draws the migrations of this pass: Planner.ReconcileInto's partial
// Fisher-Yates shuffle of the candidates in order, run on the ranks of the
// candidate set, so only the drawn prefix costs anything.
func (t *Tracker) pick(plan *Plan, now time.Time, slots, perNode int, load map[string]int) {
	p := t.p
	limit := p.Policy.LimitPerNode
	n := t.migrate.count
	swaps := t.scratch.swaps
	if swaps == nil {
		swaps = map[int]int{}
		t.scratch.swaps = swaps
	}
	clear(swaps)
	at := func(i int) int {
		if v, ok := swaps[i]; ok {
			return v
		}
		return i
	}
	// Under the per-node cap, the candidates of the nodes at the cap are
	// passed over; once only those remain, the rest of the shuffle cannot
	// pick anything and is not drawn.
	open := n
	examined := t.scratch.examined
	if limit {
		if examined == nil {
			examined = map[string]int{}
			t.scratch.examined = examined
		}
		clear(examined)
		// Only a node with migrations counted against it can be at the cap
		// (unless the cap is 0): visit those, not every node.
		switch {
		case perNode <= 0:
			open = t.perNode[""]
		default:
			for node, l := range t.nodeLoad {
				if node != "" && l+load[node] >= perNode {
					open -= t.perNode[node]
				}
			}
			for node, l := range load {
				if node != "" && t.nodeLoad[node] == 0 && l >= perNode {
					open -= t.perNode[node]
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(p.Seed, uint64(now.UnixNano())))
	picked := t.scratch.picked[:0]
	for i := 0; i < n && slots > 0 && open > 0; i++ {
		j := i + rng.IntN(n-i)
		vi, vj := at(i), at(j)
		swaps[i], swaps[j] = vj, vi
		pos := t.migrate.find(vj)
		e := t.order[pos]
		if limit && e.node != "" {
			examined[e.node]++
			if t.nodeLoad[e.node]+load[e.node] >= perNode {
				continue
			}
			load[e.node]++
			if t.nodeLoad[e.node]+load[e.node] >= perNode {
				open -= t.perNode[e.node] - examined[e.node]
			}
		}
		open--
		picked = append(picked, pos)
		var g *vmiMigrations
		if tg := t.groups[e.key]; tg != nil {
			g = &tg.g
		}
		p.expectCreation(e.key, e.node, g, now)
		slots--
	}
	slices.Sort(picked)
	for _, pos := range picked {
		e := t.order[pos]
		plan.Migrate = append(plan.Migrate, Action{Kind: ActionMigrate, Namespace: e.key.namespace, VMI: e.key.name, Reason: reasonMigrateCreated})
	}
	t.scratch.picked = picked
}

// refreshGroup recomputes what the tracker keeps about one VMI's
// migrations.
func (t *Tracker) refreshGroup(g *trackedGroup) {
	g.dirty = false
	pol := &t.p.Policy
	t.running -= g.holding
	for _, n := range g.loads {
		t.addLoad(n, -1)
	}
	delete(t.deleting, g)
	g.holding, g.loads, g.deletes = 0, g.loads[:0], g.deletes[:0]
	g.g = vmiMigrations{all: append(g.g.all[:0], g.set...), ownUnfinished: g.g.ownUnfinished[:0]}
	for _, m := range g.set {
		if !m.IsFinal() {
			if g.g.unfinished == nil || newestFirst(m, g.g.unfinished) < 0 {
				g.g.unfinished = m
			}
			if isWorkloadUpdate(m) {
				g.g.ownUnfinished = append(g.g.ownUnfinished, m)
			}
		}
		holds := m.IsRunning() || (pol.CountPendingMigrations && isWorkloadUpdate(m) && !m.IsFinal())
		if holds {
			g.holding++
			if pol.LimitPerNode {
				if ms := m.Status.MigrationState; ms != nil && ms.SourceNode != "" {
					g.loads = append(g.loads, ms.SourceNode)
				}
			}
		}
	}
	if len(g.g.all) > 1 {
		slices.SortFunc(g.g.all, newestFirst)
	}
	for _, m := range Superseded(g.g.all, pol.keep()) {
		g.deletes = append(g.deletes, Action{Kind: ActionDelete, Namespace: m.Namespace, VMI: m.Spec.VMIName, Migration: m.Name, Reason: reasonDeleteOldAttempt})
	}
	if len(g.deletes) > 0 {
		t.deleting[g] = struct{}{}
	}
	t.running += g.holding
	for _, n := range g.loads {
		t.addLoad(n, +1)
	}
	if len(g.set) == 0 {
		delete(t.groups, g.key)
	}
}

func (t *Tracker) addLoad(node string, delta int) {
	if n := t.nodeLoad[node] + delta; n != 0 {
		t.nodeLoad[node] = n
	} else {
		delete(t.nodeLoad, node)
	}
}

// judge judges one VMI again, by Planner.judge.
func (t *Tracker) judge(e *trackedVMI, now time.Time) {
	p := t.p
	pol := &p.Policy
	t.judgements++
	// Undo the last judgement.
	if e.loadNode != "" {
		t.addLoad(e.loadNode, -1)
		e.loadNode = ""
	}
	if len(e.aborts) > 0 {
		delete(t.aborting, e)
		e.aborts = e.aborts[:0]
	}
	t.setKind(e, judgedBlocked)
	e.stamp++
	e.candidate, e.stuck = false, nil

	vmi := e.vmi
	if vmi == nil || !Candidate(vmi) {
		return
	}
	var g *vmiMigrations
	if tg := t.groups[e.key]; tg != nil && len(tg.set) > 0 {
		g = &tg.g
	}
	if !Outdated(vmi, t.launcher) {
		if g != nil && len(g.ownUnfinished) > 0 && abortable(vmi) {
			e.aborts = appendAborts(e.aborts, vmi, g)
			t.aborting[e] = struct{}{}
		}
		return
	}
	e.candidate = true
	var cluster *v1.EvictionStrategy
	if t.cluster != "\x00none" {
		cluster = &t.cluster
	}
	es := EffectiveEvictionStrategy(vmi, cluster)
	mc := migratableCondition(vmi)
	_, expected := p.expect[e.key]
	var j judgement
	p.judge(&j, vmi, g, expected, t.methods, es, mc, now)
	if pol.LimitPerNode && j.loadNode != "" {
		e.loadNode = j.loadNode
		t.addLoad(e.loadNode, +1)
	}
	e.node = vmi.Status.NodeName
	switch j.kind {
	case judgedStuck:
		e.stuck = &Stuck{Namespace: vmi.Namespace, Name: vmi.Name, Failures: j.failures, Reasons: failureReasons(g.all, j.failures)}
	case judgedBackoff:
		heap.Push(&t.backoff, backoffEntry{at: j.d.RetryAt, e: e, stamp: e.stamp})
	}
	t.setKind(e, j.kind)
}

// setKind moves a VMI between the tracker's sets.
func (t *Tracker) setKind(e *trackedVMI, kind judgedKind) {
	old := e.kind
	switch old {
	case judgedMigrate:
		if e.pos >= 0 {
			t.migrate.add(e.pos, -1)
		}
		t.perNodeAdd(e.node, -1)
	case judgedEvict:
		if e.pos >= 0 {
			t.evict.add(e.pos, -1)
		}
	case judgedBackoff:
		t.waiting--
	case judgedStuck:
		delete(t.stuck, e)
	}
	e.kind = kind
	switch kind {
	case judgedMigrate:
		if e.pos >= 0 {
			t.migrate.add(e.pos, +1)
		}
		t.perNodeAdd(e.node, +1)
	case judgedEvict:
		if e.pos >= 0 {
			t.evict.add(e.pos, +1)
		}
	case judgedBackoff:
		t.waiting++
	case judgedStuck:
		t.stuck[e] = struct{}{}
	}
}

func (t *Tracker) perNodeAdd(node string, delta int) {
	if n := t.perNode[node] + delta; n != 0 {
		t.perNode[node] = n
	} else {
		delete(t.perNode, node)
	}
}

// layout sorts the tracked VMIs, drops those no longer tracked and rebuilds
// the candidate sets.
func (t *Tracker) layout() {
	live := t.order[:0]
	for _, e := range t.order {
		if e.vmi == nil && !e.dirty && e.kind == judgedBlocked && len(e.aborts) == 0 && e.loadNode == "" {
			delete(t.vmis, e.key)
			continue
		}
		live = append(live, e)
	}
	clear(t.order[len(live):])
	t.order = live
	t.dead = 0
	slices.SortFunc(t.order, func(a, b *trackedVMI) int {
		return cmp.Or(cmp.Compare(a.key.namespace, b.key.namespace), cmp.Compare(a.key.name, b.key.name))
	})
	t.migrate.reset(len(t.order))
	t.evict.reset(len(t.order))
	for i, e := range t.order {
		e.pos = i
		if e.vmi == nil {
			t.dead++
		}
		switch e.kind {
		case judgedMigrate:
			t.migrate.add(i, +1)
		case judgedEvict:
			t.evict.add(i, +1)
		}
	}
	t.relayout = false
}

// rankSet is a set of positions 0…n-1 that finds its r-th member in
// O(log n): a Fenwick tree of member counts.
type rankSet struct {
	tree  []int32
	count int
	step  int // the highest power of two ≤ n
}

func (s *rankSet) reset(n int) {
	s.tree = slices.Grow(s.tree[:0], n+1)[:n+1]
	clear(s.tree)
	s.count = 0
	s.step = 1
	for s.step*2 <= n {
		s.step *= 2
	}
}

func (s *rankSet) add(pos, delta int) {
	s.count += delta
	for i := pos + 1; i < len(s.tree); i += i & -i {
		s.tree[i] += int32(delta)
	}
}

// find returns the position of the member of rank r (0-based, r < count).
func (s *rankSet) find(r int) int {
	pos, rest := 0, int32(r+1)
	for step := s.step; step > 0; step /= 2 {
		if next := pos + step; next < len(s.tree) && s.tree[next] < rest {
			pos = next
			rest -= s.tree[next]
		}
	}
	return pos // the 1-based index pos+1, as a position
}

// backoffHeap orders the VMIs in backoff by the end of their wait.
type backoffHeap []backoffEntry

type backoffEntry struct {
	at    time.Time // the end of the wait
	e     *trackedVMI
	stamp uint32 // e.stamp when pushed: a later judgement makes the entry stale
}

func (b backoffEntry) valid() bool { return b.e.kind == judgedBackoff && b.e.stamp == b.stamp }

func (h backoffHeap) Len() int           { return len(h) }
func (h backoffHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h backoffHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *backoffHeap) Push(x any)        { *h = append(*h, x.(backoffEntry)) }
func (h *backoffHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = backoffEntry{}
	*h = old[:len(old)-1]
	return x
}
