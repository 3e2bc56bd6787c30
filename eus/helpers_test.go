package eus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

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

// watcher checks, every time the fake clock moves, that OpenShift
// Virtualization never leads OpenShift and that no minor is skipped.
type watcher struct {
	c          *fake.Cluster
	ocpMinors  []channel.Minor
	violations []string
}

func (w *watcher) check() {
	ctx := context.Background()
	cv, err := w.c.GetClusterVersion(ctx)
	if err != nil {
		return
	}
	ocp, err := channel.ParseVersion(cv.CurrentVersion())
	if err != nil {
		return
	}
	m := ocp.MinorVersion()
	if n := len(w.ocpMinors); n == 0 || w.ocpMinors[n-1] != m {
		if n > 0 && w.ocpMinors[n-1].Next() != m {
			w.violations = append(w.violations, fmt.Sprintf("OpenShift went from %s to %s, skipping a minor", w.ocpMinors[n-1], m))
		}
		w.ocpMinors = append(w.ocpMinors, m)
	}
	hc, err := w.c.GetHyperConverged(ctx)
	if err != nil {
		return
	}
	if cnv, err := channel.ParseVersion(hc.Status.OperatorVersion()); err == nil && cnv.MinorVersion().Compare(m) > 0 {
		w.violations = append(w.violations, fmt.Sprintf("OpenShift Virtualization %s leads OpenShift %s", cnv, ocp))
	}
}

// options runs a plan on the fake, checking the invariants at each step of
// the fake clock.
func (w *watcher) options(events *[]update.Event) update.Options {
	return update.Options{
		Clock: w.c.Clock(),
		Waiter: update.WaiterFunc(func(_ context.Context, d time.Duration) error {
			err := w.c.Advance(d)
			w.check()
			return err
		}),
		OnEvent: func(e update.Event) {
			if events != nil {
				*events = append(*events, e)
			}
		},
	}
}

func countFake(c *fake.Cluster, kind, reason, prefix string) map[string]int {
	out := map[string]int{}
	for _, e := range c.Events() {
		if e.Kind == kind && e.Reason == reason && strings.HasPrefix(e.Message, prefix) {
			out[e.Namespace+"/"+e.Name+" "+e.Message]++
		}
	}
	return out
}

const eusScenario = `
seed: %d
clusterVersion: {version: 4.14.20, channel: eus-4.16}
cnv: {version: 4.14.3, approval: %s, catalog: [4.15.1, 4.15.2, 4.16.1]}
hyperConverged: {workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate, Evict]}}
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 4, zones: [a, b]}
vms:
  - {namespace: prod, name: "db-{i}", count: 8, memory: 2Gi}
  - {namespace: prod, name: "legacy-{i}", count: 2, migratable: false, evictionStrategy: None}
`

func eusRequest(s *fake.Scenario) update.Request {
	return update.Request{From: update.Versions{OCP: "4.14.20", CNV: "4.14.3"}, To: "4.16.3", Via: "4.15.30", CNVCatalog: s.CNV.Catalog}
}
