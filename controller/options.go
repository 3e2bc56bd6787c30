package controller

import (
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/window"
	"github.com/virtupdate/virtupdate/workload"
)

// Defaults of the options.
const (
	// DefaultThrottle is how long a watch event waits before it triggers a
	// pass: KubeVirt's workload updater enqueues its key 5 s after an event
	// (defaultThrottleInterval), so a burst of changes costs one pass.
	DefaultThrottle = 5 * time.Second
	// DefaultCheckpointName is the checkpoint that keeps the Evict batch
	// clock.
	DefaultCheckpointName = "workload-controller"
	// DefaultName names the controller: its controller-runtime name, its
	// event source and the field manager of what it creates.
	DefaultName = "virtupdate-workload-controller"
)

// Option configures a [Reconciler] (see [New]). Each option is a typed
// value: [Policy], [Seed], [Strategy], [Admission], [Retry], [Window],
// [Clock], [Methods], [LauncherImage], [Recorder], [Registerer],
// [Throttle], [CheckpointName], [Logger]; [Options] sets several at once.
type Option interface {
	ApplyToReconciler(opts *Options)
}

// Options are the settings of a [Reconciler]. The zero value of each
// field means its default. Options is itself an Option: it sets its
// non-zero fields.
type Options struct {
	// Policy is the planner's policy; nil means workload.DefaultPolicy().
	Policy *workload.Policy
	// Seed makes the planner's order of migration candidates reproducible.
	Seed uint64
	// Strategy picks each outdated VMI's method (workload.Planner.Strategy);
	// nil means KubeVirt's table.
	Strategy workload.Strategy
	// Admission orders and filters the VMIs acted on
	// (workload.Planner.Admission); nil means the planner's order.
	Admission workload.Admission
	// Retry replaces Policy.Backoff as the wait after failed migrations
	// (workload.Policy.Retry); nil keeps the policy's.
	Retry workload.RetryPolicy
	// Window holds new migrations and evictions while closed
	// (workload.Planner.Window); nil means always open.
	Window window.Gate
	// Clock gives the time of each pass; nil means the real clock.
	Clock clock.PassiveClock
	// Methods, when not nil, replace the HyperConverged's
	// workloadUpdateMethods. Set those to [] to switch KubeVirt's own
	// updater off and give the methods here, so the two do not race.
	Methods []kubevirtv1.WorkloadUpdateMethod
	// LauncherImage is the target virt-launcher image; empty means the
	// kubevirt.io/outdatedLauncherImage label virt-controller sets decides.
	LauncherImage string
	// Recorder receives the Events on VMIs; nil means the manager's
	// (SetupWithManager) or, without a manager, no Events.
	Recorder events.EventRecorder
	// Registerer receives the metrics; nil means controller-runtime's
	// metrics.Registry, which the manager serves.
	Registerer prometheus.Registerer
	// Throttle is the wait between a watch event and the pass it triggers;
	// zero means DefaultThrottle, a negative value none.
	Throttle time.Duration
	// CheckpointName names the checkpoint of the Evict batch clock; empty
	// means DefaultCheckpointName.
	CheckpointName string
	// Logger logs the actions; the zero Logger means the one of the
	// reconcile's context (controller-runtime's).
	Logger logr.Logger
}

// ApplyToReconciler sets the non-zero fields of o.
func (o Options) ApplyToReconciler(dst *Options) {
	if o.Policy != nil {
		p := *o.Policy
		dst.Policy = &p
	}
	if o.Seed != 0 {
		dst.Seed = o.Seed
	}
	if o.Strategy != nil {
		dst.Strategy = o.Strategy
	}
	if o.Admission != nil {
		dst.Admission = o.Admission
	}
	if o.Retry != nil {
		dst.Retry = o.Retry
	}
	if o.Window != nil {
		dst.Window = o.Window
	}
	if o.Clock != nil {
		dst.Clock = o.Clock
	}
	if o.Methods != nil {
		dst.Methods = append([]kubevirtv1.WorkloadUpdateMethod{}, o.Methods...)
	}
	if o.LauncherImage != "" {
		dst.LauncherImage = o.LauncherImage
	}
	if o.Recorder != nil {
		dst.Recorder = o.Recorder
	}
	if o.Registerer != nil {
		dst.Registerer = o.Registerer
	}
	if o.Throttle != 0 {
		dst.Throttle = o.Throttle
	}
	if o.CheckpointName != "" {
		dst.CheckpointName = o.CheckpointName
	}
	if o.Logger.GetSink() != nil {
		dst.Logger = o.Logger
	}
}

// Policy is the planner's policy, as an Option.
type Policy workload.Policy

// ApplyToReconciler sets Options.Policy.
func (p Policy) ApplyToReconciler(o *Options) { wp := workload.Policy(p); o.Policy = &wp }

// Seed is the planner's seed, as an Option.
type Seed uint64

// ApplyToReconciler sets Options.Seed.
func (s Seed) ApplyToReconciler(o *Options) { o.Seed = uint64(s) }

// Strategy is the planner's method choice, as an Option.
type Strategy struct{ workload.Strategy }

// ApplyToReconciler sets Options.Strategy.
func (s Strategy) ApplyToReconciler(o *Options) { o.Strategy = s.Strategy }

// Admission is the planner's admission, as an Option.
type Admission struct{ workload.Admission }

// ApplyToReconciler sets Options.Admission.
func (a Admission) ApplyToReconciler(o *Options) { o.Admission = a.Admission }

// Retry is the wait after failed migrations, as an Option.
type Retry struct{ workload.RetryPolicy }

// ApplyToReconciler sets Options.Retry.
func (r Retry) ApplyToReconciler(o *Options) { o.Retry = r.RetryPolicy }

// Window is the maintenance window, as an Option.
type Window struct{ window.Gate }

// ApplyToReconciler sets Options.Window.
func (w Window) ApplyToReconciler(o *Options) { o.Window = w.Gate }

// Clock is the reconciler's clock, as an Option.
type Clock struct{ clock.PassiveClock }

// ApplyToReconciler sets Options.Clock.
func (c Clock) ApplyToReconciler(o *Options) { o.Clock = c.PassiveClock }

// Methods replace the HyperConverged's workloadUpdateMethods, as an
// Option; see Options.Methods.
type Methods []kubevirtv1.WorkloadUpdateMethod

// ApplyToReconciler sets Options.Methods.
func (m Methods) ApplyToReconciler(o *Options) {
	o.Methods = append([]kubevirtv1.WorkloadUpdateMethod{}, m...)
}

// LauncherImage is the target virt-launcher image, as an Option.
type LauncherImage string

// ApplyToReconciler sets Options.LauncherImage.
func (l LauncherImage) ApplyToReconciler(o *Options) { o.LauncherImage = string(l) }

// Recorder receives the Events, as an Option.
type Recorder struct{ events.EventRecorder }

// ApplyToReconciler sets Options.Recorder.
func (r Recorder) ApplyToReconciler(o *Options) { o.Recorder = r.EventRecorder }

// Registerer receives the metrics, as an Option.
type Registerer struct{ prometheus.Registerer }

// ApplyToReconciler sets Options.Registerer.
func (r Registerer) ApplyToReconciler(o *Options) { o.Registerer = r.Registerer }

// Throttle is the wait between a watch event and its pass, as an Option.
type Throttle time.Duration

// ApplyToReconciler sets Options.Throttle.
func (t Throttle) ApplyToReconciler(o *Options) { o.Throttle = time.Duration(t) }

// CheckpointName names the batch clock's checkpoint, as an Option.
type CheckpointName string

// ApplyToReconciler sets Options.CheckpointName.
func (n CheckpointName) ApplyToReconciler(o *Options) { o.CheckpointName = string(n) }

// Logger logs the actions, as an Option.
type Logger struct{ logr.Logger }

// ApplyToReconciler sets Options.Logger.
func (l Logger) ApplyToReconciler(o *Options) { o.Logger = l.Logger }

var (
	_ Option = Options{}
	_ Option = Policy{}
	_ Option = Seed(0)
	_ Option = Strategy{}
	_ Option = Admission{}
	_ Option = Retry{}
	_ Option = Window{}
	_ Option = Clock{}
	_ Option = Methods(nil)
	_ Option = LauncherImage("")
	_ Option = Recorder{}
	_ Option = Registerer{}
	_ Option = Throttle(0)
	_ Option = CheckpointName("")
	_ Option = Logger{}
)
