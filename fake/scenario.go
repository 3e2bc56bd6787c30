package fake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// Scenario is a declarative description of a fake cluster and the update to
// run on it, read from YAML by ParseScenario. A scenario file looks like:
//
//	seed: 7
//	start: "2026-03-01T00:00:00Z"
//	timing:
//	  operatorInstall: 5m
//	  nodeReboot: 5m
//	  migrationBandwidth: 1Gi          # the link a migration copies over, per second
//	clusterVersion: {version: 4.14.20, channel: eus-4.16}
//	cnv: {version: 4.14.3, approval: Automatic, catalog: [4.15.2, 4.16.1]}
//	hyperConverged:
//	  workloadUpdateStrategy:
//	    workloadUpdateMethods: [LiveMigrate, Evict]   # absent: [LiveMigrate]; []: off
//	    batchEvictionSize: 10
//	    batchEvictionInterval: 1m0s
//	  liveMigrationConfig:
//	    parallelMigrationsPerCluster: 5
//	    parallelOutboundMigrationsPerNode: 1
//	    bandwidthPerMigration: 500Mi   # per second; absent or 0: the link's speed
//	    completionTimeoutPerGiB: 20
//	    progressTimeout: 150
//	clusterEvictionStrategy: LiveMigrate   # absent: HCO's default by worker count
//	pools: [{name: worker, maxUnavailable: 1}, {name: master}]
//	nodes:
//	  - {name: "master-{i}", count: 3, role: master}
//	  - {name: "worker-{i}", count: 20, zones: [a, b, c], age: 30d}
//	vms:
//	  - {namespace: prod, name: "db-{i}", count: 200, memory: 8Gi, runStrategy: Always}
//	  - {namespace: prod, name: "cache-{i}", count: 4, memory: 16Gi, dirtyRate: 2Gi}
//	  - {namespace: prod, name: "legacy-{i}", count: 10, migratable: false, evictionStrategy: None, runStrategy: Always}
//	faults:
//	  migrationFailures: [{vmi: prod/db-3, count: 2}]
//	  unschedulableTargets: [{vmi: prod/db-7, for: 12m}]
//	update: {to: 4.16.3}
//
// Every field is optional except clusterVersion.version; unknown fields are
// errors. A scenario holds at most MaxScenarioNodes nodes and MaxScenarioVMs
// VMs, all groups together, and every duration of its timing (and the
// batchEvictionInterval) is at least MinScenarioDuration, one second: one
// that asks for more, or for less, is refused before anything is built.
//
// The HyperConverged is stored as HCO's CRD and webhooks store it: an
// absent workloadUpdateStrategy (or workloadUpdateMethods: null) becomes
// [LiveMigrate] with batch 10 every 1m0s, so a scenario that names no
// methods gets LiveMigrate-only workload updates; only an explicit [] turns
// them off. clusterEvictionStrategy is the HyperConverged's
// spec.evictionStrategy, which HCO copies to the KubeVirt CR; without it HCO
// sets LiveMigrate when the cluster has two or more worker nodes and None
// on a single worker, so on a multi-node scenario a VM that cannot migrate
// and has no evictionStrategy of its own blocks its node's drain and is
// never evicted by the workload updater. Fields of liveMigrationConfig left
// out take HCO's defaults for installations made with HCO 1.19 or later
// (5 per cluster, 1 outbound per node, completionTimeoutPerGiB 20,
// progressTimeout 150, no bandwidth limit).
//
// Live migrations follow from memory and bandwidth: a VM's memory copies at
// bandwidthPerMigration, or at timing.migrationBandwidth (default 1Gi per
// second, about a 10 Gbit/s link after protocol overhead) when that is
// lower or no limit is set. A VM's dirtyRate (bytes per second its guest
// writes, default 0) is copied again: a migration takes memory /
// (bandwidth − dirtyRate) and is aborted by virt-launcher once it runs
// longer than completionTimeoutPerGiB × memory in GB; a VM whose dirtyRate
// reaches the bandwidth makes no progress and is aborted after
// progressTimeout. Either way the migration fails and the workload updater
// tries again after KubeVirt's backoff.
//
// Platform fields (nodes, pools and the platform as the MCO, the CVO and
// OLM see them), in a complete example:
//
//	clusterVersion: {version: 4.15.3, channel: stable-4.16}
//	cnv: {version: 4.15.2, catalog: [4.16.1]}
//	pools:
//	  - {name: worker, maxUnavailable: "25%"}
//	  - {name: master}
//	nodes:
//	  - {name: "master-{i}", count: 3, role: master}
//	  - {name: "worker-{i}", count: 8, zones: [a, b]}
//	  - {name: worker-cordoned, unschedulable: true}
//	  - {name: worker-down, ready: false}
//	nodeMaintenances:
//	  - {group: nodemaintenance.medik8s.io, name: nm-worker-1, node: worker-1, reason: firmware}
//	clusterOperators:
//	  - name: kube-apiserver
//	    conditions:
//	      - type: Upgradeable
//	        status: "False"
//	        reason: KubeletMinorVersion_KubeletMinorVersionUnsupportedNextUpgrade
//	        message: kubelets of 1 node are two minors behind
//	operators:
//	  - {namespace: openshift-storage, csv: odf-operator.v4.15.4, version: 4.15.4, maxOpenShiftVersion: "4.16"}
//	update: {to: 4.16.1}
//
// A node with unschedulable: true (an admin's cordon) or ready: false (its
// kubelet reports NotReady), and the node of a NodeMaintenance (either API
// group: the node-maintenance operator cordons and drains it, its phase
// going Running, then Succeeded once drained), is unavailable to the MCO:
// it is never updated and counts against the pool's maxUnavailable, so it
// holds up its pool. maxUnavailable is a node count or a quoted percentage
// of the pool's nodes, rounded down and never below 1: here 25% of 10
// workers is 2, and with 3 unavailable the worker pool stalls (the master
// pool, which the platform update waits for, is not held up).
// clusterOperators set ClusterOperator conditions: one that is
// Upgradeable=False makes the ClusterVersion Upgradeable=False, which
// refuses minor updates (as here, 4.16.1) but not z-streams; quote "True"
// and "False", which YAML reads as booleans otherwise. operators are other
// installed OLM operators: OLM's ClusterOperator is Upgradeable=False while
// one's maxOpenShiftVersion (a minor, "4.16") is below the minor after the
// running one; the OpenShift Virtualization CSVs declare the minor after
// their own.
type Scenario struct {
	// Seed feeds the fake's random choices; the same seed gives the same run.
	Seed int64 `json:"seed,omitempty"`
	// Start is the fake clock's start (RFC 3339); empty means 2026-01-01.
	Start string `json:"start,omitempty"`
	// Timing overrides the controllers' durations ("5m", "90s", "2d").
	Timing ScenarioTiming `json:"timing,omitempty"`
	// ClusterVersion is the platform's version and channel.
	ClusterVersion ScenarioClusterVersion `json:"clusterVersion"`
	// CNV is the installed OpenShift Virtualization operator.
	CNV *ScenarioCNV `json:"cnv,omitempty"`
	// HyperConverged is HCO's spec; present whenever CNV is.
	HyperConverged ScenarioHyperConverged `json:"hyperConverged,omitempty"`
	// ClusterEvictionStrategy is the HyperConverged's spec.evictionStrategy,
	// the strategy of every VMI without its own (None, LiveMigrate,
	// LiveMigrateIfPossible, External). Empty leaves it to HCO: LiveMigrate
	// with two or more worker nodes, None with one.
	ClusterEvictionStrategy string `json:"clusterEvictionStrategy,omitempty"`
	// Pools are the machine config pools (worker and master by default).
	Pools []ScenarioPool `json:"pools,omitempty"`
	// Nodes, singly or in groups.
	Nodes []ScenarioNodes `json:"nodes,omitempty"`
	// VMs are virtual machines (or standalone VMIs), singly or in groups.
	VMs []ScenarioVMs `json:"vms,omitempty"`
	// NodeMaintenances are NodeMaintenance objects of either API group.
	NodeMaintenances []ScenarioNodeMaintenance `json:"nodeMaintenances,omitempty"`
	// Faults to inject from the start.
	Faults ScenarioFaults `json:"faults,omitempty"`
	// ClusterOperators are ClusterOperators and their conditions.
	ClusterOperators []ScenarioClusterOperator `json:"clusterOperators,omitempty"`
	// Operators are installed OLM operators besides OpenShift
	// Virtualization, with their olm.maxOpenShiftVersion.
	Operators []ScenarioOperator `json:"operators,omitempty"`
	// Update names the update a simulation runs.
	Update ScenarioUpdate `json:"update,omitempty"`
}

// ScenarioTiming mirrors Timing with duration strings, each at least
// MinScenarioDuration (1s); a field left out takes Timing's default.
type ScenarioTiming struct {
	OperatorInstall         string `json:"operatorInstall,omitempty"`
	ComponentUpdate         string `json:"componentUpdate,omitempty"`
	PlatformUpdate          string `json:"platformUpdate,omitempty"`
	NodeReboot              string `json:"nodeReboot,omitempty"`
	TargetPodStart          string `json:"targetPodStart,omitempty"`
	VMRestart               string `json:"vmRestart,omitempty"`
	WorkloadUpdaterInterval string `json:"workloadUpdaterInterval,omitempty"`
	// MigrationBandwidth is the speed of the link live migrations copy
	// over, a quantity per second (default "1Gi"); a lower
	// liveMigrationConfig.bandwidthPerMigration caps it.
	MigrationBandwidth string `json:"migrationBandwidth,omitempty"`
}

// ScenarioClusterVersion is the platform's state.
type ScenarioClusterVersion struct {
	Version string `json:"version"`
	Channel string `json:"channel,omitempty"`
}

// ScenarioCNV is the installed OpenShift Virtualization operator.
type ScenarioCNV struct {
	Version string `json:"version"`
	// Approval is Automatic (default) or Manual.
	Approval string `json:"approval,omitempty"`
	// Catalog lists the versions the stable channel offers.
	Catalog []string `json:"catalog,omitempty"`
}

// ScenarioHyperConverged is HCO's spec. An absent workloadUpdateStrategy
// (or methods) is stored as HCO's CRD default [LiveMigrate], batch 10,
// 1m0s; liveMigrationConfig fields left out take HCO's defaults.
type ScenarioHyperConverged struct {
	WorkloadUpdateStrategy update.WorkloadUpdateStrategy `json:"workloadUpdateStrategy,omitempty"`
	LiveMigrationConfig    update.LiveMigrationConfig    `json:"liveMigrationConfig,omitempty"`
}

// ScenarioPool is a machine config pool.
type ScenarioPool struct {
	Name string `json:"name"`
	// MaxUnavailable is a node count (2) or a percentage of the pool's
	// nodes ("25%", rounded down); at least 1, the default.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	Paused         bool                `json:"paused,omitempty"`
}

// ScenarioNodes is one node, or Count nodes named by replacing "{i}" in
// Name with 0, 1, ….
type ScenarioNodes struct {
	Name  string `json:"name"`
	Count int    `json:"count,omitempty"`
	// Role is worker (default) or master.
	Role string `json:"role,omitempty"`
	// Zones are given to the nodes in turn (topology.kubernetes.io/zone);
	// empty means no zone label.
	Zones []string `json:"zones,omitempty"`
	// Age of the oldest node of the group ("30d"); each next one is a
	// minute younger.
	Age string `json:"age,omitempty"`
	// Unschedulable cordons the nodes (spec.unschedulable).
	Unschedulable bool `json:"unschedulable,omitempty"`
	// Ready false makes the nodes NotReady; the default is true.
	Ready *bool `json:"ready,omitempty"`
}

// ScenarioVMs is one VM, or Count VMs named by replacing "{i}" in Name.
// VMIs are spread over the worker nodes in turn.
type ScenarioVMs struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Count     int    `json:"count,omitempty"`
	// Memory is the guest memory ("4Gi", the default).
	Memory string `json:"memory,omitempty"`
	// Migratable defaults to true.
	Migratable *bool `json:"migratable,omitempty"`
	// NotMigratableReason is the LiveMigratable reason when not migratable
	// (default DisksNotLiveMigratable).
	NotMigratableReason string `json:"notMigratableReason,omitempty"`
	// EvictionStrategy is the VMI's own: None, LiveMigrate,
	// LiveMigrateIfPossible or External; empty means the cluster's.
	EvictionStrategy string `json:"evictionStrategy,omitempty"`
	// RunStrategy of the VirtualMachine: Always (default), RerunOnFailure,
	// Manual, Halted, Once; "Standalone" makes a VMI with no VirtualMachine.
	RunStrategy string `json:"runStrategy,omitempty"`
	// Node pins the VMIs to one node instead of spreading them.
	Node string `json:"node,omitempty"`
	// DirtyRate is how much memory each guest writes per second, a
	// quantity ("200Mi"); default 0. A live migration whose dirty rate
	// reaches its bandwidth makes no progress and is aborted after
	// progressTimeout.
	DirtyRate string `json:"dirtyRate,omitempty"`
}

// ScenarioNodeMaintenance is a NodeMaintenance object.
type ScenarioNodeMaintenance struct {
	// Group is nodemaintenance.kubevirt.io or nodemaintenance.medik8s.io.
	Group  string `json:"group"`
	Name   string `json:"name"`
	Node   string `json:"node"`
	Reason string `json:"reason,omitempty"`
}

// ScenarioFaults are the faults injected from the start.
type ScenarioFaults struct {
	MigrationFailures       []ScenarioVMICount `json:"migrationFailures,omitempty"`
	UnschedulableTargets    []ScenarioVMIFor   `json:"unschedulableTargets,omitempty"`
	NodeBootFailures        []string           `json:"nodeBootFailures,omitempty"`
	OperatorInstallFailures int                `json:"operatorInstallFailures,omitempty"`
	Conflicts               []ScenarioKindN    `json:"conflicts,omitempty"`
}

// ScenarioVMICount: the next Count migrations of VMI (namespace/name) fail.
type ScenarioVMICount struct {
	VMI   string `json:"vmi"`
	Count int    `json:"count"`
}

// ScenarioVMIFor: the VMI's target pods stay Unschedulable For a while.
type ScenarioVMIFor struct {
	VMI string `json:"vmi"`
	For string `json:"for"`
}

// ScenarioKindN: the next Count writes of Kind conflict.
type ScenarioKindN struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// ScenarioUpdate is the update to simulate.
type ScenarioUpdate struct {
	// To is the target OpenShift version.
	To string `json:"to,omitempty"`
}

// LoadScenario reads and checks a scenario file. A file larger than
// MaxScenarioBytes is refused before it is read.
func LoadScenario(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxScenarioBytes {
		return nil, fmt.Errorf("%s: %w: the file has %d bytes, more than the %d a scenario may have", path, ErrInvalidScenario, st.Size(), MaxScenarioBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	s, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ErrInvalidScenario is wrapped by every error ParseScenario returns.
var ErrInvalidScenario = errors.New("invalid scenario")

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidScenario, field, fmt.Sprintf(format, args...))
}

// ParseScenario reads a scenario from YAML (or JSON) and checks every
// field; errors name the field and the value. A scenario larger than a
// simulation holds (MaxScenarioVMs, MaxScenarioNodes, MaxScenarioBytes) is
// refused before anything is built, and every duration of its timing must
// be at least MinScenarioDuration.
func ParseScenario(data []byte) (*Scenario, error) {
	if len(data) > MaxScenarioBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d a scenario may have", ErrInvalidScenario, len(data), MaxScenarioBytes)
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: not valid YAML: %v", ErrInvalidScenario, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" {
				return nil, fmt.Errorf("%w: the file is not a scenario: its top level must be a YAML mapping (clusterVersion:, nodes:, vms:, …), not a %s", ErrInvalidScenario, typeErr.Value)
			}
			return nil, invalid(typeErr.Field, "must be a %s, got %s", typeErr.Type.Kind(), typeErr.Value)
		}
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, invalid(strings.Trim(field, `"`), "unknown field")
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidScenario, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one document", ErrInvalidScenario)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// ParseDuration reads a Go duration ("90s", "5m", "1h30m") or a number of
// days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a duration: use e.g. 90s, 5m, 2h or 30d", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration: use e.g. 90s, 5m, 2h or 30d", s)
	}
	return d, nil
}

func checkVersion(field, v string, required bool) error {
	if v == "" {
		if required {
			return invalid(field, "is required, e.g. 4.14.20")
		}
		return nil
	}
	if _, err := channel.ParseVersion(v); err != nil {
		return invalid(field, "%q is not a version: %v", v, err)
	}
	return nil
}

const maxGroup = 1_000_000

func (s *Scenario) validate() error {
	if err := s.checkSize(); err != nil {
		return err
	}
	if s.Start != "" {
		if _, err := time.Parse(time.RFC3339, s.Start); err != nil {
			return invalid("start", "%q is not an RFC 3339 time (2026-03-01T00:00:00Z)", s.Start)
		}
	}
	if err := s.Timing.validate(); err != nil {
		return err
	}
	if err := checkVersion("clusterVersion.version", s.ClusterVersion.Version, true); err != nil {
		return err
	}
	if s.ClusterVersion.Channel != "" {
		if _, err := channel.ParseChannel(s.ClusterVersion.Channel); err != nil {
			return invalid("clusterVersion.channel", "%v", err)
		}
	}
	if s.CNV != nil {
		if err := checkVersion("cnv.version", s.CNV.Version, true); err != nil {
			return err
		}
		if a := s.CNV.Approval; a != "" && a != update.ApprovalAutomatic && a != update.ApprovalManual {
			return invalid("cnv.approval", "%q is not Automatic or Manual", a)
		}
		for i, v := range s.CNV.Catalog {
			if err := checkVersion(fmt.Sprintf("cnv.catalog[%d]", i), v, true); err != nil {
				return err
			}
		}
	}
	if m := s.HyperConverged.WorkloadUpdateStrategy.WorkloadUpdateMethods; m != nil {
		for i, x := range *m {
			if x != kubevirtv1.WorkloadUpdateMethodLiveMigrate && x != kubevirtv1.WorkloadUpdateMethodEvict {
				return invalid(fmt.Sprintf("hyperConverged.workloadUpdateStrategy.workloadUpdateMethods[%d]", i), "%q is not LiveMigrate or Evict", x)
			}
		}
	}
	if n := s.HyperConverged.WorkloadUpdateStrategy.BatchEvictionSize; n != nil && *n < 0 {
		return invalid("hyperConverged.workloadUpdateStrategy.batchEvictionSize", "must not be negative, got %d", *n)
	}
	if d := s.HyperConverged.WorkloadUpdateStrategy.BatchEvictionInterval; d != nil {
		if err := checkMinDuration("hyperConverged.workloadUpdateStrategy.batchEvictionInterval", d.Duration.String(), d.Duration); err != nil {
			return err
		}
	}
	if err := validateLiveMigration(s.HyperConverged.LiveMigrationConfig); err != nil {
		return err
	}
	if err := checkEvictionStrategy("clusterEvictionStrategy", s.ClusterEvictionStrategy); err != nil {
		return err
	}
	pools := map[string]bool{"worker": len(s.Pools) == 0, "master": len(s.Pools) == 0}
	for i, p := range s.Pools {
		if p.Name == "" {
			return invalid(fmt.Sprintf("pools[%d].name", i), "is required")
		}
		if err := checkPoolMaxUnavailable(fmt.Sprintf("pools[%d].maxUnavailable", i), p.MaxUnavailable); err != nil {
			return err
		}
		pools[p.Name] = true
	}
	nodes := map[string]bool{}
	for i, n := range s.Nodes {
		f := fmt.Sprintf("nodes[%d]", i)
		if err := checkGroup(f, n.Name, n.Count); err != nil {
			return err
		}
		if n.Role != "" && n.Role != "worker" && n.Role != "master" {
			return invalid(f+".role", "%q is not worker or master", n.Role)
		}
		if n.Age != "" {
			if _, err := ParseDuration(n.Age); err != nil {
				return invalid(f+".age", "%v", err)
			}
		}
		for _, name := range expand(n.Name, n.Count) {
			if nodes[name] {
				return invalid(f+".name", "node %q is defined twice", name)
			}
			nodes[name] = true
		}
	}
	vms := map[string]bool{}
	for i, v := range s.VMs {
		f := fmt.Sprintf("vms[%d]", i)
		if err := checkGroup(f, v.Name, v.Count); err != nil {
			return err
		}
		if v.Memory != "" {
			q, err := resource.ParseQuantity(v.Memory)
			if err != nil || q.Sign() <= 0 {
				return invalid(f+".memory", "%q is not a positive quantity like 4Gi", v.Memory)
			}
		}
		if err := checkEvictionStrategy(f+".evictionStrategy", v.EvictionStrategy); err != nil {
			return err
		}
		if v.DirtyRate != "" {
			q, err := resource.ParseQuantity(v.DirtyRate)
			if err != nil || q.Sign() < 0 {
				return invalid(f+".dirtyRate", "%q is not a quantity per second like 200Mi (0 or more)", v.DirtyRate)
			}
		}
		switch kubevirtv1.VirtualMachineRunStrategy(v.RunStrategy) {
		case "", "Standalone", kubevirtv1.RunStrategyAlways, kubevirtv1.RunStrategyRerunOnFailure, kubevirtv1.RunStrategyManual,
			kubevirtv1.RunStrategyHalted, kubevirtv1.RunStrategyOnce:
		default:
			return invalid(f+".runStrategy", "%q is not Always, RerunOnFailure, Manual, Halted, Once or Standalone", v.RunStrategy)
		}
		if v.Node != "" && !nodes[v.Node] {
			return invalid(f+".node", "%q is not a node of the scenario", v.Node)
		}
		for _, name := range expand(v.Name, v.Count) {
			k := v.Namespace + "/" + name
			if vms[k] {
				return invalid(f+".name", "VM %q is defined twice", k)
			}
			vms[k] = true
		}
	}
	if len(s.VMs) > 0 && !anyWorker(s.Nodes) {
		return invalid("nodes", "VMs need at least one worker node")
	}
	for i, nm := range s.NodeMaintenances {
		f := fmt.Sprintf("nodeMaintenances[%d]", i)
		if nm.Group != update.NodeMaintenanceKubeVirt && nm.Group != update.NodeMaintenanceMedik8s {
			return invalid(f+".group", "%q is not %s or %s", nm.Group, update.NodeMaintenanceKubeVirt, update.NodeMaintenanceMedik8s)
		}
		if nm.Name == "" {
			return invalid(f+".name", "is required")
		}
		if !nodes[nm.Node] {
			return invalid(f+".node", "%q is not a node of the scenario", nm.Node)
		}
	}
	if err := s.Faults.validate(vms, nodes); err != nil {
		return err
	}
	if err := s.validatePlatform(); err != nil {
		return err
	}
	return checkVersion("update.to", s.Update.To, false)
}

// validateLiveMigration checks what HCO's validating webhook refuses in
// spec.liveMigrationConfig: a bandwidthPerMigration that is not a quantity
// (controllers/handlers/kubevirt.go hcLiveMigrationToKv fails on it).
func validateLiveMigration(lm update.LiveMigrationConfig) error {
	if b := lm.BandwidthPerMigration; b != nil {
		q, err := resource.ParseQuantity(*b)
		if err != nil || q.Sign() < 0 {
			return invalid("hyperConverged.liveMigrationConfig.bandwidthPerMigration", "%q is not a quantity per second like 64Mi (0 for no limit)", *b)
		}
	}
	return nil
}

func (t ScenarioTiming) validate() error {
	for field, v := range map[string]string{
		"operatorInstall": t.OperatorInstall, "componentUpdate": t.ComponentUpdate, "platformUpdate": t.PlatformUpdate,
		"nodeReboot": t.NodeReboot, "targetPodStart": t.TargetPodStart, "vmRestart": t.VMRestart,
		"workloadUpdaterInterval": t.WorkloadUpdaterInterval,
	} {
		if v == "" {
			continue
		}
		d, err := ParseDuration(v)
		if err != nil {
			return invalid("timing."+field, "%v", err)
		}
		if err := checkMinDuration("timing."+field, v, d); err != nil {
			return err
		}
	}
	if t.MigrationBandwidth != "" {
		q, err := resource.ParseQuantity(t.MigrationBandwidth)
		if err != nil || q.Sign() <= 0 {
			return invalid("timing.migrationBandwidth", "%q is not a positive quantity per second like 1Gi", t.MigrationBandwidth)
		}
	}
	return nil
}

func (f ScenarioFaults) validate(vms, nodes map[string]bool) error {
	for i, m := range f.MigrationFailures {
		if !vms[m.VMI] {
			return invalid(fmt.Sprintf("faults.migrationFailures[%d].vmi", i), "%q is not a VM of the scenario (namespace/name)", m.VMI)
		}
		if m.Count < 0 {
			return invalid(fmt.Sprintf("faults.migrationFailures[%d].count", i), "must not be negative, got %d", m.Count)
		}
	}
	for i, u := range f.UnschedulableTargets {
		if !vms[u.VMI] {
			return invalid(fmt.Sprintf("faults.unschedulableTargets[%d].vmi", i), "%q is not a VM of the scenario (namespace/name)", u.VMI)
		}
		if _, err := ParseDuration(u.For); err != nil {
			return invalid(fmt.Sprintf("faults.unschedulableTargets[%d].for", i), "%v", err)
		}
	}
	for i, n := range f.NodeBootFailures {
		if !nodes[n] {
			return invalid(fmt.Sprintf("faults.nodeBootFailures[%d]", i), "%q is not a node of the scenario", n)
		}
	}
	if f.OperatorInstallFailures < 0 {
		return invalid("faults.operatorInstallFailures", "must not be negative, got %d", f.OperatorInstallFailures)
	}
	for i, k := range f.Conflicts {
		switch k.Kind {
		case KindClusterVersion, KindMachineConfigPool, KindInstallPlan, KindHyperConverged, KindMigration, KindEviction, KindCheckpoint:
		default:
			return invalid(fmt.Sprintf("faults.conflicts[%d].kind", i), "%q is not a kind the fake writes (HyperConverged, InstallPlan, ClusterVersion, MachineConfigPool, Checkpoint, VirtualMachineInstanceMigration, Eviction)", k.Kind)
		}
		if k.Count < 0 {
			return invalid(fmt.Sprintf("faults.conflicts[%d].count", i), "must not be negative, got %d", k.Count)
		}
	}
	return nil
}

func checkEvictionStrategy(field, s string) error {
	switch kubevirtv1.EvictionStrategy(s) {
	case "", kubevirtv1.EvictionStrategyNone, kubevirtv1.EvictionStrategyLiveMigrate, kubevirtv1.EvictionStrategyLiveMigrateIfPossible, kubevirtv1.EvictionStrategyExternal:
		return nil
	}
	return invalid(field, "%q is not None, LiveMigrate, LiveMigrateIfPossible or External", s)
}

func checkGroup(field, name string, count int) error {
	if name == "" {
		return invalid(field+".name", "is required")
	}
	if count < 0 || count > maxGroup {
		return invalid(field+".count", "must be between 0 and %d, got %d", maxGroup, count)
	}
	if count > 1 && !strings.Contains(name, "{i}") {
		return invalid(field+".name", "%q must contain {i} to name %d objects", name, count)
	}
	return nil
}

// expand names a group: name with {i} replaced by 0…count-1, or name alone.
func expand(name string, count int) []string {
	if count == 0 {
		count = 1
	}
	if !strings.Contains(name, "{i}") {
		return []string{name}
	}
	out := make([]string, count)
	for i := range out {
		out[i] = strings.ReplaceAll(name, "{i}", strconv.Itoa(i))
	}
	return out
}

func anyWorker(groups []ScenarioNodes) bool {
	for _, g := range groups {
		if g.Role != "master" {
			return true
		}
	}
	return false
}

// NewCluster builds the fake cluster the scenario describes, with its
// faults armed. The scenario must come from ParseScenario; one larger than a
// simulation holds is refused all the same, before anything is built.
func (s *Scenario) NewCluster() (*Cluster, error) { return s.NewClusterWith(nil) }

// NewClusterWith is NewCluster with the options the scenario sets (seed,
// start, timing) then changed by configure, e.g. to plug in a user's
// workload Strategy or Admission, Compatibility or Aggregator.
func (s *Scenario) NewClusterWith(configure func(*Options)) (*Cluster, error) {
	if err := s.checkSize(); err != nil {
		return nil, err
	}
	opts := Options{Seed: s.Seed}
	if s.Start != "" {
		opts.Start, _ = time.Parse(time.RFC3339, s.Start)
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	opts.Timing = s.Timing.timing()
	if configure != nil {
		configure(&opts)
	}
	start := opts.Start
	c := NewCluster(opts)

	c.SetClusterVersion(update.ClusterVersion{Channel: s.ClusterVersion.Channel,
		History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: s.ClusterVersion.Version, StartedTime: start, CompletionTime: start}}})
	if s.CNV != nil {
		hc := update.HyperConverged{Spec: update.HyperConvergedSpec{
			WorkloadUpdateStrategy: s.HyperConverged.WorkloadUpdateStrategy, LiveMigrationConfig: s.HyperConverged.LiveMigrationConfig}}
		if s.ClusterEvictionStrategy != "" {
			e := kubevirtv1.EvictionStrategy(s.ClusterEvictionStrategy)
			hc.Spec.EvictionStrategy = &e
		}
		c.SetHyperConverged(hc)
		c.SetOperator(Operator{Version: s.CNV.Version, Approval: s.CNV.Approval, Catalog: s.CNV.Catalog})
	}
	pools := s.Pools
	if len(pools) == 0 {
		pools = []ScenarioPool{{Name: "master"}, {Name: "worker"}}
	}
	for _, p := range pools {
		c.AddPools(update.MachineConfigPool{Name: p.Name, MaxUnavailable: 1, Paused: p.Paused})
	}
	var workers []string
	for _, g := range s.Nodes {
		age, _ := ParseDuration(g.Age)
		for i, name := range expand(g.Name, g.Count) {
			n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{},
				CreationTimestamp: metav1.NewTime(start.Add(-age + time.Duration(i)*time.Minute))}}
			if g.Role == "master" {
				n.Labels[LabelRoleMaster] = ""
			} else {
				n.Labels[LabelRoleWorker] = ""
				workers = append(workers, name)
			}
			if len(g.Zones) > 0 {
				n.Labels[LabelZone] = g.Zones[i%len(g.Zones)]
			}
			n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
			c.AddNodes(n)
		}
	}
	launcher := ""
	if s.CNV != nil {
		launcher = LauncherImage(s.CNV.Version)
	}
	spread := 0
	for _, g := range s.VMs {
		vmis, vms := g.objects(launcher, workers, &spread)
		c.adoptWorkloads(vmis, vms)
		if g.DirtyRate != "" {
			rate := resource.MustParse(g.DirtyRate)
			for _, v := range vmis {
				c.SetDirtyRate(v.Namespace, v.Name, rate.Value())
			}
		}
	}
	for _, nm := range s.NodeMaintenances {
		c.AddNodeMaintenances(update.NodeMaintenance{Group: nm.Group, Name: nm.Name, NodeName: nm.Node, Reason: nm.Reason})
	}
	for _, f := range s.Faults.MigrationFailures {
		ns, name, _ := strings.Cut(f.VMI, "/")
		c.FailNextMigrations(ns, name, f.Count)
	}
	for _, f := range s.Faults.UnschedulableTargets {
		ns, name, _ := strings.Cut(f.VMI, "/")
		d, _ := ParseDuration(f.For)
		c.HoldTargetPods(ns, name, d, true)
	}
	for _, n := range s.Faults.NodeBootFailures {
		c.FailNodeBoot(n)
	}
	if s.Faults.OperatorInstallFailures > 0 {
		c.FailNextOperatorInstalls(s.Faults.OperatorInstallFailures)
	}
	for _, k := range s.Faults.Conflicts {
		c.FailNextWrites(k.Kind, k.Count)
	}
	s.loadPlatform(c)
	// The cluster as a reader finds it: its controllers have reconciled
	// what the scenario describes (HCO has defaulted the HyperConverged and
	// created the KubeVirt CR, as on every running cluster), before any
	// plan reads it. Time does not move.
	if err := c.Advance(0); err != nil {
		return nil, err
	}
	return c, nil
}

func (t ScenarioTiming) timing() Timing {
	d := func(s string) time.Duration { v, _ := ParseDuration(s); return v }
	out := Timing{
		OperatorInstall: d(t.OperatorInstall), ComponentUpdate: d(t.ComponentUpdate), PlatformUpdate: d(t.PlatformUpdate),
		NodeReboot: d(t.NodeReboot), TargetPodStart: d(t.TargetPodStart), VMRestart: d(t.VMRestart),
		WorkloadUpdaterInterval: d(t.WorkloadUpdaterInterval),
	}
	if t.MigrationBandwidth != "" {
		q := resource.MustParse(t.MigrationBandwidth)
		out.MigrationBandwidth = q.Value()
	}
	return out
}

// objects builds the group's VMIs and VirtualMachines, spreading the VMIs
// over the workers in turn from *spread.
func (g ScenarioVMs) objects(launcher string, workers []string, spread *int) ([]*kubevirtv1.VirtualMachineInstance, []*kubevirtv1.VirtualMachine) {
	memory := resource.MustParse("4Gi")
	if g.Memory != "" {
		memory = resource.MustParse(g.Memory)
	}
	migratable := g.Migratable == nil || *g.Migratable
	cond := kubevirtv1.VirtualMachineInstanceCondition{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}
	if !migratable {
		reason := g.NotMigratableReason
		if reason == "" {
			reason = kubevirtv1.VirtualMachineInstanceReasonDisksNotMigratable
		}
		cond = kubevirtv1.VirtualMachineInstanceCondition{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionFalse,
			Reason: reason, Message: "cannot migrate: " + reason}
	}
	run := kubevirtv1.VirtualMachineRunStrategy(g.RunStrategy)
	if run == "" {
		run = kubevirtv1.RunStrategyAlways
	}
	names := expand(g.Name, g.Count)
	vmis := make([]*kubevirtv1.VirtualMachineInstance, 0, len(names))
	vms := make([]*kubevirtv1.VirtualMachine, 0, len(names))
	for _, name := range names {
		node := g.Node
		if node == "" {
			node = workers[*spread%len(workers)]
			*spread++
		}
		vmi := &kubevirtv1.VirtualMachineInstance{
			ObjectMeta: metav1.ObjectMeta{Namespace: g.Namespace, Name: name, UID: types.UID("vmi-" + g.Namespace + "-" + name)},
			Spec: kubevirtv1.VirtualMachineInstanceSpec{Domain: kubevirtv1.DomainSpec{Resources: kubevirtv1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: memory}}}},
			Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node, LauncherContainerImageVersion: launcher,
				Conditions: []kubevirtv1.VirtualMachineInstanceCondition{cond}},
		}
		if g.EvictionStrategy != "" {
			e := kubevirtv1.EvictionStrategy(g.EvictionStrategy)
			vmi.Spec.EvictionStrategy = &e
		}
		if run != "Standalone" {
			controller := true
			vmi.OwnerReferences = []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: name, Controller: &controller}}
			rs := run
			vms = append(vms, &kubevirtv1.VirtualMachine{ObjectMeta: metav1.ObjectMeta{Namespace: g.Namespace, Name: name}, Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &rs}})
		}
		vmis = append(vmis, vmi)
	}
	return vmis, vms
}
