package kube

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver/v4"
	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/operator-framework/api/pkg/lib/version"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// namespacedResources and clusterResources are every custom resource the
// tests create; wipe deletes them all.
var (
	namespacedResources = []schema.GroupVersionResource{
		HyperConvergedResource, KubeVirtResource, VMIResource, VMResource, MigrationResource,
		SubscriptionResource, CSVResource, InstallPlanResource,
	}
	clusterResources = append([]schema.GroupVersionResource{ClusterVersionResource, MachineConfigPoolResource, ClusterOperatorResource, MachineConfigResource}, NodeMaintenanceResources...)
)

// wipe deletes every object the tests create, so each conformance case
// starts from its fixture alone.
func (a admin) wipe(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	zero := int64(0)
	del := metav1.DeleteOptions{GracePeriodSeconds: &zero}
	for _, gvr := range namespacedResources {
		l, err := a.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("wipe: list %s: %v", gvr.Resource, err)
		}
		namespaces := map[string]bool{}
		for _, u := range l.Items {
			namespaces[u.GetNamespace()] = true
		}
		for ns := range namespaces {
			if err := a.dyn.Resource(gvr).Namespace(ns).DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
				t.Fatalf("wipe: delete %s in %s: %v", gvr.Resource, ns, err)
			}
		}
	}
	for _, gvr := range clusterResources {
		if err := a.dyn.Resource(gvr).DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
			t.Fatalf("wipe: delete %s: %v", gvr.Resource, err)
		}
	}
	if err := a.core.CoreV1().Nodes().DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
		t.Fatalf("wipe: delete nodes: %v", err)
	}
	nss, err := a.core.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range nss.Items {
		if err := a.core.CoreV1().Pods(ns.Name).DeleteCollection(ctx, del, metav1.ListOptions{LabelSelector: kubevirtv1.CreatedByLabel}); err != nil {
			t.Fatalf("wipe: delete pods in %s: %v", ns.Name, err)
		}
		if err := a.core.CoreV1().ConfigMaps(ns.Name).DeleteCollection(ctx, del, metav1.ListOptions{LabelSelector: CheckpointLabel}); err != nil {
			t.Fatalf("wipe: delete checkpoints in %s: %v", ns.Name, err)
		}
	}
}

// noStatusSubresource are the resources whose CRD has no status
// subresource: KubeVirt's VMI CRD (crds.go NewVirtualMachineInstanceCrd
// declares none), so its status is written with the object.
var noStatusSubresource = []schema.GroupVersionResource{VMIResource}

// create creates the object and, when it has a status, writes it through
// the status subresource as the owning controller would (or with the
// object, for a resource without one).
func (a admin) create(t *testing.T, gvr schema.GroupVersionResource, kind string, obj any) *unstructured.Unstructured {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		var err error
		if m, err = runtime.DefaultUnstructuredConverter.ToUnstructured(obj); err != nil {
			t.Fatalf("convert %T: %v", obj, err)
		}
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	status, hasStatus := u.Object["status"]
	if slices.Contains(noStatusSubresource, gvr) {
		hasStatus = false
	}
	a.ensureNamespaceIfSet(t, u.GetNamespace())
	ri := a.dyn.Resource(gvr).Namespace(u.GetNamespace())
	created, err := ri.Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s %s: %v", kind, objectName(u.GetNamespace(), u.GetName()), err)
	}
	if hasStatus && status != nil {
		created.Object["status"] = status
		if created, err = ri.UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("write status of %s %s: %v", kind, objectName(u.GetNamespace(), u.GetName()), err)
		}
	}
	return created
}

func (a admin) ensureNamespaceIfSet(t *testing.T, ns string) {
	if ns != "" {
		a.ensureNamespace(t, ns)
	}
}

// seed wipes the cluster and creates the fixture's objects with the API
// types of their owners.
func (a admin) seed(t *testing.T, f updatetest.Fixture) {
	t.Helper()
	a.wipe(t)
	a.ensureNamespace(t, update.DefaultNamespace)
	if f.HyperConverged != nil {
		hc := *f.HyperConverged
		hc.Namespace, hc.Name = update.DefaultNamespace, update.HyperConvergedName
		version := server.HCO().StorageVersion
		obj, err := kubetest.HyperConvergedObject(&hc, version)
		if err != nil {
			t.Fatal(err)
		}
		a.create(t, kubetest.HyperConvergedResource(version), "HyperConverged", obj.Object)
	}
	if f.KubeVirt != nil {
		a.create(t, KubeVirtResource, "KubeVirt", stripMeta(f.KubeVirt.DeepCopy()))
	}
	if cv := f.ClusterVersion; cv != nil {
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(clusterVersionObject(cv))
		if err != nil {
			t.Fatal(err)
		}
		// The Go type has spec.signatureStores (TechPreviewNoUpgrade), which
		// the Default feature set's CRD lacks: the API server would warn.
		unstructured.RemoveNestedField(obj, "spec", "signatureStores")
		a.create(t, ClusterVersionResource, "ClusterVersion", obj)
	}
	for _, p := range f.Pools {
		a.create(t, MachineConfigPoolResource, "MachineConfigPool", poolObject(p))
	}
	for _, s := range f.Subscriptions {
		a.create(t, SubscriptionResource, "Subscription", &operatorsv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name},
			Spec: &operatorsv1alpha1.SubscriptionSpec{Package: s.Package, Channel: s.Channel,
				CatalogSource: "redhat-operators", CatalogSourceNamespace: "openshift-marketplace",
				InstallPlanApproval: operatorsv1alpha1.Approval(s.InstallPlanApproval)},
			Status: operatorsv1alpha1.SubscriptionStatus{CurrentCSV: s.CurrentCSV, InstalledCSV: s.InstalledCSV,
				State: operatorsv1alpha1.SubscriptionState(s.State), InstallPlanRef: installPlanRef(s), LastUpdated: metav1.Now()},
		})
	}
	for _, x := range f.CSVs {
		csv := &operatorsv1alpha1.ClusterServiceVersion{
			ObjectMeta: metav1.ObjectMeta{Namespace: update.DefaultNamespace, Name: x.Name},
			Spec: operatorsv1alpha1.ClusterServiceVersionSpec{DisplayName: cmp.Or(x.DisplayName, x.Name), Replaces: x.Replaces,
				InstallStrategy: operatorsv1alpha1.NamedInstallStrategy{StrategyName: operatorsv1alpha1.InstallStrategyNameDeployment,
					StrategySpec: operatorsv1alpha1.StrategyDetailsDeployment{DeploymentSpecs: []operatorsv1alpha1.StrategyDeploymentSpec{}}}},
			Status: operatorsv1alpha1.ClusterServiceVersionStatus{Phase: operatorsv1alpha1.ClusterServiceVersionPhase(x.Phase),
				Reason: operatorsv1alpha1.ConditionReason(x.Reason), Message: x.Message},
		}
		if x.Version != "" {
			v, err := semver.ParseTolerant(x.Version)
			if err != nil {
				t.Fatalf("CSV %s: version %q: %v", x.Name, x.Version, err)
			}
			csv.Spec.Version = version.OperatorVersion{Version: v}
		}
		a.create(t, CSVResource, "ClusterServiceVersion", csv)
	}
	for _, ip := range f.InstallPlans {
		a.create(t, InstallPlanResource, "InstallPlan", &operatorsv1alpha1.InstallPlan{
			ObjectMeta: metav1.ObjectMeta{Namespace: ip.Namespace, Name: ip.Name},
			Spec: operatorsv1alpha1.InstallPlanSpec{ClusterServiceVersionNames: append([]string{}, ip.CSVNames...), // required, [] at least
				Approval: operatorsv1alpha1.Approval(ip.Approval), Approved: ip.Approved},
			Status: operatorsv1alpha1.InstallPlanStatus{Phase: operatorsv1alpha1.InstallPlanPhase(ip.Phase), CatalogSources: []string{}},
		})
	}
	for i := range f.Nodes {
		n := f.Nodes[i].DeepCopy()
		n.ResourceVersion = ""
		created, err := a.core.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node %s: %v", n.Name, err)
		}
		if !equalNodeStatus(n.Status, corev1.NodeStatus{}) {
			created.Status = n.Status
			if _, err := a.core.CoreV1().Nodes().UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("write status of node %s: %v", n.Name, err)
			}
		}
	}
	for i := range f.PodDisruptionBudgets {
		p := f.PodDisruptionBudgets[i].DeepCopy()
		p.ResourceVersion = ""
		if _, err := a.core.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p.Namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create namespace %s: %v", p.Namespace, err)
		}
		created, err := a.core.PolicyV1().PodDisruptionBudgets(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create PodDisruptionBudget %s/%s: %v", p.Namespace, p.Name, err)
		}
		created.Status = p.Status
		if _, err := a.core.PolicyV1().PodDisruptionBudgets(p.Namespace).UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("write status of PodDisruptionBudget %s/%s: %v", p.Namespace, p.Name, err)
		}
		t.Cleanup(func() {
			_ = a.core.PolicyV1().PodDisruptionBudgets(p.Namespace).Delete(context.Background(), p.Name, metav1.DeleteOptions{})
		})
	}
	for _, nm := range f.NodeMaintenances {
		gvr := NodeMaintenanceResources[0]
		if nm.Group == update.NodeMaintenanceMedik8s {
			gvr = NodeMaintenanceResources[1]
		}
		obj := map[string]any{
			"metadata": map[string]any{"name": nm.Name},
			"spec":     map[string]any{"nodeName": nm.NodeName, "reason": nm.Reason},
		}
		if nm.Phase != "" {
			obj["status"] = map[string]any{"phase": nm.Phase}
		}
		a.create(t, gvr, "NodeMaintenance", obj)
	}
	for i := range f.VMIs {
		a.create(t, VMIResource, "VirtualMachineInstance", stripMeta(f.VMIs[i].DeepCopy()))
	}
	for i := range f.VirtualMachines {
		vm := stripMeta(f.VirtualMachines[i].DeepCopy())
		if vm.Spec.Template == nil { // the CRD requires spec.template
			vm.Spec.Template = &kubevirtv1.VirtualMachineInstanceTemplateSpec{}
		}
		a.create(t, VMResource, "VirtualMachine", vm)
	}
	for i := range f.Migrations {
		a.create(t, MigrationResource, "VirtualMachineInstanceMigration", stripMeta(f.Migrations[i].DeepCopy()))
	}
}

// stripMeta clears what the API server sets.
func stripMeta[T metav1.Object](o T) T {
	o.SetResourceVersion("")
	o.SetUID("")
	return o
}

func equalNodeStatus(a, b corev1.NodeStatus) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func installPlanRef(s update.Subscription) *corev1.ObjectReference {
	if s.InstallPlanRef == "" {
		return nil
	}
	return &corev1.ObjectReference{Kind: "InstallPlan", Namespace: s.Namespace, Name: s.InstallPlanRef}
}

// clusterVersionObject is the CVO's object for the port's view, with what
// the CRD requires of status filled in: desired (version and image),
// observedGeneration, versionHash, and in each history entry image,
// startedTime (a fixed time when the fixture has none) and verified.
func clusterVersionObject(cv *update.ClusterVersion) *configv1.ClusterVersion {
	out := &configv1.ClusterVersion{
		ObjectMeta: metav1.ObjectMeta{Name: ClusterVersionName},
		Spec:       configv1.ClusterVersionSpec{ClusterID: "3b5c5a0e-9f5e-4a43-9f61-3c7c1d4b6a11", Channel: cv.Channel},
		Status:     configv1.ClusterVersionStatus{ObservedGeneration: 1, VersionHash: "fixture"},
	}
	if cv.DesiredVersion != "" {
		out.Spec.DesiredUpdate = &configv1.Update{Version: cv.DesiredVersion}
	}
	for _, h := range cv.History {
		started := h.StartedTime
		if started.IsZero() {
			started = fixtureTime
		}
		e := configv1.UpdateHistory{State: configv1.UpdateState(h.State), Version: h.Version, Image: releaseImage(h.Version),
			StartedTime: metav1.NewTime(started)}
		if !h.CompletionTime.IsZero() {
			ct := metav1.NewTime(h.CompletionTime)
			e.CompletionTime = &ct
		}
		out.Status.History = append(out.Status.History, e)
	}
	if cv.Target != "" {
		out.Status.Desired = configv1.Release{Version: cv.Target, Image: releaseImage(cv.Target)}
	} else if cur := cv.CurrentVersion(); cur != "" {
		out.Status.Desired = configv1.Release{Version: cur, Image: releaseImage(cur)}
	} else {
		out.Status.Desired = configv1.Release{Version: "0.0.0", Image: releaseImage("0.0.0")}
	}
	out.Status.Desired.Channels = append(out.Status.Desired.Channels, cv.DesiredChannels...)
	for _, c := range cv.Conditions {
		out.Status.Conditions = append(out.Status.Conditions, configv1.ClusterOperatorStatusCondition{
			Type: configv1.ClusterStatusConditionType(c.Type), Status: configv1.ConditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	for _, v := range cv.AvailableUpdates {
		out.Status.AvailableUpdates = append(out.Status.AvailableUpdates, configv1.Release{Version: v, Image: releaseImage(v)})
	}
	return out
}

// fixtureTime stands for a time the fixture leaves out where the CRD
// requires one.
var fixtureTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// releaseImage is a release image pull spec for the version.
func releaseImage(version string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + version + "-x86_64"
}

// poolObject is the MCO's object for the port's view.
func poolObject(p update.MachineConfigPool) *mcfgv1.MachineConfigPool {
	out := &mcfgv1.MachineConfigPool{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name},
		Spec: mcfgv1.MachineConfigPoolSpec{Paused: p.Paused, NodeSelector: p.NodeSelector.DeepCopy(),
			Configuration: mcfgv1.MachineConfigPoolStatusConfiguration{ObjectReference: corev1.ObjectReference{Name: p.TargetConfig}}},
		Status: mcfgv1.MachineConfigPoolStatus{
			MachineCount: p.MachineCount, UpdatedMachineCount: p.UpdatedMachineCount, ReadyMachineCount: p.ReadyMachineCount,
			UnavailableMachineCount: p.UnavailableMachineCount, DegradedMachineCount: p.DegradedMachineCount,
		},
	}
	if p.MaxUnavailable != 0 {
		mu := intstr.FromInt32(p.MaxUnavailable)
		out.Spec.MaxUnavailable = &mu
	}
	for _, c := range p.Conditions {
		out.Status.Conditions = append(out.Status.Conditions, mcfgv1.MachineConfigPoolCondition{
			Type: mcfgv1.MachineConfigPoolConditionType(c.Type), Status: corev1.ConditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

// payloadAnnotation marks a ClusterOperator as the release payload's, as
// the CVO's manifests do.
const payloadAnnotation = "include.release.openshift.io/self-managed-high-availability"

// clusterOperatorObject is the CVO's object for the port's view; payload
// adds the release payload's annotation. The CRD requires each condition's
// lastTransitionTime: a zero one becomes fixtureTime.
func clusterOperatorObject(co update.ClusterOperator, payload bool) *configv1.ClusterOperator {
	out := &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: co.Name}}
	if payload {
		out.Annotations = map[string]string{payloadAnnotation: "true"}
	}
	for _, c := range co.Conditions {
		ltt := c.LastTransitionTime
		if ltt.IsZero() {
			ltt = metav1.NewTime(fixtureTime)
		}
		out.Status.Conditions = append(out.Status.Conditions, configv1.ClusterOperatorStatusCondition{
			Type: configv1.ClusterStatusConditionType(c.Type), Status: configv1.ConditionStatus(c.Status),
			LastTransitionTime: ltt, Reason: c.Reason, Message: c.Message,
		})
	}
	for _, v := range co.Versions {
		out.Status.Versions = append(out.Status.Versions, configv1.OperandVersion{Name: v.Name, Version: v.Version})
	}
	return out
}

// machineConfigObject is a rendered MachineConfig of the release, with an
// Ignition config of some size, as the render controller writes one.
func machineConfigObject(mc update.MachineConfig) *mcfgv1.MachineConfig {
	out := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: mc.Name}}
	if mc.ReleaseVersion != "" {
		out.Annotations = map[string]string{update.MachineConfigReleaseVersionAnnotation: mc.ReleaseVersion}
	}
	out.Spec.Config.Raw = []byte(`{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"/etc/fixture","contents":{"source":"data:,` + strings.Repeat("x", 4096) + `"}}]}}`)
	return out
}
