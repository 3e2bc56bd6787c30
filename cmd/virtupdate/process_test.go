package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/utils/clock"

	"github.com/virtupdate/virtupdate/update"
)

// cliEnv, when set in the environment, makes the test binary run as the
// CLI with the arguments it was started with: a test starts the command as
// a separate process (to kill it) without building it. The value is the
// longest the runner waits at once, e.g. "20ms".
const cliEnv = "VIRTUPDATE_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if cap := os.Getenv(cliEnv); cap != "" {
		os.Exit(runAsCLI(cap, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runAsCLI runs the command line as main does. The runner keeps the real
// clock (the test's API server moves in real time) and polls at most every
// cap instead of the steps' intervals (10 s, a minute): only how often it
// looks changes, not what it does.
func runAsCLI(cap string, args []string) int {
	d, err := time.ParseDuration(cap)
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "%s=%q: want a duration such as 20ms\n", cliEnv, cap)
		return exitUsage
	}
	runTime = func(update.Cluster) (clock.PassiveClock, update.Waiter) {
		return clock.RealClock{}, update.WaiterFunc(func(ctx context.Context, w time.Duration) error {
			return update.ClockWaiter{}.Wait(ctx, min(w, d))
		})
	}
	cmd := newRootCommand()
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return exitCode(err)
	}
	return exitOK
}
