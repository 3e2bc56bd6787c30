package conditions

// The five condition types HCO manages on the HyperConverged, in the order
// HCO writes them.
const (
	TypeReconcileComplete = "ReconcileComplete"
	TypeAvailable         = "Available"
	TypeProgressing       = "Progressing"
	TypeDegraded          = "Degraded"
	TypeUpgradeable       = "Upgradeable"
)

// HyperConvergedTypes returns the five managed condition types in HCO's
// order. The slice is new on every call.
func HyperConvergedTypes() []string {
	return []string{TypeReconcileComplete, TypeAvailable, TypeProgressing, TypeDegraded, TypeUpgradeable}
}

// Reasons HCO writes on the HyperConverged conditions.
const (
	// ReasonReconcileCompleted marks a condition written by a successful pass.
	ReasonReconcileCompleted = "ReconcileCompleted"
	// ReasonInit marks the conditions of the very first reconcile.
	ReasonInit = "Init"
	// ReasonHCODegraded: Available or Upgradeable is False because a component is degraded.
	ReasonHCODegraded = "HCODegraded"
	// ReasonHCOProgressing: Upgradeable is False because a component is progressing.
	ReasonHCOProgressing = "HCOProgressing"
	// ReasonHCOUpgrading: Progressing is held True while HCO upgrades itself.
	ReasonHCOUpgrading = "HCOUpgrading"
	// ReasonStatusUnknown: no component and no rule set this type in the pass.
	ReasonStatusUnknown = "StatusUnknown"
	// ReasonReconcileFailed: an operand could not be reconciled.
	ReasonReconcileFailed = "ReconcileFailed"
	// ReasonInvalidRequest: the request named another HyperConverged.
	ReasonInvalidRequest = "InvalidRequest"
)

// Reasons HCO writes on the Upgradeable condition of its OLM OperatorCondition.
const (
	// ReasonUpgradeable allows OLM to move the next CSV out of Pending.
	ReasonUpgradeable = "Upgradeable"
	// ReasonAlreadyPerformingUpgrade holds the next CSV while HCO is upgrading.
	ReasonAlreadyPerformingUpgrade = "AlreadyPerformingUpgrade"
)

// Messages HCO writes, exactly as it writes them.
const (
	MessageReconcileCompleted     = "Reconcile completed successfully"
	MessageInit                   = "Initializing HyperConverged cluster"
	MessageStatusUnknown          = "Unknown Status"
	MessageDegradedUpgradeable    = "HCO is not Upgradeable due to degraded components"
	MessageDegradedAvailable      = "HCO is not available due to degraded components"
	MessageProgressingUpgradeable = "HCO is not Upgradeable due to progressing components"
	// MessageUpgradingPrefix is followed by the version HCO upgrades to.
	MessageUpgradingPrefix = "HCO is now upgrading to version "
	// MessageReconcileFailedPrefix is followed by the operand error.
	MessageReconcileFailedPrefix = "Error while reconciling: "
	// MessageOperatorUpgradingPrefix is followed by the version, on the OLM
	// OperatorCondition while HCO is upgrading.
	MessageOperatorUpgradingPrefix = "upgrading the hyperConverged cluster operator to version "
)

// Component names, as HCO spells them in per-component reasons
// ("KubeVirtDegraded", "CDINotAvailable", …).
const (
	ComponentKubeVirt            = "KubeVirt"
	ComponentCDI                 = "CDI"
	ComponentNetworkAddonsConfig = "NetworkAddonsConfig"
	ComponentSSP                 = "SSP"
	ComponentAAQ                 = "AAQ"
	ComponentMigController       = "MigController"
	ComponentFileRestoreOperator = "FileRestoreOperator"
)

// ReasonNoConditions is the reason HCO writes when a component's resource
// reports no conditions at all, e.g. "KubeVirtConditions".
func ReasonNoConditions(component string) string { return component + "Conditions" }

// ReasonNotAvailable is the reason for a component that is not Available,
// e.g. "CDINotAvailable".
func ReasonNotAvailable(component string) string { return component + "NotAvailable" }

// ReasonProgressing is the reason for a component that is Progressing,
// e.g. "KubeVirtProgressing".
func ReasonProgressing(component string) string { return component + "Progressing" }

// ReasonDegraded is the reason for a Degraded component, e.g. "SSPDegraded".
func ReasonDegraded(component string) string { return component + "Degraded" }

// ReasonNotUpgradeable is the reason for a component that reports
// Upgradeable=False, e.g. "KubeVirtNotUpgradeable".
func ReasonNotUpgradeable(component string) string { return component + "NotUpgradeable" }

// The values HCO writes in status.systemHealthStatus.
const (
	SystemHealthHealthy = "healthy"
	SystemHealthWarning = "warning"
	SystemHealthError   = "error"
)
