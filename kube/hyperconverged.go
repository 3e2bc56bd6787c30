package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// GetHyperConverged implements update.HyperConvergeds: it reads the
// HyperConverged update.HyperConvergedName in Options.Namespace.
func (c *Cluster) GetHyperConverged(ctx context.Context) (*update.HyperConverged, error) {
	u, err := c.getHyperConverged(ctx, "get")
	if err != nil {
		return nil, err
	}
	return hyperConvergedFrom(u)
}

func (c *Cluster) getHyperConverged(ctx context.Context, op string) (*unstructured.Unstructured, error) {
	u, err := c.dyn.Resource(HyperConvergedResource).Namespace(c.opts.Namespace).Get(ctx, update.HyperConvergedName, metav1.GetOptions{})
	if err != nil {
		return nil, MapError(op, kindHyperConverged, c.opts.Namespace, update.HyperConvergedName, err)
	}
	return u, nil
}

// hyperConvergedFrom decodes the object through update.HyperConverged's
// JSON names, which keeps the three states of workloadUpdateMethods
// (absent, [], a list) apart.
func hyperConvergedFrom(u *unstructured.Unstructured) (*update.HyperConverged, error) {
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kindHyperConverged, objectName(u.GetNamespace(), u.GetName()), err)
	}
	var hc update.HyperConverged
	if err := json.Unmarshal(data, &hc); err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kindHyperConverged, objectName(u.GetNamespace(), u.GetName()), err)
	}
	hc.Namespace, hc.Name = u.GetNamespace(), u.GetName()
	hc.Generation, hc.ResourceVersion = u.GetGeneration(), u.GetResourceVersion()
	return &hc, nil
}

// jsonPatchOp is one operation of an RFC 6902 JSON patch.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

const methodsPath = "/spec/workloadUpdateStrategy/workloadUpdateMethods"

// SetWorkloadUpdateMethods implements update.HyperConvergeds as one JSON
// patch, applied atomically by the API server, whose first operation tests
// the value it expects:
//
//   - when from is a list (empty or not), `test` that the field equals it,
//     then `replace` it with to, or `remove` it when to is nil;
//   - when from is nil (absent), JSON patch cannot test for absence, so the
//     patch tests the nearest enclosing object as read just before:
//     spec.workloadUpdateStrategy without the field, or spec when the
//     strategy itself is absent, or metadata.resourceVersion when spec is.
//     A concurrent change of that object (of the field, or of a sibling such
//     as batchEvictionSize) then fails the test. It is conservative: a change
//     of a sibling makes a conflict the caller retries, never a lost write.
//
// The tests cover spec only (except in the last case), so the status
// updates HCO makes all the time do not make conflicts.
//
// On a real cluster HCO's CRD defaults the field to ["LiveMigrate"]
// (kubebuilder:default on workloadUpdateMethods), so the API server fills
// an absent field in: removing it (to = nil) leaves ["LiveMigrate"], and
// GetHyperConverged never reads it as absent there.
//
// The field is read first, and a value other than from is a conflict
// without any write. A test that fails at the API server (HTTP 422) is told
// apart from a validation error by reading the field again: when it no
// longer holds what was tested, the error is update.ErrConflict.
func (c *Cluster) SetWorkloadUpdateMethods(ctx context.Context, from, to *[]kubevirtv1.WorkloadUpdateMethod) error {
	const op = "set workloadUpdateMethods of"
	ns, name := c.opts.Namespace, update.HyperConvergedName
	u, err := c.getHyperConverged(ctx, op)
	if err != nil {
		return err
	}
	hc, err := hyperConvergedFrom(u)
	if err != nil {
		return err
	}
	cur := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods
	if !sameMethods(cur, from) {
		return update.Conflict(op, kindHyperConverged, ns, name,
			fmt.Sprintf("the field is %s, not the expected %s", update.ShowMethods(cur), update.ShowMethods(from)))
	}
	patch, testPath, testValue := methodsPatch(u, from, to)
	if patch == nil {
		return nil // absent to absent: nothing to change
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return MapError(op, kindHyperConverged, ns, name, err)
	}
	if c.beforeMethodsPatch != nil {
		c.beforeMethodsPatch()
	}
	_, err = c.dyn.Resource(HyperConvergedResource).Namespace(ns).Patch(ctx, name, types.JSONPatchType, data, metav1.PatchOptions{})
	if err == nil {
		return nil
	}
	if apierrors.IsInvalid(err) || apierrors.ReasonForError(err) == metav1.StatusReasonInvalid || errorCode(err) == 422 {
		// A failed test is a 422, as is a validation error: read again.
		if now, rerr := c.getHyperConverged(ctx, op); rerr == nil && !sameJSONPointer(now.Object, testPath, testValue) {
			return update.Conflict(op, kindHyperConverged, ns, name,
				fmt.Sprintf("%s changed while it was being written (expected %s): %v", testPath, update.ShowMethods(from), err))
		}
	}
	return MapError(op, kindHyperConverged, ns, name, err)
}

// methodsPatch returns the JSON patch changing the field from → to on the
// object u (already checked to hold from), with the path and value its test
// operation compares. It returns a nil patch when there is nothing to do.
func methodsPatch(u *unstructured.Unstructured, from, to *[]kubevirtv1.WorkloadUpdateMethod) (patch []jsonPatchOp, testPath string, testValue any) {
	if from != nil {
		testPath, testValue = methodsPath, methodsJSON(from)
		patch = []jsonPatchOp{{Op: "test", Path: testPath, Value: testValue}}
		if to == nil {
			return append(patch, jsonPatchOp{Op: "remove", Path: methodsPath}), testPath, testValue
		}
		return append(patch, jsonPatchOp{Op: "replace", Path: methodsPath, Value: methodsJSON(to)}), testPath, testValue
	}
	if to == nil {
		return nil, "", nil
	}
	strategy, hasStrategy, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "workloadUpdateStrategy")
	spec, hasSpec, _ := unstructured.NestedFieldNoCopy(u.Object, "spec")
	switch {
	case hasStrategy && strategy != nil:
		testPath, testValue = "/spec/workloadUpdateStrategy", strategy
		patch = []jsonPatchOp{{Op: "test", Path: testPath, Value: testValue}, {Op: "add", Path: methodsPath, Value: methodsJSON(to)}}
	case hasSpec && spec != nil:
		testPath, testValue = "/spec", spec
		patch = []jsonPatchOp{{Op: "test", Path: testPath, Value: testValue},
			{Op: "add", Path: "/spec/workloadUpdateStrategy", Value: map[string]any{"workloadUpdateMethods": methodsJSON(to)}}}
	default:
		testPath, testValue = "/metadata/resourceVersion", u.GetResourceVersion()
		patch = []jsonPatchOp{{Op: "test", Path: testPath, Value: testValue},
			{Op: "add", Path: "/spec", Value: map[string]any{"workloadUpdateStrategy": map[string]any{"workloadUpdateMethods": methodsJSON(to)}}}}
	}
	return patch, testPath, testValue
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

func sameMethods(a, b *[]kubevirtv1.WorkloadUpdateMethod) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(methodsJSON(a), methodsJSON(b))
}

// errorCode is the HTTP status of an API error, 0 for another error.
func errorCode(err error) int32 {
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		return s.Status().Code
	}
	return 0
}
