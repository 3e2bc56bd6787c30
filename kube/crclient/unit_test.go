package crclient

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNew: what New refuses, before anything is read.
func TestNew(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("a nil client must be refused")
	}
	good := fake.NewClientBuilder().WithScheme(testScheme(t)).Build()
	if _, err := New(good, Options{HyperConvergedVersion: "v2"}); !errors.Is(err, update.ErrInvalid) || !strings.Contains(err.Error(), `"v2"`) {
		t.Errorf("an unknown HyperConvergedVersion: err = %v, want ErrInvalid naming it", err)
	}
	bare := fake.NewClientBuilder().WithScheme(runtime.NewScheme()).Build()
	if _, err := New(bare, Options{}); err == nil || !strings.Contains(err.Error(), "AddToScheme") {
		t.Errorf("a scheme without the types: err = %v, want one saying to call AddToScheme", err)
	}
	c, err := New(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace() != update.DefaultNamespace || c.CheckpointConfigMapName("plan") != kube.DefaultCheckpointPrefix+"plan" {
		t.Errorf("defaults: namespace %q, checkpoint ConfigMap %q; want kube's", c.Namespace(), c.CheckpointConfigMapName("plan"))
	}
}

// TestMapError: the API server's errors map as kube.MapError maps them; a
// kind the server does not serve (the client's REST mapping error, where
// the dynamic client gets a 404) is update.ErrNotFound too.
func TestMapError(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	for _, tt := range []struct {
		err    error
		want   error
		reason string
	}{
		{apierrors.NewNotFound(gr, "x"), update.ErrNotFound, "404"},
		{apierrors.NewConflict(gr, "x", errors.New("stale")), update.ErrConflict, "409"},
		{apierrors.NewAlreadyExists(gr, "x"), update.ErrConflict, "create of an existing object"},
		{apierrors.NewForbidden(gr, "x", errors.New("no")), kube.ErrForbidden, "403"},
		{apierrors.NewServiceUnavailable("later"), update.ErrTransient, "503"},
		{&meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "config.openshift.io", Kind: "ClusterVersion"}}, update.ErrNotFound, "a kind not served"},
	} {
		err := mapError("get", kindClusterVersion, "", "version", tt.err)
		var oe *update.ObjectError
		if !errors.Is(err, tt.want) || !errors.As(err, &oe) || oe.Name != "version" {
			t.Errorf("%s: %v, want an ObjectError naming the object and wrapping %v", tt.reason, err, tt.want)
		}
	}
	noMatch := &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "config.openshift.io", Kind: "ClusterOperator"}}
	if err := kube.ClusterListError(kindClusterOperator, noMatch); !errors.Is(err, update.ErrNotFound) || !strings.Contains(err.Error(), "OpenShift") {
		t.Errorf("listing a kind not served: %v, want ErrNotFound asking whether this is OpenShift", err)
	}
	if err := kube.ListError(kindVMI, "prod", apierrors.NewForbidden(gr, "", errors.New("no"))); !errors.Is(err, kube.ErrForbidden) || !strings.Contains(err.Error(), "in namespace prod") {
		t.Errorf("a forbidden list: %v, want ErrForbidden naming the namespace", err)
	}
}
