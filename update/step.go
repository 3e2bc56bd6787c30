package update

import (
	"context"
	"fmt"
	"time"

	"k8s.io/utils/clock"
)

// Kind is the kind of a plan.
type Kind string

// The kinds of plan.
const (
	// KindZStream: a z-stream update of OpenShift (4.y.z → 4.y.z') and/or
	// of OpenShift Virtualization straight to the latest z of its minor.
	KindZStream Kind = "zstream"
	// KindMinor: OpenShift 4.y → 4.y+1, then OpenShift Virtualization
	// follows.
	KindMinor Kind = "minor"
	// KindEUS: EUS 4.y → EUS 4.y+2 through 4.y+1 with the worker pools
	// paused (built by the eus package).
	KindEUS Kind = "eus"
)

// Step is one step of a plan. A step says what it will do (Description)
// before it does it, then acts (Act), waits (Wait), or both. Every step is
// idempotent: run again after a crash, it sees what it already did and does
// not do it twice.
type Step struct {
	// Name identifies the step within its plan, e.g. "pause-worker-pools".
	Name string `json:"name"`
	// Description says what the step will do, for a person.
	Description string `json:"description"`
	// Changes is true when the step changes the cluster: the runner saves a
	// checkpoint before it. A step with an Act that changes the cluster, or
	// a Wait that approves or writes, sets it.
	Changes bool `json:"-"`
	// Act does the step's work, once; nil when the step only waits.
	Act func(ctx context.Context, s *State) error `json:"-"`
	// Wait is what the step then waits for; nil when it does not wait.
	Wait *Wait `json:"-"`
	// Remedy says what to do when the step fails, besides what the error
	// itself says; running the plan again resumes at the step.
	Remedy string `json:"-"`
}

// Wait is a condition a step waits for, with a timeout.
type Wait struct {
	// For says what the step waits for: "HyperConverged Upgradeable=True".
	For string
	// Timeout bounds the wait (by the runner's clock). TimeoutFor, when not
	// nil, computes it when the wait starts, e.g. from the size of a pool.
	Timeout    time.Duration
	TimeoutFor func(ctx context.Context, s *State) (time.Duration, error)
	// Interval is how often Done is polled; zero means the runner's
	// Options.PollInterval.
	Interval time.Duration
	// Done reports whether the condition holds, and where things stand
	// ("worker: 3/10 nodes updated"). An error stops the plan.
	Done func(ctx context.Context, s *State) (done bool, status string, err error)
	// Explain, when not nil, says why the condition still does not hold
	// when the wait times out (the VMIs that block a drain, …).
	Explain func(ctx context.Context, s *State) string
}

// Plan is an ordered list of steps from one set of versions to another.
// Build one with ZStreamPlan, MinorPlan, NewPlan or eus.Plan, inspect it,
// and run it with Run.
type Plan struct {
	// Kind is zstream, minor or eus.
	Kind Kind `json:"kind"`
	// From and To are the versions the plan starts from and ends at; a CNV
	// version may be empty when the plan only knows its minor.
	From Versions `json:"from"`
	To   Versions `json:"to"`
	// Steps in the order they run.
	Steps []Step `json:"steps"`
	// Notes are the documented exceptions and caveats that apply.
	Notes []string `json:"notes,omitempty"`
	// Path are the OpenShift releases the plan updates through, starting
	// with From.OCP and ending with To.OCP (PlatformPath).
	Path []string `json:"path,omitempty"`
	// Findings are what building the plan found: whether the path was
	// verified in a graph, and how. The pre-flight step reports them too.
	Findings []Finding `json:"findings,omitempty"`
	// Request is what the plan was built from, kept in its checkpoint so
	// that another process can rebuild it (eus.NewPlan of
	// Request.Request()); nil for a plan built by hand.
	Request *SavedRequest `json:"-"`
	// Preflight are the options of the plan's pre-flight step, so the same
	// checks can run on their own (Preflight(ctx, cluster, plan.Preflight)).
	Preflight PreflightOptions `json:"-"`
}

// ID identifies the plan in its checkpoint: a run resumes only the plan it
// was started with.
func (p *Plan) ID() string {
	return fmt.Sprintf("%s:%s->%s", p.Kind, p.From.OCP, p.To.OCP)
}

// Validate checks that the plan can run: at least one step, unique
// non-empty names, and every step acts or waits.
func (p *Plan) Validate() error {
	if p == nil || len(p.Steps) == 0 {
		return fmt.Errorf("plan has no steps")
	}
	seen := map[string]bool{}
	for i, st := range p.Steps {
		if st.Name == "" {
			return fmt.Errorf("plan step %d: name is empty", i)
		}
		if seen[st.Name] {
			return fmt.Errorf("plan step %d: name %q is used twice", i, st.Name)
		}
		seen[st.Name] = true
		if st.Act == nil && st.Wait == nil {
			return fmt.Errorf("plan step %d (%s): neither acts nor waits", i, st.Name)
		}
		if st.Wait != nil && st.Wait.Done == nil {
			return fmt.Errorf("plan step %d (%s): Wait.Done is nil", i, st.Name)
		}
	}
	return nil
}

// State is what a step sees while it runs: the cluster, the record that
// will be checkpointed, the clock, and a way to report.
type State struct {
	// Cluster is the cluster the plan runs on.
	Cluster Cluster
	// Record is the plan's record. A step that changes it (a backup, the
	// pools it paused) calls Save before acting on the cluster.
	Record *Record
	// Clock is the runner's clock.
	Clock clock.PassiveClock
	// Plan is the plan being run.
	Plan *Plan

	step int
	run  *runner
}

// Save writes the record to the checkpoint now, so that what the step is
// about to do can be undone by another process. In a dry run it does
// nothing.
func (s *State) Save(ctx context.Context) error {
	if s.run == nil {
		return nil
	}
	return s.run.save(ctx)
}

// Report emits a progress event for the current step.
func (s *State) Report(message string) {
	if s.run != nil {
		s.run.emit(EventReport, s.step, message)
	}
}
