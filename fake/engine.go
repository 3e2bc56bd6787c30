package fake

import (
	"context"
	"fmt"
	"time"
)

// A controller plays one of the cluster's controllers. reconcile runs with
// the cluster's lock held, may change any object (recording an event for
// each change), and returns when it next needs to run on its own; a zero
// time means only when something changes.
type controller interface {
	name() string
	reconcile(now time.Time) (next time.Time)
}

// The names of the controllers the fake plays, for Disable.
const (
	ControllerOLM            = "olm"
	ControllerHCO            = "hco"
	ControllerCVO            = "cvo"
	ControllerMCO            = "mco"
	ControllerWorkloadUpdate = "virt-controller/workload-updater"
	ControllerMigration      = "virt-controller/migration"
	ControllerVM             = "virt-controller/vm"
)

// maxRounds bounds the reconcile rounds at one instant; a fake whose
// controllers keep changing each other without time passing is a bug.
const maxRounds = 1000

type scheduled struct {
	c    controller
	next time.Time
}

// Disable switches a controller off, so a controller of your own can take
// its place (ControllerWorkloadUpdate, ControllerOLM, …, or one you
// registered with Register, by its name). A disabled controller never runs
// again in this cluster.
func (c *Cluster) Disable(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disabled[name] = true
}

// settle runs every enabled controller at the current time, round after
// round, until a round changes nothing: the fake's own controllers first,
// then the registered ones (Register). The caller holds c.mu.
func (c *Cluster) settle(ctx context.Context) error {
	now := c.clock.Now()
	for round := 0; round < maxRounds; round++ {
		before := len(c.events)
		for _, s := range c.controllers {
			if c.disabled[s.c.name()] {
				continue
			}
			if !s.next.IsZero() && s.next.After(now) && !c.dirty {
				continue
			}
			s.next = s.c.reconcile(now)
		}
		if len(c.custom) > 0 {
			if err := c.reconcileCustom(ctx, now); err != nil {
				return err
			}
		}
		c.dirty = false
		if len(c.events) == before {
			return nil
		}
		c.dirty = true // something changed: everyone looks again
	}
	return fmt.Errorf("fake cluster: controllers did not settle after %d rounds at %s", maxRounds, now.Format(time.RFC3339))
}

// nextWake is the earliest time a controller asked to run after now.
func (c *Cluster) nextWake() (time.Time, bool) {
	now := c.clock.Now()
	var best time.Time
	for _, s := range c.controllers {
		if c.disabled[s.c.name()] || s.next.IsZero() || !s.next.After(now) {
			continue
		}
		if best.IsZero() || s.next.Before(best) {
			best = s.next
		}
	}
	for _, r := range c.custom {
		if c.disabled[r.c.Name()] || r.next.IsZero() || !r.next.After(now) {
			continue
		}
		if best.IsZero() || r.next.Before(best) {
			best = r.next
		}
	}
	return best, !best.IsZero()
}

// Advance moves the fake clock forward by d, running every controller at
// each instant one of them scheduled work for, in time order. Nothing
// sleeps: a simulated day takes as long as its events take to compute.
func (c *Cluster) Advance(d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advanceTo(context.Background(), c.clock.Now().Add(d))
}

// advanceTo moves the clock to target, instant by instant; a done ctx
// stops it between two instants. The caller holds c.mu.
func (c *Cluster) advanceTo(ctx context.Context, target time.Time) error {
	c.dirty = true
	for {
		if err := c.settle(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		next, ok := c.nextWake()
		if !ok || next.After(target) {
			break
		}
		c.clock.SetTime(next)
	}
	if c.clock.Now().Before(target) {
		c.clock.SetTime(target)
		return c.settle(ctx)
	}
	return nil
}

// RunUntil advances the clock from event to event until done reports true
// or limit has passed; it reports whether done became true. done is called
// without the cluster's lock, so it may use the ports.
func (c *Cluster) RunUntil(done func() bool, limit time.Duration) (bool, error) {
	ctx := context.Background()
	c.mu.Lock()
	deadline := c.clock.Now().Add(limit)
	c.mu.Unlock()
	for {
		if done() {
			return true, nil
		}
		c.mu.Lock()
		now := c.clock.Now()
		if !now.Before(deadline) {
			c.mu.Unlock()
			return false, nil
		}
		c.dirty = true
		err := c.settle(ctx)
		target := deadline
		if next, ok := c.nextWake(); ok && next.Before(deadline) {
			target = next
		}
		if err == nil && c.clock.Now().Before(target) {
			c.clock.SetTime(target)
			err = c.settle(ctx)
		}
		c.mu.Unlock()
		if err != nil {
			return false, err
		}
	}
}
