package kube

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestHyperConvergedVersionOnServer pins, with each HCO CRD, what the
// version rule of Cluster.HyperConvergedVersion rests on: discovery prefers
// v1 for both CRDs (Kubernetes' version priority), so only the CRD's
// storage version tells them apart; the adapter uses it; and through the
// other served version (no conversion webhook runs here, as on HCO 1.18,
// which has none) the object reads pruned to that version's fields without
// defaults, so a write through it is refused as ErrNotStored, nothing
// written and nothing lost, even when `to` is the CRD's default.
// HCO: deploy/olm-catalog/community-kubevirt-hyperconverged/1.18.0/
// manifests/hco00.crd.yaml (storage v1beta1), deploy/crds/hco00.crd.yaml
// (storage v1), controllers/webhooks/conversion-webhook-controller (main
// configures the conversion webhook at run time).
func TestHyperConvergedVersionOnServer(t *testing.T) {
	forEachHCO(t, func(t *testing.T, h kubetest.HCO) {
		cfg := needServer(t)
		a := newAdmin(t, cfg)
		ctx := t.Context()
		groups, err := a.core.Discovery().ServerGroups()
		if err != nil {
			t.Fatal(err)
		}
		preferred := ""
		for _, g := range groups.Groups {
			if g.Name == HyperConvergedGroup {
				preferred = g.PreferredVersion.Version
			}
		}
		if preferred != HyperConvergedV1 {
			t.Errorf("discovery prefers %q for %s, measured v1 with both CRDs", preferred, HyperConvergedGroup)
		}

		size := 7
		hc := updatetest.HyperConverged(updatetest.Methods())
		hc.Spec.WorkloadUpdateStrategy.BatchEvictionSize = &size
		a.seed(t, updatetest.Fixture{HyperConverged: hc})
		right, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		v, why, err := right.HyperConvergedVersion(ctx)
		if err != nil || v != h.StorageVersion || !strings.Contains(why, "storage version") {
			t.Fatalf("chosen version %q (%s), %v; want the storage version %s", v, why, err, h.StorageVersion)
		}

		wrong, err := New(cfg, Options{HyperConvergedVersion: h.Other})
		if err != nil {
			t.Fatal(err)
		}
		read, err := wrong.GetHyperConverged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m := read.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m != nil {
			t.Errorf("through %s the field reads %s; measured absent (pruned, not defaulted)", h.Other, update.ShowMethods(m))
		}
		for _, tt := range []struct {
			from, to *[]kubevirtv1.WorkloadUpdateMethod
			reason   string
		}{
			{updatetest.Methods(), updatetest.Methods(kubevirtv1.WorkloadUpdateMethodEvict), "a change"},
			{nil, updatetest.Methods(kubevirtv1.WorkloadUpdateMethodLiveMigrate), "to is the CRD's default, which an absent field compares equal to"},
		} {
			err := wrong.SetWorkloadUpdateMethods(ctx, tt.from, tt.to)
			if !errors.Is(err, update.ErrNotStored) || !strings.Contains(err.Error(), "workloadUpdateMethods") || !strings.Contains(err.Error(), h.Other) {
				t.Errorf("%s: write through %s: err = %v, want ErrNotStored naming the field and the version", tt.reason, h.Other, err)
			}
		}
		got, err := right.GetHyperConverged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m := got.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m == nil || len(*m) != 0 || readBatchSize(t, right) != 7 {
			t.Errorf("after the refused writes the stored field is %s, batchEvictionSize %d; want [] and 7 untouched", update.ShowMethods(m), readBatchSize(t, right))
		}
	})
}

// methodsMutator is a mutating admission webhook that resets
// workloadUpdateMethods to [LiveMigrate] on every update of a
// HyperConverged, as a server-side default or another controller's webhook
// might: the write is accepted, and the object returned is not what was
// written.
type methodsMutator struct{ calls atomic.Int32 }

func (m *methodsMutator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	m.calls.Add(1)
	patch := fmt.Appendf(nil, `[{"op":"replace","path":%q,"value":["LiveMigrate"]}]`, methodsPath(review.Request.Kind.Version))
	review.Response = &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true, Patch: patch, PatchType: ptr.To(admissionv1.PatchTypeJSONPatch)}
	review.Request = nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

// TestWorkloadUpdateMethodsNotStored: the adapter compares the field of the
// object the API server returns after the patch with what it wrote; a
// mutating webhook that changes it makes the write ErrNotStored, naming
// the field and both values.
func TestWorkloadUpdateMethodsNotStored(t *testing.T) {
	forEachHCO(t, func(t *testing.T, h kubetest.HCO) {
		cfg := needServer(t)
		a := newAdmin(t, cfg)
		ctx := t.Context()
		a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
		const label = "virtupdate.io/test-mutate-methods"
		if _, err := a.dyn.Resource(kubetest.HyperConvergedResource(h.StorageVersion)).Namespace(update.DefaultNamespace).Patch(ctx, update.HyperConvergedName,
			types.MergePatchType, fmt.Appendf(nil, `{"metadata":{"labels":{%q:"true"}}}`, label), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		m := &methodsMutator{}
		srv := httptest.NewTLSServer(m)
		defer srv.Close()
		hooks := a.core.AdmissionregistrationV1().MutatingWebhookConfigurations()
		const name = "virtupdate-test-mutate-methods"
		_ = hooks.Delete(ctx, name, metav1.DeleteOptions{})
		if _, err := hooks.Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name: "methods.virtupdate.io", AdmissionReviewVersions: []string{"v1"},
				FailurePolicy: ptr.To(admissionregistrationv1.Fail), SideEffects: ptr.To(admissionregistrationv1.SideEffectClassNone),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{HyperConvergedGroup}, APIVersions: []string{"*"}, Resources: []string{"hyperconvergeds"}},
				}},
				ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{label: "true"}},
				ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: ptr.To(srv.URL + "/mutate"),
					CABundle: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})},
			}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = hooks.Delete(context.Background(), name, metav1.DeleteOptions{}) }()
		c, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Until the API server calls the webhook, a write is stored as
		// written; change the field until one is not.
		waitFor(t, 10*time.Second, "the API server to call the mutating webhook", func() bool {
			cur := readMethods(t, c)
			to := updatetest.Methods()
			if cur != nil && len(*cur) == 0 {
				to = updatetest.Methods(kubevirtv1.WorkloadUpdateMethodEvict)
			}
			err = c.SetWorkloadUpdateMethods(ctx, cur, to)
			return m.calls.Load() > 0 && err != nil
		})
		if !errors.Is(err, update.ErrNotStored) {
			t.Fatalf("write changed by a webhook: err = %v, want ErrNotStored", err)
		}
		if msg := err.Error(); !strings.Contains(msg, methodsField(h.StorageVersion)) || !strings.Contains(msg, "[LiveMigrate]") {
			t.Errorf("the error does not name the field, the version and what was stored: %s", msg)
		}
		t.Logf("as expected: %v", err)
	})
}
