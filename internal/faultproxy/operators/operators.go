// Package operators plays the other controllers of an OpenShift
// Virtualization update on a real API server (envtest with the upstream
// CRDs), so that a test can run a whole plan — through the fault proxy,
// killed and resumed — and see each step's wait end because the cluster
// moved, not because a test wrote the result.
//
// Seed creates the objects of a cluster at a version; Start runs, until
// Stop, one loop that answers the plan's writes as the cluster's own
// controllers do, a step at a time:
//
//   - the CVO: a spec.desiredUpdate for a new version starts an update
//     (a Partial history entry, newest first, status.desired) and the next
//     round completes it (Completed, completionTime), as
//     openshift/api config/v1 types_cluster_version.go describes the
//     history;
//   - the MCO: a pool whose rendered config is older than the completed
//     release rolls it out (updatedMachineCount 0, then all) unless it is
//     paused (machine-config-operator pkg/controller/node/node_controller.go
//     syncMachineConfigPool only syncs the status of a paused pool);
//   - OLM: the catalog offers an OpenShift Virtualization version of the
//     next minor once OpenShift runs that minor (the redhat-operators index
//     is per OpenShift minor); with Manual approval an InstallPlan waits in
//     RequiresApproval, and an approved one installs its CSV (Succeeded, the
//     old one removed), Complete, and the Subscription's installedCSV
//     follows (operator-lifecycle-manager pkg/controller/operators/catalog
//     operator.go);
//   - HCO: status.versions' operator is the installed CSV's version, and
//     the conditions (Upgradeable=True) are rewritten for every new
//     metadata.generation, as HCO's reconciler stamps observedGeneration.
//
// It also records, from watches, every change of the fields a plan
// writes (Changes): the ClusterVersion's channel and desired version, each
// pool's spec.paused, each InstallPlan's spec.approved and the
// HyperConverged's workloadUpdateMethods, so a test can say that nothing
// was done twice.
package operators

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
)

// The resources the operators read and write.
var (
	ClusterVersions = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	Pools           = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}
	Subscriptions   = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "subscriptions"}
	CSVs            = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}
	InstallPlans    = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "installplans"}
)

// Cluster is the cluster Seed creates and the operators play.
type Cluster struct {
	// OCP is the OpenShift version, Channel the ClusterVersion's channel.
	OCP, Channel string
	// CNV is the OpenShift Virtualization version installed; Catalog the
	// versions the catalog offers (each once OpenShift runs its minor).
	CNV     string
	Catalog []string
	// Methods is the HyperConverged's workloadUpdateMethods (nil: absent).
	Methods *[]kubevirtv1.WorkloadUpdateMethod
	// Workers is how many machines the worker pool has (the master pool
	// has three).
	Workers int32
	// HCO is the HyperConverged CRD's storage version: v1beta1 or v1.
	HCO string
}

// Subscription is the name of OpenShift Virtualization's Subscription.
const Subscription = update.DefaultSubscriptionName

const (
	namespace = update.DefaultNamespace
	cvName    = "version"
)

func releaseImage(v string) string {
	return "quay.io/openshift-release-dev/ocp-release:" + v + "-x86_64"
}

// Seed creates the cluster's objects (they must not exist): the
// ClusterVersion, the master and worker pools, the Subscription with
// Manual approval and its CSV Succeeded, and a healthy HyperConverged; and,
// unless they exist, the CVO's admin-gates and admin-acks ConfigMaps, with
// no gate.
func Seed(ctx context.Context, cfg *rest.Config, c Cluster) error {
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	// The CVO's admin-ack ConfigMaps, with no gate for the releases seeded
	// (cluster-version-operator pkg/cvo/upgradeable.go reads both).
	for _, cm := range []struct{ ns, name string }{{update.AdminGatesNamespace, update.AdminGatesName}, {update.AdminAcksNamespace, update.AdminAcksName}} {
		if _, err := core.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cm.ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		if _, err := core.CoreV1().ConfigMaps(cm.ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: cm.ns, Name: cm.name}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	create := func(gvr schema.GroupVersionResource, kind, ns, name string, spec, status map[string]any) error {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}}
		created, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("seed %s %s: %w", kind, name, err)
		}
		if status != nil {
			created.Object["status"] = status
			if _, err := dyn.Resource(gvr).Namespace(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("seed the status of %s %s: %w", kind, name, err)
			}
		}
		return nil
	}
	if err := create(ClusterVersions, "ClusterVersion", "", cvName,
		map[string]any{"clusterID": "00000000-0000-4000-8000-000000000000", "channel": c.Channel},
		map[string]any{"history": []any{map[string]any{"state": "Completed", "version": c.OCP, "image": releaseImage(c.OCP), "startedTime": now, "completionTime": now, "verified": false}},
			"desired": map[string]any{"version": c.OCP, "image": releaseImage(c.OCP)}, "observedGeneration": int64(1), "versionHash": "x", "availableUpdates": nil,
			"conditions": []any{
				map[string]any{"type": "Available", "status": "True", "lastTransitionTime": now},
				map[string]any{"type": "Failing", "status": "False", "lastTransitionTime": now},
				map[string]any{"type": "Progressing", "status": "False", "lastTransitionTime": now}}}); err != nil {
		return err
	}
	for _, p := range []struct {
		name     string
		machines int32
	}{{update.MasterPool, 3}, {"worker", c.Workers}} {
		if err := create(Pools, "MachineConfigPool", "", p.name,
			map[string]any{"maxUnavailable": int64(1), "configuration": map[string]any{"name": renderedConfig(p.name, c.OCP)}},
			poolStatus(p.machines, p.machines, renderedConfig(p.name, c.OCP))); err != nil {
			return err
		}
	}
	csv := update.CSVName(c.CNV)
	if err := create(Subscriptions, "Subscription", namespace, Subscription,
		map[string]any{"name": update.HyperConvergedPackage, "channel": "stable", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace", "installPlanApproval": "Manual"},
		map[string]any{"currentCSV": csv, "installedCSV": csv, "state": "AtLatestKnown", "lastUpdated": now}); err != nil {
		return err
	}
	if err := createCSV(ctx, dyn, c.CNV, ""); err != nil {
		return err
	}
	hc, err := kubetest.HyperConvergedObject(&update.HyperConverged{Spec: update.HyperConvergedSpec{
		WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: c.Methods}}}, c.HCO)
	if err != nil {
		return err
	}
	unstructured.RemoveNestedField(hc.Object, "status")
	gvr := kubetest.HyperConvergedResource(c.HCO)
	created, err := dyn.Resource(gvr).Namespace(namespace).Create(ctx, hc, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("seed the HyperConverged: %w", err)
	}
	created.Object["status"] = hcStatus(created.GetGeneration(), c.CNV, now)
	if _, err := dyn.Resource(gvr).Namespace(namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("seed the status of the HyperConverged: %w", err)
	}
	return nil
}

func renderedConfig(pool, release string) string { return "rendered-" + pool + "-" + release }

func poolStatus(machines, updated int32, config string) map[string]any {
	cond := func(typ string, on bool) map[string]any {
		s := "False"
		if on {
			s = "True"
		}
		return map[string]any{"type": typ, "status": s, "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}
	}
	return map[string]any{"machineCount": int64(machines), "updatedMachineCount": int64(updated), "readyMachineCount": int64(updated),
		"unavailableMachineCount": int64(machines - updated), "degradedMachineCount": int64(0), "observedGeneration": int64(1),
		"configuration": map[string]any{"name": config},
		"conditions":    []any{cond("Updated", updated == machines), cond("Updating", updated != machines), cond("Degraded", false)}}
}

func hcStatus(generation int64, version, now string) map[string]any {
	var conds []any
	for _, typ := range []string{"ReconcileComplete", "Available", "Progressing", "Degraded", "Upgradeable"} {
		status := "True"
		if typ == "Progressing" || typ == "Degraded" {
			status = "False"
		}
		conds = append(conds, map[string]any{"type": typ, "status": status, "reason": "ReconcileCompleted",
			"message": "Reconcile completed successfully", "lastTransitionTime": now, "observedGeneration": generation})
	}
	return map[string]any{"conditions": conds, "versions": []any{map[string]any{"name": "operator", "version": version}}, "observedGeneration": generation}
}

func createCSV(ctx context.Context, dyn dynamic.Interface, version, replaces string) error {
	spec := map[string]any{"displayName": "OpenShift Virtualization", "version": version,
		"install": map[string]any{"strategy": "deployment", "spec": map[string]any{"deployments": []any{}}}}
	if replaces != "" {
		spec["replaces"] = update.CSVName(replaces)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": CSVs.GroupVersion().String(), "kind": "ClusterServiceVersion",
		"metadata": map[string]any{"name": update.CSVName(version), "namespace": namespace}, "spec": spec}}
	created, err := dyn.Resource(CSVs).Namespace(namespace).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create CSV %s: %w", update.CSVName(version), err)
	}
	created.Object["status"] = map[string]any{"phase": "Succeeded", "reason": "InstallSucceeded", "message": "install strategy completed with no errors"}
	if _, err := dyn.Resource(CSVs).Namespace(namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("status of CSV %s: %w", update.CSVName(version), err)
	}
	return nil
}

// Options tune the operators.
type Options struct {
	// Interval is how often they look at the cluster; 0 means 20 ms.
	Interval time.Duration
	// Logf, when set, hears what they do.
	Logf func(format string, args ...any)
}

// Operators are the cluster's controllers at play.
type Operators struct {
	dyn    dynamic.Interface
	c      Cluster
	opts   Options
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	changes []Change
	errs    []error
	ips     int // InstallPlans created
}

// Change is one change of a field a plan writes, as a watch saw it.
type Change struct {
	// Object is "machineconfigpools/worker"; Field the field's path.
	Object, Field string
	// From and To are the values, JSON ("absent" when the field is not
	// set).
	From, To string
}

func (c Change) String() string { return c.Object + " " + c.Field + ": " + c.From + " → " + c.To }

// Start starts the operators on the cluster Seed created.
func Start(cfg *rest.Config, c Cluster, opts Options) (*Operators, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if opts.Interval <= 0 {
		opts.Interval = 20 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	o := &Operators{dyn: dyn, c: c, opts: opts, cancel: cancel}
	for _, w := range o.watched() {
		l, err := dyn.Resource(w.gvr).Namespace(w.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("list %s: %w", w.gvr.Resource, err)
		}
		seen := map[string]string{}
		for i := range l.Items {
			seen[l.Items[i].GetName()] = w.field(&l.Items[i])
		}
		o.wg.Go(func() { o.watch(ctx, w, l.GetResourceVersion(), seen) })
	}
	o.wg.Go(func() { o.loop(ctx) })
	return o, nil
}

// Stop stops them and returns the errors they met (other than conflicts,
// which they retry), joined.
func (o *Operators) Stop() error {
	o.cancel()
	o.wg.Wait()
	o.mu.Lock()
	defer o.mu.Unlock()
	return errors.Join(o.errs...)
}

// Changes returns the changes seen so far, in order per object.
func (o *Operators) Changes() []Change {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.changes)
}

func (o *Operators) logf(format string, args ...any) {
	if o.opts.Logf != nil {
		o.opts.Logf(format, args...)
	}
}

func (o *Operators) fail(err error) {
	if err == nil || apierrors.IsConflict(err) || errors.Is(err, context.Canceled) {
		return
	}
	o.logf("operators: %v", err)
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.errs) < 10 {
		o.errs = append(o.errs, err)
	}
}

type watched struct {
	gvr   schema.GroupVersionResource
	ns    string
	name  string // of the field, for Change
	field func(*unstructured.Unstructured) string
}

func jsonOf(u *unstructured.Unstructured, path ...string) string {
	v, ok, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if !ok {
		return "absent"
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func (o *Operators) watched() []watched {
	methods := []string{"spec", "workloadUpdateStrategy", "workloadUpdateMethods"}
	if o.c.HCO == "v1" {
		methods = []string{"spec", "virtualization", "workloadUpdateStrategy", "workloadUpdateMethods"}
	}
	return []watched{
		{ClusterVersions, "", "spec.channel", func(u *unstructured.Unstructured) string { return jsonOf(u, "spec", "channel") }},
		{ClusterVersions, "", "spec.desiredUpdate.version", func(u *unstructured.Unstructured) string { return jsonOf(u, "spec", "desiredUpdate", "version") }},
		{Pools, "", "spec.paused", func(u *unstructured.Unstructured) string { return jsonOf(u, "spec", "paused") }},
		{InstallPlans, namespace, "spec.approved", func(u *unstructured.Unstructured) string { return jsonOf(u, "spec", "approved") }},
		{kubetest.HyperConvergedResource(o.c.HCO), namespace, strings.Join(methods[1:], "."), func(u *unstructured.Unstructured) string { return jsonOf(u, methods...) }},
	}
}

// watch records the changes of one field of one resource.
func (o *Operators) watch(ctx context.Context, w watched, rv string, seen map[string]string) {
	for ctx.Err() == nil {
		wi, err := o.dyn.Resource(w.gvr).Namespace(w.ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			o.fail(fmt.Errorf("watch %s: %w", w.gvr.Resource, err))
			return
		}
		for ev := range wi.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue // an error event: watch again from rv
			}
			rv = u.GetResourceVersion()
			switch ev.Type {
			case watch.Added, watch.Modified:
				name := u.GetName()
				before, known := seen[name]
				now := w.field(u)
				seen[name] = now
				if known && before != now {
					o.mu.Lock()
					o.changes = append(o.changes, Change{Object: w.gvr.Resource + "/" + name, Field: w.name, From: before, To: now})
					o.mu.Unlock()
				}
			case watch.Deleted:
				delete(seen, u.GetName())
			}
		}
		wi.Stop()
	}
}

func (o *Operators) loop(ctx context.Context) {
	t := time.NewTicker(o.opts.Interval)
	defer t.Stop()
	for {
		o.fail(o.cvo(ctx))
		o.fail(o.mco(ctx))
		o.fail(o.olm(ctx))
		o.fail(o.hco(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// completed is the newest Completed version of the ClusterVersion's
// history.
func completed(cv *unstructured.Unstructured) string {
	hist, _, _ := unstructured.NestedSlice(cv.Object, "status", "history")
	for _, h := range hist {
		m, _ := h.(map[string]any)
		if m["state"] == "Completed" {
			s, _ := m["version"].(string)
			return s
		}
	}
	return ""
}

// cvo starts an update asked for in spec.desiredUpdate, and completes one
// under way.
func (o *Operators) cvo(ctx context.Context) error {
	ri := o.dyn.Resource(ClusterVersions)
	cv, err := ri.Get(ctx, cvName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	hist, _, _ := unstructured.NestedSlice(cv.Object, "status", "history")
	desired, _, _ := unstructured.NestedString(cv.Object, "spec", "desiredUpdate", "version")
	now := time.Now().UTC().Format(time.RFC3339)
	var newest map[string]any
	if len(hist) > 0 {
		newest, _ = hist[0].(map[string]any)
	}
	switch {
	case newest != nil && newest["state"] == "Partial":
		newest["state"], newest["completionTime"] = "Completed", now
		o.logf("CVO: completed %v", newest["version"])
	case desired != "" && (newest == nil || newest["version"] != desired):
		hist = append([]any{map[string]any{"state": "Partial", "version": desired, "image": releaseImage(desired), "startedTime": now, "completionTime": nil, "verified": false}}, hist...)
		_ = unstructured.SetNestedField(cv.Object, map[string]any{"version": desired, "image": releaseImage(desired)}, "status", "desired")
		o.logf("CVO: updating to %s", desired)
	default:
		return nil
	}
	_ = unstructured.SetNestedSlice(cv.Object, hist, "status", "history")
	_, err = ri.UpdateStatus(ctx, cv, metav1.UpdateOptions{})
	return err
}

// mco rolls each pool that is not paused to the completed release's
// rendered config: first no machine updated, then all.
func (o *Operators) mco(ctx context.Context) error {
	cv, err := o.dyn.Resource(ClusterVersions).Get(ctx, cvName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	release := completed(cv)
	ri := o.dyn.Resource(Pools)
	l, err := ri.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range l.Items {
		p := &l.Items[i]
		target := renderedConfig(p.GetName(), release)
		cur, _, _ := unstructured.NestedString(p.Object, "status", "configuration", "name")
		machines, _, _ := unstructured.NestedInt64(p.Object, "status", "machineCount")
		updated, _, _ := unstructured.NestedInt64(p.Object, "status", "updatedMachineCount")
		paused, _, _ := unstructured.NestedBool(p.Object, "spec", "paused")
		var status map[string]any
		switch {
		case cur == target && updated == machines:
			continue
		case cur != target && updated == machines:
			status = poolStatus(int32(machines), 0, cur) // a new config to roll out
			o.logf("MCO: pool %s has %s to roll out", p.GetName(), target)
		case paused:
			continue // the rollout waits
		default:
			status = poolStatus(int32(machines), int32(machines), target)
			o.logf("MCO: pool %s rolled out %s", p.GetName(), target)
		}
		p.Object["status"] = status
		if _, err := ri.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// offered is the newest catalog version of the minor after the installed
// one that OpenShift's minor reaches, "" when none.
func (o *Operators) offered(installed, ocp string) string {
	iv, err1 := channel.ParseVersion(installed)
	ov, err2 := channel.ParseVersion(ocp)
	if err1 != nil || err2 != nil {
		return ""
	}
	next, err := channel.NextCNVMinor(iv.MinorVersion())
	if err != nil || next.Compare(ov.MinorVersion()) > 0 {
		return ""
	}
	var best channel.Version
	for _, s := range o.c.Catalog {
		v, err := channel.ParseVersion(s)
		if err == nil && v.MinorVersion() == next && (best.IsZero() || v.Compare(best) > 0) {
			best = v
		}
	}
	if best.IsZero() {
		return ""
	}
	return best.String()
}

// olm offers the next version with an InstallPlan awaiting approval, and
// installs an approved one.
func (o *Operators) olm(ctx context.Context) error {
	subs := o.dyn.Resource(Subscriptions).Namespace(namespace)
	sub, err := subs.Get(ctx, Subscription, metav1.GetOptions{})
	if err != nil {
		return err
	}
	installed, _, _ := unstructured.NestedString(sub.Object, "status", "installedCSV")
	current, _, _ := unstructured.NestedString(sub.Object, "status", "currentCSV")
	ipName, _, _ := unstructured.NestedString(sub.Object, "status", "installPlanRef", "name")
	ips := o.dyn.Resource(InstallPlans).Namespace(namespace)
	now := time.Now().UTC().Format(time.RFC3339)
	installedVersion := strings.TrimPrefix(installed, update.HyperConvergedPackage+"-operator.v")

	if current != installed && ipName != "" {
		ip, err := ips.Get(ctx, ipName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		approved, _, _ := unstructured.NestedBool(ip.Object, "spec", "approved")
		phase, _, _ := unstructured.NestedString(ip.Object, "status", "phase")
		if !approved || phase == "Complete" {
			return nil
		}
		next := strings.TrimPrefix(current, update.HyperConvergedPackage+"-operator.v")
		if err := createCSV(ctx, o.dyn, next, installedVersion); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		if err := o.dyn.Resource(CSVs).Namespace(namespace).Delete(ctx, installed, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		_ = unstructured.SetNestedField(ip.Object, "Complete", "status", "phase")
		if _, err := ips.UpdateStatus(ctx, ip, metav1.UpdateOptions{}); err != nil {
			return err
		}
		_ = unstructured.SetNestedField(sub.Object, current, "status", "installedCSV")
		_ = unstructured.SetNestedField(sub.Object, "AtLatestKnown", "status", "state")
		_ = unstructured.SetNestedField(sub.Object, now, "status", "lastUpdated")
		o.logf("OLM: installed %s", current)
		_, err = subs.UpdateStatus(ctx, sub, metav1.UpdateOptions{})
		return err
	}

	cv, err := o.dyn.Resource(ClusterVersions).Get(ctx, cvName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	next := o.offered(installedVersion, completed(cv))
	if next == "" || current != installed {
		return nil
	}
	o.mu.Lock()
	o.ips++
	name := fmt.Sprintf("install-%d", o.ips)
	o.mu.Unlock()
	ip := &unstructured.Unstructured{Object: map[string]any{"apiVersion": InstallPlans.GroupVersion().String(), "kind": "InstallPlan",
		"metadata": map[string]any{"name": name, "namespace": namespace},
		"spec":     map[string]any{"clusterServiceVersionNames": []any{update.CSVName(next)}, "approval": "Manual", "approved": false}}}
	created, err := ips.Create(ctx, ip, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Object["status"] = map[string]any{"phase": "RequiresApproval", "catalogSources": []any{}}
	if _, err := ips.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return err
	}
	_ = unstructured.SetNestedField(sub.Object, update.CSVName(next), "status", "currentCSV")
	_ = unstructured.SetNestedField(sub.Object, "UpgradePending", "status", "state")
	_ = unstructured.SetNestedMap(sub.Object, map[string]any{"apiVersion": InstallPlans.GroupVersion().String(), "kind": "InstallPlan", "name": name, "namespace": namespace}, "status", "installPlanRef")
	_ = unstructured.SetNestedField(sub.Object, now, "status", "lastUpdated")
	o.logf("OLM: offers %s in InstallPlan %s", next, name)
	_, err = subs.UpdateStatus(ctx, sub, metav1.UpdateOptions{})
	return err
}

// hco reports the installed version in status.versions and stamps the
// conditions with the current generation.
func (o *Operators) hco(ctx context.Context) error {
	sub, err := o.dyn.Resource(Subscriptions).Namespace(namespace).Get(ctx, Subscription, metav1.GetOptions{})
	if err != nil {
		return err
	}
	installed, _, _ := unstructured.NestedString(sub.Object, "status", "installedCSV")
	version := strings.TrimPrefix(installed, update.HyperConvergedPackage+"-operator.v")
	ri := o.dyn.Resource(kubetest.HyperConvergedResource(o.c.HCO)).Namespace(namespace)
	hc, err := ri.Get(ctx, update.HyperConvergedName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	observed, _, _ := unstructured.NestedInt64(hc.Object, "status", "observedGeneration")
	versions, _, _ := unstructured.NestedSlice(hc.Object, "status", "versions")
	reported := ""
	if len(versions) > 0 {
		m, _ := versions[0].(map[string]any)
		reported, _ = m["version"].(string)
	}
	if observed == hc.GetGeneration() && reported == version {
		return nil
	}
	hc.Object["status"] = hcStatus(hc.GetGeneration(), version, time.Now().UTC().Format(time.RFC3339))
	_, err = ri.UpdateStatus(ctx, hc, metav1.UpdateOptions{})
	return err
}
