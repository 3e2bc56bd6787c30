package workload

import (
	"time"

	"github.com/virtupdate/virtupdate/window"
)

// holdOutsideWindow keeps a plan from starting migrations or evictions
// outside the planner's Window: it takes them out, lowers the creation
// expectations they set, keeps the Evict batch clock where it was, and says
// when to look again (when the next window opens). lastBatch is the batch
// clock the reconcile started from.
func (p *Planner) holdOutsideWindow(plan *Plan, now, lastBatch time.Time) {
	if p.Window == nil || len(plan.Migrate)+len(plan.Evict) == 0 {
		return
	}
	open, next := p.Window.Open(now)
	if open {
		return
	}
	for _, a := range plan.Migrate {
		p.CreateFailed(a.Namespace, a.VMI)
	}
	plan.Held = len(plan.Migrate) + len(plan.Evict)
	plan.Migrate, plan.Evict = plan.Migrate[:0], plan.Evict[:0]
	plan.LastEvictionBatch = lastBatch
	plan.WindowOpens = next
	if !next.IsZero() && (plan.RequeueAfter <= 0 || next.Sub(now) < plan.RequeueAfter) {
		plan.RequeueAfter = next.Sub(now)
	}
}

// windowGate is the type of Planner.Window, named here so the planner's
// file needs no import of its own.
type windowGate = window.Gate
