package update

import (
	"errors"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

func TestObjectError(t *testing.T) {
	err := NotFound("approve", "InstallPlan", "openshift-cnv", "install-abc")
	if got, want := err.Error(), "approve InstallPlan openshift-cnv/install-abc: not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		t.Errorf("errors.Is must see ErrNotFound only")
	}
	err = Conflict("pause", "MachineConfigPool", "", "worker", "resourceVersion 3 is stale")
	if got, want := err.Error(), "pause MachineConfigPool worker: conflict: resourceVersion 3 is stale"; got != want {
		t.Errorf("cluster-scoped objects have no namespace part: %q, want %q", got, want)
	}
	var oe *ObjectError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &oe) || oe.Name != "worker" {
		t.Errorf("a conflict is an *ObjectError wrapping ErrConflict: %v", err)
	}
}

func TestWorkloadUpdateStrategyKubeVirt(t *testing.T) {
	for _, tt := range []struct {
		reason  string
		methods *[]kubevirtv1.WorkloadUpdateMethod
		want    int
	}{
		{"absent methods reach KubeVirt as an empty list", nil, 0},
		{"empty methods reach KubeVirt as an empty list", &[]kubevirtv1.WorkloadUpdateMethod{}, 0},
		{"a list is passed on", &[]kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}, 2},
	} {
		s := WorkloadUpdateStrategy{WorkloadUpdateMethods: tt.methods}
		got := s.KubeVirt()
		if len(got.WorkloadUpdateMethods) != tt.want {
			t.Errorf("%s: got %v", tt.reason, got.WorkloadUpdateMethods)
		}
		if tt.methods != nil && len(*tt.methods) > 0 {
			got.WorkloadUpdateMethods[0] = "Changed"
			if (*tt.methods)[0] == "Changed" {
				t.Errorf("%s: the result shares memory with the HyperConverged", tt.reason)
			}
		}
	}
}

func TestClusterVersionReading(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cv := ClusterVersion{History: []UpdateHistory{
		{State: UpdatePartial, Version: "4.15.3", StartedTime: t0.Add(time.Hour)},
		{State: UpdateCompleted, Version: "4.14.20", StartedTime: t0, CompletionTime: t0.Add(time.Minute)},
	}}
	if cv.CurrentVersion() != "4.14.20" || !cv.Updating() {
		t.Errorf("current %q updating %v: the newest Completed entry is current and a Partial head means updating", cv.CurrentVersion(), cv.Updating())
	}
	if (ClusterVersion{}).CurrentVersion() != "" || (ClusterVersion{}).Updating() {
		t.Error("an empty history has no current version and no update")
	}
}

func TestPoolUpdated(t *testing.T) {
	done := MachineConfigPool{MachineCount: 3, UpdatedMachineCount: 3, ReadyMachineCount: 3}
	if !done.Updated() {
		t.Error("all machines updated and ready is Updated")
	}
	for _, p := range []MachineConfigPool{
		{MachineCount: 3, UpdatedMachineCount: 2, ReadyMachineCount: 3},
		{MachineCount: 3, UpdatedMachineCount: 3, ReadyMachineCount: 2},
		{MachineCount: 3, UpdatedMachineCount: 3, ReadyMachineCount: 3, DegradedMachineCount: 1},
	} {
		if p.Updated() {
			t.Errorf("%+v must not be Updated", p)
		}
	}
}

func TestOperatorVersion(t *testing.T) {
	s := HyperConvergedStatus{Versions: []OperandVersion{{Name: "kubevirt", Version: "1.9"}, {Name: "operator", Version: "4.14.4"}}}
	if s.OperatorVersion() != "4.14.4" || (HyperConvergedStatus{}).OperatorVersion() != "" {
		t.Errorf("OperatorVersion = %q", s.OperatorVersion())
	}
}
