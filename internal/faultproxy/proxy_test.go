package faultproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestDescribe(t *testing.T) {
	for _, tt := range []struct {
		reason, method, url string
		want                Request
	}{
		{"a core object", "GET", "/api/v1/namespaces/ns/configmaps/cm",
			Request{Verb: "get", Version: "v1", Resource: "configmaps", Namespace: "ns", Name: "cm"}},
		{"a core list in a namespace", "GET", "/api/v1/namespaces/ns/pods?limit=5",
			Request{Verb: "list", Version: "v1", Resource: "pods", Namespace: "ns"}},
		{"a watch by parameter", "GET", "/api/v1/nodes?watch=true",
			Request{Verb: "watch", Version: "v1", Resource: "nodes"}},
		{"watch=false is a list", "GET", "/api/v1/nodes?watch=false",
			Request{Verb: "list", Version: "v1", Resource: "nodes"}},
		{"a watch by the old path prefix", "GET", "/api/v1/watch/namespaces/ns/pods",
			Request{Verb: "watch", Version: "v1", Resource: "pods", Namespace: "ns"}},
		{"a cluster-scoped custom resource", "PATCH", "/apis/machineconfiguration.openshift.io/v1/machineconfigpools/worker",
			Request{Verb: "patch", Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools", Name: "worker"}},
		{"a subresource", "PUT", "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-cnv/installplans/ip/status",
			Request{Verb: "update", Group: "operators.coreos.com", Version: "v1alpha1", Resource: "installplans", Namespace: "openshift-cnv", Name: "ip", Subresource: "status"}},
		{"create is a POST to the collection", "POST", "/api/v1/namespaces/ns/configmaps",
			Request{Verb: "create", Version: "v1", Resource: "configmaps", Namespace: "ns"}},
		{"an eviction is a create of the subresource", "POST", "/api/v1/namespaces/ns/pods/p/eviction",
			Request{Verb: "create", Version: "v1", Resource: "pods", Namespace: "ns", Name: "p", Subresource: "eviction"}},
		{"DELETE without a name is deletecollection", "DELETE", "/api/v1/namespaces/ns/configmaps",
			Request{Verb: "deletecollection", Version: "v1", Resource: "configmaps", Namespace: "ns"}},
		{"a namespace is the object when nothing follows", "GET", "/api/v1/namespaces/ns",
			Request{Verb: "get", Version: "v1", Resource: "namespaces", Namespace: "ns", Name: "ns"}},
		{"a namespace's status is its subresource (apiserver's namespaceSubresources)", "PUT", "/api/v1/namespaces/ns/status",
			Request{Verb: "update", Version: "v1", Resource: "namespaces", Namespace: "ns", Name: "ns", Subresource: "status"}},
		{"discovery names no resource", "GET", "/apis/config.openshift.io/v1",
			Request{Verb: "get"}},
		{"a non-resource path", "GET", "/version",
			Request{Verb: "get"}},
	} {
		r := httptest.NewRequest(tt.method, tt.url, nil)
		got := describe(r)
		got.Path, got.Query, got.Rule = "", nil, 0
		if got.Verb != tt.want.Verb || got.Group != tt.want.Group || got.Version != tt.want.Version || got.Resource != tt.want.Resource ||
			got.Subresource != tt.want.Subresource || got.Namespace != tt.want.Namespace || got.Name != tt.want.Name {
			t.Errorf("%s: %s %s = %+v, want %+v", tt.reason, tt.method, tt.url, got, tt.want)
		}
	}
}

// upstream is a stand-in API server: it serves ConfigMaps in pages of one
// from a fixed set, and records what reached it.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
	cms  []string
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{cms: []string{"a", "b", "c"}}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits = append(u.hits, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/configmaps"):
			i := 0
			if c := r.URL.Query().Get("continue"); c != "" {
				fmt.Sscan(c, &i)
			}
			l := corev1.ConfigMapList{TypeMeta: metav1.TypeMeta{Kind: "ConfigMapList", APIVersion: "v1"}}
			l.Items = []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: u.cms[i]}}}
			if i+1 < len(u.cms) {
				l.Continue = fmt.Sprint(i + 1)
			}
			_ = json.NewEncoder(w).Encode(l)
		default:
			cm := corev1.ConfigMap{TypeMeta: metav1.TypeMeta{Kind: "ConfigMap", APIVersion: "v1"}, ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm", ResourceVersion: "7"}}
			_ = json.NewEncoder(w).Encode(cm)
		}
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) reached() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.hits...)
}

func newProxy(t *testing.T, u *upstream) (*Proxy, kubernetes.Interface) {
	t.Helper()
	// A QPS high enough that client-go's rate limiter never waits.
	p, err := New(&rest.Config{Host: u.srv.URL, QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	cs, err := kubernetes.NewForConfig(p.Config())
	if err != nil {
		t.Fatal(err)
	}
	return p, cs
}

func TestPassForwardsAndLogs(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	if _, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").Patch(t.Context(), "cm", types.MergePatchType, []byte(`{"data":{"k":"v"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := p.Requests()
	if len(reqs) != 2 || reqs[0].String() != "get configmaps/cm -n ns" || reqs[1].Verb != "patch" || string(reqs[1].Body) != `{"data":{"k":"v"}}` ||
		reqs[0].Status != 200 || reqs[1].Status != 200 || reqs[0].Body != nil || reqs[0].Rule != -1 {
		t.Errorf("log = %+v", reqs)
	}
	if n := len(u.reached()); n != 2 {
		t.Errorf("%d requests reached the server, want 2", n)
	}
	if n := p.Count(Match{Verbs: []string{"patch", "update"}, Resource: "configmaps"}); n != 1 {
		t.Errorf("Count(writes) = %d, want 1", n)
	}
}

// A 500 without Retry-After is not retried by client-go (with_retry.go
// checkWait needs the header): the caller gets an InternalError.
func TestInternalError(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	h := p.Add(Rule{Match: Match{Verbs: []string{"get"}, Resource: "configmaps", Name: "cm"}, Fault: InternalError, Times: 1})
	_, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{})
	if !apierrors.IsInternalError(err) {
		t.Fatalf("err = %v, want an InternalError", err)
	}
	if len(u.reached()) != 0 {
		t.Errorf("the request reached the server: %v", u.reached())
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{}); err != nil {
		t.Errorf("the rule took one request (Times 1), the second failed too: %v", err)
	}
	if h.Fired() != 1 {
		t.Errorf("Fired = %d, want 1", h.Fired())
	}
	if r := p.Requests()[0]; r.Fault != InternalError || r.Status != 500 || r.Rule != 0 {
		t.Errorf("logged %+v", r)
	}
}

// client-go retries a 429 with Retry-After itself, up to ten times
// (rest/request.go maxRetries 10; with_retry.go IsNextRetry, checkWait):
// three are invisible to the caller, eleven reach it as TooManyRequests.
func TestTooManyRequests(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	p.Add(Rule{Match: Match{Resource: "configmaps"}, Fault: TooManyRequests, Times: 3})
	if _, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{}); err != nil {
		t.Fatalf("three 429s with Retry-After: 0: client-go retries them, but err = %v", err)
	}
	if n, hit := p.Count(Match{}), len(u.reached()); n != 4 || hit != 1 {
		t.Errorf("%d requests reached the proxy and %d the server, want 4 and 1", n, hit)
	}

	p.Add(Rule{Match: Match{Resource: "configmaps"}, Fault: TooManyRequests, Times: 11})
	_, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{})
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("eleven 429s: err = %v, want TooManyRequests", err)
	}
	resp, err := http.Get(p.URL + "/api/v1/namespaces/ns/configmaps/cm")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the rules ran out: %d", resp.StatusCode)
	}
	p.Add(Rule{Match: Match{Resource: "configmaps"}, Fault: TooManyRequests, RetryAfter: 7, Times: 1})
	resp, err = http.Get(p.URL + "/api/v1/namespaces/ns/configmaps/cm")
	if err != nil {
		t.Fatal(err)
	}
	var st metav1.Status
	_ = json.NewDecoder(resp.Body).Decode(&st)
	_ = resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || st.Reason != metav1.StatusReasonTooManyRequests || st.Details == nil || st.Details.RetryAfterSeconds != 7 {
		t.Errorf("429 rule: status %d, Retry-After %q, %+v; want 429, 7 and a TooManyRequests Status saying 7", resp.StatusCode, resp.Header.Get("Retry-After"), st)
	}
}

// A dropped connection gives the caller an EOF for a write, which
// client-go does not retry (rest/request.go: only GETs are retried after
// a connection error); the request never reached the server.
func TestDropConnection(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	p.Add(Rule{Match: Match{Verbs: []string{"patch"}}, Fault: DropConnection, Times: 1})
	_, err := cs.CoreV1().ConfigMaps("ns").Patch(t.Context(), "cm", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	if err == nil || !utilnet.IsProbableEOF(err) {
		t.Fatalf("err = %v, want an EOF", err)
	}
	if len(u.reached()) != 0 {
		t.Errorf("the dropped request reached the server: %v", u.reached())
	}
	if r := p.Requests()[0]; r.Fault != DropConnection || r.Status != 0 {
		t.Errorf("logged %+v", r)
	}
}

// A lost answer: the server acted, the hook ran before the client got
// anything, and the client sees the connection closed.
func TestLoseResponseAndHook(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	var hooked []Request
	var clientDone atomic.Bool
	p.Add(Rule{Match: Match{Verbs: []string{"patch"}, Name: "cm"}, Fault: LoseResponse, Times: 1, Hook: func(r Request) {
		if clientDone.Load() {
			t.Error("the hook ran after the client had its answer")
		}
		if len(u.reached()) != 1 {
			t.Error("the hook ran before the server had the request")
		}
		hooked = append(hooked, r)
	}})
	_, err := cs.CoreV1().ConfigMaps("ns").Patch(t.Context(), "cm", types.MergePatchType, []byte(`{"data":{}}`), metav1.PatchOptions{})
	clientDone.Store(true)
	if err == nil || !utilnet.IsProbableEOF(err) {
		t.Fatalf("err = %v, want an EOF", err)
	}
	if got := u.reached(); len(got) != 1 || !strings.HasPrefix(got[0], "PATCH ") {
		t.Errorf("the server got %v, want the one PATCH", got)
	}
	if len(hooked) != 1 || hooked[0].Status != 200 || string(hooked[0].Body) != `{"data":{}}` {
		t.Errorf("hook saw %+v, want the patch with the server's 200", hooked)
	}
	if r := p.Requests()[0]; r.Fault != LoseResponse || r.Status != 200 {
		t.Errorf("logged %+v, want LoseResponse with the server's status", r)
	}
}

// Page numbers follow continue tokens: a repeated token keeps its page, a
// new list starts at 1. A rule on page 2 fails a list in the middle; the
// caller's retry of the same token gets through.
func TestPages(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	p.Add(Rule{Match: Match{Verbs: []string{"list"}, Resource: "configmaps", Page: 2}, Fault: InternalError, Times: 1})
	l, err := cs.CoreV1().ConfigMaps("ns").List(t.Context(), metav1.ListOptions{Limit: 1})
	if err != nil || l.Continue != "1" {
		t.Fatalf("page 1: %v, %v", l, err)
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").List(t.Context(), metav1.ListOptions{Limit: 1, Continue: l.Continue}); !apierrors.IsInternalError(err) {
		t.Fatalf("page 2: err = %v, want the injected 500", err)
	}
	l2, err := cs.CoreV1().ConfigMaps("ns").List(t.Context(), metav1.ListOptions{Limit: 1, Continue: l.Continue})
	if err != nil || len(l2.Items) != 1 || l2.Items[0].Name != "b" {
		t.Fatalf("page 2 again: %v, %v", l2, err)
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").List(t.Context(), metav1.ListOptions{Limit: 1, Continue: l2.Continue}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps("ns").List(t.Context(), metav1.ListOptions{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	var pages []int
	for _, r := range p.Requests() {
		pages = append(pages, r.Page)
	}
	if fmt.Sprint(pages) != "[1 2 2 3 1]" {
		t.Errorf("pages = %v, want [1 2 2 3 1]", pages)
	}
	if n := p.Count(Match{Page: 2}); n != 2 {
		t.Errorf("Count(page 2) = %d", n)
	}
}

// Skip lets the first requests pass; a removed rule takes nothing; rules
// are tried in order and a Func sees the request.
func TestSkipOrderRemove(t *testing.T) {
	u := newUpstream(t)
	p, cs := newProxy(t, u)
	get := func() error {
		_, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{})
		return err
	}
	h := p.Add(Rule{Match: Match{Name: "cm"}, Fault: InternalError, Skip: 2, Times: 1})
	p.Add(Rule{Match: Match{Func: func(r Request) bool { return r.Name == "cm" }}, Fault: Pass, Times: 1})
	var errs []bool
	for range 4 {
		errs = append(errs, get() != nil)
	}
	if fmt.Sprint(errs) != "[false false true false]" {
		t.Errorf("failed = %v, want only the third", errs)
	}
	rules := []int{}
	for _, r := range p.Requests() {
		rules = append(rules, r.Rule)
	}
	if fmt.Sprint(rules) != "[1 -1 0 -1]" {
		t.Errorf("rules = %v: the first skipped request goes to the next rule, want [1 -1 0 -1]", rules)
	}
	h.Remove()
	p.Add(Rule{Match: Match{Name: "cm"}, Fault: InternalError})
	p.Clear()
	if err := get(); err != nil {
		t.Errorf("after Clear: %v", err)
	}
}

func TestKubeconfig(t *testing.T) {
	u := newUpstream(t)
	p, _ := newProxy(t, u)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := p.WriteKubeconfig(path); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != p.URL {
		t.Errorf("kubeconfig host = %s, want %s", cfg.Host, p.URL)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefusesBadConfigs(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := New(&rest.Config{Host: "::"}); err == nil || !strings.Contains(err.Error(), "::") {
		t.Errorf("New with a bad host: %v", err)
	}
}

// The server cannot be reached: 502, logged.
func TestUnreachable(t *testing.T) {
	u := newUpstream(t)
	p, _ := newProxy(t, u)
	u.srv.Close()
	resp, err := http.Get(p.URL + "/api/v1/namespaces/ns/configmaps/cm")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "cannot be reached") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if r := p.Requests()[0]; r.Status != http.StatusBadGateway {
		t.Errorf("logged %+v", r)
	}
}

// A hung request is held until the client's timeout, never forwarded; the
// client sees its deadline.
func TestHang(t *testing.T) {
	u := newUpstream(t)
	p, err := New(&rest.Config{Host: u.srv.URL, QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	cfg := p.Config()
	cfg.Timeout = 50 * time.Millisecond
	cs := kubernetes.NewForConfigOrDie(cfg)
	p.Add(Rule{Match: Match{Verbs: []string{"patch"}}, Fault: Hang})
	_, err = cs.CoreV1().ConfigMaps("ns").Patch(t.Context(), "cm", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	if len(u.reached()) != 0 {
		t.Errorf("a hung request reached the server: %v", u.reached())
	}
	if r := p.Requests()[0]; r.Fault != Hang || r.Status != 0 {
		t.Errorf("logged %+v", r)
	}
}

// With HTTP/2 (TLS, as an API server serves) the client shares one
// connection; a dropped connection is an unexpected EOF for the write on
// it, and the proxy's certificate is trusted through Config and the
// kubeconfig.
func TestHTTP2(t *testing.T) {
	u := newUpstream(t)
	p, err := NewWithOptions(&rest.Config{Host: u.srv.URL, QPS: 1000, Burst: 1000}, Options{HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if !strings.HasPrefix(p.URL, "https://") {
		t.Fatalf("URL = %s, want https", p.URL)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := p.WriteKubeconfig(path); err != nil {
		t.Fatal(err)
	}
	fromFile, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*rest.Config{"Config": p.Config(), "kubeconfig": fromFile} {
		cs := kubernetes.NewForConfigOrDie(cfg)
		if _, err := cs.CoreV1().ConfigMaps("ns").Get(t.Context(), "cm", metav1.GetOptions{}); err != nil {
			t.Fatalf("through %s: %v", name, err)
		}
	}
	var proto string
	p.Add(Rule{Match: Match{Verbs: []string{"get"}}, Hook: func(Request) {}, Times: 1})
	resp, err := (&http.Client{Transport: mustTransport(t, p.Config())}).Get(p.URL + "/api/v1/namespaces/ns/configmaps/cm")
	if err != nil {
		t.Fatal(err)
	}
	proto = resp.Proto
	_ = resp.Body.Close()
	if proto != "HTTP/2.0" {
		t.Errorf("protocol %s, want HTTP/2.0", proto)
	}
	cs := kubernetes.NewForConfigOrDie(p.Config())
	p.Add(Rule{Match: Match{Verbs: []string{"patch"}}, Fault: DropConnection, Times: 1})
	_, err = cs.CoreV1().ConfigMaps("ns").Patch(t.Context(), "cm", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a dropped HTTP/2 connection: err = %v, want an unexpected EOF", err)
	}
}

func mustTransport(t *testing.T, cfg *rest.Config) http.RoundTripper {
	t.Helper()
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
