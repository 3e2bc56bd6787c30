package kubetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// The resources Seed writes and Wipe deletes.
var (
	KubeVirtResource          = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "kubevirts"}
	VMIResource               = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstances"}
	VMResource                = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}
	MigrationResource         = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstancemigrations"}
	SubscriptionResource      = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "subscriptions"}
	CSVResource               = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}
	InstallPlanResource       = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "installplans"}
	ClusterVersionResource    = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	ClusterOperatorResource   = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
	MachineConfigPoolResource = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}
	MachineConfigResource     = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigs"}
	// NodeMaintenanceResources are KubeVirt's and medik8s's
	// NodeMaintenance, in that order.
	NodeMaintenanceResources = []schema.GroupVersionResource{
		{Group: update.NodeMaintenanceKubeVirt, Version: "v1beta1", Resource: "nodemaintenances"},
		{Group: update.NodeMaintenanceMedik8s, Version: "v1beta1", Resource: "nodemaintenances"},
	}
	nodeResource = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	pdbResource  = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}
)

// ClusterVersionName is the name of the one ClusterVersion.
const ClusterVersionName = "version"

// CheckpointLabel marks the checkpoint ConfigMaps the adapters write; Wipe
// deletes them.
const CheckpointLabel = "virtupdate.io/checkpoint"

// FixtureTime stands for a time the fixture leaves out where a CRD
// requires one.
var FixtureTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// ReleaseImage is a release image pull spec for the version.
func ReleaseImage(version string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + version + "-x86_64"
}

// noStatusSubresource are the resources whose CRD has no status
// subresource: KubeVirt's VMI CRD (crds.go NewVirtualMachineInstanceCrd
// declares none), so its status is written with the object.
var noStatusSubresource = map[schema.GroupVersionResource]bool{VMIResource: true}

// Seed wipes the server (see [Wipe]) and creates the fixture's objects as
// their owners would: each with its owner's API type, its status written
// through the status subresource as the owning controller writes it. The
// HyperConverged is written through hcoVersion, the version its CRD
// stores (Server.HCO().StorageVersion), in update.DefaultNamespace under
// update.HyperConvergedName; CSVs go to update.DefaultNamespace.
// Namespaces are created as needed. Where a CRD requires what the port's
// view leaves out, Seed fills it in: see [ClusterVersionObject]. The
// admin-ack ConfigMaps are written from f.AdminGates by
// [Seeder.SeedAdminGates].
func Seed(ctx context.Context, cfg *rest.Config, f updatetest.Fixture, hcoVersion string) error {
	s, err := NewSeeder(cfg)
	if err != nil {
		return err
	}
	return s.Seed(ctx, f, hcoVersion)
}

// Seed is [Seed] with the Seeder's clients.
func (s *Seeder) Seed(ctx context.Context, f updatetest.Fixture, hcoVersion string) error {
	if err := s.Wipe(ctx); err != nil {
		return err
	}
	if err := s.ensureNamespace(ctx, update.DefaultNamespace); err != nil {
		return err
	}
	if f.HyperConverged != nil {
		hc := *f.HyperConverged
		hc.Namespace, hc.Name = update.DefaultNamespace, update.HyperConvergedName
		obj, err := HyperConvergedObject(&hc, hcoVersion)
		if err != nil {
			return err
		}
		if _, err := s.Create(ctx, HyperConvergedResource(hcoVersion), "HyperConverged", obj.Object); err != nil {
			return err
		}
	}
	var objs []object
	if f.KubeVirt != nil {
		objs = append(objs, object{KubeVirtResource, "KubeVirt", stripMeta(f.KubeVirt.DeepCopy())})
	}
	if cv := f.ClusterVersion; cv != nil {
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ClusterVersionObject(cv))
		if err != nil {
			return err
		}
		// The Go type has spec.signatureStores (TechPreviewNoUpgrade), which
		// the Default feature set's CRD lacks: the API server would warn.
		unstructured.RemoveNestedField(obj, "spec", "signatureStores")
		objs = append(objs, object{ClusterVersionResource, "ClusterVersion", obj})
	}
	for _, p := range f.Pools {
		objs = append(objs, object{MachineConfigPoolResource, "MachineConfigPool", machineConfigPoolObject(p)})
	}
	for _, sub := range f.Subscriptions {
		objs = append(objs, object{SubscriptionResource, "Subscription", subscriptionObject(sub)})
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
				return fmt.Errorf("seed CSV %s: version %q: %w", x.Name, x.Version, err)
			}
			csv.Spec.Version = version.OperatorVersion{Version: v}
		}
		objs = append(objs, object{CSVResource, "ClusterServiceVersion", csv})
	}
	for _, ip := range f.InstallPlans {
		objs = append(objs, object{InstallPlanResource, "InstallPlan", &operatorsv1alpha1.InstallPlan{
			ObjectMeta: metav1.ObjectMeta{Namespace: ip.Namespace, Name: ip.Name},
			Spec: operatorsv1alpha1.InstallPlanSpec{ClusterServiceVersionNames: append([]string{}, ip.CSVNames...), // required, [] at least
				Approval: operatorsv1alpha1.Approval(ip.Approval), Approved: ip.Approved},
			Status: operatorsv1alpha1.InstallPlanStatus{Phase: operatorsv1alpha1.InstallPlanPhase(ip.Phase), CatalogSources: []string{}},
		}})
	}
	for i := range f.Nodes {
		n := stripMeta(f.Nodes[i].DeepCopy())
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(n)
		if err != nil {
			return err
		}
		if sameJSON(n.Status, corev1.NodeStatus{}) {
			delete(obj, "status") // a node without status, as registered
		}
		objs = append(objs, object{nodeResource, "Node", obj})
	}
	for i := range f.PodDisruptionBudgets {
		objs = append(objs, object{pdbResource, "PodDisruptionBudget", stripMeta(f.PodDisruptionBudgets[i].DeepCopy())})
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
		objs = append(objs, object{gvr, "NodeMaintenance", obj})
	}
	for i := range f.VMIs {
		objs = append(objs, object{VMIResource, "VirtualMachineInstance", stripMeta(f.VMIs[i].DeepCopy())})
	}
	for i := range f.VirtualMachines {
		vm := stripMeta(f.VirtualMachines[i].DeepCopy())
		if vm.Spec.Template == nil { // the CRD requires spec.template
			vm.Spec.Template = &kubevirtv1.VirtualMachineInstanceTemplateSpec{}
		}
		objs = append(objs, object{VMResource, "VirtualMachine", vm})
	}
	for i := range f.Migrations {
		objs = append(objs, object{MigrationResource, "VirtualMachineInstanceMigration", stripMeta(f.Migrations[i].DeepCopy())})
	}
	for _, o := range objs {
		if _, err := s.Create(ctx, o.gvr, o.kind, o.obj); err != nil {
			return err
		}
	}
	return s.SeedAdminGates(ctx, f.AdminGates)
}

// object is one object Seed creates.
type object struct {
	gvr  schema.GroupVersionResource
	kind string
	obj  any
}

func clients(cfg *rest.Config) (kubernetes.Interface, dynamic.Interface, error) {
	if cfg == nil {
		return nil, nil, errors.New("kubetest: the rest.Config is nil")
	}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	return core, dyn, nil
}

// Seeder creates objects as their owners would, with a dynamic client
// (and a typed one for namespaces and ConfigMaps).
type Seeder struct {
	core kubernetes.Interface
	dyn  dynamic.Interface
}

// NewSeeder returns a Seeder of the server of cfg.
func NewSeeder(cfg *rest.Config) (*Seeder, error) {
	core, dyn, err := clients(cfg)
	if err != nil {
		return nil, err
	}
	return NewSeederForClients(core, dyn), nil
}

// NewSeederForClients returns a Seeder using the clients.
func NewSeederForClients(core kubernetes.Interface, dyn dynamic.Interface) *Seeder {
	return &Seeder{core: core, dyn: dyn}
}

// Create creates obj, a typed object or its unstructured map, as a kind of
// gvr (the apiVersion and kind are set from them) in its namespace, made
// first when needed, and, when it has a status, writes that through the
// status subresource as the owning controller would (with the object, for
// a resource without one). It returns the object as stored.
func (s *Seeder) Create(ctx context.Context, gvr schema.GroupVersionResource, kind string, obj any) (*unstructured.Unstructured, error) {
	m, ok := obj.(map[string]any)
	if !ok {
		var err error
		if m, err = runtime.DefaultUnstructuredConverter.ToUnstructured(obj); err != nil {
			return nil, fmt.Errorf("convert %T: %w", obj, err)
		}
	}
	u := (&unstructured.Unstructured{Object: m}).DeepCopy()
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	status, hasStatus := u.Object["status"]
	if noStatusSubresource[gvr] {
		hasStatus = false
	}
	if ns := u.GetNamespace(); ns != "" {
		if err := s.ensureNamespace(ctx, ns); err != nil {
			return nil, err
		}
	}
	ri := s.dyn.Resource(gvr).Namespace(u.GetNamespace())
	created, err := ri.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create %s %s: %w", kind, objectName(u.GetNamespace(), u.GetName()), err)
	}
	if hasStatus && status != nil {
		created.Object["status"] = status
		if created, err = ri.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return nil, fmt.Errorf("write status of %s %s: %w", kind, objectName(u.GetNamespace(), u.GetName()), err)
		}
	}
	return created, nil
}

// ensureNamespace creates the namespace unless it exists. Namespaces are
// never deleted: envtest runs no namespace controller to finish it.
func (s *Seeder) ensureNamespace(ctx context.Context, name string) error {
	_, err := s.core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// wipedNamespaced and wipedCluster are every resource Seed creates (and
// ClusterOperators and MachineConfigs, which tests create).
var (
	wipedNamespaced = []schema.GroupVersionResource{
		HyperConvergedResource("v1beta1"), KubeVirtResource, VMIResource, VMResource, MigrationResource,
		SubscriptionResource, CSVResource, InstallPlanResource, pdbResource,
	}
	wipedCluster = append([]schema.GroupVersionResource{
		ClusterVersionResource, MachineConfigPoolResource, ClusterOperatorResource, MachineConfigResource, nodeResource,
	}, NodeMaintenanceResources...)
)

// Wipe deletes every object Seed creates, every ClusterOperator and
// MachineConfig, the virt-launcher pods (labelled kubevirt.io/created-by),
// the checkpoint ConfigMaps (labelled CheckpointLabel) and the admin-ack
// ConfigMaps, so a test starts from its fixture alone. Namespaces stay.
func Wipe(ctx context.Context, cfg *rest.Config) error {
	s, err := NewSeeder(cfg)
	if err != nil {
		return err
	}
	return s.Wipe(ctx)
}

// Wipe is [Wipe] with the Seeder's clients.
func (s *Seeder) Wipe(ctx context.Context) error {
	core, dyn := s.core, s.dyn
	zero := int64(0)
	del := metav1.DeleteOptions{GracePeriodSeconds: &zero}
	for _, gvr := range wipedNamespaced {
		l, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("wipe: list %s: %w", gvr.Resource, err)
		}
		namespaces := map[string]bool{}
		for _, u := range l.Items {
			namespaces[u.GetNamespace()] = true
		}
		for ns := range namespaces {
			if err := dyn.Resource(gvr).Namespace(ns).DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
				return fmt.Errorf("wipe: delete %s in %s: %w", gvr.Resource, ns, err)
			}
		}
	}
	for _, gvr := range wipedCluster {
		if err := dyn.Resource(gvr).DeleteCollection(ctx, del, metav1.ListOptions{}); err != nil {
			return fmt.Errorf("wipe: delete %s: %w", gvr.Resource, err)
		}
	}
	nss, err := core.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("wipe: list namespaces: %w", err)
	}
	for _, ns := range nss.Items {
		if err := core.CoreV1().Pods(ns.Name).DeleteCollection(ctx, del, metav1.ListOptions{LabelSelector: kubevirtv1.CreatedByLabel}); err != nil {
			return fmt.Errorf("wipe: delete pods in %s: %w", ns.Name, err)
		}
		if err := core.CoreV1().ConfigMaps(ns.Name).DeleteCollection(ctx, del, metav1.ListOptions{LabelSelector: CheckpointLabel}); err != nil {
			return fmt.Errorf("wipe: delete checkpoints in %s: %w", ns.Name, err)
		}
	}
	for _, cm := range [][2]string{{update.AdminGatesNamespace, update.AdminGatesName}, {update.AdminAcksNamespace, update.AdminAcksName}} {
		if err := core.CoreV1().ConfigMaps(cm[0]).Delete(ctx, cm[1], del); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("wipe: delete ConfigMap %s/%s: %w", cm[0], cm[1], err)
		}
	}
	return nil
}

// SeedAdminGates creates the ConfigMaps the CVO reads the admin gates
// from: openshift-config-managed/admin-gates with g.Gates unless
// g.GatesMissing, and openshift-config/admin-acks with g.Acks unless
// g.AcksMissing (cluster-version-operator pkg/risk/adminack/adminack.go
// reads the two). A nil g creates neither. Wipe deletes them.
func (s *Seeder) SeedAdminGates(ctx context.Context, g *update.AdminGates) error {
	if g == nil {
		return nil
	}
	for _, cm := range []struct {
		namespace, name string
		data            map[string]string
		missing         bool
	}{
		{update.AdminGatesNamespace, update.AdminGatesName, g.Gates, g.GatesMissing},
		{update.AdminAcksNamespace, update.AdminAcksName, g.Acks, g.AcksMissing},
	} {
		if cm.missing {
			continue
		}
		if err := s.ensureNamespace(ctx, cm.namespace); err != nil {
			return err
		}
		obj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: cm.namespace, Name: cm.name}, Data: maps.Clone(cm.data)}
		if _, err := s.core.CoreV1().ConfigMaps(cm.namespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create ConfigMap %s/%s: %w", cm.namespace, cm.name, err)
		}
	}
	return nil
}

// stripMeta clears what the API server sets.
func stripMeta[T metav1.Object](o T) T {
	o.SetResourceVersion("")
	o.SetUID("")
	return o
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func objectName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func subscriptionObject(s update.Subscription) *operatorsv1alpha1.Subscription {
	var ref *corev1.ObjectReference
	if s.InstallPlanRef != "" {
		ref = &corev1.ObjectReference{Kind: "InstallPlan", Namespace: s.Namespace, Name: s.InstallPlanRef}
	}
	return &operatorsv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name},
		Spec: &operatorsv1alpha1.SubscriptionSpec{Package: s.Package, Channel: s.Channel,
			CatalogSource: "redhat-operators", CatalogSourceNamespace: "openshift-marketplace",
			InstallPlanApproval: operatorsv1alpha1.Approval(s.InstallPlanApproval)},
		Status: operatorsv1alpha1.SubscriptionStatus{CurrentCSV: s.CurrentCSV, InstalledCSV: s.InstalledCSV,
			State: operatorsv1alpha1.SubscriptionState(s.State), InstallPlanRef: ref, LastUpdated: metav1.Now()},
	}
}

// ClusterVersionObject is the CVO's object for the port's view, with what
// the CRD requires filled in: spec.clusterID; status.desired (version
// Target, else the current version, else 0.0.0, with a ReleaseImage),
// observedGeneration and versionHash; in each history entry an image,
// startedTime (FixtureTime when the view has none) and verified; a
// ReleaseImage for each available and conditional update; and the
// lastTransitionTime of each conditional update's Recommended condition
// (FixtureTime when zero). A conditional update whose Recommended has no
// status (not evaluated yet) gets no condition. The CRD requires of each
// risk a name, message, URL and one matching rule at least, and of each
// Recommended a reason: the fixture must give them.
func ClusterVersionObject(cv *update.ClusterVersion) *configv1.ClusterVersion {
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
			started = FixtureTime
		}
		e := configv1.UpdateHistory{State: configv1.UpdateState(h.State), Version: h.Version, Image: ReleaseImage(h.Version),
			StartedTime: metav1.NewTime(started)}
		if !h.CompletionTime.IsZero() {
			ct := metav1.NewTime(h.CompletionTime)
			e.CompletionTime = &ct
		}
		out.Status.History = append(out.Status.History, e)
	}
	desired := cmp.Or(cv.Target, cv.CurrentVersion(), "0.0.0")
	out.Status.Desired = configv1.Release{Version: desired, Image: ReleaseImage(desired)}
	out.Status.Desired.Channels = append(out.Status.Desired.Channels, cv.DesiredChannels...)
	for _, c := range cv.Conditions {
		out.Status.Conditions = append(out.Status.Conditions, configv1.ClusterOperatorStatusCondition{
			Type: configv1.ClusterStatusConditionType(c.Type), Status: configv1.ConditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	for _, v := range cv.AvailableUpdates {
		out.Status.AvailableUpdates = append(out.Status.AvailableUpdates, configv1.Release{Version: v, Image: ReleaseImage(v)})
	}
	for _, u := range cv.ConditionalUpdates {
		cu := configv1.ConditionalUpdate{Release: configv1.Release{Version: u.Version, Image: ReleaseImage(u.Version)}}
		for _, r := range u.Risks {
			risk := configv1.ConditionalUpdateRisk{Name: r.Name, Message: r.Message, URL: r.URL}
			for _, m := range r.MatchingRules {
				rule := configv1.ClusterCondition{Type: string(m.Type)}
				if m.PromQL != nil {
					rule.PromQL = &configv1.PromQLClusterCondition{PromQL: m.PromQL.PromQL}
				}
				risk.MatchingRules = append(risk.MatchingRules, rule)
			}
			cu.Risks = append(cu.Risks, risk)
		}
		if rec := u.Recommended; rec.Status != "" {
			rec.Type = cmp.Or(rec.Type, "Recommended")
			if rec.LastTransitionTime.IsZero() {
				rec.LastTransitionTime = metav1.NewTime(FixtureTime)
			}
			cu.Conditions = []metav1.Condition{rec}
		}
		out.Status.ConditionalUpdates = append(out.Status.ConditionalUpdates, cu)
	}
	return out
}

// machineConfigPoolObject is the MCO's object for the port's view.
func machineConfigPoolObject(p update.MachineConfigPool) *mcfgv1.MachineConfigPool {
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
