package fake_test

import (
	"testing"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// The fake holds the CVO's admin-ack ConfigMaps: both exist and are empty
// on a new cluster, as the CVO's manifests create them
// (cluster-version-operator install/0000_00_cluster-version-operator_01_admingate_configmap.yaml
// and _01_adminack_configmap.yaml), and pre-flight reads what SetAdminGates
// sets by the CVO's rules (pkg/risk/adminack/adminack.go).
func TestAdminGates(t *testing.T) {
	const gate = "ack-4.14-kube-1.28-api-removals-in-4.15"
	for _, tt := range []struct {
		name   string
		set    *update.AdminGates
		held   bool
		reason string
	}{
		{"default", nil, false, "a new cluster has both ConfigMaps, empty: no gate holds a minor update"},
		{"unacknowledged", &update.AdminGates{Gates: map[string]string{gate: "Kubernetes 1.28 removes APIs"}}, true,
			"a gate of the current minor without an ack holds it"},
		{"acknowledged", &update.AdminGates{Gates: map[string]string{gate: "Kubernetes 1.28 removes APIs"}, Acks: map[string]string{gate: "true"}}, false,
			"acknowledged with \"true\""},
		{"acks missing", &update.AdminGates{Gates: map[string]string{gate: "Kubernetes 1.28 removes APIs"}, AcksMissing: true}, true,
			"without admin-acks no gate is acknowledged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := fake.NewCluster(fake.Options{})
			c.SetClusterVersion(update.ClusterVersion{Channel: "stable-4.15",
				History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
			if tt.set != nil {
				c.SetAdminGates(*tt.set)
				if tt.set.Gates != nil {
					tt.set.Gates[gate+"-later"] = "changed by the caller" // the fake keeps its own copy
				}
			}
			got, err := c.GetAdminGates(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if tt.set == nil && (got.GatesMissing || got.AcksMissing || len(got.Gates) != 0 || len(got.Acks) != 0) {
				t.Errorf("%s: %+v", tt.reason, got)
			}
			if _, ok := got.Gates[gate+"-later"]; ok {
				t.Errorf("a change to the caller's map reached the cluster: %+v", got)
			}
			fs, err := update.Preflight(t.Context(), c, update.PreflightOptions{Kind: update.KindMinor, To: "4.15.10", Clock: c.Clock()})
			if err != nil {
				t.Fatal(err)
			}
			held := len(findings(fs, update.CheckAdminAcks)) > 0
			if held != tt.held {
				t.Errorf("%s: AdminAcks findings %+v", tt.reason, findings(fs, update.CheckAdminAcks))
			}
		})
	}
}
