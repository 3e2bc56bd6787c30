package main

import (
	"fmt"
	"strings"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/report"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// How long the MCO's drain controller keeps at a drain before it slows its
// retries down (DrainRequeueFailingThreshold) and before it gives up
// reporting it as failed (DrainTimeoutDuration: a DrainFailed event, the
// MCCDrainError alert; it still retries).
const (
	drainSlowAfter = 10 * time.Minute
	drainTimeout   = time.Hour
)

// drainFacts are what the drain findings read.
type drainFacts struct {
	// vmis are the running VMIs by node (nil without OpenShift
	// Virtualization); cluster is the cluster-wide eviction strategy.
	vmis    map[string][]*kubevirtv1.VirtualMachineInstance
	cluster kubevirtv1.EvictionStrategy
	// pdbs are the PodDisruptionBudgets, when known.
	pdbs      []policyv1.PodDisruptionBudget
	pdbsKnown bool
	now       time.Time
}

// pdbsAtLimit are the budgets that allow no disruption now while pods are
// expected (status.disruptionsAllowed 0), as `oc adm upgrade status` reads
// the PodDisruptionBudgetAtLimit alert; KubeVirt's own budgets of its VMIs
// are left out: its eviction webhook migrates those VMIs instead.
func pdbsAtLimit(pdbs []policyv1.PodDisruptionBudget) []string {
	var out []string
	for _, p := range pdbs {
		vmiOwned := false
		for _, r := range p.OwnerReferences {
			vmiOwned = vmiOwned || r.Kind == "VirtualMachineInstance"
		}
		if vmiOwned || p.Status.ExpectedPods == 0 || p.Status.DisruptionsAllowed > 0 {
			continue
		}
		out = append(out, "PodDisruptionBudget "+p.Namespace+"/"+p.Name)
	}
	return out
}

// liveMigratable is the reason and message of a VMI's LiveMigratable=False
// condition.
func liveMigratable(vmi *kubevirtv1.VirtualMachineInstance) string {
	for _, c := range vmi.Status.Conditions {
		if c.Type == kubevirtv1.VirtualMachineInstanceIsMigratable && c.Status != "True" {
			if c.Message == "" {
				return c.Reason
			}
			return c.Reason + ": " + c.Message
		}
	}
	return "no LiveMigratable=True condition"
}

// drainFindings judges each draining node:
//
//   - a VMI on it whose eviction KubeVirt's webhook denies (eviction
//     strategy LiveMigrate, not live-migratable; or External) makes the
//     drain wait forever: an Error, at once;
//   - a VMI the drain will shut down (LiveMigrateIfPossible or None, not
//     migratable): a Warning;
//   - PodDisruptionBudgets at their limit while the node has been draining
//     for longer than drainSlowAfter: a Warning that they hold the drain,
//     an Error past drainTimeout (the MCO's drain controller reports the
//     drain failed then); while not known how long the node has drained,
//     Info.
func drainFindings(pools []poolStatus, f drainFacts) []update.Finding {
	var out []update.Finding
	var atLimit []string
	if f.pdbsKnown {
		atLimit = pdbsAtLimit(f.pdbs)
	}
	for _, p := range pools {
		for _, n := range p.Nodes {
			if n.Phase != phaseDraining {
				continue
			}
			draining := "draining"
			if !n.Since.IsZero() && f.now.Sub(n.Since) >= time.Second {
				draining = "draining for " + report.FormatDuration(f.now.Sub(n.Since))
			}
			var denied, denyWhy, shutdown []string
			for _, vmi := range f.vmis[n.Name] {
				pred := workload.PredictEviction(vmi, &f.cluster, nil)
				obj := "VMI " + vmi.Namespace + "/" + vmi.Name
				switch pred.Outcome {
				case workload.EvictionDenied, workload.EvictionExternal:
					denied = append(denied, obj)
					denyWhy = append(denyWhy, fmt.Sprintf("%s/%s (eviction strategy %s; %s)", vmi.Namespace, vmi.Name, pred.Strategy, liveMigratable(vmi)))
				case workload.EvictionShutsDown:
					shutdown = append(shutdown, obj)
				}
			}
			if len(denied) > 0 {
				out = append(out, update.Finding{Check: checkDrainVMI, Severity: update.SeverityError, Objects: append([]string{"node " + n.Name}, denied...),
					Reason: fmt.Sprintf("pool %s: node %s is %s, and KubeVirt's eviction webhook denies the eviction of %s: the drain cannot finish, and the pool's update stalls",
						p.Name, n.Name, draining, strings.Join(denyWhy, ", ")),
					Remedy: "make the VMI migratable, or give it evictionStrategy LiveMigrateIfPossible (or None) with runStrategy Always on its VirtualMachine so it restarts elsewhere, or stop it"})
			}
			if len(shutdown) > 0 {
				out = append(out, update.Finding{Check: checkDrainShutdown, Severity: update.SeverityWarning, Objects: append([]string{"node " + n.Name}, shutdown...),
					Reason: fmt.Sprintf("pool %s: node %s is %s: its drain shuts down %s that cannot live-migrate", p.Name, n.Name, draining, plural(len(shutdown), "VMI", "VMIs")),
					Remedy: "expect downtime for them; VirtualMachines with runStrategy Always restart them on another node"})
			}
			if len(atLimit) == 0 {
				continue
			}
			pf := update.Finding{Check: checkDrainPDB, Severity: update.SeverityInfo, Objects: append([]string{"node " + n.Name}, atLimit...),
				Reason: fmt.Sprintf("pool %s: node %s is %s while %s no disruption: the drain waits on any of them whose pods run on the node",
					p.Name, n.Name, draining, plural(len(atLimit), "PodDisruptionBudget allows", "PodDisruptionBudgets allow")),
				Remedy: "scale the budgets' workloads up, or relax the budgets (minAvailable / maxUnavailable), or move their pods off the node"}
			switch d := f.now.Sub(n.Since); {
			case n.Since.IsZero():
			case d >= drainTimeout:
				pf.Severity = update.SeverityError
				pf.Reason += fmt.Sprintf(" (past the MCO's drain timeout of %s, it reports the drain failed)", report.FormatDuration(drainTimeout))
			case d >= drainSlowAfter:
				pf.Severity = update.SeverityWarning
			default:
				continue
			}
			out = append(out, pf)
		}
	}
	return out
}
