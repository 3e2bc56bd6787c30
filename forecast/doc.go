// Package forecast says what an update will do to a cluster before it
// starts: it runs the real plan (eus.NewPlan of the request, run by
// update.Run, the runner a live update uses) on fake clusters built from
// the cluster's description, several times with the timing varied, and
// summarises what happened.
//
// # Input
//
// A forecast runs on an [Input]: a function that builds the fake cluster of
// one run from a seed and a fake.Timing, the timing the runs vary around,
// and the versions the cluster runs. [FromScenario] adapts a count-form
// scenario (fake.ParseScenario), [FromObjects] the object form
// (scenario.Objects: every object as found, read from a live cluster or a
// must-gather, built with fake.NewClusterFromObjects); any other
// description of a cluster plugs in the same way, through Input.Build.
//
// # Runs and the variation model
//
// [Run] makes Options.Runs runs (DefaultRuns, 10, unless told otherwise).
// Run i of a forecast seeded with seed:
//
//   - builds its own fake cluster, seeded with RunSeed(seed, i), so the
//     fake's own choices (generated names, the order of ties) differ
//     between runs;
//   - multiplies six fields of the input's timing (fake.Timing:
//     MigrationBandwidth, PlatformUpdate, NodeReboot, OperatorInstall,
//     TargetPodStart, VMRestart) by factors drawn uniformly, one per field
//     and independently, from the ranges of the [Variation]
//     ([DefaultVariation] unless told otherwise: bandwidth 0.5–1.25,
//     control-plane update 0.85–1.4, node reboot 0.8–1.6, operator install
//     0.8–1.6, target pod start 0.5–3, VM restart 0.7–2). The factors come
//     from a SplitMix64 stream keyed by the seed and the run's index, are
//     rounded to three decimals, and are listed per run in
//     Summary.PerRun; ComponentUpdate and WorkloadUpdaterInterval are
//     kept. [NoVariation] keeps the input's timing;
//   - builds the plan of the request and runs it with update.Run on the
//     fake's clock, to the end or until the update stops.
//
// Runs are independent: they go on up to Options.Parallelism goroutines
// (GOMAXPROCS by default), each with its own cluster, and their results are
// kept by run index, so the same input, options and seed give the same
// Forecast, and the same JSON, byte for byte.
//
// # What a forecast says
//
// The ETA is a distribution over the runs' durations: P10, P50 and P90 by
// the nearest-rank method (the ⌈p/100 × n⌉-th shortest run), with the
// shortest and the longest. The details come from one run, the median one
// (the run at P50; ties go to the lower index), and Summary.Details says
// which:
//
//   - per VM (every VMI running at the start): how many times it moved and
//     why — a node roll (evacuation migrations, or shutdowns, when the
//     machine config operator drains its node; a NodeMaintenance's drain
//     is told apart) or the workload update (virt-controller's migrations
//     and evictions of VMIs on an outdated virt-launcher) — when (the
//     offsets of its first and last move), and its [Outcome]: migrated,
//     shut down with its downtime (from each shutdown to its restart by
//     its VirtualMachine, about the VM restart time), deleted (a VMI
//     without a VirtualMachine), blocked with the reason (a drain that
//     cannot evict it, or stuck after failed migrations), or untouched
//     with the reason;
//   - per node: each drain's start and end, when the node was back, the
//     VMs the drain moved out, and the VMIs that blocked it;
//   - per namespace: the VMs' totals, which add up to the cluster's;
//   - the timeline: the plan's steps in the median run, with each step's
//     duration over the runs.
//
// All of it is read from the fake's event log (fake.Cluster.Events) and
// the runner's events: a move is a migration that succeeded, or an
// eviction that shut a VMI down; a failed migration is counted, not moved.
// Offsets count from the start of the run, durations are given in seconds
// and in words (FormatDuration), and the counts add up: the outcomes sum to
// the VMs, the namespaces to the cluster.
//
// A run the update stops in (a step fails, or a drain blocked by a VMI that
// cannot be evicted waits until its timeout) is not an error of Run: it is
// counted in Summary.RunsStopped, and [Forecast.Stopped] reports it.
//
// # Output
//
// A Forecast marshals to JSON as {"summary", "vms", "nodes", "namespaces",
// "timeline"}; [Forecast.WriteText] writes it for people and
// [Forecast.WriteCSV] one row per VM.
package forecast
