package update

import (
	"fmt"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// Pre-flight checks of what node drains will do to the VMIs.
const (
	// CheckDrainShutdown: VMIs a drain shuts down (downtime), with whether
	// they come back.
	CheckDrainShutdown = "DrainShutsDownVMIs"
	// CheckDrainDataLoss: standalone VMIs a drain deletes.
	CheckDrainDataLoss = "DrainDeletesVMIs"
)

// drainsNodes reports whether an update of this kind reboots nodes: every
// update of OpenShift does (the MCO drains each node); an update of
// OpenShift Virtualization alone does not.
func drainsNodes(o PreflightOptions) bool {
	return o.Kind != KindZStream || (o.To != "" && o.To != o.From.OCP)
}

// checkDrains predicts, by KubeVirt's eviction webhook under the
// cluster-wide eviction strategy, what the node drains of the update do to
// each running VMI that will not migrate away: shut it down (it restarts,
// or stays off), or delete it (a standalone VMI). VMIs that block drains
// are checkWorkloads' findings.
func checkDrains(vmis []kubevirtv1.VirtualMachineInstance, vms []kubevirtv1.VirtualMachine, cluster kubevirtv1.EvictionStrategy, source string, o PreflightOptions) []Finding {
	if !drainsNodes(o) {
		return nil
	}
	runStrategy := make(map[[2]string]*kubevirtv1.VirtualMachineRunStrategy, len(vms))
	for i := range vms {
		vm := &vms[i]
		rs := vm.Spec.RunStrategy
		if rs == nil && vm.Spec.Running != nil { //nolint:staticcheck // the deprecated field still decides for old VMs
			s := kubevirtv1.RunStrategyHalted
			if *vm.Spec.Running { //nolint:staticcheck
				s = kubevirtv1.RunStrategyAlways
			}
			rs = &s
		}
		runStrategy[[2]string{vm.Namespace, vm.Name}] = rs
	}
	var restarts, staysOff, deleted []string
	own := 0 // VMIs whose own strategy decides, not the cluster's
	for i := range vmis {
		vmi := &vmis[i]
		if vmi.IsFinal() || vmi.Status.NodeName == "" {
			continue
		}
		p := workload.PredictEviction(vmi, &cluster, runStrategy[[2]string{vmi.Namespace, vmi.Name}])
		if p.Outcome != workload.EvictionShutsDown {
			continue
		}
		obj := "VMI " + vmi.Namespace + "/" + vmi.Name
		if vmi.Spec.EvictionStrategy != nil {
			own++
		}
		switch p.Restart {
		case workload.RestartAlways:
			restarts = append(restarts, obj)
		case workload.RestartGone:
			deleted = append(deleted, obj)
		default:
			staysOff = append(staysOff, obj)
		}
	}
	var out []Finding
	why := fmt.Sprintf("eviction strategy %s, the cluster-wide one from the %s", cluster, source)
	switch total := len(restarts) + len(staysOff) + len(deleted); {
	case own > 0 && own == total:
		why = "by their own eviction strategy"
		if total == 1 {
			why = "by its own eviction strategy"
		}
	case own > 0:
		why = fmt.Sprintf("%s their own eviction strategy, the others the cluster-wide %s from the %s", countOf(own, "VMI has", "VMIs have"), cluster, source)
	}
	if len(deleted) > 0 {
		out = append(out, Finding{Check: CheckDrainDataLoss, Severity: SeverityError, Objects: deleted,
			Reason: fmt.Sprintf("%s with no VirtualMachine will be deleted by the node drains (%s): the data on their ephemeral disks is lost", countOf(len(deleted), "standalone VMI", "standalone VMIs"), why),
			Remedy: "run them from a VirtualMachine with runStrategy Always, or give them evictionStrategy LiveMigrate if they can migrate, before the update"})
	}
	if len(staysOff) > 0 {
		out = append(out, Finding{Check: CheckDrainShutdown, Severity: SeverityWarning, Objects: staysOff,
			Reason: fmt.Sprintf("%s will be shut down by the node drains (%s) and will not start again by themselves (runStrategy not Always)", countOf(len(staysOff), "VMI", "VMIs"), why),
			Remedy: "set runStrategy Always on their VirtualMachines, or make them migratable with evictionStrategy LiveMigrate, or plan to start them after their node reboots"})
	}
	if len(restarts) > 0 {
		out = append(out, Finding{Check: CheckDrainShutdown, Severity: SeverityWarning, Objects: restarts,
			Reason: fmt.Sprintf("%s will be shut down by the node drains and restarted by %s (%s): %s down while %s", countOf(len(restarts), "VMI", "VMIs"),
				verb(len(restarts), "its VirtualMachine", "their VirtualMachines"), why, verb(len(restarts), "it is", "each is"), verb(len(restarts), "it restarts", "it restarts")),
			Remedy: "give the ones that can migrate evictionStrategy LiveMigrate (or set it cluster-wide in the HyperConverged) to move them without downtime"})
	}
	return out
}

// countOf renders "1 VMI", "3 VMIs".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
