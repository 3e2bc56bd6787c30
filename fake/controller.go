package fake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/virtupdate/virtupdate/update"
)

// Controller is a controller of your own that runs inside the fake
// cluster's event loop, beside the controllers the fake plays (OLM, HCO,
// CVO, MCO, virt-controller), as a controller runs beside the others on a
// real cluster. Register it with [Cluster.Register].
//
// Reconcile is called at an instant of the fake clock, now, with the
// cluster as its ports (the same update.Cluster a real cluster's adapter
// gives, so the code runs unchanged against the kube package; the fake's
// optional ports are there too, by type assertion). It must act only
// through those ports, must not move the fake's time (Advance, RunUntil,
// Wait) and should be level-driven: it runs again whenever anything in
// the cluster changed, and must change nothing when there is nothing to
// do, or the instant never settles.
//
// It returns when it next wants to run on its own: next > 0 asks to run
// again at now+next even if nothing changes (a resync, as kwok's
// controllers and controller-runtime's RequeueAfter do); next <= 0 means
// only when something may have changed: an event (a write through the
// ports or by a controller) at this instant, or the start of an Advance,
// a RunUntil step or a Wait. An error stops the fake's time: Advance,
// RunUntil and Wait return it, naming the controller, so a test sees it at
// once; handle the errors you expect (a lost race) inside Reconcile and
// ask to run again.
type Controller interface {
	// Name identifies the controller in errors and for [Cluster.Disable];
	// it must be unique in the cluster.
	Name() string
	// Reconcile looks at the cluster at now and acts through its ports.
	Reconcile(ctx context.Context, c update.Cluster, now time.Time) (next time.Duration, err error)
}

// ReconcileFunc is the Reconcile of a [Controller], as a function.
type ReconcileFunc func(ctx context.Context, c update.Cluster, now time.Time) (next time.Duration, err error)

// NewController adapts a function to a [Controller] with the given name.
func NewController(name string, reconcile ReconcileFunc) Controller {
	return funcController{name: name, f: reconcile}
}

type funcController struct {
	name string
	f    ReconcileFunc
}

func (f funcController) Name() string { return f.name }

func (f funcController) Reconcile(ctx context.Context, c update.Cluster, now time.Time) (time.Duration, error) {
	if f.f == nil {
		return 0, nil
	}
	return f.f(ctx, c, now)
}

var _ Controller = funcController{}

// ErrController is wrapped by the errors of Register.
var ErrController = errors.New("fake cluster: bad controller")

// registered is a user's controller and when it next asked to run.
type registered struct {
	c    Controller
	next time.Time
}

// Register adds a controller of your own to the cluster's event loop.
//
// The order at each instant is fixed, so a run stays the same for the same
// seed: in every round the fake's own controllers run first (OLM, HCO,
// CVO, node maintenance, MCO, virt-controller's migration, VM and workload
// update controllers), then the registered ones in the order they were
// registered; rounds repeat at the same instant until one changes nothing.
// A registered controller first runs at the next instant the cluster
// settles (the next Advance, RunUntil or Wait), then whenever anything
// changed or its next run is due.
//
// The name must be non-empty and neither a built-in controller's (see
// ControllerOLM …) nor one registered before; [Cluster.Disable] switches
// it off like the built-in ones. Register returns an error wrapping
// ErrController otherwise.
func (c *Cluster) Register(ctrl Controller) error {
	if ctrl == nil {
		return fmt.Errorf("%w: Register got nil: give a Controller (NewController adapts a function)", ErrController)
	}
	name := ctrl.Name()
	if name == "" {
		return fmt.Errorf("%w: Name() is empty: give the controller a name, unique in the cluster", ErrController)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.controllers {
		if s.c.name() == name {
			return fmt.Errorf("%w: name %q is the fake's own %s controller: pick another name, or Disable(%q) and register yours under a name of its own", ErrController, name, name, name)
		}
	}
	for _, r := range c.custom {
		if r.c.Name() == name {
			return fmt.Errorf("%w: name %q is registered already: give each controller its own name", ErrController, name)
		}
	}
	c.custom = append(c.custom, &registered{c: ctrl})
	c.dirty = true
	return nil
}

// reconcileCustom runs the registered controllers due at now, in
// registration order, with the cluster's lock released (they act through
// the ports, which take it). The caller holds c.mu; it is held again when
// reconcileCustom returns.
func (c *Cluster) reconcileCustom(ctx context.Context, now time.Time) error {
	for i := 0; i < len(c.custom); i++ {
		r := c.custom[i]
		if c.disabled[r.c.Name()] {
			continue
		}
		due := !r.next.IsZero() && !r.next.After(now)
		if !due && !c.dirty {
			continue
		}
		c.mu.Unlock()
		next, err := r.c.Reconcile(ctx, c, now)
		c.mu.Lock()
		if err != nil {
			return fmt.Errorf("fake cluster: controller %q at %s: %w", r.c.Name(), now.UTC().Format(time.RFC3339), err)
		}
		r.next = time.Time{}
		if next > 0 {
			r.next = now.Add(next)
		}
	}
	return nil
}

// Wait lets d pass on the fake clock, running every controller (the
// fake's and the registered ones) at each instant one of them scheduled
// work for, as [Cluster.Advance] does; it returns the context's error when
// ctx is done before or between two instants. It makes the cluster the
// runner's update.Waiter: time moves when the runner waits, as a fake
// clock's timers fire when it is stepped.
//
//	update.Run(ctx, c, plan, update.Options{Clock: c.Clock(), Waiter: c})
func (c *Cluster) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advanceTo(ctx, c.clock.Now().Add(d))
}

var _ update.Waiter = (*Cluster)(nil)
