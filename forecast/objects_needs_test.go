package forecast

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// What a forecast cannot assume is refused before any run, naming what is
// missing and how to give it; a cluster that says it runs no OpenShift
// Virtualization is forecast as a platform update alone.
func TestFromObjectsNeedsWhatItCannotAssume(t *testing.T) {
	load := func(t *testing.T) *scenario.Objects {
		t.Helper()
		o, err := scenario.Load("testdata/objects.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, tt := range []struct {
		reason  string
		mutate  func(*scenario.Objects)
		catalog []string
		want    string
	}{
		{"no ClusterVersion: the version the cluster runs", func(o *scenario.Objects) { o.ClusterVersion = nil }, nil, "ClusterVersion"},
		{"no OpenShift Virtualization object and no withoutCNV", func(o *scenario.Objects) {
			o.HyperConverged, o.KubeVirt, o.Subscriptions, o.CSVs, o.InstallPlans = nil, nil, nil, nil, nil
			o.VirtualMachines, o.VMIs, o.Migrations = nil, nil, nil
		}, nil, "withoutCNV: true"},
		{"OpenShift Virtualization without its Subscription: the update has no way through", func(o *scenario.Objects) { o.Subscriptions = nil }, nil, "not its Subscription"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			o := load(t)
			tt.mutate(o)
			_, err := FromObjects(o, tt.catalog)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid naming %q", err, tt.want)
			}
		})
	}

	o := load(t)
	o.HyperConverged, o.KubeVirt, o.Subscriptions, o.CSVs, o.InstallPlans = nil, nil, nil, nil, nil
	o.VirtualMachines, o.VMIs, o.Migrations = nil, nil, nil
	o.WithoutCNV = true
	if _, err := FromObjects(o, []string{"4.16.5"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a catalog for a cluster without OpenShift Virtualization: err = %v, want ErrInvalid", err)
	}
	in, err := FromObjects(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Run(context.Background(), in, Options{Request: update.Request{To: "4.16.3"}, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if f.Stopped() || f.Summary.To.CNV != "" {
		t.Errorf("without OpenShift Virtualization: %s, to %+v; want the platform alone updated", f.Summary.Result, f.Summary.To)
	}
}
