package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
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

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// statusEnv seeds a test API server (envtest, with the upstream CRDs of
// the ClusterVersion, ClusterOperators, MachineConfigs and pools, HCO and
// KubeVirt: internal/kubetest) with the objects of a cluster in the middle
// of an update, as they are found on a real one.
type statusEnv struct {
	t    *testing.T
	core kubernetes.Interface
	dyn  dynamic.Interface
	hco  kubetest.HCO
	now  time.Time
}

var (
	clusterOperatorGVR = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusteroperators"}
	machineConfigGVR   = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigs"}
)

func (e statusEnv) ago(d time.Duration) metav1.Time {
	return metav1.NewTime(e.now.Add(-d).Truncate(time.Second))
}

// wipe deletes what a case seeded.
func (e statusEnv) wipe() {
	ctx := context.Background()
	for _, gvr := range []schema.GroupVersionResource{kube.ClusterVersionResource, clusterOperatorGVR, machineConfigGVR, kube.MachineConfigPoolResource} {
		if err := e.dyn.Resource(gvr).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			e.t.Fatalf("wipe %s: %v", gvr.Resource, err)
		}
	}
	for _, x := range []struct {
		gvr schema.GroupVersionResource
		ns  string
	}{{kubetest.HyperConvergedResource(e.hco.StorageVersion), update.DefaultNamespace}, {kube.VMIResource, "prod"}} {
		if err := e.dyn.Resource(x.gvr).Namespace(x.ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			e.t.Fatalf("wipe %s: %v", x.gvr.Resource, err)
		}
	}
	if err := e.core.CoreV1().Nodes().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.core.PolicyV1().PodDisruptionBudgets("db").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e statusEnv) namespace(name string) {
	if _, err := e.core.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		e.t.Fatal(err)
	}
}

// create creates the object of the resource and writes its status through
// the status subresource, as its controller would (withStatus false: the
// VMI's CRD has none, the status goes with the object).
func (e statusEnv) create(gvr schema.GroupVersionResource, kind string, obj any, withStatus bool) {
	e.t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "spec", "signatureStores") // TechPreviewNoUpgrade only
	status := u.Object["status"]
	ri := e.dyn.Resource(gvr).Namespace(u.GetNamespace())
	created, err := ri.Create(context.Background(), u, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatalf("create %s %s: %v", kind, u.GetName(), err)
	}
	if withStatus && status != nil {
		created.Object["status"] = status
		if _, err := ri.UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
			e.t.Fatalf("status of %s %s: %v", kind, u.GetName(), err)
		}
	}
}

func releaseImage(v string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + v + "-x86_64"
}

// clusterVersion seeds the ClusterVersion: spec.desiredUpdate as asked,
// status.desired the target, the history newest first, Progressing and
// Failing=False.
func (e statusEnv) clusterVersion(asked *configv1.Update, target string, progressing bool, history ...configv1.UpdateHistory) {
	cv := &configv1.ClusterVersion{ObjectMeta: metav1.ObjectMeta{Name: kube.ClusterVersionName},
		Spec: configv1.ClusterVersionSpec{ClusterID: "3b5c5a0e-9f5e-4a43-9f61-3c7c1d4b6a11", Channel: "stable-4.16", DesiredUpdate: asked},
		Status: configv1.ClusterVersionStatus{Desired: configv1.Release{Version: target, Image: releaseImage(target)}, History: history,
			ObservedGeneration: 1, VersionHash: "x"}}
	prog := configv1.ConditionFalse
	if progressing {
		prog = configv1.ConditionTrue
	}
	cv.Status.Conditions = []configv1.ClusterOperatorStatusCondition{
		{Type: "Available", Status: configv1.ConditionTrue, LastTransitionTime: e.ago(30 * 24 * time.Hour)},
		{Type: "Failing", Status: configv1.ConditionFalse, LastTransitionTime: e.ago(30 * 24 * time.Hour)},
		{Type: "Progressing", Status: prog, LastTransitionTime: history[0].StartedTime, Message: "Working towards " + target},
	}
	e.create(kube.ClusterVersionResource, "ClusterVersion", cv, true)
}

func (e statusEnv) entry(state configv1.UpdateState, v string, started, took time.Duration) configv1.UpdateHistory {
	h := configv1.UpdateHistory{State: state, Version: v, Image: releaseImage(v), StartedTime: e.ago(started)}
	if state == configv1.CompletedUpdate {
		ct := e.ago(started - took)
		h.CompletionTime = &ct
	}
	return h
}

// clusterOperator seeds a payload ClusterOperator at version v, Progressing
// as given since the time.
func (e statusEnv) clusterOperator(name, v string, progressing configv1.ConditionStatus, since time.Duration, payload bool) {
	co := &configv1.ClusterOperator{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if payload {
		co.Annotations = map[string]string{"include.release.openshift.io/self-managed-high-availability": "true"}
	}
	co.Status.Versions = []configv1.OperandVersion{{Name: "operator", Version: v}}
	co.Status.Conditions = []configv1.ClusterOperatorStatusCondition{
		{Type: "Available", Status: configv1.ConditionTrue, LastTransitionTime: e.ago(30 * 24 * time.Hour)},
		{Type: "Degraded", Status: configv1.ConditionFalse, LastTransitionTime: e.ago(30 * 24 * time.Hour)},
		{Type: "Progressing", Status: progressing, LastTransitionTime: e.ago(since)},
	}
	e.create(clusterOperatorGVR, "ClusterOperator", co, true)
}

func (e statusEnv) machineConfig(name, release string) {
	mc := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{update.MachineConfigReleaseVersionAnnotation: release}}}
	mc.Spec.Config.Raw = []byte(`{"ignition":{"version":"3.4.0"}}`)
	e.create(machineConfigGVR, "MachineConfig", mc, false)
}

// pool seeds a MachineConfigPool with its target config and its own
// status counts; rolling > 0 sets Updating=True since then.
func (e statusEnv) pool(name, target string, paused bool, maxUnavailable int, selector map[string]string, machines, updated int32, rolling time.Duration) {
	mu := intstr.FromInt(maxUnavailable)
	p := &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mcfgv1.MachineConfigPoolSpec{Paused: paused, MaxUnavailable: &mu,
			Configuration: mcfgv1.MachineConfigPoolStatusConfiguration{ObjectReference: corev1.ObjectReference{Name: target}}},
		Status: mcfgv1.MachineConfigPoolStatus{MachineCount: machines, UpdatedMachineCount: updated, ReadyMachineCount: updated}}
	if selector != nil {
		p.Spec.NodeSelector = &metav1.LabelSelector{MatchLabels: selector}
	}
	if rolling > 0 {
		p.Status.Conditions = []mcfgv1.MachineConfigPoolCondition{{Type: "Updating", Status: corev1.ConditionTrue, LastTransitionTime: e.ago(rolling)},
			{Type: "Updated", Status: corev1.ConditionFalse, LastTransitionTime: e.ago(rolling)}}
	}
	e.create(kube.MachineConfigPoolResource, "MachineConfigPool", p, true)
}

// The daemon's annotations of a node in each phase, as the
// machine-config daemon and the drain controller write them.
func mcdAnnotations(phase, current, target string) map[string]string {
	a := map[string]string{update.NodeCurrentConfigAnnotation: current, update.NodeDesiredConfigAnnotation: current, update.NodeStateAnnotation: "Done",
		update.NodeDesiredDrainAnnotation: "uncordon-" + current, update.NodeLastAppliedDrainAnnotation: "uncordon-" + current, update.NodeReasonAnnotation: ""}
	if phase == phaseDraining {
		a[update.NodeDesiredConfigAnnotation], a[update.NodeStateAnnotation], a[update.NodeDesiredDrainAnnotation] = target, "Working", "drain-"+target
	}
	return a
}

// node seeds a Ready node of the role; cordoned > 0 cordons it since then
// (the node.kubernetes.io/unschedulable taint's TimeAdded, as the node
// lifecycle controller stamps it).
func (e statusEnv) node(name, role string, annotations map[string]string, cordoned time.Duration) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations,
		Labels: map[string]string{"node-role.kubernetes.io/" + role: "", "kubernetes.io/hostname": name}}}
	if role != update.MasterPool {
		n.Labels["node-role.kubernetes.io/worker"] = ""
	}
	if cordoned > 0 {
		at := e.ago(cordoned)
		n.Spec.Unschedulable = true
		n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &at}}
	}
	created, err := e.core.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastTransitionTime: e.ago(24 * time.Hour), Reason: "KubeletReady"}}
	if _, err := e.core.CoreV1().Nodes().UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// hyperConverged seeds a healthy HyperConverged (OpenShift Virtualization
// installed).
func (e statusEnv) hyperConverged(version string) {
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}
	hc, err := kubetest.HyperConvergedObject(&update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: &methods}}}, e.hco.StorageVersion)
	if err != nil {
		e.t.Fatal(err)
	}
	unstructured.RemoveNestedField(hc.Object, "status")
	gvr := kubetest.HyperConvergedResource(e.hco.StorageVersion)
	created, err := e.dyn.Resource(gvr).Namespace(update.DefaultNamespace).Create(context.Background(), hc, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	var conds []any
	for _, typ := range []string{"ReconcileComplete", "Available", "Progressing", "Degraded", "Upgradeable"} {
		status := "True"
		if typ == "Progressing" || typ == "Degraded" {
			status = "False"
		}
		conds = append(conds, map[string]any{"type": typ, "status": status, "reason": "ReconcileCompleted", "message": "Reconcile completed successfully",
			"lastTransitionTime": e.ago(time.Hour).UTC().Format(time.RFC3339), "observedGeneration": created.GetGeneration()})
	}
	created.Object["status"] = map[string]any{"conditions": conds, "versions": []any{map[string]any{"name": "operator", "version": version}}, "observedGeneration": created.GetGeneration()}
	if _, err := e.dyn.Resource(gvr).Namespace(update.DefaultNamespace).UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// vmi seeds a running VMI on the node.
func (e statusEnv) vmi(name, node string, migratable bool, strategy kubevirtv1.EvictionStrategy) {
	v := &kubevirtv1.VirtualMachineInstance{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: name},
		Spec: kubevirtv1.VirtualMachineInstanceSpec{EvictionStrategy: &strategy}}
	v.Status.Phase, v.Status.NodeName = kubevirtv1.Running, node
	status, reason := corev1.ConditionTrue, ""
	if !migratable {
		status, reason = corev1.ConditionFalse, "HostDeviceNotLiveMigratable"
	}
	v.Status.Conditions = []kubevirtv1.VirtualMachineInstanceCondition{{Type: kubevirtv1.VirtualMachineInstanceIsMigratable, Status: status, Reason: reason}}
	e.create(kube.VMIResource, "VirtualMachineInstance", v, false)
}

// pdbAtLimit seeds a PodDisruptionBudget that allows no disruption.
func (e statusEnv) pdbAtLimit(name string) {
	three := intstr.FromInt(3)
	p := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &three, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}}}
	created, err := e.core.PolicyV1().PodDisruptionBudgets("db").Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	created.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: created.Generation, DisruptionsAllowed: 0, CurrentHealthy: 3, DesiredHealthy: 3, ExpectedPods: 3}
	if _, err := e.core.PolicyV1().PodDisruptionBudgets("db").UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// statusJSON runs `virtupdate status -o json` and the text view.
func statusJSON(t *testing.T) (*statusReport, string, error) {
	t.Helper()
	out, _, err := run(t, "", "status", "-o", "json")
	var r statusReport
	if jerr := json.Unmarshal([]byte(out), &r); jerr != nil {
		t.Fatalf("status -o json: %v (%v)\n%s", jerr, err, out)
	}
	text, _, terr := run(t, "", "status", "--all-nodes")
	if exitCode(terr) != exitCode(err) {
		t.Errorf("text exit %d, json exit %d", exitCode(terr), exitCode(err))
	}
	return &r, text, err
}

func poolNamed(r *statusReport, name string) poolStatus {
	for _, p := range r.Pools {
		if p.Name == name {
			return p
		}
	}
	return poolStatus{}
}

func checks(r *statusReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Check+" "+string(f.Severity))
	}
	return out
}

// TestStatusOnAPIServer reads clusters in the middle of a platform update
// from a real kube-apiserver through the kube adapter. Without
// KUBEBUILDER_ASSETS it skips, saying how to get the binaries; with
// CI=true it fails instead.
func TestStatusOnAPIServer(t *testing.T) {
	if _, missing := kubetest.Assets(); missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + missing)
		}
		t.Skip(missing)
	}
	s, err := kubetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	cfg := s.Config
	old := connect
	connect = func(f *clusterFlags) (update.Cluster, error) {
		return kube.New(rest.CopyConfig(cfg), kube.Options{Namespace: f.namespace})
	}
	t.Cleanup(func() { connect = old })
	e := statusEnv{t: t, core: kubernetes.NewForConfigOrDie(cfg), dyn: dynamic.NewForConfigOrDie(cfg), hco: s.HCO(), now: time.Now()}
	for _, ns := range []string{update.DefaultNamespace, "prod", "db"} {
		e.namespace(ns)
	}

	// The control plane half way through an update asked by image (oc adm
	// upgrade --to-image: spec.desiredUpdate has no version, status.desired
	// has it), on a cluster without OpenShift Virtualization. The pools'
	// own counts say every machine is updated: they run the pool's current
	// rendered config, still the old release's. As oc reads such a cluster:
	// pkg/cli/admin/upgrade/status/examples/4.14.1-paused-worker-pool.output
	// and 4.15.0-ec2-early.output (every node Outdated/Pending on the old
	// version, the completion the share of operators updated).
	t.Run("ControlPlaneHalfDoneAskedByImage", func(t *testing.T) {
		e.t = t
		e.wipe()
		e.clusterVersion(&configv1.Update{Image: releaseImage("4.16.3")}, "4.16.3", true,
			e.entry(configv1.PartialUpdate, "4.16.3", 40*time.Minute, 0), e.entry(configv1.CompletedUpdate, "4.15.30", 60*24*time.Hour, time.Hour))
		for i, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "openshift-apiserver"} {
			e.clusterOperator(name, "4.16.3", configv1.ConditionFalse, time.Duration(35-5*i)*time.Minute, true)
		}
		e.clusterOperator("authentication", "4.15.30", configv1.ConditionTrue, 10*time.Minute, true)
		for _, name := range []string{"dns", "network", "ingress", "machine-config"} {
			e.clusterOperator(name, "4.15.30", configv1.ConditionFalse, 24*time.Hour, true)
		}
		e.clusterOperator("addon-not-in-the-payload", "1.0", configv1.ConditionFalse, time.Hour, false)
		e.machineConfig("rendered-master-1a2b", "4.15.30")
		e.machineConfig("rendered-worker-3c4d", "4.15.30")
		e.pool("master", "rendered-master-1a2b", false, 1, nil, 3, 3, 0)
		e.pool("worker", "rendered-worker-3c4d", false, 1, nil, 4, 4, 0)
		for i := range 3 {
			e.node(fmt.Sprintf("master-%d", i), "master", mcdAnnotations(phasePending, "rendered-master-1a2b", ""), 0)
		}
		for i := range 4 {
			e.node(fmt.Sprintf("worker-%d", i), "worker", mcdAnnotations(phasePending, "rendered-worker-3c4d", ""), 0)
		}

		r, text, err := statusJSON(t)
		if err != nil {
			t.Fatalf("status: exit %d: %v\n%s", exitCode(err), err, text)
		}
		if r.Platform.Target != "4.16.3" || r.Platform.Desired != "" || !r.Platform.Updating || r.Platform.Version != "4.15.30" {
			t.Errorf("platform = %+v: want updating to 4.16.3, asked by image", r.Platform)
		}
		cp := r.ControlPlane
		if cp.Assessment != assessProgressing || !cp.CompletionKnown || cp.Completion != 50 || cp.Operators.Total != 10 || cp.Operators.Updated != 5 ||
			!slices.Equal(cp.Operators.Updating, []string{"authentication"}) || cp.Operators.Waiting != 4 || cp.EstimatedRemainingSeconds == nil || *cp.EstimatedRemainingSeconds <= 0 {
			t.Errorf("control plane = %+v, operators %+v: want Progressing, 5 of the payload's 10 at 4.16.3", cp, cp.Operators)
		}
		for _, name := range []string{"master", "worker"} {
			p := poolNamed(r, name)
			if p.Basis != basisNodes || p.Assessment != assessPending || p.Completion != 0 || p.Updated != 0 || p.Reported.Updated != p.Reported.Machines {
				t.Errorf("pool %s = %s %.0f%% (%d/%d; its own status says %d/%d updated): want Pending at 0%%", name, p.Assessment, p.Completion, p.Updated, p.Total, p.Reported.Updated, p.Reported.Machines)
			}
		}
		if r.Virtualization.Installed || !strings.Contains(r.Virtualization.Reason, "not installed") || r.Workloads != nil {
			t.Errorf("virtualization = %+v", r.Virtualization)
		}
		if len(r.Findings) != 0 {
			t.Errorf("findings %v, want none", checks(r))
		}
		for _, want := range []string{"updating to 4.16.3", "Target Version:   4.16.3 (from 4.15.30)", "Completion:       50% (5 operators updated, 1 updating, 4 waiting)",
			"worker  Pending     0% (0/4)", "OpenShift Virtualization is not installed"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
	})

	// The control plane done (the ClusterVersion Completed and no longer
	// Progressing), workers at 22 of 59, one drain held by a
	// PodDisruptionBudget for two hours, another by a VMI that cannot
	// migrate, and a paused infra pool. oc reads the same worker pool in
	// pkg/cli/admin/upgrade/status/examples/
	// 4.16.0-ec2-control-plane-updated-pdb-prohibits-draining.detailed-output
	// ("37% (22/59)", the control plane Completed) and the paused one in
	// 4.14.1-paused-worker-pool.output (Excluded, a Warning).
	t.Run("Workers22Of59", func(t *testing.T) {
		e.t = t
		e.wipe()
		e.clusterVersion(&configv1.Update{Version: "4.16.3"}, "4.16.3", false,
			e.entry(configv1.CompletedUpdate, "4.16.3", 5*time.Hour, 2*time.Hour), e.entry(configv1.CompletedUpdate, "4.15.30", 60*24*time.Hour, time.Hour))
		for _, name := range []string{"etcd", "kube-apiserver", "machine-config"} {
			e.clusterOperator(name, "4.16.3", configv1.ConditionFalse, 3*time.Hour, true)
		}
		for _, pool := range []string{"master", "worker", "infra"} {
			e.machineConfig("rendered-"+pool+"-old", "4.15.30")
			e.machineConfig("rendered-"+pool+"-new", "4.16.3")
		}
		e.pool("master", "rendered-master-new", false, 1, nil, 3, 3, 0)
		e.pool("worker", "rendered-worker-new", false, 2, nil, 59, 22, 3*time.Hour)
		e.pool("infra", "rendered-infra-new", true, 1, map[string]string{"node-role.kubernetes.io/infra": ""}, 2, 0, 0)
		for i := range 3 {
			e.node(fmt.Sprintf("master-%d", i), "master", mcdAnnotations(phaseCompleted, "rendered-master-new", ""), 0)
		}
		for i := range 59 {
			name := fmt.Sprintf("worker-%02d", i)
			switch {
			case i < 22:
				e.node(name, "worker", mcdAnnotations(phaseCompleted, "rendered-worker-new", ""), 0)
			case i == 22:
				e.node(name, "worker", mcdAnnotations(phaseDraining, "rendered-worker-old", "rendered-worker-new"), 2*time.Hour)
			case i == 23:
				e.node(name, "worker", mcdAnnotations(phaseDraining, "rendered-worker-old", "rendered-worker-new"), 3*time.Minute)
			default:
				e.node(name, "worker", mcdAnnotations(phasePending, "rendered-worker-old", ""), 0)
			}
		}
		for i := range 2 {
			e.node(fmt.Sprintf("infra-%d", i), "infra", mcdAnnotations(phasePending, "rendered-infra-old", ""), 0)
		}
		e.pdbAtLimit("quorum")
		e.hyperConverged("4.16.1")
		e.vmi("gpu", "worker-23", false, kubevirtv1.EvictionStrategyLiveMigrate)
		e.vmi("db-0", "worker-40", true, kubevirtv1.EvictionStrategyLiveMigrate)

		r, text, err := statusJSON(t)
		if exitCode(err) != exitBlocked {
			t.Fatalf("status: exit %d (%v), want %d: there are Error findings\n%s", exitCode(err), err, exitBlocked, text)
		}
		if !r.Platform.Updating || !r.Updating || r.ControlPlane.Assessment != assessCompleted || r.Platform.Version != "4.16.3" {
			t.Errorf("platform %+v, control plane %s: want updating (the workers), control plane Completed", r.Platform, r.ControlPlane.Assessment)
		}
		w := poolNamed(r, "worker")
		if w.Assessment != assessProgressing || w.Total != 59 || w.Updated != 22 || w.Draining != 2 || w.Progressing != 2 || int(w.Completion) != 37 {
			t.Errorf("worker pool = %s %.1f%% (%d/%d), %d draining: want Progressing 37%% (22/59), 2 draining", w.Assessment, w.Completion, w.Updated, w.Total, w.Draining)
		}
		if infra := poolNamed(r, "infra"); infra.Assessment != assessExcluded || infra.Excluded != 2 || infra.Total != 2 {
			t.Errorf("infra pool = %+v, want Excluded with its 2 nodes", infra)
		}
		if m := poolNamed(r, "master"); m.Assessment != assessCompleted || !m.ControlPlane || m.Total != 3 {
			t.Errorf("master pool = %+v", m)
		}
		got := checks(r)
		for _, want := range []string{checkDrainPDB + " Error", checkDrainVMI + " Error", checkPoolPaused + " Warning"} {
			if !slices.Contains(got, want) {
				t.Errorf("findings %v lack %s", got, want)
			}
		}
		if slices.Contains(got, checkDrainPDB+" Warning") || slices.Contains(got, checkDrainPDB+" Info") {
			t.Errorf("findings %v: the drain of worker-23, 3 minutes old, is not yet held by the budget", got)
		}
		var wETA *poolETA
		for i := range r.ETA.Pools {
			if r.ETA.Pools[i].Pool == "worker" {
				wETA = &r.ETA.Pools[i]
			}
		}
		if wETA == nil || wETA.Known || wETA.NodesLeft != 37 || !strings.Contains(wETA.Basis, "VMI prod/gpu") {
			t.Errorf("worker ETA = %+v: want none, the gpu VMI holds a drain forever", wETA)
		}
		for _, want := range []string{"its worker pools still rolling 4.16.3 out", "worker  Progressing  37% (22/59)  57 Available, 2 Progressing, 2 Draining",
			"infra   Excluded     0% (0/2)", "worker-22  Progressing  Draining   4.15.30  +10m  0     draining for 2h",
			"Error DrainBlockedByPodDisruptionBudget: pool worker: node worker-22 is draining for 2h while 1 PodDisruptionBudget allows no disruption",
			"Error DrainBlockedByVMI: pool worker: node worker-23", "HyperConverged:  Succeeded (version 4.16.1)"} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
	})
}
