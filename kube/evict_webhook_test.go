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
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// evictionAdmitter answers pods/eviction admission reviews as KubeVirt's
// virt-api does (pkg/virt-api/webhooks/validating-webhook/admitters/
// pod-eviction-admitter.go Admit / admitLauncherPod), restated here:
//
//   - a pod that is not a running virt-launcher (label kubevirt.io=
//     virt-launcher, not Succeeded or Failed), or has no kubevirt.io/domain
//     annotation, is allowed;
//   - the VMI's eviction strategy is its own, else the cluster's
//     (pkg/util/migrations/migrations.go VMIEvictionStrategy: the KubeVirt
//     CR's spec.configuration.evictionStrategy); none, or None, allows;
//   - LiveMigrate on a VMI that is not migratable (condition LiveMigratable
//     not True) is denied "VMI <name> is configured with an eviction
//     strategy but is not live-migratable"; LiveMigrateIfPossible on one
//     allows; otherwise the VMI is to be marked;
//   - a VMI already marked (status.evacuationNodeName set) is denied
//     "Evacuation in progress: Eviction triggered evacuation of VMI
//     \"ns/name\""; an eviction of a pod not on the VMI's node is denied
//     "Eviction request for target Pod";
//   - else status.evacuationNodeName is set to the pod's node (not on a dry
//     run) and the answer is "Eviction triggered evacuation of VMI
//     \"ns/name\"".
//
// Every denial is HTTP 429.
type evictionAdmitter struct {
	a       admin
	reviews atomic.Int32
}

func (h *evictionAdmitter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, fmt.Sprintf("not an AdmissionReview: %v", err), http.StatusBadRequest)
		return
	}
	h.reviews.Add(1)
	resp := h.admit(r.Context(), review.Request)
	resp.UID = review.Request.UID
	review.Response, review.Request = resp, nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

func allow() *admissionv1.AdmissionResponse { return &admissionv1.AdmissionResponse{Allowed: true} }

func deny(msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Result: &metav1.Status{Message: msg, Code: http.StatusTooManyRequests}}
}

func (h *evictionAdmitter) admit(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	pod, err := h.a.core.CoreV1().Pods(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if err != nil {
		return allow()
	}
	if pod.Labels[kubevirtv1.AppLabel] != "virt-launcher" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return allow()
	}
	vmiName, ok := pod.Annotations[kubevirtv1.DomainAnnotation]
	if !ok {
		return allow()
	}
	u, err := h.a.dyn.Resource(VMIResource).Namespace(req.Namespace).Get(ctx, vmiName, metav1.GetOptions{})
	if err != nil {
		return deny(fmt.Sprintf("kubevirt failed getting the vmi: %v", err))
	}
	var vmi kubevirtv1.VirtualMachineInstance
	if err := fromUnstructured(u, &vmi); err != nil {
		return deny(fmt.Sprintf("kubevirt failed getting the vmi: %v", err))
	}
	strategy := vmi.Spec.EvictionStrategy
	if strategy == nil {
		if kv, err := h.a.dyn.Resource(KubeVirtResource).Namespace(update.DefaultNamespace).Get(ctx, KubeVirtName, metav1.GetOptions{}); err == nil {
			var k kubevirtv1.KubeVirt
			if err := fromUnstructured(kv, &k); err == nil {
				strategy = k.Spec.Configuration.EvictionStrategy
			}
		}
	}
	if strategy == nil {
		return allow()
	}
	mark := false
	switch *strategy {
	case kubevirtv1.EvictionStrategyLiveMigrate:
		if !vmi.IsMigratable() {
			return deny(fmt.Sprintf("VMI %s is configured with an eviction strategy but is not live-migratable", vmi.Name))
		}
		mark = true
	case kubevirtv1.EvictionStrategyLiveMigrateIfPossible:
		mark = vmi.IsMigratable()
	case kubevirtv1.EvictionStrategyExternal:
		mark = true
	}
	if !mark {
		return allow()
	}
	triggered := fmt.Sprintf("Eviction triggered evacuation of VMI \"%s/%s\"", vmi.Namespace, vmi.Name)
	if vmi.IsMarkedForEviction() {
		return deny("Evacuation in progress: " + triggered)
	}
	if vmi.Status.NodeName != pod.Spec.NodeName {
		return deny("Eviction request for target Pod")
	}
	opts := metav1.PatchOptions{}
	if req.DryRun != nil && *req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patch := fmt.Appendf(nil, `[{"op":"add","path":"/status/evacuationNodeName","value":%q}]`, pod.Spec.NodeName)
	if _, err := h.a.dyn.Resource(VMIResource).Namespace(vmi.Namespace).Patch(ctx, vmi.Name, types.JSONPatchType, patch, opts); err != nil {
		return deny(fmt.Sprintf("kubevirt failed marking the vmi for eviction: %v", err))
	}
	return deny(triggered)
}

// installEvictionWebhook serves h over TLS from the test process and
// registers it for pods/eviction in the namespaces labelled
// virtupdate.io/eviction-webhook=true, as virt-operator registers
// virt-api's (pkg/virt-operator/resource/generate/components/webhooks.go:
// "virt-launcher-eviction-interceptor.kubevirt.io", CREATE of
// pods/eviction, only objects named virt-launcher*). It waits until the
// API server calls it.
func installEvictionWebhook(t *testing.T, a admin, ns string, h *evictionAdmitter) {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	const name = "virtupdate-test-pod-eviction"
	hooks := a.core.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	_ = hooks.Delete(ctx, name, metav1.DeleteOptions{})
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "virt-launcher-eviction-interceptor.kubevirt.io",
			AdmissionReviewVersions: []string{"v1"},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNoneOnDryRun),
			TimeoutSeconds:          ptr.To[int32](10),
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods/eviction"}},
			}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"virtupdate.io/eviction-webhook": "true"}},
			MatchConditions:   []admissionregistrationv1.MatchCondition{{Name: "only-vms", Expression: `object.metadata.name.startsWith("virt-launcher")`}},
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				URL:      ptr.To(srv.URL + "/pod-eviction"),
				CABundle: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
			},
		}},
	}
	if _, err := hooks.Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hooks.Delete(context.Background(), name, metav1.DeleteOptions{}) })

	// A dry-run eviction of a pod the webhook allows, until it is asked.
	probe := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "virt-launcher-probe"},
		Spec: corev1.PodSpec{AutomountServiceAccountToken: ptr.To(false), Containers: []corev1.Container{{Name: "c", Image: "probe"}}}}
	if _, err := a.core.CoreV1().Pods(ns).Create(ctx, probe, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the API server to call the eviction webhook", func() bool {
		_ = a.core.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: probe.Name},
			DeleteOptions: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}})
		return h.reviews.Load() > 0
	})
}

// TestEvictVMIThroughKubeVirtWebhook evicts VMIs behind a webhook answering
// as KubeVirt's: each answer becomes the *update.EvictionError the ports
// promise (or nil when the pod was evicted), through the real API server,
// which puts its own prefix before the webhook's message.
func TestEvictVMIThroughKubeVirtWebhook(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	const ns, node = "evict-webhook", "worker-0"
	migratable := []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionTrue}}
	notMigratable := []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: corev1.ConditionFalse, Reason: "DisksNotLiveMigratable"}}
	vmi := func(name string, strategy *kubevirtv1.EvictionStrategy, conds []kubevirtv1.VirtualMachineInstanceCondition) kubevirtv1.VirtualMachineInstance {
		return kubevirtv1.VirtualMachineInstance{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       kubevirtv1.VirtualMachineInstanceSpec{EvictionStrategy: strategy},
			Status:     kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: node, Conditions: conds},
		}
	}
	liveMigrate, ifPossible := kubevirtv1.EvictionStrategyLiveMigrate, kubevirtv1.EvictionStrategyLiveMigrateIfPossible
	clusterWide := kubevirtv1.EvictionStrategyNone
	a.seed(t, updatetest.Fixture{
		HyperConverged: updatetest.HyperConverged(nil),
		KubeVirt:       updatetest.KubeVirt(&clusterWide),
		VMIs: []kubevirtv1.VirtualMachineInstance{
			vmi("migratable", &liveMigrate, migratable),
			vmi("pinned", &liveMigrate, notMigratable),
			vmi("best-effort", &ifPossible, notMigratable),
			vmi("cluster-none", nil, migratable),
		},
	})
	ctx := t.Context()
	nsObj, err := a.core.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nsObj.Labels = map[string]string{"virtupdate.io/eviction-webhook": "true"}
	if _, err := a.core.CoreV1().Namespaces().Update(ctx, nsObj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.core.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for _, name := range []string{"migratable", "pinned", "best-effort", "cluster-none"} {
		u, err := a.dyn.Resource(VMIResource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p := launcherPod(ns, "virt-launcher-"+name+"-x", node, name, u.GetUID(), time.Now())
		p.Annotations = map[string]string{kubevirtv1.DomainAnnotation: name}
		created, err := a.core.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.Phase = corev1.PodRunning
		if _, err := a.core.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	h := &evictionAdmitter{a: a}
	installEvictionWebhook(t, a, ns, h)

	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		vmi     string
		refusal update.EvictionRefusal // "" for evicted
		message string
		reason  string
	}{
		{"migratable", update.EvacuationTriggered, `Eviction triggered evacuation of VMI "evict-webhook/migratable"`,
			"LiveMigrate on a migratable VMI: the webhook marks it and refuses the eviction"},
		{"migratable", update.EvacuationInProgress, `Evacuation in progress: Eviction triggered evacuation of VMI "evict-webhook/migratable"`,
			"asked again while the VMI is marked"},
		{"pinned", update.EvictionNotMigratable, "VMI pinned is configured with an eviction strategy but is not live-migratable",
			"LiveMigrate on a VMI that cannot migrate blocks the drain"},
		{"best-effort", "", "", "LiveMigrateIfPossible on a VMI that cannot migrate: the pod is evicted, the VMI shuts down"},
		{"cluster-none", "", "", "no strategy of its own and the cluster's None: the pod is evicted"},
	} {
		pod := "virt-launcher-" + tt.vmi + "-x"
		err := c.EvictVMI(ctx, ns, tt.vmi)
		if tt.refusal == "" {
			if err != nil {
				t.Errorf("%s: %v, want evicted", tt.reason, err)
				continue
			}
			p, gerr := a.core.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
			if gerr == nil && p.DeletionTimestamp == nil {
				t.Errorf("%s: EvictVMI returned nil but pod %s is not being deleted", tt.reason, pod)
			}
			continue
		}
		var ee *update.EvictionError
		if !errors.As(err, &ee) {
			t.Errorf("%s: err = %v, want an *update.EvictionError", tt.reason, err)
			continue
		}
		if ee.Refusal != tt.refusal || ee.Message != tt.message || ee.Pod != pod || ee.Namespace != ns || ee.Name != tt.vmi {
			t.Errorf("%s: got %+v, want Refusal %s, Message %q, Pod %s", tt.reason, ee, tt.refusal, tt.message, pod)
		}
		evacuating := tt.refusal == update.EvacuationTriggered || tt.refusal == update.EvacuationInProgress
		if !errors.Is(err, update.ErrEvictionDenied) || errors.Is(err, update.ErrEvacuationStarted) != evacuating {
			t.Errorf("%s: errors.Is ErrEvictionDenied %v, ErrEvacuationStarted %v (want %v)", tt.reason,
				errors.Is(err, update.ErrEvictionDenied), errors.Is(err, update.ErrEvacuationStarted), evacuating)
		}
		if p, gerr := a.core.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{}); gerr != nil || p.DeletionTimestamp != nil {
			t.Errorf("%s: the refused eviction deleted pod %s (%v)", tt.reason, pod, gerr)
		}
	}
	u, err := a.dyn.Resource(VMIResource).Namespace(ns).Get(ctx, "migratable", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var marked kubevirtv1.VirtualMachineInstance
	if err := fromUnstructured(u, &marked); err != nil {
		t.Fatal(err)
	}
	if marked.Status.EvacuationNodeName != node {
		t.Errorf("the webhook did not mark the VMI: status.evacuationNodeName = %q", marked.Status.EvacuationNodeName)
	}
	if u, err := a.dyn.Resource(VMIResource).Namespace(ns).Get(ctx, "pinned", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	} else if v, _, _ := unstructured.NestedString(u.Object, "status", "evacuationNodeName"); v != "" {
		t.Errorf("a denied VMI was marked for evacuation: %q", v)
	}
}
