package crclient

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// seed wipes the server and creates the fixture's objects as their owners
// would, with internal/kubetest's seeder (the kube adapter's tests write
// their fixtures with it too), the HyperConverged through the storage
// version of the CRD installed.
func seed(t *testing.T, cfg *rest.Config, f updatetest.Fixture) {
	t.Helper()
	if err := kubetest.Seed(t.Context(), cfg, f, server.HCO().StorageVersion); err != nil {
		t.Fatal(err)
	}
}

// create creates obj, a kind of gvr, and writes its status through the
// status subresource (kubetest.Seeder.Create).
func create(t *testing.T, cfg *rest.Config, gvr schema.GroupVersionResource, kind string, obj any) {
	t.Helper()
	s, err := kubetest.NewSeeder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), gvr, kind, obj); err != nil {
		t.Fatal(err)
	}
}

func hcGVK(version string) schema.GroupVersionKind { return hyperConvergedGK.WithVersion(version) }

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
	seed(t, cfg, f)
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
