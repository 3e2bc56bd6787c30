package fake

import "github.com/virtupdate/virtupdate/window"

// SetWindow sets the maintenance window of the fake's workload updater, as
// Options.Window does when the cluster is built: its migrations and
// evictions start only inside the gate (workload.Planner.Window); nil means
// always open. Use it on a cluster built for you (a scenario's, a
// snapshot's) before time moves.
func (c *Cluster) SetWindow(g window.Gate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updater.planner.Window = g
	c.workloadChanged()
}
