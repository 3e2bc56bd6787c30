package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
	"github.com/virtupdate/virtupdate/workload"
)

// Cluster is what the reconciler reads and changes, through the update
// ports: the HyperConverged (the workload update strategy and the live
// migration limits), the VMIs and migrations, and the checkpoint of its
// Evict batch clock. When the cluster also implements update.KubeVirts,
// the KubeVirt CR gives the migration limits and the eviction strategy
// virt-controller applies, and the reconciler waits while KubeVirt is not
// deployed; when it implements [MigrationDeleter], the plan's aborts and
// history deletions are carried out too.
type Cluster interface {
	update.HyperConvergeds
	update.Workloads
	update.Checkpoints
}

// MigrationDeleter deletes a VirtualMachineInstanceMigration, which aborts
// it when it has not finished. It is an optional port of the [Cluster]:
// without it the reconciler leaves the plan's Abort and Delete actions to
// KubeVirt (its migration controller deletes the finalized migrations
// beyond five per VMI itself).
type MigrationDeleter interface {
	// DeleteMigration deletes the migration; one that does not exist is
	// update.ErrNotFound.
	DeleteMigration(ctx context.Context, namespace, name string) error
}

// Reconciler runs workload's planner on the cluster: each pass reads the
// HyperConverged, the VMIs and the migrations through the ports, plans,
// creates the plan's migrations, evicts its batch, publishes the metrics
// and records Events on the VMIs that are stuck or blocked. It implements
// controller-runtime's reconcile.Reconciler for one key: whatever the
// request, a pass covers the whole cluster, as KubeVirt's workload updater
// keys everything off the single KubeVirt CR. Passes are serialised.
type Reconciler struct {
	cluster Cluster
	opts    Options
	clock   clock.PassiveClock
	planner *workload.Planner
	gauges  *gauges
	events  eventer

	mu   sync.Mutex
	plan workload.Plan
	// The Evict batch clock and the checkpoint it was read from; loaded
	// is false until it was read (again, after a conflict).
	loaded    bool
	cp        update.Checkpoint
	lastBatch time.Time
}

var _ reconcile.Reconciler = (*Reconciler)(nil)

// New returns a reconciler acting on cluster with the options applied in
// order, and registers its metrics (see the Metric names) in the options'
// Registerer, controller-runtime's metrics.Registry by default. Two
// reconcilers cannot share a registry.
func New(cluster Cluster, opts ...Option) (*Reconciler, error) {
	if cluster == nil {
		return nil, errors.New("controller.New: the cluster is nil: pass the update ports to act through (a crclient.Cluster, a kube.Cluster or a fake.Cluster)")
	}
	var o Options
	for _, opt := range opts {
		if opt != nil {
			opt.ApplyToReconciler(&o)
		}
	}
	for _, m := range o.Methods {
		if m != kubevirtv1.WorkloadUpdateMethodLiveMigrate && m != kubevirtv1.WorkloadUpdateMethodEvict {
			return nil, fmt.Errorf("controller.New: Methods holds %q: want %s or %s", m, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
		}
	}
	policy := workload.DefaultPolicy()
	if o.Policy != nil {
		policy = *o.Policy
	}
	if o.Retry != nil {
		policy.Retry = o.Retry
	}
	if o.Throttle == 0 {
		o.Throttle = DefaultThrottle
	}
	if o.CheckpointName == "" {
		o.CheckpointName = DefaultCheckpointName
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	r := &Reconciler{cluster: cluster, opts: o, clock: clk, gauges: newGauges(), events: eventer{rec: o.Recorder},
		planner: &workload.Planner{Policy: policy, Seed: o.Seed, Clock: clk, Strategy: o.Strategy, Admission: o.Admission}}
	reg := o.Registerer
	if reg == nil {
		reg = ctrlmetrics.Registry
	}
	if err := r.gauges.register(reg); err != nil {
		return nil, err
	}
	return r, nil
}

// Reconcile makes one pass over the cluster, whatever the request, and asks
// to be called again when the plan says (the next Evict batch, the end of a
// retry delay, the opening of the window, a resync while migrations wait
// for capacity). An error (a read that failed, a migration that could not
// be created) asks for a retry with controller-runtime's backoff; a
// refused eviction is not one.
func (r *Reconciler) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	after, err := r.Pass(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// Plan returns a copy of the plan of the last pass.
func (r *Reconciler) Plan() workload.Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.plan
	p.Migrate = append([]workload.Action(nil), p.Migrate...)
	p.Evict = append([]workload.Action(nil), p.Evict...)
	p.Abort = append([]workload.Action(nil), p.Abort...)
	p.Delete = append([]workload.Action(nil), p.Delete...)
	p.Decisions = append([]workload.VMIDecision(nil), p.Decisions...)
	p.Blockers = append([]workload.Blocker(nil), p.Blockers...)
	p.Stuck = append([]workload.Stuck(nil), p.Stuck...)
	return p
}

// closed is the window of a pass while KubeVirt is not deployed.
var closed = window.GateFunc(func(time.Time) (bool, time.Time) { return false, time.Time{} })

// Pass makes one pass and returns when to look again (zero: only a change
// in the cluster can lead to new actions).
func (r *Reconciler) Pass(ctx context.Context) (time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	log := r.opts.Logger
	if log.GetSink() == nil {
		log = ctrllog.FromContext(ctx)
	}
	hc, err := r.cluster.GetHyperConverged(ctx)
	if errors.Is(err, update.ErrNotFound) {
		log.Info("no HyperConverged: nothing to update until it is created")
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the HyperConverged: %w", err)
	}
	strategy := hc.Spec.WorkloadUpdateStrategy.KubeVirt()
	if r.opts.Methods != nil {
		strategy.WorkloadUpdateMethods = r.opts.Methods
	}
	snap := workload.Snapshot{Strategy: strategy, LauncherImage: r.opts.LauncherImage, Now: r.clock.Now(),
		MigrationConfig: migrationConfig(hc.Spec.LiveMigrationConfig)}
	// KubeVirt's updater does nothing unless KubeVirt is deployed and not
	// rolling out (execute: Phase Deployed, observed = target deployment).
	deployed := true
	var kv *kubevirtv1.KubeVirt
	if kvs, ok := r.cluster.(update.KubeVirts); ok {
		kv, err = kvs.GetKubeVirt(ctx)
		switch {
		case errors.Is(err, update.ErrNotFound):
			deployed, kv = false, nil
			log.Info("no KubeVirt CR: holding workload updates until virt-controller is deployed")
		case err != nil:
			return 0, fmt.Errorf("read the KubeVirt CR: %w", err)
		case kv.Status.Phase != kubevirtv1.KubeVirtPhaseDeployed || kv.Status.ObservedDeploymentID != kv.Status.TargetDeploymentID:
			deployed = false
			log.Info("KubeVirt is not deployed or is rolling out: holding workload updates", "phase", kv.Status.Phase,
				"observedDeploymentID", kv.Status.ObservedDeploymentID, "targetDeploymentID", kv.Status.TargetDeploymentID)
		default:
			snap.MigrationConfig = mergeMigrationConfig(kv.Spec.Configuration.MigrationConfiguration, snap.MigrationConfig)
		}
	}
	es, _ := update.ClusterEvictionStrategy(hc, kv)
	snap.ClusterEvictionStrategy = &es

	vmis, err := r.cluster.ListVMIs(ctx, update.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list the VMIs: %w", err)
	}
	migs, err := r.cluster.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list the migrations: %w", err)
	}
	if err := r.loadBatchClock(ctx); err != nil {
		return 0, err
	}
	snap.LastEvictionBatch = r.lastBatch
	snap.VMIs = make([]*kubevirtv1.VirtualMachineInstance, len(vmis))
	for i := range vmis {
		snap.VMIs[i] = &vmis[i]
	}
	snap.Migrations = make([]*kubevirtv1.VirtualMachineInstanceMigration, len(migs))
	for i := range migs {
		snap.Migrations[i] = &migs[i]
	}

	r.planner.Window = r.opts.Window
	if !deployed {
		r.planner.Window = closed
	}
	r.planner.ReconcileInto(&r.plan, snap)
	plan := &r.plan

	byKey := make(map[vmiKey]*kubevirtv1.VirtualMachineInstance, len(vmis))
	for i := range vmis {
		byKey[vmiKey{vmis[i].Namespace, vmis[i].Name}] = &vmis[i]
	}
	vmiOf := func(ns, name string) *kubevirtv1.VirtualMachineInstance { return byKey[vmiKey{ns, name}] }

	errs := r.act(ctx, log, plan, vmiOf, deployed)
	r.gauges.set(plan, migs)
	r.events.stuckAndBlocked(plan, vmiOf)
	if len(errs) > 0 {
		return 0, errors.Join(errs...)
	}
	return plan.RequeueAfter, nil
}

// act carries the plan out, as KubeVirt's updater does in sync, and returns
// the errors that call for a retry.
func (r *Reconciler) act(ctx context.Context, log logr.Logger, plan *workload.Plan, vmiOf func(ns, name string) *kubevirtv1.VirtualMachineInstance, deployed bool) []error {
	var errs []error
	for _, a := range plan.Migrate {
		vmi := vmiOf(a.Namespace, a.VMI)
		if vmi == nil {
			r.planner.CreateFailed(a.Namespace, a.VMI)
			continue
		}
		m, err := r.cluster.CreateMigration(ctx, workload.NewClientMigration(vmi))
		if err != nil {
			// The planner expects the migration until it sees it: tell it
			// none is coming (KubeVirt lowers its expectations too).
			r.planner.CreateFailed(a.Namespace, a.VMI)
			r.events.event(vmi, nil, corev1.EventTypeWarning, ReasonFailedCreate, actionMigrate,
				"Error creating a Migration for automated workload update: "+err.Error())
			errs = append(errs, fmt.Errorf("create a migration of VMI %s/%s: %w", a.Namespace, a.VMI, err))
			continue
		}
		log.Info("created a workload-update migration", "vmi", a.Namespace+"/"+a.VMI, "migration", m.Name)
		r.events.event(vmi, m, corev1.EventTypeNormal, ReasonSuccessfulCreate, actionMigrate,
			"Created Migration "+m.Name+" for automated workload update")
	}
	if len(plan.Evict) > 0 && !plan.LastEvictionBatch.Equal(r.lastBatch) {
		// Persist the batch clock before evicting, so that a crash or a
		// new leader cannot evict a second batch too early.
		if err := r.saveBatchClock(ctx, plan.LastEvictionBatch); err != nil {
			return append(errs, err)
		}
	}
	for _, a := range plan.Evict {
		vmi := vmiOf(a.Namespace, a.VMI)
		err := r.cluster.EvictVMI(ctx, a.Namespace, a.VMI)
		var ee *update.EvictionError
		switch {
		case errors.Is(err, update.ErrNotFound):
		case errors.Is(err, update.ErrEvacuationStarted):
			r.events.event(vmi, nil, corev1.EventTypeNormal, ReasonEvacuationStarted, actionEvict,
				"Eviction of VMI for automated workload update started its evacuation: "+err.Error())
		case errors.As(err, &ee):
			log.Info("eviction refused", "vmi", a.Namespace+"/"+a.VMI, "reason", err.Error())
			r.events.event(vmi, nil, corev1.EventTypeWarning, ReasonFailedEvict, actionEvict,
				"Error evicting VMI during automated workload update: "+err.Error())
		case err != nil:
			r.events.event(vmi, nil, corev1.EventTypeWarning, ReasonFailedEvict, actionEvict,
				"Error evicting VMI during automated workload update: "+err.Error())
			errs = append(errs, fmt.Errorf("evict VMI %s/%s: %w", a.Namespace, a.VMI, err))
		default:
			log.Info("evicted", "vmi", a.Namespace+"/"+a.VMI)
			r.events.event(vmi, nil, corev1.EventTypeNormal, ReasonSuccessfulEvict, actionEvict,
				"Initiated eviction of VMI as part of automated workload update")
		}
	}
	del, ok := r.cluster.(MigrationDeleter)
	if !ok || !deployed {
		return errs
	}
	for _, a := range plan.Abort {
		err := del.DeleteMigration(ctx, a.Namespace, a.Migration)
		vmi := vmiOf(a.Namespace, a.VMI)
		switch {
		case errors.Is(err, update.ErrNotFound):
		case err != nil:
			r.events.event(vmi, nil, corev1.EventTypeWarning, ReasonFailedChangeAbortion, actionAbort,
				"Failed to abort migration "+a.Migration+": "+err.Error())
			errs = append(errs, fmt.Errorf("abort migration %s/%s: %w", a.Namespace, a.Migration, err))
		default:
			r.events.event(vmi, nil, corev1.EventTypeNormal, ReasonSuccessfulChangeAbortion, actionAbort,
				"Aborted migration "+a.Migration+": "+a.Reason)
		}
	}
	for _, a := range plan.Delete {
		if err := del.DeleteMigration(ctx, a.Namespace, a.Migration); err != nil && !errors.Is(err, update.ErrNotFound) {
			errs = append(errs, fmt.Errorf("delete finalized migration %s/%s: %w", a.Namespace, a.Migration, err))
		}
	}
	return errs
}

// migrationConfig is the KubeVirt migration configuration HCO writes from
// its liveMigrationConfig; unset fields stay unset (KubeVirt's defaults).
func migrationConfig(l update.LiveMigrationConfig) kubevirtv1.MigrationConfiguration {
	var c kubevirtv1.MigrationConfiguration
	c.ParallelMigrationsPerCluster = l.ParallelMigrationsPerCluster
	c.ParallelOutboundMigrationsPerNode = l.ParallelOutboundMigrationsPerNode
	return c
}

// mergeMigrationConfig takes the KubeVirt CR's limits, which
// virt-controller applies, and the HyperConverged's where the CR has none.
func mergeMigrationConfig(kv *kubevirtv1.MigrationConfiguration, hc kubevirtv1.MigrationConfiguration) kubevirtv1.MigrationConfiguration {
	if kv == nil {
		return hc
	}
	c := *kv.DeepCopy()
	if c.ParallelMigrationsPerCluster == nil {
		c.ParallelMigrationsPerCluster = hc.ParallelMigrationsPerCluster
	}
	if c.ParallelOutboundMigrationsPerNode == nil {
		c.ParallelOutboundMigrationsPerNode = hc.ParallelOutboundMigrationsPerNode
	}
	return c
}

// batchState is the checkpoint's data.
type batchState struct {
	LastEvictionBatch time.Time `json:"lastEvictionBatch"`
}

func (r *Reconciler) loadBatchClock(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	name := r.opts.CheckpointName
	cp, err := r.cluster.LoadCheckpoint(ctx, name)
	switch {
	case errors.Is(err, update.ErrNotFound):
		r.cp, r.lastBatch = update.Checkpoint{Name: name}, time.Time{}
	case err != nil:
		return fmt.Errorf("read the checkpoint %s: %w", name, err)
	default:
		var st batchState
		if err := json.Unmarshal(cp.Data, &st); err != nil {
			return fmt.Errorf("the checkpoint %s does not hold this controller's Evict batch clock (%w): give another CheckpointName, or delete it", name, err)
		}
		r.cp, r.lastBatch = cp, st.LastEvictionBatch
	}
	r.loaded = true
	return nil
}

func (r *Reconciler) saveBatchClock(ctx context.Context, at time.Time) error {
	data, err := json.Marshal(batchState{LastEvictionBatch: at})
	if err != nil {
		return err
	}
	cp := r.cp
	cp.Data = data
	saved, err := r.cluster.SaveCheckpoint(ctx, cp)
	if err != nil {
		// Read it again at the next pass: another writer may have moved it.
		r.loaded = false
		return fmt.Errorf("save the Evict batch clock in the checkpoint %s (no VMI was evicted): %w", r.opts.CheckpointName, err)
	}
	r.cp, r.lastBatch = saved, at
	return nil
}
