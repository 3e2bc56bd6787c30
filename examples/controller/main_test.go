package main

import (
	"strings"
	"testing"
)

func TestRunOnFake(t *testing.T) {
	var out strings.Builder
	if err := runFake(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"migrate prod/db-0", "evict prod/legacy-0", "STUCK prod/db-2 after 5 failed migrations", "1 VMIs not on the new launcher"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// Evict batches of 2: legacy-0 and legacy-1 go together, legacy-2 a batch later.
	if strings.Count(got, "evict prod/legacy-") != 3 {
		t.Errorf("want 3 evictions:\n%s", got)
	}
}
