package kube_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// MapError turns the API server's errors into the update package's: a
// conflict is retried by the runner, a missing object is reported as such.
func ExampleMapError() {
	gr := schema.GroupResource{Group: "operators.coreos.com", Resource: "installplans"}
	err := kube.MapError("approve", "InstallPlan", "openshift-cnv", "install-abc",
		apierrors.NewConflict(gr, "install-abc", errors.New("the object has been modified")))
	fmt.Println(errors.Is(err, update.ErrConflict))

	err = kube.MapError("approve", "InstallPlan", "openshift-cnv", "install-zzz", apierrors.NewNotFound(gr, "install-zzz"))
	fmt.Println(errors.Is(err, update.ErrNotFound))
	fmt.Println(err)
	// Output:
	// true
	// true
	// approve InstallPlan openshift-cnv/install-zzz: not found: installplans.operators.coreos.com "install-zzz" not found
}

// New connects to the cluster of the current kubeconfig context, as kubectl
// does; the Cluster is then passed to update.Run or read directly.
func ExampleNew() {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		log.Fatal(err)
	}
	cluster, err := kube.New(config, kube.Options{}) // openshift-cnv, 500 objects per list request
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	hc, err := cluster.GetHyperConverged(ctx)
	if err != nil {
		log.Fatal(err)
	}
	version, why, err := cluster.HyperConvergedVersion(ctx) // v1beta1 on HCO 1.18, v1 later
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("HCO", hc.Status.OperatorVersion(), "through hco.kubevirt.io/"+version, "("+why+")",
		"workloadUpdateMethods", update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods))
	outdated, err := cluster.ListVMIs(ctx, update.ListOptions{LabelSelector: "kubevirt.io/outdatedLauncherImage"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(outdated), "VMIs on an outdated virt-launcher")
}

// EvictVMI returns nil when the launcher pod was evicted; otherwise an
// *update.EvictionError says why not. An evacuation means KubeVirt is
// migrating the VMI off its node: ask again later, as a node drain does.
func ExampleCluster_EvictVMI() {
	config, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		log.Fatal(err)
	}
	cluster, err := kube.New(config, kube.Options{})
	if err != nil {
		log.Fatal(err)
	}
	err = cluster.EvictVMI(context.Background(), "prod", "db")
	var refused *update.EvictionError
	switch {
	case err == nil:
		fmt.Println("evicted: the VMI shuts down")
	case errors.Is(err, update.ErrEvacuationStarted):
		fmt.Println("KubeVirt migrates the VMI away; ask again later")
	case errors.As(err, &refused):
		fmt.Println("refused:", refused.Refusal, refused.Message)
	default:
		log.Fatal(err)
	}
}
