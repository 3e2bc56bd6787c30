package crclient

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/blang/semver/v4"
	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/operator-framework/api/pkg/lib/version"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// The fixture is written as the kube adapter's tests write it
// (kube/fixture_test.go): every object created with its owner's API type,
// its status written through the status subresource as the owning
// controller would.

// seeder writes fixtures with a client reading from the API server.
type seeder struct {
	c client.Client
}

// namespacedKinds and clusterKinds are every kind the tests create; wipe
// deletes them all.
var (
	namespacedKinds = []schema.GroupVersionKind{
		kubevirtv1.KubeVirtGroupVersionKind, kubevirtv1.VirtualMachineInstanceGroupVersionKind,
		kubevirtv1.VirtualMachineGroupVersionKind, kubevirtv1.VirtualMachineInstanceMigrationGroupVersionKind,
		operatorsv1alpha1.SchemeGroupVersion.WithKind("Subscription"), operatorsv1alpha1.SchemeGroupVersion.WithKind("ClusterServiceVersion"),
		operatorsv1alpha1.SchemeGroupVersion.WithKind("InstallPlan"), policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"),
	}
	clusterKinds = append([]schema.GroupVersionKind{
		configv1.GroupVersion.WithKind("ClusterVersion"), mcfgv1.GroupVersion.WithKind("MachineConfigPool"),
		configv1.GroupVersion.WithKind("ClusterOperator"), mcfgv1.GroupVersion.WithKind("MachineConfig"),
		corev1.SchemeGroupVersion.WithKind("Node"),
	}, nodeMaintenanceGVKs()...)
)

func hcGVK(version string) schema.GroupVersionKind { return hyperConvergedGK.WithVersion(version) }

// wipe deletes every object the tests create, so each case starts from
// its fixture alone.
func (s seeder) wipe(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	zero := client.GracePeriodSeconds(0)
	for _, gvk := range append(slices.Clone(namespacedKinds), hcGVK(kube.HyperConvergedV1Beta1)) {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := s.c.List(ctx, l); err != nil {
			t.Fatalf("wipe: list %s: %v", gvk.Kind, err)
		}
		namespaces := map[string]bool{}
		for _, u := range l.Items {
			namespaces[u.GetNamespace()] = true
		}
		for ns := range namespaces {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			if err := s.c.DeleteAllOf(ctx, u, client.InNamespace(ns), zero); err != nil {
				t.Fatalf("wipe: delete %s in %s: %v", gvk.Kind, ns, err)
			}
		}
	}
	for _, gvk := range clusterKinds {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		if err := s.c.DeleteAllOf(ctx, u, zero); err != nil {
			t.Fatalf("wipe: delete %s: %v", gvk.Kind, err)
		}
	}
	var nss corev1.NamespaceList
	if err := s.c.List(ctx, &nss); err != nil {
		t.Fatal(err)
	}
	for _, ns := range nss.Items {
		if err := s.c.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns.Name), client.HasLabels{kubevirtv1.CreatedByLabel}, zero); err != nil {
			t.Fatalf("wipe: delete pods in %s: %v", ns.Name, err)
		}
		if err := s.c.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(ns.Name), client.HasLabels{kube.CheckpointLabel}, zero); err != nil {
			t.Fatalf("wipe: delete checkpoints in %s: %v", ns.Name, err)
		}
	}
}

// noStatusSubresource: KubeVirt's VMI CRD declares no status subresource
// (crds.go NewVirtualMachineInstanceCrd), so its status is written with
// the object.
var noStatusSubresource = []schema.GroupVersionKind{kubevirtv1.VirtualMachineInstanceGroupVersionKind}

// create creates obj (a typed object or an unstructured one with its
// kind) and writes its status through the status subresource.
func (s seeder) create(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		gvk, err := s.c.GroupVersionKindFor(obj)
		if err != nil {
			t.Fatal(err)
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatalf("convert %T: %v", obj, err)
		}
		u = &unstructured.Unstructured{Object: m}
		u.SetGroupVersionKind(gvk)
	}
	u = u.DeepCopy()
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	gvk := u.GroupVersionKind()
	status, hasStatus := u.Object["status"]
	if slices.Contains(noStatusSubresource, gvk) {
		hasStatus = false
	}
	if ns := u.GetNamespace(); ns != "" {
		ensureNamespace(t, s.c, ns)
	}
	if err := s.c.Create(ctx, u); err != nil {
		t.Fatalf("create %s %s/%s: %v", gvk.Kind, u.GetNamespace(), u.GetName(), err)
	}
	if hasStatus && status != nil {
		u.Object["status"] = status
		if err := s.c.Status().Update(ctx, u); err != nil {
			t.Fatalf("write status of %s %s/%s: %v", gvk.Kind, u.GetNamespace(), u.GetName(), err)
		}
	}
	return u
}

// seed wipes the cluster and creates the fixture's objects.
func (s seeder) seed(t *testing.T, f updatetest.Fixture) {
	t.Helper()
	s.wipe(t)
	ensureNamespace(t, s.c, update.DefaultNamespace)
	if f.HyperConverged != nil {
		hc := *f.HyperConverged
		hc.Namespace, hc.Name = update.DefaultNamespace, update.HyperConvergedName
		obj, err := kubetest.HyperConvergedObject(&hc, server.HCO().StorageVersion)
		if err != nil {
			t.Fatal(err)
		}
		s.create(t, obj)
	}
	if f.KubeVirt != nil {
		s.create(t, stripMeta(f.KubeVirt.DeepCopy()))
	}
	if cv := f.ClusterVersion; cv != nil {
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(clusterVersionObject(cv))
		if err != nil {
			t.Fatal(err)
		}
		// The Go type has spec.signatureStores (TechPreviewNoUpgrade),
		// which the Default feature set's CRD lacks.
		unstructured.RemoveNestedField(obj, "spec", "signatureStores")
		u := &unstructured.Unstructured{Object: obj}
		u.SetGroupVersionKind(configv1.GroupVersion.WithKind(kindClusterVersion))
		s.create(t, u)
	}
	for _, p := range f.Pools {
		s.create(t, poolObject(p))
	}
	for _, sub := range f.Subscriptions {
		var ref *corev1.ObjectReference
		if sub.InstallPlanRef != "" {
			ref = &corev1.ObjectReference{Kind: kindInstallPlan, Namespace: sub.Namespace, Name: sub.InstallPlanRef}
		}
		s.create(t, &operatorsv1alpha1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: sub.Namespace, Name: sub.Name},
			Spec: &operatorsv1alpha1.SubscriptionSpec{Package: sub.Package, Channel: sub.Channel,
				CatalogSource: "redhat-operators", CatalogSourceNamespace: "openshift-marketplace",
				InstallPlanApproval: operatorsv1alpha1.Approval(sub.InstallPlanApproval)},
			Status: operatorsv1alpha1.SubscriptionStatus{CurrentCSV: sub.CurrentCSV, InstalledCSV: sub.InstalledCSV,
				State: operatorsv1alpha1.SubscriptionState(sub.State), InstallPlanRef: ref, LastUpdated: metav1.Now()},
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
		s.create(t, csv)
	}
	for _, ip := range f.InstallPlans {
		s.create(t, &operatorsv1alpha1.InstallPlan{
			ObjectMeta: metav1.ObjectMeta{Namespace: ip.Namespace, Name: ip.Name},
			Spec: operatorsv1alpha1.InstallPlanSpec{ClusterServiceVersionNames: append([]string{}, ip.CSVNames...),
				Approval: operatorsv1alpha1.Approval(ip.Approval), Approved: ip.Approved},
			Status: operatorsv1alpha1.InstallPlanStatus{Phase: operatorsv1alpha1.InstallPlanPhase(ip.Phase), CatalogSources: []string{}},
		})
	}
	for i := range f.Nodes {
		n := stripMeta(f.Nodes[i].DeepCopy())
		if equalJSON(n.Status, corev1.NodeStatus{}) {
			n.Status = corev1.NodeStatus{}
		}
		s.create(t, n)
	}
	for i := range f.PodDisruptionBudgets {
		s.create(t, stripMeta(f.PodDisruptionBudgets[i].DeepCopy()))
	}
	for _, nm := range f.NodeMaintenances {
		gvk := nodeMaintenanceGVKs()[0]
		if nm.Group == update.NodeMaintenanceMedik8s {
			gvk = nodeMaintenanceGVKs()[1]
		}
		u := &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": nm.Name},
			"spec":     map[string]any{"nodeName": nm.NodeName, "reason": nm.Reason},
		}}
		if nm.Phase != "" {
			u.Object["status"] = map[string]any{"phase": nm.Phase}
		}
		u.SetGroupVersionKind(gvk)
		s.create(t, u)
	}
	for i := range f.VMIs {
		s.create(t, stripMeta(f.VMIs[i].DeepCopy()))
	}
	for i := range f.VirtualMachines {
		vm := stripMeta(f.VirtualMachines[i].DeepCopy())
		if vm.Spec.Template == nil { // the CRD requires spec.template
			vm.Spec.Template = &kubevirtv1.VirtualMachineInstanceTemplateSpec{}
		}
		s.create(t, vm)
	}
	for i := range f.Migrations {
		s.create(t, stripMeta(f.Migrations[i].DeepCopy()))
	}
}

// stripMeta clears what the API server sets.
func stripMeta[T metav1.Object](o T) T {
	o.SetResourceVersion("")
	o.SetUID("")
	return o
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// fixtureTime stands for a time the fixture leaves out where the CRD
// requires one.
var fixtureTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func releaseImage(version string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + version + "-x86_64"
}

// clusterVersionObject is the CVO's object for the port's view, with what
// the CRD requires of status filled in (kube/fixture_test.go's).
func clusterVersionObject(cv *update.ClusterVersion) *configv1.ClusterVersion {
	out := &configv1.ClusterVersion{
		ObjectMeta: metav1.ObjectMeta{Name: kube.ClusterVersionName},
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
		e := configv1.UpdateHistory{State: configv1.UpdateState(h.State), Version: h.Version, Image: releaseImage(h.Version), StartedTime: metav1.NewTime(started)}
		if !h.CompletionTime.IsZero() {
			ct := metav1.NewTime(h.CompletionTime)
			e.CompletionTime = &ct
		}
		out.Status.History = append(out.Status.History, e)
	}
	desired := cmp.Or(cv.Target, cv.CurrentVersion(), "0.0.0")
	out.Status.Desired = configv1.Release{Version: desired, Image: releaseImage(desired)}
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

// syncedKinds are the lists the Cluster reads through the cache; with
// unstructured the kinds it reads as unstructured objects too.
func syncedKinds(unstructuredToo bool) []client.ObjectList {
	mc := &metav1.PartialObjectMetadataList{}
	mc.SetGroupVersionKind(machineConfigListGVK)
	out := []client.ObjectList{
		&corev1.NodeList{}, &corev1.PodList{}, &corev1.ConfigMapList{}, &policyv1.PodDisruptionBudgetList{},
		&kubevirtv1.KubeVirtList{}, &kubevirtv1.VirtualMachineInstanceList{}, &kubevirtv1.VirtualMachineList{},
		&kubevirtv1.VirtualMachineInstanceMigrationList{}, &operatorsv1alpha1.SubscriptionList{},
		&operatorsv1alpha1.ClusterServiceVersionList{}, &operatorsv1alpha1.InstallPlanList{},
		&configv1.ClusterVersionList{}, &mcfgv1.MachineConfigPoolList{}, &configv1.ClusterOperatorList{}, mc,
	}
	if unstructuredToo {
		gvks := append(nodeMaintenanceGVKs(), hcGVK(kube.HyperConvergedV1Beta1), hcGVK(kube.HyperConvergedV1), crdGVK)
		for _, gvk := range gvks {
			l := &unstructured.UnstructuredList{}
			l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			out = append(out, l)
		}
	}
	return out
}

// waitCacheHolds waits until the cache lists, for every kind the Cluster
// reads through it, exactly what the API server lists: then the Cluster
// holds the fixture (updatetest.NewCluster's contract), however the
// informers' first lists were served and however late their watches
// deliver the seeding. The kinds are awaited in parallel: each informer's
// first sync is polled every 100ms (client-go tools/cache
// WaitForCacheSync). It polls a real API server, as the kube adapter's
// tests wait for RBAC.
func waitCacheHolds(t *testing.T, cache client.Reader, live client.Reader, unstructuredToo bool) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	kinds := syncedKinds(unstructuredToo)
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, proto := range kinds {
		wg.Go(func() {
			for {
				fromCache, fromServer := proto.DeepCopyObject().(client.ObjectList), proto.DeepCopyObject().(client.ObjectList)
				errC, errS := cache.List(ctx, fromCache), live.List(ctx, fromServer)
				if errS != nil {
					errs[i] = fmt.Errorf("list %T from the API server: %w", proto, errS)
					return
				}
				vc, vs := versions(fromCache), versions(fromServer)
				if errC == nil && maps.Equal(vc, vs) {
					return
				}
				if time.Now().After(deadline) {
					errs[i] = fmt.Errorf("the cache does not hold the fixture's %T after 30s (cache err %v): cache %v, server %v", proto, errC, vc, vs)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// versions maps namespace/name to resourceVersion for the list's items.
func versions(l client.ObjectList) map[string]string {
	items, _ := meta.ExtractList(l)
	out := map[string]string{}
	for _, it := range items {
		if a, err := meta.Accessor(it); err == nil {
			out[a.GetNamespace()+"/"+a.GetName()] = a.GetResourceVersion()
		}
	}
	return out
}

// fixtures seeds the API server with each case's fixture and returns a
// Cluster over the client of one manager, which all cases share (its
// informers keep watching across them), once its cache holds the fixture.
type fixtures struct {
	mo   managerOptions
	opts func(manager.Manager) Options
	mgr  manager.Manager
}

func (x *fixtures) newCluster(t *testing.T, f updatetest.Fixture) *Cluster {
	t.Helper()
	cfg := needServer(t)
	direct := directClient(t, cfg)
	seeder{direct}.seed(t, f)
	waitCacheHolds(t, x.mgr.GetCache(), direct, x.mo.cacheUnstructured)
	o := Options{}
	if x.opts != nil {
		o = x.opts(x.mgr)
	}
	c, err := New(x.mgr.GetClient(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
