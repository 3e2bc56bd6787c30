package update

import (
	"errors"
	"fmt"
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
)

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
