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
	lastBatch time.Time // the last Evict batch, as the planner returned it
	lastRun   time.Time
	lastGen   int // c.workloadGen after the last pass
	next      time.Time
	stuck     map[key]bool
	plan      workload.Plan // reused between passes
	snap      workload.Snapshot
}

// workloadUpdater plays KubeVirt's workload updater with workload's
// planner: each reconcile labels outdated VMIs, then creates the plan's
// migrations, evicts its batch, aborts and deletes what it says.
type workloadUpdater struct{ c *Cluster }

func (workloadUpdater) name() string { return ControllerWorkloadUpdate }

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

	vmiKeys := c.sortedOutdatedKeys()
	snap := &u.snap
	*snap = workload.Snapshot{
		VMIs:                    snap.VMIs[:0],
		Migrations:              snap.Migrations[:0],
		Strategy:                c.kv.Spec.WorkloadUpdateStrategy,
		MigrationConfig:         c.migrationConfig(),
		ClusterEvictionStrategy: c.clusterEvictionStrategy(),
		LauncherImage:           c.cnv.launcherImage,
		LastEvictionBatch:       u.lastBatch,
		Now:                     now,
	}
	// The planner acts only on outdated VMIs: give it those, and the
	// migrations that count against the caps or carry their history. VMIs
	// already on the target launcher only add to counts the fake does not
	// read, and leaving them out keeps a pass proportional to the work left.
	for _, k := range vmiKeys {
		snap.VMIs = append(snap.VMIs, c.vmis[k])
		for _, mk := range c.migsOf[k] {
			snap.Migrations = append(snap.Migrations, c.migrations[mk])
		}
	}
	others := make([]key, 0, len(c.activeMigs))
	for mk := range c.activeMigs {
		if m := c.migrations[mk]; !c.outdated[key{m.Namespace, m.Spec.VMIName}] {
			others = append(others, mk)
		}
	}
	slices.SortFunc(others, compareKeys)
	for _, mk := range others {
		snap.Migrations = append(snap.Migrations, c.migrations[mk])
	}
	u.planner.ReconcileInto(&u.plan, *snap)
	plan := &u.plan
	u.lastBatch = plan.LastEvictionBatch

	for _, a := range plan.Migrate {
		vmi := c.vmis[key{a.Namespace, a.VMI}]
		m, err := c.createMigration(workload.NewMigration(vmi))
		if err != nil {
			// KubeVirt's updater lowers its expectations and records FailedCreate.
			u.planner.CreateFailed(a.Namespace, a.VMI)
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

// labelOutdated keeps KubeVirt's kubevirt.io/outdatedLauncherImage label in
// step with the VMI's launcher.
func labelOutdated(vmi *kubevirtv1.VirtualMachineInstance, outdated bool) {
	_, has := vmi.Labels[kubevirtv1.OutdatedLauncherImageLabel]
	switch {
	case outdated && !has:
		if vmi.Labels == nil {
			vmi.Labels = map[string]string{}
		}
		vmi.Labels[kubevirtv1.OutdatedLauncherImageLabel] = ""
	case !outdated && has:
		delete(vmi.Labels, kubevirtv1.OutdatedLauncherImageLabel)
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
