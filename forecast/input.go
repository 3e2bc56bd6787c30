package forecast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// Input is what a forecast runs on: a way to build the fake cluster of one
// run, and the facts about the cluster the plan is built from. Any form of
// scenario plugs in through Build: FromScenario adapts the count form
// (fake.Scenario); an object form adapts the same way.
type Input struct {
	// Build builds the fake cluster of one run, seeded with seed and
	// running on timing. A forecast calls it once per run, from several
	// goroutines at once: it must not share mutable state between the
	// clusters it builds.
	Build func(seed int64, timing fake.Timing) (*fake.Cluster, error)
	// Timing is the cluster's own timing, the centre the runs vary around;
	// zero fields are the fake's defaults.
	Timing fake.Timing
	// From are the versions the cluster runs (the plan's Request.From).
	From update.Versions
	// CNVCatalog lists the OpenShift Virtualization versions the stable
	// channel offers (the plan's Request.CNVCatalog).
	CNVCatalog []string
	// Seed is the input's own seed, the forecast's seed unless
	// Options.Seed says otherwise.
	Seed int64
	// To is the input's own target, used when Options.Request.To is empty
	// (a scenario's update.to).
	To string
	// Subscription is the name of OpenShift Virtualization's Subscription
	// when it is not update.DefaultSubscriptionName (the plan's
	// Request.Subscription, used when Options.Request names none).
	Subscription string
	// WithoutCNV says the cluster runs no OpenShift Virtualization: the plan
	// updates the platform alone (the plan's Request.WithoutCNV).
	WithoutCNV bool
}

// FromScenario adapts a count-form scenario (fake.ParseScenario): each run
// builds the scenario's cluster with the run's seed and timing, from its
// own copy of the scenario.
func FromScenario(s *fake.Scenario) (Input, error) {
	if s == nil {
		return Input{}, fmt.Errorf("%w: the scenario is nil", ErrInvalid)
	}
	t, err := scenarioTiming(s.Timing)
	if err != nil {
		return Input{}, err
	}
	// Each run gets its own deep copy, so that nothing a build does to the
	// scenario is seen by another run.
	data, err := json.Marshal(s)
	if err != nil {
		return Input{}, fmt.Errorf("forecast: copying the scenario: %w", err)
	}
	in := Input{Timing: t, Seed: s.Seed, To: s.Update.To, From: update.Versions{OCP: s.ClusterVersion.Version}}
	if s.CNV != nil {
		in.From.CNV, in.CNVCatalog = s.CNV.Version, s.CNV.Catalog
	}
	in.Build = func(seed int64, timing fake.Timing) (*fake.Cluster, error) {
		var run fake.Scenario
		if err := json.Unmarshal(data, &run); err != nil {
			return nil, fmt.Errorf("forecast: copying the scenario: %w", err)
		}
		run.Seed, run.Timing = seed, timingStrings(timing)
		return run.NewCluster()
	}
	return in, nil
}

// FromObjects adapts an object-form scenario (scenario.Objects: every
// object as found, as a snapshot of a live cluster or a must-gather writes
// it): each run builds its cluster with fake.NewClusterFromObjects, seeded
// and timed for the run, and starts on the objects' collection time.
//
// The objects say which versions the cluster runs, but not which
// OpenShift Virtualization versions the stable channel offers: catalog
// lists them (as `oc get packagemanifest kubevirt-hyperconverged` shows);
// without it the fake's OLM offers no newer version, and the plan updates
// OpenShift alone. The objects hold no timing either: the runs vary
// around the fake's defaults (fake.Timing).
//
// The objects are checked and a cluster is built once here, so that an
// error shows before any run; the objects must not change while the
// forecast runs.
func FromObjects(o *scenario.Objects, catalog []string) (Input, error) {
	if o == nil {
		return Input{}, fmt.Errorf("%w: the objects are nil", ErrInvalid)
	}
	// What a forecast needs and cannot assume: the version the cluster
	// runs, and whether it runs OpenShift Virtualization.
	ocp, err := o.OpenShiftVersion()
	if err != nil {
		return Input{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case o.WithoutCNV && len(catalog) > 0:
		return Input{}, fmt.Errorf("%w: a catalog of OpenShift Virtualization versions is given, but the objects say the cluster runs none (withoutCNV: true)", ErrInvalid)
	case !o.WithoutCNV && o.CNVObject() == "":
		return Input{}, fmt.Errorf("%w: the objects hold no OpenShift Virtualization (no HyperConverged, Subscription or CSV of %s): if the cluster runs none, add withoutCNV: true; else add them (oc get hyperconverged,subscription,csv -n %s -o yaml)",
			ErrInvalid, update.HyperConvergedPackage, update.DefaultNamespace)
	case !o.WithoutCNV && !hasCNVSubscription(o):
		// The plan updates the operator through its Subscription; without
		// it every run would stop at the first operator step.
		return Input{}, fmt.Errorf("%w: the objects hold OpenShift Virtualization (%s) but not its Subscription in %s, through which the update goes: add it (oc get subscription,csv,installplan -n %s -o yaml into the snapshot's source, and take the snapshot again)",
			ErrInvalid, o.CNVObject(), update.DefaultNamespace, update.DefaultNamespace)
	}
	build := func(seed int64, timing fake.Timing) (*fake.Cluster, error) {
		c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: seed, Timing: timing})
		if err != nil {
			return nil, err
		}
		if len(catalog) == 0 {
			return c, nil
		}
		ctx := context.Background()
		hc, err := c.GetHyperConverged(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: a catalog is given but the objects hold no HyperConverged: %v", ErrInvalid, err)
		}
		version := hc.Status.OperatorVersion()
		if version == "" {
			return nil, fmt.Errorf("%w: a catalog is given but the objects do not say which OpenShift Virtualization version runs (HyperConverged status.versions, or a Succeeded CSV)", ErrInvalid)
		}
		c.SetCatalog(catalog...) // the operator, its Subscription and CSVs stay as found
		return c, nil
	}
	c, err := build(0, fake.Timing{})
	if err != nil {
		return Input{}, err
	}
	ctx := context.Background()
	in := Input{Build: build, CNVCatalog: catalog, Subscription: cnvSubscription(o), WithoutCNV: o.WithoutCNV}
	in.From.OCP = ocp
	switch hc, err := c.GetHyperConverged(ctx); {
	case err == nil:
		in.From.CNV = hc.Status.OperatorVersion()
	case !errors.Is(err, update.ErrNotFound):
		return Input{}, err
	}
	return in, nil
}

// hasCNVSubscription reports whether the objects hold OpenShift
// Virtualization's Subscription in update.DefaultNamespace.
func hasCNVSubscription(o *scenario.Objects) bool {
	for _, s := range o.Subscriptions {
		if s.Package == update.HyperConvergedPackage && s.Namespace == update.DefaultNamespace {
			return true
		}
	}
	return false
}

// cnvSubscription is the name of the objects' OpenShift Virtualization
// Subscription in update.DefaultNamespace, the one the fake's OLM drives,
// "" when there is none or it has the default name.
func cnvSubscription(o *scenario.Objects) string {
	for _, s := range o.Subscriptions {
		if s.Package == update.HyperConvergedPackage && s.Namespace == update.DefaultNamespace {
			if s.Name == update.DefaultSubscriptionName {
				return ""
			}
			return s.Name
		}
	}
	return ""
}

// scenarioTiming reads a scenario's timing strings as the fake does, with
// the fake's defaults for the fields left out.
func scenarioTiming(st fake.ScenarioTiming) (fake.Timing, error) {
	var t fake.Timing
	for _, f := range []struct {
		name string
		s    string
		d    *time.Duration
	}{
		{"timing.operatorInstall", st.OperatorInstall, &t.OperatorInstall},
		{"timing.componentUpdate", st.ComponentUpdate, &t.ComponentUpdate},
		{"timing.platformUpdate", st.PlatformUpdate, &t.PlatformUpdate},
		{"timing.nodeReboot", st.NodeReboot, &t.NodeReboot},
		{"timing.targetPodStart", st.TargetPodStart, &t.TargetPodStart},
		{"timing.vmRestart", st.VMRestart, &t.VMRestart},
		{"timing.workloadUpdaterInterval", st.WorkloadUpdaterInterval, &t.WorkloadUpdaterInterval},
	} {
		if f.s == "" {
			continue
		}
		d, err := fake.ParseDuration(f.s)
		if err != nil {
			return t, fmt.Errorf("%w: %s: %v", ErrInvalid, f.name, err)
		}
		*f.d = d
	}
	if st.MigrationBandwidth != "" {
		q, err := resource.ParseQuantity(st.MigrationBandwidth)
		if err != nil || q.Sign() <= 0 {
			return t, fmt.Errorf("%w: timing.migrationBandwidth: %q is not a positive quantity per second like 1Gi", ErrInvalid, st.MigrationBandwidth)
		}
		t.MigrationBandwidth = q.Value()
	}
	return TimingOf(t), nil
}

// timingStrings writes a timing back in the scenario's form, exactly: Go
// durations and the bandwidth in bytes per second.
func timingStrings(t fake.Timing) fake.ScenarioTiming {
	d := func(v time.Duration) string {
		if v <= 0 {
			return ""
		}
		return v.String()
	}
	st := fake.ScenarioTiming{
		OperatorInstall: d(t.OperatorInstall), ComponentUpdate: d(t.ComponentUpdate), PlatformUpdate: d(t.PlatformUpdate),
		NodeReboot: d(t.NodeReboot), TargetPodStart: d(t.TargetPodStart), VMRestart: d(t.VMRestart),
		WorkloadUpdaterInterval: d(t.WorkloadUpdaterInterval),
	}
	if t.MigrationBandwidth > 0 {
		st.MigrationBandwidth = strconv.FormatInt(t.MigrationBandwidth, 10)
	}
	return st
}
