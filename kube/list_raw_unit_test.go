package kube

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// sortByNamespaceName orders by namespace, then name, whatever the order
// the server answered in (its order is by storage key: "ns" sorts after
// "ns-a/..." there, before it here).
func TestSortByNamespaceNamePermutes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		var pods []corev1.Pod
		for i := range n {
			ns, name := []string{"ns", "ns-a", "a", ""}[i%4], fmt.Sprintf("p%02d", rng.IntN(1000)*100+i)
			pods = append(pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{
				Namespace: ns, Name: name,
				UID: types.UID("uid-" + ns + "/" + name), // a field the sort must carry along
			}})
		}
		rng.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
		want := make([]string, len(pods))
		for i, p := range pods {
			want[i] = p.Namespace + "\x00" + p.Name
		}
		slices.Sort(want)
		sortByNamespaceName(pods)
		for i, p := range pods {
			if got := p.Namespace + "\x00" + p.Name; got != want[i] || string(p.UID) != "uid-"+p.Namespace+"/"+p.Name {
				t.Fatalf("%d items: item %d is %q (uid %s), want %q", n, i, got, p.UID, want[i])
			}
		}
	}
}

// A Cluster made by New reads each page of a custom resource raw and
// decodes it into the Go type: the same request as the dynamic client's
// List (path, limit, continue, labelSelector; k8s.io/client-go/dynamic/simple.go),
// the same paging, and the server's Status as the error
// (k8s.io/client-go/rest/request.go Result.Error).
func TestListTypedRaw(t *testing.T) {
	const vmiPage = `{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"namespace":"ns","name":%q},"status":{"nodeName":"n1","phase":"Running"}}`
	for _, tt := range []struct {
		reason string
		// answer answers the request for the continue token cont.
		answer func(w http.ResponseWriter, cont string)
		want   string
	}{
		{"two pages, one list, kept in order (page 2 allocated at remainingItemCount)", func(w http.ResponseWriter, cont string) {
			if cont == "" {
				fmt.Fprintf(w, `{"kind":"VirtualMachineInstanceList","metadata":{"continue":"tok","remainingItemCount":1},"items":[`+vmiPage+`,`+vmiPage+`]}`, "b", "a")
				return
			}
			fmt.Fprintf(w, `{"kind":"VirtualMachineInstanceList","metadata":{},"items":[`+vmiPage+`]}`, "c")
		}, "[ns/b@n1 ns/a@n1 ns/c@n1]"},
		{"a 403 keeps the server's Status", func(w http.ResponseWriter, _ string) {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"virtualmachineinstances is forbidden: User \"u\" cannot list","reason":"Forbidden","code":403}`)
		}, `forbidden: virtualmachineinstances is forbidden: User "u" cannot list`},
		{"an expired token on page 2 starts the list over (410 Expired)", func(w http.ResponseWriter, cont string) {
			if cont == "" {
				fmt.Fprintf(w, `{"kind":"VirtualMachineInstanceList","metadata":{"continue":"tok"},"items":[`+vmiPage+`]}`, "a")
				return
			}
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old","reason":"Expired","code":410}`)
		}, "expired: too old"},
		{"an item that does not fit the type is named", func(w http.ResponseWriter, _ string) {
			fmt.Fprint(w, `{"kind":"VirtualMachineInstanceList","metadata":{},"items":[{"kind":"VirtualMachineInstance","metadata":{"namespace":"ns","name":"bad"},"status":{"phase":7}}]}`)
		}, "read VirtualMachineInstance ns/bad: json: cannot unmarshal number into Go struct field"},
	} {
		var requests []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests = append(requests, r.URL.Path+"?"+r.URL.RawQuery+" "+r.Header.Get("Accept"))
			w.Header().Set("Content-Type", "application/json")
			tt.answer(w, r.URL.Query().Get("continue"))
		}))
		c, err := New(&rest.Config{Host: srv.URL}, Options{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := listTyped[kubevirtv1.VirtualMachineInstance](context.Background(), c, VMIResource, "ns", "app=x")
		srv.Close()
		var res string
		switch {
		case err == nil:
			var names []string
			for _, v := range got {
				names = append(names, objectName(v.Namespace, v.Name)+"@"+v.Status.NodeName)
			}
			res = fmt.Sprint(names)
		case apierrors.IsForbidden(err):
			res = "forbidden: " + err.Error()
		case apierrors.IsResourceExpired(err):
			res = "expired: " + err.Error()
		default:
			res = err.Error()
		}
		if !strings.HasPrefix(res, tt.want) {
			t.Errorf("%s: got %s, want %s", tt.reason, res, tt.want)
		}
		if want := "/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances?labelSelector=app%3Dx&limit=2 application/json"; len(requests) == 0 || requests[0] != want {
			t.Errorf("%s: first request %q, want %q", tt.reason, requests, want)
		}
		if tt.want == "[ns/b@n1 ns/a@n1 ns/c@n1]" && (len(requests) != 2 || !strings.Contains(requests[1], "continue=tok&")) {
			t.Errorf("%s: requests %q, want a second with continue=tok", tt.reason, requests)
		}
		if tt.want == "expired: too old" && len(requests) != 2*listAttempts {
			t.Errorf("%s: %d requests, want %d (%d attempts of two pages)", tt.reason, len(requests), 2*listAttempts, listAttempts)
		}
	}
}

// The pages of a list are joined in order; a list of no item is nil, as it
// was when pages were appended to a nil slice.
func TestConcatPages(t *testing.T) {
	for _, tt := range []struct {
		reason string
		pages  [][]int
		want   string
	}{
		{"one empty page is nil", [][]int{{}}, "[] true"},
		{"empty pages are nil", [][]int{{}, {}}, "[] true"},
		{"one page is itself", [][]int{{1, 2}}, "[1 2] false"},
		{"pages in order", [][]int{{1, 2}, {}, {3}}, "[1 2 3] false"},
	} {
		got := concatPages(tt.pages)
		if res := fmt.Sprint(got, got == nil); res != tt.want {
			t.Errorf("%s: got %s, want %s", tt.reason, res, tt.want)
		}
	}
}
