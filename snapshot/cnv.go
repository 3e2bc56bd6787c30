package snapshot

import (
	"slices"

	"github.com/virtupdate/virtupdate/scenario"
)

// markWithoutCNV sets WithoutCNV when the objects show that the cluster
// runs no OpenShift Virtualization: OLM's Subscriptions and CSVs were read
// (neither is missing), none of them is HCO's, and no object of OpenShift
// Virtualization was found. The parts only OpenShift Virtualization brings
// (scenario.CNVParts: their CRDs come with its operator) are then no
// longer missing: the cluster has none.
func markWithoutCNV(o *scenario.Objects) {
	if slices.Contains(o.Missing, scenario.PartSubscriptions) || slices.Contains(o.Missing, scenario.PartCSVs) {
		return
	}
	if o.CNVObject() != "" {
		return
	}
	o.WithoutCNV = true
	cnv := scenario.CNVParts()
	o.Missing = slices.DeleteFunc(o.Missing, func(m string) bool { return slices.Contains(cnv, m) })
	if len(o.Missing) == 0 {
		o.Missing = nil
	}
}
