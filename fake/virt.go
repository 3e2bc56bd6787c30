package fake

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// ErrEvictionDenied is update.ErrEvictionDenied, which every refusal of
// EvictVMI wraps (see update.EvictionError), so the same errors.Is works on
// a real cluster.
var ErrEvictionDenied = update.ErrEvictionDenied

// podFault delays a VMI's migration target pods.
type podFault struct {
	until         time.Time
	unschedulable bool
}

// virtState is what the fake keeps about virt-controller beyond its objects.
type virtState struct {
	migrations     map[key]*migSim
	failMigrations map[key]int      // VMI → next n migrations fail
	podFaults      map[key]podFault // VMI → target pods held Pending
	stopped        map[key]time.Time
	evacuating     map[key]bool  // VMIs the eviction webhook marked for evacuation
	dirtyRates     map[key]int64 // VMI → bytes of memory its guest writes per second
	uids           int
	migCfg         *kubevirtv1.MigrationConfiguration // migrationConfig, cached
	migCfgOf       string                             // for this KubeVirt CR resourceVersion
	// scratch of the migration controller, reused between reconciles
	outbound map[string]int
	finished []key
	// restarts are the stopped VMIs their VirtualMachine restarts, by when;
	// recheck the stopped VMIs to look at again (just stopped, or their VMI
	// or VirtualMachine changed). The VM controller reads only these.
	restarts restartQueue
	recheck  []key
	vmKeys   []key // scratch
}

// restartQueue orders stopped VMIs by the time their VirtualMachine
// restarts them.
type restartQueue []restartAt

type restartAt struct {
	at time.Time
	k  key
}

func (q restartQueue) Len() int           { return len(q) }
func (q restartQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q restartQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *restartQueue) Push(x any)        { *q = append(*q, x.(restartAt)) }
func (q *restartQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// recheckStopped has the VM controller look again at a stopped VMI whose
// VMI or VirtualMachine changed.
func (c *Cluster) recheckStopped(k key) {
	if _, ok := c.virt.stopped[k]; ok {
		c.virt.recheck = append(c.virt.recheck, k)
	}
}

// migSim is the fake's state of one migration beyond its status.
type migSim struct {
	podCreated time.Time
	// runEnd is when the running migration ends: it completes, or
	// virt-launcher aborts it when abort says why.
	runEnd time.Time
	abort  string
	// endless: the migration neither progresses nor times out (both
	// timeouts are off), so it runs until something else ends it.
	endless     bool
	target      string
	backoffSeen bool
}

// SetDirtyRate sets how many bytes of memory the guest of the VMI writes
// per second while it runs (0, the default, for an idle guest). A live
// migration copies memory at the migration bandwidth while the guest dirties
// it again: one whose dirty rate is at least the bandwidth makes no progress
// and is aborted after progressTimeout; a slower one takes memory /
// (bandwidth − dirty rate) and is aborted when that exceeds the completion
// timeout.
func (c *Cluster) SetDirtyRate(namespace, name string, bytesPerSecond int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.virt.dirtyRates == nil {
		c.virt.dirtyRates = map[key]int64{}
	}
	c.virt.dirtyRates[key{namespace, name}] = max(bytesPerSecond, 0)
}

// FailNextMigrations makes the next n migrations of the VMI fail when they
// would have completed.
func (c *Cluster) FailNextMigrations(namespace, name string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.virt.failMigrations == nil {
		c.virt.failMigrations = map[key]int{}
	}
	c.virt.failMigrations[key{namespace, name}] = n
}

// HoldTargetPods keeps the VMI's migration target pods Pending for d from
// now — Unschedulable when unschedulable is true, Pending for another
// reason otherwise — so the pending-pod timeouts apply.
func (c *Cluster) HoldTargetPods(namespace, name string, d time.Duration, unschedulable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.virt.podFaults == nil {
		c.virt.podFaults = map[key]podFault{}
	}
	c.virt.podFaults[key{namespace, name}] = podFault{until: c.clock.Now().Add(d), unschedulable: unschedulable}
}

func (c *Cluster) runStrategyOf(k key) *kubevirtv1.VirtualMachineRunStrategy {
	vm := c.vms[k]
	if vm == nil {
		return nil
	}
	if vm.Spec.RunStrategy != nil {
		return vm.Spec.RunStrategy
	}
	if vm.Spec.Running != nil && *vm.Spec.Running {
		s := kubevirtv1.RunStrategyAlways
		return &s
	}
	s := kubevirtv1.RunStrategyHalted
	return &s
}

// evictLocked is an eviction of the VMI's launcher pod through the
// eviction API, judged by KubeVirt's pod-eviction webhook with the
// eviction strategy that applies (the VMI's, else the KubeVirt CR's). The
// caller holds c.mu. why goes into the events.
//
// The contract, for every caller (EvictVMI, the workload updater, a node
// drain):
//
//   - nil: the pod was evicted and the VMI shut down (no strategy, None,
//     LiveMigrateIfPossible on a VMI that cannot migrate), or the VMI had
//     already ended. A standalone VMI is gone; a VirtualMachine's restarts
//     by its runStrategy.
//   - an *update.EvictionError for which errors.Is(err,
//     update.ErrEvacuationStarted) holds: the pod stays. Refusal
//     EvacuationTriggered means this call marked the VMI
//     (status.evacuationNodeName); EvacuationInProgress that it was marked
//     before. Under LiveMigrate and LiveMigrateIfPossible the evacuation
//     controller then migrates the VMI off its node; under External nothing
//     in the cluster moves it, an external controller must. A drain treats
//     it as "wait until the VMI has left the node", not as blocked.
//   - an *update.EvictionError with Refusal EvictionNotMigratable:
//     LiveMigrate on a VMI that cannot migrate. Every retry gets the same
//     answer until the VMI stops or becomes migratable: a drain is blocked.
//
// Every EvictionError also wraps update.ErrEvictionDenied.
func (c *Cluster) evictLocked(vmi *kubevirtv1.VirtualMachineInstance, why string) error {
	k := keyOf(vmi)
	if vmi.IsFinal() {
		return nil // the pod has completed: the webhook lets it go
	}
	p := workload.PredictEviction(vmi, c.clusterEvictionStrategy(), c.runStrategyOf(k))
	refuse := func(r update.EvictionRefusal, msg string) error {
		return &update.EvictionError{Namespace: k.namespace, Name: k.name, Refusal: r, Message: msg}
	}
	switch p.Outcome {
	case workload.EvictionDenied:
		return refuse(update.EvictionNotMigratable, "VMI "+k.name+" is configured with an eviction strategy but is not live-migratable")
	case workload.EvictionMigrates, workload.EvictionExternal:
		msg := `Eviction triggered evacuation of VMI "` + k.namespace + "/" + k.name + `"`
		if vmi.Status.EvacuationNodeName != "" {
			return refuse(update.EvacuationInProgress, "Evacuation in progress: "+msg)
		}
		vmi.Status.EvacuationNodeName = vmi.Status.NodeName
		c.touch(k)
		c.markEvacuating(k)
		c.record(KindEviction, k.namespace, k.name, "EvacuationStarted", why+": "+p.Reason)
		return refuse(update.EvacuationTriggered, msg)
	}
	c.shutDown(vmi, why+": "+p.Reason)
	return nil
}

// shutDown ends a VMI whose launcher pod was deleted. A standalone VMI is
// deleted; a VirtualMachine's stays Succeeded until the VM controller acts.
func (c *Cluster) shutDown(vmi *kubevirtv1.VirtualMachineInstance, why string) {
	k := keyOf(vmi)
	c.stopVMI(vmi)
	if c.virt.stopped == nil {
		c.virt.stopped = map[key]time.Time{}
	}
	if c.vms[k] == nil {
		c.deleteVMI(k)
		c.record(KindVMI, k.namespace, k.name, "Deleted", "standalone VMI shut down and deleted, data on ephemeral disks lost: "+why)
		return
	}
	c.virt.stopped[k] = c.clock.Now()
	c.recheckStopped(k)
	c.record(KindVMI, k.namespace, k.name, "ShutDown", why)
}

// unfinishedMigration returns the VMI's migration that is not final, if any.
func (c *Cluster) unfinishedMigration(vmiKey key) *kubevirtv1.VirtualMachineInstanceMigration {
	for _, k := range c.migsOf[vmiKey] {
		if m := c.migrations[k]; !m.IsFinal() {
			return m
		}
	}
	return nil
}

func (c *Cluster) markEvacuating(k key) {
	if c.virt.evacuating == nil {
		c.virt.evacuating = map[key]bool{}
	}
	c.virt.evacuating[k] = true
	c.workloadChanged()
}

// ---- the migration controller -------------------------------------------------

// migrationController plays KubeVirt's evacuation and migration
// controllers: evacuation migrations for VMIs marked by the eviction
// webhook, then Pending → Scheduling → Running → Succeeded or Failed with the
// caps, the pending-pod timeouts, the retry backoff and the garbage
// collection of finalized attempts (KubeVirt's rules, from workload).
type migrationController struct{ c *Cluster }

func (migrationController) name() string { return ControllerMigration }

func (mc migrationController) reconcile(now time.Time) time.Time {
	c := mc.c
	if c.virt.migrations == nil {
		c.virt.migrations = map[key]*migSim{}
	}
	var next time.Time
	wake := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	c.evacuate()

	perCluster, perNode := workload.MigrationLimits(c.migrationConfig())
	running, outbound := 0, c.virt.outbound
	if outbound == nil {
		outbound = map[string]int{}
		c.virt.outbound = outbound
	}
	clear(outbound)
	for k := range c.activeMigs {
		if m := c.migrations[k]; m.IsRunning() {
			running++
			if vmi := c.vmis[key{m.Namespace, m.Spec.VMIName}]; vmi != nil {
				outbound[vmi.Status.NodeName]++
			}
		}
	}
	order := c.activeMigrationOrder()
	finished := c.virt.finished[:0] // VMIs whose migration ended, for the garbage collection
	timeouts := workload.PendingTimeouts{}
	backoff := workload.Backoff{}
	for _, k := range order {
		m := c.migrations[k]
		if m == nil || m.IsFinal() {
			continue
		}
		vk := key{k.namespace, m.Spec.VMIName}
		vmi := c.vmis[vk]
		sim := c.virt.migrations[k]
		if sim == nil {
			sim = &migSim{}
			c.virt.migrations[k] = sim
		}
		if vmi == nil || vmi.IsFinal() {
			c.finish(m, vmi, false, "the VMI is gone or no longer running", now)
			finished = append(finished, vk)
			continue
		}
		switch m.Status.Phase {
		case kubevirtv1.MigrationPhaseUnset:
			if other := c.owningMigration(vmi, m); other != "" {
				// KubeVirt: canMigrateVMI in processMigrationPhase.
				c.finish(m, vmi, false, "VMI is not eligible for migration because another migration job is in progress ("+other+").", now)
				finished = append(finished, vk)
				continue
			}
			c.setPhase(m, kubevirtv1.MigrationPending, now)
			c.record(KindMigration, k.namespace, k.name, "Pending", "migration of VMI "+vk.name+" accepted")
			fallthrough
		case kubevirtv1.MigrationPending:
			// KubeVirt: handleMigrationBackoff holds a Pending evacuation or
			// workload-update migration after failed ones.
			if at := backoff.HoldUntil(m, c.migrationsOf(vk)); now.Before(at) {
				if !sim.backoffSeen {
					sim.backoffSeen = true
					c.record(KindMigration, k.namespace, k.name, "MigrationBackoff", "backoff migrating vmi "+vk.namespace+"/"+vk.name+" until "+at.UTC().Format(time.RFC3339))
				}
				wake(at)
				continue
			}
			src := vmi.Status.NodeName
			if running >= perCluster || outbound[src] >= perNode {
				continue // waits for a slot; a finishing migration wakes everyone
			}
			running++
			outbound[src]++
			sim.podCreated = now
			c.setPhase(m, kubevirtv1.MigrationScheduling, now)
			c.record(KindMigration, k.namespace, k.name, "Scheduling", "target pod created for VMI "+vk.name)
			fallthrough
		case kubevirtv1.MigrationScheduling:
			fault := c.virt.podFaults[vk]
			held := now.Before(fault.until)
			target := ""
			if !held && !now.Before(sim.podCreated.Add(c.timing.TargetPodStart)) {
				target = c.pickTarget(vmi.Status.NodeName)
			}
			startAt := sim.podCreated.Add(c.timing.TargetPodStart)
			if !held && now.Before(startAt) {
				wake(startAt) // the pod is still starting
				continue
			}
			if target == "" || now.Before(startAt) {
				pod := targetPod(sim.podCreated, held && fault.unschedulable || !held && target == "")
				v := timeouts.Check(m, pod, now)
				if v.Expired {
					c.finish(m, vmi, false, v.Reason, now)
					finished = append(finished, vk)
					continue
				}
				wake(v.Deadline)
				if held {
					wake(fault.until)
				} else {
					wake(startAt)
				}
				continue
			}
			sim.target = target
			run := c.livePlan(vmi)
			sim.runEnd, sim.abort, sim.endless = now.Add(run.duration), run.abort, run.endless
			start := metav1.NewTime(now)
			vmi.Status.MigrationState = &kubevirtv1.VirtualMachineInstanceMigrationState{
				MigrationUID: m.UID, StartTimestamp: &start, SourceNode: vmi.Status.NodeName, TargetNode: target,
			}
			c.setPhase(m, kubevirtv1.MigrationRunning, now)
			c.record(KindMigration, k.namespace, k.name, "Running", "VMI "+vk.name+": "+vmi.Status.NodeName+" → "+target)
			fallthrough
		case kubevirtv1.MigrationScheduled, kubevirtv1.MigrationPreparingTarget, kubevirtv1.MigrationTargetReady, kubevirtv1.MigrationRunning:
			if sim.endless {
				continue
			}
			if now.Before(sim.runEnd) {
				wake(sim.runEnd)
				continue
			}
			if sim.abort != "" {
				c.finish(m, vmi, false, sim.abort, now)
				finished = append(finished, vk)
				continue
			}
			if c.virt.failMigrations[vk] > 0 {
				c.virt.failMigrations[vk]--
				c.finish(m, vmi, false, "live migration failed (injected)", now)
				finished = append(finished, vk)
				continue
			}
			c.finish(m, vmi, true, "", now)
			finished = append(finished, vk)
		}
	}
	// Garbage collection: keep the most recent finalized attempts of each
	// VMI whose migration just ended.
	slices.SortFunc(finished, compareKeys)
	finished = slices.Compact(finished)
	c.virt.finished = finished
	for _, vk := range finished {
		for _, old := range workload.Superseded(c.migrationsOf(vk), 0) {
			ok := key{old.Namespace, old.Name}
			c.deleteMigration(ok)
			c.record(KindMigration, ok.namespace, ok.name, "Deleted", "only the 5 most recent finalized migrations of VMI "+vk.name+" are kept")
		}
	}
	return next
}

// targetPod is the migration's target pod as the scheduler leaves it.
func targetPod(created time.Time, unschedulable bool) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
	if unschedulable {
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
	}
	return pod
}

// setPhase moves a migration to a phase; its VMI is touched, as the planner
// reads the migration (and the VMI, which callers change with it).
func (c *Cluster) setPhase(m *kubevirtv1.VirtualMachineInstanceMigration, phase kubevirtv1.VirtualMachineInstanceMigrationPhase, now time.Time) {
	c.touch(key{m.Namespace, m.Spec.VMIName})
	m.Status.Phase = phase
	t := metav1.NewTime(now)
	m.Status.PhaseTransitionTimestamps = append(m.Status.PhaseTransitionTimestamps, kubevirtv1.VirtualMachineInstanceMigrationPhaseTransitionTimestamp{Phase: phase, PhaseTransitionTimestamp: t})
}

// finish ends a migration; on success the VMI runs on its target node in a
// launcher of the current version.
func (c *Cluster) finish(m *kubevirtv1.VirtualMachineInstanceMigration, vmi *kubevirtv1.VirtualMachineInstance, ok bool, reason string, now time.Time) {
	end := metav1.NewTime(now)
	sim := c.virt.migrations[keyOf(m)]
	state := &kubevirtv1.VirtualMachineInstanceMigrationState{MigrationUID: m.UID, EndTimestamp: &end, Completed: ok, Failed: !ok, FailureReason: reason}
	if sim != nil {
		state.TargetNode = sim.target
	}
	m.Status.MigrationState = state
	delete(c.activeMigs, keyOf(m))
	c.workloadChanged()
	if !ok {
		c.setPhase(m, kubevirtv1.MigrationFailed, now)
		if vmi != nil && vmi.Status.MigrationState != nil && vmi.Status.MigrationState.MigrationUID == m.UID {
			vmi.Status.MigrationState.EndTimestamp, vmi.Status.MigrationState.Failed = &end, true
			vmi.Status.MigrationState.FailureReason = reason
		}
		c.record(KindMigration, m.Namespace, m.Name, "Failed", reason)
		return
	}
	c.setPhase(m, kubevirtv1.MigrationSucceeded, now)
	from := vmi.Status.NodeName
	c.moveVMI(vmi, sim.target)
	vmi.Status.LauncherContainerImageVersion = c.cnv.launcherImage
	vmi.Status.EvacuationNodeName = ""
	delete(c.virt.evacuating, keyOf(vmi))
	if vmi.Status.MigrationState != nil {
		vmi.Status.MigrationState.EndTimestamp, vmi.Status.MigrationState.Completed = &end, true
	}
	c.refreshOutdated(keyOf(vmi))
	c.record(KindMigration, m.Namespace, m.Name, "Succeeded", "VMI "+vmi.Name+" moved "+from+" → "+sim.target+" onto "+c.cnv.launcherImage)
}

// evacuate creates evacuation migrations for VMIs the eviction webhook
// marked, as KubeVirt's evacuation controller does.
func (c *Cluster) evacuate() {
	if len(c.virt.evacuating) == 0 {
		return
	}
	keys := slices.SortedFunc(maps.Keys(c.virt.evacuating), compareKeys)
	for _, k := range keys {
		vmi := c.vmis[k]
		if vmi == nil || vmi.Status.EvacuationNodeName == "" || vmi.Status.NodeName != vmi.Status.EvacuationNodeName || vmi.IsFinal() {
			delete(c.virt.evacuating, k)
			continue
		}
		if p := workload.PredictEviction(vmi, c.clusterEvictionStrategy(), nil); p.Outcome != workload.EvictionMigrates {
			continue // External: an external controller must act
		}
		if c.unfinishedMigration(k) != nil || !vmi.IsMigratable() {
			continue
		}
		m := workload.NewEvacuationMigration(vmi, vmi.Status.EvacuationNodeName)
		m.Namespace = k.namespace
		_, _ = c.createMigration(m) // admitted: the VMI runs, can migrate and has no migration in flight
	}
}

func nodeReadyStatus(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return true // a node that reports nothing is taken as ready
}

// owningMigration names the other migration that owns the VMI's migration
// state and is not final, "" when m may proceed (KubeVirt: canMigrateVMI).
func (c *Cluster) owningMigration(vmi *kubevirtv1.VirtualMachineInstance, m *kubevirtv1.VirtualMachineInstanceMigration) string {
	st := vmi.Status.MigrationState
	if st == nil || st.MigrationUID == "" || st.MigrationUID == m.UID {
		return ""
	}
	for _, mk := range c.migsOf[keyOf(vmi)] {
		if o := c.migrations[mk]; o.UID == st.MigrationUID && !o.IsFinal() {
			return o.Name
		}
	}
	return ""
}

// liveRun is how a live migration that starts copying now goes.
type liveRun struct {
	duration time.Duration // until it completes, or is aborted when abort is set
	abort    string
	endless  bool
}

// livePlan models KubeVirt's pre-copy live migration of the VMI and the
// convergence checks virt-launcher makes on it
// (pkg/virt-launcher/virtwrap/live-migration-source.go, the monitor without
// the experimental stall detector, post-copy and workload disruption off as
// by default):
//
//   - the migration copies at the bandwidth: the link (Timing.MigrationBandwidth),
//     or bandwidthPerMigration when that is set and lower;
//   - the guest dirties memory at its dirty rate (SetDirtyRate), so the
//     remaining data shrinks at bandwidth − dirty rate: memory takes
//     memory / (bandwidth − dirty rate), migrated disks disk / bandwidth;
//   - with a dirty rate at or above the bandwidth the remaining data never
//     shrinks: no progress, and virt-launcher aborts the migration once the
//     whole seconds without progress exceed progressTimeout;
//   - a migration still running when its whole elapsed seconds exceed
//     completionTimeoutPerGiB × (memory + migrated disks) is aborted.
//
// When both apply at once the progress check is the one that acts, as in
// virt-launcher. A zero timeout is off; with both off, a migration that
// makes no progress runs forever.
func (c *Cluster) livePlan(vmi *kubevirtv1.VirtualMachineInstance) liveRun {
	cfg := c.migrationConfig()
	rate := c.timing.MigrationBandwidth
	if bw := cfg.BandwidthPerMigration; bw != nil && bw.Value() > 0 && bw.Value() < rate {
		rate = bw.Value()
	}
	mem := vmiMemory(vmi)
	var memQ, disks resource.Quantity
	memQ.Set(mem)
	if len(vmi.Status.MigratedVolumes) > 0 {
		_, disks = workload.MigrationData(vmi)
	}
	dirty := c.virt.dirtyRates[keyOf(vmi)]
	completion := workload.CompletionTimeout(cfg, memQ, disks)
	progress := workload.ProgressTimeout(cfg)
	completionAt, progressAt := exceeded(completion), exceeded(progress)
	completionAbort := func() string {
		return fmt.Sprintf("live migration aborted by virt-launcher: not completed after %s (completionTimeoutPerGiB %d s × %s of memory and migrated disks)",
			completion, *cfg.CompletionTimeoutPerGiB, resource.NewQuantity(mem+disks.Value(), resource.BinarySI))
	}
	if dirty >= rate {
		switch {
		case progressAt > 0 && (completionAt == 0 || progressAt <= completionAt):
			return liveRun{duration: progressAt, abort: fmt.Sprintf(
				"live migration aborted by virt-launcher: no progress for more than %s (progressTimeout): the guest dirties %s/s of memory, the migration copies %s/s",
				progress, resource.NewQuantity(dirty, resource.BinarySI), resource.NewQuantity(rate, resource.BinarySI))}
		case completionAt > 0:
			return liveRun{duration: completionAt, abort: completionAbort()}
		}
		return liveRun{endless: true}
	}
	seconds := float64(mem)/float64(rate-dirty) + float64(disks.Value())/float64(rate)
	d := time.Duration(seconds * float64(time.Second))
	if completionAt > 0 && d >= completionAt {
		return liveRun{duration: completionAt, abort: completionAbort()}
	}
	return liveRun{duration: d}
}

// exceeded is when virt-launcher acts on a timeout t: once the whole
// elapsed seconds exceed it, one second past it; 0 for no timeout.
func exceeded(t time.Duration) time.Duration {
	if t <= 0 {
		return 0
	}
	return t + time.Second
}

func vmiMemory(vmi *kubevirtv1.VirtualMachineInstance) int64 {
	if q, ok := vmi.Spec.Domain.Resources.Requests[corev1.ResourceMemory]; ok {
		return q.Value()
	}
	if m := vmi.Spec.Domain.Memory; m != nil && m.Guest != nil {
		return m.Guest.Value()
	}
	return 1 << 30 // 1 GiB when the VMI does not say
}

// ---- the VM controller -------------------------------------------------------

// vmController plays KubeVirt's VM controller: a VirtualMachine whose VMI
// shut down starts a new one, on the current launcher, when its runStrategy
// says so (Always; RerunOnFailure only after a failure).
type vmController struct{ c *Cluster }

func (vmController) name() string { return ControllerVM }

// The stopped VMIs it looks at are those due for a restart and those that
// just stopped or changed (virtState.restarts and recheck), in namespace and
// name order; the others are waiting for their restart, or stay stopped.
func (v vmController) reconcile(now time.Time) time.Time {
	c := v.c
	q := &c.virt.restarts
	keys := append(c.virt.vmKeys[:0], c.virt.recheck...)
	c.virt.recheck = c.virt.recheck[:0]
	for len(*q) > 0 && !now.Before((*q)[0].at) {
		keys = append(keys, heap.Pop(q).(restartAt).k)
	}
	slices.SortFunc(keys, compareKeys)
	keys = slices.Compact(keys)
	c.virt.vmKeys = keys
	for _, k := range keys {
		stoppedAt, ok := c.virt.stopped[k]
		if !ok {
			continue
		}
		vmi := c.vmis[k]
		if vmi == nil || !vmi.IsFinal() || c.vms[k] == nil {
			delete(c.virt.stopped, k)
			continue
		}
		rs, restart := c.restarts(k, vmi)
		if !restart {
			continue
		}
		at := stoppedAt.Add(c.timing.VMRestart)
		if now.Before(at) {
			heap.Push(q, restartAt{at, k})
			continue
		}
		node := c.pickTarget("")
		fresh := vmi.DeepCopy()
		c.virt.uids++
		fresh.UID = types.UID("restarted-" + k.namespace + "-" + k.name + "-" + strconv.Itoa(c.virt.uids))
		fresh.Status = kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node,
			LauncherContainerImageVersion: c.cnv.launcherImage, Conditions: vmi.Status.Conditions}
		delete(fresh.Labels, kubevirtv1.OutdatedLauncherImageLabel)
		c.putVMI(fresh)
		delete(c.virt.stopped, k)
		c.record(KindVMI, k.namespace, k.name, "Restarted", "runStrategy "+string(*rs)+": new VMI on "+node+" with "+c.cnv.launcherImage)
	}
	// The next restart due, of a VMI still stopped and to be restarted.
	for len(*q) > 0 {
		r := (*q)[0]
		if stoppedAt, ok := c.virt.stopped[r.k]; ok && stoppedAt.Add(c.timing.VMRestart).Equal(r.at) {
			if vmi := c.vmis[r.k]; vmi != nil && vmi.IsFinal() && c.vms[r.k] != nil {
				if _, restart := c.restarts(r.k, vmi); restart {
					return r.at
				}
			}
		}
		heap.Pop(q)
	}
	return time.Time{}
}

// restarts reports whether the VirtualMachine of the stopped VMI k starts
// it again, by its runStrategy: Always, or RerunOnFailure after a failure.
func (c *Cluster) restarts(k key, vmi *kubevirtv1.VirtualMachineInstance) (*kubevirtv1.VirtualMachineRunStrategy, bool) {
	rs := c.runStrategyOf(k)
	return rs, *rs == kubevirtv1.RunStrategyAlways || (*rs == kubevirtv1.RunStrategyRerunOnFailure && vmi.Status.Phase == kubevirtv1.Failed)
}
