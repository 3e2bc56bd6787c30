package forecast

import (
	"context"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// runOnFake runs the scenario's plan once on its fake cluster and returns
// the cluster, with its event log.
func runOnFake(t *testing.T, file string) *fake.Cluster {
	t.Helper()
	in := loadInput(t, file)
	c, err := in.Build(in.Seed, in.Timing)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := request(in, update.Request{Force: true})
	plan, err := eus.NewPlan(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = update.Run(context.Background(), c, plan, update.Options{Clock: c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) })})
	return c
}

// The forecast reads who moved where, and why, from the messages of the
// fake's event log. This pins each format against the fake itself: every
// event the forecast reads must parse, and each kind must be seen.
func TestFakeEventFormats(t *testing.T) {
	type format struct {
		kind, reason string
		parse        func(fake.Event) bool
	}
	formats := []format{
		{fake.KindMigration, "Created", func(e fake.Event) bool { _, ok := parseMigrationCreated(e.Message); return ok }},
		{fake.KindMigration, "Succeeded", func(e fake.Event) bool { _, _, ok := parseMigrationSucceeded(e.Message); return ok }},
		{fake.KindVMI, "WorkloadUpdateMigration", func(e fake.Event) bool { _, ok := parseWorkloadMigration(e.Message); return ok }},
		{fake.KindVMI, "Restarted", func(e fake.Event) bool { _, ok := parseRestarted(e.Message); return ok }},
		{fake.KindNode, "DrainBlocked", func(e fake.Event) bool { _, _, ok := parseDrainBlocked(e.Message); return ok }},
		{fake.KindNode, "Draining", func(e fake.Event) bool { _, ok := parseDraining(e.Message); return ok }},
		// An eviction's cause is the first part of its message.
		{fake.KindEviction, "EvacuationStarted", func(e fake.Event) bool { c, _ := (&analysis{}).causeOf(e.Message); return c != CauseOther }},
		{fake.KindVMI, "ShutDown", func(e fake.Event) bool { c, _ := (&analysis{}).causeOf(e.Message); return c != CauseOther }},
	}
	seen := map[int]int{}
	for _, file := range []string{"drain.yaml", "eus.yaml", "blocked.yaml"} {
		for _, e := range runOnFake(t, file).Events() {
			for i, f := range formats {
				if e.Kind != f.kind || e.Reason != f.reason {
					continue
				}
				seen[i]++
				if !f.parse(e) {
					t.Errorf("%s: the forecast cannot read the fake's %s %s event: %q", file, e.Kind, e.Reason, e.Message)
				}
			}
		}
	}
	for i, f := range formats {
		if seen[i] == 0 {
			t.Errorf("no %s %s event in the test scenarios: its format is not pinned", f.kind, f.reason)
		}
	}
}

func TestParseMessages(t *testing.T) {
	for _, tt := range []struct {
		reason string
		got    func() (string, bool)
		want   string
		ok     bool
	}{
		{"a migration names its VMI", func() (string, bool) { return parseMigrationCreated("migration of VMI web-1") }, "web-1", true},
		{"not a creation", func() (string, bool) { return parseMigrationCreated("migration of web-1") }, "", false},
		{"the workload updater names its migration", func() (string, bool) {
			return parseWorkloadMigration("created migration kubevirt-workload-update-x7: outdated launcher")
		}, "kubevirt-workload-update-x7", true},
		{"a success names the target node", func() (string, bool) {
			_, to, ok := parseMigrationSucceeded("VMI web-1 moved worker-0 → worker-2 onto img:4.16")
			return to, ok
		}, "worker-2", true},
		{"a success names the source node", func() (string, bool) {
			from, _, ok := parseMigrationSucceeded("VMI web-1 moved worker-0 → worker-2 onto img:4.16")
			return from, ok
		}, "worker-0", true},
		{"a restart names its node", func() (string, bool) { return parseRestarted("runStrategy Always: new VMI on worker-1 with img") }, "worker-1", true},
		{"a blocked drain names the VMI", func() (string, bool) {
			k, _, ok := parseDrainBlocked("cannot evict VMI prod/pinned: denied: not live-migratable")
			return k.ns + "/" + k.name, ok
		}, "prod/pinned", true},
		{"a blocked drain keeps the error whole", func() (string, bool) {
			_, why, ok := parseDrainBlocked("cannot evict VMI prod/pinned: denied: not live-migratable")
			return why, ok
		}, "denied: not live-migratable", true},
		{"a drain names its pool", func() (string, bool) {
			return parseDraining("pool worker: cordoned; draining for rendered-worker-4.16.3")
		}, "worker", true},
		{"a maintenance names its node", func() (string, bool) {
			return parseMaintenanceDone("NodeMaintenance nodemaintenance.medik8s.io/nm-1: node worker-1 is cordoned and drained")
		}, "worker-1", true},
		{"the verify step's report names the VMI", func() (string, bool) {
			k, _, ok := parseNotUpdated("VMI prod/gpu-0 does not run the new virt-launcher: not migratable: use Evict")
			return k.ns + "/" + k.name, ok
		}, "prod/gpu-0", true},
	} {
		got, ok := tt.got()
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.reason, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCauseOf(t *testing.T) {
	a := &analysis{nodes: map[string]*nodeState{"nm-node": {name: "nm-node", open: true, byNM: true}, "worker-1": {name: "worker-1", open: true}}}
	for _, tt := range []struct {
		reason, msg string
		cause       Cause
		node        string
	}{
		{"the machine config operator's drain", "drain of node worker-1: evictionStrategy None", CauseNodeRoll, "worker-1"},
		{"a NodeMaintenance's drain", "drain of node nm-node: evictionStrategy None", CauseNodeMaintenance, "nm-node"},
		{"the workload updater's eviction", "workload update: evictionStrategy None", CauseWorkloadUpdate, ""},
		{"an eviction through the API", "eviction requested: evictionStrategy None", CauseOther, ""},
	} {
		c, n := a.causeOf(tt.msg)
		if c != tt.cause || n != tt.node {
			t.Errorf("%s: %q → %s %q, want %s %q", tt.reason, tt.msg, c, n, tt.cause, tt.node)
		}
	}
}
