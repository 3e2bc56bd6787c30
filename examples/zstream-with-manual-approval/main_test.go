package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"approved InstallPlan", "kubevirt-hyperconverged-operator.v4.14.5",
		"VMI prod/gpu-0 does not run the new virt-launcher", "unexpected InstallPlan", "approved: false"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
