package snapshot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/snapshot"
	"github.com/virtupdate/virtupdate/update"
)

// benchNodes and benchNamespaces shape the benchmark's cluster.
const (
	benchNodes      = 200
	benchNamespaces = 20
)

// benchVMs is how many VirtualMachines (and VMIs) the benchmark's cluster
// holds, -1 before it is seeded: a benchmark run again (-count) reuses it.
var benchVMs = -1

// BenchmarkLiveSnapshot reads a live cluster (envtest, the upstream CRDs)
// of 200 worker nodes and n VirtualMachines with their running VMIs in 20
// namespaces, with the platform and OpenShift Virtualization objects of
// the live test's population, two ways in the same run:
//
//   - snapshot: snapshot.ReadCluster through kube.New, as `virtupdate
//     snapshot --kubeconfig` reads it (every part, reduced, validated);
//   - client-go: the floor, a plain client-go program listing the same
//     objects with the same page size (kube.DefaultPageSize) and keeping
//     them as the clients decode them: nodes and PodDisruptionBudgets with
//     the typed clientset, the custom resources with the dynamic client,
//     the singletons with one Get each.
//
// n is 1,000; 10,000 too with VIRTUPDATE_BENCH_LARGE=1 (seeding 10,000 more
// objects of each kind takes minutes: the time is logged).
//
//	go test ./snapshot -run XXX -bench LiveSnapshot -benchmem
func BenchmarkLiveSnapshot(b *testing.B) {
	cfg := needServer(b)
	ctx := context.Background()
	a := newAdmin(b, cfg)
	if benchVMs < 0 {
		start := time.Now()
		if err := a.wipePopulation(ctx); err != nil {
			b.Fatal(err)
		}
		if err := a.ensureNamespaces(ctx, popNamespaces()...); err != nil {
			b.Fatal(err)
		}
		if err := seedPlatform(ctx, a); err != nil {
			b.Fatal(err)
		}
		if err := seedOperator(ctx, a, server.HCO()); err != nil {
			b.Fatal(err)
		}
		if err := seedBenchNodes(ctx, a); err != nil {
			b.Fatal(err)
		}
		benchVMs = 0
		b.Logf("seeded %d nodes and the platform in %v", benchNodes, time.Since(start).Round(time.Millisecond))
	}
	sizes := []int{1_000}
	if os.Getenv("VIRTUPDATE_BENCH_LARGE") == "1" {
		sizes = append(sizes, 10_000)
	}
	for _, n := range sizes {
		if benchVMs > n {
			continue // a smaller size after a larger one (-count)
		}
		if benchVMs < n {
			start := time.Now()
			if err := seedBenchVMs(ctx, a, benchVMs, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded VirtualMachines and VMIs %d to %d in %v", benchVMs, n, time.Since(start).Round(time.Millisecond))
			benchVMs = n
		}
		b.Run(fmt.Sprintf("%dk/snapshot", n/1000), func(b *testing.B) {
			c, err := kube.New(cfg, kube.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				o, err := snapshot.ReadCluster(ctx, c, snapshot.ClusterOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(o.VMIs) != n || len(o.VirtualMachines) != n || len(o.Nodes) != benchNodes {
					b.Fatalf("%d VMIs, %d VMs, %d nodes, want %d, %d, %d", len(o.VMIs), len(o.VirtualMachines), len(o.Nodes), n, n, benchNodes)
				}
			}
		})
		b.Run(fmt.Sprintf("%dk/kube-ports", n/1000), func(b *testing.B) {
			c, err := kube.New(cfg, kube.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				vmis, vms, nodes, err := portsList(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				if vmis != n || vms != n || nodes != benchNodes {
					b.Fatalf("%d VMIs, %d VMs, %d nodes, want %d, %d, %d", vmis, vms, nodes, n, n, benchNodes)
				}
			}
		})
		b.Run(fmt.Sprintf("%dk/client-go-typed", n/1000), func(b *testing.B) {
			core, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			dyn, err := dynamic.NewForConfig(cfg)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				vmis, vms, nodes, err := plainList(ctx, core, dyn, true)
				if err != nil {
					b.Fatal(err)
				}
				if vmis != n || vms != n || nodes != benchNodes {
					b.Fatalf("%d VMIs, %d VMs, %d nodes, want %d, %d, %d", vmis, vms, nodes, n, n, benchNodes)
				}
			}
		})
		b.Run(fmt.Sprintf("%dk/client-go", n/1000), func(b *testing.B) {
			core, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				b.Fatal(err)
			}
			dyn, err := dynamic.NewForConfig(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				vmis, vms, nodes, err := plainList(ctx, core, dyn, false)
				if err != nil {
					b.Fatal(err)
				}
				if vmis != n || vms != n || nodes != benchNodes {
					b.Fatalf("%d VMIs, %d VMs, %d nodes, want %d, %d, %d", vmis, vms, nodes, n, n, benchNodes)
				}
			}
		})
	}
}

// plainList lists what ReadCluster reads, as a plain client-go program
// would, and keeps it; it returns the counts of VMIs, VMs and nodes. With
// typed, the VMIs and VMs are decoded into KubeVirt's Go types (typedList)
// rather than unstructured objects.
func plainList(ctx context.Context, core kubernetes.Interface, dyn dynamic.Interface, typed bool) (vmis, vms, nodes int, err error) {
	var keep []any
	limit := int64(kube.DefaultPageSize)
	for opts := (metav1.ListOptions{Limit: limit}); ; {
		l, err := core.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return 0, 0, 0, err
		}
		keep, nodes = append(keep, l.Items), nodes+len(l.Items)
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	for opts := (metav1.ListOptions{Limit: limit}); ; {
		l, err := core.PolicyV1().PodDisruptionBudgets("").List(ctx, opts)
		if err != nil {
			return 0, 0, 0, err
		}
		keep = append(keep, l.Items)
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	list := func(gvr schema.GroupVersionResource, namespace string) (int, error) {
		n := 0
		for opts := (metav1.ListOptions{Limit: limit}); ; {
			l, err := dyn.Resource(gvr).Namespace(namespace).List(ctx, opts)
			if err != nil {
				return 0, err
			}
			keep, n = append(keep, l.Items), n+len(l.Items)
			if opts.Continue = l.GetContinue(); opts.Continue == "" {
				return n, nil
			}
		}
	}
	if typed {
		if vmis, vms, err = typedList(ctx, core.CoreV1().RESTClient()); err != nil {
			return 0, 0, 0, err
		}
	} else {
		if vmis, err = list(kube.VMIResource, ""); err != nil {
			return 0, 0, 0, err
		}
		if vms, err = list(kube.VMResource, ""); err != nil {
			return 0, 0, 0, err
		}
	}
	ns := update.DefaultNamespace
	for _, r := range []struct {
		gvr       schema.GroupVersionResource
		namespace string
	}{
		{kube.MigrationResource, ""}, {kube.MachineConfigPoolResource, ""}, {kube.ClusterOperatorResource, ""},
		{kube.NodeMaintenanceResources[0], ""}, {kube.NodeMaintenanceResources[1], ""},
		{kube.CSVResource, ns}, {kube.InstallPlanResource, ns},
	} {
		if _, err := list(r.gvr, r.namespace); err != nil {
			return 0, 0, 0, err
		}
	}
	for _, g := range []struct {
		gvr             schema.GroupVersionResource
		namespace, name string
	}{
		{kube.ClusterVersionResource, "", kube.ClusterVersionName},
		{kubetest.HyperConvergedResource(server.HCO().StorageVersion), ns, update.HyperConvergedName},
		{kube.KubeVirtResource, ns, kube.KubeVirtName},
		{kube.SubscriptionResource, ns, update.DefaultSubscriptionName},
	} {
		u, err := dyn.Resource(g.gvr).Namespace(g.namespace).Get(ctx, g.name, metav1.GetOptions{})
		if err != nil {
			return 0, 0, 0, err
		}
		keep = append(keep, u)
	}
	_ = keep
	return vmis, vms, nodes, nil
}

// portsList calls the read methods of the kube adapter's ports that
// ReadCluster calls, in the same order, and keeps what they return: the
// snapshot's cost less its own work (reducing, sorting, validating).
func portsList(ctx context.Context, c *kube.Cluster) (vmis, vms, nodes int, err error) {
	var keep []any
	ns := update.DefaultNamespace
	steps := []func() (any, error){
		func() (any, error) { return c.GetClusterVersion(ctx) },
		func() (any, error) { return c.ListClusterOperators(ctx) },
		func() (any, error) { return c.ListMachineConfigPools(ctx) },
		func() (any, error) { l, err := c.ListNodes(ctx); nodes = len(l); return l, err },
		func() (any, error) { return c.ListNodeMaintenances(ctx) },
		func() (any, error) { return c.GetHyperConverged(ctx) },
		func() (any, error) { return c.GetKubeVirt(ctx) },
		func() (any, error) { return c.GetSubscription(ctx, ns, update.DefaultSubscriptionName) },
		func() (any, error) { return c.ListCSVs(ctx, ns) },
		func() (any, error) { return c.ListInstallPlans(ctx, ns) },
		func() (any, error) {
			l, err := c.ListVirtualMachines(ctx, update.ListOptions{})
			vms = len(l)
			return l, err
		},
		func() (any, error) { l, err := c.ListVMIs(ctx, update.ListOptions{}); vmis = len(l); return l, err },
		func() (any, error) { return c.ListMigrations(ctx, update.ListOptions{}) },
		func() (any, error) { return c.ListPodDisruptionBudgets(ctx) },
	}
	for _, step := range steps {
		v, err := step()
		if err != nil {
			return 0, 0, 0, err
		}
		keep = append(keep, v)
	}
	_ = keep
	return vmis, vms, nodes, nil
}

// typedList lists the VMIs and VMs page by page with a REST client and
// decodes each page's JSON straight into KubeVirt's list types, with no
// map in between: what a list of a custom resource into its Go type costs
// when nothing converts it twice.
func typedList(ctx context.Context, rc rest.Interface) (vmis, vms int, err error) {
	for _, r := range []struct {
		path string
		n    *int
		list func() (any, func() (int, string))
	}{
		{"/apis/kubevirt.io/v1/virtualmachineinstances", &vmis, func() (any, func() (int, string)) {
			l := &kubevirtv1.VirtualMachineInstanceList{}
			return l, func() (int, string) { return len(l.Items), l.Continue }
		}},
		{"/apis/kubevirt.io/v1/virtualmachines", &vms, func() (any, func() (int, string)) {
			l := &kubevirtv1.VirtualMachineList{}
			return l, func() (int, string) { return len(l.Items), l.Continue }
		}},
	} {
		var keep []any
		cont := ""
		for {
			req := rc.Get().AbsPath(r.path).Param("limit", fmt.Sprint(kube.DefaultPageSize))
			if cont != "" {
				req = req.Param("continue", cont)
			}
			data, err := req.Do(ctx).Raw()
			if err != nil {
				return 0, 0, err
			}
			into, counts := r.list()
			if err := json.Unmarshal(data, into); err != nil {
				return 0, 0, err
			}
			keep = append(keep, into)
			var got int
			got, cont = counts()
			*r.n += got
			if cont == "" {
				break
			}
		}
		_ = keep
	}
	return vmis, vms, nil
}

// seedBenchNodes creates benchNodes worker nodes in three zones.
func seedBenchNodes(ctx context.Context, a admin) error {
	return parallel(benchNodes, 8, func(i int) error {
		p := popNode{name: fmt.Sprintf("node-%03d", i), zone: fmt.Sprintf("zone-%c", 'a'+i%3), roles: []string{"worker"},
			cpu: "63", memory: "250Gi", capCPU: "64", capMi: "256Gi"}
		n := p.object()
		created, err := a.core.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create node %s: %w", p.name, err)
		}
		created.Status = n.Status
		if _, err := a.core.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("write the status of node %s: %w", p.name, err)
		}
		return nil
	})
}

// seedBenchVMs creates VirtualMachines from to to-1, each with its running
// VMI, in the shape of the live test's prod/db VMs, spread over the
// namespaces and the nodes.
func seedBenchVMs(ctx context.Context, a admin, from, to int) error {
	var names []string
	for i := range benchNamespaces {
		names = append(names, fmt.Sprintf("bench-%02d", i))
	}
	if err := a.ensureNamespaces(ctx, names...); err != nil {
		return err
	}
	template := popVMs()[0] // prod/db-0: Always, 16Gi, migratable
	return parallel(to-from, 8, func(j int) error {
		i := from + j
		ns, name, node := names[i%benchNamespaces], fmt.Sprintf("vm-%05d", i), fmt.Sprintf("node-%03d", i%benchNodes)
		vm := template.vm.DeepCopy()
		vm.Namespace, vm.Name = ns, name
		vm.Spec.Template.ObjectMeta.Labels["kubevirt.io/domain"] = name
		vm.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = name + "-rootdisk"
		created, err := a.create(ctx, kube.VMResource, "VirtualMachine", vm, true)
		if err != nil {
			return err
		}
		vmi := template.vmi.DeepCopy()
		vmi.Namespace, vmi.Name = ns, name
		vmi.Labels["kubevirt.io/domain"], vmi.Labels["kubevirt.io/nodeName"] = name, node
		vmi.Spec = *vm.Spec.Template.Spec.DeepCopy()
		vmi.Status.NodeName = node
		vmi.Status.ActivePods = map[types.UID]string{types.UID("pod-" + name): node}
		vmi.OwnerReferences = []metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: name,
			UID: created.GetUID(), Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
		_, err = a.create(ctx, kube.VMIResource, "VirtualMachineInstance", vmi, false)
		return err
	})
}
