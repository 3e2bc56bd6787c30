package update_test

import (
	"testing"

	"github.com/virtupdate/virtupdate/update"
)

// The refusals as KubeVirt's eviction webhook words them
// (pod-eviction-admitter.go), bare and behind the API server's prefix for a
// webhook's denial, and the API server's own for a budget.
func TestClassifyEviction(t *testing.T) {
	const prefix = `admission webhook "virt-launcher-eviction-interceptor.kubevirt.io" denied the request: `
	for _, tt := range []struct {
		msg  string
		want update.EvictionRefusal
	}{
		{`Eviction triggered evacuation of VMI "ns/vm"`, update.EvacuationTriggered},
		{prefix + `Eviction triggered evacuation of VMI "ns/vm"`, update.EvacuationTriggered},
		{`Evacuation in progress: Eviction triggered evacuation of VMI "ns/vm"`, update.EvacuationInProgress},
		{prefix + `Evacuation in progress: Eviction triggered evacuation of VMI "ns/vm"`, update.EvacuationInProgress},
		{prefix + `VMI vm is configured with an eviction strategy but is not live-migratable`, update.EvictionNotMigratable},
		{`Cannot evict pod as it would violate the pod's disruption budget.`, update.EvictionDisruptionBudget},
		{prefix + `Eviction request for target Pod`, update.EvictionOther},
	} {
		if got := update.ClassifyEviction(tt.msg); got != tt.want {
			t.Errorf("ClassifyEviction(%q) = %s, want %s", tt.msg, got, tt.want)
		}
	}
}
