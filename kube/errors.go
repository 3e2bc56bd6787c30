package kube

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/virtupdate/virtupdate/update"
)

// ErrForbidden is the cause (wrapped) of an error the API server returned
// because the identity the Cluster uses lacks a permission. Bind it to the
// roles of deploy/rbac.yaml, which grant every verb the adapter uses.
var ErrForbidden = errors.New("forbidden")

// ErrEvictionDenied matches (errors.Is) every EvictVMI error saying the API
// server refused the eviction for now (HTTP 429): a PodDisruptionBudget does
// not allow it, or KubeVirt's eviction webhook turned it into a migration or
// denied it. The error is an *update.EvictionError naming the case. Retry
// later; the VMI may already be migrating. It is update.ErrEvictionDenied,
// so the same errors.Is works on the fake.
var ErrEvictionDenied = update.ErrEvictionDenied

// MapError turns an error of the API server about one object into an
// *update.ObjectError naming the operation and the object, so that the
// update package's sentinels work:
//
//   - 409 Conflict and AlreadyExists satisfy errors.Is(err, update.ErrConflict);
//   - 404 NotFound satisfies errors.Is(err, update.ErrNotFound);
//   - 403 Forbidden satisfies errors.Is(err, ErrForbidden) and says which
//     ClusterRole to bind.
//
// The API error stays in the chain, so apierrors.IsConflict and friends keep
// working. A nil err is nil; an error that already is an *update.ObjectError
// is returned as is.
func MapError(op, kind, namespace, name string, err error) error {
	if err == nil {
		return nil
	}
	var oe *update.ObjectError
	if errors.As(err, &oe) {
		return err
	}
	cause := err
	switch {
	case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		cause = fmt.Errorf("%w: %w", update.ErrConflict, err)
	case apierrors.IsNotFound(err):
		cause = fmt.Errorf("%w: %w", update.ErrNotFound, err)
	case apierrors.IsForbidden(err):
		cause = fmt.Errorf("%w: %w (bind the identity to the roles of deploy/rbac.yaml: the ClusterRole virtupdate and, in the HyperConverged's namespace, the Role virtupdate-checkpoints; they grant every verb virtupdate uses)", ErrForbidden, err)
	}
	return &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: cause}
}
