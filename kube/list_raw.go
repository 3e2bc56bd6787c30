package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	sigsjson "sigs.k8s.io/json"
)

// typedPage is one page of a list answer, decoded straight into the Go
// type of its items.
type typedPage[T any] struct {
	Kind     string          `json:"kind"`
	Metadata metav1.ListMeta `json:"metadata"`
	Items    []T             `json:"items"`
}

// rawPage returns the pageFunc that asks the API server for one page of
// gvr in namespace with rc and decodes the JSON answer into T in one pass.
//
// It sends the request the dynamic client's List sends — the same path
// (k8s.io/client-go/dynamic/simple.go makeURLSegments), the same
// limit/continue/labelSelector query (metav1.ParameterCodec, as the
// dynamic client's parameter codec converts metav1.ListOptions) — through
// the same RESTClient, and reads the answer with Request.Do: a status
// outside 2xx comes back as the *errors.StatusError the server sent
// (k8s.io/client-go/rest/request.go transformResponse, Result.Error), so MapError,
// ListError and Transient see what they saw before; client-go's own retries
// (rest/with_retry.go) apply unchanged. The body is decoded as the typed
// clients decode JSON (k8s.io/apimachinery/pkg/runtime/serializer/json:
// sigs.k8s.io/json UnmarshalCaseSensitivePreserveInts), without building
// unstructured maps and converting each one again.
func rawPage[T any](rc rest.Interface, gvr schema.GroupVersionResource, namespace string) pageFunc[T] {
	segments := []string{"apis", gvr.Group}
	if gvr.Group == "" {
		segments = []string{"api"}
	}
	segments = append(segments, gvr.Version)
	if namespace != "" {
		segments = append(segments, "namespaces", namespace)
	}
	segments = append(segments, gvr.Resource)
	// next is how many items the next page should hold, from the last
	// page's remainingItemCount (0: unknown): its slice is allocated at
	// that size instead of grown item by item.
	var next int64
	return func(ctx context.Context, opts metav1.ListOptions) ([]T, string, error) {
		if msgs := rest.IsValidPathSegmentName(namespace); len(msgs) != 0 {
			return nil, "", fmt.Errorf("invalid namespace %q: %v", namespace, msgs)
		}
		res := rc.Get().
			AbsPath(segments...).
			SpecificallyVersionedParams(&opts, metav1.ParameterCodec, metav1.SchemeGroupVersion).
			// JSON even when client-go would prefer CBOR (the dynamic
			// client's Accept may offer both, dynamic/simple.go ConfigFor).
			SetHeader("Accept", "application/json").
			Do(ctx)
		// Result.Error, as Result.Into does, prefers the Status the server
		// sent to the bare status code that Result.Raw returns.
		if err := res.Error(); err != nil {
			return nil, "", err
		}
		body, _ := res.Raw()
		var page typedPage[T]
		if opts.Continue != "" && next > 0 {
			page.Items = make([]T, 0, next)
		}
		next = 0
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, &page); err != nil {
			return nil, "", pageDecodeError[T](gvr, body, err)
		}
		if page.Kind == "Status" {
			// A failure Status in a 2xx answer is an error too (Result.Into).
			var st metav1.Status
			if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, &st); err == nil && st.Status != metav1.StatusSuccess {
				return nil, "", apierrors.FromObject(&st)
			}
		}
		if r := page.Metadata.RemainingItemCount; r != nil && *r > 0 {
			next = min(*r, opts.Limit)
		}
		return page.Items, page.Metadata.Continue, nil
	}
}

// pageDecodeError names the object of a page that could not be decoded
// into T, as fromUnstructured does for one object; it runs only once a
// page failed, so the common path decodes each page once.
func pageDecodeError[T any](gvr schema.GroupVersionResource, body []byte, err error) error {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if sigsjson.UnmarshalCaseSensitivePreserveInts(body, &page) != nil {
		return fmt.Errorf("read a page of %s: %w", gvr.GroupResource(), err)
	}
	for i, raw := range page.Items {
		var item T
		ierr := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &item)
		if ierr == nil {
			continue
		}
		var head struct {
			metav1.TypeMeta `json:",inline"`
			Metadata        metav1.ObjectMeta `json:"metadata"`
		}
		_ = json.Unmarshal(raw, &head)
		kind, name := head.Kind, objectName(head.Metadata.Namespace, head.Metadata.Name)
		if kind == "" {
			kind = gvr.GroupResource().String()
		}
		if name == "" {
			name = "item " + strconv.Itoa(i) + " of the page"
		}
		return fmt.Errorf("read %s %s: %w", kind, name, ierr)
	}
	return fmt.Errorf("read a page of %s: %w", gvr.GroupResource(), err)
}
