package eus_test

import (
	"errors"
	"fmt"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

// The EUS-to-EUS plan from 4.14 to 4.16, in the documented order.
func ExamplePlan() {
	plan, err := eus.Plan(update.Request{
		From:       update.Versions{OCP: "4.14.20", CNV: "4.14.3"},
		To:         "4.16.3",
		Via:        "4.15.30",
		CNVCatalog: []string{"4.15.1", "4.15.2", "4.16.1"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, st := range plan.Steps {
		fmt.Printf("%2d %s\n", i+1, st.Name)
	}
	// Output:
	//  1 preflight
	//  2 pause-worker-pools
	//  3 disable-workload-updates
	//  4 update-cnv-4.14
	//  5 wait-upgradeable-4.14
	//  6 set-channel-4.16
	//  7 update-ocp-4.15
	//  8 update-cnv-4.15
	//  9 wait-upgradeable-4.15
	// 10 update-ocp-4.16
	// 11 update-cnv-4.16
	// 12 restore-workload-updates
	// 13 verify-workload-updates
	// 14 unpause-worker-pools
}

// A cluster already on the odd minor is refused, with what to do instead.
func ExamplePlan_refusal() {
	_, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.15.30"}, To: "4.16.3"})
	fmt.Println(errors.Is(err, eus.ErrOnOddMinor))
	var re *update.RefusalError
	if errors.As(err, &re) {
		fmt.Println(re.Instead)
	}
	// Output:
	// true
	// if an EUS run from 4.14 was interrupted, run that same plan again: it resumes from its checkpoint; otherwise finish with a minor update 4.15 → 4.16
}
