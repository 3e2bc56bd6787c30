package update_test

import (
	"context"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// newCluster builds a fake cluster from a scenario.
func newCluster(t testing.TB, yaml string) (*fake.Cluster, *fake.Scenario) {
	t.Helper()
	s, err := fake.ParseScenario([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// fakeOptions runs a plan on the fake: waiting moves the fake clock, so
// nothing sleeps. Events are appended to *events when it is not nil.
func fakeOptions(c *fake.Cluster, events *[]update.Event) update.Options {
	return update.Options{
		Clock:  c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error { return c.Advance(d) }),
		OnEvent: func(e update.Event) {
			if events != nil {
				*events = append(*events, e)
			}
		},
	}
}

// fakeEvents counts the fake's events of a kind and reason.
func fakeEvents(c *fake.Cluster, kind, reason string) []fake.Event {
	var out []fake.Event
	for _, e := range c.Events() {
		if e.Kind == kind && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func stepsOf(events []update.Event, t update.EventType) []string {
	var out []string
	for _, e := range events {
		if e.Type == t {
			out = append(out, e.StepName)
		}
	}
	return out
}

const smallCluster = `
seed: 3
clusterVersion: {version: %s}
cnv: {version: %s, approval: %s, catalog: [%s]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict]}}
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 3, zones: [a, b]}
vms:
  - {namespace: prod, name: "db-{i}", count: 6, memory: 2Gi}
`
