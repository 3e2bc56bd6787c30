package forecast

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// vkey names a VM or a migration: namespace and name.
type vkey struct{ ns, name string }

func compareVKeys(a, b vkey) int { return cmp.Or(cmp.Compare(a.ns, b.ns), cmp.Compare(a.name, b.name)) }

// vmState follows one VM through the fake's event log.
type vmState struct {
	key       vkey
	startNode string
	node      string // where it runs now
	moves     []Move
	// evacuation marked by the eviction webhook and not yet over: its
	// cause and the node being drained.
	evacuating bool
	evacCause  Cause
	evacNode   string
	down       bool
	downAt     time.Duration
	downtime   time.Duration
	deleted    bool
	failed     int
	stuck      string
	// a drain that could not evict it, until it moves or the drain ends
	blockedNode, blockedMsg string
	reported                string
}

// nodeState follows one node.
type nodeState struct {
	name, pool string
	atStart    int
	movedOut   int
	drains     []Drain
	open       bool // the last drain has not ended
	byNM       bool // the open drain is a NodeMaintenance's
	blockedBy  []string
	blockedSet map[vkey]bool
}

// migState is one migration, by the migration's key.
type migState struct {
	vm      vkey
	cause   Cause
	node    string // the node being drained, for a node roll
	created time.Duration
	// scheduled is when its target pod was created, when it was: a
	// migration is in flight from then on, as KubeVirt counts it.
	scheduled    time.Duration
	wasScheduled bool
}

// inFlightFrom is when the migration started to count as in flight: its
// target pod, else (a log without it) its creation.
func (m *migState) inFlightFrom() time.Duration {
	if m.wasScheduled {
		return m.scheduled
	}
	return m.created
}

// details are what one run leaves for the forecast's details.
type details struct {
	start, end time.Time
	vms        []VM
	nodes      []Node
	phases     []Phase
	migrations []Interval
	downtimes  []Interval
	blockers   []string
	findings   []string
}

// analysis reads one run: the cluster before, the runner's events and
// the fake's event log after.
type analysis struct {
	vms      map[vkey]*vmState
	nodes    map[string]*nodeState
	failedAt []time.Duration // when migrations failed
}

// newAnalysis records the VMs and nodes the cluster holds before the run.
func newAnalysis(c *fake.Cluster) *analysis {
	a := &analysis{vms: map[vkey]*vmState{}, nodes: map[string]*nodeState{}}
	ctx := context.Background()
	nodes, _ := c.ListNodes(ctx)
	for i := range nodes {
		n := &nodes[i]
		pool := "worker"
		if _, ok := n.Labels[fake.LabelRoleMaster]; ok {
			pool = update.MasterPool
		}
		a.nodes[n.Name] = &nodeState{name: n.Name, pool: pool}
	}
	for _, v := range c.VMIStates() {
		if v.Final {
			continue
		}
		k := vkey{v.Namespace, v.Name}
		a.vms[k] = &vmState{key: k, startNode: v.Node, node: v.Node}
		if n := a.nodes[v.Node]; n != nil {
			n.atStart++
		}
	}
	return a
}

func (a *analysis) vm(k vkey) *vmState {
	s := a.vms[k]
	if s == nil {
		s = &vmState{key: k}
		a.vms[k] = s
	}
	return s
}

func (a *analysis) node(name string) *nodeState {
	n := a.nodes[name]
	if n == nil {
		n = &nodeState{name: name, pool: "worker"}
		a.nodes[name] = n
	}
	return n
}

// finish reads the run's events and the cluster after it.
func (a *analysis) finish(c *fake.Cluster, started, finished time.Time, events []update.Event, runErr error) *details {
	d := &details{start: started, end: finished}
	off := func(t time.Time) time.Duration { return max(t.Sub(started), 0) }
	end := off(finished)

	d.phases = phasesOf(events, off)
	for _, e := range events {
		if e.Type != update.EventReport {
			continue
		}
		switch {
		case strings.HasPrefix(e.Message, "Error ") || strings.HasPrefix(e.Message, "Warning "):
			d.findings = append(d.findings, e.Message)
		default:
			if k, why, ok := parseNotUpdated(e.Message); ok {
				a.vm(k).reported = why
			}
		}
	}

	migs := map[vkey]*migState{}
	seenBlock := map[string]bool{}
	for _, e := range c.Events() {
		t := off(e.Time)
		switch e.Kind {
		case fake.KindEviction:
			if e.Reason == "EvacuationStarted" {
				s := a.vm(vkey{e.Namespace, e.Name})
				s.evacuating = true
				s.evacCause, s.evacNode = a.causeOf(e.Message)
			}
		case fake.KindMigration:
			mk := vkey{e.Namespace, e.Name}
			switch e.Reason {
			case "Created":
				vmi, ok := parseMigrationCreated(e.Message)
				if !ok {
					continue
				}
				m := &migState{vm: vkey{e.Namespace, vmi}, cause: CauseOther, created: t}
				if s := a.vm(m.vm); s.evacuating {
					m.cause, m.node = s.evacCause, s.evacNode
				}
				migs[mk] = m
			case "Scheduling":
				// Its target pod: from here it counts against
				// parallelMigrationsPerCluster (KubeVirt
				// pkg/virt-controller/watch/migration/migration.go).
				if m := migs[mk]; m != nil {
					m.scheduled, m.wasScheduled = t, true
				}
			case "Succeeded":
				m := migs[mk]
				if m == nil {
					continue
				}
				delete(migs, mk)
				d.migrations = append(d.migrations, Interval{Name: m.vm.ns + "/" + m.vm.name, Start: m.inFlightFrom(), End: t})
				s := a.vm(m.vm)
				from, to, ok := parseMigrationSucceeded(e.Message)
				if !ok {
					from, to = s.node, ""
				}
				a.addMove(s, Move{at: t, took: t - m.created, Cause: m.cause, Kind: LiveMigration, From: from, To: to,
					Reason: reasonOf(m.cause, LiveMigration, m.node)}, m.node)
				s.node, s.evacuating = to, false
			case "Failed", "Deleted":
				if m := migs[mk]; m != nil {
					delete(migs, mk)
					if m.wasScheduled {
						d.migrations = append(d.migrations, Interval{Name: m.vm.ns + "/" + m.vm.name, Start: m.scheduled, End: t})
					}
					if e.Reason == "Failed" {
						a.vm(m.vm).failed++
						a.failedAt = append(a.failedAt, t)
					}
				}
			}
		case fake.KindVMI:
			k := vkey{e.Namespace, e.Name}
			switch e.Reason {
			case "WorkloadUpdateMigration":
				if name, ok := parseWorkloadMigration(e.Message); ok {
					if m := migs[vkey{e.Namespace, name}]; m != nil {
						m.cause, m.node = CauseWorkloadUpdate, ""
					}
				}
			case "ShutDown", "Deleted":
				s := a.vm(k)
				why := e.Message
				kind := Shutdown
				if e.Reason == "Deleted" {
					kind = Deletion
					s.deleted = true
					if _, rest, ok := strings.Cut(why, "lost: "); ok {
						why = rest
					}
				}
				cause, node := a.causeOf(why)
				a.addMove(s, Move{at: t, Cause: cause, Kind: kind, From: s.node, Reason: reasonOf(cause, kind, node)}, node)
				s.node, s.evacuating = "", false
				if kind == Shutdown {
					s.down, s.downAt = true, t
				}
			case "Restarted":
				s := a.vm(k)
				node, _ := parseRestarted(e.Message)
				s.node = node
				if s.down {
					s.down = false
					s.downtime += t - s.downAt
					d.downtimes = append(d.downtimes, Interval{Name: k.ns + "/" + k.name, Start: s.downAt, End: t})
					if n := len(s.moves); n > 0 && s.moves[n-1].Kind == Shutdown {
						s.moves[n-1].To, s.moves[n-1].took = node, t-s.downAt
					}
				}
			case "Stuck":
				a.vm(k).stuck = e.Message
			}
		case fake.KindNode:
			n := a.node(e.Name)
			switch e.Reason {
			case "Draining":
				if !n.open {
					by := "MachineConfigPool"
					if pool, ok := parseDraining(e.Message); ok {
						by += " " + pool
					}
					n.drains = append(n.drains, Drain{By: by, start: t})
					n.open, n.byNM = true, false
				}
			case "Cordoned":
				if !n.open && strings.HasPrefix(e.Message, "NodeMaintenance ") {
					n.drains = append(n.drains, Drain{By: "NodeMaintenance", start: t})
					n.open, n.byNM = true, true
				}
			case "Rebooting":
				a.endDrain(n, t)
			case "Updated":
				if i := len(n.drains) - 1; i >= 0 && !n.drains[i].wasUpdated {
					n.drains[i].updated, n.drains[i].wasUpdated = t, true
				}
			case "NodeNotReady":
				if i := len(n.drains) - 1; i >= 0 {
					n.drains[i].NotReady = true
				}
			case "DrainBlocked":
				k, why, ok := parseDrainBlocked(e.Message)
				if !ok {
					continue
				}
				s := a.vm(k)
				s.blockedNode, s.blockedMsg = n.name, why
				if n.blockedSet == nil {
					n.blockedSet = map[vkey]bool{}
				}
				if !n.blockedSet[k] {
					n.blockedSet[k] = true
					n.blockedBy = append(n.blockedBy, k.ns+"/"+k.name+": "+why)
				}
				if msg := n.name + ": " + e.Message; !seenBlock[msg] {
					seenBlock[msg] = true
					d.blockers = append(d.blockers, msg)
				}
			}
		case fake.KindNodeMaintenance:
			if e.Reason == fake.NodeMaintenanceSucceeded {
				if node, ok := parseMaintenanceDone(e.Message); ok {
					if n := a.nodes[node]; n != nil && n.open && n.byNM {
						a.endDrain(n, t)
					}
				}
			}
		}
	}
	for _, m := range migs { // still running at the end
		d.migrations = append(d.migrations, Interval{Name: m.vm.ns + "/" + m.vm.name, Start: m.created, End: end})
	}
	slices.SortFunc(d.migrations, compareIntervals)

	// The cluster after the run.
	endVMIs := c.VMIStates()
	type after struct {
		running, outdated bool
		node              string
	}
	at := make(map[vkey]after, len(endVMIs))
	for _, v := range endVMIs {
		at[vkey{v.Namespace, v.Name}] = after{running: !v.Final, outdated: v.Outdated, node: v.Node}
	}

	keys := make([]vkey, 0, len(a.vms))
	for k, s := range a.vms {
		if s.startNode != "" || len(s.moves) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareVKeys)
	d.vms = make([]VM, 0, len(keys))
	for _, k := range keys {
		s := a.vms[k]
		fin, exists := at[k]
		vm := VM{Namespace: k.ns, Name: k.name, Node: s.startNode, FailedMigrations: s.failed, History: s.moves}
		if exists && fin.running {
			vm.FinalNode = fin.node
		}
		if s.down { // never started again
			s.downtime += end - s.downAt
			d.downtimes = append(d.downtimes, Interval{Name: k.ns + "/" + k.name, Start: s.downAt, End: end})
		}
		for i := range vm.History {
			mv := &vm.History[i]
			mv.AtSeconds, mv.At = seconds(mv.at), FormatOffset(mv.at)
			mv.TookSeconds, mv.Took = seconds(mv.took), FormatDuration(mv.took)
			vm.Moves++
			switch mv.Cause {
			case CauseNodeRoll, CauseNodeMaintenance:
				vm.NodeRollMoves++
			case CauseWorkloadUpdate:
				vm.WorkloadUpdateMoves++
			default:
				vm.OtherMoves++
			}
			vm.MoveReasons = append(vm.MoveReasons, mv.Reason)
		}
		if n := len(vm.History); n > 0 {
			first, last := vm.History[0].AtSeconds, vm.History[n-1].AtSeconds
			vm.FirstMoveSeconds, vm.FirstMove = &first, vm.History[0].At
			vm.LastMoveSeconds, vm.LastMove = &last, vm.History[n-1].At
		}
		vm.downtime = s.downtime
		vm.DowntimeSeconds, vm.Downtime = seconds(s.downtime), FormatDuration(s.downtime)
		vm.Outcome, vm.Reason = outcomeOf(s, vm, exists, fin.running, fin.outdated, runErr != nil)
		d.vms = append(d.vms, vm)
	}
	slices.SortFunc(d.downtimes, compareIntervals)

	names := make([]string, 0, len(a.nodes))
	for name := range a.nodes {
		names = append(names, name)
	}
	slices.SortFunc(names, compareNatural)
	for _, name := range names {
		n := a.nodes[name]
		nd := Node{Name: n.name, Pool: n.pool, VMsAtStart: n.atStart, VMsMovedOut: n.movedOut, BlockedBy: n.blockedBy, Drains: n.drains}
		for i := range nd.Drains {
			dr := &nd.Drains[i]
			dr.StartSeconds, dr.Start = seconds(dr.start), FormatOffset(dr.start)
			if dr.ended {
				v := seconds(dr.end)
				dr.EndSeconds, dr.End = &v, FormatOffset(dr.end)
			}
			if dr.wasUpdated {
				v := seconds(dr.updated)
				dr.UpdatedSeconds, dr.Updated = &v, FormatOffset(dr.updated)
			}
		}
		if len(nd.Drains) > 0 {
			first := nd.Drains[0]
			v := first.StartSeconds
			nd.DrainStartSeconds, nd.DrainStart = &v, first.Start
			if last := nd.Drains[len(nd.Drains)-1]; last.EndSeconds != nil {
				nd.DrainEndSeconds, nd.DrainEnd = last.EndSeconds, last.End
			}
		}
		d.nodes = append(d.nodes, nd)
	}
	a.countPhases(d)
	return d
}

// addMove records a move of s; drained names the node whose drain caused
// it, if one did.
func (a *analysis) addMove(s *vmState, m Move, drained string) {
	s.moves = append(s.moves, m)
	s.blockedNode, s.blockedMsg = "", ""
	if m.From != "" {
		a.node(m.From).movedOut++
	}
	if drained != "" {
		if n := a.nodes[drained]; n != nil && n.open {
			n.drains[len(n.drains)-1].VMsMovedOut++
		}
	}
}

func (a *analysis) endDrain(n *nodeState, t time.Duration) {
	if !n.open {
		return
	}
	i := len(n.drains) - 1
	n.drains[i].end, n.drains[i].ended = t, true
	n.open = false
	for k := range n.blockedSet { // the drain is over: nothing blocks it any more
		if s := a.vms[k]; s != nil && s.blockedNode == n.name {
			s.blockedNode, s.blockedMsg = "", ""
		}
	}
}

// causeOf reads why an eviction happened from the first part of its
// message ("drain of node worker-3: …", "workload update: …",
// "eviction requested: …"), with the node drained for a drain.
func (a *analysis) causeOf(msg string) (Cause, string) {
	switch {
	case strings.HasPrefix(msg, "drain of node "):
		node, _, _ := strings.Cut(strings.TrimPrefix(msg, "drain of node "), ": ")
		if n := a.nodes[node]; n != nil && n.open && n.byNM {
			return CauseNodeMaintenance, node
		}
		return CauseNodeRoll, node
	case strings.HasPrefix(msg, "workload update"):
		return CauseWorkloadUpdate, ""
	}
	return CauseOther, ""
}

// reasonOf says why a move happened, in words.
func reasonOf(c Cause, k MoveKind, node string) string {
	how := "live migration"
	switch k {
	case Shutdown:
		how = "evicted and shut down"
	case Deletion:
		how = "evicted and deleted"
	}
	switch c {
	case CauseNodeRoll:
		return "node roll (" + node + " drained): " + how
	case CauseNodeMaintenance:
		return "node maintenance (" + node + " drained): " + how
	case CauseWorkloadUpdate:
		return "workload update (outdated virt-launcher): " + how
	}
	if k == LiveMigration {
		return "a migration someone else created: " + how
	}
	return "an eviction someone else asked for: " + how
}

// outcomeOf decides a VM's outcome and its reason.
func outcomeOf(s *vmState, vm VM, exists, running, outdated, stopped bool) (Outcome, string) {
	switch {
	case s.deleted:
		return Deleted, "a VMI without a VirtualMachine is deleted when evicted: the data on its ephemeral disks is lost"
	case s.blockedNode != "" && exists && running:
		return Blocked, "blocks the drain of node " + s.blockedNode + ": " + s.blockedMsg
	case s.stuck != "" && exists && running && outdated:
		return Blocked, "stuck on the old virt-launcher: " + s.stuck
	case vm.DowntimeSeconds > 0 || hasKind(vm.History, Shutdown):
		if s.down {
			return ShutDown, "shut down and not started again by the end of the update: its VirtualMachine's runStrategy does not restart it; start it by hand"
		}
		n := countKind(vm.History, Shutdown)
		return ShutDown, "shut down " + times(n) + " and started again by its VirtualMachine (runStrategy Always); down " + vm.Downtime + " in all"
	case hasKind(vm.History, LiveMigration):
		return Migrated, "moved by live migration " + times(vm.Moves) + ", without downtime"
	case s.reported != "":
		return Untouched, "will not update by itself: " + s.reported
	case outdated && stopped:
		return Untouched, "still on the old virt-launcher: the update stopped before it was updated"
	case outdated:
		return Untouched, "still on the old virt-launcher at the end of the update"
	}
	return Untouched, "not moved: its node was not drained and its virt-launcher needed no update"
}

func hasKind(ms []Move, k MoveKind) bool { return countKind(ms, k) > 0 }

func countKind(ms []Move, k MoveKind) int {
	n := 0
	for _, m := range ms {
		if m.Kind == k {
			n++
		}
	}
	return n
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return itoa(n) + " times"
}

// phasesOf turns the runner's events into one phase per step started.
func phasesOf(events []update.Event, off func(time.Time) time.Duration) []Phase {
	var out []Phase
	open := map[int]int{} // step index → position in out
	for _, e := range events {
		switch e.Type {
		case update.EventStepStarted:
			open[e.Step] = len(out)
			out = append(out, Phase{Step: e.StepName, start: off(e.Time), end: off(e.Time), Result: "running"})
		case update.EventProgress:
			if i, ok := open[e.Step]; ok {
				out[i].Status, out[i].end = e.Message, off(e.Time)
			}
		case update.EventStepDone:
			if i, ok := open[e.Step]; ok {
				out[i].end, out[i].Result = off(e.Time), "done"
				delete(open, e.Step)
			}
		case update.EventPlanFailed:
			if i, ok := open[e.Step]; ok {
				out[i].end, out[i].Result, out[i].Status = off(e.Time), "failed", e.Message
				delete(open, e.Step)
			}
		}
	}
	for i := range out {
		p := &out[i]
		p.StartSeconds, p.Start = seconds(p.start), FormatOffset(p.start)
		p.EndSeconds, p.End = seconds(p.end), FormatOffset(p.end)
		p.DurationSeconds, p.Duration = seconds(p.end-p.start), FormatDuration(p.end-p.start)
	}
	return out
}

// countPhases counts what happened during each phase: a move, a drain or
// a node update belongs to the first phase under way at its time, so one
// that falls on a phase's end is that phase's (a node updated in the
// instant the platform step completes is the platform step's).
func (a *analysis) countPhases(d *details) {
	if len(d.phases) == 0 {
		return
	}
	phaseAt := func(t time.Duration) *Phase {
		i, found := slices.BinarySearchFunc(d.phases, t, func(p Phase, t time.Duration) int { return cmp.Compare(p.start, t) })
		if !found {
			i--
		}
		// Several phases may start at the same instant: take the last.
		for i+1 < len(d.phases) && d.phases[i+1].start == t {
			i++
		}
		if i < 0 {
			return nil
		}
		for i > 0 && d.phases[i-1].end >= t {
			i--
		}
		return &d.phases[i]
	}
	for _, vm := range d.vms {
		for _, m := range vm.History {
			if p := phaseAt(m.at); p != nil {
				if m.Kind == LiveMigration {
					p.Migrations++
				} else {
					p.ShutDowns++
				}
			}
		}
	}
	for _, n := range d.nodes {
		for _, dr := range n.Drains {
			if p := phaseAt(dr.start); p != nil {
				p.NodesDrained++
			}
			if dr.wasUpdated {
				if p := phaseAt(dr.updated); p != nil {
					p.NodesUpdated++
				}
			}
		}
	}
	for _, t := range a.failedAt {
		if p := phaseAt(t); p != nil {
			p.FailedMigrations++
		}
	}
}

func compareIntervals(a, b Interval) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
}

// compareNatural orders names as people read them: runs of digits compare
// as numbers ("worker-2" before "worker-10"), the rest as strings.
func compareNatural(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitsPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
