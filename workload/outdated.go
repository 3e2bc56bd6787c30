package workload

import (
	v1 "kubevirt.io/api/core/v1"
)

// Candidate reports whether a VMI can be updated at all: it is in phase
// Running, not final and not being deleted. KubeVirt's updater skips every
// other VMI: a stopped VMI starts on the new launcher anyway.
func Candidate(vmi *v1.VirtualMachineInstance) bool {
	return vmi != nil && vmi.IsRunning() && !vmi.IsFinal() && vmi.DeletionTimestamp == nil
}

// Outdated reports whether a VMI runs an older launcher than launcherImage:
// its status.launcherContainerImageVersion is known and differs from
// launcherImage, or it carries the label kubevirt.io/outdatedLauncherImage
// (which virt-controller sets on such VMIs). An empty launcherImage means the
// target is not known: only the label counts. A final VMI is never outdated,
// and a VMI whose launcher image is not known yet (it is starting or
// migrating) is outdated only if labelled.
//
// KubeVirt's updater compares the image only and does not read the label;
// the label matters when the target image is not at hand, as in a VMI list
// from `kubectl get vmi -o json`.
func Outdated(vmi *v1.VirtualMachineInstance, launcherImage string) bool {
	if vmi == nil || vmi.IsFinal() {
		return false
	}
	if img := vmi.Status.LauncherContainerImageVersion; img != "" && launcherImage != "" && img != launcherImage {
		return true
	}
	_, labelled := vmi.Labels[v1.OutdatedLauncherImageLabel]
	return labelled
}

// Decide combines [Outdated] and [SelectWith]: a VMI that is not a candidate
// or is up to date gets None with the reason, any other the method Select
// picks. It never allocates.
func Decide(vmi *v1.VirtualMachineInstance, strategy v1.KubeVirtWorkloadUpdateStrategy, launcherImage string, unfinished *v1.VirtualMachineInstanceMigration) Decision {
	if d, ok := preconditions(vmi); !ok {
		return d
	}
	if !Outdated(vmi, launcherImage) {
		return decisionUpToDate
	}
	return SelectWith(vmi, strategy, unfinished)
}
