package fake

import (
	"slices"
	"strconv"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// updaterState is what the fake keeps about KubeVirt's workload updater.
type updaterState struct {
	planner   *workload.Planner
	tracker   *workload.Tracker // the planner's view of the VMIs and migrations, kept between passes
	lastBatch time.Time         // the last Evict batch, as the planner returned it
	lastRun   time.Time
	lastGen   int // c.workloadGen after the last pass
	next      time.Time
	stuck     map[key]bool
	plan      workload.Plan // reused between passes
	// touched are the VMIs that changed, or whose migrations did, since the
	// tracker last looked (a VMI may be there more than once).
	touched      []key
	touchedLimit int
}

// workloadUpdater plays KubeVirt's workload updater with workload's
// planner: each reconcile labels outdated VMIs, then creates the plan's
// migrations, evicts its batch, aborts and deletes what it says.
//
// The planner looks at the outdated VMIs, their migrations and the
// unfinished migrations of other VMIs (those hold migration slots): VMIs
// already on the target launcher only add to counts the fake does not
// read. A workload.Tracker keeps that view between passes, told of each
// VMI the fake changes (touch), so a pass costs what changed since the last
// one, not the size of the cluster, and plans exactly as a full pass of the
// planner over the same objects would.
type workloadUpdater struct{ c *Cluster }

func (workloadUpdater) name() string { return ControllerWorkloadUpdate }

// touch marks a VMI whose object, or one of whose migrations, changed: the
// tracker reads it again before the next pass. Every change to a VMI or a
// migration that the planner reads goes with a touch.
func (c *Cluster) touch(k key) {
	u := &c.updater
	u.touched = append(u.touched, k)
	if len(u.touched) > max(2*len(c.vmis)+1024, u.touchedLimit) {
		// The updater has not run for long (it is disabled, or waits for
		// the KubeVirt CR): keep each VMI once.
		slices.SortFunc(u.touched, compareKeys)
		u.touched = slices.Compact(u.touched)
		u.touchedLimit = 2 * len(u.touched)
	}
}

// syncTracker hands the touched VMIs and their migrations to the tracker:
// an outdated VMI and all its migrations are tracked; of the others only
// their unfinished migrations.
func (c *Cluster) syncTracker() {
	tr := c.updater.tracker
	for _, k := range c.updater.touched {
		v := c.vmis[k]
		in := v != nil && c.outdated[k]
		if in {
			tr.SetVMI(v)
		} else {
			tr.DeleteVMI(k.namespace, k.name)
		}
		for _, mk := range c.migsOf[k] {
			if m := c.migrations[mk]; in || !m.IsFinal() {
				tr.SetMigration(m)
			} else {
				tr.DeleteMigration(mk.namespace, mk.name)
			}
		}
	}
	c.updater.touched = c.updater.touched[:0]
}

func (w workloadUpdater) reconcile(now time.Time) time.Time {
	c := w.c
	u := &c.updater
	// virt-controller reads its configuration from the KubeVirt CR, which
	// HCO writes from the HyperConverged.
	if c.kv == nil || c.cnv.launcherImage == "" {
		return time.Time{}
	}
	// One pass per instant is enough: what the pass changes is seen by the
	// migration controller, and its changes wake us at their own instants.
	if u.lastRun.Equal(now) || (u.lastGen == c.workloadGen && !u.lastRun.IsZero() && (u.next.IsZero() || now.Before(u.next))) {
		return u.next // nothing it looks at changed since its last pass
	}
	u.lastRun = now

	c.syncTracker()
	settings := workload.Settings{
		Strategy:                c.kv.Spec.WorkloadUpdateStrategy,
		MigrationConfig:         c.migrationConfig(),
		ClusterEvictionStrategy: c.clusterEvictionStrategy(),
		LauncherImage:           c.cnv.launcherImage,
		LastEvictionBatch:       u.lastBatch,
		Now:                     now,
	}
	u.tracker.ReconcileInto(&u.plan, settings)
	if checkPass != nil {
		checkPass(c, settings, &u.plan)
	}
	plan := &u.plan
	u.lastBatch = plan.LastEvictionBatch

	for _, a := range plan.Migrate {
		vmi := c.vmis[key{a.Namespace, a.VMI}]
		m, err := c.createMigration(workload.NewMigration(vmi))
		if err != nil {
			// KubeVirt's updater lowers its expectations and records FailedCreate.
			u.tracker.CreateFailed(a.Namespace, a.VMI)
			if checkCreateFailed != nil {
				checkCreateFailed(c, a.Namespace, a.VMI)
			}
			c.record(KindVMI, a.Namespace, a.VMI, "FailedCreate", err.Error())
			continue
		}
		c.record(KindVMI, a.Namespace, a.VMI, "WorkloadUpdateMigration", "created migration "+m.Name+": "+a.Reason)
	}
	for _, a := range plan.Evict {
		vmi := c.vmis[key{a.Namespace, a.VMI}]
		if vmi == nil {
			continue
		}
		if err := c.evictLocked(vmi, "workload update"); err != nil {
			c.record(KindVMI, a.Namespace, a.VMI, "FailedEvict", err.Error())
		}
	}
	for _, a := range append(plan.Abort, plan.Delete...) {
		k := key{a.Namespace, a.Migration}
		if _, ok := c.migrations[k]; ok {
			c.deleteMigration(k)
			c.record(KindMigration, a.Namespace, a.Migration, "Deleted", string(a.Kind)+": "+a.Reason)
		}
	}
	if u.stuck == nil {
		u.stuck = map[key]bool{}
	}
	for _, s := range plan.Stuck {
		k := key{s.Namespace, s.Name}
		if !u.stuck[k] {
			u.stuck[k] = true
			c.record(KindVMI, s.Namespace, s.Name, "Stuck", "no more retries after "+strconv.Itoa(s.Failures)+" failed migrations")
		}
	}
	u.lastGen = c.workloadGen
	u.next = time.Time{}
	if plan.RequeueAfter > 0 {
		u.next = now.Add(plan.RequeueAfter)
	}
	// While VMIs are outdated, look again every WorkloadUpdaterInterval even
	// if nothing changes, as a resync would.
	if resync := now.Add(c.timing.WorkloadUpdaterInterval); len(c.outdated) > 0 && (u.next.IsZero() || resync.Before(u.next)) {
		u.next = resync
	}
	return u.next
}

// checkPass and checkCreateFailed, when set (by this package's tests),
// replay each pass of the workload updater on a second planner given the
// full snapshot, and fail when its plan differs from the tracker's.
var (
	checkPass         func(c *Cluster, s workload.Settings, plan *workload.Plan)
	checkCreateFailed func(c *Cluster, namespace, name string)
)

// labelOutdated keeps KubeVirt's kubevirt.io/outdatedLauncherImage label in
// step with the VMI's launcher; vmi is the stored VMI, and the count of
// labelled VMIs follows.
func (c *Cluster) labelOutdated(vmi *kubevirtv1.VirtualMachineInstance, outdated bool) {
	_, has := vmi.Labels[kubevirtv1.OutdatedLauncherImageLabel]
	switch {
	case outdated && !has:
		if vmi.Labels == nil {
			vmi.Labels = map[string]string{}
		}
		vmi.Labels[kubevirtv1.OutdatedLauncherImageLabel] = ""
		c.outdatedLabelled++
	case !outdated && has:
		delete(vmi.Labels, kubevirtv1.OutdatedLauncherImageLabel)
		c.outdatedLabelled--
	}
}

// OutdatedVMIs counts the VMIs that do not run the current launcher yet:
// running on an older one, or shut down for the update and waiting for their
// VirtualMachine to start them again. It copies nothing, so a RunUntil
// condition can call it at every step of a large simulation.
func (c *Cluster) OutdatedVMIs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.outdated) + len(c.virt.stopped)
}
