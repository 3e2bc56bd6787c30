package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// These tests need no API server.

func TestMapError(t *testing.T) {
	gr := schema.GroupResource{Group: "hco.kubevirt.io", Resource: "hyperconvergeds"}
	for _, tt := range []struct {
		err                         error
		conflict, notFound, refused bool
	}{
		{err: apierrors.NewConflict(gr, "x", errors.New("modified")), conflict: true},
		{err: apierrors.NewAlreadyExists(gr, "x"), conflict: true},
		{err: apierrors.NewNotFound(gr, "x"), notFound: true},
		{err: apierrors.NewForbidden(gr, "x", errors.New("no")), refused: true},
		{err: apierrors.NewInternalError(errors.New("etcd"))},
		{err: fmt.Errorf("wrapped: %w", apierrors.NewNotFound(gr, "x")), notFound: true},
	} {
		err := MapError("get", "HyperConverged", "ns", "x", tt.err)
		var oe *update.ObjectError
		if !errors.As(err, &oe) || oe.Kind != "HyperConverged" || oe.Namespace != "ns" || oe.Name != "x" || oe.Op != "get" {
			t.Errorf("%v: not an ObjectError naming the object: %#v", tt.err, err)
		}
		if errors.Is(err, update.ErrConflict) != tt.conflict || errors.Is(err, update.ErrNotFound) != tt.notFound || errors.Is(err, ErrForbidden) != tt.refused {
			t.Errorf("%v: conflict %v notFound %v forbidden %v, want %v %v %v", tt.err,
				errors.Is(err, update.ErrConflict), errors.Is(err, update.ErrNotFound), errors.Is(err, ErrForbidden), tt.conflict, tt.notFound, tt.refused)
		}
		if !errors.Is(err, tt.err) && !errors.As(err, new(apierrors.APIStatus)) {
			t.Errorf("%v: the API error is not kept in the chain", tt.err)
		}
	}
	if MapError("get", "K", "", "x", nil) != nil {
		t.Error("MapError(nil) != nil")
	}
	already := update.NotFound("get", "K", "", "x")
	if MapError("other", "L", "", "y", already) != already {
		t.Error("an ObjectError is wrapped again")
	}
}

func TestResolveMaxUnavailable(t *testing.T) {
	for _, tt := range []struct {
		v        *intstr.IntOrString
		machines int32
		want     int32
	}{
		{nil, 10, 1},
		{ptrTo(intstr.FromInt32(3)), 10, 3},
		{ptrTo(intstr.FromInt32(0)), 10, 1},
		{ptrTo(intstr.FromString("25%")), 10, 2},
		{ptrTo(intstr.FromString("5%")), 10, 1},
		{ptrTo(intstr.FromString("100%")), 7, 7},
	} {
		got, err := resolveMaxUnavailable(tt.v, tt.machines)
		if err != nil || got != tt.want {
			t.Errorf("maxUnavailable %v of %d machines = %d, %v; want %d", tt.v, tt.machines, got, err, tt.want)
		}
	}
	if _, err := resolveMaxUnavailable(ptrTo(intstr.FromString("lots")), 3); err == nil {
		t.Error("a malformed maxUnavailable must be an error")
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestMethodsJSONNeverNull: a pointer to a nil slice is the empty list, not
// JSON null (which the API server would drop, making the field absent).
func TestMethodsJSONNeverNull(t *testing.T) {
	var nilSlice []kubevirtv1.WorkloadUpdateMethod
	if got := mustJSON(t, methodsJSON(&nilSlice)); got != "[]" {
		t.Errorf("methodsJSON(&nil) = %s, want []", got)
	}
}

// TestListPagesRestartsWhenExpired: an expired continue token starts the
// list over instead of returning a partial list or one unpaged request.
func TestListPagesRestartsWhenExpired(t *testing.T) {
	calls := 0
	expireOnce := true
	got, err := listPages(context.Background(), 2, "", func(_ context.Context, opts metav1.ListOptions) ([]int, string, error) {
		calls++
		if opts.Limit != 2 {
			t.Fatalf("request without the page size: %+v", opts)
		}
		switch opts.Continue {
		case "":
			return []int{1, 2}, "p2", nil
		case "p2":
			if expireOnce {
				expireOnce = false
				return nil, "", apierrors.NewResourceExpired("continue token expired")
			}
			return []int{3}, "", nil
		}
		t.Fatalf("unexpected token %q", opts.Continue)
		return nil, "", nil
	})
	if err != nil || fmt.Sprint(got) != "[1 2 3]" || calls != 4 {
		t.Errorf("list = %v, %v after %d calls; want [1 2 3] after 4", got, err, calls)
	}
	if _, err := listPages(context.Background(), 2, "a in (b", func(context.Context, metav1.ListOptions) ([]int, string, error) {
		t.Fatal("a malformed selector reached the server")
		return nil, "", nil
	}); err == nil {
		t.Error("a malformed label selector must be an error")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Which API errors are transient: update.Run retries them inside a step.
// The connection errors are those client-go retries a GET on
// (k8s.io/client-go/rest/request.go isErrRetryableFunc:
// k8s.io/apimachinery/pkg/util/net IsConnectionReset, IsProbableEOF,
// IsHTTP2ConnectionLost), as url.Error wraps them, and net/http's
// errServerClosedIdle (net/http/transport.go), which it replays only for
// idempotent requests: a PATCH gets it back.
func TestTransient(t *testing.T) {
	urlErr := func(op string, err error) error {
		return &url.Error{Op: op, URL: "https://api.example:6443/apis/config.openshift.io/v1/clusterversions/version", Err: err}
	}
	opErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	gr := schema.GroupResource{Group: "config.openshift.io", Resource: "clusterversions"}
	for _, tt := range []struct {
		reason string
		err    error
		want   bool
	}{
		{"500", apierrors.NewInternalError(errors.New("etcdserver: leader changed")), true},
		{"503", apierrors.NewServiceUnavailable("try later"), true},
		{"429", apierrors.NewTooManyRequests("slow down", 1), true},
		{"504 server timeout", apierrors.NewServerTimeout(gr, "get", 1), true},
		{"a dropped connection", fmt.Errorf("Get \"https://api\": %w", io.ErrUnexpectedEOF), true},
		{"a client timeout", fmt.Errorf("Patch \"https://api\": %w", context.DeadlineExceeded), true},
		{"http2: client connection lost (the HTTP/2 health check found it dead)", urlErr("Patch", errors.New("http2: client connection lost")), true},
		{"http: server closed idle connection, on a PATCH net/http does not replay", urlErr("Patch", errors.New("http: server closed idle connection")), true},
		{"http2: GOAWAY while the API server shuts down", urlErr("Get", errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=\"\"")), true},
		{"a request written on a broken connection", urlErr("Put", errors.New("http: can't write HTTP request on broken connection")), true},
		{"use of closed network connection", urlErr("Get", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("use of closed network connection")}), true},
		{"ECONNRESET", urlErr("Get", opErr("read", syscall.ECONNRESET)), true},
		{"ECONNREFUSED while the API server restarts", urlErr("Get", opErr("dial", syscall.ECONNREFUSED)), true},
		{"an untrusted certificate is not transient", urlErr("Get", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")), false},
		{"a wrong scheme is not transient", urlErr("Get", errors.New("http: server gave HTTP response to HTTPS client")), false},
		{"no such host is not transient", urlErr("Get", &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}), false},
		{"409 is a conflict, not transient", apierrors.NewConflict(gr, "version", errors.New("changed")), false},
		{"404", apierrors.NewNotFound(gr, "version"), false},
		{"403", apierrors.NewForbidden(gr, "version", errors.New("no")), false},
		{"422", apierrors.NewInvalid(schema.GroupKind{Group: "config.openshift.io", Kind: "ClusterVersion"}, "version", nil), false},
	} {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("%s: Transient = %v, want %v", tt.reason, got, tt.want)
		}
		mapped := MapError("get", "ClusterVersion", "", "version", tt.err)
		if got := errors.Is(mapped, update.ErrTransient); got != tt.want {
			t.Errorf("%s: MapError wraps ErrTransient = %v, want %v", tt.reason, got, tt.want)
		}
	}
}
