package report

import (
	"fmt"
	"strings"
	"time"
)

// Page is everything one report shows. The zero Page is valid: it renders a
// page that says there is nothing to show.
type Page struct {
	// Title heads the page; empty means "Update report".
	Title string
	// Generated is when the caller produced the data; the page shows it when
	// it is not zero. The package never reads the clock.
	Generated time.Time
	// Location is where times are shown; nil means UTC.
	Location *time.Location
	// Summary holds the caller's facts (from and to versions, the result, the
	// duration), shown in the header in the order given.
	Summary []Fact
	// Steps are the plan's steps in plan order, one bar each. Kind is one of
	// KindDone (or empty), KindRunning or KindFailed.
	Steps []Span
	// Nodes are the node lanes in the order given. Their spans' Kind is one
	// of KindDrain, KindReboot, KindReady or KindFailed.
	Nodes []NodeLane
	// InFlight holds the migrations and evictions in flight over time. A
	// sample's counts hold from its At until the next sample's, the last
	// until the end of the page's time window. Order does not matter.
	InFlight []Sample
	// VMs are the table's rows, in the order given.
	VMs []VMRow
}

// Fact is one line of the header's summary, such as {"From", "4.16.3"}.
type Fact struct {
	Name, Value string
}

// Span is an interval on the time axis: a plan step, or a phase of a node.
type Span struct {
	Name       string
	Start, End time.Time
	// Kind says what the interval is; see Page.Steps and Page.Nodes for the
	// kinds each accepts.
	Kind string
}

// The kinds of a Span.
const (
	// KindDone is a finished step; an empty Kind means the same.
	KindDone = "done"
	// KindRunning is a step still under way (End is when the data was read).
	KindRunning = "running"
	// KindFailed is a step that stopped the plan, or a node that did not
	// come back.
	KindFailed = "failed"
	// KindDrain is a node being cordoned and drained.
	KindDrain = "drain"
	// KindReboot is a node rebooting into its new configuration.
	KindReboot = "reboot"
	// KindReady is a node back, ready with its new configuration.
	KindReady = "ready"
)

// NodeLane is one node's lane: its drain, reboot and ready intervals.
type NodeLane struct {
	Node string
	// Pool is the node's machine config pool, shown beside its name.
	Pool  string
	Spans []Span
}

// Sample is the number of migrations and evictions in flight from At on.
type Sample struct {
	At                    time.Time
	Migrations, Evictions int
}

// VMRow is one VM in the table.
type VMRow struct {
	Namespace, Name string
	Outcome         Outcome
	// Moves counts the migrations and evictions the VM went through.
	Moves int
	// Downtime is how long the VM did not run; zero is shown as "none".
	Downtime time.Duration
	// Reason says why the VM ended as it did, in words a person can act on.
	Reason string
}

// Outcome is how the update ended for a VM.
type Outcome string

// The outcomes of a VM, in the order the page lists them.
const (
	// Migrated: the VM moved live to an updated virt-launcher.
	Migrated Outcome = "Migrated"
	// ShutDown: the VM was evicted and shut down (and restarted, or not,
	// by its VirtualMachine's run strategy; Reason says which).
	ShutDown Outcome = "ShutDown"
	// Deleted: a VMI without a VirtualMachine, deleted by its eviction.
	Deleted Outcome = "Deleted"
	// Blocked: the VM could not be updated and holds the update up (stuck
	// after failed attempts, not migratable under LiveMigrate).
	Blocked Outcome = "Blocked"
	// Untouched: the update left the VM as it was.
	Untouched Outcome = "Untouched"
)

var outcomes = [...]Outcome{Migrated, ShutDown, Deleted, Blocked, Untouched}

// Outcomes lists every Outcome in the order the page shows them.
func Outcomes() []Outcome { return append([]Outcome(nil), outcomes[:]...) }

// Label is the outcome in words: "migrated", "shut down", and so on.
func (o Outcome) Label() string {
	switch o {
	case Migrated:
		return "migrated"
	case ShutDown:
		return "shut down"
	case Deleted:
		return "deleted"
	case Blocked:
		return "blocked"
	case Untouched:
		return "untouched"
	}
	return string(o)
}

func (o Outcome) valid() bool {
	for _, k := range outcomes {
		if o == k {
			return true
		}
	}
	return false
}

// InputError says which field of a Page is wrong, what it holds, and what
// it should hold. Write returns it before writing anything.
type InputError struct {
	// Field is the path of the field, such as "VMs[3].Outcome".
	Field string
	// Value is what the field holds, as text.
	Value string
	// Want says what the field must hold instead.
	Want string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("report: %s is %s: %s", e.Field, e.Value, e.Want)
}

var (
	stepKinds = []string{"", KindDone, KindRunning, KindFailed}
	nodeKinds = []string{KindDrain, KindReboot, KindReady, KindFailed}
)

func validate(p *Page) error {
	// Field names are formatted only for an error: a large page is checked
	// in well under a millisecond.
	for i, s := range p.Steps {
		if err := checkSpan(func() string { return fmt.Sprintf("Steps[%d]", i) }, s, stepKinds); err != nil {
			return err
		}
	}
	for i, n := range p.Nodes {
		for j, s := range n.Spans {
			if err := checkSpan(func() string { return fmt.Sprintf("Nodes[%d].Spans[%d]", i, j) }, s, nodeKinds); err != nil {
				return err
			}
		}
	}
	for i, s := range p.InFlight {
		if !s.At.IsZero() && s.Migrations >= 0 && s.Evictions >= 0 {
			continue
		}
		f := fmt.Sprintf("InFlight[%d]", i)
		switch {
		case s.At.IsZero():
			return &InputError{Field: f + ".At", Value: "zero", Want: "set the time the counts were taken"}
		case s.Migrations < 0:
			return &InputError{Field: f + ".Migrations", Value: fmt.Sprint(s.Migrations), Want: "a count is zero or more"}
		case s.Evictions < 0:
			return &InputError{Field: f + ".Evictions", Value: fmt.Sprint(s.Evictions), Want: "a count is zero or more"}
		}
	}
	for i, v := range p.VMs {
		if v.Outcome.valid() && v.Moves >= 0 && v.Downtime >= 0 {
			continue
		}
		f := fmt.Sprintf("VMs[%d]", i)
		switch {
		case !v.Outcome.valid():
			return &InputError{Field: f + ".Outcome", Value: fmt.Sprintf("%q (VM %s/%s)", v.Outcome, v.Namespace, v.Name), Want: "use one of " + outcomeList()}
		case v.Moves < 0:
			return &InputError{Field: f + ".Moves", Value: fmt.Sprintf("%d (VM %s/%s)", v.Moves, v.Namespace, v.Name), Want: "a count is zero or more"}
		case v.Downtime < 0:
			return &InputError{Field: f + ".Downtime", Value: fmt.Sprintf("%s (VM %s/%s)", v.Downtime, v.Namespace, v.Name), Want: "a duration is zero or more"}
		}
	}
	return nil
}

func checkSpan(field func() string, s Span, kinds []string) error {
	ok := !s.Start.IsZero() && !s.End.IsZero() && !s.End.Before(s.Start)
	for _, k := range kinds {
		if ok && s.Kind == k {
			return nil
		}
	}
	f := field()
	switch {
	case s.Start.IsZero():
		return &InputError{Field: f + ".Start", Value: fmt.Sprintf("zero (%q)", s.Name), Want: "set when the interval began"}
	case s.End.IsZero():
		return &InputError{Field: f + ".End", Value: fmt.Sprintf("zero (%q)", s.Name), Want: "set when the interval ended, or when the data was read if it is still under way"}
	case s.End.Before(s.Start):
		return &InputError{Field: f + ".End", Value: fmt.Sprintf("%s, before Start %s (%q)", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339), s.Name), Want: "End must not be before Start"}
	}
	return &InputError{Field: f + ".Kind", Value: fmt.Sprintf("%q (%q)", s.Kind, s.Name), Want: "use one of " + quoteAll(kinds)}
}

func outcomeList() string {
	names := make([]string, len(outcomes))
	for i, o := range outcomes {
		names[i] = string(o)
	}
	return quoteAll(names)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
