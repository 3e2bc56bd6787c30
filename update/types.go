package update

import (
	"context"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
)

// Where OpenShift Virtualization lives: HCO's one HyperConverged object and
// the namespace its operator, Subscription and CSVs are in.
const (
	DefaultNamespace          = "openshift-cnv"
	HyperConvergedName        = "kubevirt-hyperconverged"
	HyperConvergedPackage     = "kubevirt-hyperconverged"
	HyperConvergedVersionName = "operator" // the status.versions entry of HCO itself
)

// HyperConverged is the part of HCO's custom resource (hco.kubevirt.io/v1beta1,
// kind HyperConverged) that update plans read and change. No importable Go
// module carries its type, so the fields are defined here with the real JSON
// names.
type HyperConverged struct {
	Namespace  string `json:"-"`
	Name       string `json:"-"`
	Generation int64  `json:"-"`
	// ResourceVersion is the object's metadata.resourceVersion when read.
	ResourceVersion string               `json:"-"`
	Spec            HyperConvergedSpec   `json:"spec"`
	Status          HyperConvergedStatus `json:"status"`
}

// HyperConvergedSpec holds the fields of spec that updates touch.
type HyperConvergedSpec struct {
	WorkloadUpdateStrategy WorkloadUpdateStrategy `json:"workloadUpdateStrategy"`
	LiveMigrationConfig    LiveMigrationConfig    `json:"liveMigrationConfig"`
	// EvictionStrategy is spec.evictionStrategy, the cluster-wide eviction
	// strategy HCO copies to the KubeVirt CR. HCO sets it to LiveMigrate on
	// a multi-node cluster and None on a single-node one when unset
	// (controllers/handlers/kubevirt.go getKVConfig / hcoutil.GetClusterInfo
	// IsInfrastructureHighlyAvailable); nil when the field is absent.
	EvictionStrategy *kubevirtv1.EvictionStrategy `json:"evictionStrategy,omitempty"`
}

// WorkloadUpdateStrategy is spec.workloadUpdateStrategy.
type WorkloadUpdateStrategy struct {
	// WorkloadUpdateMethods keeps the three states the field can be in
	// apart: nil when the field is absent, a pointer to an empty slice for
	// `[]` (automatic workload updates off), or the list. Plans back this
	// value up and restore it exactly.
	WorkloadUpdateMethods *[]kubevirtv1.WorkloadUpdateMethod `json:"workloadUpdateMethods,omitempty"`
	// BatchEvictionSize is how many VMIs Evict updates per interval
	// (default 10).
	BatchEvictionSize *int `json:"batchEvictionSize,omitempty"`
	// BatchEvictionInterval is the wait between Evict batches (default 1m).
	BatchEvictionInterval *metav1.Duration `json:"batchEvictionInterval,omitempty"`
}

// KubeVirt returns the strategy as KubeVirt receives it from HCO. Absent
// and empty methods both become an empty list: no automatic workload updates.
func (s WorkloadUpdateStrategy) KubeVirt() kubevirtv1.KubeVirtWorkloadUpdateStrategy {
	var methods []kubevirtv1.WorkloadUpdateMethod
	if s.WorkloadUpdateMethods != nil {
		methods = slices.Clone(*s.WorkloadUpdateMethods)
	}
	return kubevirtv1.KubeVirtWorkloadUpdateStrategy{
		WorkloadUpdateMethods: methods,
		BatchEvictionSize:     s.BatchEvictionSize,
		BatchEvictionInterval: s.BatchEvictionInterval,
	}
}

// LiveMigrationConfig is spec.liveMigrationConfig; nil fields take HCO's
// defaults.
type LiveMigrationConfig struct {
	ParallelMigrationsPerCluster      *uint32 `json:"parallelMigrationsPerCluster,omitempty"`
	ParallelOutboundMigrationsPerNode *uint32 `json:"parallelOutboundMigrationsPerNode,omitempty"`
	BandwidthPerMigration             *string `json:"bandwidthPerMigration,omitempty"`
	CompletionTimeoutPerGiB           *int64  `json:"completionTimeoutPerGiB,omitempty"`
	ProgressTimeout                   *int64  `json:"progressTimeout,omitempty"`
}

// HyperConvergedStatus holds the fields of status that updates read.
type HyperConvergedStatus struct {
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	Versions           []OperandVersion   `json:"versions,omitempty"`
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	SystemHealthStatus string             `json:"systemHealthStatus,omitempty"`
}

// OperandVersion is one entry of status.versions.
type OperandVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// OperatorVersion returns the version HCO reports for itself in
// status.versions, or "".
func (s HyperConvergedStatus) OperatorVersion() string {
	for _, v := range s.Versions {
		if v.Name == HyperConvergedVersionName {
			return v.Version
		}
	}
	return ""
}

// ClusterVersion is the part of config.openshift.io/v1 ClusterVersion
// "version" that plans read.
type ClusterVersion struct {
	// Channel is spec.channel.
	Channel string
	// DesiredVersion is spec.desiredUpdate.version, "" when unset (an
	// update asked by image alone leaves it empty: Target has the version).
	DesiredVersion string
	// Target is status.desired.version: the release the CVO is applying or
	// last applied, whether the update was asked by version or by image.
	Target string
	// History is status.history, newest first.
	History []UpdateHistory
	// Conditions are status.conditions (Available, Progressing, Failing,
	// Upgradeable, RetrievedUpdates, …) with the same fields.
	Conditions []metav1.Condition
	// AvailableUpdates are the versions of status.availableUpdates.
	AvailableUpdates []string
	// ConditionalUpdates are status.conditionalUpdates: supported updates
	// with risks, each with the CVO's Recommended condition. Those the CVO
	// evaluated as Recommended=True are also in AvailableUpdates.
	ConditionalUpdates []ConditionalUpdate
	// DesiredChannels are status.desired.channels: the channels the
	// running release declares it belongs to (what `oc adm upgrade
	// channel` checks a new channel against); empty when not known.
	DesiredChannels []string
}

// ConditionalUpdate is one entry of a ClusterVersion's
// status.conditionalUpdates.
type ConditionalUpdate struct {
	// Version is release.version.
	Version string
	// Risks are the entry's risks, with their matching rules.
	Risks []channel.Risk
	// Recommended is the entry's Recommended condition; its Status is ""
	// while the CVO has not evaluated the risks.
	Recommended metav1.Condition
}

// OfferedGraph returns the update graph the ClusterVersion describes (see
// [channel.Offered]): the updates from the release it runs, the
// conditional ones not recommended by the CVO kept as conditional edges.
// It returns nil and no error when the ClusterVersion offers no update at
// all (a disconnected cluster, or one whose CVO could not retrieve them):
// there is then nothing to verify a path against.
func (cv ClusterVersion) OfferedGraph() (*channel.Graph, error) {
	if len(cv.AvailableUpdates) == 0 && len(cv.ConditionalUpdates) == 0 {
		return nil, nil
	}
	o := channel.Offered{Current: cv.CurrentVersion(), Channel: cv.Channel, Recommended: cv.AvailableUpdates}
	for _, u := range cv.ConditionalUpdates {
		if u.Recommended.Status == metav1.ConditionTrue && slices.Contains(cv.AvailableUpdates, u.Version) {
			continue
		}
		o.Conditional = append(o.Conditional, channel.OfferedConditional{Version: u.Version, Risks: u.Risks})
	}
	g, err := o.Graph()
	if err != nil {
		return nil, fmt.Errorf("the ClusterVersion's status.availableUpdates and status.conditionalUpdates: %w", err)
	}
	return g, nil
}

// Update states of a history entry.
const (
	UpdateCompleted = "Completed"
	UpdatePartial   = "Partial"
)

// UpdateHistory is one entry of status.history.
type UpdateHistory struct {
	// State is UpdateCompleted or UpdatePartial.
	State   string
	Version string
	// StartedTime is when the update began; CompletionTime is zero while it
	// is the current update.
	StartedTime, CompletionTime time.Time
}

// CurrentVersion is the version the cluster last finished updating to: the
// newest Completed entry of the history, or "".
func (cv ClusterVersion) CurrentVersion() string {
	for _, h := range cv.History {
		if h.State == UpdateCompleted {
			return h.Version
		}
	}
	return ""
}

// Updating reports whether an update is under way: the newest history entry
// is Partial.
func (cv ClusterVersion) Updating() bool {
	return len(cv.History) > 0 && cv.History[0].State == UpdatePartial
}

// MachineConfigPool is the part of machineconfiguration.openshift.io/v1
// MachineConfigPool that plans read.
type MachineConfigPool struct {
	Name   string
	Paused bool
	// MaxUnavailable is spec.maxUnavailable resolved to a node count
	// (default 1).
	MaxUnavailable int32
	// TargetConfig is spec.configuration.name: the rendered MachineConfig
	// the pool's nodes are to run ("" when not known).
	TargetConfig string
	// NodeSelector is spec.nodeSelector, which picks the pool's nodes; nil
	// when not known (the pool's role label, node-role.kubernetes.io/<name>,
	// stands for it).
	NodeSelector *metav1.LabelSelector
	// The machine counts of the status. UpdatedMachineCount counts machines
	// on the pool's current rendered config, which during the control-plane
	// phase of an update is still the old release's: count the nodes on the
	// target release instead (MachineConfigs, node annotations), as `oc adm
	// upgrade status` does.
	MachineCount, UpdatedMachineCount, ReadyMachineCount, UnavailableMachineCount, DegradedMachineCount int32
	Conditions                                                                                          []metav1.Condition
}

// Updated reports whether every machine of the pool is on the current
// configuration and ready.
func (p MachineConfigPool) Updated() bool {
	return p.UpdatedMachineCount == p.MachineCount && p.ReadyMachineCount == p.MachineCount && p.DegradedMachineCount == 0
}

// Install plan approval modes of a Subscription.
const (
	ApprovalAutomatic = "Automatic"
	ApprovalManual    = "Manual"
)

// InstallPlan phases.
const (
	InstallPlanRequiresApproval = "RequiresApproval"
	InstallPlanInstalling       = "Installing"
	InstallPlanComplete         = "Complete"
	InstallPlanFailed           = "Failed"
)

// Subscription is the part of operators.coreos.com/v1alpha1 Subscription
// that plans read.
type Subscription struct {
	Namespace, Name string
	// Package is spec.name; Channel is spec.channel.
	Package, Channel string
	// InstallPlanApproval is ApprovalAutomatic or ApprovalManual.
	InstallPlanApproval string
	// CurrentCSV is the CSV the subscription is progressing to;
	// InstalledCSV the one installed.
	CurrentCSV, InstalledCSV string
	// InstallPlanRef names the newest InstallPlan, "" when none.
	InstallPlanRef string
	// State is status.state (AtLatestKnown, UpgradePending, …).
	State string
}

// InstallPlan is the part of operators.coreos.com/v1alpha1 InstallPlan that
// plans read.
type InstallPlan struct {
	Namespace, Name string
	// CSVNames is spec.clusterServiceVersionNames.
	CSVNames []string
	// Approval is spec.approval; Approved is spec.approved.
	Approval string
	Approved bool
	// Phase is status.phase.
	Phase string
}

// The two API groups of NodeMaintenance objects.
const (
	NodeMaintenanceKubeVirt = "nodemaintenance.kubevirt.io"
	NodeMaintenanceMedik8s  = "nodemaintenance.medik8s.io"
)

// NodeMaintenance is a NodeMaintenance object of either API group.
type NodeMaintenance struct {
	// Group is NodeMaintenanceKubeVirt or NodeMaintenanceMedik8s.
	Group    string
	Name     string
	NodeName string
	Reason   string
	// Phase is status.phase (Running, Succeeded, Failed), "" when unset.
	Phase string
}

// ListOptions narrow a list.
type ListOptions struct {
	// Namespace limits the list to one namespace; "" lists all.
	Namespace string
	// LabelSelector in the usual syntax ("app=x,tier!=db"); "" selects all.
	LabelSelector string
}

// Checkpoint is an opaque record a plan saves before each step that changes
// the cluster, so that another process can resume it.
type Checkpoint struct {
	// Name identifies the record.
	Name string
	// Data is the record, stored and returned byte for byte.
	Data []byte
	// ResourceVersion is set by the store on load and save. Save with the
	// version last seen; "" creates the record. A stale version is a
	// conflict.
	ResourceVersion string
}

// Node annotations of the machine-config daemon, which say what each node
// runs and does (machine-config-operator pkg/daemon/constants).
const (
	NodeCurrentConfigAnnotation    = "machineconfiguration.openshift.io/currentConfig"
	NodeDesiredConfigAnnotation    = "machineconfiguration.openshift.io/desiredConfig"
	NodeStateAnnotation            = "machineconfiguration.openshift.io/state"
	NodeReasonAnnotation           = "machineconfiguration.openshift.io/reason"
	NodeDesiredDrainAnnotation     = "machineconfiguration.openshift.io/desiredDrain"
	NodeLastAppliedDrainAnnotation = "machineconfiguration.openshift.io/lastAppliedDrain"
	// MachineConfigReleaseVersionAnnotation on a rendered MachineConfig is
	// the OpenShift release it belongs to.
	MachineConfigReleaseVersionAnnotation = "machineconfiguration.openshift.io/release-image-version"
)

// MachineConfig is the part of a rendered machineconfiguration.openshift.io/v1
// MachineConfig that status reads: which release it belongs to.
type MachineConfig struct {
	Name string
	// ReleaseVersion is the MachineConfigReleaseVersionAnnotation, "" when
	// absent.
	ReleaseVersion string
}

// ClusterOperator is the part of a config.openshift.io/v1 ClusterOperator
// that status and pre-flight read.
type ClusterOperator struct {
	Name string
	// Conditions are status.conditions (Available, Progressing, Degraded,
	// Upgradeable) with their times and messages.
	Conditions []metav1.Condition
	// Versions are status.versions ("operator" is the operator's own).
	Versions []OperandVersion
}

// ClusterOperators lists the ClusterOperators. It is an optional port:
// `virtupdate status` reads the control plane's progress from them when the
// Cluster implements it.
type ClusterOperators interface {
	ListClusterOperators(ctx context.Context) ([]ClusterOperator, error)
}

// MachineConfigs lists the rendered MachineConfigs with the release each
// belongs to. It is an optional port: `virtupdate status` counts a pool's
// nodes on the target release from them (and the nodes' annotations), as
// `oc adm upgrade status` does.
type MachineConfigs interface {
	ListMachineConfigs(ctx context.Context) ([]MachineConfig, error)
}
