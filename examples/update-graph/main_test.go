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
		"no path 4.8.10 → 4.9.11: ", "plan path: 4.8.10 → 4.8.54 → 4.9.53",
		"minor plan, 9 steps: preflight update-cnv-4.8 wait-upgradeable set-channel-4.9 update-ocp-4.8 update-ocp-4.9 wait-pools-4.9"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
