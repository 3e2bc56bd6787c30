package forecast

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompareNatural(t *testing.T) {
	got := []string{"worker-10", "worker-2", "master-0", "worker-1", "worker-11", "worker-02x", "infra"}
	slices.SortFunc(got, compareNatural)
	want := []string{"infra", "master-0", "worker-1", "worker-2", "worker-02x", "worker-10", "worker-11"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("natural order (-want +got):\n%s", d)
	}
}
