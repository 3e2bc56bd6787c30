package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/virtupdate/virtupdate/update"
)

// HowToGetServer says how to get kube-apiserver and etcd.
const HowToGetServer = "run `export KUBEBUILDER_ASSETS=\"$(hack/kube-assets.sh)\"` at the repository root (the first run builds kube-apiserver and etcd from the Go module proxy, several minutes) and test again"

// Assets returns the directory of kube-apiserver and etcd named by
// $KUBEBUILDER_ASSETS, or, when there is none, why ("" dir).
func Assets() (dir, missing string) {
	dir = os.Getenv("KUBEBUILDER_ASSETS")
	switch {
	case dir == "":
		return "", "KUBEBUILDER_ASSETS is not set: " + HowToGetServer
	case !isFile(filepath.Join(dir, "kube-apiserver")) || !isFile(filepath.Join(dir, "etcd")):
		return "", fmt.Sprintf("KUBEBUILDER_ASSETS=%s has no kube-apiserver and etcd: %s", dir, HowToGetServer)
	}
	return dir, ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// The modules that ship the OLM and OpenShift CRDs, and the paths of the
// CRDs in them.
const (
	mainModule      = "github.com/virtupdate/virtupdate"
	olmModule       = "github.com/operator-framework/api"
	openshiftModule = "github.com/openshift/api"
)

var moduleCRDs = map[string][]string{
	olmModule: {
		"crds/operators.coreos.com_subscriptions.yaml",
		"crds/operators.coreos.com_clusterserviceversions.yaml",
		"crds/operators.coreos.com_installplans.yaml",
	},
	openshiftModule: {
		"config/v1/zz_generated.crd-manifests/0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml",
		"config/v1/zz_generated.crd-manifests/0000_00_cluster-version-operator_01_clusteroperators.crd.yaml",
		"machineconfiguration/v1/zz_generated.crd-manifests/0000_80_machine-config_01_machineconfigpools.crd.yaml",
		"machineconfiguration/v1/zz_generated.crd-manifests/0000_80_machine-config_01_machineconfigs.crd.yaml",
	},
}

// projectCRDs are the files of kube/testdata/crds every server installs;
// the HCO CRD among them is HCO118's.
var projectCRDs = []string{
	"hco-hyperconverged.yaml",
	"kubevirt-kv.yaml", "kubevirt-vmi.yaml", "kubevirt-vm.yaml", "kubevirt-vmim.yaml",
	"nodemaintenance-kubevirt.yaml", "nodemaintenance-medik8s.yaml",
}

var (
	dirsOnce sync.Once
	dirs     map[string]string
	dirsErr  error
)

// moduleDirs finds the directories of the main module and of the modules
// shipping CRDs, at the versions in go.mod.
func moduleDirs() (map[string]string, error) {
	dirsOnce.Do(func() {
		// go test puts the go command's directory first in PATH.
		goTool, err := exec.LookPath("go")
		if err != nil {
			dirsErr = fmt.Errorf("find the modules shipping the CRDs: the go command is not on PATH: %w", err)
			return
		}
		cmd := exec.Command(goTool, "list", "-m", "-f", "{{.Path}} {{.Dir}}", mainModule, olmModule, openshiftModule)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			dirsErr = fmt.Errorf("find the modules shipping the CRDs with `go list -m %s %s %s`: %w: %s", mainModule, olmModule, openshiftModule, err, strings.TrimSpace(stderr.String()))
			return
		}
		dirs = map[string]string{}
		for line := range strings.Lines(string(out)) {
			if path, dir, ok := strings.Cut(strings.TrimSpace(line), " "); ok && dir != "" {
				dirs[path] = dir
			}
		}
		for _, m := range []string{mainModule, olmModule, openshiftModule} {
			if dirs[m] == "" {
				dirsErr = fmt.Errorf("`go list -m` gave no directory for %s (is it downloaded? run `go mod download %s`)", m, m)
			}
		}
	})
	return dirs, dirsErr
}

// CRDDir is the directory of the project's CRD copies, kube/testdata/crds.
func CRDDir() (string, error) {
	d, err := moduleDirs()
	if err != nil {
		return "", err
	}
	return filepath.Join(d[mainModule], "kube", "testdata", "crds"), nil
}

// CRDFiles returns the paths of every CRD a server installs: the project's
// copies (HCO 1.18's HyperConverged) and OLM's and OpenShift's from the
// module cache.
func CRDFiles() ([]string, error) {
	d, err := moduleDirs()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(d[mainModule], "kube", "testdata", "crds")
	var files []string
	for _, f := range projectCRDs {
		files = append(files, filepath.Join(dir, f))
	}
	for _, m := range []string{olmModule, openshiftModule} {
		for _, p := range moduleCRDs[m] {
			files = append(files, filepath.Join(d[m], filepath.FromSlash(p)))
		}
	}
	for _, f := range files {
		if !isFile(f) {
			return nil, fmt.Errorf("CRD %s is missing", f)
		}
	}
	return files, nil
}

// HCO is one of the HyperConverged CRDs the tests run against.
type HCO struct {
	// Name is "1.18" or "main", for test names.
	Name string
	// File is the CRD's path.
	File string
	// StorageVersion is the version the CRD stores.
	StorageVersion string
	// Other is the other served version, which HCO converts through a
	// webhook (main) or not at all (1.18): envtest runs no webhook, so a
	// write through it is pruned on storage.
	Other string
}

// HCOs returns HCO 1.18's CRD (storage v1beta1) and HCO main's (storage
// v1), in that order.
func HCOs() ([]HCO, error) {
	dir, err := CRDDir()
	if err != nil {
		return nil, err
	}
	return []HCO{
		{Name: "HCO-1.18", File: filepath.Join(dir, "hco-hyperconverged.yaml"), StorageVersion: "v1beta1", Other: "v1"},
		{Name: "HCO-main", File: filepath.Join(dir, "variants", "hco-hyperconverged-main.yaml"), StorageVersion: "v1", Other: "v1beta1"},
	}, nil
}

// HyperConvergedGroup is HCO's API group.
const HyperConvergedGroup = "hco.kubevirt.io"

// HyperConvergedResource is the HyperConverged's resource at the version.
func HyperConvergedResource(version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: HyperConvergedGroup, Version: version, Resource: "hyperconvergeds"}
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// virtualizationFields are the fields HCO's v1 API holds under
// spec.virtualization and v1beta1 directly under spec
// (api/v1/hyperconverged_types.go VirtualizationConfig).
var virtualizationFields = []string{"workloadUpdateStrategy", "liveMigrationConfig", "evictionStrategy"}

// HyperConvergedObject returns the HyperConverged as an object of the API
// version: v1beta1 as update.HyperConverged's JSON has it, v1 with the
// workloadUpdateStrategy, liveMigrationConfig and evictionStrategy moved
// under spec.virtualization. Namespace and name default to
// update.DefaultNamespace and update.HyperConvergedName. The status is
// part of the object; a caller creating it writes it through the status
// subresource.
func HyperConvergedObject(hc *update.HyperConverged, version string) (*unstructured.Unstructured, error) {
	if version != "v1beta1" && version != "v1" {
		return nil, fmt.Errorf("HyperConverged version %q: want v1beta1 or v1", version)
	}
	data, err := json.Marshal(hc)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	if version == "v1" {
		spec, _ := obj["spec"].(map[string]any)
		virt := map[string]any{}
		for _, f := range virtualizationFields {
			if v, ok := spec[f]; ok {
				virt[f] = v
				delete(spec, f)
			}
		}
		if spec != nil {
			spec["virtualization"] = virt
		}
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion(HyperConvergedGroup + "/" + version)
	u.SetKind("HyperConverged")
	ns, name := hc.Namespace, hc.Name
	if ns == "" {
		ns = update.DefaultNamespace
	}
	if name == "" {
		name = update.HyperConvergedName
	}
	u.SetNamespace(ns)
	u.SetName(name)
	return u, nil
}

// Server is a running kube-apiserver and etcd with the CRDs installed.
type Server struct {
	// Config is the admin config, with a QPS high enough for tests that
	// create thousands of objects.
	Config *rest.Config
	// Started is how long the server took to start; WarmedUp how long
	// the first write of every custom resource took after that.
	Started, WarmedUp time.Duration

	env  *envtest.Environment
	hcos []HCO
	mu   sync.Mutex
	hco  HCO
}

// Start starts a server from Assets with CRDFiles installed (HCO 1.18's
// HyperConverged) and writes one object of every custom resource once:
// the first write of a freshly established CRD waits about two seconds,
// paid here in parallel rather than by each test in turn.
func Start() (*Server, error) {
	assets, missing := Assets()
	if missing != "" {
		return nil, errors.New(missing)
	}
	files, err := CRDFiles()
	if err != nil {
		return nil, err
	}
	hcos, err := HCOs()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets, CRDDirectoryPaths: files, ErrorIfCRDPathMissing: true}
	// DeleteCollection deletes one object at a time by default; the tests
	// delete thousands of VMIs between cases.
	env.ControlPlane.GetAPIServer().Configure().Set("delete-collection-workers", "8")
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start the test API server: %w", err)
	}
	s := &Server{Config: cfg, Started: time.Since(start), env: env, hcos: hcos, hco: hcos[0]}
	cfg.QPS, cfg.Burst = 2000, 4000
	start = time.Now()
	if err := s.warmUp(); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("warm up the test API server: %w", err)
	}
	s.WarmedUp = time.Since(start)
	return s, nil
}

// Stop stops the server.
func (s *Server) Stop() error { return s.env.Stop() }

// HCOs returns the HyperConverged CRDs the server can run with, HCO 1.18's
// first.
func (s *Server) HCOs() []HCO { return slices.Clone(s.hcos) }

// HCO returns the HyperConverged CRD installed now.
func (s *Server) HCO() HCO {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hco
}

// minimal returns the smallest object of the resource its CRD accepts.
type minimal struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	spec       map[string]any
}

func warmUpObjects(hcoVersion string) []minimal {
	return []minimal{
		{HyperConvergedResource(hcoVersion), "HyperConverged", true, map[string]any{}},
		{KubeVirtResource, "KubeVirt", true, map[string]any{}},
		{VMIResource, "VirtualMachineInstance", true,
			map[string]any{"domain": map[string]any{"devices": map[string]any{}}}},
		{VMResource, "VirtualMachine", true,
			map[string]any{"template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}}},
		{MigrationResource, "VirtualMachineInstanceMigration", true,
			map[string]any{"vmiName": "warm-up"}},
		{SubscriptionResource, "Subscription", true,
			map[string]any{"name": "warm-up", "source": "warm-up", "sourceNamespace": "default"}},
		{CSVResource, "ClusterServiceVersion", true,
			map[string]any{"displayName": "warm-up", "install": map[string]any{"strategy": "deployment", "spec": map[string]any{"deployments": []any{}}}}},
		{InstallPlanResource, "InstallPlan", true,
			map[string]any{"approval": "Manual", "approved": false, "clusterServiceVersionNames": []any{}}},
		{ClusterVersionResource, "ClusterVersion", false,
			map[string]any{"clusterID": "00000000-0000-4000-8000-000000000000"}},
		{MachineConfigPoolResource, "MachineConfigPool", false,
			map[string]any{}},
		{ClusterOperatorResource, "ClusterOperator", false,
			map[string]any{}},
		{MachineConfigResource, "MachineConfig", false,
			map[string]any{}},
		{NodeMaintenanceResources[0], "NodeMaintenance", false,
			map[string]any{"nodeName": "warm-up"}},
		{NodeMaintenanceResources[1], "NodeMaintenance", false,
			map[string]any{"nodeName": "warm-up"}},
	}
}

func (s *Server) warmUp() error {
	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return err
	}
	objs := warmUpObjects(s.hco.StorageVersion)
	var wg sync.WaitGroup
	errs := make([]error, len(objs))
	for i, m := range objs {
		wg.Go(func() {
			ns := ""
			if m.namespaced {
				ns = "default"
			}
			name := "warm-up"
			if m.kind == "HyperConverged" {
				name = update.HyperConvergedName // the CRD allows no other name
			}
			u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": name}, "spec": m.spec}}
			u.SetAPIVersion(m.gvr.GroupVersion().String())
			u.SetKind(m.kind)
			ctx := context.Background()
			if _, err := dyn.Resource(m.gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{}); err != nil {
				errs[i] = fmt.Errorf("create %s: %w", m.gvr.GroupResource(), err)
				return
			}
			if err := dyn.Resource(m.gvr).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				errs[i] = fmt.Errorf("delete %s: %w", m.gvr.GroupResource(), err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// UseHCO installs the HyperConverged CRD h in place of the current one
// (an update of the CRD, as OLM makes when HCO is updated) and waits until
// the API server stores HyperConvergeds in h's storage version: a probe
// object written through it keeps a field the other version does not
// have. It does nothing when h is installed already. HyperConvergeds
// stored before stay as they were; the tests delete them between cases.
func (s *Server) UseHCO(ctx context.Context, h HCO) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hco == h {
		return nil
	}
	data, err := os.ReadFile(h.File)
	if err != nil {
		return err
	}
	var want unstructured.Unstructured
	if err := yaml.Unmarshal(data, &want.Object); err != nil {
		return fmt.Errorf("%s: %w", h.File, err)
	}
	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return err
	}
	crds := dyn.Resource(crdResource)
	cur, err := crds.Get(ctx, want.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.Object["spec"] = want.Object["spec"]
	if _, err := crds.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("install the CRD of %s: %w", h.Name, err)
	}
	if err := waitStored(ctx, dyn, h.StorageVersion); err != nil {
		return fmt.Errorf("after installing the CRD of %s: %w", h.Name, err)
	}
	s.hco = h
	return nil
}

// waitStored writes a probe HyperConverged through version, with
// workloadUpdateMethods [Evict] where that version has them, until the
// object the server returns keeps them: then version is the storage
// version (the other one prunes the field, and the CRD's default
// [LiveMigrate] comes back instead).
func waitStored(ctx context.Context, dyn dynamic.Interface, version string) error {
	// In "default", apart from the tests' HyperConverged; the CRD allows
	// one name only.
	hc := &update.HyperConverged{Namespace: "default", Name: update.HyperConvergedName}
	evict := []string{"Evict"}
	probe, err := HyperConvergedObject(hc, version)
	if err != nil {
		return err
	}
	path := []string{"spec", "workloadUpdateStrategy", "workloadUpdateMethods"}
	if version == "v1" {
		path = []string{"spec", "virtualization", "workloadUpdateStrategy", "workloadUpdateMethods"}
	}
	if err := unstructured.SetNestedStringSlice(probe.Object, evict, path...); err != nil {
		return err
	}
	unstructured.RemoveNestedField(probe.Object, "status")
	ri := dyn.Resource(HyperConvergedResource(version)).Namespace("default")
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		created, err := ri.Create(ctx, probe, metav1.CreateOptions{})
		if err == nil {
			got, _, _ := unstructured.NestedStringSlice(created.Object, path...)
			if derr := ri.Delete(ctx, probe.GetName(), metav1.DeleteOptions{}); derr != nil {
				return derr
			}
			if slices.Equal(got, evict) {
				return nil
			}
			last = fmt.Sprintf("the probe's %s came back %v", strings.Join(path, "."), got)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is not the storage version after 30s: %s", version, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
