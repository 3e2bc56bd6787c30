package forecast_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/forecast"
)

// A phase counts shutdowns, and says so: one VM shut down twice is "2 VM
// shutdowns", never "2 VMs shut down".
func TestPhaseShutdownsAreCountedAsShutdowns(t *testing.T) {
	f := &forecast.Forecast{Timeline: []forecast.Phase{{Step: "update-ocp-4.16", ShutDowns: 2}, {Step: "unpause-worker-pools", ShutDowns: 1}}}
	var b bytes.Buffer
	if err := f.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2 VM shutdowns", "1 VM shutdown"} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, out)
		}
	}
}
