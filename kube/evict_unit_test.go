package kube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/update"
)

// These tests need no API server.

// TestWebhookMessage: the API server prefixes a webhook's denial with
// `admission webhook "<name>" denied the request: `
// (k8s.io/apiserver pkg/admission/plugin/webhook/errors/statuserror.go
// ToStatusErr); the classification reads the webhook's own words.
func TestWebhookMessage(t *testing.T) {
	for _, tt := range []struct{ in, want, reason string }{
		{`admission webhook "virt-launcher-eviction-interceptor.kubevirt.io" denied the request: Eviction triggered evacuation of VMI "ns/db"`,
			`Eviction triggered evacuation of VMI "ns/db"`, "a webhook's denial: its own words"},
		{"Cannot evict pod as it would violate the pod's disruption budget.", "Cannot evict pod as it would violate the pod's disruption budget.",
			"the API server's own refusal has no prefix"},
		{`admission webhook "x" said something else`, `admission webhook "x" said something else`, "not the prefix: kept whole"},
	} {
		if got := webhookMessage(tt.in); got != tt.want {
			t.Errorf("%s: webhookMessage(%q) = %q, want %q", tt.reason, tt.in, got, tt.want)
		}
	}
}

// TestEvictRefusalThroughRESTClient answers the eviction POST as the API
// server does for KubeVirt's webhook (pod-eviction-admitter.go: 429 with
// its message, behind ToStatusErr's prefix, with Retry-After): the real
// REST client path returns at once, without retrying, and the refusal is
// classified.
func TestEvictRefusalThroughRESTClient(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/namespaces/prod/pods/virt-launcher-db-x/eviction" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		posts.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":429,"reason":"TooManyRequests",` +
			`"message":"admission webhook \"virt-launcher-eviction-interceptor.kubevirt.io\" denied the request: Eviction triggered evacuation of VMI \"prod/db\""}`))
	}))
	defer srv.Close()
	core, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := NewForClients(core, dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), Options{})
	start := time.Now()
	err = c.evict(context.Background(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "virt-launcher-db-x"}})
	if !apierrors.IsTooManyRequests(err) || posts.Load() != 1 {
		t.Fatalf("evict: err = %v after %d requests, want one 429", err, posts.Load())
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the refusal took %v: the client waited for Retry-After", d)
	}
	ee := EvictionError("prod", "db", "virt-launcher-db-x", err)
	if ee.Refusal != update.EvacuationTriggered || ee.Pod != "virt-launcher-db-x" || ee.Message != `Eviction triggered evacuation of VMI "prod/db"` ||
		!errors.Is(ee, update.ErrEvacuationStarted) || !errors.Is(ee, update.ErrEvictionDenied) {
		t.Errorf("eviction error = %+v", ee)
	}
}
