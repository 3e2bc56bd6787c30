package fake_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// manualScenario: OLM offers CNV 4.14.4 to a Subscription with Manual
// approval, so its InstallPlan waits for someone to approve it.
const manualScenario = `
seed: 3
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, approval: Manual, catalog: [4.14.4]}
nodes: [{name: "worker-{i}", count: 2}]
vms: [{namespace: prod, name: "db-{i}", count: 2, memory: 1Gi}]
`

func manualCluster(t *testing.T) *fake.Cluster {
	t.Helper()
	s, err := fake.ParseScenario([]byte(manualScenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// approver approves every InstallPlan of the CNV namespace waiting for
// approval, through the OLM port only, and counts what it saw.
type approver struct {
	calls    int
	approved []string
	// sawPlanFirst is set when the first call already saw the
	// InstallPlan OLM created at the same instant.
	sawPlanFirst bool
}

func (a *approver) Name() string { return "auto-approver" }

func (a *approver) Reconcile(ctx context.Context, c update.Cluster, _ time.Time) (time.Duration, error) {
	a.calls++
	plans, err := c.ListInstallPlans(ctx, update.DefaultNamespace)
	if err != nil {
		return 0, err
	}
	if a.calls == 1 {
		a.sawPlanFirst = len(plans) > 0
	}
	for _, p := range plans {
		if p.Approval == update.ApprovalManual && !p.Approved {
			if err := c.ApproveInstallPlan(ctx, p.Namespace, p.Name); err != nil {
				return 0, err
			}
			a.approved = append(a.approved, p.Name)
		}
	}
	return 0, nil
}

var _ fake.Controller = (*approver)(nil)

func cnvVersion(t *testing.T, c *fake.Cluster) string {
	t.Helper()
	hc, err := c.GetHyperConverged(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return hc.Status.OperatorVersion()
}

// A registered controller runs inside the event loop, through the ports:
// it approves the Manual InstallPlan at the instant OLM creates it (it runs
// after the fake's own controllers in the same round), and OLM installs
// the new version. Without it the InstallPlan waits.
// OLM: pkg/controller/operators/catalog/operator.go (a Manual InstallPlan
// stays RequiresApproval until spec.approved is set).
func TestRegisteredControllerApprovesInstallPlans(t *testing.T) {
	ctx := context.Background()

	without := manualCluster(t)
	if err := without.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	plans, _ := without.ListInstallPlans(ctx, update.DefaultNamespace)
	if len(plans) != 1 || plans[0].Phase != update.InstallPlanRequiresApproval || cnvVersion(t, without) != "4.14.3" {
		t.Fatalf("without an approver the InstallPlan must wait: %+v, CNV %s", plans, cnvVersion(t, without))
	}

	c := manualCluster(t)
	a := &approver{}
	if err := c.Register(a); err != nil {
		t.Fatal(err)
	}
	done, err := c.RunUntil(func() bool { return cnvVersion(t, c) == "4.14.4" }, time.Hour)
	if err != nil || !done {
		t.Fatalf("RunUntil = %v, %v; want CNV 4.14.4 installed", done, err)
	}
	if !a.sawPlanFirst {
		t.Error("the registered controller's first run must see the InstallPlan OLM created in the same round: it runs after the fake's controllers")
	}
	if len(a.approved) != 1 {
		t.Fatalf("approved %v, want the one InstallPlan once", a.approved)
	}
	var created, approved time.Time
	var createdAt, approvedAt int
	for i, e := range c.Events() {
		if e.Kind != fake.KindInstallPlan {
			continue
		}
		switch e.Reason {
		case "Created":
			created, createdAt = e.Time, i
		case "Approved":
			approved, approvedAt = e.Time, i
		}
	}
	if !approved.Equal(created) || approvedAt <= createdAt {
		t.Errorf("the approval (%s, event %d) must follow the creation (%s, event %d) at the same instant", approved, approvedAt, created, createdAt)
	}
}

// recorder records when it ran; after asks it to run again on its own.
type recorder struct {
	name  string
	after time.Duration
	log   *[]string
	times []time.Duration
	start time.Time
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Reconcile(_ context.Context, _ update.Cluster, now time.Time) (time.Duration, error) {
	*r.log = append(*r.log, r.name)
	r.times = append(r.times, now.Sub(r.start))
	return r.after, nil
}

// Registered controllers run in registration order, and one that asks to
// run again after d runs at every d even when nothing changes; one that
// returns 0 runs only when something may have changed.
func TestRegisteredControllersOrderAndResync(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	start := c.Clock().Now()
	var log []string
	first := &recorder{name: "first", after: time.Hour, log: &log, start: start}
	second := &recorder{name: "second", log: &log, start: start}
	for _, r := range []*recorder{first, second} {
		if err := c.Register(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Advance(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, time.Hour, 2 * time.Hour, 3 * time.Hour}; !reflect.DeepEqual(first.times, want) {
		t.Errorf("first ran at %v, want %v (every hour)", first.times, want)
	}
	if want := []time.Duration{0}; !reflect.DeepEqual(second.times, want) {
		t.Errorf("second ran at %v, want %v: nothing changed after the start of Advance", second.times, want)
	}
	if log[0] != "first" || log[1] != "second" {
		t.Errorf("order %v: registration order", log)
	}
	c.Disable("first")
	if err := c.Advance(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(first.times) != 4 {
		t.Errorf("a disabled controller ran: %v", first.times)
	}
}

func TestRegisterRefusesBadControllers(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	noop := func(context.Context, update.Cluster, time.Time) (time.Duration, error) { return 0, nil }
	if err := c.Register(fake.NewController("mine", noop)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		reason string
		ctrl   fake.Controller
	}{
		{"nil", nil},
		{"no name", fake.NewController("", noop)},
		{"a built-in controller's name", fake.NewController(fake.ControllerOLM, noop)},
		{"registered twice", fake.NewController("mine", noop)},
	} {
		if err := c.Register(tc.ctrl); !errors.Is(err, fake.ErrController) {
			t.Errorf("%s: Register = %v, want ErrController", tc.reason, err)
		}
	}
}

// A controller's error stops the fake's time and names the controller.
func TestRegisteredControllerErrorStopsTime(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	boom := errors.New("boom")
	if err := c.Register(fake.NewController("failing", func(context.Context, update.Cluster, time.Time) (time.Duration, error) {
		return 0, boom
	})); err != nil {
		t.Fatal(err)
	}
	start := c.Clock().Now()
	err := c.Advance(time.Hour)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"failing"`) {
		t.Fatalf("Advance = %v, want the controller's error naming it", err)
	}
	if got := c.Clock().Now(); !got.Equal(start) {
		t.Errorf("time moved to %s despite the error", got)
	}
}

// maxInFlight watches migrations through the ports during a run: those
// past Pending, which virt-controller's cap holds back.
type maxInFlight struct{ max, calls int }

func (m *maxInFlight) Name() string { return "migration-watcher" }

func (m *maxInFlight) Reconcile(ctx context.Context, c update.Cluster, _ time.Time) (time.Duration, error) {
	m.calls++
	migs, err := c.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, mig := range migs {
		if !mig.IsFinal() && mig.Status.Phase != "" && mig.Status.Phase != kubevirtv1.MigrationPending {
			n++
		}
	}
	m.max = max(m.max, n)
	return 0, nil
}

const runScenario = `
seed: 2
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate]}}
nodes: [{name: "worker-{i}", count: 4}]
vms: [{namespace: prod, name: "db-{i}", count: 12, memory: 2Gi}]
`

func runZStream(t *testing.T, configure func(c *fake.Cluster) update.Waiter) (*fake.Cluster, update.Result) {
	t.Helper()
	s, err := fake.ParseScenario([]byte(runScenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: s.ClusterVersion.Version, CNV: s.CNV.Version}, CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	res, err := update.Run(context.Background(), c, plan, update.Options{Clock: c.Clock(), Waiter: configure(c)})
	if err != nil {
		t.Fatalf("update.Run: %v", err)
	}
	return c, res
}

// The cluster is the runner's Waiter: update.Run on it runs to completion
// with the same timeline as a Waiter that calls Advance, and a registered
// controller sees the run through the ports (here: never more migrations
// in flight than HCO's default parallelMigrationsPerCluster, 5, the cap
// virt-controller's migration controller holds).
// KubeVirt: pkg/virt-controller/watch/migration/migration.go (migrations
// over parallelMigrationsPerCluster stay Pending).
// HCO: api/v1beta1/hyperconverged_types.go (liveMigrationConfig default
// parallelMigrationsPerCluster: 5).
func TestClusterIsTheRunnersWaiter(t *testing.T) {
	byAdvance, resA := runZStream(t, func(c *fake.Cluster) update.Waiter {
		return update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) })
	})
	watcher := &maxInFlight{}
	byWait, resW := runZStream(t, func(c *fake.Cluster) update.Waiter {
		if err := c.Register(watcher); err != nil {
			t.Fatal(err)
		}
		return c
	})
	if !resW.Record.Done || byWait.OutdatedVMIs() != 0 || cnvVersion(t, byWait) != "4.14.4" {
		t.Fatalf("the run did not finish: done %v, %d VMIs outdated, CNV %s", resW.Record.Done, byWait.OutdatedVMIs(), cnvVersion(t, byWait))
	}
	if d1, d2 := resA.Finished.Sub(resA.Started), resW.Finished.Sub(resW.Started); d1 != d2 {
		t.Errorf("the run took %s with Wait, %s with Advance", d2, d1)
	}
	if !reflect.DeepEqual(byAdvance.Events(), byWait.Events()) {
		t.Error("a read-only registered controller and Wait changed the cluster's timeline")
	}
	if watcher.calls == 0 || watcher.max == 0 || watcher.max > 5 {
		t.Errorf("watcher: %d calls, at most %d migrations in flight; want some, at most 5", watcher.calls, watcher.max)
	}
}

// Wait honours its context: a done context returns its error and moves
// nothing.
func TestWaitHonoursContext(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	start := c.Clock().Now()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Wait(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if !c.Clock().Now().Equal(start) {
		t.Error("a cancelled Wait moved the clock")
	}
	if err := c.Wait(context.Background(), time.Hour); err != nil || c.Clock().Now().Sub(start) != time.Hour {
		t.Errorf("Wait(1h) = %v, clock +%s", err, c.Clock().Now().Sub(start))
	}
}
