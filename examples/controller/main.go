// Command controller keeps a cluster's workload updates moving and reports
// the VMIs that are stuck, with workload's planner and our policy (pending
// migrations counted against the caps, the per-node cap, denied evictions
// left out of batches, stuck after repeated failures). Unlike KubeVirt's
// updater it keeps its Evict batch clock in the cluster (a checkpoint), so
// a restarted controller does not evict a batch at once.
//
// Against a real cluster:
//
//	go run ./examples/controller --kubeconfig ~/.kube/config
//
// With no flags it runs against a fake cluster during a z-stream update and
// prints what it did.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// checkpointName is where the controller keeps its Evict batch clock.
const checkpointName = "workload-controller"

// Controller runs one reconcile at a time through the ports.
type Controller struct {
	Cluster interface {
		update.HyperConvergeds
		update.Workloads
		update.Checkpoints
	}
	Planner *workload.Planner
	Clock   clock.PassiveClock
	// LauncherImage is the target virt-launcher image; empty means the
	// kubevirt.io/outdatedLauncherImage label decides.
	LauncherImage string
	// Methods, when not nil, replace the HyperConverged's
	// workloadUpdateMethods: set those to [] to switch KubeVirt's own
	// updater off, and give the methods here.
	Methods []kubevirtv1.WorkloadUpdateMethod
	// Log receives one line per action and per newly stuck VMI.
	Log io.Writer

	stuck map[string]bool
}

type state struct {
	LastEvictionBatch time.Time `json:"lastEvictionBatch"`
}

// Reconcile reads the cluster, plans, acts, and says when to look again.
func (c *Controller) Reconcile(ctx context.Context) (time.Duration, error) {
	hc, err := c.Cluster.GetHyperConverged(ctx)
	if err != nil {
		return 0, err
	}
	vmis, err := c.Cluster.ListVMIs(ctx, update.ListOptions{})
	if err != nil {
		return 0, err
	}
	migs, err := c.Cluster.ListMigrations(ctx, update.ListOptions{})
	if err != nil {
		return 0, err
	}
	cp, st, err := c.load(ctx)
	if err != nil {
		return 0, err
	}
	strategy := hc.Spec.WorkloadUpdateStrategy.KubeVirt()
	if c.Methods != nil {
		strategy.WorkloadUpdateMethods = c.Methods
	}
	snap := workload.Snapshot{Strategy: strategy, LauncherImage: c.LauncherImage,
		LastEvictionBatch: st.LastEvictionBatch, Now: c.Clock.Now()}
	for i := range vmis {
		snap.VMIs = append(snap.VMIs, &vmis[i])
	}
	for i := range migs {
		snap.Migrations = append(snap.Migrations, &migs[i])
	}
	plan := c.Planner.Reconcile(snap)

	for _, a := range plan.Migrate {
		vmi := find(vmis, a.Namespace, a.VMI)
		if vmi == nil {
			continue
		}
		m, err := c.Cluster.CreateMigration(ctx, workload.NewClientMigration(vmi))
		if err != nil {
			// The planner expects the migration it planned until it sees
			// it; tell it none is coming, or the VMI waits out the
			// expectation.
			c.Planner.CreateFailed(a.Namespace, a.VMI)
			return 0, err
		}
		fmt.Fprintf(c.Log, "migrate %s/%s (%s)\n", a.Namespace, a.VMI, m.Name)
	}
	if len(plan.Evict) > 0 {
		// Persist the batch clock before evicting, so a crash cannot evict
		// a second batch too early.
		if _, err := c.save(ctx, cp, state{LastEvictionBatch: plan.LastEvictionBatch}); err != nil {
			return 0, err
		}
	}
	for _, a := range plan.Evict {
		err := c.Cluster.EvictVMI(ctx, a.Namespace, a.VMI)
		switch {
		case errors.Is(err, update.ErrNotFound):
		case err != nil:
			fmt.Fprintf(c.Log, "evict %s/%s refused: %v\n", a.Namespace, a.VMI, err)
		default:
			fmt.Fprintf(c.Log, "evict %s/%s\n", a.Namespace, a.VMI)
		}
	}
	if c.stuck == nil {
		c.stuck = map[string]bool{}
	}
	for _, s := range plan.Stuck {
		if k := s.Namespace + "/" + s.Name; !c.stuck[k] {
			c.stuck[k] = true
			fmt.Fprintf(c.Log, "STUCK %s after %d failed migrations: %v\n", k, s.Failures, s.Reasons)
		}
	}
	return plan.RequeueAfter, nil
}

func find(vmis []kubevirtv1.VirtualMachineInstance, ns, name string) *kubevirtv1.VirtualMachineInstance {
	for i := range vmis {
		if vmis[i].Namespace == ns && vmis[i].Name == name {
			return &vmis[i]
		}
	}
	return nil
}

func (c *Controller) load(ctx context.Context) (update.Checkpoint, state, error) {
	cp, err := c.Cluster.LoadCheckpoint(ctx, checkpointName)
	if errors.Is(err, update.ErrNotFound) {
		return update.Checkpoint{Name: checkpointName}, state{}, nil
	}
	if err != nil {
		return cp, state{}, err
	}
	var st state
	if err := json.Unmarshal(cp.Data, &st); err != nil {
		return cp, state{}, fmt.Errorf("checkpoint %s is not this controller's: %w", checkpointName, err)
	}
	return cp, st, nil
}

func (c *Controller) save(ctx context.Context, cp update.Checkpoint, st state) (update.Checkpoint, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return cp, err
	}
	cp.Data = data
	return c.Cluster.SaveCheckpoint(ctx, cp)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "run against the cluster of this kubeconfig (default: a fake cluster)")
	kubeContext := flag.String("context", "", "the kubeconfig context")
	namespace := flag.String("n", update.DefaultNamespace, "the namespace of OpenShift Virtualization")
	launcher := flag.String("launcher-image", "", "the target virt-launcher image (default: the outdatedLauncherImage label decides)")
	methods := flag.String("methods", "", "workload update methods (LiveMigrate,Evict) instead of the HyperConverged's; set those to [] so KubeVirt's updater stays off")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *kubeconfig == "" && *kubeContext == "" {
		err = runFake(os.Stdout)
	} else {
		var m []kubevirtv1.WorkloadUpdateMethod
		if *methods != "" {
			if m, err = workload.ParseMethods(*methods); err != nil {
				fmt.Fprintln(os.Stderr, "-methods:", err)
				os.Exit(2)
			}
		}
		err = runLive(ctx, *kubeconfig, *kubeContext, *namespace, *launcher, m, os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// runLive reconciles a real cluster until interrupted.
func runLive(ctx context.Context, kubeconfig, kubeContext, namespace, launcher string, methods []kubevirtv1.WorkloadUpdateMethod, out io.Writer) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return fmt.Errorf("load the kubeconfig: %w", err)
	}
	cl, err := kube.New(cfg, kube.Options{Namespace: namespace})
	if err != nil {
		return err
	}
	c := &Controller{Cluster: cl, Planner: workload.NewPlanner(workload.DefaultPolicy(), uint64(time.Now().UnixNano())),
		Clock: clock.RealClock{}, LauncherImage: launcher, Methods: methods, Log: out}
	for {
		after, err := c.Reconcile(ctx)
		if err != nil {
			fmt.Fprintln(out, "reconcile:", err)
		}
		if after <= 0 || after > 30*time.Second {
			after = 30 * time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(after):
		}
	}
}

const demo = `
seed: 4
clusterVersion: {version: 4.14.20}
cnv: {version: 4.14.3, catalog: [4.14.4]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict], batchEvictionSize: 2}}
nodes: [{name: "worker-{i}", count: 3}]
vms:
  - {namespace: prod, name: "db-{i}", count: 3, memory: 2Gi}
  - {namespace: prod, name: "legacy-{i}", count: 3, migratable: false, evictionStrategy: None}
faults:
  migrationFailures: [{vmi: prod/db-2, count: 9}]
`

// runFake runs the controller, instead of the fake's own workload updater,
// through a z-stream update of a small fake cluster.
func runFake(out io.Writer) error {
	s, err := fake.ParseScenario([]byte(demo))
	if err != nil {
		return err
	}
	cl, err := s.NewCluster()
	if err != nil {
		return err
	}
	cl.Disable(fake.ControllerWorkloadUpdate)
	c := &Controller{Cluster: cl, Planner: workload.NewPlanner(workload.DefaultPolicy(), 1), Clock: cl.Clock(),
		Log: out} // the outdatedLauncherImage label decides, as on a real cluster
	ctx := context.Background()
	start := cl.Clock().Now()
	for range 200 {
		if _, err := c.Reconcile(ctx); err != nil {
			return err
		}
		if err := cl.Advance(15 * time.Second); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "after %s: %d VMIs not on the new launcher (the stuck one)\n", cl.Clock().Now().Sub(start), cl.OutdatedVMIs())
	return nil
}
