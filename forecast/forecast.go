package forecast

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
)

// ErrInvalid is wrapped by the errors Run returns for options or input it
// cannot use.
var ErrInvalid = errors.New("invalid forecast")

// DefaultRuns is the number of runs when Options.Runs is zero; MaxRuns the
// most a forecast takes.
const (
	DefaultRuns = 10
	MaxRuns     = 1000
)

// Options configure Run.
type Options struct {
	// Request is the update to plan, as eus.NewPlan takes it. Request.To
	// is required (Input.To when empty); Request.From and
	// Request.CNVCatalog are the Input's when empty.
	Request update.Request
	// Runs is the number of seeded runs, 1 to MaxRuns; zero means
	// DefaultRuns.
	Runs int
	// Seed is the forecast's seed; nil means the Input's.
	Seed *int64
	// Variation is how the runs vary the timing; nil means
	// DefaultVariation (NoVariation turns it off).
	Variation *Variation
	// Parallelism is how many runs go at once, each on its own goroutine
	// with its own fake cluster; zero means GOMAXPROCS.
	Parallelism int
	// NewPlan builds the plan of each run; nil means eus.NewPlan, which
	// picks the kind of plan (z-stream, minor or EUS-to-EUS).
	NewPlan func(update.Request) (*update.Plan, error)
	// Progress, when set, is told after each run how many are done. It is
	// called from the runs' goroutines, one call at a time.
	Progress func(done, total int)
	// Window is the maintenance window the update keeps to, as `virtupdate
	// run --window` and `simulate --window` keep to it: a step that changes
	// the cluster starts only inside it (update.Options.Window), and the
	// fake's workload updater starts migrations and evictions only inside
	// it (fake.Cluster.SetWindow). The ETA counts the waits for it, from
	// the fake clock's start (the scenario's start, or the time a snapshot
	// was taken). nil means always open. A window is a weekly wall-clock
	// schedule: window.Parse reads the --window syntax. It is shared by the
	// runs and must be safe for concurrent use (window.Window and
	// window.Any are: they are values).
	Window window.Gate
}

// Forecast is what a forecast found: the ETA over every run, and the
// details of the median run.
type Forecast struct {
	Summary Summary `json:"summary"`
	// VMs are the VMs (VMIs) the cluster ran at the start, sorted by
	// namespace and name.
	VMs []VM `json:"vms"`
	// Nodes are the cluster's nodes, sorted by name in natural order
	// (worker-2 before worker-10).
	Nodes []Node `json:"nodes"`
	// Namespaces total the VMs of each namespace, sorted by name.
	Namespaces []Namespace `json:"namespaces"`
	// Timeline is the plan's steps as the median run went through them.
	Timeline []Phase `json:"timeline"`

	// Start is the median run's start, on the fake's clock; the offsets
	// of the details count from it.
	Start time.Time `json:"-"`
	// End is when the median run finished or stopped.
	End time.Time `json:"-"`
	// Migrations are the median run's migrations from creation to their
	// end (succeeded, failed or deleted); Downtimes are its VMs' shut-down
	// intervals. They draw the in-flight chart of a report.
	Migrations []Interval `json:"-"`
	Downtimes  []Interval `json:"-"`
	// Plan is the median run's plan.
	Plan *update.Plan `json:"-"`
}

// Interval is a span of the median run, as offsets from its start.
type Interval struct {
	Name       string
	Start, End time.Duration
}

// Summary is the forecast as a whole.
type Summary struct {
	// Kind of the plan: zstream, minor or eus.
	Kind update.Kind     `json:"kind"`
	From update.Versions `json:"from"`
	To   update.Versions `json:"to"`
	// Path are the OpenShift releases the plan goes through.
	Path []string `json:"path,omitempty"`
	// Runs is the number of runs; Seed the forecast's seed; Variation the
	// ranges the timing multipliers were drawn from.
	Runs      int       `json:"runs"`
	Seed      int64     `json:"seed"`
	Variation Variation `json:"variation"`
	// The ETA: percentiles of the runs' durations by nearest rank (P50 is
	// the median run's), and the shortest and longest run, in seconds and
	// as text.
	ETAP10Seconds float64 `json:"etaP10Seconds"`
	ETAP10        string  `json:"etaP10"`
	ETAP50Seconds float64 `json:"etaP50Seconds"`
	ETAP50        string  `json:"etaP50"`
	ETAP90Seconds float64 `json:"etaP90Seconds"`
	ETAP90        string  `json:"etaP90"`
	ETAMinSeconds float64 `json:"etaMinSeconds"`
	ETAMin        string  `json:"etaMin"`
	ETAMaxSeconds float64 `json:"etaMaxSeconds"`
	ETAMax        string  `json:"etaMax"`
	// RunsDone and RunsStopped count the runs that finished and those the
	// update stopped in (a failed step, a drain blocked until the wait
	// timed out).
	RunsDone    int `json:"runsDone"`
	RunsStopped int `json:"runsStopped"`
	// Result is "done", or why the median run stopped.
	Result string `json:"result"`
	// MedianRun is the index of the run the details come from; Details
	// says so in words.
	MedianRun int    `json:"medianRun"`
	Details   string `json:"details"`
	// VMs counts the VMs; Outcomes splits them by outcome (the counts add
	// up to VMs).
	VMs      int      `json:"vms"`
	Outcomes Outcomes `json:"outcomes"`
	// Moves counts every move of every VM, split by cause; VMsMovedTwice
	// counts the VMs that moved two times or more.
	Moves               int `json:"moves"`
	NodeRollMoves       int `json:"nodeRollMoves"`
	WorkloadUpdateMoves int `json:"workloadUpdateMoves"`
	OtherMoves          int `json:"otherMoves"`
	VMsMovedTwice       int `json:"vmsMovedTwice"`
	// FailedMigrations counts the migrations that failed (and were
	// retried or given up).
	FailedMigrations int `json:"failedMigrations"`
	// Downtime is the VMs' downtime added up.
	DowntimeSeconds float64 `json:"downtimeSeconds"`
	Downtime        string  `json:"downtime"`
	// NodesDrained counts the nodes drained at least once.
	NodesDrained int `json:"nodesDrained"`
	// Blockers are what held the median run up: drains that could not
	// evict a VMI, and the error that stopped it.
	Blockers []string `json:"blockers,omitempty"`
	// Findings are the pre-flight checks' Error and Warning findings.
	Findings []string `json:"findings,omitempty"`
	// Notes are the plan's notes and the forecast's assumptions.
	Notes []string `json:"notes,omitempty"`
	// Window is the maintenance window the runs kept to, as given
	// (Options.Window); absent when there was none.
	Window string `json:"window,omitempty"`
	// PerRun is every run's seed, multipliers, duration and result, by
	// index.
	PerRun []RunSummary `json:"perRun"`
}

// Outcomes counts VMs by outcome.
type Outcomes struct {
	Migrated  int `json:"migrated"`
	ShutDown  int `json:"shutDown"`
	Deleted   int `json:"deleted"`
	Blocked   int `json:"blocked"`
	Untouched int `json:"untouched"`
}

func (o *Outcomes) add(out Outcome) {
	switch out {
	case Migrated:
		o.Migrated++
	case ShutDown:
		o.ShutDown++
	case Deleted:
		o.Deleted++
	case Blocked:
		o.Blocked++
	default:
		o.Untouched++
	}
}

// Total is the sum of the counts.
func (o Outcomes) Total() int { return o.Migrated + o.ShutDown + o.Deleted + o.Blocked + o.Untouched }

// RunSummary is one seeded run.
type RunSummary struct {
	Index int   `json:"index"`
	Seed  int64 `json:"seed"`
	// Multipliers are the factors applied to the input's timing.
	Multipliers     Multipliers `json:"multipliers"`
	DurationSeconds float64     `json:"durationSeconds"`
	Duration        string      `json:"duration"`
	// Result is "done" or the error that stopped the run; StoppedAt names
	// the step it stopped in.
	Result    string `json:"result"`
	StoppedAt string `json:"stoppedAt,omitempty"`
	// Err is the error that stopped the run, nil when it finished.
	Err error `json:"-"`

	duration time.Duration
}

// Outcome is how the update ends for a VM.
type Outcome string

// The outcomes of a VM. Each VM has exactly one, the first that applies in
// this order: Deleted, Blocked, ShutDown, Migrated, Untouched.
const (
	// Deleted: a VMI without a VirtualMachine, deleted when it was evicted.
	Deleted Outcome = "deleted"
	// Blocked: still not updated at the end, and holding something up: a
	// node's drain that cannot evict it, or stuck after failed migrations.
	Blocked Outcome = "blocked"
	// ShutDown: evicted and shut down at least once; DowntimeSeconds is
	// how long it was down (until the end if nothing started it again).
	ShutDown Outcome = "shutDown"
	// Migrated: moved by live migration only, without downtime.
	Migrated Outcome = "migrated"
	// Untouched: never moved; Reason says why.
	Untouched Outcome = "untouched"
)

// Label is the outcome in words.
func (o Outcome) Label() string {
	if o == ShutDown {
		return "shut down"
	}
	return string(o)
}

// VM is one VM (or standalone VMI) in the median run.
type VM struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Node is where it ran at the start; FinalNode where it ran at the end
	// ("" when it was not running).
	Node      string  `json:"node"`
	FinalNode string  `json:"finalNode,omitempty"`
	Outcome   Outcome `json:"outcome"`
	// Moves counts its moves: live migrations that succeeded, and
	// shutdowns by an eviction (a VMI that restarts elsewhere). By cause:
	// the node roll (its node drained), the workload update (an outdated
	// virt-launcher), and other (an eviction or migration someone else
	// asked for).
	Moves               int `json:"moves"`
	NodeRollMoves       int `json:"nodeRollMoves"`
	WorkloadUpdateMoves int `json:"workloadUpdateMoves"`
	OtherMoves          int `json:"otherMoves"`
	// MoveReasons says why each move happened, in order.
	MoveReasons []string `json:"moveReasons,omitempty"`
	// FirstMove and LastMove are the offsets of its first and last move
	// from the start of the update; absent when it never moved.
	FirstMoveSeconds *float64 `json:"firstMoveSeconds,omitempty"`
	FirstMove        string   `json:"firstMove,omitempty"`
	LastMoveSeconds  *float64 `json:"lastMoveSeconds,omitempty"`
	LastMove         string   `json:"lastMove,omitempty"`
	// Downtime is how long it did not run: from each shutdown until its
	// VirtualMachine started it again (about the VM restart time), or
	// until the end of the update when nothing did.
	DowntimeSeconds float64 `json:"downtimeSeconds"`
	Downtime        string  `json:"downtime"`
	// FailedMigrations counts its migrations that failed.
	FailedMigrations int `json:"failedMigrations"`
	// Reason explains the outcome.
	Reason string `json:"reason"`
	// History lists the moves.
	History []Move `json:"history,omitempty"`

	downtime time.Duration
}

// Cause is why a VM moved.
type Cause string

// The causes of a move.
const (
	// CauseNodeRoll: its node was drained by the machine config operator
	// to reboot into a new configuration.
	CauseNodeRoll Cause = "NodeRoll"
	// CauseNodeMaintenance: its node was drained by a NodeMaintenance.
	CauseNodeMaintenance Cause = "NodeMaintenance"
	// CauseWorkloadUpdate: virt-controller's workload updater moved it off
	// an outdated virt-launcher (a migration, or an eviction).
	CauseWorkloadUpdate Cause = "WorkloadUpdate"
	// CauseOther: an eviction or a migration someone else asked for.
	CauseOther Cause = "Other"
)

// MoveKind is how a VM moved.
type MoveKind string

// The kinds of a move.
const (
	LiveMigration MoveKind = "LiveMigration"
	// Shutdown: evicted and shut down; a VirtualMachine starts it again by
	// its runStrategy.
	Shutdown MoveKind = "ShutDown"
	// Deletion: a standalone VMI evicted, and deleted.
	Deletion MoveKind = "Deleted"
)

// Move is one move of a VM.
type Move struct {
	// At is the offset from the start of the update: when the migration
	// succeeded, or when the VM was shut down.
	AtSeconds float64  `json:"atSeconds"`
	At        string   `json:"at"`
	Cause     Cause    `json:"cause"`
	Kind      MoveKind `json:"kind"`
	// From and To are the nodes; To is empty when it did not start again.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Took is how long the move took: the migration from its creation, or
	// the downtime of a shutdown.
	TookSeconds float64 `json:"tookSeconds"`
	Took        string  `json:"took"`
	// Reason says why, in words.
	Reason string `json:"reason"`

	at, took time.Duration
}

// Node is one node in the median run.
type Node struct {
	Name string `json:"name"`
	// Pool is its machine config pool (worker or master).
	Pool string `json:"pool"`
	// VMsAtStart counts the VMs it ran at the start; VMsMovedOut the moves
	// that took a VM off it (any cause).
	VMsAtStart  int `json:"vmsAtStart"`
	VMsMovedOut int `json:"vmsMovedOut"`
	// DrainStart is the start of its first drain, DrainEnd the end of its
	// last one (when it rebooted), as offsets; absent when not drained.
	DrainStartSeconds *float64 `json:"drainStartSeconds,omitempty"`
	DrainStart        string   `json:"drainStart,omitempty"`
	DrainEndSeconds   *float64 `json:"drainEndSeconds,omitempty"`
	DrainEnd          string   `json:"drainEnd,omitempty"`
	// Drains are each drain of the node.
	Drains []Drain `json:"drains,omitempty"`
	// BlockedBy names the VMIs whose eviction the node's drain could not
	// get, with the reason.
	BlockedBy []string `json:"blockedBy,omitempty"`
}

// Drain is one drain of a node.
type Drain struct {
	// By says who drained it: "MachineConfigPool worker" or
	// "NodeMaintenance".
	By           string  `json:"by"`
	StartSeconds float64 `json:"startSeconds"`
	Start        string  `json:"start"`
	// End is when the node was drained (it rebooted), absent if never.
	EndSeconds *float64 `json:"endSeconds,omitempty"`
	End        string   `json:"end,omitempty"`
	// Updated is when it was back and schedulable, absent if never.
	UpdatedSeconds *float64 `json:"updatedSeconds,omitempty"`
	Updated        string   `json:"updated,omitempty"`
	// NotReady is true when the node did not come back from its reboot.
	NotReady bool `json:"notReady,omitempty"`
	// VMsMovedOut counts the VMs the drain moved off the node.
	VMsMovedOut int `json:"vmsMovedOut"`

	start, end, updated time.Duration
	ended, wasUpdated   bool
}

// Namespace totals the VMs of one namespace.
type Namespace struct {
	Namespace           string   `json:"namespace"`
	VMs                 int      `json:"vms"`
	Outcomes            Outcomes `json:"outcomes"`
	Moves               int      `json:"moves"`
	NodeRollMoves       int      `json:"nodeRollMoves"`
	WorkloadUpdateMoves int      `json:"workloadUpdateMoves"`
	OtherMoves          int      `json:"otherMoves"`
	DowntimeSeconds     float64  `json:"downtimeSeconds"`
	Downtime            string   `json:"downtime"`

	downtime time.Duration
}

// Phase is one plan step in the median run.
type Phase struct {
	Step         string  `json:"step"`
	StartSeconds float64 `json:"startSeconds"`
	Start        string  `json:"start"`
	EndSeconds   float64 `json:"endSeconds"`
	End          string  `json:"end"`
	// Duration is the step's in the median run.
	DurationSeconds float64 `json:"durationSeconds"`
	Duration        string  `json:"duration"`
	// Result is done, failed (the run stopped in it) or running (the run
	// ended in it without a failure).
	Result string `json:"result"`
	// Status is the last status the step's wait reported.
	Status string `json:"status,omitempty"`
	// What happened during the step: migrations that succeeded, VMs shut
	// down or deleted by an eviction, nodes whose drain started, nodes back
	// updated, migrations that failed.
	Migrations       int `json:"migrations"`
	ShutDowns        int `json:"shutDowns"`
	NodesUpdated     int `json:"nodesUpdated"`
	NodesDrained     int `json:"nodesDrained"`
	FailedMigrations int `json:"failedMigrations"`
	// The step's duration over the runs that finished it (nearest rank).
	DurationP10Seconds float64 `json:"durationP10Seconds"`
	DurationP50Seconds float64 `json:"durationP50Seconds"`
	DurationP90Seconds float64 `json:"durationP90Seconds"`

	start, end time.Duration
}

// runOutput is what one run leaves: its summary and its details.
type runOutput struct {
	run     RunSummary
	details *details
	plan    *update.Plan
}

// Run forecasts the update: it plans the request (eus.NewPlan unless
// Options.NewPlan says otherwise), then runs the plan with update.Run on
// a fake cluster built by in.Build, Options.Runs times, each run with its
// own seed and timing multipliers (see Variation.Draw and RunSeed) and its
// own cluster, on up to Options.Parallelism goroutines. Results are kept
// in run order, so the same input, options and seed give the same
// Forecast.
//
// A run the update stops in is not an error: it is counted in
// Summary.RunsStopped with its error in Summary.PerRun. Run returns an
// error for options or a request it cannot use (errors.Is ErrInvalid, or
// the plan's *update.RefusalError), when a cluster cannot be built, or
// when ctx is done.
func Run(ctx context.Context, in Input, opts Options) (*Forecast, error) {
	if in.Build == nil {
		return nil, fmt.Errorf("%w: Input.Build is nil: give a function that builds the fake cluster of a run (FromScenario)", ErrInvalid)
	}
	runs := opts.Runs
	if runs == 0 {
		runs = DefaultRuns
	}
	if runs < 1 || runs > MaxRuns {
		return nil, fmt.Errorf("%w: Runs is %d: give 1 to %d runs", ErrInvalid, opts.Runs, MaxRuns)
	}
	variation := DefaultVariation
	if opts.Variation != nil {
		variation = *opts.Variation
	}
	variation, err := variation.normalized()
	if err != nil {
		return nil, err
	}
	seed := in.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	req, notes := request(in, opts.Request)
	if req.To == "" {
		return nil, fmt.Errorf("%w: Request.To is empty: give the target OpenShift version", ErrInvalid)
	}
	newPlan := opts.NewPlan
	if newPlan == nil {
		newPlan = eus.NewPlan
	}
	// The plan once, to refuse a request before building any cluster.
	if _, err := newPlan(req); err != nil {
		return nil, err
	}
	base := TimingOf(in.Timing)
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	par = min(par, runs)

	outs := make([]runOutput, runs)
	errs := make([]error, runs)
	next := make(chan int)
	var wg sync.WaitGroup
	var progress sync.Mutex
	done := 0
	for range par {
		wg.Go(func() {
			for i := range next {
				outs[i], errs[i] = runOne(ctx, in, req, newPlan, base, variation, seed, i, opts.Window)
				if opts.Progress != nil {
					progress.Lock()
					done++
					opts.Progress(done, runs)
					progress.Unlock()
				}
			}
		})
	}
feed:
	for i := range runs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if opts.Window != nil {
		w := windowName(opts.Window)
		notes = append(notes, "maintenance window "+w+": a step that changes the cluster, and a migration or eviction of the workload update, starts only inside it; the ETA counts the waits for it")
		f := assemble(outs, variation, seed, notes)
		f.Summary.Window = w
		return f, nil
	}
	return assemble(outs, variation, seed, notes), nil
}

// windowName is a gate in the window syntax when it says (a window.Window
// does, and a window.Any of them: "A or B"), else its Go type.
func windowName(g window.Gate) string {
	switch g := g.(type) {
	case fmt.Stringer:
		return g.String()
	case window.Any:
		names := make([]string, 0, len(g))
		for _, m := range g {
			names = append(names, windowName(m))
		}
		return strings.Join(names, " or ")
	}
	return fmt.Sprintf("%T", g)
}

// request completes the request from the input, and picks the odd-minor
// release of an EUS-to-EUS update when neither Via nor a graph says.
func request(in Input, r update.Request) (update.Request, []string) {
	if r.From.OCP == "" {
		r.From = in.From
	}
	if r.CNVCatalog == nil {
		r.CNVCatalog = in.CNVCatalog
	}
	if r.To == "" {
		r.To = in.To
	}
	if r.Subscription == "" {
		r.Subscription = in.Subscription
	}
	if in.WithoutCNV {
		r.WithoutCNV = true
	}
	var notes []string
	from, err1 := channel.ParseVersion(r.From.OCP)
	to, err2 := channel.ParseVersion(r.To)
	if err1 == nil && err2 == nil && channel.Classify(from, to) == channel.UpdateSkipMinor && r.Via == "" && r.Graph == nil {
		odd := from.MinorVersion().Next()
		r.Via = odd.String() + ".0"
		if floor, ok := channel.EUSFloor(odd.Next()); ok {
			r.Via = floor.String()
		}
		notes = append(notes, "no update graph: the forecast assumes the EUS path goes through "+r.Via+", the first "+odd.String()+" release the EUS channel takes")
	}
	return r, notes
}

// runOne runs the plan once on its own cluster.
func runOne(ctx context.Context, in Input, req update.Request, newPlan func(update.Request) (*update.Plan, error),
	base fake.Timing, v Variation, seed int64, i int, gate window.Gate) (runOutput, error) {
	out := runOutput{run: RunSummary{Index: i, Seed: RunSeed(seed, i), Multipliers: v.Draw(seed, i)}}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	c, err := in.Build(out.run.Seed, out.run.Multipliers.Apply(base))
	if err != nil {
		return out, fmt.Errorf("forecast: run %d: building the cluster: %w", i, err)
	}
	plan, err := newPlan(req)
	if err != nil {
		return out, err
	}
	out.plan = plan
	if gate != nil {
		c.SetWindow(gate)
	}
	a := newAnalysis(c)
	var events []update.Event
	res, runErr := update.Run(ctx, c, plan, update.Options{
		Clock:   c.Clock(),
		Waiter:  c,
		Window:  gate,
		OnEvent: func(e update.Event) { events = append(events, e) },
	})
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	r := &out.run
	r.duration = res.Finished.Sub(res.Started)
	r.DurationSeconds, r.Duration = seconds(r.duration), FormatDuration(r.duration)
	r.Result = "done"
	if runErr != nil {
		r.Err, r.Result = runErr, runErr.Error()
		var se *update.StepError
		if errors.As(runErr, &se) {
			r.StoppedAt = se.Step
		}
	}
	out.details = a.finish(c, res.Started, res.Finished, events, runErr)
	return out, nil
}

// assemble orders the runs by duration, takes the median's details, and
// fills the summary.
func assemble(outs []runOutput, v Variation, seed int64, notes []string) *Forecast {
	n := len(outs)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		da, db := outs[a].run.duration, outs[b].run.duration
		if da != db {
			if da < db {
				return -1
			}
			return 1
		}
		return a - b
	})
	rank := func(p float64) time.Duration { return outs[order[nearestRank(p, n)]].run.duration }
	med := outs[order[nearestRank(50, n)]]
	d := med.details

	f := &Forecast{VMs: d.vms, Nodes: d.nodes, Timeline: d.phases, Start: d.start, End: d.end,
		Migrations: d.migrations, Downtimes: d.downtimes, Plan: med.plan}
	s := &f.Summary
	s.Kind, s.From, s.To, s.Path = med.plan.Kind, med.plan.From, med.plan.To, med.plan.Path
	s.Runs, s.Seed, s.Variation = n, seed, v
	set := func(sec *float64, txt *string, d time.Duration) { *sec, *txt = seconds(d), FormatDuration(d) }
	set(&s.ETAP10Seconds, &s.ETAP10, rank(10))
	set(&s.ETAP50Seconds, &s.ETAP50, rank(50))
	set(&s.ETAP90Seconds, &s.ETAP90, rank(90))
	set(&s.ETAMinSeconds, &s.ETAMin, outs[order[0]].run.duration)
	set(&s.ETAMaxSeconds, &s.ETAMax, outs[order[n-1]].run.duration)
	for _, o := range outs {
		s.PerRun = append(s.PerRun, o.run)
		if o.run.Err != nil {
			s.RunsStopped++
		} else {
			s.RunsDone++
		}
	}
	s.Result = med.run.Result
	s.MedianRun = med.run.Index
	s.Details = fmt.Sprintf("per-VM, per-node and per-namespace details and the timeline are from run %d of %d (seed %d), the median by duration (%s)",
		med.run.Index, n, med.run.Seed, med.run.Duration)
	s.Blockers, s.Findings = d.blockers, d.findings
	if med.run.Err != nil {
		s.Blockers = append(s.Blockers, "the update stopped: "+med.run.Result)
	}
	s.Notes = append(slices.Clone(med.plan.Notes), notes...)

	var downtime time.Duration
	byNS := map[string]*Namespace{}
	var nsOrder []string
	for i := range f.VMs {
		vm := &f.VMs[i]
		s.VMs++
		s.Outcomes.add(vm.Outcome)
		s.Moves += vm.Moves
		s.NodeRollMoves += vm.NodeRollMoves
		s.WorkloadUpdateMoves += vm.WorkloadUpdateMoves
		s.OtherMoves += vm.OtherMoves
		s.FailedMigrations += vm.FailedMigrations
		downtime += vm.downtime
		if vm.Moves >= 2 {
			s.VMsMovedTwice++
		}
		ns := byNS[vm.Namespace]
		if ns == nil {
			ns = &Namespace{Namespace: vm.Namespace}
			byNS[vm.Namespace] = ns
			nsOrder = append(nsOrder, vm.Namespace)
		}
		ns.VMs++
		ns.Outcomes.add(vm.Outcome)
		ns.Moves += vm.Moves
		ns.NodeRollMoves += vm.NodeRollMoves
		ns.WorkloadUpdateMoves += vm.WorkloadUpdateMoves
		ns.OtherMoves += vm.OtherMoves
		ns.downtime += vm.downtime
	}
	s.DowntimeSeconds, s.Downtime = seconds(downtime), FormatDuration(downtime)
	slices.Sort(nsOrder)
	f.Namespaces = make([]Namespace, 0, len(nsOrder))
	for _, name := range nsOrder {
		ns := byNS[name]
		ns.DowntimeSeconds, ns.Downtime = seconds(ns.downtime), FormatDuration(ns.downtime)
		f.Namespaces = append(f.Namespaces, *ns)
	}
	for _, nd := range f.Nodes {
		if len(nd.Drains) > 0 {
			s.NodesDrained++
		}
	}
	// Each step's duration over the runs that finished it.
	for i := range f.Timeline {
		p := &f.Timeline[i]
		var ds []time.Duration
		for _, o := range outs {
			for _, q := range o.details.phases {
				if q.Step == p.Step && q.Result == "done" {
					ds = append(ds, q.end-q.start)
				}
			}
		}
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		p.DurationP10Seconds = seconds(ds[nearestRank(10, len(ds))])
		p.DurationP50Seconds = seconds(ds[nearestRank(50, len(ds))])
		p.DurationP90Seconds = seconds(ds[nearestRank(90, len(ds))])
	}
	if f.VMs == nil {
		f.VMs = []VM{}
	}
	if f.Nodes == nil {
		f.Nodes = []Node{}
	}
	if f.Timeline == nil {
		f.Timeline = []Phase{}
	}
	return f
}

// nearestRank is the 0-based position of the p-th percentile of n sorted
// values by the nearest-rank method: the ⌈p/100 × n⌉-th value.
func nearestRank(p float64, n int) int {
	r := int(math.Ceil(p / 100 * float64(n)))
	return min(max(r, 1), n) - 1
}

// Stopped reports whether the update stopped in any run.
func (f *Forecast) Stopped() bool { return f.Summary.RunsStopped > 0 }

// Blocked reports whether a VM of the median run is blocked.
func (f *Forecast) Blocked() bool { return f.Summary.Outcomes.Blocked > 0 }

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// FormatDuration renders a duration for people, rounded to the second:
// "45s", "12m 5s", "3h 12m" (from an hour on, rounded to the minute).
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	d = d.Round(time.Second)
	if d >= time.Hour {
		d = d.Round(time.Minute)
	}
	h, m, s := int64(d/time.Hour), int64(d/time.Minute)%60, int64(d/time.Second)%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	case m > 0 && s > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%ds", s)
}

// FormatOffset renders an offset from the start of the update as
// hours, minutes and seconds: "+01:02:05".
func FormatOffset(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("+%02d:%02d:%02d", int64(d/time.Hour), int64(d/time.Minute)%60, int64(d/time.Second)%60)
}

func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}
