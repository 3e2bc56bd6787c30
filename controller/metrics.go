package controller

import (
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/client_golang/prometheus"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// The metric names. Each is a gauge set after every pass from its plan.
const (
	MetricOutdated         = "virtupdate_vmis_outdated"
	MetricMigrating        = "virtupdate_vmis_migrating"
	MetricStuck            = "virtupdate_vmis_stuck"
	MetricBlocked          = "virtupdate_vmis_blocked"
	MetricMigrationsFlight = "virtupdate_migrations_in_flight"
	MetricETA              = "virtupdate_workload_update_eta_seconds"
)

// gauges are the reconciler's metrics.
type gauges struct {
	outdated, migrating, stuck, blocked, inFlight, eta prometheus.Gauge
}

func newGauges() *gauges {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	}
	return &gauges{
		outdated: g(MetricOutdated, "Running VirtualMachineInstances not on the target virt-launcher "+
			"(as KubeVirt's kubevirt_vmi_number_of_outdated counts them)."),
		migrating: g(MetricMigrating, "Outdated VirtualMachineInstances with a migration in progress or not yet finished."),
		stuck: g(MetricStuck, "Outdated VirtualMachineInstances whose migrations failed too many times in a row; "+
			"they are no longer retried (a Warning Event WorkloadUpdateStuck names the failures)."),
		blocked: g(MetricBlocked, "VirtualMachineInstances that will never update by themselves or that block node drains "+
			"(a Warning Event WorkloadUpdateBlocked gives the cause and the remedy)."),
		inFlight: g(MetricMigrationsFlight, "VirtualMachineInstanceMigrations not finished yet, of any origin."),
		eta: g(MetricETA, "Estimated seconds until every VirtualMachineInstance that can update has, from the median "+
			"duration of the observed migrations and the Evict batch pace; NaN while unknown (no migration observed yet)."),
	}
}

func (g *gauges) all() []prometheus.Collector {
	return []prometheus.Collector{g.outdated, g.migrating, g.stuck, g.blocked, g.inFlight, g.eta}
}

// register registers every gauge, or none.
func (g *gauges) register(reg prometheus.Registerer) error {
	var done []prometheus.Collector
	for _, c := range g.all() {
		if err := reg.Register(c); err != nil {
			for _, d := range done {
				reg.Unregister(d)
			}
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return fmt.Errorf("register the metrics: %w: one Reconciler per registry; give each its own with the Registerer option", err)
			}
			return fmt.Errorf("register the metrics: %w", err)
		}
		done = append(done, c)
	}
	return nil
}

// set publishes a plan.
func (g *gauges) set(plan *workload.Plan, migrations []kubevirtv1.VirtualMachineInstanceMigration) {
	p := plan.Progress
	g.outdated.Set(float64(p.Outdated))
	g.migrating.Set(float64(p.Migrating))
	g.stuck.Set(float64(p.Stuck))
	g.blocked.Set(float64(len(plan.Blockers)))
	n := 0
	for i := range migrations {
		if !migrations[i].IsFinal() {
			n++
		}
	}
	g.inFlight.Set(float64(n))
	if p.ETAKnown {
		g.eta.Set(p.ETA.Seconds())
	} else {
		g.eta.Set(math.NaN())
	}
}
