package fake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
	"github.com/virtupdate/virtupdate/workload"
)

// Kinds, as the fake names them in events and fault injection.
const (
	KindClusterVersion    = "ClusterVersion"
	KindMachineConfigPool = "MachineConfigPool"
	KindSubscription      = "Subscription"
	KindCSV               = "ClusterServiceVersion"
	KindInstallPlan       = "InstallPlan"
	KindHyperConverged    = "HyperConverged"
	KindKubeVirt          = "KubeVirt"
	KindNode              = "Node"
	KindNodeMaintenance   = "NodeMaintenance"
	KindVMI               = "VirtualMachineInstance"
	KindVM                = "VirtualMachine"
	KindMigration         = "VirtualMachineInstanceMigration"
	KindEviction          = "Eviction"
	KindCheckpoint        = "Checkpoint"
)

// Options configure a fake cluster.
type Options struct {
	// Start is the fake clock's start time; zero means 2026-01-01T00:00:00Z,
	// so that runs are reproducible.
	Start time.Time
	// Timing sets how long the simulated controllers take.
	Timing Timing
	// WorkloadPolicy is the policy of the workload updater the fake plays;
	// nil means workload.KubeVirtPolicy(), KubeVirt's own behaviour.
	WorkloadPolicy *workload.Policy
	// Seed feeds every random choice of the fake (names it generates, the
	// order of ties): the same seed and inputs give the same run.
	Seed int64
	// Strategy decides each VMI's workload update method in the fake's
	// workload updater; nil means KubeVirt's table (workload.KubeVirtTable).
	Strategy workload.Strategy
	// Admission orders and admits the workload updater's disruptions; nil
	// admits every candidate in KubeVirt's order.
	Admission workload.Admission
	// Compatibility decides which operator update the fake's OLM offers;
	// nil means OpenShift's rules (channel.OpenShift{}).
	Compatibility channel.Compatibility
	// Aggregator is how the fake's HCO aggregates its components'
	// conditions; nil means HCO's rules (conditions.HCOAggregator{}).
	Aggregator conditions.Aggregator
	// Window holds the fake workload updater's migrations and evictions
	// outside it (workload.Planner.Window); nil means always open.
	Window window.Gate
}

type key struct{ namespace, name string }

func keyOf(m metav1.Object) key { return key{m.GetNamespace(), m.GetName()} }

// Cluster is an in-memory cluster implementing every port of the update
// package. It is safe for concurrent use. All its objects are copied on the
// way in and out, so a caller never shares memory with it.
type Cluster struct {
	mu    sync.Mutex
	clock *clocktesting.FakeClock
	seed  int64
	rv    int64 // the last resourceVersion handed out
	names int   // generated-name counter

	cv          *update.ClusterVersion
	adminGates  *update.AdminGates // nil: both ConfigMaps present and empty
	pools       map[string]*update.MachineConfigPool
	subs        map[key]*update.Subscription
	csvs        map[key]*conditions.CSV
	plans       map[key]*update.InstallPlan
	hco         *update.HyperConverged
	kv          *kubevirtv1.KubeVirt // the KubeVirt CR HCO manages
	hcoSim      hcoState
	nodes       map[string]*corev1.Node
	nms         map[key]*update.NodeMaintenance // key.namespace holds the API group
	pdbs        map[key]*policyv1.PodDisruptionBudget
	compat      channel.Compatibility
	aggregator  conditions.Aggregator
	vmis        map[key]*kubevirtv1.VirtualMachineInstance
	vms         map[key]*kubevirtv1.VirtualMachine
	migrations  map[key]*kubevirtv1.VirtualMachineInstanceMigration
	checkpoints map[string]*update.Checkpoint

	conflicts  map[string]int // kind → writes left that fail with a conflict
	crashArmed bool           // a crash is injected
	crashAfter int            // writes left before it happens
	crashDue   bool           // the write under way is the last: its reply is lost
	crashed    bool           // it happened
	events     []Event

	timing           Timing
	cnv              cnvState
	cvo              cvoState
	mco              mcoState
	virt             virtState
	updater          updaterState
	vmiOrder         []key                   // sorted VMI keys, nil when stale
	nodeOrder        []string                // sorted node names
	nodePool         map[string]string       // node → its machine config pool
	migsOf           map[key][]key           // VMI → its migrations, in creation order
	activeMigs       map[key]bool            // migrations that are not final
	workloadGen      int                     // bumped by every change the workload updater looks at
	load             nodeLoad                // running VMIs per node
	onNode           map[string]map[key]bool // running VMIs by node
	activeOrder      []key                   // unfinished migrations, oldest first; nil when stale
	outdated         map[key]bool            // running VMIs on an older launcher
	outdatedLabelled int                     // VMIs labelled kubevirt.io/outdatedLauncherImage
	platformGen      int                     // bumped by every change to nodes, pools and the platform the MCO reads
	targets          targetIndex             // the nodes a migration or a restart may land on
	controllers      []*scheduled
	custom           []*registered // the user's controllers, in registration order
	disabled         map[string]bool
	dirty            bool // something changed since the controllers last looked
}

var _ update.Cluster = (*Cluster)(nil)

// NewCluster returns an empty fake cluster on a fake clock.
func NewCluster(opts Options) *Cluster {
	start := opts.Start
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	c := &Cluster{
		clock:       clocktesting.NewFakeClock(start),
		seed:        opts.Seed,
		pools:       map[string]*update.MachineConfigPool{},
		subs:        map[key]*update.Subscription{},
		csvs:        map[key]*conditions.CSV{},
		plans:       map[key]*update.InstallPlan{},
		nodes:       map[string]*corev1.Node{},
		nms:         map[key]*update.NodeMaintenance{},
		vmis:        map[key]*kubevirtv1.VirtualMachineInstance{},
		vms:         map[key]*kubevirtv1.VirtualMachine{},
		migrations:  map[key]*kubevirtv1.VirtualMachineInstanceMigration{},
		checkpoints: map[string]*update.Checkpoint{},
		conflicts:   map[string]int{},
		disabled:    map[string]bool{},
		nodePool:    map[string]string{},
		timing:      opts.Timing.withDefaults(),
	}
	policy := workload.KubeVirtPolicy()
	if opts.WorkloadPolicy != nil {
		policy = *opts.WorkloadPolicy
	}
	c.updater.planner = workload.NewPlanner(policy, uint64(opts.Seed))
	c.updater.planner.Clock = c.clock
	c.updater.planner.Strategy, c.updater.planner.Admission = opts.Strategy, opts.Admission
	c.updater.planner.Window = opts.Window
	c.compat, c.aggregator = opts.Compatibility, opts.Aggregator
	if c.compat == nil {
		c.compat = channel.OpenShift{}
	}
	if c.aggregator == nil {
		c.aggregator = conditions.HCOAggregator{}
	}
	c.updater.tracker = workload.NewTracker(c.updater.planner)
	for _, ctrl := range []controller{olmController{c}, hcoController{c}, cvoController{c}, nodeMaintenanceController{c}, mcoController{c},
		migrationController{c}, vmController{c}, workloadUpdater{c}} {
		c.controllers = append(c.controllers, &scheduled{c: ctrl})
	}
	return c
}

// Clock tells the cluster's fake time. It is read-only: time moves only
// through [Cluster.Advance], [Cluster.Wait] and [Cluster.RunUntil], so the
// controllers run at every instant they scheduled work for. Give it to the
// runner with the cluster as its Waiter:
//
//	update.Run(ctx, c, plan, update.Options{Clock: c.Clock(), Waiter: c})
func (c *Cluster) Clock() clock.PassiveClock { return passiveClock{c.clock} }

// passiveClock shows a fake clock's time and nothing else: it cannot be
// asserted back to the fake clock and stepped behind the event loop.
type passiveClock struct{ c *clocktesting.FakeClock }

func (p passiveClock) Now() time.Time                  { return p.c.Now() }
func (p passiveClock) Since(t time.Time) time.Duration { return p.c.Since(t) }

func (c *Cluster) nextRV() string {
	c.rv++
	return strconv.FormatInt(c.rv, 10)
}

// FailNextWrites makes the next n writes to objects of the kind (KindHyperConverged,
// KindInstallPlan, KindCheckpoint, …) fail with update.ErrConflict, as if
// another writer had won the race. Reads are not affected.
func (c *Cluster) FailNextWrites(kind string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conflicts[kind] = n
}

// ErrCrashed is returned by every write through the ports after the
// injected crash (see CrashAfterWrites), until Restart.
var ErrCrashed = errors.New("the process using the fake cluster crashed (injected)")

// CrashAfterWrites simulates the death of the process driving the cluster
// in the middle of its n-th write from now through the ports: that write
// goes to the cluster (it lands, or fails on its own as it would) and its
// caller gets ErrCrashed instead of the reply, as a process killed after
// sending a request never sees the answer; every later write fails with
// ErrCrashed and changes nothing, until Restart. n <= 0 crashes before the
// next write is sent: it changes nothing. The cluster's own controllers
// keep running: only the caller's in-memory state is lost. Use it to prove
// that a plan resumes from its checkpoint in a new process, also when the
// crash falls between a change to the cluster and the checkpoint that
// records it.
//
// Every port also honours its context: a done ctx returns its error before
// anything is read or written (a write that was not sent does not count
// against n).
func (c *Cluster) CrashAfterWrites(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crashAfter = n
	c.crashArmed, c.crashDue = true, false
}

// Restart ends an injected crash: writes through the ports work again, as
// for a new process.
func (c *Cluster) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crashArmed, c.crashed, c.crashDue = false, false, false
}

// Crashed reports whether the injected crash has happened.
func (c *Cluster) Crashed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

// portRead admits one read through the ports: a done ctx stops it.
func portRead(ctx context.Context, op, kind, namespace, name string) error {
	if err := ctx.Err(); err != nil {
		return &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: err}
	}
	return nil
}

// portWrite admits one write through the ports: it fails when ctx is done,
// after an injected crash, or with an injected conflict. A write it
// admits must end with c.reply.
func (c *Cluster) portWrite(ctx context.Context, op, kind, namespace, name string) error {
	if err := portRead(ctx, op, kind, namespace, name); err != nil {
		return err
	}
	if err := c.crashCheck(op, kind, namespace, name); err != nil {
		return err
	}
	return c.injectedConflict(op, kind, namespace, name)
}

// crashCheck counts one write against an injected crash: it refuses the
// write once the crash has happened (or is due before it), and marks the
// write whose reply the crash loses.
func (c *Cluster) crashCheck(op, kind, namespace, name string) error {
	if !c.crashArmed {
		return nil
	}
	if c.crashed || c.crashAfter <= 0 {
		if !c.crashed {
			c.crashed = true
			c.record(kind, namespace, name, "Crashed", "the caller crashed before "+op)
		}
		return &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: ErrCrashed}
	}
	c.crashAfter--
	c.crashDue = c.crashAfter == 0
	return nil
}

// reply ends a write crashCheck admitted: when the injected crash falls in
// it, the write has done what it does and its caller gets ErrCrashed in
// place of *err. Call it deferred, with the write's named error.
func (c *Cluster) reply(err *error, op, kind, namespace, name string) {
	if !c.crashDue {
		return
	}
	c.crashDue, c.crashed = false, true
	c.record(kind, namespace, name, "Crashed", "the caller crashed during "+op+": the request was sent, the reply lost")
	*err = &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: ErrCrashed}
}

// injectedConflict consumes one injected conflict of the kind, if any.
func (c *Cluster) injectedConflict(op, kind, namespace, name string) error {
	if c.conflicts[kind] <= 0 {
		return nil
	}
	c.conflicts[kind]--
	c.record(kind, namespace, name, "Conflict", "injected: "+op+" lost a race with another writer")
	return update.Conflict(op, kind, namespace, name, "injected by the fake cluster")
}

// ---- seeding ----------------------------------------------------------------

// SetClusterVersion sets the ClusterVersion.
func (c *Cluster) SetClusterVersion(cv update.ClusterVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := cloneClusterVersion(cv)
	c.cv = &cp
	c.platformChanged()
}

// AddPools adds machine config pools.
func (c *Cluster) AddPools(pools ...update.MachineConfigPool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range pools {
		p.Conditions = slices.Clone(p.Conditions)
		p.NodeSelector = p.NodeSelector.DeepCopy()
		c.pools[p.Name] = &p
	}
	c.reassignPools()
	c.platformChanged()
}

// AddSubscriptions adds OLM Subscriptions.
func (c *Cluster) AddSubscriptions(subs ...update.Subscription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range subs {
		c.subs[key{s.Namespace, s.Name}] = &s
	}
}

// AddCSVs adds ClusterServiceVersions to a namespace.
func (c *Cluster) AddCSVs(namespace string, csvs ...conditions.CSV) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range csvs {
		c.csvs[key{namespace, x.Name}] = &x
	}
}

// AddInstallPlans adds InstallPlans.
func (c *Cluster) AddInstallPlans(plans ...update.InstallPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range plans {
		p.CSVNames = slices.Clone(p.CSVNames)
		c.plans[key{p.Namespace, p.Name}] = &p
	}
}

// SetHyperConverged sets the HyperConverged. Namespace and name default to
// update.DefaultNamespace and update.HyperConvergedName.
func (c *Cluster) SetHyperConverged(hc update.HyperConverged) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := cloneHyperConverged(&hc)
	cp.Namespace = cmp.Or(cp.Namespace, update.DefaultNamespace)
	cp.Name = cmp.Or(cp.Name, update.HyperConvergedName)
	cp.Generation = max(cp.Generation, 1)
	cp.ResourceVersion = c.nextRV()
	// The API server stores what HCO's CRD defaults and its mutating webhook
	// sets: a new object has no status.infrastructureHighlyAvailable yet, so
	// only a replaced one gets a default eviction strategy here.
	defaultWorkloadUpdateStrategy(&cp.Spec.WorkloadUpdateStrategy)
	if c.hco == nil {
		c.hcoSim.infraHA = nil
	}
	c.mutateEvictionStrategy(cp)
	c.hco = cp
	c.workloadChanged()
}

// AddNodes adds nodes.
func (c *Cluster) AddNodes(nodes ...corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pools := c.poolsForAssignment()
	for i := range nodes {
		n := nodes[i].DeepCopy()
		if old := c.nodes[n.Name]; old != nil {
			c.countWorker(old, -1)
		}
		c.countWorker(n, +1)
		c.nodes[n.Name] = n
		c.assignPool(n, pools)
	}
	c.platformChanged()
	c.workloadChanged()
}

// AddNodeMaintenances adds NodeMaintenance objects of either API group.
func (c *Cluster) AddNodeMaintenances(nms ...update.NodeMaintenance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, nm := range nms {
		c.nms[key{nm.Group, nm.Name}] = &nm
	}
	c.platformChanged()
}

// AddVMIs adds VirtualMachineInstances.
func (c *Cluster) AddVMIs(vmis ...kubevirtv1.VirtualMachineInstance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range vmis {
		c.putVMI(vmis[i].DeepCopy())
	}
}

// adoptWorkloads stores VMIs and VirtualMachines nothing else refers to,
// as AddVMIs then AddVirtualMachines would, without copying them: the
// scenario's builder makes them for the cluster alone.
func (c *Cluster) adoptWorkloads(vmis []*kubevirtv1.VirtualMachineInstance, vms []*kubevirtv1.VirtualMachine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range vmis {
		c.putVMI(v)
	}
	for _, vm := range vms {
		k := keyOf(vm)
		c.vms[k] = vm
		c.recheckStopped(k)
	}
	c.workloadChanged()
}

// AddVirtualMachines adds VirtualMachines.
func (c *Cluster) AddVirtualMachines(vms ...kubevirtv1.VirtualMachine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range vms {
		k := keyOf(&vms[i])
		c.vms[k] = vms[i].DeepCopy()
		c.recheckStopped(k)
	}
	c.workloadChanged()
}

// AddMigrations adds VirtualMachineInstanceMigrations.
func (c *Cluster) AddMigrations(migs ...kubevirtv1.VirtualMachineInstanceMigration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range migs {
		c.putMigration(migs[i].DeepCopy())
	}
}

// ---- ClusterVersions ----------------------------------------------------------

// GetClusterVersion implements update.ClusterVersions.
func (c *Cluster) GetClusterVersion(ctx context.Context) (*update.ClusterVersion, error) {
	if err := portRead(ctx, "get", KindClusterVersion, "", "version"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cv == nil {
		return nil, update.NotFound("get", KindClusterVersion, "", "version")
	}
	cp := cloneClusterVersion(*c.cv)
	return &cp, nil
}

// SetChannel implements update.ClusterVersions.
func (c *Cluster) SetChannel(ctx context.Context, channel string) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cv == nil {
		return update.NotFound("set channel of", KindClusterVersion, "", "version")
	}
	if err := c.portWrite(ctx, "set channel of", KindClusterVersion, "", "version"); err != nil {
		return err
	}
	defer c.reply(&err, "set channel of", KindClusterVersion, "", "version")
	if c.cv.Channel != channel {
		c.record(KindClusterVersion, "", "version", "ChannelChanged", fmt.Sprintf("channel %q → %q", c.cv.Channel, channel))
	}
	c.cv.Channel = channel
	return nil
}

// SetDesiredUpdate implements update.ClusterVersions.
func (c *Cluster) SetDesiredUpdate(ctx context.Context, version string) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cv == nil {
		return update.NotFound("set desired update of", KindClusterVersion, "", "version")
	}
	if err := c.portWrite(ctx, "set desired update of", KindClusterVersion, "", "version"); err != nil {
		return err
	}
	defer c.reply(&err, "set desired update of", KindClusterVersion, "", "version")
	if c.cv.DesiredVersion != version {
		c.record(KindClusterVersion, "", "version", "DesiredUpdateSet", "desired update "+version)
	}
	c.cv.DesiredVersion = version
	return nil
}

// ---- MachineConfigPools -------------------------------------------------------

// ListMachineConfigPools implements update.MachineConfigPools.
func (c *Cluster) ListMachineConfigPools(ctx context.Context) ([]update.MachineConfigPool, error) {
	if err := portRead(ctx, "list", KindMachineConfigPool, "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]update.MachineConfigPool, 0, len(c.pools))
	for _, name := range slices.Sorted(maps.Keys(c.pools)) {
		p := *c.pools[name]
		p.Conditions = slices.Clone(p.Conditions)
		p.NodeSelector = p.NodeSelector.DeepCopy()
		out = append(out, p)
	}
	return out, nil
}

// SetPoolPaused implements update.MachineConfigPools.
func (c *Cluster) SetPoolPaused(ctx context.Context, name string, paused bool) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pools[name]
	if !ok {
		return update.NotFound("pause", KindMachineConfigPool, "", name)
	}
	if err := c.portWrite(ctx, "pause", KindMachineConfigPool, "", name); err != nil {
		return err
	}
	defer c.reply(&err, "pause", KindMachineConfigPool, "", name)
	c.platformChanged()
	if p.Paused != paused {
		reason := "Unpaused"
		if paused {
			reason = "Paused"
		}
		c.record(KindMachineConfigPool, "", name, reason, "spec.paused = "+strconv.FormatBool(paused))
	}
	p.Paused = paused
	return nil
}

// ---- OLM ----------------------------------------------------------------------

// GetSubscription implements update.OLM.
func (c *Cluster) GetSubscription(ctx context.Context, namespace, name string) (*update.Subscription, error) {
	if err := portRead(ctx, "get", KindSubscription, namespace, name); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.subs[key{namespace, name}]
	if !ok {
		return nil, update.NotFound("get", KindSubscription, namespace, name)
	}
	cp := *s
	return &cp, nil
}

// ListCSVs implements update.OLM.
func (c *Cluster) ListCSVs(ctx context.Context, namespace string) ([]conditions.CSV, error) {
	if err := portRead(ctx, "list", KindCSV, namespace, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []conditions.CSV
	for _, k := range sortedKeys(c.csvs) {
		if k.namespace == namespace {
			out = append(out, *c.csvs[k])
		}
	}
	return out, nil
}

// ListInstallPlans implements update.OLM.
func (c *Cluster) ListInstallPlans(ctx context.Context, namespace string) ([]update.InstallPlan, error) {
	if err := portRead(ctx, "list", KindInstallPlan, namespace, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []update.InstallPlan
	for _, k := range sortedKeys(c.plans) {
		if k.namespace == namespace {
			p := *c.plans[k]
			p.CSVNames = slices.Clone(p.CSVNames)
			out = append(out, p)
		}
	}
	return out, nil
}

// ApproveInstallPlan implements update.OLM.
func (c *Cluster) ApproveInstallPlan(ctx context.Context, namespace, name string) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.plans[key{namespace, name}]
	if !ok {
		return update.NotFound("approve", KindInstallPlan, namespace, name)
	}
	if err := c.portWrite(ctx, "approve", KindInstallPlan, namespace, name); err != nil {
		return err
	}
	defer c.reply(&err, "approve", KindInstallPlan, namespace, name)
	if !p.Approved {
		c.record(KindInstallPlan, namespace, name, "Approved", fmt.Sprintf("approved (CSVs %v)", p.CSVNames))
	}
	p.Approved = true
	return nil
}

// ---- HyperConvergeds ----------------------------------------------------------

// GetHyperConverged implements update.HyperConvergeds.
func (c *Cluster) GetHyperConverged(ctx context.Context) (*update.HyperConverged, error) {
	if err := portRead(ctx, "get", KindHyperConverged, update.DefaultNamespace, update.HyperConvergedName); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hco == nil {
		return nil, update.NotFound("get", KindHyperConverged, update.DefaultNamespace, update.HyperConvergedName)
	}
	return cloneHyperConverged(c.hco), nil
}

// SetWorkloadUpdateMethods implements update.HyperConvergeds with the
// contract of its doc: to is checked first (update.CheckMethodsWrite);
// when the field already holds to nothing is written; otherwise the field
// must hold from (nil standing for the stored default) or the call is a
// conflict; what is stored is compared with to.
func (c *Cluster) SetWorkloadUpdateMethods(ctx context.Context, from, to *[]kubevirtv1.WorkloadUpdateMethod) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	const op = "set workloadUpdateMethods of"
	if err := update.CheckMethodsWrite(update.DefaultNamespace, update.HyperConvergedName, to); err != nil {
		return err
	}
	if c.hco == nil {
		return update.NotFound(op, KindHyperConverged, update.DefaultNamespace, update.HyperConvergedName)
	}
	ns, name := c.hco.Namespace, c.hco.Name
	if err := c.portWrite(ctx, op, KindHyperConverged, ns, name); err != nil {
		return err
	}
	defer c.reply(&err, op, KindHyperConverged, ns, name)
	cur := c.hco.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	if update.SameStoredMethods(cur, to) {
		return nil // already there: a retried or resumed write
	}
	if !update.SameStoredMethods(cur, from) {
		return update.Conflict(op, KindHyperConverged, ns, name,
			fmt.Sprintf("the field is %s, not the expected %s", update.ShowMethods(cur), update.ShowMethods(from)))
	}
	c.hco.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods = cloneMethods(to)
	defaultWorkloadUpdateStrategy(&c.hco.Spec.WorkloadUpdateStrategy)
	c.mutateEvictionStrategy(c.hco)
	c.workloadChanged()
	c.hco.Generation++
	c.hco.ResourceVersion = c.nextRV()
	c.record(KindHyperConverged, ns, name, "WorkloadUpdateMethodsChanged", update.ShowMethods(cur)+" → "+update.ShowMethods(to))
	if stored := c.hco.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; !update.SameStoredMethods(stored, to) {
		return update.NotStored(op, KindHyperConverged, ns, name, "spec.workloadUpdateStrategy.workloadUpdateMethods",
			update.ShowMethods(to), update.ShowMethods(stored))
	}
	return nil
}

func cloneMethods(m *[]kubevirtv1.WorkloadUpdateMethod) *[]kubevirtv1.WorkloadUpdateMethod {
	if m == nil {
		return nil
	}
	cp := append([]kubevirtv1.WorkloadUpdateMethod{}, *m...)
	return &cp
}

// ---- Nodes ----------------------------------------------------------------------

// ListNodes implements update.Nodes.
func (c *Cluster) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	if err := portRead(ctx, "list", KindNode, "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]corev1.Node, 0, len(c.nodes))
	for _, name := range slices.Sorted(maps.Keys(c.nodes)) {
		out = append(out, *c.nodes[name].DeepCopy())
	}
	return out, nil
}

// ListNodeMaintenances implements update.Nodes.
func (c *Cluster) ListNodeMaintenances(ctx context.Context) ([]update.NodeMaintenance, error) {
	if err := portRead(ctx, "list", KindNodeMaintenance, "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]update.NodeMaintenance, 0, len(c.nms))
	for _, k := range sortedKeys(c.nms) {
		out = append(out, *c.nms[k])
	}
	return out, nil
}

// ---- Workloads ------------------------------------------------------------------

func selectorOf(opts update.ListOptions) (labels.Selector, error) {
	sel, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("label selector %q: %w", opts.LabelSelector, err)
	}
	return sel, nil
}

// listObjects lists the objects of m matching opts, deep-copied, sorted by
// namespace and name. The matches are counted first, so the copies go
// straight into a slice of the right size.
func listObjects[T any, P interface {
	*T
	metav1.Object
	DeepCopyInto(*T)
}](m map[key]P, keys []key, opts update.ListOptions) ([]T, error) {
	sel, err := selectorOf(opts)
	if err != nil {
		return nil, err
	}
	match := func(k key) bool {
		if opts.Namespace != "" && k.namespace != opts.Namespace {
			return false
		}
		return sel.Empty() || sel.Matches(labels.Set(m[k].GetLabels()))
	}
	n := len(keys)
	if opts.Namespace != "" || !sel.Empty() {
		n = 0
		for _, k := range keys {
			if match(k) {
				n++
			}
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]T, n)
	i := 0
	for _, k := range keys {
		if match(k) {
			m[k].DeepCopyInto(&out[i])
			i++
		}
	}
	return out, nil
}

// ListVMIs implements update.Workloads.
func (c *Cluster) ListVMIs(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstance, error) {
	if err := portRead(ctx, "list", KindVMI, opts.Namespace, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return listObjects(c.vmis, c.sortedVMIKeys(), opts)
}

// ListVirtualMachines implements update.Workloads.
func (c *Cluster) ListVirtualMachines(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachine, error) {
	if err := portRead(ctx, "list", KindVM, opts.Namespace, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return listObjects(c.vms, sortedKeys(c.vms), opts)
}

// ListMigrations implements update.Workloads.
func (c *Cluster) ListMigrations(ctx context.Context, opts update.ListOptions) ([]kubevirtv1.VirtualMachineInstanceMigration, error) {
	if err := portRead(ctx, "list", KindMigration, opts.Namespace, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return listObjects(c.migrations, sortedKeys(c.migrations), opts)
}

// CreateMigration implements update.Workloads.
func (c *Cluster) CreateMigration(ctx context.Context, m *kubevirtv1.VirtualMachineInstanceMigration) (out *kubevirtv1.VirtualMachineInstanceMigration, err error) {
	if err := update.CheckClientMigration(m); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := portRead(ctx, "create", KindMigration, m.Namespace, m.GenerateName+m.Name); err != nil {
		return nil, err
	}
	if err := c.crashCheck("create", KindMigration, m.Namespace, m.GenerateName+m.Name); err != nil {
		return nil, err
	}
	defer func() {
		c.reply(&err, "create", KindMigration, m.Namespace, m.GenerateName+m.Name)
		if err != nil {
			out = nil
		}
	}()
	stored, err := c.createMigration(m.DeepCopy())
	if err != nil {
		return nil, err
	}
	return stored.DeepCopy(), nil
}

// createMigration admits and stores a new migration, as the API server
// does; it keeps m, which the caller must not use but to read it, and
// returns it.
func (c *Cluster) createMigration(m *kubevirtv1.VirtualMachineInstanceMigration) (*kubevirtv1.VirtualMachineInstanceMigration, error) {
	if m.Name == "" {
		if m.GenerateName == "" {
			return nil, fmt.Errorf("create %s in %s: metadata.name or metadata.generateName is required", KindMigration, m.Namespace)
		}
		m.Name = c.generateName(m.GenerateName)
	}
	c.mutateMigration(m)
	if err := c.admitMigration(m); err != nil {
		return nil, err
	}
	if err := c.injectedConflict("create", KindMigration, m.Namespace, m.Name); err != nil {
		return nil, err
	}
	k := keyOf(m)
	if _, exists := c.migrations[k]; exists {
		return nil, update.Conflict("create", KindMigration, m.Namespace, m.Name, "already exists")
	}
	m.ResourceVersion = c.nextRV()
	m.UID = types.UID("vmim-" + m.Namespace + "-" + m.Name)
	m.CreationTimestamp = metav1.NewTime(c.clock.Now())
	c.putMigration(m)
	c.record(KindMigration, m.Namespace, m.Name, "Created", "migration of VMI "+m.Spec.VMIName)
	return m, nil
}

// generateName appends a deterministic five-character suffix, as the API
// server appends a random one.
func (c *Cluster) generateName(prefix string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	c.names++
	n := uint64(c.names)*2654435761 + uint64(c.seed)
	suffix := make([]byte, 5)
	for i := range suffix {
		suffix[i] = alphabet[n%uint64(len(alphabet))]
		n /= uint64(len(alphabet))
	}
	return prefix + string(suffix)
}

// EvictVMI implements update.Workloads through KubeVirt's eviction rules:
// the VMI's eviction strategy (else the cluster's) turns the eviction into
// an evacuation migration, shuts the VMI down, or denies it with an error
// wrapping ErrEvictionDenied.
func (c *Cluster) EvictVMI(ctx context.Context, namespace, name string) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vmi, ok := c.vmis[key{namespace, name}]
	if !ok {
		return update.NotFound("evict", KindVMI, namespace, name)
	}
	if err := c.portWrite(ctx, "evict", KindEviction, namespace, name); err != nil {
		return err
	}
	defer c.reply(&err, "evict", KindEviction, namespace, name)
	return c.evictLocked(vmi, "eviction requested")
}

// ---- Checkpoints ------------------------------------------------------------------

// LoadCheckpoint implements update.Checkpoints.
func (c *Cluster) LoadCheckpoint(ctx context.Context, name string) (update.Checkpoint, error) {
	if err := portRead(ctx, "load", KindCheckpoint, update.DefaultNamespace, name); err != nil {
		return update.Checkpoint{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.checkpoints[name]
	if !ok {
		return update.Checkpoint{}, update.NotFound("load", KindCheckpoint, update.DefaultNamespace, name)
	}
	return update.Checkpoint{Name: cp.Name, Data: slices.Clone(cp.Data), ResourceVersion: cp.ResourceVersion}, nil
}

// SaveCheckpoint implements update.Checkpoints.
func (c *Cluster) SaveCheckpoint(ctx context.Context, cp update.Checkpoint) (out update.Checkpoint, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.portWrite(ctx, "save", KindCheckpoint, update.DefaultNamespace, cp.Name); err != nil {
		return update.Checkpoint{}, err
	}
	defer func() {
		c.reply(&err, "save", KindCheckpoint, update.DefaultNamespace, cp.Name)
		if err != nil {
			out = update.Checkpoint{}
		}
	}()
	cur, exists := c.checkpoints[cp.Name]
	switch {
	case !exists && cp.ResourceVersion != "":
		return update.Checkpoint{}, update.NotFound("save", KindCheckpoint, update.DefaultNamespace, cp.Name)
	case exists && cp.ResourceVersion == "":
		return update.Checkpoint{}, update.Conflict("save", KindCheckpoint, update.DefaultNamespace, cp.Name, "already exists")
	case exists && cur.ResourceVersion != cp.ResourceVersion:
		return update.Checkpoint{}, update.Conflict("save", KindCheckpoint, update.DefaultNamespace, cp.Name,
			fmt.Sprintf("resourceVersion %s is stale (now %s)", cp.ResourceVersion, cur.ResourceVersion))
	}
	stored := &update.Checkpoint{Name: cp.Name, Data: slices.Clone(cp.Data), ResourceVersion: c.nextRV()}
	c.checkpoints[cp.Name] = stored
	c.record(KindCheckpoint, update.DefaultNamespace, cp.Name, "Saved", strconv.Itoa(len(cp.Data))+" bytes")
	return update.Checkpoint{Name: stored.Name, Data: slices.Clone(stored.Data), ResourceVersion: stored.ResourceVersion}, nil
}

// ---- helpers ----------------------------------------------------------------------

func sortedKeys[V any](m map[key]V) []key {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, compareKeys)
	return keys
}

// compareKeys orders keys by namespace, then name.
func compareKeys(a, b key) int {
	return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
}

func cloneClusterVersion(cv update.ClusterVersion) update.ClusterVersion {
	cv.History = slices.Clone(cv.History)
	cv.Conditions = slices.Clone(cv.Conditions)
	cv.AvailableUpdates = slices.Clone(cv.AvailableUpdates)
	cv.ConditionalUpdates = slices.Clone(cv.ConditionalUpdates)
	for i := range cv.ConditionalUpdates {
		cv.ConditionalUpdates[i].Risks = slices.Clone(cv.ConditionalUpdates[i].Risks)
	}
	cv.DesiredChannels = slices.Clone(cv.DesiredChannels)
	return cv
}

func cloneHyperConverged(hc *update.HyperConverged) *update.HyperConverged {
	cp := *hc
	s := &cp.Spec.WorkloadUpdateStrategy
	s.WorkloadUpdateMethods = cloneMethods(s.WorkloadUpdateMethods)
	if s.BatchEvictionSize != nil {
		v := *s.BatchEvictionSize
		s.BatchEvictionSize = &v
	}
	if s.BatchEvictionInterval != nil {
		v := *s.BatchEvictionInterval
		s.BatchEvictionInterval = &v
	}
	cp.Spec.EvictionStrategy = clonePtr(cp.Spec.EvictionStrategy)
	m := &cp.Spec.LiveMigrationConfig
	m.ParallelMigrationsPerCluster = clonePtr(m.ParallelMigrationsPerCluster)
	m.ParallelOutboundMigrationsPerNode = clonePtr(m.ParallelOutboundMigrationsPerNode)
	m.BandwidthPerMigration = clonePtr(m.BandwidthPerMigration)
	m.CompletionTimeoutPerGiB = clonePtr(m.CompletionTimeoutPerGiB)
	m.ProgressTimeout = clonePtr(m.ProgressTimeout)
	cp.Status.Conditions = slices.Clone(cp.Status.Conditions)
	cp.Status.Versions = slices.Clone(cp.Status.Versions)
	return &cp
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
