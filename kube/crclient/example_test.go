package crclient_test

import (
	"context"
	"fmt"

	configv1 "github.com/openshift/api/config/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/virtupdate/virtupdate/kube/crclient"
)

// A Cluster over a controller-runtime client whose scheme holds the
// adapter's types; inside a manager the client is mgr.GetClient(). Here it
// is controller-runtime's fake client.
func Example() {
	ctx := context.Background()
	scheme, err := crclient.Scheme()
	if err != nil {
		fmt.Println(err)
		return
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(&configv1.ClusterVersion{
		ObjectMeta: metav1.ObjectMeta{Name: "version"},
		Spec:       configv1.ClusterVersionSpec{ClusterID: "3b5c5a0e-9f5e-4a43-9f61-3c7c1d4b6a11", Channel: "stable-4.16"},
	}).Build()
	cluster, err := crclient.New(c, crclient.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cluster.SetChannel(ctx, "eus-4.16"); err != nil {
		fmt.Println(err)
		return
	}
	cv, err := cluster.GetClusterVersion(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("channel:", cv.Channel)

	// A client whose scheme lacks the types is refused.
	_, err = crclient.New(fake.NewClientBuilder().WithScheme(runtime.NewScheme()).Build(), crclient.Options{})
	fmt.Println("bare scheme refused:", err != nil)
	// Output:
	// channel: eus-4.16
	// bare scheme refused: true
}
