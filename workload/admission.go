package workload

import (
	"math/rand/v2"
	"slices"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// Disruption is an outdated VMI the planner could act on in this reconcile,
// and how: one entry of the queue an [Admission] orders and filters.
type Disruption struct {
	// VMI is the VMI: read it, never modify it.
	VMI *v1.VirtualMachineInstance
	// Method is MethodLiveMigrate or MethodEvict.
	Method Method

	// decision is 1 + the index of the VMI's decision in the plan; 0 marks
	// an entry the planner did not make, which it ignores.
	decision int
	// reason is the decision's reason before the planner knew whether it
	// acts on the VMI now.
	reason string
}

// Admission decides which of the outdated VMIs the planner could act on now
// it may, and in what order: a priority, a disruption budget, a maintenance
// window. A [Planner] uses its Admission field when it is set; nil admits
// every VMI in the planner's own order.
//
// Admit is given queue, every VMI the planner could migrate or evict in
// this reconcile (migrations, when a migration slot is free, in the
// planner's seeded order; then evictions, when a batch is due, in input
// order), and disrupted, the VMIs of the snapshot already disrupted: those
// migrating, with an unfinished migration of any origin or with a migration
// the planner planned and has not seen yet, being deleted, or not Running
// yet (Pending, Scheduling, Scheduled, Unknown). Stopped (final) VMIs are
// not disrupted. An eviction shows from the next snapshot on, once the VMI
// is being deleted or its replacement is starting.
//
// Admit returns the entries of queue the planner may act on, in the order
// it should try them. The planner then applies its own limits in that order
// (parallelMigrationsPerCluster, the per-node cap, batchEvictionSize), so an
// admitted VMI may still wait for a slot; a VMI left out waits for a later
// reconcile, with a reason that says so, and the plan asks to look again
// after Policy.Resync.
//
// An implementation must be deterministic (equal inputs, equal output) and
// must not modify the VMIs. It returns a subsequence of queue: it may
// reorder queue in place and return a prefix of it, so it need not
// allocate. Entries it did not get from queue, and repeated ones, are
// ignored. It must accept an empty queue; disrupted holds no nil.
type Admission interface {
	Admit(queue []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption
}

// AdmissionFunc adapts a function to [Admission]. A nil AdmissionFunc admits
// the queue as it is.
type AdmissionFunc func(queue []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption

// Admit calls f.
func (f AdmissionFunc) Admit(queue []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption {
	if f == nil {
		return queue
	}
	return f(queue, disrupted)
}

// Admissions applies its admissions in turn, each to what the one before
// returned, for example LabelOrder, then NamespaceOrder, then a
// NamespaceBudget. The orders are stable, so the order applied last is the
// primary key: Admissions{LabelOrder{…}, NamespaceOrder{…}} orders by
// namespace, then by label. nil entries are skipped; the empty (or nil)
// Admissions admits the queue as it is.
type Admissions []Admission

// Admit applies each admission.
func (as Admissions) Admit(queue []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption {
	for _, a := range as {
		if a != nil {
			queue = a.Admit(queue, disrupted)
		}
	}
	return queue
}

// NamespaceOrder is an [Admission] that puts the VMIs of the namespaces it
// lists first, in the order listed, then all the others; within a namespace
// the queue's order is kept. It admits every entry. A namespace listed twice
// keeps its first place. The empty (or nil) NamespaceOrder keeps the queue's
// order.
type NamespaceOrder []string

// Admit sorts queue in place, stably, by the rank of the namespace.
func (o NamespaceOrder) Admit(queue []Disruption, _ []*v1.VirtualMachineInstance) []Disruption {
	if len(o) == 0 || len(queue) < 2 {
		return queue
	}
	rank := make(map[string]int, len(o))
	for i, ns := range o {
		if _, ok := rank[ns]; !ok {
			rank[ns] = i
		}
	}
	rankOf := func(d Disruption) int {
		if d.VMI == nil {
			return len(o)
		}
		if r, ok := rank[d.VMI.Namespace]; ok {
			return r
		}
		return len(o)
	}
	slices.SortStableFunc(queue, func(a, b Disruption) int { return rankOf(a) - rankOf(b) })
	return queue
}

// LabelOrder is an [Admission] that orders by the value of the label Key:
// VMIs whose label has Values[0] first, then Values[1], …, then the VMIs
// without the label or with a value not listed; within a value the queue's
// order is kept. It admits every entry. The zero LabelOrder (no Key or no
// Values) keeps the queue's order.
type LabelOrder struct {
	// Key is the label's key, for example "example.com/priority".
	Key string
	// Values are the label's values, the most urgent first.
	Values []string
}

// Admit sorts queue in place, stably, by the rank of the label's value.
func (o LabelOrder) Admit(queue []Disruption, _ []*v1.VirtualMachineInstance) []Disruption {
	if o.Key == "" || len(o.Values) == 0 || len(queue) < 2 {
		return queue
	}
	rank := make(map[string]int, len(o.Values))
	for i, v := range o.Values {
		if _, ok := rank[v]; !ok {
			rank[v] = i
		}
	}
	rankOf := func(d Disruption) int {
		if d.VMI == nil {
			return len(o.Values)
		}
		if v, ok := d.VMI.Labels[o.Key]; ok {
			if r, ok := rank[v]; ok {
				return r
			}
		}
		return len(o.Values)
	}
	slices.SortStableFunc(queue, func(a, b Disruption) int { return rankOf(a) - rankOf(b) })
	return queue
}

// DefaultNamespaceBudget is how many VMIs of one namespace a zero
// [NamespaceBudget] lets be disrupted at once.
const DefaultNamespaceBudget = 1

// NamespaceBudget is an [Admission] that lets at most Max VMIs of one
// namespace be disrupted at once, those already disrupted included, as a
// PodDisruptionBudget with maxUnavailable does for pods. It keeps the
// queue's order and admits the first entries of each namespace that fit.
// The zero NamespaceBudget lets one VMI per namespace be disrupted at once.
type NamespaceBudget struct {
	// Max is the most VMIs of one namespace disrupted at once; zero or
	// negative means DefaultNamespaceBudget.
	Max int
	// PerNamespace overrides Max for the namespaces it names, with the same
	// rule for zero or negative values.
	PerNamespace map[string]int
}

func (b NamespaceBudget) limit(namespace string) int {
	n, ok := b.PerNamespace[namespace]
	if !ok {
		n = b.Max
	}
	if n <= 0 {
		return DefaultNamespaceBudget
	}
	return n
}

// Admit filters queue in place: an entry is admitted while its namespace
// has room, and then takes a place.
func (b NamespaceBudget) Admit(queue []Disruption, disrupted []*v1.VirtualMachineInstance) []Disruption {
	if len(queue) == 0 {
		return queue
	}
	used := make(map[string]int)
	for _, vmi := range disrupted {
		if vmi != nil {
			used[vmi.Namespace]++
		}
	}
	out := queue[:0]
	for _, d := range queue {
		if d.VMI == nil {
			continue
		}
		ns := d.VMI.Namespace
		if used[ns] >= b.limit(ns) {
			continue
		}
		used[ns]++
		out = append(out, d)
	}
	return out
}

var (
	_ Admission = AdmissionFunc(nil)
	_ Admission = Admissions(nil)
	_ Admission = NamespaceOrder(nil)
	_ Admission = LabelOrder{}
	_ Admission = NamespaceBudget{}
)

// reasonHeld explains a VMI the planner's Admission left out of this pass.
const reasonHeld = "waiting: the planner's Admission (its order or disruption budget) holds it back in this pass; it is planned again in a later one"

// admissionPass carries one reconcile's candidates to the planner's
// Admission: startAdmission takes them over where the planner would pick
// migrations, and admit acts on them before the history is trimmed.
type admissionPass struct {
	queue     []Disruption
	disrupted []*v1.VirtualMachineInstance
	// migrations and evictions count the candidates of each kind.
	migrations, evictions int
	evictDue              bool
	slots, perNode        int
	batchSize             int
	batchInterval         time.Duration
	lastBatch, now        time.Time
}

// startAdmission builds the queue and the disrupted VMIs from the
// candidates of the pass. It saves the decisions' reasons, which the planner
// overwrites for the migrations that wait for a slot before admit runs. It
// keeps none of the planner's locals (byVMI, the node load, the wake-up), so
// that they stay off the heap when there is no Admission.
func (p *Planner) startAdmission(s Snapshot, decisions []VMIDecision, migrate []candidate, evict []int, byVMI map[vmiKey]*vmiMigrations,
	slots int, now time.Time) *admissionPass {
	_, perNode := MigrationLimits(s.MigrationConfig)
	batchSize, batchInterval := BatchEviction(s.Strategy)
	a := &admissionPass{
		migrations: len(migrate), evictions: len(evict),
		evictDue: batchSize > 0 && now.After(s.LastEvictionBatch.Add(batchInterval)),
		slots:    slots, perNode: perNode,
		batchSize: batchSize, batchInterval: batchInterval, lastBatch: s.LastEvictionBatch, now: now,
	}
	// The VMI of each decision: decisions hold one entry per outdated
	// candidate, in input order.
	vmiOf := make([]*v1.VirtualMachineInstance, len(decisions))
	i := 0
	for _, vmi := range s.VMIs {
		if i < len(decisions) && Candidate(vmi) && Outdated(vmi, s.LauncherImage) {
			vmiOf[i] = vmi
			i++
		}
		if disruptedNow(vmi, byVMI, p.expect) {
			a.disrupted = append(a.disrupted, vmi)
		}
	}
	entry := func(i int) Disruption {
		d := &decisions[i]
		vmi := vmiOf[i]
		if vmi == nil || vmi.Namespace != d.Namespace || vmi.Name != d.Name {
			vmi = findVMI(s.VMIs, d.Namespace, d.Name)
		}
		return Disruption{VMI: vmi, Method: d.Method, decision: i + 1, reason: d.Reason}
	}
	queue := p.admission.queue[:0]
	if slots > 0 && len(migrate) > 0 {
		// The planner's order, drawn as without an Admission (the same
		// Fisher-Yates steps from the same seed), but to the end, so that
		// the Admission sees every candidate: a prefix of it is the order
		// the planner would pick in.
		rng := rand.New(rand.NewPCG(p.Seed, uint64(now.UnixNano())))
		for i := range migrate {
			j := i + rng.IntN(len(migrate)-i)
			migrate[i], migrate[j] = migrate[j], migrate[i]
		}
		for _, c := range migrate {
			queue = append(queue, entry(c.decision))
		}
	}
	if a.evictDue {
		for _, i := range evict {
			queue = append(queue, entry(i))
		}
	}
	a.queue = queue
	return a
}

// disruptedNow reports whether vmi counts as disrupted for an Admission.
func disruptedNow(vmi *v1.VirtualMachineInstance, byVMI map[vmiKey]*vmiMigrations, expect map[vmiKey]*expectation) bool {
	switch {
	case vmi == nil:
		return false
	case vmi.DeletionTimestamp != nil:
		return true
	case vmi.IsFinal():
		return false
	case !vmi.IsRunning(), isMigrating(vmi):
		return true
	}
	k := vmiKey{vmi.Namespace, vmi.Name}
	if g := byVMI[k]; g != nil && g.unfinished != nil {
		return true
	}
	_, expected := expect[k]
	return expected
}

func findVMI(vmis []*v1.VirtualMachineInstance, namespace, name string) *v1.VirtualMachineInstance {
	for _, v := range vmis {
		if v != nil && v.Namespace == namespace && v.Name == name {
			return v
		}
	}
	return nil
}

// admit asks the Admission and acts on what it admits, in its order, within
// the planner's caps (nodeLoad is the per-node load, updated); it writes the
// actions, the reasons and the batch clock, and returns when to look again
// for the migrations and for the Evict batches (zero: no need).
func (p *Planner) admit(plan *Plan, a *admissionPass, byVMI map[vmiKey]*vmiMigrations, nodeLoad map[string]int) (next, batch time.Time) {
	decisions := plan.Decisions
	var admitted []Disruption
	if len(a.queue) > 0 {
		for _, e := range a.queue {
			decisions[e.decision-1].Reason = reasonHeld
		}
		admitted = p.Admission.Admit(a.queue, a.disrupted)
	}
	migrated, evicted := p.admission.migrated[:0], p.admission.evicted[:0]
	held := false
	for _, e := range admitted {
		i := e.decision - 1
		if i < 0 || i >= len(decisions) || decisions[i].Reason != reasonHeld {
			continue // not from the queue, or seen already
		}
		d := &decisions[i]
		switch d.Method {
		case MethodLiveMigrate:
			node := ""
			if e.VMI != nil {
				node = e.VMI.Status.NodeName
			}
			if a.slots == 0 || (p.Policy.LimitPerNode && node != "" && nodeLoad[node] >= a.perNode) {
				d.Reason = reasonCapacity
				continue
			}
			if p.Policy.LimitPerNode && node != "" {
				nodeLoad[node]++
			}
			a.slots--
			d.Now, d.Reason = true, e.reason
			migrated = append(migrated, i)
			k := vmiKey{d.Namespace, d.Name}
			p.expectCreation(k, node, byVMI[k], a.now)
		case MethodEvict:
			d.Reason = e.reason
			if len(evicted) < a.batchSize {
				d.Now = true
				evicted = append(evicted, i)
			}
		}
	}
	for _, e := range a.queue {
		if decisions[e.decision-1].Reason == reasonHeld {
			held = true
			break
		}
	}
	// Keep the memory, not the VMIs.
	clear(a.queue)
	p.admission.queue = a.queue[:0]
	// The actions follow input order, whatever order admitted them.
	slices.Sort(migrated)
	for _, i := range migrated {
		d := &decisions[i]
		plan.Migrate = append(plan.Migrate, Action{Kind: ActionMigrate, Namespace: d.Namespace, VMI: d.Name, Reason: reasonMigrateCreated})
	}
	slices.Sort(evicted)
	for _, i := range evicted {
		d := &decisions[i]
		plan.Evict = append(plan.Evict, Action{Kind: ActionEvict, Namespace: d.Namespace, VMI: d.Name, Reason: reasonEvictNow})
	}
	p.admission.migrated, p.admission.evicted = migrated, evicted

	if a.migrations > len(migrated) || held {
		next = a.now.Add(p.Policy.resync())
	}
	if len(evicted) > 0 || (a.evictions > 0 && a.batchSize == 0 && a.now.After(a.lastBatch.Add(a.batchInterval))) {
		// As without an Admission, a due batch of size 0 also sets the
		// clock.
		plan.LastEvictionBatch = a.now
	}
	if a.evictions > len(evicted) && a.batchSize > 0 {
		// The first instant strictly after the interval, as without an
		// Admission; a due batch the Admission held back entirely keeps the
		// batch clock and waits for a resync instead.
		if len(evicted) > 0 || !a.evictDue {
			batch = plan.LastEvictionBatch.Add(a.batchInterval + time.Nanosecond)
		}
	}
	return next, batch
}
