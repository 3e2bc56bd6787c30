package main

import (
	"strings"
	"testing"
)

// The approval happens inside the window (Saturday 22:00 Berlin) and not
// before; the pre-flight step runs at once.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Thu 01:00 preflight: done",
		"Thu 01:00 update-cnv-4.14: outside the maintenance window",
		"Sat 22:00 update-cnv-4.14: approved InstallPlan",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
