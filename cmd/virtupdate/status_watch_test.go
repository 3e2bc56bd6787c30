package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/virtupdate/virtupdate/update"
)

// steppingClock follows the fake cluster's clock, for a --watch: waiting
// for the next read moves the fake cluster on by the interval (its
// controllers play that time), then this clock to the cluster's time, so
// the wait is over at once. Nothing sleeps.
type steppingClock struct {
	*clocktesting.FakeClock
	c     statusFake
	t     *testing.T
	waits int
	// before runs before each wait with the number of reads so far.
	before func(reads int)
}

func (s *steppingClock) After(d time.Duration) <-chan time.Time {
	ch := s.FakeClock.After(d)
	s.waits++
	if s.before != nil {
		s.before(s.waits)
	}
	if err := s.c.Advance(d); err != nil {
		s.t.Error(err)
	}
	s.FakeClock.SetTime(s.c.Clock().Now())
	return ch
}

// watchOnFake makes `virtupdate status` read the fake cluster, on its
// clock.
func watchOnFake(t *testing.T, c statusFake) *steppingClock {
	t.Helper()
	clk := &steppingClock{FakeClock: clocktesting.NewFakeClock(c.Clock().Now()), c: c, t: t}
	oldConnect, oldClock := connect, statusClock
	connect = func(*clusterFlags) (update.Cluster, error) { return c, nil }
	statusClock = clk
	t.Cleanup(func() { connect, statusClock = oldConnect, oldClock })
	return clk
}

// watchScenario: a z-stream platform update of a cluster with VMs; the
// control plane takes 60m, then the master node and three workers roll,
// one at a time, their VMIs migrating away.
const watchScenario = `
clusterVersion: {version: 4.14.20, channel: stable-4.14}
cnv: {version: 4.14.3}
pools: [{name: worker, maxUnavailable: 1}, {name: master}]
nodes:
  - {name: "master-0", role: master}
  - {name: "worker-{i}", count: 3}
vms:
  - {namespace: prod, name: "db-{i}", count: 4}
`

func startUpdate(t *testing.T, c statusFake) {
	t.Helper()
	if err := c.SetDesiredUpdate(context.Background(), "4.14.21"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(time.Second); err != nil { // the CVO takes it up
		t.Fatal(err)
	}
}

// TestWatchUntilComplete: --watch reads the cluster every interval on the
// injected clock while the update runs, writes a view only when what it
// says changed (the output is not a terminal), learns how long the nodes
// take, and ends with exit 0 once the update completes.
func TestWatchUntilComplete(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	clk := watchOnFake(t, c)
	out, _, err := run(t, "", "status", "--watch", "--interval", "2m")
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", exitCode(err), err, out)
	}
	cv, _ := c.GetClusterVersion(context.Background())
	if cv.Updating() || cv.CurrentVersion() != "4.14.21" {
		t.Fatalf("the watch ended before the update: %+v", cv.History)
	}
	reads := clk.waits + 1
	views := strings.Count(out, "Platform:")
	if reads < 30 || views < 5 || views >= reads {
		t.Errorf("%d reads, %d views: want a view per change, fewer than the reads", reads, views)
	}
	for _, want := range []string{"Completion:       48%", "Draining", "this watch saw update", "The cluster is not updating."} {
		if !strings.Contains(out, want) {
			t.Errorf("the views lack %q", want)
		}
	}
	if last := out[strings.LastIndex(out, "Platform:"):]; !strings.Contains(last, "OpenShift 4.14.21") || !strings.Contains(last, "The cluster is not updating.") {
		t.Errorf("the last view:\n%s", last)
	}
}

// TestWatchStopsOnError: a finding of severity Error ends the watch with
// exit 1 — here the drain of the node of a VMI that cannot migrate, whose
// eviction KubeVirt denies (eviction strategy LiveMigrate).
func TestWatchStopsOnError(t *testing.T) {
	c := newStatusFake(t, watchScenario+`  - {namespace: prod, name: gpu, migratable: false, notMigratableReason: HostDeviceNotLiveMigratable, evictionStrategy: LiveMigrate}
`)
	startUpdate(t, c)
	clk := watchOnFake(t, c)
	out, _, err := run(t, "", "status", "--watch", "--interval", "2m")
	if exitCode(err) != exitBlocked || !errors.Is(err, errUpdateFindings) {
		t.Fatalf("exit %d (%v), want %d\n%s", exitCode(err), err, exitBlocked, out)
	}
	last := out[strings.LastIndex(out, "Platform:"):]
	if !strings.Contains(last, "Error DrainBlockedByVMI: pool worker: node") || !strings.Contains(last, "prod/gpu (eviction strategy LiveMigrate; HostDeviceNotLiveMigratable") {
		t.Errorf("the last view does not say what holds the drain:\n%s", last)
	}
	if clk.waits == 0 {
		t.Error("the watch never waited: the Error was there from the start")
	}
}

// TestWatchTerminalRedrawsInPlace: on a terminal every read redraws the
// view in place without clearing the screen first: cursor home, each line
// cleared to its end after it is written, the rest of the screen cleared
// at the end.
func TestWatchTerminalRedrawsInPlace(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	clk := &steppingClock{FakeClock: clocktesting.NewFakeClock(c.Clock().Now()), c: c, t: t}
	reader := statusReader{c: c, clk: clk, namespace: update.DefaultNamespace, mem: newStatusMemory()}
	var out bytes.Buffer
	err := watchStatus(context.Background(), &out, reader.read, watchOptions{interval: 10 * time.Minute, clock: clk, terminal: true, format: outputText})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	frames := strings.Split(s, cursorHome)[1:]
	if !strings.HasPrefix(s, cursorHome) || len(frames) != clk.waits+1 {
		t.Fatalf("%d frames for %d reads, output starts %q", len(frames), clk.waits+1, s[:min(len(s), 20)])
	}
	if strings.Contains(s, "\x1b[2J") {
		t.Error("the screen is cleared before a frame: it flickers")
	}
	for i, f := range frames {
		if !strings.HasSuffix(f, clearToEndOfScr) {
			t.Errorf("frame %d does not clear the rest of the screen", i)
		}
		for line := range strings.Lines(strings.TrimSuffix(f, clearToEndOfScr)) {
			if !strings.HasSuffix(line, clearToLineEnd+"\n") {
				t.Errorf("frame %d: line %q is not cleared to its end", i, line)
				break
			}
		}
	}
	if !strings.Contains(frames[len(frames)-1], "The cluster is not updating.") {
		t.Errorf("the last frame:\n%s", frames[len(frames)-1])
	}
}

// TestWatchWritesOnlyChanges: off a terminal, a view that says nothing new
// is not written again (the time alone moved: durations and ETAs aside).
// A paused worker pool holds the update, unchanged, until it is unpaused.
func TestWatchWritesOnlyChanges(t *testing.T) {
	c := newStatusFake(t, strings.Replace(watchScenario, "{name: worker, maxUnavailable: 1}", "{name: worker, maxUnavailable: 1, paused: true}", 1))
	startUpdate(t, c)
	if err := c.Advance(2 * time.Hour); err != nil { // the control plane and the master pool are done
		t.Fatal(err)
	}
	clk := &steppingClock{FakeClock: clocktesting.NewFakeClock(c.Clock().Now()), c: c, t: t}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk.before = func(reads int) {
		if reads == 5 {
			cancel()
		}
	}
	reader := statusReader{c: c, clk: clk, namespace: update.DefaultNamespace, mem: newStatusMemory()}
	var out bytes.Buffer
	if err := watchStatus(ctx, &out, reader.read, watchOptions{interval: time.Hour, clock: clk, format: outputText}); err != nil {
		t.Fatal(err)
	}
	if views := strings.Count(out.String(), "Platform:"); views != 1 || !strings.Contains(out.String(), "Warning PoolPaused") {
		t.Errorf("5 reads of a paused pool gave %d views, want 1:\n%s", views, out.String())
	}

	// Unpaused, the pool rolls: each change is a new view, until done.
	if err := c.SetPoolPaused(context.Background(), "worker", false); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	clk.before = nil
	if err := watchStatus(context.Background(), &out, reader.read, watchOptions{interval: 2 * time.Minute, clock: clk, format: outputText}); err != nil {
		t.Fatal(err)
	}
	views := strings.Split(out.String(), "\n--- ")
	if len(views) < 3 {
		t.Errorf("%d views of a rolling pool, want one per change", len(views))
	}
	for i := 1; i < len(views); i++ {
		prev, cur := views[i-1], views[i][strings.Index(views[i], "\n")+1:]
		if i > 1 {
			prev = prev[strings.Index(prev, "\n")+1:]
		}
		if prev == cur {
			t.Errorf("views %d and %d are the same", i-1, i)
		}
	}
}

// TestWatchJSON: off a terminal, -o json writes one JSON document per
// change, the last one of the completed update.
func TestWatchJSON(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	watchOnFake(t, c)
	out, _, err := run(t, "", "status", "--watch", "--interval", "5m", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var docs []statusReport
	for {
		var r statusReport
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, r)
	}
	if len(docs) < 3 || !docs[0].Updating || docs[len(docs)-1].Updating || docs[len(docs)-1].Platform.Version != "4.14.21" {
		t.Errorf("%d documents; want several, the first updating, the last done on 4.14.21", len(docs))
	}
}

// TestStatusExitCodes: without --watch an Error finding is exit 1; a bad
// --interval is bad usage, exit 2.
func TestStatusExitCodes(t *testing.T) {
	c := newStatusFake(t, watchScenario+`  - {namespace: prod, name: gpu, migratable: false, notMigratableReason: HostDeviceNotLiveMigratable, evictionStrategy: LiveMigrate}
`)
	watchOnFake(t, c)
	if _, _, err := run(t, "", "status", "--interval", "0s"); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--interval") {
		t.Errorf("--interval 0s: exit %d, %v", exitCode(err), err)
	}
	if out, _, err := run(t, "", "status"); err != nil {
		t.Errorf("before the update: exit %d, %v\n%s", exitCode(err), err, out)
	}
	startUpdate(t, c)
	// Past the control plane, the workers drain one by one until the
	// VMI's node.
	for range 40 {
		if err := c.Advance(5 * time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, _, err := run(t, "", "status", "-o", "yaml"); err != nil {
			if exitCode(err) != exitBlocked {
				t.Fatalf("exit %d: %v", exitCode(err), err)
			}
			return
		}
	}
	t.Error("the drain held by the VMI never made status exit 1")
}

// failingNodes fails ListNodes with err the first times calls.
type failingNodes struct {
	statusFake
	err   error
	times int
}

func (f *failingNodes) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	if f.times > 0 {
		f.times--
		return nil, f.err
	}
	return f.statusFake.ListNodes(ctx)
}

// TestWatchReadErrors: a passing failure to read the cluster
// (update.ErrTransient) is shown and read again at the next interval; any
// other ends the watch with exit 3, the cluster cannot be read.
func TestWatchReadErrors(t *testing.T) {
	c := newStatusFake(t, watchScenario)
	clk := &steppingClock{FakeClock: clocktesting.NewFakeClock(c.Clock().Now()), c: c, t: t}
	flaky := &failingNodes{statusFake: c, err: fmt.Errorf("list Nodes: %w: the server is currently unable to handle the request", update.ErrTransient), times: 2}
	reader := statusReader{c: flaky, clk: clk, namespace: update.DefaultNamespace}
	var out bytes.Buffer
	if err := watchStatus(context.Background(), &out, reader.read, watchOptions{interval: time.Minute, clock: clk, format: outputText}); err != nil {
		t.Fatalf("after two passing failures: %v", err)
	}
	if n := strings.Count(out.String(), "reading the cluster failed, reading again in 1m0s"); n != 1 || clk.waits != 2 {
		t.Errorf("%d notices of the same failure over %d waits, want 1 over 2:\n%s", n, clk.waits, out.String())
	}
	broken := &failingNodes{statusFake: c, err: errors.New("list Nodes: forbidden"), times: 1}
	reader.c = broken
	err := watchStatus(context.Background(), &out, reader.read, watchOptions{interval: time.Minute, clock: clk, format: outputText})
	if exitCode(err) != exitCluster || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("exit %d (%v), want %d", exitCode(err), err, exitCluster)
	}
}
