package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"

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

// rbacHint says which roles grant what the adapter needs; errors of a
// forbidden request end with it.
const rbacHint = "(bind the identity to the roles of deploy/rbac.yaml: the ClusterRole virtupdate and, in the HyperConverged's namespace, the Role virtupdate-checkpoints; they grant every verb virtupdate uses)"

// MapError turns an error of the API server about one object into an
// *update.ObjectError naming the operation and the object, so that the
// update package's sentinels work:
//
//   - 409 Conflict and AlreadyExists satisfy errors.Is(err, update.ErrConflict);
//   - 404 NotFound satisfies errors.Is(err, update.ErrNotFound);
//   - 403 Forbidden satisfies errors.Is(err, ErrForbidden) and says which
//     ClusterRole to bind;
//   - a transient failure satisfies errors.Is(err, update.ErrTransient):
//     5xx answers, 429 Too Many Requests (other than an eviction's, which
//     EvictVMI maps to an *update.EvictionError), server and client
//     timeouts, and a dropped connection (EOF, reset), so update.Run
//     retries it inside the step.
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
		cause = fmt.Errorf("%w: %w %s", ErrForbidden, err, rbacHint)
	case Transient(err):
		cause = fmt.Errorf("%w: %w", update.ErrTransient, err)
	}
	return &update.ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name, Err: cause}
}

// Transient reports whether an error of a request is one that may pass:
// the API server's 5xx, 429, server timeout and "try again later" answers
// (apimachinery's IsInternalError, IsServiceUnavailable, IsTooManyRequests,
// IsServerTimeout, IsTimeout, IsUnexpectedServerError), a client-side
// timeout, and a connection closed, reset or lost before the answer: EOF,
// ECONNRESET, ECONNREFUSED while the server restarts, and what
// k8s.io/apimachinery/pkg/util/net recognises (IsProbableEOF: a GOAWAY, a
// broken or closed connection; IsHTTP2ConnectionLost: "http2: client
// connection lost", when the HTTP/2 health check finds the connection
// dead), the errors client-go itself retries a GET on (rest/request.go);
// and "http: server closed idle connection", Go's net/http answer when
// the server closed a kept-alive connection as the request went out
// (net/http/transport.go errServerClosedIdle, which net/http retries only
// for requests it may replay).
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsUnexpectedServerError(err) {
		return true
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return se.Status().Code >= 500
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) ||
		utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err) ||
		utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err) ||
		strings.Contains(err.Error(), serverClosedIdle) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// serverClosedIdle is the message of net/http's error for a request sent
// on a kept-alive connection the server had just closed.
const serverClosedIdle = "http: server closed idle connection"
