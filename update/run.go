package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/window"
)

// Waiter lets time pass between two polls of a condition and between two
// attempts of a write that lost a race. It is the runner's only way to
// wait, so a test on the fake cluster passes one that moves the fake clock
// instead of sleeping:
//
//	update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) })
type Waiter interface {
	// Wait returns after d has passed on the runner's clock, or with the
	// context's error when it is done first.
	Wait(ctx context.Context, d time.Duration) error
}

// WaiterFunc adapts a function to Waiter.
type WaiterFunc func(ctx context.Context, d time.Duration) error

// Wait calls f.
func (f WaiterFunc) Wait(ctx context.Context, d time.Duration) error { return f(ctx, d) }

// ClockWaiter waits on a clock's timers: the real clock when Clock is nil.
type ClockWaiter struct {
	Clock clock.Clock
}

// Wait waits for d on the clock, or until ctx is done.
func (w ClockWaiter) Wait(ctx context.Context, d time.Duration) error {
	var clk clock.Clock = clock.RealClock{}
	if w.Clock != nil {
		clk = w.Clock
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

var _ Waiter = ClockWaiter{}

// DefaultPollInterval is how often a wait polls its condition when neither
// the wait nor Options say otherwise.
const DefaultPollInterval = 10 * time.Second

// DefaultConflictBackoff is how a write that lost a race is retried: after
// 1 s, then doubling up to 30 s, at most 8 attempts. No jitter, so that runs
// on a fake clock are reproducible.
var DefaultConflictBackoff = wait.Backoff{Duration: time.Second, Factor: 2, Steps: 8, Cap: 30 * time.Second}

// Options configure Run. The zero value runs for real on the real clock.
type Options struct {
	// Clock tells the time; nil means the real clock. Timeouts are measured
	// on it.
	Clock clock.PassiveClock
	// Waiter lets time pass; nil means a ClockWaiter on Clock (which must
	// then be a clock.Clock) or on the real clock.
	Waiter Waiter
	// PollInterval is how often waits poll; zero means DefaultPollInterval.
	PollInterval time.Duration
	// OnEvent receives every progress event, in order, on the runner's
	// goroutine.
	OnEvent func(Event)
	// DryRun emits every step's description and changes nothing: no
	// checkpoint is written, nothing acts and nothing waits.
	DryRun bool
	// Checkpoint names the record the plan is kept in; empty means
	// DefaultCheckpointName.
	Checkpoint string
	// ConflictBackoff is how operations that failed with a retriable error
	// are retried inside a step; the zero value means
	// DefaultConflictBackoff.
	ConflictBackoff wait.Backoff
	// Retriable says which errors are retried with ConflictBackoff; nil
	// means DefaultRetriable: lost races and transient API errors.
	Retriable func(error) bool
	// Window holds the steps that change the cluster until it is open: a
	// step with Changes starts only inside a window (the run waits for the
	// next one to open, reporting when); once started it runs to its end,
	// and steps that change nothing go on at any time. nil means always
	// open.
	Window window.Gate
	// PauseBefore names steps to stop before: the run saves the checkpoint
	// at that step and returns with Result.Paused set; the next Run
	// resumes there (and does not stop at that step again).
	PauseBefore []string
}

// DefaultRetriable retries a write that lost a race (ErrConflict) and a
// transient API error (ErrTransient: 5xx, 429, timeouts, dropped
// connections), as client-go's retry.OnError does with a caller's rule.
// Every operation of a step is idempotent (compare-and-swap writes that
// succeed when the value is already there, approvals, reads), so a retry
// after an acknowledgement was lost does not act twice.
func DefaultRetriable(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, ErrTransient)
}

// EventType says what an Event reports.
type EventType string

// The events Run emits.
const (
	EventPlanStarted EventType = "PlanStarted"
	// EventPlanResumed: a checkpoint of the same plan was found; the run
	// continues at its step.
	EventPlanResumed EventType = "PlanResumed"
	// EventStepStarted carries the step's description: what it will do.
	EventStepStarted EventType = "StepStarted"
	// EventStepPlanned: in a dry run, what the step would do.
	EventStepPlanned EventType = "StepPlanned"
	EventCheckpoint  EventType = "CheckpointSaved"
	EventActing      EventType = "Acting"
	// EventActSkipped: resumed after the step had acted; it only waits.
	EventActSkipped EventType = "ActSkipped"
	EventWaiting    EventType = "Waiting"
	// EventProgress: the status of a wait changed.
	EventProgress EventType = "Progress"
	// EventReport: a step reported something (a finding, a VMI that will
	// not update, an InstallPlan approved).
	EventReport   EventType = "Report"
	EventRetrying EventType = "Retrying"
	EventStepDone EventType = "StepDone"
	EventPlanDone EventType = "PlanDone"
	// EventPaused: the run stopped before a step of Options.PauseBefore.
	EventPaused EventType = "Paused"
	// EventPlanFailed carries the error that stopped the plan.
	EventPlanFailed EventType = "PlanFailed"
)

// Event is one thing the runner did or saw.
type Event struct {
	Time time.Time `json:"time"`
	Type EventType `json:"type"`
	// Step is the index of the step, -1 for events of the whole plan;
	// StepName its name.
	Step     int    `json:"step"`
	StepName string `json:"stepName,omitempty"`
	Message  string `json:"message,omitempty"`
}

// String renders the event as one line.
func (e Event) String() string {
	name := e.StepName
	if name == "" {
		name = "plan"
	}
	return fmt.Sprintf("%s %-14s %s: %s", e.Time.UTC().Format(time.RFC3339), e.Type, name, e.Message)
}

// Result is what a run did.
type Result struct {
	// Resumed is true when the run continued a checkpoint of the plan;
	// FromStep is the step it started at.
	Resumed  bool
	FromStep int
	// AlreadyDone is true when the checkpoint said the plan had finished:
	// nothing ran.
	AlreadyDone bool
	// Paused names the step the run stopped before (Options.PauseBefore);
	// the checkpoint is saved there.
	Paused string
	// Record is the final record.
	Record Record
	// Started and Finished are by the runner's clock.
	Started, Finished time.Time
}

// Run runs a plan on a cluster, one step after another, in one loop.
//
// Before each step that changes the cluster it saves a checkpoint through
// the Checkpoints port: the step reached, the versions at the start, and
// what the plan must undo (the backed-up workloadUpdateMethods exactly as
// found, the pools it paused). A later Run of the same plan on the same
// cluster, by this process or another, resumes there: a step that had acted
// only waits, and the methods are restored from the record byte for byte.
//
// A write that loses a race (ErrConflict) is retried with backoff; any
// other error stops the plan with a *StepError naming the step, the object
// and what to do. A wait that times out is a *TimeoutError inside it. A
// cancelled context stops the run between two operations with the
// context's error; the checkpoint stays, and the next Run resumes.
func Run(ctx context.Context, c Cluster, p *Plan, opts Options) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	r := newRunner(c, p, opts)
	return r.run(ctx)
}

type runner struct {
	c        Cluster
	p        *Plan
	opts     Options
	clock    clock.PassiveClock
	waiter   Waiter
	name     string
	rec      Record
	rv       string // the checkpoint's resourceVersion, "" before it exists
	lastData []byte // what this runner last saved
	cur      int    // the step running
	memo     *verifyMemo
	memoStep int
}

func newRunner(c Cluster, p *Plan, opts Options) *runner {
	r := &runner{c: c, p: p, opts: opts, name: opts.Checkpoint}
	if r.name == "" {
		r.name = DefaultCheckpointName
	}
	r.clock = opts.Clock
	if r.clock == nil {
		r.clock = clock.RealClock{}
	}
	r.waiter = opts.Waiter
	if r.waiter == nil {
		full, _ := r.clock.(clock.Clock)
		r.waiter = ClockWaiter{Clock: full}
	}
	if r.opts.PollInterval <= 0 {
		r.opts.PollInterval = DefaultPollInterval
	}
	if r.opts.ConflictBackoff.Steps <= 0 {
		r.opts.ConflictBackoff = DefaultConflictBackoff
	}
	if r.opts.Retriable == nil {
		r.opts.Retriable = DefaultRetriable
	}
	return r
}

// onError calls fn until it succeeds, fails with an error retriable does
// not accept, or the backoff runs out (then the last error is returned);
// between attempts it waits on the runner's Waiter, so a fake clock moves
// instead of the process sleeping. It is client-go's retry.OnError with an
// injected wait (retry.OnError sleeps on the real clock).
func (r *runner) onError(ctx context.Context, i int, what string, retriable func(error) bool, fn func() error) error {
	backoff := r.opts.ConflictBackoff
	for {
		err := fn()
		if err == nil || !retriable(err) || backoff.Steps <= 1 {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d := backoff.Step()
		r.emit(EventRetrying, i, fmt.Sprintf("%s%v; retrying in %s", what, err, d))
		if werr := r.waiter.Wait(ctx, d); werr != nil {
			return werr
		}
	}
}

func (r *runner) emit(t EventType, step int, msg string) {
	if r.opts.OnEvent == nil {
		return
	}
	e := Event{Time: r.clock.Now(), Type: t, Step: step, Message: msg}
	if step >= 0 && step < len(r.p.Steps) {
		e.StepName = r.p.Steps[step].Name
	}
	r.opts.OnEvent(e)
}

func (r *runner) run(ctx context.Context) (Result, error) {
	res := Result{Started: r.clock.Now()}
	start, resumed, err := r.load(ctx)
	if err != nil {
		return res, err
	}
	res.FromStep = start
	if r.rec.Done {
		res.AlreadyDone, res.Record, res.Finished = true, r.rec, r.clock.Now()
		r.emit(EventPlanDone, -1, "the checkpoint says plan "+r.p.ID()+" has finished; nothing to do")
		return res, nil
	}
	if resumed {
		res.Resumed = !r.opts.DryRun
		r.emit(EventPlanResumed, -1, fmt.Sprintf("resuming plan %s at step %d (%s) from checkpoint %s", r.p.ID(), start+1, r.p.Steps[start].Name, r.name))
	} else {
		r.emit(EventPlanStarted, -1, fmt.Sprintf("plan %s: %d steps", r.p.ID(), len(r.p.Steps)))
	}
	if r.opts.DryRun {
		for i := start; i < len(r.p.Steps); i++ {
			st := r.p.Steps[i]
			msg := st.Description
			if st.Changes {
				msg += " (changes the cluster; a checkpoint is saved first)"
			}
			r.emit(EventStepPlanned, i, msg)
		}
		res.Record, res.Finished = r.rec, r.clock.Now()
		return res, nil
	}
	for i := start; i < len(r.p.Steps); i++ {
		if i > start && slices.Contains(r.opts.PauseBefore, r.p.Steps[i].Name) {
			r.rec.Step, r.rec.StepName, r.rec.Acted = i, r.p.Steps[i].Name, false
			r.cur = i
			if err := r.save(ctx); err != nil {
				r.emit(EventPlanFailed, i, err.Error())
				res.Record, res.Finished = r.rec, r.clock.Now()
				return res, err
			}
			r.emit(EventPaused, i, "paused before "+r.p.Steps[i].Name+"; the checkpoint is saved: run the plan again to continue")
			res.Paused, res.Record, res.Finished = r.p.Steps[i].Name, r.rec, r.clock.Now()
			return res, nil
		}
		if err := r.step(ctx, i, res.Resumed && i == start && r.rec.Acted); err != nil {
			r.emit(EventPlanFailed, i, err.Error())
			res.Record, res.Finished = r.rec, r.clock.Now()
			return res, err
		}
	}
	r.rec.Done, r.rec.Step, r.rec.StepName, r.rec.Acted = true, len(r.p.Steps), "", false
	if err := r.save(ctx); err != nil {
		r.emit(EventPlanFailed, -1, err.Error())
		res.Record, res.Finished = r.rec, r.clock.Now()
		return res, err
	}
	res.Record, res.Finished = r.rec, r.clock.Now()
	r.emit(EventPlanDone, -1, fmt.Sprintf("plan %s finished in %s", r.p.ID(), res.Finished.Sub(r.rec.Started).Round(time.Second)))
	return res, nil
}

// load reads the checkpoint and returns the step to start at, and whether
// the run resumes an unfinished run of the plan.
func (r *runner) load(ctx context.Context) (int, bool, error) {
	r.rec = Record{Plan: r.p.ID(), Start: r.p.From, Started: r.clock.Now(), Request: r.p.Request}
	cp, err := r.c.LoadCheckpoint(ctx, r.name)
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, &StepError{Index: -1, Op: "load checkpoint " + r.name, Err: err,
			Remedy: "check that the checkpoint can be read, then run the plan again"}
	}
	rec, err := DecodeRecord(cp.Data)
	if err != nil {
		return 0, false, &CheckpointError{Name: r.name, Err: err,
			Remedy: "the record is damaged: inspect it, and delete it only if no plan is under way"}
	}
	r.rv, r.lastData = cp.ResourceVersion, cp.Data
	if rec.Plan != r.p.ID() {
		if !rec.Done {
			return 0, false, &CheckpointError{Name: r.name, Plan: rec.Plan, Step: rec.StepName, Err: ErrOtherPlan,
				Remedy: fmt.Sprintf("finish plan %s first (run it again and it resumes), or use another checkpoint name", rec.Plan)}
		}
		return 0, false, nil // a finished plan's record is replaced
	}
	if rec.Done {
		r.rec = rec
		return len(r.p.Steps), false, nil
	}
	if rec.Step >= len(r.p.Steps) || r.p.Steps[rec.Step].Name != rec.StepName {
		return 0, false, &CheckpointError{Name: r.name, Plan: rec.Plan, Step: rec.StepName, Err: ErrPlanChanged,
			Remedy: "resume with the plan that wrote the checkpoint (same versions and options)"}
	}
	r.rec = rec
	return rec.Step, true, nil
}

// save writes the record. A write that fails is retried (DefaultRetriable,
// with backoff) after reading what is stored:
//
//   - the stored record is the one this runner wrote last: the write lost a
//     race with nobody (or failed before it landed); retry on top of it;
//   - the stored record is the one being written: an earlier attempt
//     landed and its acknowledgement was lost (a 5xx or a dropped
//     connection after the write, then a 409 on the retry); it is this
//     runner's own write, and the save is done;
//   - nothing is stored while creating: create again;
//   - anything else was written by someone else: two runners, and it stops
//     with ErrConcurrentRun.
func (r *runner) save(ctx context.Context) error {
	data := encodeRecord(&r.rec)
	var done bool
	err := r.onError(ctx, r.cur, "save checkpoint: ", r.opts.Retriable, func() error {
		cp, err := r.c.SaveCheckpoint(ctx, Checkpoint{Name: r.name, Data: data, ResourceVersion: r.rv})
		if err == nil {
			r.rv, r.lastData = cp.ResourceVersion, data
			return nil
		}
		if !r.opts.Retriable(err) {
			return &CheckpointError{Name: r.name, Plan: r.rec.Plan, Err: err,
				Remedy: "the plan did not change the cluster at this step; fix access to the checkpoint and run the plan again"}
		}
		stored, lerr := r.c.LoadCheckpoint(ctx, r.name)
		switch {
		case lerr == nil && bytes.Equal(stored.Data, data):
			r.rv, r.lastData, done = stored.ResourceVersion, data, true
			return nil // our own write landed
		case lerr == nil && bytes.Equal(stored.Data, r.lastData):
			r.rv = stored.ResourceVersion
		case errors.Is(lerr, ErrNotFound) && r.rv == "":
			// Creating lost a race, yet nothing is there: create again.
		case lerr != nil && r.opts.Retriable(lerr):
			// The read failed too; try the whole save again.
		case lerr != nil:
			return &CheckpointError{Name: r.name, Plan: r.rec.Plan, Err: lerr,
				Remedy: "the plan did not change the cluster at this step; fix access to the checkpoint and run the plan again"}
		default:
			return &CheckpointError{Name: r.name, Plan: r.rec.Plan, Err: fmt.Errorf("%w: %v", ErrConcurrentRun, err),
				Remedy: "another process is running a plan on this cluster; let it finish, or stop it before running this one"}
		}
		return err
	})
	if err != nil {
		var ce *CheckpointError
		if !errors.As(err, &ce) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = &CheckpointError{Name: r.name, Plan: r.rec.Plan, Err: err, Remedy: "writes keep failing; run the plan again later"}
		}
		return err
	}
	if !done {
		r.emit(EventCheckpoint, r.cur, fmt.Sprintf("checkpoint %s: step %d (%s)", r.name, r.rec.Step+1, stepLabel(r.rec)))
	} else {
		r.emit(EventCheckpoint, r.cur, fmt.Sprintf("checkpoint %s: step %d (%s); an earlier attempt had landed", r.name, r.rec.Step+1, stepLabel(r.rec)))
	}
	return nil
}

func stepLabel(rec Record) string {
	if rec.Done {
		return "done"
	}
	if rec.Acted {
		return rec.StepName + ", acted"
	}
	return rec.StepName
}

func (r *runner) state(i int) *State {
	return &State{Cluster: r.c, Record: &r.rec, Clock: r.clock, Plan: r.p, step: i, run: r}
}

// step runs step i. acted is true when a checkpoint says it already acted.
func (r *runner) step(ctx context.Context, i int, acted bool) error {
	st := r.p.Steps[i]
	r.cur = i
	if err := ctx.Err(); err != nil {
		return err
	}
	r.emit(EventStepStarted, i, st.Description)
	s := r.state(i)
	if st.Changes && !acted {
		if err := r.awaitWindow(ctx, i); err != nil {
			return r.stepError(ctx, i, err)
		}
	}
	if st.Changes && !acted {
		r.rec.Step, r.rec.StepName, r.rec.Acted = i, st.Name, false
		if err := r.save(ctx); err != nil {
			return r.stepError(ctx, i, err)
		}
	}
	if st.Act != nil {
		if acted {
			r.emit(EventActSkipped, i, "the checkpoint says this step already acted; not acting again")
		} else {
			if err := ctx.Err(); err != nil {
				return err
			}

			r.emit(EventActing, i, st.Description)
			if err := r.retry(ctx, i, func() error { return st.Act(ctx, s) }); err != nil {
				return r.stepError(ctx, i, err)
			}
			if st.Changes {
				r.rec.Acted = true
				if err := r.save(ctx); err != nil {
					return r.stepError(ctx, i, err)
				}
			}
		}
	}
	if st.Wait != nil {
		if err := r.wait(ctx, i, s, st.Wait); err != nil {
			return r.stepError(ctx, i, err)
		}
	}
	r.emit(EventStepDone, i, "done")
	return nil
}

// ErrNoWindow: Options.Window will never open again, so a step that
// changes the cluster cannot start.
var ErrNoWindow = errors.New("no maintenance window opens")

// awaitWindow waits until Options.Window is open, saying when it opens.
func (r *runner) awaitWindow(ctx context.Context, i int) error {
	if r.opts.Window == nil {
		return nil
	}
	for {
		now := r.clock.Now()
		open, next := r.opts.Window.Open(now)
		if open {
			return nil
		}
		if next.IsZero() {
			return fmt.Errorf("%w: the step changes the cluster and may start only inside a maintenance window", ErrNoWindow)
		}
		r.emit(EventWaiting, i, fmt.Sprintf("outside the maintenance window: the step starts when the next one opens at %s (in %s)",
			next.UTC().Format(time.RFC3339), next.Sub(now).Round(time.Second)))
		if err := r.waiter.Wait(ctx, next.Sub(now)); err != nil {
			return err
		}
	}
}

// retry calls fn until it succeeds or fails with an error Options.Retriable
// does not accept, or the backoff runs out.
func (r *runner) retry(ctx context.Context, i int, fn func() error) error {
	return r.onError(ctx, i, "", r.opts.Retriable, fn)
}

func (r *runner) wait(ctx context.Context, i int, s *State, w *Wait) error {
	timeout := w.Timeout
	if w.TimeoutFor != nil {
		d, err := w.TimeoutFor(ctx, s)
		if err != nil {
			return err
		}
		timeout = d
	}
	interval := w.Interval
	if interval <= 0 {
		interval = r.opts.PollInterval
	}
	start := r.clock.Now()
	r.emit(EventWaiting, i, fmt.Sprintf("waiting up to %s for %s", timeout, w.For))
	last := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var (
			done   bool
			status string
		)
		err := r.retry(ctx, i, func() error {
			var err error
			done, status, err = w.Done(ctx, s)
			return err
		})
		if err != nil {
			return err
		}
		if status != "" && status != last {
			r.emit(EventProgress, i, status)
			last = status
		}
		if done {
			return nil
		}
		elapsed := r.clock.Since(start)
		if elapsed >= timeout {
			te := &TimeoutError{For: w.For, After: timeout, Status: last}
			if w.Explain != nil {
				te.Explanation = w.Explain(ctx, s)
			}
			return te
		}
		if err := r.waiter.Wait(ctx, min(interval, timeout-elapsed)); err != nil {
			return err
		}
	}
}

// stepError wraps err with the step. The run's own context errors pass
// through, so a cancelled run reports context.Canceled; a timeout of one
// request (the client's, not the run's context) keeps the step's name and
// remedy like any other error.
func (r *runner) stepError(ctx context.Context, i int, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	st := r.p.Steps[i]
	out := &StepError{Index: i, Step: st.Name, Err: err, Remedy: st.Remedy}
	var ce *CheckpointError
	if errors.As(err, &ce) {
		out.Remedy = "" // the checkpoint error says what to do
		return out
	}
	var oe *ObjectError
	if errors.As(err, &oe) {
		out.Object = oe.Kind + " " + oe.Name
		if oe.Namespace != "" {
			out.Object = oe.Kind + " " + oe.Namespace + "/" + oe.Name
		}
	}
	if out.Remedy == "" {
		out.Remedy = "fix the cause, then run the plan again: it resumes at this step"
	}
	var pe *PreflightError
	var ie *InstallPlanError
	if errors.As(err, &pe) || errors.As(err, &ie) {
		out.Remedy = "" // the findings and the InstallPlan error say what to do
	}
	return out
}
