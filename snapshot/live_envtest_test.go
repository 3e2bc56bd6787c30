package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/forecast"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/snapshot"
	"github.com/virtupdate/virtupdate/update"
)

// liveSeed and liveRuns are the forecasts' seed and number of runs.
const (
	liveSeed = int64(20261201)
	liveRuns = 4
)

// TestLiveSnapshotForecast seeds a real API server (envtest, the upstream
// CRDs) with a realistic population through client-go, snapshots it
// through the kube adapter (snapshot.ReadCluster on kube.New) and checks
// it against testdata/live-population.yaml, the same cluster written by
// hand in the object form: the objects are equal but for what the API
// server sets (UIDs, creation times) and what the ports cannot show, which
// the snapshot names in Missing; and a forecast of each, with the same
// seed, is the same forecast, byte for byte (per-VM outcomes and moves,
// node drains, the timeline, the ETA).
//
// Two forecasts are compared: the cluster as found, whose cordoned
// worker-3 the MCO never picks, so the worker pool never finishes and
// every run stops at the pool wait (the pre-flight errors — worker pool
// not ready, a standalone VMI a drain deletes — are overridden with
// Force); and the cluster after worker-3 is uncordoned, where the update
// finishes, OpenShift Virtualization included, and the workload update
// moves the VMIs again.
func TestLiveSnapshotForecast(t *testing.T) {
	cfg := needServer(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a := newAdmin(t, cfg)
	if err := a.wipePopulation(ctx); err != nil {
		t.Fatal(err)
	}
	seeded, err := seedPopulation(ctx, a, server.HCO())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded the population (%d nodes) in %v, HyperConverged CRD of %s", len(popNodes), seeded.Round(time.Millisecond), server.HCO().Name)
	ref, err := scenario.Load("testdata/live-population.yaml")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("as found", func(t *testing.T) {
		live := readLive(t, ctx, cfg)
		compareObjects(t, live, ref)
		lf, rf := forecastBoth(t, ctx, live, ref)
		s := lf.Summary
		if s.RunsStopped != liveRuns || !strings.Contains(s.Result, "wait-pools") || !strings.Contains(s.Result, "worker-3") {
			t.Errorf("forecast as found: %d of %d runs stopped, result %q: want every run stopped at the pool wait, held by worker-3", s.RunsStopped, liveRuns, s.Result)
		}
		if s.Outcomes.Migrated == 0 || s.Outcomes.ShutDown == 0 || s.Outcomes.Deleted != 1 || s.NodesDrained == 0 {
			t.Errorf("forecast as found: outcomes %+v, %d nodes drained: want migrations, shutdowns and the standalone VMI deleted", s.Outcomes, s.NodesDrained)
		}
		for _, want := range []string{"pool worker is still rolling out", "tools/toolbox", "worker-3 (cordoned)"} {
			if !slices.ContainsFunc(s.Findings, func(f string) bool { return strings.Contains(f, want) }) {
				t.Errorf("forecast as found: no pre-flight finding names %q: %q", want, s.Findings)
			}
		}
		compareForecasts(t, lf, rf)
	})

	t.Run("worker-3 uncordoned", func(t *testing.T) {
		if err := a.uncordon(ctx, "worker-3"); err != nil {
			t.Fatal(err)
		}
		uncordonObjects(t, ref, "worker-3")
		live := readLive(t, ctx, cfg)
		compareObjects(t, live, ref)
		lf, rf := forecastBoth(t, ctx, live, ref)
		s := lf.Summary
		if s.RunsDone != liveRuns || s.Result != "done" || s.To.CNV != popCatalog {
			t.Errorf("forecast uncordoned: %d of %d runs done, result %q, to %+v: want every run done with OpenShift Virtualization %s", s.RunsDone, liveRuns, s.Result, s.To, popCatalog)
		}
		if s.NodesDrained != len(popNodes) || s.WorkloadUpdateMoves == 0 || s.NodeRollMoves == 0 {
			t.Errorf("forecast uncordoned: %d nodes drained, %d node-roll and %d workload-update moves: want all %d drained and both kinds of moves",
				s.NodesDrained, s.NodeRollMoves, s.WorkloadUpdateMoves, len(popNodes))
		}
		compareForecasts(t, lf, rf)
	})

	// HCO main's CRD stores v1, whose workloadUpdateStrategy,
	// liveMigrationConfig and evictionStrategy sit under
	// spec.virtualization: the snapshot reads the same HyperConverged.
	t.Run("HCO main's CRD", func(t *testing.T) {
		hcos := server.HCOs()
		h := hcos[len(hcos)-1]
		if err := server.UseHCO(ctx, h); err != nil {
			t.Fatal(err)
		}
		if err := a.reseedHyperConverged(ctx, h); err != nil {
			t.Fatal(err)
		}
		compareObjects(t, readLive(t, ctx, cfg), ref)
	})
	t.Logf("all in %v", time.Since(start).Round(time.Millisecond))
}

// reseedHyperConverged replaces the HyperConverged with one stored in h's
// version.
func (a admin) reseedHyperConverged(ctx context.Context, h kubetest.HCO) error {
	gvr := kubetest.HyperConvergedResource(h.StorageVersion)
	if err := a.dyn.Resource(gvr).Namespace(update.DefaultNamespace).Delete(ctx, update.HyperConvergedName, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete the HyperConverged: %w", err)
	}
	return seedHyperConverged(ctx, a, h)
}

// readLive snapshots the live cluster through the kube adapter.
func readLive(t *testing.T, ctx context.Context, cfg *rest.Config) *scenario.Objects {
	t.Helper()
	c, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	live, err := snapshot.ReadCluster(ctx, c, snapshot.ClusterOptions{Name: "envtest",
		Options: snapshot.Options{Now: func() time.Time { return popCollectedAt }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot read in %v: %d nodes, %d VMs, %d VMIs; missing %v", time.Since(start).Round(time.Millisecond),
		len(live.Nodes), len(live.VirtualMachines), len(live.VMIs), live.Missing)
	return live
}

// portGaps are what the ports of the update package cannot show, as the
// live snapshot names them in Missing; the reference is compared without
// them.
var portGaps = []string{
	scenario.PartClusterVersion + ".availableUpdates.channels",
	scenario.PartClusterVersion + ".conditionalUpdates.release.channels",
	scenario.PartCSVs + ".maxOpenShiftVersion",
	scenario.PartSubscriptions + ".source",
}

// compareObjects checks the live snapshot against the reference: equal,
// but for what the API server sets (UIDs, creation times), the source,
// and the fields the ports do not show, which Missing must name.
func compareObjects(t *testing.T, live, ref *scenario.Objects) {
	t.Helper()
	if live.Source.Kind != scenario.SourceCluster || live.Source.Name != "envtest" || live.Source.CollectedAt == nil || !live.Source.CollectedAt.Time.Equal(popCollectedAt) {
		t.Errorf("live source = %+v, want a cluster named envtest collected at %v", live.Source, popCollectedAt)
	}
	if want := slices.Sorted(slices.Values(portGaps)); !slices.Equal(live.Missing, want) {
		t.Errorf("live missing = %q, want %q", live.Missing, want)
	}
	want := clone(t, ref)
	// What the ports do not show.
	for i := range want.ClusterVersion.ConditionalUpdates {
		want.ClusterVersion.ConditionalUpdates[i].Release.Channels = nil
	}
	for i := range want.ClusterVersion.AvailableUpdates {
		want.ClusterVersion.AvailableUpdates[i].Channels = nil
	}
	for i := range want.CSVs {
		want.CSVs[i].MaxOpenShiftVersion = ""
	}
	for i := range want.Subscriptions {
		want.Subscriptions[i].Source, want.Subscriptions[i].SourceNamespace = "", ""
	}
	// The pools port gives spec.maxUnavailable resolved to a node count for
	// the pool's machines: the same count, written as a number.
	for i := range want.Pools {
		p := &want.Pools[i]
		n, err := scenario.ResolveMaxUnavailable(p.MaxUnavailable, int(p.MachineCount))
		if err != nil {
			t.Fatal(err)
		}
		v := intstr.FromInt32(int32(n))
		p.MaxUnavailable = &v
	}
	got := clone(t, live)
	for _, o := range []*scenario.Objects{got, want} {
		o.Source, o.Missing = scenario.Source{}, nil
		forgetServerFields(o)
	}
	opts := cmp.Options{
		cmpopts.EquateEmpty(),
		cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 }),
	}
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("the live snapshot differs from testdata/live-population.yaml (-want +got):\n%s", d)
	}
}

// forgetServerFields clears what the API server sets on create: UIDs (and
// the owner references' UIDs, which point at them) and creation times.
func forgetServerFields(o *scenario.Objects) {
	meta := func(m *metav1.ObjectMeta) {
		m.UID, m.CreationTimestamp = "", metav1.Time{}
		for i := range m.OwnerReferences {
			m.OwnerReferences[i].UID = ""
		}
	}
	for i := range o.Nodes {
		meta(&o.Nodes[i].ObjectMeta)
	}
	for i := range o.VirtualMachines {
		meta(&o.VirtualMachines[i].ObjectMeta)
	}
	for i := range o.VMIs {
		meta(&o.VMIs[i].ObjectMeta)
	}
	for i := range o.Migrations {
		meta(&o.Migrations[i].ObjectMeta)
	}
	for i := range o.PodDisruptionBudgets {
		meta(&o.PodDisruptionBudgets[i].ObjectMeta)
	}
	if o.KubeVirt != nil {
		meta(&o.KubeVirt.ObjectMeta)
	}
}

// clone deep-copies objects through their own format.
func clone(t *testing.T, o *scenario.Objects) *scenario.Objects {
	t.Helper()
	data, err := scenario.MarshalJSON(o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := scenario.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// forecastBoth forecasts the update to popTo, with popCatalog offered,
// on the live snapshot and on the reference, with the same seed.
func forecastBoth(t *testing.T, ctx context.Context, live, ref *scenario.Objects) (lf, rf *forecast.Forecast) {
	t.Helper()
	run := func(o *scenario.Objects) *forecast.Forecast {
		in, err := forecast.FromObjects(o, []string{popCatalog})
		if err != nil {
			t.Fatal(err)
		}
		seed := liveSeed
		f, err := forecast.Run(ctx, in, forecast.Options{Request: update.Request{To: popTo, Force: true}, Runs: liveRuns, Seed: &seed})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	start := time.Now()
	lf, rf = run(live), run(ref)
	s := lf.Summary
	t.Logf("two forecasts of %d runs in %v: %s, ETA P50 %s; %d VMs: %+v; %d moves (%d node roll, %d workload update), %d nodes drained",
		liveRuns, time.Since(start).Round(time.Millisecond), s.Result, s.ETAP50, s.VMs, s.Outcomes, s.Moves, s.NodeRollMoves, s.WorkloadUpdateMoves, s.NodesDrained)
	return lf, rf
}

// compareForecasts checks two forecasts are the same: their JSON (summary
// with the ETA and every run, per VM, per node, per namespace, the
// timeline) byte for byte; a difference is reported by VM, node and
// summary field.
func compareForecasts(t *testing.T, live, ref *forecast.Forecast) {
	t.Helper()
	lj, err := json.MarshalIndent(live, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	rj, err := json.MarshalIndent(ref, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(lj, rj) {
		return
	}
	if live.Summary.ETAP50Seconds != ref.Summary.ETAP50Seconds || live.Summary.ETAP10Seconds != ref.Summary.ETAP10Seconds || live.Summary.ETAP90Seconds != ref.Summary.ETAP90Seconds {
		t.Errorf("ETA P10/P50/P90: live %s/%s/%s, reference %s/%s/%s", live.Summary.ETAP10, live.Summary.ETAP50, live.Summary.ETAP90,
			ref.Summary.ETAP10, ref.Summary.ETAP50, ref.Summary.ETAP90)
	}
	if d := cmp.Diff(generic(t, ref.Summary), generic(t, live.Summary)); d != "" {
		t.Errorf("forecast summary (-reference +live):\n%s", d)
	}
	diffs := 0
	for i := 0; i < max(len(live.VMs), len(ref.VMs)) && diffs < 5; i++ {
		var l, r any
		if i < len(live.VMs) {
			l = generic(t, live.VMs[i])
		}
		if i < len(ref.VMs) {
			r = generic(t, ref.VMs[i])
		}
		if d := cmp.Diff(r, l); d != "" {
			t.Errorf("forecast vms[%d] (-reference +live):\n%s", i, d)
			diffs++
		}
	}
	if d := cmp.Diff(generic(t, ref.Nodes), generic(t, live.Nodes)); d != "" {
		t.Errorf("forecast nodes (-reference +live):\n%s", d)
	}
	if d := cmp.Diff(generic(t, ref.Timeline), generic(t, live.Timeline)); d != "" {
		t.Errorf("forecast timeline (-reference +live):\n%s", d)
	}
	t.Errorf("the forecast of the live snapshot differs from the reference's (%d and %d bytes of JSON)", len(lj), len(rj))
}

// generic is v as JSON decodes it into any, for a readable diff.
func generic(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// uncordon makes the node schedulable again, as `oc adm uncordon` does,
// and writes its pool's status as the MCO then counts it.
func (a admin) uncordon(ctx context.Context, name string) error {
	n, err := a.core.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	n.Spec.Unschedulable = false
	n.Spec.Taints = slices.DeleteFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeUnschedulable })
	if _, err := a.core.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("uncordon node %s: %w", name, err)
	}
	pools := a.dyn.Resource(kube.MachineConfigPoolResource)
	p, err := pools.Get(ctx, "worker", metav1.GetOptions{})
	if err != nil {
		return err
	}
	status := p.Object["status"].(map[string]any)
	status["readyMachineCount"], status["unavailableMachineCount"] = int64(4), int64(0)
	if _, err := pools.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("write the status of pool worker: %w", err)
	}
	return nil
}

// uncordonObjects makes the same change to the reference.
func uncordonObjects(t *testing.T, o *scenario.Objects, name string) {
	t.Helper()
	i := slices.IndexFunc(o.Nodes, func(n corev1.Node) bool { return n.Name == name })
	if i < 0 {
		t.Fatalf("the reference has no node %s", name)
	}
	n := &o.Nodes[i]
	n.Spec.Unschedulable = false
	n.Spec.Taints = slices.DeleteFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeUnschedulable })
	j := slices.IndexFunc(o.Pools, func(p scenario.MachineConfigPool) bool { return p.Name == "worker" })
	if j < 0 {
		t.Fatal("the reference has no pool worker")
	}
	o.Pools[j].ReadyMachineCount, o.Pools[j].UnavailableMachineCount = 4, 0
}

// populationResources are the custom resources the population creates.
var populationResources = []schema.GroupVersionResource{
	kube.VMIResource, kube.VMResource, kube.KubeVirtResource, kube.SubscriptionResource, kube.CSVResource, kube.InstallPlanResource,
	kube.ClusterVersionResource, kube.MachineConfigPoolResource, kube.ClusterOperatorResource,
}

// wipePopulation deletes what an earlier seedPopulation of this server
// made (a test run with -count), so the population is seeded afresh.
func (a admin) wipePopulation(ctx context.Context) error {
	zero := int64(0)
	del := metav1.DeleteOptions{GracePeriodSeconds: &zero}
	for _, gvr := range append(populationResources, kubetest.HyperConvergedResource(server.HCO().StorageVersion)) {
		l, err := a.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("list %s: %w", gvr.Resource, err)
		}
		for _, u := range l.Items {
			ri := a.dyn.Resource(gvr).Namespace(u.GetNamespace())
			if len(u.GetFinalizers()) > 0 {
				u.SetFinalizers(nil)
				if _, err := ri.Update(ctx, &u, metav1.UpdateOptions{}); err != nil {
					return fmt.Errorf("drop the finalizers of %s %s: %w", gvr.Resource, u.GetName(), err)
				}
			}
			if err := ri.Delete(ctx, u.GetName(), del); err != nil {
				return fmt.Errorf("delete %s %s: %w", gvr.Resource, u.GetName(), err)
			}
		}
	}
	if err := a.core.CoreV1().Nodes().DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("delete the nodes: %w", err)
	}
	if err := a.core.PolicyV1().PodDisruptionBudgets("prod").DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("delete the PodDisruptionBudgets: %w", err)
	}
	return nil
}
