package crclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// GetHyperConverged implements update.HyperConvergeds: it reads the
// HyperConverged update.HyperConvergedName in Options.Namespace, as an
// unstructured object (HCO has no importable Go module), through the API
// version [Cluster.HyperConvergedVersion] chooses, and maps either
// version's shape onto update.HyperConverged as the kube adapter does.
func (c *Cluster) GetHyperConverged(ctx context.Context) (*update.HyperConverged, error) {
	u, ch, err := c.getHyperConverged(ctx, "get")
	if err != nil {
		return nil, err
	}
	return kube.HyperConvergedFrom(u, ch.version)
}

// hcObject is an empty HyperConverged of the version, named, for reads and
// patches.
func (c *Cluster) hcObject(version string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(hyperConvergedGK.WithVersion(version))
	u.SetNamespace(c.opts.Namespace)
	u.SetName(update.HyperConvergedName)
	return u
}

// readHC reads the HyperConverged through the version.
func (c *Cluster) readHC(ctx context.Context, version string) (*unstructured.Unstructured, error) {
	u := c.hcObject(version)
	err := c.get(ctx, c.live, client.ObjectKeyFromObject(u), u)
	return u, err
}

// getHyperConverged reads the object through the chosen version. When it
// is not found, or the version is not served (a REST mapping error where
// the dynamic client gets a 404), the version is chosen again and, if that
// changes it, read once more.
func (c *Cluster) getHyperConverged(ctx context.Context, op string) (*unstructured.Unstructured, *hcoChoice, error) {
	ns, name := c.opts.Namespace, update.HyperConvergedName
	ch, err := c.hcoVersion(ctx)
	if err != nil {
		return nil, nil, mapError(op, kindHyperConverged, ns, name, err)
	}
	u, err := c.readHC(ctx, ch.version)
	if notServed(err) && !ch.forced {
		c.forgetHCOVersion(ch)
		if again, aerr := c.hcoVersion(ctx); aerr == nil && again.version != ch.version {
			ch = again
			u, err = c.readHC(ctx, ch.version)
		}
	}
	if err != nil {
		return nil, nil, mapError(op, kindHyperConverged, ns, name, err)
	}
	return u, ch, nil
}

// methodsPath is the JSON pointer of workloadUpdateMethods in the version.
func methodsPath(version string) string {
	if version == kube.HyperConvergedV1 {
		return "/spec/virtualization/workloadUpdateStrategy/workloadUpdateMethods"
	}
	return "/spec/workloadUpdateStrategy/workloadUpdateMethods"
}

// methodsField names the field in messages: its path and the version.
func methodsField(version string) string {
	return strings.ReplaceAll(strings.TrimPrefix(methodsPath(version), "/"), "/", ".") + " (" + kube.HyperConvergedGroup + "/" + version + ")"
}

// jsonPatchOp is one operation of an RFC 6902 JSON patch.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// SetWorkloadUpdateMethods implements update.HyperConvergeds (see its
// contract there) exactly as the kube adapter does
// (kube.Cluster.SetWorkloadUpdateMethods): one JSON patch
//
//	[{"op":"test","path":<field>,"value":<the value read>},
//	 {"op":"replace","path":<field>,"value":<to>}]
//
// sent with client.RawPatch, which the API server applies atomically, so
// a writer that changed the field between the read and the patch fails
// the test (HTTP 422, told apart from a validation error by reading the
// field again: update.ErrConflict when it no longer holds what was
// tested). to is checked before anything is read; a field that reads
// absent is update.ErrNotStored without a write; a current value that
// already is to is success without a write; a current value other than
// from is update.ErrConflict; after the patch the field of the object the
// API server returned is compared with to (update.ErrNotStored).
//
// The value read is the one Options.APIReader, or the client, returns. A
// manager's client reads unstructured objects from the API server; a
// client that caches them reads the cache, which holds this Cluster's own
// writes before it answers (see the package doc) but may lag behind other
// writers. The `test` still keeps their write from being lost; but a stale
// read is then reported as a conflict, or as the already-done write it was
// when it was read, and the read that tells a lost race from a validation
// error may not show the other write yet, so the API server's 422 is
// returned as it is rather than as update.ErrConflict. Set
// Options.APIReader (mgr.GetAPIReader()) to decide on the server's value.
func (c *Cluster) SetWorkloadUpdateMethods(ctx context.Context, from, to *[]kubevirtv1.WorkloadUpdateMethod) error {
	const op = "set workloadUpdateMethods of"
	ns, name := c.opts.Namespace, update.HyperConvergedName
	if err := update.CheckMethodsWrite(ns, name, to); err != nil {
		return err
	}
	u, ch, err := c.getHyperConverged(ctx, op)
	if err != nil {
		return err
	}
	hc, err := kube.HyperConvergedFrom(u, ch.version)
	if err != nil {
		return err
	}
	cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	if cur == nil {
		// HCO's CRD defaults the field in its storage version; a read
		// through another version without a conversion webhook lacks it,
		// and a write through it would lose every field that version
		// lacks: write nothing.
		c.forgetHCOVersion(ch)
		chosen := ""
		if ch.crdErr == nil {
			chosen = " (" + ch.version + " is " + ch.why + ")"
		}
		return withVersionHint(&update.ObjectError{Op: op, Kind: kindHyperConverged, Namespace: ns, Name: name,
			Err: fmt.Errorf("%w: %s reads absent, though HCO's CRD stores it always (default %s): %s is not the version the CRD stores, or the CRD is not HCO's%s; nothing was written: set Options.HyperConvergedVersion to the version the CRD stores",
				update.ErrNotStored, methodsField(ch.version), update.ShowMethods(&update.DefaultWorkloadUpdateMethods), ch.version, chosen)}, ch)
	}
	if update.SameStoredMethods(cur, to) {
		return nil
	}
	if !update.SameStoredMethods(cur, from) {
		return update.Conflict(op, kindHyperConverged, ns, name,
			fmt.Sprintf("%s is %s, not the expected %s", methodsField(ch.version), update.ShowMethods(cur), update.ShowMethods(from)))
	}
	path := methodsPath(ch.version)
	tested := methodsJSON(cur)
	data, err := json.Marshal([]jsonPatchOp{{Op: "test", Path: path, Value: tested}, {Op: "replace", Path: path, Value: methodsJSON(to)}})
	if err != nil {
		return mapError(op, kindHyperConverged, ns, name, err)
	}
	if c.beforeMethodsPatch != nil {
		c.beforeMethodsPatch()
	}
	out := c.hcObject(ch.version)
	if err := c.c.Patch(ctx, out, client.RawPatch(types.JSONPatchType, data)); err != nil {
		if apierrors.IsInvalid(err) || errorCode(err) == 422 {
			// A failed test is a 422, as is a validation error: read again.
			if now, rerr := c.readHC(ctx, ch.version); rerr == nil && !sameJSONPointer(now.Object, path, tested) {
				return update.Conflict(op, kindHyperConverged, ns, name,
					fmt.Sprintf("%s changed while it was being written (it was %s): %v", methodsField(ch.version), update.ShowMethods(cur), err))
			}
		}
		return mapError(op, kindHyperConverged, ns, name, err)
	}
	c.wrote(out)
	stored, err := kube.HyperConvergedFrom(out, ch.version)
	if err != nil {
		return err
	}
	if got := stored.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; got == nil || !slices.Equal(*got, *to) {
		c.forgetHCOVersion(ch)
		return withVersionHint(update.NotStored(op, kindHyperConverged, ns, name, methodsField(ch.version), update.ShowMethods(to), update.ShowMethods(got)), ch)
	}
	return nil
}

// methodsJSON is the JSON value of a present field: always an array.
func methodsJSON(m *[]kubevirtv1.WorkloadUpdateMethod) []any {
	out := make([]any, 0, len(*m))
	for _, x := range *m {
		out = append(out, string(x))
	}
	return out
}

// sameJSONPointer reports whether the value at the pointer (/a/b/c, no
// escapes) in obj equals want, compared as JSON.
func sameJSONPointer(obj map[string]any, pointer string, want any) bool {
	got, found, err := unstructured.NestedFieldNoCopy(obj, strings.Split(strings.TrimPrefix(pointer, "/"), "/")...)
	if err != nil || !found {
		return false
	}
	a, err1 := json.Marshal(got)
	b, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		return false
	}
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	return reflect.DeepEqual(x, y)
}

// errorCode is the HTTP status of an API error, 0 for another error.
func errorCode(err error) int32 {
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		return s.Status().Code
	}
	return 0
}
