package update

import (
	"errors"
	"fmt"
	"strings"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// Sentinel errors of the ports. Test for them with errors.Is.
var (
	// ErrConflict: the write lost a race with another writer (the object
	// changed since it was read, or did not hold the expected value). Read
	// again and retry.
	ErrConflict = errors.New("conflict")
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrEvictionDenied: an eviction of a VMI's launcher pod was refused
	// (KubeVirt's eviction webhook, or a PodDisruptionBudget). Every
	// implementation of the Workloads port wraps it, so one errors.Is
	// works on the fake and on a real cluster.
	ErrEvictionDenied = errors.New("eviction denied")
	// ErrEvacuationStarted: the eviction of a VMI's launcher pod was
	// answered with KubeVirt's "Eviction triggered evacuation of VMI" or
	// "Evacuation in progress" (both HTTP 429): the pod stays, and
	// virt-controller migrates the VMI off the node instead. Errors that
	// wrap it also wrap ErrEvictionDenied, since the pod was not evicted;
	// test for ErrEvacuationStarted first to tell the cases apart.
	ErrEvacuationStarted = errors.New("eviction triggered evacuation")
	// ErrTransient: the API could not answer this time (a 5xx, a 429
	// other than an eviction's, a timeout, a dropped connection). The
	// operation may or may not have taken effect; retrying it is safe for
	// the ports' idempotent operations. Implementations wrap it; Run retries
	// it with backoff inside a step.
	ErrTransient = errors.New("transient API error")
	// ErrInvalid: the arguments cannot be written (a value the server
	// cannot hold, an unknown method). Nothing was changed.
	ErrInvalid = errors.New("invalid")
	// ErrNotStored: the server accepted a write but stored something else
	// (its defaulting, pruning, or a version conversion changed the field).
	// The write took effect as the server stored it; read the object again.
	ErrNotStored = errors.New("the server did not store what was written")
)

// Why an eviction of a launcher pod did not delete the pod.
type EvictionRefusal string

// The refusals of KubeVirt's eviction webhook
// (pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go)
// and of the API server's PodDisruptionBudget check. Every one is an HTTP 429.
const (
	// EvacuationTriggered: "Eviction triggered evacuation of VMI ns/name":
	// the webhook set status.evacuationNodeName; a migration follows.
	EvacuationTriggered EvictionRefusal = "EvacuationTriggered"
	// EvacuationInProgress: "Evacuation in progress: …": the VMI is already
	// marked for evacuation.
	EvacuationInProgress EvictionRefusal = "EvacuationInProgress"
	// EvictionNotMigratable: "VMI … is configured with an eviction strategy
	// but is not live-migratable": the drain is blocked until the VMI
	// stops or becomes migratable.
	EvictionNotMigratable EvictionRefusal = "NotMigratable"
	// EvictionDisruptionBudget: a PodDisruptionBudget allows no disruption.
	EvictionDisruptionBudget EvictionRefusal = "DisruptionBudget"
	// EvictionOther: any other refusal (the webhook failed to read or mark
	// the VMI, an eviction of a migration target pod).
	EvictionOther EvictionRefusal = "Other"
)

// EvictionError is the error of Workloads.EvictVMI when the launcher pod was
// not evicted. Both implementations return it, so errors.As and errors.Is
// behave the same on the fake and on a real cluster: every EvictionError is
// ErrEvictionDenied; EvacuationTriggered and EvacuationInProgress are also
// ErrEvacuationStarted.
type EvictionError struct {
	// Namespace and Name are the VMI's; Pod is its launcher pod, "" when
	// not known.
	Namespace, Name, Pod string
	// Refusal says which case it is.
	Refusal EvictionRefusal
	// Message is what the webhook or the API server said.
	Message string
}

// Error renders e.g. `evict VMI ns/vm (pod virt-launcher-vm-x): EvacuationTriggered: Eviction triggered evacuation of VMI "ns/vm"`.
func (e *EvictionError) Error() string {
	pod := ""
	if e.Pod != "" {
		pod = " (pod " + e.Pod + ")"
	}
	return fmt.Sprintf("evict VMI %s/%s%s: %s: %s", e.Namespace, e.Name, pod, e.Refusal, e.Message)
}

// Is matches ErrEvictionDenied always and ErrEvacuationStarted for the two
// evacuation refusals.
func (e *EvictionError) Is(target error) bool {
	switch target {
	case ErrEvictionDenied:
		return true
	case ErrEvacuationStarted:
		return e.Refusal == EvacuationTriggered || e.Refusal == EvacuationInProgress
	}
	return false
}

// ClassifyEviction names the refusal of a 429 answer from its message, as
// KubeVirt's webhook and the API server word them. The API server prefixes
// a webhook's message (`admission webhook "…" denied the request: `), so
// the webhook's phrases are looked for anywhere in it; "Evacuation in
// progress" first, since its message goes on with the other's words.
func ClassifyEviction(message string) EvictionRefusal {
	switch {
	case strings.Contains(message, "Evacuation in progress"):
		return EvacuationInProgress
	case strings.Contains(message, "Eviction triggered evacuation"):
		return EvacuationTriggered
	case strings.Contains(message, "is configured with an eviction strategy but is not live-migratable"):
		return EvictionNotMigratable
	case strings.Contains(message, "disruption budget"):
		return EvictionDisruptionBudget
	}
	return EvictionOther
}

// ObjectError is an error about one object: what was done, to which object,
// and why it failed.
type ObjectError struct {
	// Op is the operation, e.g. "approve", "patch workloadUpdateMethods".
	Op string
	// Kind, Namespace and Name identify the object; Namespace is empty for
	// cluster-scoped kinds.
	Kind, Namespace, Name string
	// Err is the cause; ErrConflict and ErrNotFound are the ones callers
	// act on.
	Err error
}

// Error renders e.g. `approve InstallPlan openshift-cnv/install-abc: not found`.
func (e *ObjectError) Error() string {
	obj := e.Name
	if e.Namespace != "" {
		obj = e.Namespace + "/" + e.Name
	}
	return fmt.Sprintf("%s %s %s: %v", e.Op, e.Kind, obj, e.Err)
}

// Unwrap returns the cause.
func (e *ObjectError) Unwrap() error { return e.Err }

// Conflict returns an ObjectError whose cause is ErrConflict with the detail.
func Conflict(op, kind, namespace, name, detail string) error {
	return &ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: fmt.Errorf("%w: %s", ErrConflict, detail)}
}

// NotFound returns an ObjectError whose cause is ErrNotFound.
func NotFound(op, kind, namespace, name string) error {
	return &ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: ErrNotFound}
}

// CheckClientMigration checks a migration a client asks Workloads to
// create, as KubeVirt's migration-create admitter does for any user but
// virt-controller
// (pkg/virt-api/webhooks/validating-webhook/admitters/migration-create-admitter.go):
// spec.priority is refused ("only virt-controller is allowed to set priority
// field"), and so is a nil migration or one without spec.vmiName. The error
// wraps ErrInvalid; use workload.NewClientMigration for a valid one.
func CheckClientMigration(m *kubevirtv1.VirtualMachineInstanceMigration) error {
	const op = "create"
	switch {
	case m == nil:
		return &ObjectError{Op: op, Kind: "VirtualMachineInstanceMigration", Err: fmt.Errorf("%w: the migration is nil", ErrInvalid)}
	case m.Spec.VMIName == "":
		return &ObjectError{Op: op, Kind: "VirtualMachineInstanceMigration", Namespace: m.Namespace, Name: m.Name + m.GenerateName,
			Err: fmt.Errorf("%w: spec.vmiName is required", ErrInvalid)}
	case m.Spec.Priority != nil:
		return &ObjectError{Op: op, Kind: "VirtualMachineInstanceMigration", Namespace: m.Namespace, Name: m.Name + m.GenerateName,
			Err: fmt.Errorf("%w: spec.priority is %q: KubeVirt lets only virt-controller set it; create the migration without it (workload.NewClientMigration)", ErrInvalid, *m.Spec.Priority)}
	}
	return nil
}
