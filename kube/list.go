package kube

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/virtupdate/virtupdate/update"
)

// listAttempts is how often a paged list starts over after its continue
// token expired (the server compacted the revision it was reading).
const listAttempts = 3

// pageFunc returns one page: its items and the token of the next page, ""
// after the last.
type pageFunc[T any] func(ctx context.Context, opts metav1.ListOptions) (items []T, next string, err error)

// listPageAttempts is how often a page after the first is asked for when
// the answer is a transient error (Transient).
const listPageAttempts = 3

// listPages reads every page of a list, limit objects per request. When the
// continue token expires midway (410 Gone) the list starts over, up to
// listAttempts times, rather than falling back to one unpaged request.
//
// A transient error in the middle of the list (a 500, a dropped
// connection, a timeout on page 2 or later) asks for the same page again
// with the same continue token, up to listPageAttempts times: the token
// stays valid until the server compacts its revision (then 410, above), so
// the pages read are kept and the list stays one snapshot. Starting over
// instead would make a long list of many pages fail far more often than
// one request does, and the caller's retries could never finish it under a
// steady rate of faults. client-go's own retries do not cover this: they
// repeat a request only on a 429 or 5xx carrying Retry-After, or a GET
// whose connection broke (k8s.io/client-go/rest/request.go, with_retry.go),
// and its pager gives up on any error but an expired token
// (tools/pager/pager.go). The first page is not asked again here: nothing
// is lost by failing it, and the caller retries with backoff
// (update.ErrTransient).
func listPages[T any](ctx context.Context, limit int64, selector string, page pageFunc[T]) ([]T, error) {
	if selector != "" {
		if _, err := labels.Parse(selector); err != nil {
			return nil, fmt.Errorf("label selector %q: %w", selector, err)
		}
	}
	var err error
	for range listAttempts {
		var pages [][]T
		opts := metav1.ListOptions{Limit: limit, LabelSelector: selector}
		for {
			var (
				items []T
				next  string
			)
			for attempt := 1; ; attempt++ {
				items, next, err = page(ctx, opts)
				if err == nil || opts.Continue == "" || !Transient(err) || attempt >= listPageAttempts || ctx.Err() != nil {
					break
				}
			}
			if err != nil {
				break
			}
			pages = append(pages, items)
			if next == "" {
				return concatPages(pages), nil
			}
			opts.Continue = next
		}
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			return nil, err
		}
	}
	return nil, err
}

// concatPages joins the pages of a list into one slice, allocated once at
// its size rather than grown page by page; an empty list is nil, as
// appending no item to nil is.
func concatPages[T any](pages [][]T) []T {
	if len(pages) == 1 && len(pages[0]) > 0 {
		return pages[0]
	}
	n := 0
	for _, p := range pages {
		n += len(p)
	}
	if n == 0 {
		return nil
	}
	out := make([]T, 0, n)
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// listTyped lists a resource page by page into T. A Cluster made by New
// decodes each page's JSON straight into T (rawPage); one made by
// NewForClients, whose dynamic client may be any implementation (a fake in
// tests), lists with the dynamic client and converts each object to T.
func listTyped[T any](ctx context.Context, c *Cluster, gvr schema.GroupVersionResource, namespace, selector string) ([]T, error) {
	if c.raw != nil {
		return listPages(ctx, c.opts.PageSize, selector, rawPage[T](c.raw, gvr, namespace))
	}
	return listPages(ctx, c.opts.PageSize, selector, func(ctx context.Context, opts metav1.ListOptions) ([]T, string, error) {
		l, err := c.dyn.Resource(gvr).Namespace(namespace).List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		items := make([]T, len(l.Items))
		for i := range l.Items {
			if err := fromUnstructured(&l.Items[i], &items[i]); err != nil {
				return nil, "", err
			}
		}
		return items, l.GetContinue(), nil
	})
}

// fromUnstructured converts an object read with the dynamic client into its
// Go type.
func fromUnstructured(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("read %s %s: %w", u.GetKind(), objectName(u.GetNamespace(), u.GetName()), err)
	}
	return nil
}

func objectName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// sortByNamespaceName sorts objects by namespace, then name, as the ports
// promise (the API server's order is by storage key, which differs when a
// namespace name is a prefix of another).
func sortByNamespaceName[T any, P interface {
	*T
	metav1.Object
}](items []T) {
	// Sort the keys, then move each item once to its place: comparing the
	// items themselves would copy two of them per comparison.
	type key struct {
		namespace, name string
		at              int
	}
	keys := make([]key, len(items))
	for i := range items {
		p := P(&items[i])
		keys[i] = key{p.GetNamespace(), p.GetName(), i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name), cmp.Compare(a.at, b.at))
	})
	// items[i] is to hold the item now at keys[i].at: walk each cycle of
	// that permutation once, holding its first item aside (a position done
	// is marked keys[j].at == j).
	for i := range keys {
		if keys[i].at == i {
			continue
		}
		first, j := items[i], i
		for {
			k := keys[j].at
			keys[j].at = j
			if k == i {
				items[j] = first
				break
			}
			items[j] = items[k]
			j = k
		}
	}
}

// ListError wraps the error of a list of kind (as errors name it, e.g.
// "VirtualMachineInstance") in namespace with what was listed and where,
// as MapError does for one object, so the update package's sentinels work:
//
//   - 403 Forbidden satisfies errors.Is(err, ErrForbidden) and says which
//     roles to bind;
//   - a transient failure (see [Transient]) satisfies
//     errors.Is(err, update.ErrTransient);
//   - a kind the client cannot map to a resource (meta.IsNoMatchError: a
//     controller-runtime client's answer when the API server does not
//     serve it) satisfies errors.Is(err, update.ErrNotFound);
//   - an error that already is an *update.ObjectError keeps its meaning.
//
// namespace "" means every namespace, except for the cluster-scoped kinds
// the ports list (MachineConfigPool, Node, NodeMaintenance), which are
// named without one. The cause stays in the chain. A nil err is nil.
func ListError(kind, namespace string, err error) error {
	if err == nil {
		return nil
	}
	where := " in every namespace"
	switch {
	case namespace != "":
		where = " in namespace " + namespace
	case kind == kindMachineConfigPool, kind == kindNode, strings.HasPrefix(kind, kindNodeMaintenance):
		where = "" // cluster-scoped
	}
	var oe *update.ObjectError
	switch {
	case errors.As(err, &oe):
		return fmt.Errorf("list %ss%s: %w", kind, where, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("list %ss%s: %w: %w %s", kind, where, ErrForbidden, err, rbacHint)
	case Transient(err):
		return fmt.Errorf("list %ss%s: %w: %w", kind, where, update.ErrTransient, err)
	case apimeta.IsNoMatchError(err):
		return fmt.Errorf("list %ss%s: %w: the API server serves no %s resource: %w", kind, where, update.ErrNotFound, kind, err)
	}
	return fmt.Errorf("list %ss%s: %w", kind, where, err)
}
