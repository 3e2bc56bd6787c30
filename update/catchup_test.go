package update_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

// OpenShift Virtualization 4.y is supported on OpenShift 4.y only, and an
// OpenShift minor update leaves it one minor behind until it follows
// (channel.CheckCNVOnOCP: ErrCNVBehindOCP). A plan that starts there
// catches it up first — the newest z of its minor, then OpenShift's minor —
// before any OpenShift minor hop, so it is never two behind, and ends on
// the target's minor.
func TestPlansCatchUpCNVOneMinorBehind(t *testing.T) {
	for _, tt := range []struct {
		reason string
		to     string
		// want are the CNV and OpenShift steps, in order.
		want  []string
		final string
	}{
		{"a minor update", "4.15.1", []string{"update-cnv-4.13", "update-cnv-4.14", "update-ocp-4.15", "update-cnv-4.15"}, "4.15.4"},
		{"a z-stream of OpenShift", "4.14.30", []string{"update-ocp-4.14", "update-cnv-4.13", "update-cnv-4.14"}, "4.14.6"},
		{"an EUS-to-EUS update", "4.16.3", []string{"update-cnv-4.13", "update-cnv-4.14", "update-ocp-4.15", "update-cnv-4.15", "update-ocp-4.16", "update-cnv-4.16"}, "4.16.2"},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			r := update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.13.3"}, To: tt.to,
				CNVCatalog: []string{"4.13.9", "4.14.6", "4.15.4", "4.16.2"}}
			plan, err := eus.NewPlan(r)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range plan.Steps {
				if strings.HasPrefix(s.Name, "update-cnv-") || strings.HasPrefix(s.Name, "update-ocp-") {
					got = append(got, s.Name)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			if plan.To.CNV != tt.final {
				t.Errorf("the plan ends on CNV %q, want %s", plan.To.CNV, tt.final)
			}
			i := slices.IndexFunc(plan.Steps, func(s update.Step) bool { return s.Name == "update-cnv-4.13" })
			if i < 0 || !strings.Contains(plan.Steps[i].Description, "4.13.9") {
				t.Errorf("the first CNV step does not take the newest 4.13.z: %+v", plan.Steps)
			}
		})
	}
}

// A --cnv of OpenShift's minor is the target of a z-stream that catches
// CNV up; one of the minor it runs is not where the plan ends.
func TestCatchUpTakesTheRequestedCNV(t *testing.T) {
	plan, err := eus.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.13.3"}, To: "4.14.30", CNV: "4.14.5",
		CNVCatalog: []string{"4.13.9", "4.14.5", "4.14.6"}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.To.CNV != "4.14.5" {
		t.Errorf("the plan ends on CNV %q, want 4.14.5", plan.To.CNV)
	}
	if _, err := eus.NewPlan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.13.3"}, To: "4.14.30", CNV: "4.13.9",
		CNVCatalog: []string{"4.13.9", "4.14.6"}}); err == nil {
		t.Error("--cnv 4.13.9 accepted, though the plan ends on 4.14")
	}
}
