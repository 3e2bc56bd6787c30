package scenario

import (
	"errors"
	"fmt"
	"strings"

	"github.com/virtupdate/virtupdate/update"
)

// What a forecast needs of the objects, and what it does without the parts
// a source lacked.

// ErrNoClusterVersion is wrapped by the error of OpenShiftVersion when the
// objects do not say which OpenShift version the cluster runs.
var ErrNoClusterVersion = errors.New("no ClusterVersion")

// OpenShiftVersion returns the OpenShift version the cluster runs: the
// newest Completed entry of the ClusterVersion's history. It cannot be
// assumed: without a ClusterVersion, or without a completed update in its
// history, the error (wrapping ErrNoClusterVersion) says so and how to
// give it.
func (o *Objects) OpenShiftVersion() (string, error) {
	if o.ClusterVersion == nil {
		return "", fmt.Errorf("%w: the objects hold no ClusterVersion, so the OpenShift version the cluster runs is not known (it cannot be assumed); to do: %s",
			ErrNoClusterVersion, o.clusterVersionRemedy())
	}
	if v := o.ClusterVersion.Port().CurrentVersion(); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%w: clusterVersion.history has no %s update, so the OpenShift version the cluster runs is not known; to do: add the entry of the version it runs (clusterVersion: {history: [{state: Completed, version: 4.18.5}]})",
		ErrNoClusterVersion, update.UpdateCompleted)
}

// clusterVersionRemedy says how to give the ClusterVersion, by the kind of
// source.
func (o *Objects) clusterVersionRemedy() string {
	const byHand = "or write it in the snapshot: clusterVersion: {channel: stable-4.18, history: [{state: Completed, version: 4.18.5}]} with the channel and version the cluster runs (oc get clusterversion version), and take ClusterVersion out of missing"
	switch o.Source.Kind {
	case SourceMustGather:
		return "gather with OpenShift's image too (oc adm must-gather --image-stream=openshift/must-gather --image=<the OpenShift Virtualization must-gather image>), " +
			"or save `oc get clusterversion version -o yaml` into the must-gather's folder, and take the snapshot again; " + byHand
	case SourceDump:
		return "add the output of `oc get clusterversion version -o yaml` to the dump and take the snapshot again; " + byHand
	}
	return byHand
}

// IsCNVSubscription reports whether a Subscription installs OpenShift
// Virtualization: its package is HCO's.
func IsCNVSubscription(s Subscription) bool { return s.Package == update.HyperConvergedPackage }

// IsCNVCSV reports whether a CSV is OpenShift Virtualization's operator
// (kubevirt-hyperconverged-operator.v<version>).
func IsCNVCSV(c CSV) bool {
	return strings.HasPrefix(c.Name, update.HyperConvergedPackage+"-operator.v")
}

// CNVParts are the parts only OpenShift Virtualization brings: their CRDs
// come with its operator, so a cluster without it has none of them.
func CNVParts() []string {
	return []string{PartHyperConverged, PartKubeVirt, PartVirtualMachines, PartVMIs, PartMigrations}
}

// CNVObject names the first object of OpenShift Virtualization the
// objects hold, by its field path (hyperConverged, vmis[0],
// subscriptions[2], …), "" when they hold none: no HyperConverged, KubeVirt
// CR, VM, VMI or migration, and no Subscription or CSV of HCO's package.
func (o *Objects) CNVObject() string {
	switch {
	case o.HyperConverged != nil:
		return "hyperConverged"
	case o.KubeVirt != nil:
		return "kubeVirt"
	case len(o.VirtualMachines) > 0:
		return "virtualMachines[0]"
	case len(o.VMIs) > 0:
		return "vmis[0]"
	case len(o.Migrations) > 0:
		return "migrations[0]"
	}
	for i, s := range o.Subscriptions {
		if IsCNVSubscription(s) {
			return fmt.Sprintf("subscriptions[%d]", i)
		}
	}
	for i, c := range o.CSVs {
		if IsCNVCSV(c) {
			return fmt.Sprintf("csvs[%d]", i)
		}
	}
	return ""
}

// DescribeMissing says, for people, what the source lacked and what a
// forecast does without it; "" when it lacked nothing. A missing
// ClusterVersion is told apart: a forecast cannot run without it (see
// OpenShiftVersion). A forecast holds none of the other missing parts
// (no ClusterOperators, no pools, …) and says nothing it cannot know
// about them, so it may differ from the cluster there.
func (o *Objects) DescribeMissing() string {
	var lines []string
	var rest []string
	for _, m := range o.Missing {
		if m == PartClusterVersion {
			lines = append(lines, "the source lacks the ClusterVersion, which a forecast needs: the OpenShift version the cluster runs cannot be assumed; to do: "+o.clusterVersionRemedy())
			continue
		}
		rest = append(rest, m)
	}
	if len(rest) > 0 {
		lines = append(lines, "the source lacks: "+strings.Join(rest, ", ")+
			" (a forecast holds none of them, or runs without those fields, so it may differ from the cluster there)")
	}
	if o.WithoutCNV {
		lines = append(lines, "the cluster runs no OpenShift Virtualization (no Subscription or CSV of "+update.HyperConvergedPackage+"): a forecast plans OpenShift alone")
	}
	return strings.Join(lines, "\n")
}
