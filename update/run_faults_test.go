package update_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/interceptor"
)

func eusOnFake(t *testing.T) (update.Cluster, func(update.Cluster) (update.Result, error)) {
	t.Helper()
	c, s := newCluster(t, fmt.Sprintf(smallCluster, "4.14.20", "4.14.3", "Automatic", "4.15.1, 4.15.2, 4.16.1"))
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	return c, func(cl update.Cluster) (update.Result, error) {
		return update.Run(context.Background(), cl, plan, fakeOptions(c, nil))
	}
}

// Ten 500s spread over the run's calls (every 23rd call, so a step whose
// retry makes many calls does not meet a new one each time): one run
// finishes, retrying each inside its step.
func TestRunRetriesTransientErrorsInsideAStep(t *testing.T) {
	c, run := eusOnFake(t)
	calls, injected := 0, 0
	faulty := interceptor.New(c, func(_ context.Context, call interceptor.Call, next func() error) error {
		calls++
		if calls%23 == 0 && injected < 10 {
			injected++
			return fmt.Errorf("%w: %s: the server has received a 500 (Internal Server Error)", update.ErrTransient, call.Verb)
		}
		return next()
	})
	res, err := run(faulty)
	if err != nil {
		t.Fatalf("one run with %d injected 500s: %v", injected, err)
	}
	if injected != 10 || res.Resumed {
		t.Errorf("injected %d faults, resumed %v: want 10 in one run", injected, res.Resumed)
	}
}

// A checkpoint write that landed but whose answer was lost: the retry gets
// a conflict (its resourceVersion is stale), reads the record, recognises
// its own write and goes on; it is not "another runner".
func TestRunRecognisesItsOwnCheckpointWriteAfterALostAcknowledgement(t *testing.T) {
	c, run := eusOnFake(t)
	lost := 0
	faulty := interceptor.New(c, func(_ context.Context, call interceptor.Call, next func() error) error {
		if call.Verb == interceptor.SaveCheckpoint && lost < 3 {
			lost++
			if err := next(); err != nil {
				return err
			}
			return fmt.Errorf("%w: unexpected EOF", update.ErrTransient)
		}
		return next()
	})
	if _, err := run(faulty); err != nil {
		t.Fatalf("after %d lost acknowledgements: %v", lost, err)
	}
	if lost != 3 {
		t.Fatalf("lost %d acknowledgements, want 3", lost)
	}
}

// A write by someone else is still a concurrent run.
func TestRunStopsWhenAnotherRunnerWroteTheCheckpoint(t *testing.T) {
	c, run := eusOnFake(t)
	done := false
	faulty := interceptor.New(c, func(ctx context.Context, call interceptor.Call, next func() error) error {
		if call.Verb == interceptor.SaveCheckpoint && !done {
			if err := next(); err != nil {
				return err
			}
			done = true
			cp, err := c.LoadCheckpoint(ctx, call.Name)
			if err != nil {
				return err
			}
			cp.Data = []byte(`{"plan":"someone else's"}`)
			if _, err := c.SaveCheckpoint(ctx, cp); err != nil {
				return err
			}
			return fmt.Errorf("%w: connection reset", update.ErrTransient)
		}
		return next()
	})
	_, err := run(faulty)
	if !errors.Is(err, update.ErrConcurrentRun) {
		t.Fatalf("err = %v, want ErrConcurrentRun", err)
	}
}

// A request that times out keeps failing: the error names the step and
// says what to do, though a context deadline is inside it.
func TestRunClientTimeoutKeepsTheStep(t *testing.T) {
	c, run := eusOnFake(t)
	faulty := interceptor.New(c, func(_ context.Context, call interceptor.Call, next func() error) error {
		if call.Verb == interceptor.SetDesiredUpdate {
			return fmt.Errorf("%w: Patch \"https://api/…/clusterversions/version\": %w", update.ErrTransient, context.DeadlineExceeded)
		}
		return next()
	})
	_, err := run(faulty)
	var se *update.StepError
	if !errors.As(err, &se) || !strings.HasPrefix(se.Step, "update-ocp-") || se.Remedy == "" {
		t.Fatalf("err = %#v, want a StepError naming the platform step with a remedy", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, update.ErrTransient) {
		t.Errorf("the cause is lost: %v", err)
	}
}

// Errors the rule does not accept stop at once.
func TestRunDoesNotRetryOtherErrors(t *testing.T) {
	c, run := eusOnFake(t)
	attempts := 0
	faulty := interceptor.New(c, func(_ context.Context, call interceptor.Call, next func() error) error {
		if call.Verb == interceptor.SetPoolPaused {
			attempts++
			return errors.New("forbidden")
		}
		return next()
	})
	if _, err := run(faulty); err == nil || attempts != 1 {
		t.Fatalf("err = %v after %d attempts, want a failure after 1", err, attempts)
	}
}
