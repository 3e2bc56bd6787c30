package crclient

import (
	"cmp"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Lists are not paged. A cache answers from memory, and a Limit there
// truncates the answer with a continue token it does not accept back
// (pkg/cache/internal/cache_reader.go List: "continue list option is not
// supported by the cache"). A read the client sends to the API server (an
// unstructured kind, unless the client caches them) is one request.

// listOptions is the namespace and the label selector of a list, the
// selector parsed (a malformed one is an error naming it).
func listOptions(namespace, selector string) ([]client.ListOption, error) {
	var opts []client.ListOption
	if namespace != "" {
		opts = append(opts, client.InNamespace(namespace))
	}
	if selector != "" {
		sel, err := labels.Parse(selector)
		if err != nil {
			return nil, fmt.Errorf("label selector %q: %w", selector, err)
		}
		opts = append(opts, client.MatchingLabelsSelector{Selector: sel})
	}
	return opts, nil
}

// sortByNamespaceName sorts objects by namespace, then name, as the ports
// promise.
func sortByNamespaceName[T any, P interface {
	*T
	metav1.Object
}](items []T) {
	slices.SortFunc(items, func(a, b T) int {
		pa, pb := P(&a), P(&b)
		return cmp.Or(cmp.Compare(pa.GetNamespace(), pb.GetNamespace()), cmp.Compare(pa.GetName(), pb.GetName()))
	})
}
