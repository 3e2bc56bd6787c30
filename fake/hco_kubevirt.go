package fake

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// KubeVirtName is the name HCO gives the KubeVirt custom resource it
// creates: "kubevirt-" and the HyperConverged's name
// (controllers/handlers/kubevirt.go NewKubeVirtWithNameOnly).
const KubeVirtName = "kubevirt-" + update.HyperConvergedName

// hcoState is what the fake keeps about HCO beyond the HyperConverged.
type hcoState struct {
	// workers counts the nodes labelled node-role.kubernetes.io/worker,
	// which is what HCO counts to decide whether the infrastructure is
	// highly available.
	workers int
	// infraHA is the HyperConverged's status.infrastructureHighlyAvailable:
	// nil until HCO first reconciled this HyperConverged.
	infraHA *bool
	// syncedHC and syncedKV are the resourceVersions of the HyperConverged
	// and the KubeVirt CR when HCO last reconciled the KubeVirt CR.
	syncedHC, syncedKV string
	// operandFault makes HCO fail to reconcile one operand until a time.
	operandFault operandFault
	// components is scratch memory for the components of one reconcile.
	components []conditions.Component
	// idle: the reconcile at idleSince, with inputs idleAt, found nothing
	// to do and changed nothing.
	idle      bool
	idleAt    hcoInputs
	idleSince time.Time
}

type operandFault struct {
	component string
	until     time.Time
}

// FailOperand makes HCO fail to reconcile the named operand
// (conditions.ComponentKubeVirt, ComponentCDI, ComponentNetworkAddonsConfig
// or ComponentSSP; another name does nothing) for d from now, as when the
// operand's custom resource cannot be written. HCO stops at the failing
// operand, as its operand handler does: the HyperConverged gets
// ReconcileComplete=False with reason ReconcileFailed and the condition
// types no earlier operand set become Unknown; a failing KubeVirt operand
// also leaves the KubeVirt CR as it was. When the fault ends HCO reconciles
// again.
func (c *Cluster) FailOperand(component string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hcoSim.operandFault = operandFault{component: component, until: c.clock.Now().Add(d)}
	c.dirty = true
}

// SetKubeVirt stores the KubeVirt custom resource as given (a copy);
// namespace and name default to update.DefaultNamespace and KubeVirtName.
// nil removes it. The fake's HCO rewrites its spec from the HyperConverged
// on its next reconcile, as HCO does with a KubeVirt CR edited by hand.
func (c *Cluster) SetKubeVirt(kv *kubevirtv1.KubeVirt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kv == nil {
		c.kv = nil
		c.workloadChanged()
		return
	}
	cp := kv.DeepCopy()
	cp.Namespace = cmp.Or(cp.Namespace, update.DefaultNamespace)
	cp.Name = cmp.Or(cp.Name, KubeVirtName)
	cp.Generation = max(cp.Generation, 1)
	cp.ResourceVersion = c.nextRV()
	c.kv = cp
	c.workloadChanged()
}

// GetKubeVirt implements update.KubeVirts.
func (c *Cluster) GetKubeVirt(ctx context.Context) (*kubevirtv1.KubeVirt, error) {
	if err := portRead(ctx, "get", KindKubeVirt, update.DefaultNamespace, KubeVirtName); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kv == nil {
		return nil, update.NotFound("get", KindKubeVirt, update.DefaultNamespace, KubeVirtName)
	}
	return c.kv.DeepCopy(), nil
}

// defaultWorkloadUpdateStrategy is what HCO's CRD does to
// spec.workloadUpdateStrategy when the object is stored: an absent (or
// null) field takes its default, [LiveMigrate], batch 10, 1m0s; an explicit
// [] stays [].
func defaultWorkloadUpdateStrategy(s *update.WorkloadUpdateStrategy) {
	if s.WorkloadUpdateMethods == nil {
		m := slices.Clone(update.DefaultWorkloadUpdateMethods)
		s.WorkloadUpdateMethods = &m
	} else if *s.WorkloadUpdateMethods == nil {
		s.WorkloadUpdateMethods = &[]kubevirtv1.WorkloadUpdateMethod{}
	}
	if s.BatchEvictionSize == nil {
		n := update.DefaultBatchEvictionSize
		s.BatchEvictionSize = &n
	}
	if s.BatchEvictionInterval == nil {
		d, _ := time.ParseDuration(update.DefaultBatchEvictionInterval)
		s.BatchEvictionInterval = &metav1.Duration{Duration: d}
	}
}

// mutateEvictionStrategy is HCO's mutating webhook on a write of the
// HyperConverged: once HCO has recorded whether the infrastructure is highly
// available (status.infrastructureHighlyAvailable), an absent
// spec.evictionStrategy becomes LiveMigrate when it is and None when it is
// not. A new HyperConverged has no such status yet and keeps the field
// absent. It reports whether it changed the field.
func (c *Cluster) mutateEvictionStrategy(hc *update.HyperConverged) bool {
	if c.hcoSim.infraHA == nil || hc.Spec.EvictionStrategy != nil {
		return false
	}
	s := kubevirtv1.EvictionStrategyNone
	if *c.hcoSim.infraHA {
		s = kubevirtv1.EvictionStrategyLiveMigrate
	}
	hc.Spec.EvictionStrategy = &s
	return true
}

// hcoNodeInfo is HCO's reading of the nodes at each reconcile: the
// infrastructure is highly available with two or more worker nodes. On the
// first reconcile HCO updates its own HyperConverged (labels), which passes
// its mutating webhook and so defaults spec.evictionStrategy.
func (c *Cluster) hcoNodeInfo(hc *update.HyperConverged) {
	ha := c.hcoSim.workers >= 2
	if c.hcoSim.infraHA == nil || *c.hcoSim.infraHA != ha {
		c.hcoSim.infraHA = &ha
	}
	if !c.mutateEvictionStrategy(hc) {
		return
	}
	hc.Generation++
	hc.ResourceVersion = c.nextRV()
	c.record(KindHyperConverged, hc.Namespace, hc.Name, "EvictionStrategyDefaulted",
		fmt.Sprintf("spec.evictionStrategy = %s: %d worker node(s), status.infrastructureHighlyAvailable = %t",
			*hc.Spec.EvictionStrategy, c.hcoSim.workers, ha))
}

// countWorker keeps the number of worker nodes in step as a node is added
// (delta +1) or replaced (-1 for the old one).
func (c *Cluster) countWorker(n *corev1.Node, delta int) {
	if _, ok := n.Labels[LabelRoleWorker]; ok {
		c.hcoSim.workers += delta
	}
}

// reconcileKubeVirt is HCO's KubeVirt operand: it creates the KubeVirt CR,
// or brings its spec back to what the HyperConverged says. It returns the
// operand's error, if any.
func (c *Cluster) reconcileKubeVirt(hc *update.HyperConverged, now time.Time) error {
	if c.kv != nil && c.hcoSim.syncedHC == hc.ResourceVersion && c.hcoSim.syncedKV == c.kv.ResourceVersion {
		return nil
	}
	spec, err := kubeVirtSpecOf(hc)
	if err != nil {
		return err
	}
	switch {
	case c.kv == nil:
		c.kv = &kubevirtv1.KubeVirt{
			ObjectMeta: metav1.ObjectMeta{Namespace: hc.Namespace, Name: KubeVirtName, Generation: 1,
				ResourceVersion: c.nextRV(), CreationTimestamp: metav1.NewTime(now)},
			Spec:   spec,
			Status: kubevirtv1.KubeVirtStatus{Phase: kubevirtv1.KubeVirtPhaseDeployed},
		}
		c.record(KindKubeVirt, c.kv.Namespace, c.kv.Name, "Created", "from the HyperConverged: "+describeKubeVirt(spec))
		c.workloadChanged()
	case !equality.Semantic.DeepEqual(c.kv.Spec, spec):
		c.kv.Spec = spec
		c.kv.Generation++
		c.kv.ResourceVersion = c.nextRV()
		c.record(KindKubeVirt, c.kv.Namespace, c.kv.Name, "SpecUpdated", "from the HyperConverged: "+describeKubeVirt(spec))
		c.workloadChanged()
	}
	c.hcoSim.syncedHC, c.hcoSim.syncedKV = hc.ResourceVersion, c.kv.ResourceVersion
	return nil
}

// kubeVirtSpecOf is the part of the KubeVirt CR's spec HCO derives from the
// fields of the HyperConverged the fake holds
// (controllers/handlers/kubevirt.go: hcWorkloadUpdateStrategyToKv,
// hcLiveMigrationToKv, getKVConfig). Fields of liveMigrationConfig left
// unset take HCO's defaults, which its CRD stores on a real cluster.
func kubeVirtSpecOf(hc *update.HyperConverged) (kubevirtv1.KubeVirtSpec, error) {
	var spec kubevirtv1.KubeVirtSpec
	ws := hc.Spec.WorkloadUpdateStrategy
	spec.WorkloadUpdateStrategy.BatchEvictionSize = clonePtr(ws.BatchEvictionSize)
	spec.WorkloadUpdateStrategy.BatchEvictionInterval = clonePtr(ws.BatchEvictionInterval)
	if ws.WorkloadUpdateMethods != nil && len(*ws.WorkloadUpdateMethods) > 0 {
		spec.WorkloadUpdateStrategy.WorkloadUpdateMethods = slices.Clone(*ws.WorkloadUpdateMethods)
	}
	mig := workload.HCOMigrationDefaults(true)
	lm := hc.Spec.LiveMigrationConfig
	if lm.ParallelMigrationsPerCluster != nil {
		mig.ParallelMigrationsPerCluster = clonePtr(lm.ParallelMigrationsPerCluster)
	}
	if lm.ParallelOutboundMigrationsPerNode != nil {
		mig.ParallelOutboundMigrationsPerNode = clonePtr(lm.ParallelOutboundMigrationsPerNode)
	}
	if lm.CompletionTimeoutPerGiB != nil {
		mig.CompletionTimeoutPerGiB = clonePtr(lm.CompletionTimeoutPerGiB)
	}
	if lm.ProgressTimeout != nil {
		mig.ProgressTimeout = clonePtr(lm.ProgressTimeout)
	}
	if lm.BandwidthPerMigration != nil {
		q, err := resource.ParseQuantity(*lm.BandwidthPerMigration)
		if err != nil {
			return spec, fmt.Errorf("failed to parse the LiveMigrationConfig.bandwidthPerMigration field; %w", err)
		}
		mig.BandwidthPerMigration = &q
	}
	spec.Configuration.MigrationConfiguration = &mig
	spec.Configuration.EvictionStrategy = clonePtr(hc.Spec.EvictionStrategy)
	return spec, nil
}

func describeKubeVirt(spec kubevirtv1.KubeVirtSpec) string {
	es := "unset"
	if s := spec.Configuration.EvictionStrategy; s != nil {
		es = string(*s)
	}
	m := spec.Configuration.MigrationConfiguration
	bw := "unlimited"
	if m.BandwidthPerMigration != nil && !m.BandwidthPerMigration.IsZero() {
		bw = m.BandwidthPerMigration.String() + "/s"
	}
	methods := spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	return fmt.Sprintf("evictionStrategy %s, workloadUpdateMethods %s, migrations %d per cluster, %d per node, %s, completionTimeoutPerGiB %d s, progressTimeout %d s",
		es, update.ShowMethods(&methods), *m.ParallelMigrationsPerCluster, *m.ParallelOutboundMigrationsPerNode, bw,
		*m.CompletionTimeoutPerGiB, *m.ProgressTimeout)
}

// clusterEvictionStrategy is the eviction strategy virt-controller and the
// eviction webhook apply to a VMI without its own: the KubeVirt CR's
// spec.configuration.evictionStrategy (nil: KubeVirt's default, None; also
// when there is no KubeVirt CR, and so no KubeVirt deployed to act).
func (c *Cluster) clusterEvictionStrategy() *kubevirtv1.EvictionStrategy {
	if c.kv == nil {
		return nil
	}
	return c.kv.Spec.Configuration.EvictionStrategy
}

// migrationConfig is the live migration configuration virt-controller and
// virt-handler apply: the KubeVirt CR's spec.configuration.migrations, each
// field it leaves unset taking KubeVirt's default (pkg/virt-config). It is
// cached per resourceVersion of the KubeVirt CR; callers must not modify it.
func (c *Cluster) migrationConfig() kubevirtv1.MigrationConfiguration {
	rv := ""
	if c.kv != nil {
		rv = "kv/" + c.kv.ResourceVersion
	}
	if c.virt.migCfgOf == rv && c.virt.migCfg != nil {
		return *c.virt.migCfg
	}
	cfg := workload.KubeVirtMigrationDefaults()
	if c.kv != nil {
		if m := c.kv.Spec.Configuration.MigrationConfiguration; m != nil {
			cfg.ParallelMigrationsPerCluster = cmp.Or(m.ParallelMigrationsPerCluster, cfg.ParallelMigrationsPerCluster)
			cfg.ParallelOutboundMigrationsPerNode = cmp.Or(m.ParallelOutboundMigrationsPerNode, cfg.ParallelOutboundMigrationsPerNode)
			cfg.CompletionTimeoutPerGiB = cmp.Or(m.CompletionTimeoutPerGiB, cfg.CompletionTimeoutPerGiB)
			cfg.ProgressTimeout = cmp.Or(m.ProgressTimeout, cfg.ProgressTimeout)
			cfg.BandwidthPerMigration = cmp.Or(m.BandwidthPerMigration, cfg.BandwidthPerMigration)
			cfg.AllowAutoConverge = cmp.Or(m.AllowAutoConverge, cfg.AllowAutoConverge)
			cfg.AllowPostCopy = cmp.Or(m.AllowPostCopy, cfg.AllowPostCopy)
			cfg.AllowWorkloadDisruption = cmp.Or(m.AllowWorkloadDisruption, cfg.AllowWorkloadDisruption)
		}
	}
	c.virt.migCfg, c.virt.migCfgOf = &cfg, rv
	return cfg
}

// operandFailure is the operand HCO fails to reconcile at now, if any:
// its index in hcoComponents (len(hcoComponents) when none) and the error.
func (c *Cluster) operandFailure(now time.Time) (int, error) {
	f := c.hcoSim.operandFault
	if f.component == "" || !now.Before(f.until) {
		return len(hcoComponents), nil
	}
	i := slices.Index(hcoComponents, f.component)
	if i < 0 {
		return len(hcoComponents), nil
	}
	return i, fmt.Errorf("failed to reconcile %s (injected until %s)", f.component, f.until.UTC().Format(time.RFC3339))
}
