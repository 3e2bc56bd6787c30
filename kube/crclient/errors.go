package crclient

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// rbacHint says which roles grant what the adapter needs, as the kube
// adapter's errors do.
const rbacHint = "(bind the identity to the roles of deploy/rbac.yaml: the ClusterRole virtupdate and, in the HyperConverged's namespace, the Role virtupdate-checkpoints; they grant every verb virtupdate uses)"

// mapError turns an error about one object into an *update.ObjectError
// exactly as kube.MapError does (the API server's errors reach the client
// unchanged: controller-runtime's clients return client-go's
// *apierrors.StatusError, and its cache answers a missing object with
// apierrors.NewNotFound, pkg/cache/internal/cache_reader.go Get). A kind
// the API server does not serve is, for the client, a REST mapping error
// (meta.IsNoMatchError) where the dynamic client gets a 404: it is
// update.ErrNotFound here too.
func mapError(op, kind, namespace, name string, err error) error {
	if err == nil {
		return nil
	}
	var oe *update.ObjectError
	if errors.As(err, &oe) {
		return err
	}
	if meta.IsNoMatchError(err) {
		return &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name,
			Err: fmt.Errorf("%w: the API server serves no %s resource (is its operator installed?): %w", update.ErrNotFound, kind, err)}
	}
	return kube.MapError(op, kind, namespace, name, err)
}

// notServed reports whether err says the resource is not there at all: a
// REST mapping error, or a 404 for the resource (a list).
func notServed(err error) bool {
	return meta.IsNoMatchError(err) || apierrors.IsNotFound(err)
}

// listError wraps a list's error with what was listed and where, as the
// kube adapter does.
func listError(kind, namespace string, err error) error {
	where := " in every namespace"
	switch {
	case namespace != "":
		where = " in namespace " + namespace
	case kind == kindMachineConfigPool, kind == kindNode, kind == kindNodeMaintenance:
		where = "" // cluster-scoped
	}
	var oe *update.ObjectError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("list %ss%s: %w", kind, where, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("list %ss%s: %w: %w %s", kind, where, kube.ErrForbidden, err, rbacHint)
	case kube.Transient(err):
		return fmt.Errorf("list %ss%s: %w: %w", kind, where, update.ErrTransient, err)
	case meta.IsNoMatchError(err):
		return fmt.Errorf("list %ss%s: %w: the API server serves no %s resource: %w", kind, where, update.ErrNotFound, kind, err)
	}
	return fmt.Errorf("list %ss%s: %w", kind, where, err)
}

// clusterListError wraps the error of a list of a cluster-scoped OpenShift
// kind as the kube adapter does: a resource the server does not serve is
// update.ErrNotFound (the cluster is not OpenShift, or too old).
func clusterListError(kind string, err error) error {
	var oe *update.ObjectError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("list %ss: %w", kind, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("list %ss: %w: %w %s", kind, kube.ErrForbidden, err, rbacHint)
	case notServed(err):
		return fmt.Errorf("list %ss: %w: the API server serves no %s resource (is this an OpenShift cluster?): %w", kind, update.ErrNotFound, kind, err)
	case kube.Transient(err):
		return fmt.Errorf("list %ss: %w: %w", kind, update.ErrTransient, err)
	}
	return fmt.Errorf("list %ss: %w", kind, err)
}
