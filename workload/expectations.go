package workload

import (
	"slices"
	"time"

	v1 "kubevirt.io/api/core/v1"
)

// reasonCreationExpected explains a VMI held back by a creation expectation.
const reasonCreationExpected = "a migration was planned for it a moment ago and is not in this snapshot yet; waiting to see it before planning another"

// decisionCreationExpected is the decision on a VMI whose planned migration
// the planner has not seen yet: as if the migration existed and were
// unfinished.
var decisionCreationExpected = Decision{MethodNone, CodeUnfinishedMigration, reasonCreationExpected}

// expectation is a migration the planner planned (a Migrate action) and has
// not seen in a snapshot yet.
type expectation struct {
	// planned is the time of the reconcile that planned it.
	planned time.Time
	// node is the VMI's node then, for the per-node cap.
	node string
	// known are the names of the VMI's workload-update migrations in that
	// snapshot: a workload-update migration of the VMI with another name is
	// the planned one.
	known []string
}

// seen reports whether migrations (one VMI's) hold a workload-update
// migration that was not there when e was planned.
func (e *expectation) seen(migrations []*v1.VirtualMachineInstanceMigration) bool {
	for _, m := range migrations {
		if isWorkloadUpdate(m) && !slices.Contains(e.known, m.Name) {
			return true
		}
	}
	return false
}

// settleExpectations drops the expectations that are met (the snapshot holds
// the planned migration) or expired (older than timeout), and returns how
// many remain.
func (p *Planner) settleExpectations(byVMI map[vmiKey]*vmiMigrations, now time.Time, timeout time.Duration) int {
	for k, e := range p.expect {
		if !now.Before(e.planned.Add(timeout)) {
			delete(p.expect, k)
			continue
		}
		if g := byVMI[k]; g != nil && e.seen(g.all) {
			delete(p.expect, k)
		}
	}
	return len(p.expect)
}

// expectCreation remembers that the plan asks for a migration of the VMI k.
func (p *Planner) expectCreation(k vmiKey, node string, g *vmiMigrations, now time.Time) {
	if p.expect == nil {
		p.expect = map[vmiKey]*expectation{}
	}
	e := &expectation{planned: now, node: node}
	if g != nil {
		for _, m := range g.all {
			if isWorkloadUpdate(m) {
				e.known = append(e.known, m.Name)
			}
		}
	}
	p.expect[k] = e
}

// CreateFailed tells the planner that the migration a Migrate action asked
// for, of the VMI namespace/name, was not created (the create call failed),
// so it stops waiting to see it and may plan it again in the next
// reconcile, as KubeVirt's updater lowers its expectations when a create
// fails. Calling it for a VMI the planner expects nothing of does nothing.
func (p *Planner) CreateFailed(namespace, name string) {
	delete(p.expect, vmiKey{namespace, name})
}

// ResetExpectations forgets every migration the planner planned and has not
// seen yet: the next reconcile trusts its snapshot entirely. Use it only
// when the snapshot is known to include the planner's own creations (for
// example, read after they were confirmed), or to start afresh.
func (p *Planner) ResetExpectations() {
	clear(p.expect)
}

// Expecting is the number of planned migrations the planner has not seen in
// a snapshot yet and still waits for.
func (p *Planner) Expecting() int { return len(p.expect) }
