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

// Outdated reports whether a VMI runs an older launcher than launcherImage.
// When both its status.launcherContainerImageVersion and launcherImage are
// known, they decide, exactly as KubeVirt's updater compares them. When
// either is unknown (an empty launcherImage; a VMI that is starting or
// migrating), the label kubevirt.io/outdatedLauncherImage, which
// virt-controller sets on outdated VMIs, decides. A final VMI is never
// outdated.
//
// KubeVirt's updater does not read the label; it matters when the target
// image is not at hand, as with a VMI list from `kubectl get vmi -o json`.
func Outdated(vmi *v1.VirtualMachineInstance, launcherImage string) bool {
	if vmi == nil || vmi.IsFinal() {
		return false
	}
	if img := vmi.Status.LauncherContainerImageVersion; img != "" && launcherImage != "" {
		return img != launcherImage
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
		return upToDateDecision(vmi, launcherImage)
	}
	return SelectWith(vmi, strategy, unfinished)
}

// upToDateDecision is the decision for a VMI that [Outdated] finds current, with a
// reason that says what was compared: the images when both are known, or
// else the missing label (so an unknown image is never reported as the
// target one).
func upToDateDecision(vmi *v1.VirtualMachineInstance, launcherImage string) Decision {
	switch {
	case launcherImage == "":
		return decisionNotLabelled
	case vmi.Status.LauncherContainerImageVersion == "":
		return decisionImageUnknown
	}
	return decisionUpToDate
}
