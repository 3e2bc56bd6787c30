package fake

import "time"

// Timing sets how long the simulated controllers take. Zero fields take the
// defaults below.
type Timing struct {
	// OperatorInstall is how long a new CSV stays Installing before it
	// succeeds (default 5m; most automatic updates finish within 15m).
	OperatorInstall time.Duration
	// ComponentUpdate is how long HCO's components report Progressing after
	// a new operator version is installed (default 3m).
	ComponentUpdate time.Duration
	// PlatformUpdate is how long the CVO takes to apply a release to the
	// control plane (default 60m).
	PlatformUpdate time.Duration
	// NodeReboot is how long a drained node takes to reboot into the new
	// configuration (default 5m).
	NodeReboot time.Duration
	// TargetPodStart is how long a migration's target pod takes to be
	// scheduled and start when nothing prevents it (default 10s).
	TargetPodStart time.Duration
	// MigrationBandwidth is the speed of the link live migrations copy
	// over, in bytes per second (default 1 GiB/s, about a 10 Gbit/s
	// network after protocol overhead); a lower bandwidthPerMigration in
	// the live migration configuration caps it. A migration copies its
	// VMI's memory at this rate minus the rate its guest dirties memory
	// (Cluster.SetDirtyRate), after TargetPodStart.
	MigrationBandwidth int64
	// VMRestart is how long a VirtualMachine takes to start a new VMI after
	// its old one was shut down (default 30s).
	VMRestart time.Duration
	// WorkloadUpdaterInterval is how often the workload updater reconciles
	// on its own, besides reacting to changes (default 30s). An interval
	// below MinScenarioDuration (1s) is taken as 1s: a simulated day of
	// nanosecond resyncs would never end.
	WorkloadUpdaterInterval time.Duration
}

// Default durations of Timing.
const (
	DefaultOperatorInstall         = 5 * time.Minute
	DefaultComponentUpdate         = 3 * time.Minute
	DefaultPlatformUpdate          = 60 * time.Minute
	DefaultNodeReboot              = 5 * time.Minute
	DefaultTargetPodStart          = 10 * time.Second
	DefaultMigrationBandwidth      = 1 << 30
	DefaultVMRestart               = 30 * time.Second
	DefaultWorkloadUpdaterInterval = 30 * time.Second
)

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.OperatorInstall, DefaultOperatorInstall)
	def(&t.ComponentUpdate, DefaultComponentUpdate)
	def(&t.PlatformUpdate, DefaultPlatformUpdate)
	def(&t.NodeReboot, DefaultNodeReboot)
	def(&t.TargetPodStart, DefaultTargetPodStart)
	def(&t.VMRestart, DefaultVMRestart)
	def(&t.WorkloadUpdaterInterval, DefaultWorkloadUpdaterInterval)
	t.WorkloadUpdaterInterval = max(t.WorkloadUpdaterInterval, MinScenarioDuration)
	if t.MigrationBandwidth <= 0 {
		t.MigrationBandwidth = DefaultMigrationBandwidth
	}
	return t
}
