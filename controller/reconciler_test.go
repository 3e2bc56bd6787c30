package controller_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/window"
	"github.com/virtupdate/virtupdate/workload"
)

// snapshotOf reads the snapshot a pass plans from, independently of the
// reconciler.
func snapshotOf(t *testing.T, cl *fake.Cluster) workload.Snapshot {
	t.Helper()
	ctx := context.Background()
	hc, err := cl.GetHyperConverged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := cl.GetKubeVirt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vmis, _ := cl.ListVMIs(ctx, update.ListOptions{})
	migs, _ := cl.ListMigrations(ctx, update.ListOptions{})
	es, _ := update.ClusterEvictionStrategy(hc, kv)
	s := workload.Snapshot{Strategy: hc.Spec.WorkloadUpdateStrategy.KubeVirt(), MigrationConfig: *kv.Spec.Configuration.MigrationConfiguration,
		ClusterEvictionStrategy: &es, Now: cl.Clock().Now()}
	for i := range vmis {
		s.VMIs = append(s.VMIs, &vmis[i])
	}
	for i := range migs {
		s.Migrations = append(s.Migrations, &migs[i])
	}
	return s
}

// The reconciler does what workload's planner says, on the same snapshot:
// the migrations it creates are the plan's (KubeVirt's cap of 5 per
// cluster, at most 1 out of a node as HCO configures it: 3 on 3 workers;
// the seeded shuffle), each a client
// workload-update migration (annotated, no priority: KubeVirt's
// migration-create admitter allows spec.priority only to virt-controller),
// the first Evict batch is 2 VMIs, and RequeueAfter is the plan's next
// wake-up.
// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go sync
func TestPassFollowsThePlanner(t *testing.T) {
	cl := outdatedCluster(t)
	want := (&workload.Planner{Policy: workload.DefaultPolicy(), Seed: 7}).Reconcile(snapshotOf(t, cl))
	if len(want.Migrate) != 3 || len(want.Evict) != 2 || want.RequeueAfter <= 0 {
		t.Fatalf("the scenario no longer gives the plan this test needs: %d migrations, %d evictions, requeue %v", len(want.Migrate), len(want.Evict), want.RequeueAfter)
	}
	r, _, _ := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	res, err := r.Reconcile(context.Background(), controller.Request(""))
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != want.RequeueAfter {
		t.Errorf("RequeueAfter = %v, want the planner's %v", res.RequeueAfter, want.RequeueAfter)
	}
	var got, wantVMIs []string
	for _, m := range workloadMigrations(t, cl) {
		got = append(got, m.Namespace+"/"+m.Spec.VMIName)
		if m.Spec.Priority != nil {
			t.Errorf("migration %s has spec.priority %q: only virt-controller may set it", m.Name, *m.Spec.Priority)
		}
	}
	for _, a := range want.Migrate {
		wantVMIs = append(wantVMIs, a.Namespace+"/"+a.VMI)
	}
	slices.Sort(got)
	if !slices.Equal(got, wantVMIs) {
		t.Errorf("migrations created for %v, want the plan's %v", got, wantVMIs)
	}
	if p := r.Plan(); len(p.Evict) != 2 || p.Evict[0].VMI != want.Evict[0].VMI || p.Evict[1].VMI != want.Evict[1].VMI {
		t.Errorf("evicted %v, want the plan's %v", p.Evict, want.Evict)
	}
}

// A second pass at the same instant creates nothing more: the planner's
// creation expectations and the unfinished migrations hold each VMI.
func TestPassTwiceCreatesNoDuplicate(t *testing.T) {
	cl := outdatedCluster(t)
	r, _, _ := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	for range 2 {
		if _, err := r.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, m := range workloadMigrations(t, cl) {
		if seen[m.Spec.VMIName] {
			t.Errorf("VMI %s got a second migration", m.Spec.VMIName)
		}
		seen[m.Spec.VMIName] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d VMIs have a migration, want 3 (one out of each of the 3 workers)", len(seen))
	}
}

// The gauges after a pass are the plan's counts; in flight counts every
// unfinished migration; the ETA is NaN until a migration was observed,
// then the plan's. Each has HELP text.
func TestMetricsAfterAPass(t *testing.T) {
	cl := outdatedCluster(t)
	r, reg, _ := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	ctx := context.Background()
	if _, err := r.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		want   float64
		reason string
	}{
		{controller.MetricOutdated, 11, "every VMI is on the old launcher"},
		{controller.MetricMigrating, 0, "the planner counted before it created any migration"},
		{controller.MetricStuck, 0, "nothing failed yet"},
		{controller.MetricBlocked, 1, "prod/pinned cannot migrate and has eviction strategy LiveMigrate: it blocks drains"},
	} {
		got, help := gauge(t, reg, tt.name)
		if got != tt.want {
			t.Errorf("%s = %v, want %v: %s", tt.name, got, tt.want, tt.reason)
		}
		if help == "" {
			t.Errorf("%s has no HELP text", tt.name)
		}
	}
	if eta, _ := gauge(t, reg, controller.MetricETA); !isNaN(eta) {
		t.Errorf("%s = %v before any migration succeeded, want NaN (unknown)", controller.MetricETA, eta)
	}
	// Let migrations run and succeed, then look again.
	for range 40 {
		if err := cl.Advance(3 * time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if p := r.Plan(); p.Progress.ObservedMigrations > 0 && p.Progress.ETAKnown && p.Progress.Migrating > 0 {
			break
		}
	}
	p := r.Plan()
	if p.Progress.ObservedMigrations == 0 || !p.Progress.ETAKnown {
		t.Fatalf("no migration succeeded in 2 minutes: %+v", p.Progress)
	}
	if got, _ := gauge(t, reg, controller.MetricETA); got != p.Progress.ETA.Seconds() {
		t.Errorf("%s = %v, want the plan's %v", controller.MetricETA, got, p.Progress.ETA.Seconds())
	}
	if got, _ := gauge(t, reg, controller.MetricMigrating); got != float64(p.Progress.Migrating) || got == 0 {
		t.Errorf("%s = %v, want the plan's %d (and not 0)", controller.MetricMigrating, got, p.Progress.Migrating)
	}
	if got, _ := gauge(t, reg, controller.MetricOutdated); got != float64(p.Progress.Outdated) {
		t.Errorf("%s = %v, want the plan's %d", controller.MetricOutdated, got, p.Progress.Outdated)
	}
	unfinished := 0
	ms, _ := cl.ListMigrations(ctx, update.ListOptions{})
	for _, m := range ms {
		if !m.IsFinal() {
			unfinished++
		}
	}
	// The pass counted before it created its own: at most its new ones more.
	if got, _ := gauge(t, reg, controller.MetricMigrationsFlight); got > float64(unfinished) || got < float64(unfinished-len(p.Migrate)) {
		t.Errorf("%s = %v, want the %d unfinished migrations less the %d this pass created", controller.MetricMigrationsFlight, got, unfinished, len(p.Migrate))
	}
}

// A VMI whose migrations keep failing is stuck after DefaultStuckAfter
// failures: one Warning Event, however many passes follow; the VMI that
// blocks drains gets one Blocked Event.
func TestStuckAndBlockedEventedOnce(t *testing.T) {
	cl := outdatedCluster(t)
	r, reg, rec := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	var evs []string
	for range 200 {
		if _, err := r.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, drain(rec)...)
		if err := cl.Advance(15 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(evs, "Warning "+controller.ReasonStuck+" "); n != 1 {
		t.Errorf("%d %s Events, want 1 (prod/db-2):\n%s", n, controller.ReasonStuck, strings.Join(evs, "\n"))
	}
	if n := count(evs, "Warning "+controller.ReasonBlocked+" "); n != 1 {
		t.Errorf("%d %s Events, want 1 (prod/pinned)", n, controller.ReasonBlocked)
	}
	if got, _ := gauge(t, reg, controller.MetricStuck); got != 1 {
		t.Errorf("%s = %v, want 1", controller.MetricStuck, got)
	}
	if p := r.Plan(); len(p.Stuck) != 1 || p.Stuck[0].Name != "db-2" || p.Stuck[0].Failures != workload.DefaultStuckAfter {
		t.Errorf("stuck %+v, want prod/db-2 after %d failures", p.Stuck, workload.DefaultStuckAfter)
	}
	if n := count(evs, "Normal "+controller.ReasonSuccessfulCreate+" "); n < 7 {
		t.Errorf("%d %s Events, want one per migration created (7 VMIs and db-2's attempts)", n, controller.ReasonSuccessfulCreate)
	}
	if n := count(evs, "Normal "+controller.ReasonSuccessfulEvict+" "); n != 2 {
		t.Errorf("%d %s Events, want 2 (legacy-0, legacy-1)", n, controller.ReasonSuccessfulEvict)
	}
	if out := cl.OutdatedVMIs(); out != 2 {
		t.Errorf("%d VMIs outdated after 50 minutes, want 2 (the stuck and the pinned one)", out)
	}
}

// Outside the maintenance window nothing starts and nothing is expected
// (a later pass in the window plans the same VMIs), and RequeueAfter is
// the planner's with the same window: at most the opening.
// KubeVirt has no window; workload.Planner.Window is ours.
func TestWindowHoldsAndRequeuesAtTheOpening(t *testing.T) {
	cl := outdatedCluster(t)
	opens := cl.Clock().Now().Add(3 * time.Hour)
	gate := window.GateFunc(func(t time.Time) (bool, time.Time) { return !t.Before(opens), opens })
	r, _, _ := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()}, controller.Window{Gate: gate})
	res, err := r.Reconcile(context.Background(), reconcile.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(workloadMigrations(t, cl)); n != 0 {
		t.Errorf("%d migrations created outside the window", n)
	}
	want := (&workload.Planner{Policy: workload.DefaultPolicy(), Seed: 7, Window: gate}).Reconcile(snapshotOf(t, cl))
	if res.RequeueAfter != want.RequeueAfter || res.RequeueAfter > 3*time.Hour || res.RequeueAfter <= 0 {
		t.Errorf("RequeueAfter = %v, want the planner's %v (at most the opening, 3h)", res.RequeueAfter, want.RequeueAfter)
	}
	if p := r.Plan(); p.Held != 5 || !p.WindowOpens.Equal(opens) {
		t.Errorf("held %d until %v, want 5 (3 migrations, 2 evictions) until %v", p.Held, p.WindowOpens, opens)
	}
	if r.Plan().Held != want.Held {
		t.Errorf("held %d, the planner %d", r.Plan().Held, want.Held)
	}
	// Once open, the same VMIs go: nothing was left expected.
	if err := cl.Advance(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(workloadMigrations(t, cl)); n != 3 {
		t.Errorf("%d migrations once the window opened, want 3", n)
	}
}

// While KubeVirt is not deployed, or rolls out a new deployment, nothing
// starts; the metrics are still published.
// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go execute
func TestHoldsWhileKubeVirtIsNotDeployed(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status kubevirtv1.KubeVirtStatus
		reason string
	}{
		{"deploying", kubevirtv1.KubeVirtStatus{Phase: kubevirtv1.KubeVirtPhaseDeploying}, "virt-controller acts only in phase Deployed"},
		{"rolling out", kubevirtv1.KubeVirtStatus{Phase: kubevirtv1.KubeVirtPhaseDeployed, ObservedDeploymentID: "a", TargetDeploymentID: "b"}, "observed and target deployment differ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl := outdatedCluster(t)
			kv, err := cl.GetKubeVirt(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			kv.Status = tt.status
			cl.SetKubeVirt(kv)
			r, reg, _ := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
			if _, err := r.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(workloadMigrations(t, cl)); n != 0 {
				t.Errorf("%d migrations created: %s", n, tt.reason)
			}
			if p := r.Plan(); len(p.Evict) != 0 {
				t.Errorf("evicted %v: %s", p.Evict, tt.reason)
			}
			if got, _ := gauge(t, reg, controller.MetricOutdated); got != 11 {
				t.Errorf("%s = %v, want 11", controller.MetricOutdated, got)
			}
		})
	}
}

// A migration that cannot be created is a FailedCreate Event and an error
// (controller-runtime retries with backoff); the planner forgets it, so
// the next pass plans it again.
// KubeVirt: pkg/virt-controller/watch/workload-updater/workload-updater.go sync (FailedCreate, CreationObserved)
func TestFailedCreateIsRetried(t *testing.T) {
	cl := outdatedCluster(t)
	r, _, rec := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	cl.FailNextWrites(fake.KindMigration, 3)
	_, err := r.Pass(context.Background())
	if !errors.Is(err, update.ErrConflict) {
		t.Fatalf("err = %v, want the creations' ErrConflict", err)
	}
	if n := count(drain(rec), "Warning "+controller.ReasonFailedCreate+" "); n != 3 {
		t.Errorf("%d %s Events, want 3", n, controller.ReasonFailedCreate)
	}
	if _, err := r.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(workloadMigrations(t, cl)); n != 3 {
		t.Errorf("%d migrations after the retry, want 3", n)
	}
}

// The Evict batch clock is kept in the checkpoint before the batch is
// evicted, so a restarted reconciler does not evict a second batch before
// the interval (KubeVirt keeps it in memory: a restart evicts at once).
func TestBatchClockSurvivesARestart(t *testing.T) {
	cl := outdatedCluster(t)
	clk := controller.Clock{PassiveClock: cl.Clock()}
	first, _, _ := newReconciler(t, cl, clk)
	if _, err := first.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(first.Plan().Evict) != 2 {
		t.Fatalf("the first pass evicted %v, want a batch of 2", first.Plan().Evict)
	}
	cp, err := cl.LoadCheckpoint(context.Background(), controller.DefaultCheckpointName)
	if err != nil {
		t.Fatalf("no checkpoint after an Evict batch: %v", err)
	}
	if want := cl.Clock().Now().UTC().Format(time.RFC3339); !strings.Contains(string(cp.Data), want) {
		t.Errorf("checkpoint %s does not hold the batch time %s", cp.Data, want)
	}
	if err := cl.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	restarted, _, _ := newReconciler(t, cl, clk)
	if _, err := restarted.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ev := restarted.Plan().Evict; len(ev) != 0 {
		t.Errorf("the restarted reconciler evicted %v 10 s after the last batch, want none before 1m", ev)
	}
}

// A failed save of the batch clock evicts nothing.
func TestNoEvictionWithoutTheBatchClock(t *testing.T) {
	cl := outdatedCluster(t)
	r, _, rec := newReconciler(t, cl, controller.Clock{PassiveClock: cl.Clock()})
	cl.FailNextWrites(fake.KindCheckpoint, 1)
	if _, err := r.Pass(context.Background()); !errors.Is(err, update.ErrConflict) {
		t.Fatalf("err = %v, want the checkpoint's ErrConflict", err)
	}
	if n := count(drain(rec), "Normal "+controller.ReasonSuccessfulEvict+" "); n != 0 {
		t.Errorf("%d evictions without the batch clock saved", n)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	cl := fake.NewCluster(fake.Options{})
	reg := prometheus.NewRegistry()
	for _, tt := range []struct {
		name   string
		c      controller.Cluster
		opts   []controller.Option
		want   string
		reason string
	}{
		{"nil cluster", nil, nil, "cluster is nil", "nothing to act through"},
		{"bad method", cl, []controller.Option{controller.Methods{"Restart"}}, `"Restart"`, "only LiveMigrate and Evict exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := controller.New(tt.c, append(tt.opts, controller.Registerer{Registerer: reg})...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %s: %s", err, tt.want, tt.reason)
			}
		})
	}
	if _, err := controller.New(cl, controller.Registerer{Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := controller.New(cl, controller.Registerer{Registerer: reg}); err == nil || !strings.Contains(err.Error(), "Registerer") {
		t.Errorf("a second reconciler on one registry: err = %v, want one saying to give each its own Registerer", err)
	}
}
