package fake

import (
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// LauncherImage is the virt-launcher image the fake's CNV version deploys;
// a VMI whose status.launcherContainerImageVersion differs from the current
// one is outdated.
func LauncherImage(cnvVersion string) string {
	return "registry.example/virt-launcher:v" + cnvVersion
}

// hcoController plays HCO: while a new operator version rolls out its
// components report Progressing, and the HyperConverged conditions come from
// conditions.Aggregate, exactly as HCO computes them.
type hcoController struct{ c *Cluster }

func (hcoController) name() string { return ControllerHCO }

// hcoComponents are the components the fake HCO deploys, in HCO's order.
var hcoComponents = []string{conditions.ComponentKubeVirt, conditions.ComponentCDI, conditions.ComponentNetworkAddonsConfig, conditions.ComponentSSP}

// hcoInputs is what an HCO reconcile reads. A reconcile that ended idle
// (no upgrade or operand fault in progress, nothing changed, no event) at
// the same inputs would change nothing again, so it is skipped.
type hcoInputs struct {
	hc            *update.HyperConverged
	rv            string
	generation    int64
	running       string
	workers       int
	kv            *kubevirtv1.KubeVirt
	kvRV          string
	launcherImage string
	fault         operandFault
}

func (c *Cluster) hcoInputs() hcoInputs {
	in := hcoInputs{hc: c.hco, running: c.cnv.running, workers: c.hcoSim.workers, kv: c.kv,
		launcherImage: c.cnv.launcherImage, fault: c.hcoSim.operandFault}
	if c.hco != nil {
		in.rv, in.generation = c.hco.ResourceVersion, c.hco.Generation
	}
	if c.kv != nil {
		in.kvRV = c.kv.ResourceVersion
	}
	return in
}

// checkIdleHCO, when set (by this package's tests), is called before a
// reconcile of HCO that an idle HCO skips, and the function it returns
// after it: it fails when that reconcile changed anything.
var checkIdleHCO func(c *Cluster) (after func())

func (h hcoController) reconcile(now time.Time) time.Time {
	c := h.c
	in := c.hcoInputs()
	if c.hcoSim.idle && in == c.hcoSim.idleAt && !now.Before(c.hcoSim.idleSince) {
		if checkIdleHCO == nil {
			return time.Time{}
		}
		defer checkIdleHCO(c)()
	}
	events := len(c.events)
	next, idle := h.reconcileOnce(now)
	c.hcoSim.idle = idle && next.IsZero() && len(c.events) == events && c.hcoInputs() == in
	c.hcoSim.idleAt, c.hcoSim.idleSince = in, now
	return next
}

// reconcileOnce is one reconcile; idle reports that no upgrade and no
// operand fault were in progress.
func (h hcoController) reconcileOnce(now time.Time) (next time.Time, idle bool) {
	c := h.c
	hc := c.hco
	if hc == nil || c.cnv.running == "" {
		return time.Time{}, true
	}
	c.hcoNodeInfo(hc)
	in := conditions.Input{Generation: hc.Generation}
	switch {
	case hc.Status.Conditions == nil:
		in.FirstReconcile = true
	case hc.Status.OperatorVersion() != c.cnv.running:
		in.UpgradingTo = c.cnv.running
		if c.cnv.upgradeStart.IsZero() {
			c.cnv.upgradeStart = now
			c.record(KindHyperConverged, hc.Namespace, hc.Name, "UpgradeStarted",
				"HCO upgrading from "+hc.Status.OperatorVersion()+" to "+c.cnv.running)
		}
		next = c.cnv.upgradeStart.Add(c.timing.ComponentUpdate)
	}
	// HCO's operand handler reconciles the operands in order and stops at
	// the first that fails (controllers/operandhandler/operandHandler.go).
	failedAt, opErr := c.operandFailure(now)
	var retry time.Time
	if opErr != nil {
		retry = c.hcoSim.operandFault.until // a watch event on the operand brings HCO back
	}
	if kv := slices.Index(hcoComponents, conditions.ComponentKubeVirt); failedAt > kv {
		if err := c.reconcileKubeVirt(hc, now); err != nil {
			opErr, failedAt, retry = err, kv, time.Time{}
		}
	}
	in.OperandError = opErr
	in.Components = c.hcoSim.components[:0]
	for _, name := range hcoComponents[:failedAt] {
		comp := conditions.Component{Name: name, AtTargetVersion: true, Conditions: healthyComponent}
		if in.UpgradingTo != "" && now.Before(next) && name == conditions.ComponentKubeVirt {
			comp.AtTargetVersion = false
			comp.Conditions = []metav1.Condition{healthyComponent[0],
				{Type: conditions.TypeProgressing, Status: metav1.ConditionTrue, Message: "Deploying version " + c.cnv.running},
				healthyComponent[2]}
		}
		in.Components = append(in.Components, comp)
	}
	c.hcoSim.components = in.Components

	res := c.aggregator.Aggregate(c.clock, hc.Status.Conditions, in)
	c.cnv.operatorUpgradeable = res.OperatorUpgradeable
	if in.FirstReconcile {
		hc.Status.Versions = setVersion(hc.Status.Versions, c.cnv.running)
	}
	if res.UpgradeCompleted {
		hc.Status.Versions = setVersion(hc.Status.Versions, c.cnv.running)
		c.cnv.upgradeStart = time.Time{}
		c.setLauncherImage(LauncherImage(c.cnv.running))
		c.record(KindHyperConverged, hc.Namespace, hc.Name, "UpgradeCompleted",
			"status.versions operator = "+c.cnv.running+"; new launcher image "+c.cnv.launcherImage)
		next = time.Time{}
	}
	if changed := statusesDiffer(hc.Status.Conditions, res.Conditions); changed != "" {
		c.record(KindHyperConverged, hc.Namespace, hc.Name, "ConditionsChanged", changed)
	}
	hc.Status.Conditions = res.Conditions
	hc.Status.ObservedGeneration = hc.Generation
	hc.Status.SystemHealthStatus = res.SystemHealth
	if !retry.IsZero() && (next.IsZero() || retry.Before(next)) {
		next = retry
	}
	return next, !in.FirstReconcile && in.UpgradingTo == "" && opErr == nil
}

// healthyComponent are the conditions of a component that is up; shared,
// never modified.
var healthyComponent = []metav1.Condition{
	{Type: conditions.TypeAvailable, Status: metav1.ConditionTrue},
	{Type: conditions.TypeProgressing, Status: metav1.ConditionFalse},
	{Type: conditions.TypeDegraded, Status: metav1.ConditionFalse},
}

func setVersion(vs []update.OperandVersion, version string) []update.OperandVersion {
	for i := range vs {
		if vs[i].Name == update.HyperConvergedVersionName {
			vs[i].Version = version
			return vs
		}
	}
	return append(vs, update.OperandVersion{Name: update.HyperConvergedVersionName, Version: version})
}

// statusesDiffer describes the condition types whose status or reason
// changed, "" when none did.
func statusesDiffer(before, after []metav1.Condition) string {
	var out string
	for _, a := range after {
		i := slices.IndexFunc(before, func(b metav1.Condition) bool { return b.Type == a.Type })
		if i >= 0 && before[i].Status == a.Status && before[i].Reason == a.Reason {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += a.Type + "=" + string(a.Status) + " (" + a.Reason + ")"
	}
	return out
}
