package updatetest_test

import (
	"fmt"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// The suite's helpers build the three states of workloadUpdateMethods a
// fixture can start from: absent, empty, or a list.
func ExampleHyperConverged() {
	for _, m := range []*[]kubevirtv1.WorkloadUpdateMethod{
		nil,
		updatetest.Methods(),
		updatetest.Methods(kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict),
	} {
		hc := updatetest.HyperConverged(m)
		fmt.Println(hc.Namespace+"/"+hc.Name, update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods))
	}
	// Output:
	// openshift-cnv/kubevirt-hyperconverged absent
	// openshift-cnv/kubevirt-hyperconverged []
	// openshift-cnv/kubevirt-hyperconverged [LiveMigrate,Evict]
}
