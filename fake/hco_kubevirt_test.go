package fake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// hcoCluster is a cluster with CNV 4.14.3 installed, masters control-plane
// nodes and workers worker nodes, and the HyperConverged hc, before HCO has
// reconciled it.
func hcoCluster(t *testing.T, masters, workers int, hc update.HyperConverged) *Cluster {
	t.Helper()
	c := NewCluster(Options{Start: t0, Seed: 1})
	c.SetClusterVersion(update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
	c.SetHyperConverged(hc)
	c.SetOperator(Operator{Version: "4.14.3"})
	c.AddPools(update.MachineConfigPool{Name: "worker"}, update.MachineConfigPool{Name: "master"})
	for i := range masters {
		c.AddNodes(corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("m%d", i), Labels: map[string]string{LabelRoleMaster: ""}}})
	}
	for i := range workers {
		c.AddNodes(worker(fmt.Sprintf("w%d", i), "", time.Hour))
	}
	return c
}

func strategyPtr(s kubevirtv1.EvictionStrategy) *kubevirtv1.EvictionStrategy { return &s }

func show(s *kubevirtv1.EvictionStrategy) string {
	if s == nil {
		return "absent"
	}
	return string(*s)
}

// HCO: pkg/webhooks/mutator/hyperConvergedMutator.go mutateEvictionStrategy
// (an absent spec.evictionStrategy becomes LiveMigrate when
// status.infrastructureHighlyAvailable, else None; a new CR, without that
// status, keeps it absent), pkg/internal/nodeinfo/nodeinfo.go processNodeInfo
// (highly available = two or more nodes labelled
// node-role.kubernetes.io/worker), controllers/hyperconverged/hyperconverged_controller.go
// updateStatus (HCO records it, then updates its own CR) and
// controllers/handlers/kubevirt.go getKVConfig (copied to the KubeVirt CR's
// spec.configuration.evictionStrategy).
func TestHCODefaultsClusterEvictionStrategy(t *testing.T) {
	ctx := context.Background()
	live, none, external := kubevirtv1.EvictionStrategyLiveMigrate, kubevirtv1.EvictionStrategyNone, kubevirtv1.EvictionStrategyExternal
	for _, tc := range []struct {
		reason           string
		masters, workers int
		set              *kubevirtv1.EvictionStrategy
		want             kubevirtv1.EvictionStrategy
	}{
		{"two worker nodes: highly available, LiveMigrate", 3, 2, nil, live},
		{"one worker: not highly available, None", 3, 1, nil, none},
		{"control-plane nodes do not count", 5, 1, nil, none},
		{"a value set by the admin is kept", 3, 4, &external, external},
		{"None set on a multi-node cluster is kept", 3, 4, &none, none},
	} {
		c := hcoCluster(t, tc.masters, tc.workers, update.HyperConverged{Spec: update.HyperConvergedSpec{EvictionStrategy: tc.set}})
		if hc, _ := c.GetHyperConverged(ctx); show(hc.Spec.EvictionStrategy) != show(tc.set) {
			t.Errorf("%s: before HCO reconciles, spec.evictionStrategy reads %s, want it as created (%s)", tc.reason, show(hc.Spec.EvictionStrategy), show(tc.set))
		}
		if _, err := c.GetKubeVirt(ctx); !errors.Is(err, update.ErrNotFound) {
			t.Errorf("%s: before HCO reconciles there is no KubeVirt CR, got err %v", tc.reason, err)
		}
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		hc, _ := c.GetHyperConverged(ctx)
		if show(hc.Spec.EvictionStrategy) != string(tc.want) {
			t.Errorf("%s: HyperConverged spec.evictionStrategy = %s, want %s", tc.reason, show(hc.Spec.EvictionStrategy), tc.want)
		}
		kv, err := c.GetKubeVirt(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if kv.Name != KubeVirtName || kv.Namespace != update.DefaultNamespace {
			t.Errorf("%s: KubeVirt CR %s/%s, want %s/%s", tc.reason, kv.Namespace, kv.Name, update.DefaultNamespace, KubeVirtName)
		}
		got, from, err := update.ReadClusterEvictionStrategy(ctx, c)
		if err != nil || got != tc.want || from != update.EvictionFromKubeVirt {
			t.Errorf("%s: cluster eviction strategy %s from %q (err %v), want %s from the KubeVirt CR", tc.reason, got, from, err, tc.want)
		}
	}
}

// HCO: pkg/webhooks/mutator/hyperConvergedMutator.go runs on every update:
// once status.infrastructureHighlyAvailable is recorded, a write that drops
// spec.evictionStrategy gets the default back.
func TestHCOWebhookDefaultsEvictionStrategyOnUpdate(t *testing.T) {
	ctx := context.Background()
	c := hcoCluster(t, 3, 3, update.HyperConverged{})
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	c.SetHyperConverged(update.HyperConverged{}) // an update without the field
	hc, _ := c.GetHyperConverged(ctx)
	if show(hc.Spec.EvictionStrategy) != string(kubevirtv1.EvictionStrategyLiveMigrate) {
		t.Errorf("after an update without spec.evictionStrategy it reads %s, want the webhook's LiveMigrate", show(hc.Spec.EvictionStrategy))
	}
}

// HCO's CRD (api/v1beta1/hyperconverged_types.go, +kubebuilder:default on
// workloadUpdateStrategy and each of its fields; measured on the CRD in
// testdata, see its NOTICE) stores an absent or null
// workloadUpdateMethods as [LiveMigrate], and absent batch fields as 10 and
// 1m0s; an explicit [] stays [].
func TestHyperConvergedStoredWithCRDDefaults(t *testing.T) {
	ctx := context.Background()
	five := 5
	evict := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodEvict}
	var null []kubevirtv1.WorkloadUpdateMethod
	for _, tc := range []struct {
		reason   string
		in       update.WorkloadUpdateStrategy
		methods  string
		size     int
		interval time.Duration
	}{
		{"absent strategy", update.WorkloadUpdateStrategy{}, "[LiveMigrate]", 10, time.Minute},
		{"explicit [] stays [], batch fields defaulted", update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &[]kubevirtv1.WorkloadUpdateMethod{}}, "[]", 10, time.Minute},
		{"a pointer to a nil list is [] (what StoredMethods says)", update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &null}, "[]", 10, time.Minute},
		{"explicit values are kept", update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &evict, BatchEvictionSize: &five,
			BatchEvictionInterval: &metav1.Duration{Duration: 2 * time.Minute}}, "[Evict]", 5, 2 * time.Minute},
	} {
		c := NewCluster(Options{})
		c.SetHyperConverged(update.HyperConverged{Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: tc.in}})
		hc, _ := c.GetHyperConverged(ctx)
		st := hc.Spec.WorkloadUpdateStrategy
		if got := update.ShowMethods(st.WorkloadUpdateMethods); got != tc.methods {
			t.Errorf("%s: workloadUpdateMethods = %s, want %s", tc.reason, got, tc.methods)
		}
		if st.BatchEvictionSize == nil || *st.BatchEvictionSize != tc.size || st.BatchEvictionInterval == nil || st.BatchEvictionInterval.Duration != tc.interval {
			t.Errorf("%s: batch = %v every %v, want %d every %v", tc.reason, st.BatchEvictionSize, st.BatchEvictionInterval, tc.size, tc.interval)
		}
	}
}

// The contract of update.HyperConvergeds.SetWorkloadUpdateMethods
// (update/ports.go): a write HCO's CRD cannot hold is refused before
// anything happens; a write that is already there writes nothing; a stale
// from is a conflict. Each real write bumps metadata.generation once.
func TestSetWorkloadUpdateMethodsWritesOnlyWhatChanges(t *testing.T) {
	ctx := context.Background()
	live, evict := kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict
	m := func(x ...kubevirtv1.WorkloadUpdateMethod) *[]kubevirtv1.WorkloadUpdateMethod {
		if x == nil {
			x = []kubevirtv1.WorkloadUpdateMethod{}
		}
		return &x
	}
	if err := NewCluster(Options{}).SetWorkloadUpdateMethods(ctx, nil, m()); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("without a HyperConverged: err = %v, want ErrNotFound", err)
	}
	c := NewCluster(Options{})
	c.SetHyperConverged(update.HyperConverged{})
	for _, tc := range []struct {
		reason   string
		from, to *[]kubevirtv1.WorkloadUpdateMethod
		wantErr  error
		wantGen  int64
		wantRead string
		written  bool
	}{
		{"absent cannot be written", nil, nil, update.ErrInvalid, 1, "[LiveMigrate]", false},
		{"an unknown method is refused even when from matches", nil, m("Reboot"), update.ErrInvalid, 1, "[LiveMigrate]", false},
		{"already [LiveMigrate]: nothing to write, even from a stale from", m(evict), m(live), nil, 1, "[LiveMigrate]", false},
		{"nil from stands for the stored default", nil, m(live, evict), nil, 2, "[LiveMigrate,Evict]", true},
		{"a stale from is a conflict", m(live), m(), update.ErrConflict, 2, "[LiveMigrate,Evict]", false},
		{"to []", m(live, evict), m(), nil, 3, "[]", true},
		{"[] again writes nothing", m(live), m(), nil, 3, "[]", false},
	} {
		before := len(c.Events())
		err := c.SetWorkloadUpdateMethods(ctx, tc.from, tc.to)
		if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("%s: err = %v, want %v", tc.reason, err, tc.wantErr)
		}
		hc, _ := c.GetHyperConverged(ctx)
		if hc.Generation != tc.wantGen || update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods) != tc.wantRead {
			t.Errorf("%s: generation %d, field %s; want %d, %s", tc.reason, hc.Generation, update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods), tc.wantGen, tc.wantRead)
		}
		if wrote := len(c.Events()) > before; wrote != tc.written {
			t.Errorf("%s: a change was recorded = %v, want %v", tc.reason, wrote, tc.written)
		}
	}
}

// HCO: controllers/handlers/kubevirt.go (NewKubeVirt, getKVConfig,
// hcWorkloadUpdateStrategyToKv, hcLiveMigrationToKv, and UpdateCR, which puts
// a hand-edited spec back): the KubeVirt CR carries the HyperConverged's
// workload update strategy (a non-empty list only), its live migration
// configuration, with HCO's defaults for what it leaves out, and its eviction
// strategy.
func TestKubeVirtCRFollowsHyperConverged(t *testing.T) {
	ctx := context.Background()
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}
	five, three, bw := 5, uint32(3), "64Mi"
	c := hcoCluster(t, 3, 3, update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods, BatchEvictionSize: &five},
		LiveMigrationConfig:    update.LiveMigrationConfig{ParallelMigrationsPerCluster: &three, BandwidthPerMigration: &bw},
	}})
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	kv, err := c.GetKubeVirt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws := kv.Spec.WorkloadUpdateStrategy
	if !slices.Equal(ws.WorkloadUpdateMethods, methods) || *ws.BatchEvictionSize != 5 || ws.BatchEvictionInterval.Duration != time.Minute {
		t.Errorf("KubeVirt workloadUpdateStrategy = %v / %d / %v, want the HyperConverged's with the CRD's interval", ws.WorkloadUpdateMethods, *ws.BatchEvictionSize, ws.BatchEvictionInterval)
	}
	mc := kv.Spec.Configuration.MigrationConfiguration
	if *mc.ParallelMigrationsPerCluster != 3 || *mc.ParallelOutboundMigrationsPerNode != 1 || *mc.CompletionTimeoutPerGiB != 20 ||
		*mc.ProgressTimeout != 150 || mc.BandwidthPerMigration.Cmp(resource.MustParse("64Mi")) != 0 {
		t.Errorf("KubeVirt migrations = %d per cluster, %d per node, %d s/GiB, %d s, %v; want 3, HCO 1.19's 1, 20, 150 and 64Mi",
			*mc.ParallelMigrationsPerCluster, *mc.ParallelOutboundMigrationsPerNode, *mc.CompletionTimeoutPerGiB, *mc.ProgressTimeout, mc.BandwidthPerMigration)
	}

	// [] in the HyperConverged: HCO copies only a non-empty list, so the
	// KubeVirt CR has none, and its workload updater does nothing.
	if err := c.SetWorkloadUpdateMethods(ctx, &methods, &[]kubevirtv1.WorkloadUpdateMethod{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if kv, _ = c.GetKubeVirt(ctx); kv.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods != nil {
		t.Errorf("after [] the KubeVirt CR has methods %v, want none", kv.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods)
	}

	// A KubeVirt CR edited by hand is put back.
	edited := kv.DeepCopy()
	edited.Spec.Configuration.EvictionStrategy = strategyPtr(kubevirtv1.EvictionStrategyExternal)
	c.SetKubeVirt(edited)
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if kv, _ = c.GetKubeVirt(ctx); show(kv.Spec.Configuration.EvictionStrategy) != string(kubevirtv1.EvictionStrategyLiveMigrate) {
		t.Errorf("HCO must put the KubeVirt CR's evictionStrategy back to the HyperConverged's LiveMigrate, got %s", show(kv.Spec.Configuration.EvictionStrategy))
	}
}

// HCO: controllers/handlers/kubevirt.go hcLiveMigrationToKv fails on a
// bandwidthPerMigration that is not a quantity, so the KubeVirt operand
// fails (controllers/operandhandler/operandHandler.go Ensure:
// ReconcileComplete=False, ReconcileFailed) and the KubeVirt CR keeps its
// spec.
func TestHCOUnparsableBandwidthFailsKubeVirtOperand(t *testing.T) {
	ctx := context.Background()
	c := hcoCluster(t, 3, 3, update.HyperConverged{})
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	before, _ := c.GetKubeVirt(ctx)
	hc, _ := c.GetHyperConverged(ctx)
	bad := "fast"
	hc.Spec.LiveMigrationConfig.BandwidthPerMigration = &bad
	c.SetHyperConverged(*hc)
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	hc, _ = c.GetHyperConverged(ctx)
	rc := meta(hc.Status.Conditions, conditions.TypeReconcileComplete)
	if rc.Status != metav1.ConditionFalse || rc.Reason != "ReconcileFailed" || !strings.Contains(rc.Message, "bandwidthPerMigration") {
		t.Errorf("ReconcileComplete = %s/%s %q, want False/ReconcileFailed naming bandwidthPerMigration", rc.Status, rc.Reason, rc.Message)
	}
	if after, _ := c.GetKubeVirt(ctx); after.ResourceVersion != before.ResourceVersion {
		t.Error("the KubeVirt CR changed although its operand failed")
	}
}

// HCO: controllers/hyperconverged/hyperconverged_controller.go doReconcile
// (setInitialConditions on a CR without conditions, then the in-memory
// conditions start empty) and EnsureOperandAndComplete / updateConditions
// (an operand error leaves ReconcileComplete=False/ReconcileFailed, and
// every type nothing set is Unknown/StatusUnknown), with
// controllers/operandhandler/operandHandler.go stopping at the failing
// operand.
func TestHCOFirstReconcileWithOperandError(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		reason    string
		component string
		kubeVirt  bool // the KubeVirt CR exists while the fault lasts
	}{
		{"the KubeVirt operand fails: no KubeVirt CR", conditions.ComponentKubeVirt, false},
		{"CDI fails: KubeVirt, reconciled before it, has its CR", conditions.ComponentCDI, true},
	} {
		c := NewCluster(Options{Start: t0})
		c.SetClusterVersion(update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
		c.SetOperator(Operator{Version: "4.14.3"}) // before the HyperConverged exists: HCO has not reconciled it
		c.SetHyperConverged(update.HyperConverged{})
		c.AddNodes(worker("w0", "", time.Hour), worker("w1", "", time.Hour))
		c.FailOperand(tc.component, time.Minute)
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		hc, _ := c.GetHyperConverged(ctx)
		for _, typ := range conditions.HyperConvergedTypes() {
			cond := meta(hc.Status.Conditions, typ)
			want, reason := metav1.ConditionUnknown, "StatusUnknown"
			if typ == conditions.TypeReconcileComplete {
				want, reason = metav1.ConditionFalse, "ReconcileFailed"
			}
			if cond.Status != want || cond.Reason != reason {
				t.Errorf("%s: %s = %s/%s, want %s/%s", tc.reason, typ, cond.Status, cond.Reason, want, reason)
			}
		}
		if rc := meta(hc.Status.Conditions, conditions.TypeReconcileComplete); !strings.HasPrefix(rc.Message, "Error while reconciling: ") {
			t.Errorf("%s: ReconcileComplete message %q, want HCO's \"Error while reconciling: …\"", tc.reason, rc.Message)
		}
		if _, err := c.GetKubeVirt(ctx); (err == nil) != tc.kubeVirt {
			t.Errorf("%s: KubeVirt CR exists = %v, want %v", tc.reason, err == nil, tc.kubeVirt)
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
		hc, _ = c.GetHyperConverged(ctx)
		for _, typ := range []string{conditions.TypeReconcileComplete, conditions.TypeAvailable} {
			if cond := meta(hc.Status.Conditions, typ); cond.Status != metav1.ConditionTrue {
				t.Errorf("%s: once the operand reconciles, %s = %s/%s, want True", tc.reason, typ, cond.Status, cond.Reason)
			}
		}
		if _, err := c.GetKubeVirt(ctx); err != nil {
			t.Errorf("%s: once the operand reconciles the KubeVirt CR exists: %v", tc.reason, err)
		}
	}
}
