package fake

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// Every test of this package checks what the fake keeps indexed between
// reconciles against a full computation. Every pass of the workload updater:
// a second planner, with the same policy and seed, plans from the full
// snapshot the updater's tracker stands for (the outdated VMIs sorted by
// namespace and name, their migrations, the unfinished migrations of the
// others), and its actions, stuck VMIs, batch clock and requeue must equal
// the tracker's. A difference panics, naming the instant and the diff.
// Every reconcile the idle MCO skips is run and must change nothing; every
// target node picked from the index must be the one a scan of the nodes
// picks. The benchmarks switch the checks off (withoutPassCheck).
func init() {
	checkPass = checkUpdaterPass
	checkIdleMCO = checkIdleReconcile
	checkIdleHCO = checkIdleHCOReconcile
	checkPickTarget = func(c *Cluster, source, picked string) {
		if want := c.targetsByScan(source); picked != want {
			panic(fmt.Sprintf("at %s the target index picked node %q (source %q), a scan of the nodes picks %q", c.clock.Now(), picked, source, want))
		}
	}
	checkCreateFailed = func(c *Cluster, namespace, name string) {
		if r := referenceOf(c); r != nil {
			r.planner.CreateFailed(namespace, name)
		}
	}
}

type referencePlanner struct {
	planner *workload.Planner
	plan    workload.Plan
	passes  int
}

var references sync.Map // *Cluster → *referencePlanner

func referenceOf(c *Cluster) *referencePlanner {
	r, _ := references.Load(c)
	ref, _ := r.(*referencePlanner)
	return ref
}

func checkUpdaterPass(c *Cluster, s workload.Settings, got *workload.Plan) {
	ref := referenceOf(c)
	if ref == nil {
		p := c.updater.planner
		ref = &referencePlanner{planner: &workload.Planner{Policy: p.Policy, Seed: p.Seed, Clock: p.Clock, Strategy: p.Strategy, Admission: p.Admission, Window: p.Window}}
		references.Store(c, ref)
	}
	snap := workload.Snapshot{Strategy: s.Strategy, MigrationConfig: s.MigrationConfig, ClusterEvictionStrategy: s.ClusterEvictionStrategy,
		LauncherImage: s.LauncherImage, LastEvictionBatch: s.LastEvictionBatch, Now: s.Now}
	for _, k := range slices.SortedFunc(maps.Keys(c.outdated), compareKeys) {
		snap.VMIs = append(snap.VMIs, c.vmis[k])
		for _, mk := range c.migsOf[k] {
			snap.Migrations = append(snap.Migrations, c.migrations[mk])
		}
	}
	for _, mk := range slices.SortedFunc(maps.Keys(c.activeMigs), compareKeys) {
		if m := c.migrations[mk]; !c.outdated[key{m.Namespace, m.Spec.VMIName}] {
			snap.Migrations = append(snap.Migrations, m)
		}
	}
	ref.planner.ReconcileInto(&ref.plan, snap)
	ref.passes++
	want := actionsOf(&ref.plan)
	if d := cmp.Diff(want, actionsOf(got)); d != "" {
		panic(fmt.Sprintf("workload updater pass %d at %s: the tracker's plan differs from a full pass of the planner (-full +tracker):\n%s",
			ref.passes, s.Now.Format("2006-01-02T15:04:05.999999999Z07:00"), d))
	}
	if ref.planner.Expecting() != c.updater.planner.Expecting() {
		panic(fmt.Sprintf("workload updater pass %d at %s: %d creation expectations, the full pass has %d",
			ref.passes, s.Now, c.updater.planner.Expecting(), ref.planner.Expecting()))
	}
}

// actionsOf is what the tracker's plan carries.
func actionsOf(p *workload.Plan) workload.Plan {
	return workload.Plan{Migrate: p.Migrate, Evict: p.Evict, Abort: p.Abort, Delete: p.Delete, Stuck: p.Stuck,
		LastEvictionBatch: p.LastEvictionBatch, RequeueAfter: p.RequeueAfter}
}

// targetsByScan is pickTarget's rule read from every node object and the
// load of every node: what the target index must agree with.
func (c *Cluster) targetsByScan(source string) string {
	best := ""
	for _, name := range slices.Sorted(maps.Keys(c.nodes)) {
		n := c.nodes[name]
		if name == source || n.Spec.Unschedulable || c.nodePool[name] == "master" || !nodeReadyStatus(n) {
			continue
		}
		if best == "" || c.load[name] < c.load[best] {
			best = name
		}
	}
	return best
}

// checkIdleReconcile runs around a reconcile of the MCO that an idle MCO
// would have skipped, and panics when it changed anything: an event, a
// node, a pool, a node's update state, the platform generation.
func checkIdleReconcile(c *Cluster) func() {
	events, gen := len(c.events), c.platformGen
	nodes := map[string]*corev1.Node{}
	for name, n := range c.nodes {
		nodes[name] = n.DeepCopy()
	}
	pools := map[string]update.MachineConfigPool{}
	for name, p := range c.pools {
		cp := *p
		cp.Conditions = slices.Clone(p.Conditions)
		pools[name] = cp
	}
	sims := map[string]nodeSim{}
	for name, s := range c.mco.nodes {
		sims[name] = *s
	}
	return func() {
		var changed []string
		if len(c.events) != events {
			changed = append(changed, fmt.Sprintf("events %v", c.events[events:]))
		}
		if c.platformGen != gen {
			changed = append(changed, "the platform generation")
		}
		for name, n := range c.nodes {
			if d := cmp.Diff(nodes[name], n); d != "" {
				changed = append(changed, "node "+name+": "+d)
			}
		}
		for name, p := range c.pools {
			if d := cmp.Diff(pools[name], *p); d != "" {
				changed = append(changed, "pool "+name+": "+d)
			}
		}
		for name, s := range c.mco.nodes {
			if old, ok := sims[name]; !ok || old.phase != s.phase || old.config != s.config || old.rebootDone != s.rebootDone || old.failBoot != s.failBoot {
				changed = append(changed, "the update state of node "+name)
			}
		}
		if len(changed) > 0 {
			panic(fmt.Sprintf("at %s the MCO skipped a reconcile that changes %v", c.clock.Now(), changed))
		}
	}
}

// checkIdleHCOReconcile runs around a reconcile of HCO that an idle HCO
// would have skipped, and panics when it changed anything: an event, the
// HyperConverged, the KubeVirt CR, what HCO reports to OLM, the launcher
// image.
func checkIdleHCOReconcile(c *Cluster) func() {
	events := len(c.events)
	var hc *update.HyperConverged
	if c.hco != nil {
		hc = cloneHyperConverged(c.hco)
	}
	kv := c.kv.DeepCopy()
	upgradeable, launcher := c.cnv.operatorUpgradeable, c.cnv.launcherImage
	return func() {
		var changed []string
		if len(c.events) != events {
			changed = append(changed, fmt.Sprintf("events %v", c.events[events:]))
		}
		if d := cmp.Diff(hc, c.hco); d != "" {
			changed = append(changed, "the HyperConverged: "+d)
		}
		if d := cmp.Diff(kv, c.kv); d != "" {
			changed = append(changed, "the KubeVirt CR: "+d)
		}
		if d := cmp.Diff(upgradeable, c.cnv.operatorUpgradeable); d != "" || launcher != c.cnv.launcherImage {
			changed = append(changed, "HCO's Upgradeable condition or the launcher image")
		}
		if len(changed) > 0 {
			panic(fmt.Sprintf("at %s HCO skipped a reconcile that changes %v", c.clock.Now(), changed))
		}
	}
}

// withoutPassCheck switches the checks off until the returned function
// runs.
func withoutPassCheck() (restore func()) {
	pass, failed, mco, hco, pick := checkPass, checkCreateFailed, checkIdleMCO, checkIdleHCO, checkPickTarget
	checkPass, checkCreateFailed, checkIdleMCO, checkIdleHCO, checkPickTarget = nil, nil, nil, nil, nil
	return func() {
		checkPass, checkCreateFailed, checkIdleMCO, checkIdleHCO, checkPickTarget = pass, failed, mco, hco, pick
	}
}

// The check runs: a rollout's passes are replayed, and a tracker that
// planned differently would be caught.
func TestUpdaterPassesAreChecked(t *testing.T) {
	c := zstreamCluster(t, 3, 30, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
	done, err := c.RunUntil(allUpdated(c), 6*time.Hour)
	if err != nil || !done {
		t.Fatalf("the rollout did not finish: %v %v", done, err)
	}
	ref := referenceOf(c)
	if ref == nil || ref.passes < 10 {
		t.Fatalf("the updater's passes were not checked: %+v", ref)
	}
	// A plan the full pass would not make is reported.
	wrong := workload.Plan{Migrate: []workload.Action{{Kind: workload.ActionMigrate, Namespace: "ns", VMI: "nobody"}}}
	defer func() {
		if recover() == nil {
			t.Error("a tracker plan that differs from the full pass was not reported")
		}
	}()
	checkUpdaterPass(c, workload.Settings{Strategy: c.kv.Spec.WorkloadUpdateStrategy, LauncherImage: c.cnv.launcherImage, Now: c.clock.Now().Add(time.Hour)}, &wrong)
}
