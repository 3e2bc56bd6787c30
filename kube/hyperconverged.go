package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// GetHyperConverged implements update.HyperConvergeds: it reads the
// HyperConverged update.HyperConvergedName in Options.Namespace through the
// API version [Cluster.HyperConvergedVersion] chooses, and maps either
// version's shape onto update.HyperConverged.
func (c *Cluster) GetHyperConverged(ctx context.Context) (*update.HyperConverged, error) {
	u, ch, err := c.getHyperConverged(ctx, "get")
	if err != nil {
		return nil, err
	}
	return HyperConvergedFrom(u, ch.version)
}

// hcResource is the HyperConverged's resource at the version, in
// Options.Namespace.
func (c *Cluster) hcResource(version string) dynamic.ResourceInterface {
	gvr := HyperConvergedResource
	gvr.Version = version
	return c.dyn.Resource(gvr).Namespace(c.opts.Namespace)
}

// getHyperConverged reads the object through the chosen version. When it is
// not found, the version is chosen again (HCO may have been updated and
// stopped serving it) and, if that changes it, read once more.
func (c *Cluster) getHyperConverged(ctx context.Context, op string) (*unstructured.Unstructured, *hcoChoice, error) {
	ns, name := c.opts.Namespace, update.HyperConvergedName
	ch, err := c.hcoVersion(ctx)
	if err != nil {
		return nil, nil, MapError(op, kindHyperConverged, ns, name, err)
	}
	u, err := c.hcResource(ch.version).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && !ch.forced {
		c.forgetHCOVersion(ch)
		if again, aerr := c.hcoVersion(ctx); aerr == nil && again.version != ch.version {
			ch = again
			u, err = c.hcResource(ch.version).Get(ctx, name, metav1.GetOptions{})
		}
	}
	if err != nil {
		return nil, nil, MapError(op, kindHyperConverged, ns, name, err)
	}
	return u, ch, nil
}

// virtualizationFields are the fields of update.HyperConvergedSpec that
// HCO's v1 API moved from spec to spec.virtualization
// (api/v1/hyperconverged_types.go VirtualizationConfig).
var virtualizationFields = []string{"workloadUpdateStrategy", "liveMigrationConfig", "evictionStrategy"}

// HyperConvergedFrom converts HCO's HyperConverged, read through the API
// version (HyperConvergedV1Beta1 or HyperConvergedV1), into the port's
// view. It decodes the object through update.HyperConverged's JSON names
// (v1beta1's shape), which keeps the three states of
// workloadUpdateMethods (absent, [], a list) apart; a v1 object has its
// spec.virtualization fields (workloadUpdateStrategy, liveMigrationConfig,
// evictionStrategy) moved up to spec first. Namespace, name, generation
// and resourceVersion come from the object's metadata. Both adapters read
// the HyperConverged through it; a controller holding the object from its
// own informer may too.
func HyperConvergedFrom(u *unstructured.Unstructured, version string) (*update.HyperConverged, error) {
	obj := u.Object
	if version == HyperConvergedV1 {
		obj = v1beta1Shape(obj)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kindHyperConverged, objectName(u.GetNamespace(), u.GetName()), err)
	}
	var hc update.HyperConverged
	if err := json.Unmarshal(data, &hc); err != nil {
		return nil, fmt.Errorf("read %s %s (%s/%s): %w", kindHyperConverged, objectName(u.GetNamespace(), u.GetName()), HyperConvergedGroup, version, err)
	}
	hc.Namespace, hc.Name = u.GetNamespace(), u.GetName()
	hc.Generation, hc.ResourceVersion = u.GetGeneration(), u.GetResourceVersion()
	return &hc, nil
}

// v1beta1Shape returns a copy of a v1 object (sharing the values) whose
// spec holds the virtualizationFields of spec.virtualization, as v1beta1
// has them.
func v1beta1Shape(obj map[string]any) map[string]any {
	out := maps.Clone(obj)
	spec, _ := obj["spec"].(map[string]any)
	virt, _ := spec["virtualization"].(map[string]any)
	flat := maps.Clone(spec)
	if flat == nil {
		flat = map[string]any{}
	}
	for _, f := range virtualizationFields {
		if v, ok := virt[f]; ok {
			flat[f] = v
		} else {
			delete(flat, f)
		}
	}
	delete(flat, "virtualization")
	out["spec"] = flat
	return out
}

// methodsPath is the JSON pointer of workloadUpdateMethods in the version.
func methodsPath(version string) string {
	if version == HyperConvergedV1 {
		return "/spec/virtualization/workloadUpdateStrategy/workloadUpdateMethods"
	}
	return "/spec/workloadUpdateStrategy/workloadUpdateMethods"
}

// methodsField names the field in messages: its path and the version.
func methodsField(version string) string {
	return strings.ReplaceAll(strings.TrimPrefix(methodsPath(version), "/"), "/", ".") + " (" + HyperConvergedGroup + "/" + version + ")"
}

// jsonPatchOp is one operation of an RFC 6902 JSON patch.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// SetWorkloadUpdateMethods implements update.HyperConvergeds (see its
// contract there) through the version [Cluster.HyperConvergedVersion]
// chooses, with one JSON patch the API server applies atomically:
//
//	[{"op":"test","path":<field>,"value":<the value read>},
//	 {"op":"replace","path":<field>,"value":<to>}]
//
// The `test` makes it a compare-and-swap: a writer that changed the field
// between the read and the patch fails it (HTTP 422), which is told apart
// from a validation error by reading the field again; when it no longer
// holds what was tested, the error is update.ErrConflict. Only the field
// is tested, so HCO's status updates and edits of sibling fields make no
// conflict.
//
// In order: to is checked (update.CheckMethodsWrite) before anything is
// read; a field that reads absent is update.ErrNotStored without a write
// (HCO's CRD always stores it, so the version is not the one it stores:
// see below); a current value that already is to is success without a
// write; a current value other than from (update.SameStoredMethods: nil is
// HCO's default [LiveMigrate]) is update.ErrConflict; after the patch, the
// field of the object the API server returned is compared with to, and a
// difference (defaulting, pruning, a version whose writes do not reach
// storage) is update.ErrNotStored naming the field and the version.
//
// Through a served version that is not the storage version, without a
// conversion webhook (HCO 1.18's v1; HCO main's v1beta1 when its webhook
// is not configured), the API server returns the object pruned to what
// that version has and defaults nothing: the field reads absent. A patch
// through such a version would be applied to the pruned object and would
// drop every field the version lacks, which is why nothing is written
// then. Both errors drop the chosen version, so the next call chooses
// again.
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
	hc, err := HyperConvergedFrom(u, ch.version)
	if err != nil {
		return err
	}
	cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	if cur == nil {
		// HCO's CRD defaults the field in its storage version, so a read
		// never lacks it; a read through another version without a
		// conversion webhook does (the API server prunes what that version
		// lacks, and defaults nothing). A write through it would be applied
		// to that pruned object and lose every field the version lacks:
		// write nothing.
		c.forgetHCOVersion(ch)
		chosen := ""
		if ch.crdErr == nil { // else withVersionHint says why
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
		return MapError(op, kindHyperConverged, ns, name, err)
	}
	if c.beforeMethodsPatch != nil {
		c.beforeMethodsPatch()
	}
	out, err := c.hcResource(ch.version).Patch(ctx, name, types.JSONPatchType, data, metav1.PatchOptions{})
	if err != nil {
		if apierrors.IsInvalid(err) || errorCode(err) == 422 {
			// A failed test is a 422, as is a validation error: read again.
			if now, rerr := c.hcResource(ch.version).Get(ctx, name, metav1.GetOptions{}); rerr == nil && !sameJSONPointer(now.Object, path, tested) {
				return update.Conflict(op, kindHyperConverged, ns, name,
					fmt.Sprintf("%s changed while it was being written (it was %s): %v", methodsField(ch.version), update.ShowMethods(cur), err))
			}
		}
		return MapError(op, kindHyperConverged, ns, name, err)
	}
	stored, err := HyperConvergedFrom(out, ch.version)
	if err != nil {
		return err
	}
	if got := stored.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; got == nil || !slices.Equal(*got, *to) {
		c.forgetHCOVersion(ch)
		return withVersionHint(update.NotStored(op, kindHyperConverged, ns, name, methodsField(ch.version), update.ShowMethods(to), update.ShowMethods(got)), ch)
	}
	return nil
}

// methodsJSON is the JSON value of a present field: always an array, never
// null.
func methodsJSON(m *[]kubevirtv1.WorkloadUpdateMethod) []any {
	out := make([]any, 0, len(*m))
	for _, x := range *m {
		out = append(out, string(x))
	}
	return out
}

// sameJSONPointer reports whether the value at the pointer (of the form
// /a/b/c, no escapes needed for the paths used here) in obj equals want,
// compared as JSON.
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
