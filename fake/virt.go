package fake

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// ErrEvictionDenied is returned (wrapped) by EvictVMI when KubeVirt's
// eviction webhook refuses the eviction for good: eviction strategy
// LiveMigrate on a VMI that cannot migrate, or External. It is
// update.ErrEvictionDenied, so the same errors.Is works on a real cluster.
var ErrEvictionDenied = update.ErrEvictionDenied

// podFault delays a VMI's migration target pods.
type podFault struct {
	until         time.Time
	unschedulable bool
}

// virtState is what the fake keeps about virt-controller beyond its objects.
type virtState struct {
	clusterEviction *kubevirtv1.EvictionStrategy
	migrations      map[key]*migSim
	failMigrations  map[key]int      // VMI → next n migrations fail
	podFaults       map[key]podFault // VMI → target pods held Pending
	stopped         map[key]time.Time
	evacuating      map[key]bool // VMIs the eviction webhook marked for evacuation
	uids            int
}

// migSim is the fake's state of one migration beyond its status.
type migSim struct {
	podCreated  time.Time
	runEnd      time.Time
	target      string
	backoffSeen bool
}

// SetClusterEvictionStrategy sets the cluster-wide eviction strategy that
// applies to VMIs without their own (nil: KubeVirt's default, None).
func (c *Cluster) SetClusterEvictionStrategy(s *kubevirtv1.EvictionStrategy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.virt.clusterEviction = clonePtr(s)
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

// evictLocked is KubeVirt's eviction webhook acting on the eviction of a
// VMI's launcher pod. The caller holds c.mu.
func (c *Cluster) evictLocked(vmi *kubevirtv1.VirtualMachineInstance, why string) error {
	k := keyOf(vmi)
	if vmi.IsFinal() {
		return nil
	}
	if vmi.Status.EvacuationNodeName != "" {
		return nil // "Evacuation in progress": the VMI is already moving
	}
	p := workload.PredictEviction(vmi, c.virt.clusterEviction, c.runStrategyOf(k))
	switch p.Outcome {
	case workload.EvictionMigrates:
		vmi.Status.EvacuationNodeName = vmi.Status.NodeName
		c.markEvacuating(k)
		c.record(KindEviction, k.namespace, k.name, "EvacuationStarted", why+": "+p.Reason)
		return nil
	case workload.EvictionDenied, workload.EvictionExternal:
		if p.Outcome == workload.EvictionExternal && vmi.Status.EvacuationNodeName == "" {
			vmi.Status.EvacuationNodeName = vmi.Status.NodeName
			c.workloadChanged()
		}
		return &update.ObjectError{Op: "evict", Kind: KindVMI, Namespace: k.namespace, Name: k.name, Err: errors.Join(ErrEvictionDenied, errors.New(p.Reason))}
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
	running, outbound := 0, map[string]int{}
	for k := range c.activeMigs {
		if m := c.migrations[k]; m.IsRunning() {
			running++
			if vmi := c.vmis[key{m.Namespace, m.Spec.VMIName}]; vmi != nil {
				outbound[vmi.Status.NodeName]++
			}
		}
	}
	order := c.activeMigrationOrder()
	var load nodeLoad // computed when a migration first needs a target
	finished := map[key]bool{}
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
			finished[vk] = true
			continue
		}
		switch m.Status.Phase {
		case kubevirtv1.MigrationPhaseUnset:
			setPhase(m, kubevirtv1.MigrationPending, now)
			c.record(KindMigration, k.namespace, k.name, "Pending", "migration of VMI "+vk.name+" accepted")
			fallthrough
		case kubevirtv1.MigrationPending:
			if eligibleForBackoff(m) {
				others := slices.DeleteFunc(c.migrationsOf(vk), func(o *kubevirtv1.VirtualMachineInstanceMigration) bool { return o == m })
				if at := backoff.NextAttempt(others); now.Before(at) {
					if !sim.backoffSeen {
						sim.backoffSeen = true
						c.record(KindMigration, k.namespace, k.name, "MigrationBackoff", "backoff migrating vmi "+vk.namespace+"/"+vk.name+" until "+at.UTC().Format(time.RFC3339))
					}
					wake(at)
					continue
				}
			}
			src := vmi.Status.NodeName
			if running >= perCluster || outbound[src] >= perNode {
				continue // waits for a slot; a finishing migration wakes everyone
			}
			running++
			outbound[src]++
			sim.podCreated = now
			setPhase(m, kubevirtv1.MigrationScheduling, now)
			c.record(KindMigration, k.namespace, k.name, "Scheduling", "target pod created for VMI "+vk.name)
			fallthrough
		case kubevirtv1.MigrationScheduling:
			fault := c.virt.podFaults[vk]
			held := now.Before(fault.until)
			target := ""
			if !held && !now.Before(sim.podCreated.Add(c.timing.TargetPodStart)) {
				if load == nil {
					load = c.nodeLoad()
				}
				target = c.pickTarget(vmi, load)
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
					finished[vk] = true
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
			sim.runEnd = now.Add(c.migrationDuration(vmi))
			start := metav1.NewTime(now)
			vmi.Status.MigrationState = &kubevirtv1.VirtualMachineInstanceMigrationState{
				MigrationUID: m.UID, StartTimestamp: &start, SourceNode: vmi.Status.NodeName, TargetNode: target,
			}
			setPhase(m, kubevirtv1.MigrationRunning, now)
			c.record(KindMigration, k.namespace, k.name, "Running", "VMI "+vk.name+": "+vmi.Status.NodeName+" → "+target)
			fallthrough
		case kubevirtv1.MigrationScheduled, kubevirtv1.MigrationPreparingTarget, kubevirtv1.MigrationTargetReady, kubevirtv1.MigrationRunning:
			if now.Before(sim.runEnd) {
				wake(sim.runEnd)
				continue
			}
			if c.virt.failMigrations[vk] > 0 {
				c.virt.failMigrations[vk]--
				c.finish(m, vmi, false, "live migration failed (injected)", now)
				finished[vk] = true
				continue
			}
			c.finish(m, vmi, true, "", now)
			finished[vk] = true
		}
	}
	// Garbage collection: keep the most recent finalized attempts of each
	// VMI whose migration just ended.
	for _, vk := range slices.SortedFunc(maps.Keys(finished), compareKeys) {
		for _, old := range workload.Superseded(c.migrationsOf(vk), 0) {
			ok := key{old.Namespace, old.Name}
			c.deleteMigration(ok)
			c.record(KindMigration, ok.namespace, ok.name, "Deleted", "only the 5 most recent finalized migrations of VMI "+vk.name+" are kept")
		}
	}
	return next
}

func eligibleForBackoff(m *kubevirtv1.VirtualMachineInstanceMigration) bool {
	_, wu := m.Annotations[kubevirtv1.WorkloadUpdateMigrationAnnotation]
	_, ev := m.Annotations[kubevirtv1.EvacuationMigrationAnnotation]
	return wu || ev
}

// targetPod is the migration's target pod as the scheduler leaves it.
func targetPod(created time.Time, unschedulable bool) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
	if unschedulable {
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
	}
	return pod
}

func setPhase(m *kubevirtv1.VirtualMachineInstanceMigration, phase kubevirtv1.VirtualMachineInstanceMigrationPhase, now time.Time) {
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
		setPhase(m, kubevirtv1.MigrationFailed, now)
		if vmi != nil && vmi.Status.MigrationState != nil && vmi.Status.MigrationState.MigrationUID == m.UID {
			vmi.Status.MigrationState.EndTimestamp, vmi.Status.MigrationState.Failed = &end, true
			vmi.Status.MigrationState.FailureReason = reason
		}
		c.record(KindMigration, m.Namespace, m.Name, "Failed", reason)
		return
	}
	setPhase(m, kubevirtv1.MigrationSucceeded, now)
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
		if p := workload.PredictEviction(vmi, c.virt.clusterEviction, nil); p.Outcome != workload.EvictionMigrates {
			continue // External: an external controller must act
		}
		if c.unfinishedMigration(k) != nil {
			continue
		}
		m := &kubevirtv1.VirtualMachineInstanceMigration{
			ObjectMeta: metav1.ObjectMeta{Namespace: k.namespace, GenerateName: "kubevirt-evacuation-",
				Annotations: map[string]string{kubevirtv1.EvacuationMigrationAnnotation: vmi.Status.EvacuationNodeName}},
			Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: k.name},
		}
		_, _ = c.createMigration(m) // cannot conflict: the name is generated
	}
}

// pickTarget chooses the node a migration lands on: a ready, schedulable
// node other than the source, the one with the fewest running VMIs, then
// by name. "" when there is none.
func (c *Cluster) pickTarget(vmi *kubevirtv1.VirtualMachineInstance, load nodeLoad) string {
	best := ""
	for _, name := range c.sortedNodeNames() {
		n := c.nodes[name]
		if name == vmi.Status.NodeName || n.Spec.Unschedulable || c.nodePool[name] == "master" || !nodeReadyStatus(n) {
			continue
		}
		if best == "" || load[name] < load[best] {
			best = name
		}
	}
	return best
}

func nodeReadyStatus(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return true // a node that reports nothing is taken as ready
}

// migrationDuration is the VMI's memory at the configured bandwidth.
func (c *Cluster) migrationDuration(vmi *kubevirtv1.VirtualMachineInstance) time.Duration {
	mem := vmiMemory(vmi)
	return time.Duration(float64(mem) / float64(c.timing.MigrationBandwidth) * float64(time.Second))
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

// migrationConfig is the live migration configuration HCO passes to
// KubeVirt, with HCO's defaults.
func (c *Cluster) migrationConfig() kubevirtv1.MigrationConfiguration {
	var cfg kubevirtv1.MigrationConfiguration
	if c.hco == nil {
		return cfg
	}
	lm := c.hco.Spec.LiveMigrationConfig
	perCluster, perNode := uint32(5), uint32(1) // HCO's defaults since 1.19
	if lm.ParallelMigrationsPerCluster != nil {
		perCluster = *lm.ParallelMigrationsPerCluster
	}
	if lm.ParallelOutboundMigrationsPerNode != nil {
		perNode = *lm.ParallelOutboundMigrationsPerNode
	}
	cfg.ParallelMigrationsPerCluster, cfg.ParallelOutboundMigrationsPerNode = &perCluster, &perNode
	return cfg
}

// ---- the VM controller -------------------------------------------------------

// vmController plays KubeVirt's VM controller: a VirtualMachine whose VMI
// shut down starts a new one, on the current launcher, when its runStrategy
// says so (Always; RerunOnFailure only after a failure).
type vmController struct{ c *Cluster }

func (vmController) name() string { return ControllerVM }

func (v vmController) reconcile(now time.Time) time.Time {
	c := v.c
	var next time.Time
	var load nodeLoad
	for _, k := range slices.SortedFunc(maps.Keys(c.virt.stopped), compareKeys) {
		vmi := c.vmis[k]
		if vmi == nil || !vmi.IsFinal() || c.vms[k] == nil {
			delete(c.virt.stopped, k)
			continue
		}
		rs := c.runStrategyOf(k)
		restart := *rs == kubevirtv1.RunStrategyAlways || (*rs == kubevirtv1.RunStrategyRerunOnFailure && vmi.Status.Phase == kubevirtv1.Failed)
		if !restart {
			continue
		}
		at := c.virt.stopped[k].Add(c.timing.VMRestart)
		if now.Before(at) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		if load == nil {
			load = c.nodeLoad()
		}
		node := c.pickTarget(&kubevirtv1.VirtualMachineInstance{}, load)
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
	return next
}
