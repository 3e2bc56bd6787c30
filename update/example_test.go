package update_test

import (
	"context"
	"errors"
	"fmt"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// disableWorkloadUpdates turns automatic workload updates off and returns
// the value it found, exactly (absent, empty or a list), so it can be
// restored. It needs only the HyperConvergeds port.
func disableWorkloadUpdates(ctx context.Context, hcs update.HyperConvergeds) (*[]kubevirtv1.WorkloadUpdateMethod, error) {
	for {
		hc, err := hcs.GetHyperConverged(ctx)
		if err != nil {
			return nil, err
		}
		found := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
		err = hcs.SetWorkloadUpdateMethods(ctx, found, &[]kubevirtv1.WorkloadUpdateMethod{})
		if errors.Is(err, update.ErrConflict) {
			continue // someone else wrote first: read again
		}
		return found, err
	}
}

// A function written against one small port works on any implementation:
// here the fake, with one lost race injected.
func Example() {
	c := fake.NewCluster(fake.Options{})
	c.SetHyperConverged(update.HyperConverged{Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{
		WorkloadUpdateMethods: &[]kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate},
	}}})
	c.FailNextWrites(fake.KindHyperConverged, 1)

	saved, err := disableWorkloadUpdates(context.Background(), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	hc, _ := c.GetHyperConverged(context.Background())
	fmt.Println("saved:", update.ShowMethods(saved), "now:", update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods))
	// Output:
	// saved: [LiveMigrate] now: []
}
