package scenario

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// APIVersion and Kind head every file of the object form, so a reader can
// tell it from the count form (fake.ParseScenario) at a glance.
const (
	APIVersion = "scenario.virtupdate/v1"
	Kind       = "Objects"
)

// Objects is a scenario given as every object a cluster held, as found:
// what a snapshot of a real cluster writes and a forecast loads into the
// fake. Kubernetes and KubeVirt objects keep their own types; the
// OpenShift, OLM and HCO objects are reduced to the fields the model reads,
// with the objects' JSON names.
//
// Lists are sorted by namespace then name when written (see [Marshal]).
// A nil pointer or an empty list means the source held no such object;
// whether the source could have held one is told by Missing.
type Objects struct {
	// APIVersion is [APIVersion]; Kind is [Kind].
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Source says where the objects were read from.
	Source Source `json:"source,omitempty"`
	// Missing names what the source lacked: a part (PartClusterVersion,
	// PartPools, …) it could not have held, or "Part.field" when the part
	// was read but a field of it was not. A part that is not missing and
	// holds nothing means the cluster had none.
	Missing []string `json:"missing,omitempty"`

	// ClusterVersion is the CVO's ClusterVersion "version".
	ClusterVersion *ClusterVersion `json:"clusterVersion,omitempty"`
	// ClusterOperators are the ClusterOperators with their conditions
	// (Upgradeable=False on one holds back minor updates).
	ClusterOperators []ClusterOperator `json:"clusterOperators,omitempty"`
	// Pools are the MachineConfigPools.
	Pools []MachineConfigPool `json:"pools,omitempty"`
	// Nodes are the nodes.
	Nodes []corev1.Node `json:"nodes,omitempty"`
	// NodeMaintenances are the NodeMaintenance objects of both API groups.
	NodeMaintenances []NodeMaintenance `json:"nodeMaintenances,omitempty"`
	// Subscriptions are OLM Subscriptions.
	Subscriptions []Subscription `json:"subscriptions,omitempty"`
	// CSVs are the ClusterServiceVersions, without the copies OLM makes in
	// every namespace an operator watches.
	CSVs []CSV `json:"csvs,omitempty"`
	// InstallPlans are OLM InstallPlans.
	InstallPlans []InstallPlan `json:"installPlans,omitempty"`
	// HyperConverged is HCO's custom resource.
	HyperConverged *HyperConverged `json:"hyperConverged,omitempty"`
	// KubeVirt is the KubeVirt custom resource HCO manages.
	KubeVirt *kubevirtv1.KubeVirt `json:"kubeVirt,omitempty"`
	// VirtualMachines, VMIs and Migrations are KubeVirt's workloads.
	VirtualMachines []kubevirtv1.VirtualMachine                  `json:"virtualMachines,omitempty"`
	VMIs            []kubevirtv1.VirtualMachineInstance          `json:"vmis,omitempty"`
	Migrations      []kubevirtv1.VirtualMachineInstanceMigration `json:"migrations,omitempty"`
	// PodDisruptionBudgets are the policy/v1 PodDisruptionBudgets.
	PodDisruptionBudgets []policyv1.PodDisruptionBudget `json:"podDisruptionBudgets,omitempty"`

	// WithoutCNV says the cluster runs no OpenShift Virtualization: the
	// source's OLM objects hold no Subscription or CSV of HCO's package, so
	// there is no HyperConverged, KubeVirt CR or VM (their CRDs come with
	// the operator). A forecast plans OpenShift alone
	// (update.Request.WithoutCNV). Validate refuses it beside any object of
	// OpenShift Virtualization.
	WithoutCNV bool `json:"withoutCNV,omitempty"`
}

// New returns empty Objects with APIVersion and Kind set.
func New() *Objects { return &Objects{APIVersion: APIVersion, Kind: Kind} }

// The parts of Objects, as Missing names them.
const (
	PartClusterVersion       = "ClusterVersion"
	PartClusterOperators     = "ClusterOperators"
	PartPools                = "MachineConfigPools"
	PartNodes                = "Nodes"
	PartNodeMaintenances     = "NodeMaintenances"
	PartSubscriptions        = "Subscriptions"
	PartCSVs                 = "ClusterServiceVersions"
	PartInstallPlans         = "InstallPlans"
	PartHyperConverged       = "HyperConverged"
	PartKubeVirt             = "KubeVirt"
	PartVirtualMachines      = "VirtualMachines"
	PartVMIs                 = "VirtualMachineInstances"
	PartMigrations           = "VirtualMachineInstanceMigrations"
	PartPodDisruptionBudgets = "PodDisruptionBudgets"
)

// Parts lists every part in the order of the Objects fields.
func Parts() []string {
	return []string{PartClusterVersion, PartClusterOperators, PartPools, PartNodes, PartNodeMaintenances,
		PartSubscriptions, PartCSVs, PartInstallPlans, PartHyperConverged, PartKubeVirt,
		PartVirtualMachines, PartVMIs, PartMigrations, PartPodDisruptionBudgets}
}

// Kinds of source.
const (
	SourceMustGather = "must-gather"
	SourceDump       = "dump"
	SourceCluster    = "cluster"
)

// Source says where objects were read from and what the reader left out.
type Source struct {
	// Kind is SourceMustGather, SourceDump or SourceCluster; empty for a
	// file written by hand.
	Kind string `json:"kind,omitempty"`
	// Name is the base name of the directory or archive read, or the
	// cluster's API server; empty once anonymised.
	Name string `json:"name,omitempty"`
	// CollectedAt is when the data was gathered: the must-gather's
	// timestamp, or when a live cluster was read. A forecast starts its
	// clock there, so ages and condition times stay as they were.
	CollectedAt *metav1.Time `json:"collectedAt,omitempty"`
	// Gatherers are the must-gather images whose folders were read, as
	// their version files name them ("openshift/must-gather 4.0-art-dev").
	Gatherers []string `json:"gatherers,omitempty"`
	// Files is the number of files decoded; SkippedFiles the number not
	// decoded because they cannot hold an object the model reads (logs,
	// text, YAML naming no such kind).
	Files        int `json:"files,omitempty"`
	SkippedFiles int `json:"skippedFiles,omitempty"`
	// Skipped counts the objects of kinds the model does not read, by kind
	// ("Pod", "Deployment.apps"), in the files decoded.
	Skipped map[string]int `json:"skipped,omitempty"`
	// Duplicates counts objects found more than once (in a List and on
	// their own, or in the folders of two images) and kept once.
	Duplicates int `json:"duplicates,omitempty"`
	// CopiedCSVs counts the CSVs OLM copied into watched namespaces, left
	// out.
	CopiedCSVs int `json:"copiedCSVs,omitempty"`
	// Anonymized is true once names were replaced (snapshot.Anonymize).
	Anonymized bool `json:"anonymized,omitempty"`
}

// ClusterVersion is config.openshift.io/v1 ClusterVersion "version",
// reduced to what update plans and forecasts read.
type ClusterVersion struct {
	// Channel is spec.channel.
	Channel string `json:"channel,omitempty"`
	// DesiredUpdate is spec.desiredUpdate.version, "" when unset.
	DesiredUpdate string `json:"desiredUpdate,omitempty"`
	// Desired is status.desired: the release the CVO reconciles and the
	// channels it declares it belongs to.
	Desired Release `json:"desired,omitempty"`
	// History is status.history, newest first.
	History []UpdateHistory `json:"history,omitempty"`
	// AvailableUpdates are status.availableUpdates.
	AvailableUpdates []Release `json:"availableUpdates,omitempty"`
	// ConditionalUpdates are status.conditionalUpdates: updates the graph
	// offers with risks.
	ConditionalUpdates []ConditionalUpdate `json:"conditionalUpdates,omitempty"`
	// Conditions are status.conditions (Available, Progressing, Failing,
	// Upgradeable, RetrievedUpdates, …).
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Release is a release of OpenShift as the ClusterVersion names it.
type Release struct {
	Version  string   `json:"version,omitempty"`
	Channels []string `json:"channels,omitempty"`
}

// UpdateHistory is one entry of status.history.
type UpdateHistory struct {
	// State is update.UpdateCompleted or update.UpdatePartial.
	State       string      `json:"state"`
	Version     string      `json:"version"`
	StartedTime metav1.Time `json:"startedTime"`
	// CompletionTime is nil while the update is the current one.
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// ConditionalUpdate is one entry of status.conditionalUpdates.
type ConditionalUpdate struct {
	Release Release `json:"release"`
	// Risks are the risks of the update, by name.
	Risks []Risk `json:"risks,omitempty"`
	// Conditions say whether the risks apply (Recommended).
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Risk is a known risk of a conditional update (ConditionalUpdateRisk).
type Risk struct {
	Name    string `json:"name"`
	Message string `json:"message,omitempty"`
	URL     string `json:"url,omitempty"`
	// MatchingRules are matchingRules: how the CVO decides whether the risk
	// applies to the cluster, in decreasing precedence.
	MatchingRules []MatchingRule `json:"matchingRules,omitempty"`
}

// The types of a matching rule, as the ClusterVersion's CRD enumerates
// them.
const (
	RuleAlways = "Always"
	RulePromQL = "PromQL"
)

// MatchingRule is one entry of a risk's matchingRules (ClusterCondition):
// RuleAlways, or RulePromQL with its query.
type MatchingRule struct {
	Type   string      `json:"type"`
	PromQL *PromQLRule `json:"promql,omitempty"`
}

// PromQLRule is the promql of a PromQL matching rule.
type PromQLRule struct {
	// PromQL is the query: 1 means the risk applies, 0 that it does not.
	PromQL string `json:"promql"`
}

// Upgradeable returns the ClusterVersion's Upgradeable condition, or nil.
func (cv *ClusterVersion) Upgradeable() *metav1.Condition {
	for i := range cv.Conditions {
		if cv.Conditions[i].Type == "Upgradeable" {
			return &cv.Conditions[i]
		}
	}
	return nil
}

// ClusterOperator is config.openshift.io/v1 ClusterOperator, reduced to
// its name and conditions.
type ClusterOperator struct {
	Name       string             `json:"name"`
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// MachineConfigPool is machineconfiguration.openshift.io/v1
// MachineConfigPool, reduced to what the MCO's rollout depends on.
type MachineConfigPool struct {
	Name string `json:"name"`
	// NodeSelector is spec.nodeSelector: the nodes of the pool. nil selects
	// the nodes labelled node-role.kubernetes.io/<name>, as the MCO's own
	// pools do; a snapshot always writes the pool's selector.
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	// MaxUnavailable is spec.maxUnavailable as written: a node count or a
	// percentage of the pool's nodes ("25%"); nil means 1.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// Paused is spec.paused.
	Paused bool `json:"paused,omitempty"`
	// The machine counts of status.
	MachineCount            int32 `json:"machineCount,omitempty"`
	UpdatedMachineCount     int32 `json:"updatedMachineCount,omitempty"`
	ReadyMachineCount       int32 `json:"readyMachineCount,omitempty"`
	UnavailableMachineCount int32 `json:"unavailableMachineCount,omitempty"`
	DegradedMachineCount    int32 `json:"degradedMachineCount,omitempty"`
	// Conditions are status.conditions (Updated, Updating, Degraded, …).
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// NodeMaintenance is a NodeMaintenance object of either API group.
type NodeMaintenance struct {
	// Group is update.NodeMaintenanceKubeVirt or update.NodeMaintenanceMedik8s.
	Group string `json:"group"`
	Name  string `json:"name"`
	// NodeName is spec.nodeName; Reason is spec.reason.
	NodeName string `json:"nodeName"`
	Reason   string `json:"reason,omitempty"`
	// Phase is status.phase (Running, Succeeded, Failed).
	Phase string `json:"phase,omitempty"`
}

// Subscription is operators.coreos.com/v1alpha1 Subscription, reduced.
type Subscription struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Package is spec.name; Channel is spec.channel; Source and
	// SourceNamespace name the CatalogSource.
	Package         string `json:"package,omitempty"`
	Channel         string `json:"channel,omitempty"`
	Source          string `json:"source,omitempty"`
	SourceNamespace string `json:"sourceNamespace,omitempty"`
	// InstallPlanApproval is update.ApprovalAutomatic or update.ApprovalManual.
	InstallPlanApproval string `json:"installPlanApproval,omitempty"`
	// CurrentCSV, InstalledCSV, InstallPlanRef (its name) and State are
	// from status.
	CurrentCSV     string `json:"currentCSV,omitempty"`
	InstalledCSV   string `json:"installedCSV,omitempty"`
	InstallPlanRef string `json:"installPlanRef,omitempty"`
	State          string `json:"state,omitempty"`
}

// CSV is operators.coreos.com/v1alpha1 ClusterServiceVersion, reduced to
// what conditions.CSV reads plus its namespace and the newest OpenShift
// minor it declares it runs on.
type CSV struct {
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	// Version is spec.version; Replaces is spec.replaces.
	Version  string `json:"version,omitempty"`
	Replaces string `json:"replaces,omitempty"`
	// Phase, Reason and Message are from status.
	Phase   conditions.CSVPhase `json:"phase,omitempty"`
	Reason  string              `json:"reason,omitempty"`
	Message string              `json:"message,omitempty"`
	// MaxOpenShiftVersion is the olm.maxOpenShiftVersion property of the
	// CSV's operatorframework.io/properties annotation ("4.16"), "" when
	// it declares none.
	MaxOpenShiftVersion string `json:"maxOpenShiftVersion,omitempty"`
}

// InstallPlan is operators.coreos.com/v1alpha1 InstallPlan, reduced.
type InstallPlan struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// CSVNames is spec.clusterServiceVersionNames.
	CSVNames []string `json:"csvNames,omitempty"`
	// Approval is spec.approval; Approved is spec.approved.
	Approval string `json:"approval,omitempty"`
	Approved bool   `json:"approved,omitempty"`
	// Phase is status.phase.
	Phase string `json:"phase,omitempty"`
}

// HyperConverged is HCO's hco.kubevirt.io/v1beta1 HyperConverged, with the
// spec and status fields of update.HyperConverged.
type HyperConverged struct {
	Namespace  string                      `json:"namespace"`
	Name       string                      `json:"name"`
	Generation int64                       `json:"generation,omitempty"`
	Spec       update.HyperConvergedSpec   `json:"spec,omitempty"`
	Status     update.HyperConvergedStatus `json:"status,omitempty"`
}

// Short names for the sort functions.
type (
	corev1Node     = corev1.Node
	virtualMachine = kubevirtv1.VirtualMachine
	vmi            = kubevirtv1.VirtualMachineInstance
	migration      = kubevirtv1.VirtualMachineInstanceMigration
	pdb            = policyv1.PodDisruptionBudget
)
