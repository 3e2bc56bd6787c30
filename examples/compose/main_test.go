package main

import (
	"strings"
	"testing"
)

// The fake's virt-controller follows the user's Strategy (ledger, labelled
// critical, is never evicted, and the plan reports it) and Admission (prod
// first): end to end through a real plan.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "prod/ledger ShutDown") || strings.Contains(got, "prod/ledger WorkloadUpdateMigration") {
		t.Errorf("the critical VM was moved:\n%s", got)
	}
	if !strings.Contains(got, "VMI prod/ledger does not run the new virt-launcher: Critical") {
		t.Errorf("the plan does not report the critical VM:\n%s", got)
	}
	prod, dev := strings.LastIndex(got, "prod/prod-"), strings.Index(got, "dev/dev-")
	if prod < 0 || dev < 0 || prod > dev {
		t.Errorf("prod is not updated before dev:\n%s", got)
	}
}
