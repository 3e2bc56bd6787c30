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
	for _, want := range []string{"graph: 90 releases", "updates from 4.8.54: 4.9.53", "path 4.8.10 → ", " → 4.9.53",
		"no path 4.8.10 → 4.9.11: ", "minor plan, 6 steps: preflight wait-upgradeable update-ocp-4.9"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
