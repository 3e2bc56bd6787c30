package fake_test

import (
	"testing"
	"time"

	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/fake"
)

// The cluster's clock only tells the time: it cannot be asserted back to a
// settable clock and moved behind the event loop, and it follows the
// cluster's time as Advance and Wait move it.
func TestClockIsPassive(t *testing.T) {
	c := fake.NewCluster(fake.Options{})
	clk := c.Clock()
	if _, ok := clk.(clock.Clock); ok {
		t.Fatalf("Clock() is a %T, which has timers and can be moved by its user", clk)
	}
	if _, ok := clk.(interface{ SetTime(time.Time) }); ok {
		t.Fatalf("Clock() is a %T, which can be set by its user", clk)
	}
	if _, ok := clk.(interface{ Step(time.Duration) }); ok {
		t.Fatalf("Clock() is a %T, which can be stepped by its user", clk)
	}
	start := clk.Now()
	if err := c.Advance(90 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := clk.Since(start); got != 90*time.Minute {
		t.Errorf("after Advance(90m) the clock taken before moved %s, want 1h30m0s", got)
	}
	if got := c.Clock().Now().Sub(start); got != 90*time.Minute {
		t.Errorf("after Advance(90m) Clock().Now() moved %s, want 1h30m0s", got)
	}
}
