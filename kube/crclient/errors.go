package crclient

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

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
