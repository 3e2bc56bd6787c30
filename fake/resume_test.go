package fake

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/interceptor"
)

// resumeScenario: an EUS-to-EUS update with Manual approval, whose plan
// changes every kind of object through the ports: the channel, the desired
// update, the worker pool (paused, then unpaused), the InstallPlans and the
// HyperConverged's workloadUpdateMethods (switched off, then restored).
const resumeScenario = `
seed: 4
clusterVersion: {version: 4.14.20, channel: eus-4.16}
cnv: {version: 4.14.3, approval: Manual, catalog: [4.15.1, 4.16.1]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict]}}
pools: [{name: master}, {name: worker, maxUnavailable: 2}]
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 3}
vms:
  - {namespace: prod, name: "db-{i}", count: 4, memory: 1Gi}
`

// clientChanges are the changes the plan makes through the ports, by
// object and what changed, counted; the fake records an event only when a
// write changes something, so a write done twice with the same value does
// not show, and a change done twice does.
var clientReasons = []string{"ChannelChanged", "DesiredUpdateSet", "Paused", "Unpaused", "Approved", "WorkloadUpdateMethodsChanged"}

func clientChanges(c *Cluster) map[string]int {
	out := map[string]int{}
	for _, e := range c.Events() {
		if slices.Contains(clientReasons, e.Reason) {
			out[e.Kind+" "+e.Namespace+"/"+e.Name+" "+e.Reason+": "+e.Message]++
		}
	}
	return out
}

func resumeRun(t *testing.T, crashAt int) (c *Cluster, res update.Result, first, second error) {
	t.Helper()
	s, err := ParseScenario([]byte(resumeScenario))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = s.NewCluster(); err != nil {
		t.Fatal(err)
	}
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	opts := update.Options{Clock: c.Clock(), Waiter: c}
	ctx := context.Background()
	if crashAt > 0 {
		c.CrashAfterWrites(crashAt)
		_, first = update.Run(ctx, c, plan, opts)
		if !c.Crashed() {
			return c, update.Result{}, first, nil
		}
		c.Restart()
	}
	res, second = update.Run(ctx, c, plan, opts)
	return c, res, first, second
}

// A process that dies in the middle of any write of an update, after the
// write landed and before it saw the reply (so before the checkpoint that
// records it), and is started again, finishes the update from its
// checkpoint and changes nothing twice: the changes made through the
// ports are exactly those of a run that never crashed, and the cluster
// ends in the same state.
func TestResumeAfterACrashInEveryWrite(t *testing.T) {
	base, _, _, err := resumeRun(t, 0)
	if err != nil {
		t.Fatalf("the run without a crash: %v", err)
	}
	want := clientChanges(base)
	// The crashed runs are the same model as the checked one above: they
	// go without the package's index checks, which would take a minute.
	defer withoutPassCheck()()
	if len(want) < 6 {
		t.Fatalf("the plan changed too little to test resuming: %v", want)
	}
	ctx := context.Background()
	crashes := 0
	for n := 1; ; n++ {
		c, res, first, second := resumeRun(t, n)
		if first == nil && !c.Crashed() {
			break // n is past the last write
		}
		crashes++
		if !errors.Is(first, ErrCrashed) {
			t.Fatalf("crash in write %d: the first run's error is %v, want ErrCrashed", n, first)
		}
		if second != nil || !(res.Record.Done || res.AlreadyDone) {
			t.Fatalf("crash in write %d: the resumed run: %v (done %v)", n, second, res.Record.Done)
		}
		if got := clientChanges(c); !maps.Equal(got, want) {
			t.Errorf("crash in write %d: changes through the ports\n got  %v\n want %v", n, got, want)
		}
		hc, _ := c.GetHyperConverged(ctx)
		cv, _ := c.GetClusterVersion(ctx)
		pools, _ := c.ListMachineConfigPools(ctx)
		if v := hc.Status.OperatorVersion(); v != "4.16.1" || cv.CurrentVersion() != "4.16.3" || c.OutdatedVMIs() != 0 {
			t.Errorf("crash in write %d: ends on OpenShift %s, CNV %s, %d VMIs outdated", n, cv.CurrentVersion(), v, c.OutdatedVMIs())
		}
		if m := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m == nil || len(*m) != 2 {
			t.Errorf("crash in write %d: workloadUpdateMethods end as %v, want them restored", n, update.ShowMethods(m))
		}
		for _, p := range pools {
			if p.Paused {
				t.Errorf("crash in write %d: pool %s stays paused", n, p.Name)
			}
		}
	}
	if crashes < 10 {
		t.Errorf("only %d writes crashed: the sweep did not cover the plan", crashes)
	}
}

// The same through the context: a run whose context is cancelled right
// after a change to the cluster landed stops before the checkpoint that
// records it (the fake's ports return the context's error before writing),
// and a new run finishes the update changing nothing twice.
func TestResumeAfterCancelBetweenAWriteAndItsCheckpoint(t *testing.T) {
	base, _, _, err := resumeRun(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := clientChanges(base)
	defer withoutPassCheck()()
	refusals := 0
	for k := 1; ; k++ {
		s, _ := ParseScenario([]byte(resumeScenario))
		c, err := s.NewCluster()
		if err != nil {
			t.Fatal(err)
		}
		plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		writes, refusedSave := 0, false
		w := interceptor.New(c, func(ctx context.Context, call interceptor.Call, next func() error) error {
			err := next()
			switch {
			case call.Verb == interceptor.SaveCheckpoint && errors.Is(err, context.Canceled):
				refusedSave = true
			case call.Verb.Write() && call.Verb != interceptor.SaveCheckpoint && err == nil:
				if writes++; writes == k {
					cancel() // the process dies now
				}
			}
			return err
		})
		opts := update.Options{Clock: c.Clock(), Waiter: c}
		_, first := update.Run(ctx, w, plan, opts)
		cancel()
		if writes < k {
			if k < 6 {
				t.Fatalf("the plan made only %d writes", writes)
			}
			break
		}
		if refusedSave {
			refusals++
		}
		if !errors.Is(first, context.Canceled) {
			t.Fatalf("cancelled after write %d: the run's error is %v, want context.Canceled", k, first)
		}
		res, second := update.Run(context.Background(), c, plan, opts)
		if second != nil || !res.Resumed || !res.Record.Done {
			t.Fatalf("cancelled after write %d: the resumed run: %v (resumed %v, done %v)", k, second, res.Resumed, res.Record.Done)
		}
		if got := clientChanges(c); !maps.Equal(got, want) {
			t.Errorf("cancelled after write %d (checkpoint save refused: %v): changes\n got  %v\n want %v", k, refusedSave, got, want)
		}
	}
	if refusals == 0 {
		t.Error("no checkpoint save met the cancelled context: the crash never fell between a write and its checkpoint")
	}
}
