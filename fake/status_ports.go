package fake

import (
	"cmp"
	"context"
	"slices"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

// The optional ports `virtupdate status` reads: the ClusterOperators (how
// far the control plane is) and the rendered MachineConfigs (which release
// each node runs), with the machine-config daemon's node annotations that
// name them.

var (
	_ update.ClusterOperators = (*Cluster)(nil)
	_ update.MachineConfigs   = (*Cluster)(nil)
)

// PayloadClusterOperators are the ClusterOperators the fake's release
// payload has, those of an OpenShift 4.14 to 4.16 cluster, roughly in the
// order the CVO's run levels reach them; machine-config is last: it reports
// the new version only once the master pool has rolled out (the fake's CVO
// completes the update then).
var PayloadClusterOperators = []string{
	"config-operator", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
	"cloud-credential", "kube-storage-version-migrator", "openshift-apiserver", "openshift-controller-manager",
	"authentication", "machine-api", "cloud-controller-manager", "control-plane-machine-set", "cluster-autoscaler",
	"baremetal", "machine-approver", "csi-snapshot-controller", "storage", "image-registry", "ingress",
	"insights", "console", "dns", "network", "node-tuning", "monitoring", "marketplace", "openshift-samples",
	"operator-lifecycle-manager", "operator-lifecycle-manager-catalog", "operator-lifecycle-manager-packageserver",
	"service-ca", ClusterOperatorMachineConfig,
}

// ClusterOperatorMachineConfig is the MCO's ClusterOperator.
const ClusterOperatorMachineConfig = "machine-config"

// The machine-config daemon's states and drain verbs the fake writes on its
// nodes (machine-config-operator pkg/daemon/constants/constants.go), and
// the post-config action the daemon sets before it reboots a node
// (pkg/daemon/update.go reboot).
const (
	mcdStateDone                 = "Done"
	mcdStateWorking              = "Working"
	mcdPostConfigAction          = "machineconfiguration.openshift.io/post-config-action"
	mcdPostConfigActionRebooting = "Rebooting"
	drainVerb                    = "drain-"
	uncordonVerb                 = "uncordon-"
)

// RenderedConfigName is the name the fake gives the rendered MachineConfig
// of a pool for a platform release: one per release the MCO rolls out
// (a real cluster names it by a hash of its content).
func RenderedConfigName(pool, version string) string {
	return "rendered-" + pool + "-" + version
}

// ListClusterOperators implements update.ClusterOperators. Each payload
// operator reports, in status.versions["operator"], the release it runs:
// during an update the operators reach the target one after another over
// the control plane's time (Timing.PlatformUpdate), each Progressing=True
// while it is the one updating, and machine-config last, once the update
// completes. They are Available and not Degraded, unless
// SetClusterOperatorCondition (or the fake's OLM, for its own operator)
// set a condition, which replaces the modelled one of its type. Sorted by
// name.
func (c *Cluster) ListClusterOperators(ctx context.Context) ([]update.ClusterOperator, error) {
	if err := portRead(ctx, "list", "ClusterOperator", "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	byName := map[string]*update.ClusterOperator{}
	if c.cv != nil && len(c.cv.History) > 0 {
		for i, name := range PayloadClusterOperators {
			co := c.modelledOperator(i, now)
			byName[name] = &co
		}
	}
	for name, set := range c.cvo.operators {
		co := byName[name]
		if co == nil {
			m := c.modelledOperator(-1, now)
			m.Name = name
			co = &m
			byName[name] = co
		}
		for _, cond := range set.Status.Conditions {
			mc := metav1.Condition{Type: string(cond.Type), Status: metav1.ConditionStatus(cond.Status), Reason: cond.Reason,
				Message: cond.Message, LastTransitionTime: cond.LastTransitionTime}
			if i := slices.IndexFunc(co.Conditions, func(x metav1.Condition) bool { return x.Type == mc.Type }); i >= 0 {
				co.Conditions[i] = mc
			} else {
				co.Conditions = append(co.Conditions, mc)
			}
		}
	}
	out := make([]update.ClusterOperator, 0, len(byName))
	for _, name := range slices.Sorted(mapsKeys(byName)) {
		out = append(out, *byName[name])
	}
	return out, nil
}

// modelledOperator is the i-th payload operator at now (i < 0: an operator
// outside the list, which reaches the target when the control plane is
// done). The caller holds c.mu.
func (c *Cluster) modelledOperator(i int, now time.Time) update.ClusterOperator {
	h := c.cv.History[0]
	target, prev := h.Version, h.Version
	for _, e := range c.cv.History[1:] {
		if e.State == update.UpdateCompleted {
			prev = e.Version
			break
		}
	}
	installed := c.cv.History[len(c.cv.History)-1].StartedTime
	name := ""
	if i >= 0 {
		name = PayloadClusterOperators[i]
	}
	// The window in which the operator updates: [from, to).
	var from, to time.Time
	updating := h.State == update.UpdatePartial
	done := c.cvo.done // when the control plane of the update in flight is done
	if done.Before(h.StartedTime) {
		done = h.StartedTime.Add(c.timing.PlatformUpdate)
	}
	switch {
	case !updating:
		from, to = h.StartedTime, cmp.Or(h.CompletionTime, h.StartedTime)
	case name == ClusterOperatorMachineConfig:
		from, to = done, time.Time{} // until the update completes
	case i < 0:
		from, to = h.StartedTime, done
	default:
		n := time.Duration(len(PayloadClusterOperators) - 1)
		span := done.Sub(h.StartedTime)
		from = h.StartedTime.Add(span * time.Duration(i) / n)
		to = h.StartedTime.Add(span * time.Duration(i+1) / n)
	}
	reached := !updating || (!to.IsZero() && !now.Before(to))
	version := prev
	progressing := metav1.Condition{Type: "Progressing", Status: metav1.ConditionFalse, Reason: "AsExpected",
		Message: "the operator is at version " + prev, LastTransitionTime: metav1.NewTime(installed)}
	switch {
	case reached:
		version = target
		progressing.Message = "the operator is at version " + target
		progressing.LastTransitionTime = metav1.NewTime(cmp.Or(to, installed))
	case !now.Before(from):
		progressing = metav1.Condition{Type: "Progressing", Status: metav1.ConditionTrue, Reason: "Updating",
			Message: "Working towards " + target, LastTransitionTime: metav1.NewTime(from)}
	}
	return update.ClusterOperator{
		Name:     name,
		Versions: []update.OperandVersion{{Name: "operator", Version: version}},
		Conditions: []metav1.Condition{
			{Type: string(configv1.OperatorAvailable), Status: metav1.ConditionTrue, Reason: "AsExpected", LastTransitionTime: metav1.NewTime(installed)},
			progressing,
			{Type: string(configv1.OperatorDegraded), Status: metav1.ConditionFalse, Reason: "AsExpected", LastTransitionTime: metav1.NewTime(installed)},
		},
	}
}

// ListMachineConfigs implements update.MachineConfigs: one rendered
// MachineConfig per pool and per release the cluster has run or rolls out
// (RenderedConfigName), annotated with that release, sorted by name.
func (c *Cluster) ListMachineConfigs(ctx context.Context) ([]update.MachineConfig, error) {
	if err := portRead(ctx, "list", "MachineConfig", "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	versions := map[string]bool{}
	if c.cv != nil {
		for _, h := range c.cv.History {
			versions[h.Version] = true
		}
	}
	versions[c.mco.desired] = true
	for _, s := range c.mco.nodes {
		versions[s.config] = true
	}
	pools := map[string]bool{}
	for name := range c.pools {
		pools[name] = true
	}
	for _, p := range c.nodePool {
		pools[p] = true
	}
	var out []update.MachineConfig
	for p := range pools {
		for v := range versions {
			if p != "" && v != "" {
				out = append(out, update.MachineConfig{Name: RenderedConfigName(p, v), ReleaseVersion: v})
			}
		}
	}
	slices.SortFunc(out, func(a, b update.MachineConfig) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// MachineConfigDaemonAnnotations returns the annotations the
// machine-config daemon and the MCO's node and drain controllers keep on
// the node, as the fake's MCO rolls it (machine-config-operator
// pkg/daemon/daemon.go and update.go, pkg/controller/drain):
//
//	not picked yet or done   currentConfig = desiredConfig, state Done, drain "uncordon-<current>" applied
//	draining                 desiredConfig the pool's target, state Working, "drain-<target>" asked, not yet applied
//	rebooting (or down)      state Working, "drain-<target>" applied, post-config-action Rebooting
//
// Nil for a node the fake does not have.
func (c *Cluster) MachineConfigDaemonAnnotations(node string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.machineConfigDaemonAnnotations(node)
}

// machineConfigDaemonAnnotations is MachineConfigDaemonAnnotations with
// c.mu held.
func (c *Cluster) machineConfigDaemonAnnotations(node string) map[string]string {
	n := c.nodes[node]
	if n == nil {
		return nil
	}
	pool := cmp.Or(c.nodePool[node], poolOf(n))
	target := cmp.Or(c.mco.desired, c.ocpVersion())
	cur, phase := target, nodeReady
	if s := c.mco.nodes[node]; s != nil {
		cur, phase = s.config, s.phase
	}
	current, want := RenderedConfigName(pool, cur), RenderedConfigName(pool, target)
	a := map[string]string{update.NodeCurrentConfigAnnotation: current}
	switch phase {
	case nodeDraining:
		a[update.NodeDesiredConfigAnnotation] = want
		a[update.NodeStateAnnotation] = mcdStateWorking
		a[update.NodeDesiredDrainAnnotation] = drainVerb + want
		a[update.NodeLastAppliedDrainAnnotation] = uncordonVerb + current
	case nodeRebooting, nodeDown:
		a[update.NodeDesiredConfigAnnotation] = want
		a[update.NodeStateAnnotation] = mcdStateWorking
		a[update.NodeDesiredDrainAnnotation] = drainVerb + want
		a[update.NodeLastAppliedDrainAnnotation] = drainVerb + want
		a[mcdPostConfigAction] = mcdPostConfigActionRebooting
	default:
		a[update.NodeDesiredConfigAnnotation] = current
		a[update.NodeStateAnnotation] = mcdStateDone
		a[update.NodeDesiredDrainAnnotation] = uncordonVerb + current
		a[update.NodeLastAppliedDrainAnnotation] = uncordonVerb + current
	}
	return a
}

// PoolTargetConfig is the pool's spec.configuration.name: the rendered
// MachineConfig of the release the fake's MCO rolls out, "" for a pool the
// fake does not have.
func (c *Cluster) PoolTargetConfig(pool string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pools[pool] == nil {
		return ""
	}
	return RenderedConfigName(pool, cmp.Or(c.mco.desired, c.ocpVersion()))
}
