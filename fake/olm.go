package fake

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// cnvState is what the fake keeps about the OpenShift Virtualization
// operator beyond its objects.
type cnvState struct {
	// running is the HCO operator version whose CSV succeeded.
	running string
	// catalog are the versions the stable channel of the catalog offers.
	catalog []string
	// subscription is the name of the Subscription OLM drives.
	subscription string
	// upgradeStart is when HCO entered upgrade mode, zero outside one.
	upgradeStart time.Time
	// launcherImage is the virt-launcher image of the version HCO finished
	// upgrading to: the target of workload updates.
	launcherImage string
	// operatorUpgradeable is HCO's Upgradeable OperatorCondition.
	operatorUpgradeable metav1.Condition
	// installDone is when the Installing CSV finishes.
	installDone time.Time
	// failInstalls makes the next n installs fail.
	failInstalls int
	// maxOpenShift holds the olm.maxOpenShiftVersion property set on CSVs
	// ("" for none), by CSV.
	maxOpenShift map[key]string
	// offer is offered's last answer, which the OLM controller asks for
	// at every reconcile; versions and minors the versions OLM's
	// ClusterOperator read (parseVersion, parseMaxOpenShiftVersion).
	offer    offerMemo
	versions map[string]parsedVersion
	minors   map[string]parsedMinor
}

type offerMemo struct {
	set                     bool
	installed, ocp, version string
	catalog                 []string
}

// offered is the package's offered, remembered for its last inputs.
func (c *Cluster) offered(installed, ocp string) string {
	m := &c.cnv.offer
	if !m.set || m.installed != installed || m.ocp != ocp || !slices.Equal(m.catalog, c.cnv.catalog) {
		*m = offerMemo{set: true, installed: installed, ocp: ocp, catalog: slices.Clone(c.cnv.catalog),
			version: offered(c.compat, installed, ocp, c.cnv.catalog)}
	}
	return m.version
}

// Operator describes the installed OpenShift Virtualization operator.
type Operator struct {
	// Version is the installed CNV version, e.g. "4.14.3".
	Version string
	// Approval is the Subscription's installPlanApproval: update.ApprovalAutomatic
	// (the default) or update.ApprovalManual.
	Approval string
	// Catalog lists the CNV versions the catalog's stable channel offers.
	// OLM offers the newest one the CNV↔OCP rules allow.
	Catalog []string
	// Subscription is the name of the operator's Subscription in
	// update.DefaultNamespace, the one the fake's OLM drives; "" means
	// update.DefaultSubscriptionName. A cluster's own may be named
	// otherwise (the console names it after the package, a GitOps
	// repository as it likes): plans then name it (update.Request's
	// Subscription).
	Subscription string
}

// CSVName is the name of the CNV CSV of a version.
func CSVName(version string) string { return update.HyperConvergedPackage + "-operator.v" + version }

// SetOperator installs the OpenShift Virtualization operator at a version:
// its Subscription, its Succeeded CSV, and HCO reporting that version. Call
// it after SetHyperConverged.
func (c *Cluster) SetOperator(op Operator) {
	c.mu.Lock()
	defer c.mu.Unlock()
	approval := op.Approval
	if approval == "" {
		approval = update.ApprovalAutomatic
	}
	ns := update.DefaultNamespace
	csv := CSVName(op.Version)
	name := cmp.Or(op.Subscription, update.DefaultSubscriptionName)
	if old := c.cnvSubscription(); old != name {
		delete(c.subs, key{ns, old}) // one Subscription of the package per namespace
	}
	c.cnv.subscription = name
	c.subs[key{ns, name}] = &update.Subscription{
		Namespace: ns, Name: name, Package: update.HyperConvergedPackage, Channel: "stable",
		InstallPlanApproval: approval, CurrentCSV: csv, InstalledCSV: csv, State: "AtLatestKnown",
	}
	c.csvs[key{ns, csv}] = &conditions.CSV{Name: csv, DisplayName: "OpenShift Virtualization", Version: op.Version, Phase: conditions.CSVPhaseSucceeded}
	c.cnv.running = op.Version
	c.cnv.catalog = slices.Clone(op.Catalog)
	c.setLauncherImage(LauncherImage(op.Version))
	c.cnv.operatorUpgradeable = metav1.Condition{Type: conditions.TypeUpgradeable, Status: metav1.ConditionTrue, Reason: conditions.ReasonUpgradeable}
	c.hcoSim.idle = false // HCO looks at its new status
	if c.hco != nil {
		c.hco.Status.Versions = setVersion(c.hco.Status.Versions, op.Version)
		if c.hco.Status.Conditions == nil {
			c.hco.Status.Conditions = c.aggregator.Aggregate(c.clock, nil, conditions.Input{Generation: c.hco.Generation}).Conditions
			c.hco.Status.ObservedGeneration = c.hco.Generation
		}
	}
}

// cnvSubscription is the name of the Subscription the fake's OLM drives.
// The caller holds c.mu.
func (c *Cluster) cnvSubscription() string {
	return cmp.Or(c.cnv.subscription, update.DefaultSubscriptionName)
}

// SetCatalog sets the OpenShift Virtualization versions the catalog's
// stable channel offers (what `oc get packagemanifest
// kubevirt-hyperconverged` lists), as Operator.Catalog does, and changes
// nothing else: the operator, its Subscription and its CSVs stay as they
// are. OLM offers the newest version the CNV↔OCP rules allow at its next
// reconcile.
func (c *Cluster) SetCatalog(versions ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cnv.catalog = slices.Clone(versions)
	c.dirty = true
}

// FailNextOperatorInstalls makes the next n CNV CSV installs fail, as an
// install that times out does: the new CSV goes Failed and both remain.
func (c *Cluster) FailNextOperatorInstalls(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cnv.failInstalls = n
}

// olmController plays OLM for the CNV Subscription: InstallPlans for what the
// catalog offers, approval, and the CSV phases of an update. The next CSV
// stays Pending while the running operator's OperatorCondition (which HCO
// sets from its own Upgradeable) is Upgradeable=False. It also keeps OLM's
// ClusterOperator (see syncOLMClusterOperator).
type olmController struct{ c *Cluster }

func (olmController) name() string { return ControllerOLM }

func (o olmController) reconcile(now time.Time) time.Time {
	c := o.c
	c.syncOLMClusterOperator(now)
	ns := update.DefaultNamespace
	sub := c.subs[key{ns, c.cnvSubscription()}]
	if sub == nil {
		return time.Time{}
	}
	installed := c.csvs[key{ns, sub.InstalledCSV}]
	if installed == nil {
		return time.Time{}
	}

	// A new InstallPlan when the catalog offers a newer version.
	if sub.CurrentCSV == sub.InstalledCSV {
		if v := c.offered(installed.Version, c.ocpVersion()); v != "" {
			name := c.generateName("install-")
			manual := sub.InstallPlanApproval == update.ApprovalManual
			phase := update.InstallPlanInstalling
			if manual {
				phase = update.InstallPlanRequiresApproval
			}
			c.plans[key{ns, name}] = &update.InstallPlan{Namespace: ns, Name: name, CSVNames: []string{CSVName(v)},
				Approval: sub.InstallPlanApproval, Approved: !manual, Phase: phase}
			sub.CurrentCSV, sub.InstallPlanRef, sub.State = CSVName(v), name, "UpgradePending"
			c.record(KindInstallPlan, ns, name, "Created", fmt.Sprintf("InstallPlan for %s (%s)", v, phase))
		}
	}

	ip := c.plans[key{ns, sub.InstallPlanRef}]
	if ip == nil {
		return time.Time{}
	}
	if ip.Phase == update.InstallPlanRequiresApproval && ip.Approved {
		ip.Phase = update.InstallPlanInstalling
		c.record(KindInstallPlan, ns, ip.Name, "Installing", "approved: installing "+strings.Join(ip.CSVNames, ", "))
	}
	if ip.Phase != update.InstallPlanInstalling {
		return time.Time{}
	}
	target := c.csvs[key{ns, sub.CurrentCSV}]
	if target == nil {
		target = &conditions.CSV{Name: sub.CurrentCSV, DisplayName: installed.DisplayName, Version: versionOfCSV(sub.CurrentCSV),
			Replaces: installed.Name, Phase: conditions.CSVPhasePending, Reason: "RequirementsUnknown"}
		c.csvs[key{ns, target.Name}] = target
		c.record(KindCSV, ns, target.Name, "Created", "replaces "+installed.Name+"; Pending")
	}
	switch target.Phase {
	case conditions.CSVPhasePending:
		if c.cnv.operatorUpgradeable.Status == metav1.ConditionFalse {
			if target.Reason != conditions.CSVReasonOperatorConditionNotUpgradeable {
				target.Reason = conditions.CSVReasonOperatorConditionNotUpgradeable
				// isOperatorUpgradeable's error, wrapped by the CSV's message.
				target.Message = "operator is not upgradeable: the operator is not upgradeable: " + c.cnv.operatorUpgradeable.Message
				c.record(KindCSV, ns, target.Name, "Pending", "held: "+target.Message)
			}
			return time.Time{}
		}
		target.Phase, target.Reason, target.Message = conditions.CSVPhaseInstalling, "InstallSucceeded", "waiting for install components to report healthy"
		installed.Phase, installed.Reason, installed.Message = conditions.CSVPhaseReplacing, "BeingReplaced", "being replaced by csv: "+target.Name
		c.cnv.installDone = now.Add(c.timing.OperatorInstall)
		c.record(KindCSV, ns, target.Name, "Installing", "REPLACES "+installed.Name+", which is Replacing")
		return c.cnv.installDone
	case conditions.CSVPhaseInstalling:
		if now.Before(c.cnv.installDone) {
			return c.cnv.installDone
		}
		if c.cnv.failInstalls > 0 {
			c.cnv.failInstalls--
			target.Phase, target.Reason, target.Message = conditions.CSVPhaseFailed, "InstallCheckFailed", "install timeout"
			ip.Phase = update.InstallPlanFailed
			c.record(KindCSV, ns, target.Name, "Failed", "install timeout (injected); both CSVs remain")
			return time.Time{}
		}
		target.Phase, target.Reason, target.Message = conditions.CSVPhaseSucceeded, "InstallSucceeded", "install strategy completed with no errors"
		delete(c.csvs, key{ns, installed.Name})
		ip.Phase = update.InstallPlanComplete
		sub.InstalledCSV, sub.State = target.Name, "AtLatestKnown"
		c.cnv.running = target.Version
		c.record(KindCSV, ns, target.Name, "Succeeded", "VERSION "+target.Version+"; "+installed.Name+" replaced and deleted")
	}
	return time.Time{}
}

func versionOfCSV(name string) string {
	return strings.TrimPrefix(name, update.HyperConvergedPackage+"-operator.v")
}

// ocpVersion is the platform version the cluster finished updating to.
func (c *Cluster) ocpVersion() string {
	if c.cv == nil {
		return ""
	}
	return c.cv.CurrentVersion()
}

// offered is the version OLM installs next from the catalog, by the
// Compatibility's rules (OpenShift's: the newest z-stream of the installed
// minor, else the newest release of the next minor once OpenShift runs
// it); "" when nothing is offered (or a version does not parse).
func offered(compat channel.Compatibility, installed, ocp string, catalog []string) string {
	iv, err1 := channel.ParseVersion(installed)
	ov, err2 := channel.ParseVersion(ocp)
	if err1 != nil || err2 != nil {
		return ""
	}
	versions := make([]channel.Version, 0, len(catalog))
	for _, v := range catalog {
		if cv, err := channel.ParseVersion(v); err == nil {
			versions = append(versions, cv)
		}
	}
	next, err := compat.NextUpdate(ov, iv, versions)
	if err != nil {
		return ""
	}
	return next.String()
}
