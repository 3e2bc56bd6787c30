package snapshot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

const ocp49 = "testdata/must-gather/ocp-4.9-metal"

// TestReadMustGatherOCP49 reads a real must-gather of the default image
// (see testdata/must-gather/NOTICE.md).
func TestReadMustGatherOCP49(t *testing.T) {
	o, err := ReadMustGather(ocp49, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Nodes) != 6 {
		t.Errorf("%d nodes, want 6", len(o.Nodes))
	}
	pools := map[string]int{}
	for _, n := range o.NodeSummaries() {
		pools[n.Pool]++
		if !n.Ready || n.Memory.String() != "31500616Ki" || n.CPU.String() != "15500m" {
			t.Errorf("node %s: ready %v, allocatable memory %s, cpu %s; want ready, 31500616Ki, 15500m", n.Name, n.Ready, n.Memory.String(), n.CPU.String())
		}
		if n.Created.IsZero() {
			t.Errorf("node %s: no creation time", n.Name)
		}
	}
	if d := cmp.Diff(map[string]int{"master": 3, "worker": 3}, pools); d != "" {
		t.Errorf("nodes by pool (by the pools' node selectors) (-want +got):\n%s", d)
	}
	if len(o.Pools) != 2 || o.Pools[0].Name != "master" || o.Pools[1].Name != "worker" {
		t.Fatalf("pools %+v, want master and worker", o.Pools)
	}
	w := o.Pools[1]
	if w.NodeSelector == nil || w.MachineCount != 3 || w.UpdatedMachineCount != 3 || w.Paused || w.Port().MaxUnavailable != 1 {
		t.Errorf("worker pool %+v: want a node selector, 3/3 machines, not paused, maxUnavailable 1", w)
	}
	cv := o.ClusterVersion
	if cv == nil {
		t.Fatal("no ClusterVersion")
	}
	if got := cv.Port().CurrentVersion(); got != "4.9.0-0.nightly-2021-09-10-170926" {
		t.Errorf("current version %q", got)
	}
	if cv.Desired.Version != "4.9.0-0.nightly-2021-09-10-170926" || cv.Channel != "" || len(cv.AvailableUpdates) != 0 {
		t.Errorf("ClusterVersion %+v: want desired 4.9.0-0.nightly-2021-09-10-170926, no channel, no updates (availableUpdates: null)", cv)
	}
	if len(o.ClusterOperators) != 32 {
		t.Errorf("%d ClusterOperators, want 32 (each is in its own file and in the List: kept once)", len(o.ClusterOperators))
	}
	var csvs []string
	for _, c := range o.CSVs {
		csvs = append(csvs, c.Namespace+"/"+c.Name+" "+string(c.Phase)+"/"+c.Reason)
	}
	want := []string{
		"cfe-test-namespace/image-caching-operator.v0.0.1 Pending/RequirementsNotMet",
		"cfe-test-namespace/projectrequestlimits.v0.0.1 Installing/InstallWaiting",
		"openshift-operator-lifecycle-manager/packageserver Succeeded/InstallSucceeded",
	}
	if d := cmp.Diff(want, csvs); d != "" {
		t.Errorf("CSVs, copies left out (-want +got):\n%s", d)
	}
	if o.Source.CopiedCSVs != countFiles(t, ocp49, "olm.copiedFrom") {
		t.Errorf("copied CSVs counted %d, the files hold %d", o.Source.CopiedCSVs, countFiles(t, ocp49, "olm.copiedFrom"))
	}
	if len(o.Subscriptions) != 2 || o.Subscriptions[0].InstallPlanApproval != update.ApprovalManual || o.Subscriptions[0].Package != "image-caching-operator" {
		t.Errorf("subscriptions %+v", o.Subscriptions)
	}
	if len(o.InstallPlans) != 2 {
		t.Errorf("%d InstallPlans, want 2", len(o.InstallPlans))
	}
	if len(o.PodDisruptionBudgets) == 0 {
		t.Error("no PodDisruptionBudgets read from the policy Lists")
	}
	// The cluster runs no OpenShift Virtualization: openshift/must-gather
	// gathers OLM's objects of every namespace
	// (collection-scripts/gather_olm: oc adm inspect -A olm) and none is
	// HCO's, so the parts its operator brings are not missing: there are
	// none.
	if !o.WithoutCNV {
		t.Error("withoutCNV not set: the OLM objects of every namespace hold no Subscription or CSV of kubevirt-hyperconverged")
	}
	wantMissing := []string{scenario.PartNodeMaintenances}
	if d := cmp.Diff(wantMissing, o.Missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if at := o.Source.CollectedAt; at == nil || !at.Time.Equal(time.Date(2021, 9, 14, 14, 43, 44, 0, time.UTC)) {
		t.Errorf("collected at %v, want the must-gather's timestamp 2021-09-14 16:43:44 +0200", at)
	}
	if d := cmp.Diff([]string{"openshift/must-gather 4.0-art-dev"}, o.Source.Gatherers); d != "" {
		t.Errorf("gatherers (-want +got):\n%s", d)
	}
	if o.Source.Skipped["Namespace"] == 0 || o.Source.Duplicates == 0 || o.Source.SkippedFiles == 0 {
		t.Errorf("source %+v: want skipped Namespaces, duplicates and skipped files counted", o.Source)
	}
	for _, n := range o.Nodes {
		if n.ManagedFields != nil || len(n.Status.Images) > 0 || len(n.Status.Addresses) > 0 || n.ResourceVersion != "" {
			t.Errorf("node %s not reduced: managed fields, images, addresses or resourceVersion kept", n.Name)
		}
	}
	roundTrip(t, o)
}

// roundTrip: what a snapshot reads is a valid scenario that writes and
// reads back unchanged.
func roundTrip(t *testing.T, o *scenario.Objects) {
	t.Helper()
	if err := o.Validate(); err != nil {
		t.Fatalf("the snapshot does not validate: %v", err)
	}
	data, err := scenario.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	back, err := scenario.Parse(data)
	if err != nil {
		t.Fatalf("parse the snapshot: %v", err)
	}
	if d := cmp.Diff(o, back); d != "" {
		t.Errorf("the snapshot changed through a file (-read +reparsed):\n%s", d)
	}
}

func countFiles(t *testing.T, root, needle string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && bytes.Contains(data, []byte(needle)) {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadCNVFragments reads real `oc adm inspect` output of a CNV
// cluster: empty Lists say the cluster has none of a kind, and
// items: null is an empty List.
func TestReadCNVFragments(t *testing.T) {
	o, err := ReadMustGather("testdata/must-gather/cnv-4.18-fragments", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Nodes) != 2 {
		t.Fatalf("%d nodes, want 2", len(o.Nodes))
	}
	worker := o.Nodes[1]
	if worker.Labels["kubevirt.io/schedulable"] != "true" || worker.Status.Allocatable.Memory().IsZero() {
		t.Errorf("CNV worker %s lost its kubevirt.io labels or allocatable memory", worker.Name)
	}
	for _, p := range []string{scenario.PartVMIs, scenario.PartVirtualMachines, scenario.PartMigrations, scenario.PartKubeVirt,
		scenario.PartHyperConverged, scenario.PartPodDisruptionBudgets} {
		if slices.Contains(o.Missing, p) {
			t.Errorf("%s is missing, but the must-gather holds an empty List of them", p)
		}
	}
	for _, p := range []string{scenario.PartClusterVersion, scenario.PartPools} {
		if !slices.Contains(o.Missing, p) {
			t.Errorf("%s not missing", p)
		}
	}
	roundTrip(t, o)
}

// TestReadGeneratedCNVMustGather reads a must-gather in kubevirt/must-gather's
// layout with the default image's folder beside it.
func TestReadGeneratedCNVMustGather(t *testing.T) {
	root := t.TempDir()
	g := genOpts{VMIs: 30, DefaultImage: true}
	writeCNVMustGather(t, root, g)
	o, err := ReadMustGather(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.VMIs) != 30 || len(o.VirtualMachines) != 30 || len(o.Migrations) != 6 || len(o.Nodes) != 3 {
		t.Fatalf("%d VMIs, %d VMs, %d migrations, %d nodes; want 30, 30, 6, 3", len(o.VMIs), len(o.VirtualMachines), len(o.Migrations), len(o.Nodes))
	}
	vmi := o.VMIs[0]
	if vmi.Namespace != "tenant-0" || vmi.Name != "vm-00000" || vmi.Status.NodeName != "worker-0" {
		t.Errorf("first VMI %s/%s on %s: the newer copy (the kubevirt image's) should win over the default image's older List copy (on worker-9)",
			vmi.Namespace, vmi.Name, vmi.Status.NodeName)
	}
	if len(vmi.Spec.Volumes) > 0 || len(vmi.Status.Interfaces) > 0 || vmi.Spec.Domain.Firmware != nil || vmi.Annotations["kubectl.kubernetes.io/last-applied-configuration"] != "" {
		t.Error("the VMI keeps volumes (cloud-init user data), interfaces (IPs), firmware or kubectl's annotation")
	}
	if vmi.Annotations["kubevirt.io/latest-observed-api-version"] != "v1" || vmi.Status.LauncherContainerImageVersion != genLauncher ||
		vmi.Spec.Domain.Resources.Requests.Memory().String() != "4Gi" || len(vmi.Status.ActivePods) != 1 {
		t.Errorf("the VMI lost what the model reads: %+v", vmi)
	}
	var notMigratable, none, outdated int
	for _, v := range o.VMIs {
		for _, c := range v.Status.Conditions {
			if c.Type == kubevirtv1.VirtualMachineInstanceIsMigratable && c.Status == corev1.ConditionFalse && c.Reason == kubevirtv1.VirtualMachineInstanceReasonDisksNotMigratable {
				notMigratable++
			}
		}
		if s := v.Spec.EvictionStrategy; s != nil && *s == kubevirtv1.EvictionStrategyNone {
			none++
		}
		if _, ok := v.Labels[kubevirtv1.OutdatedLauncherImageLabel]; ok {
			outdated++
		}
	}
	if notMigratable != 3 || none != 4 || outdated != 1 {
		t.Errorf("%d not migratable (want 3), %d with eviction strategy None (want 4), %d outdated (want 1)", notMigratable, none, outdated)
	}
	if vm := o.VirtualMachines[0]; vm.Spec.RunStrategy == nil || *vm.Spec.RunStrategy != kubevirtv1.RunStrategyAlways || len(vm.Spec.DataVolumeTemplates) > 0 ||
		vm.Spec.Template == nil || len(vm.Spec.Template.Spec.Volumes) > 0 {
		t.Errorf("VM %s: want run strategy Always, no data volume templates, a template without volumes", vm.Name)
	}
	hc := o.HyperConverged
	if hc == nil || hc.Namespace != "openshift-cnv" || hc.Status.OperatorVersion() != genCNV {
		t.Fatalf("HyperConverged %+v", hc)
	}
	if m := hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods; m == nil || len(*m) != 1 || (*m)[0] != kubevirtv1.WorkloadUpdateMethodLiveMigrate ||
		*hc.Spec.LiveMigrationConfig.ParallelOutboundMigrationsPerNode != 2 || *hc.Spec.EvictionStrategy != kubevirtv1.EvictionStrategyLiveMigrate {
		t.Errorf("HyperConverged spec %+v", hc.Spec)
	}
	if kv := o.KubeVirt; kv == nil || *kv.Status.OutdatedVirtualMachineInstanceWorkloads != 1 || kv.Status.ObservedDeploymentConfig != "" {
		t.Errorf("KubeVirt %+v: want 1 outdated workload, the deployment config dropped", o.KubeVirt)
	}
	if len(o.CSVs) != 1 || o.CSVs[0].Namespace != "openshift-cnv" || o.CSVs[0].Phase != conditions.CSVPhaseSucceeded || o.CSVs[0].MaxOpenShiftVersion != "4.19" {
		t.Errorf("CSVs %+v: want the CNV CSV of openshift-cnv, Succeeded, maxOpenShiftVersion 4.19", o.CSVs)
	}
	if o.Source.CopiedCSVs != 1 {
		t.Errorf("%d copied CSVs, want 1", o.Source.CopiedCSVs)
	}
	if len(o.Subscriptions) != 1 || o.Subscriptions[0].Name != "hco-operatorhub" || o.Subscriptions[0].InstallPlanApproval != update.ApprovalManual {
		t.Errorf("subscriptions %+v: want hco-operatorhub from the file joined by dashes", o.Subscriptions)
	}
	if len(o.InstallPlans) != 2 {
		t.Errorf("%d InstallPlans, want the 2 of the dash-joined file", len(o.InstallPlans))
	}
	if o.ClusterVersion == nil || len(o.ClusterVersion.ConditionalUpdates) != 1 || o.ClusterVersion.ConditionalUpdates[0].Risks[0].Name != "SomeRisk" ||
		o.ClusterVersion.Upgradeable() == nil {
		t.Errorf("ClusterVersion %+v: want the conditional update with its risk, and Upgradeable", o.ClusterVersion)
	} else if cu := o.ClusterVersion.ConditionalUpdates[0]; !cmp.Equal(cu.Risks[0].MatchingRules, []scenario.MatchingRule{{Type: scenario.RuleAlways}}) ||
		len(cu.Conditions) != 1 || cu.Conditions[0].Type != scenario.ConditionRecommended {
		t.Errorf("conditional update %+v: want the risk's matchingRules [Always] and the Recommended condition, as found", cu)
	}
	if p := o.Pools[1]; p.MaxUnavailable == nil || p.MaxUnavailable.String() != "50%" || p.Port().MaxUnavailable != 1 {
		t.Errorf("worker pool maxUnavailable %v: want 50%% (of 3 machines: 1)", p.MaxUnavailable)
	}
	// 3 nodes twice, 1 VMI twice, 3 VMs in the List and their own files.
	if o.Source.Duplicates != 7 {
		t.Errorf("%d duplicates, want 7", o.Source.Duplicates)
	}
	if d := cmp.Diff([]string{"kubevirt/must-gather v4.18.3", "openshift/must-gather 4.18.7"}, o.Source.Gatherers); d != "" {
		t.Errorf("gatherers (-want +got):\n%s", d)
	}
	if at := o.Source.CollectedAt; at == nil || !at.Time.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("collected at %v, want the must-gather's own timestamp", at)
	}
	if d := cmp.Diff([]string{scenario.PartClusterOperators, scenario.PartNodeMaintenances, scenario.PartPodDisruptionBudgets}, o.Missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if o.Source.Skipped["Pod"] != 1 {
		t.Errorf("skipped %v: want the Pod of the PodList counted", o.Source.Skipped)
	}
	roundTrip(t, o)
}

// TestKubevirtMustGatherAlone: kubevirt/must-gather gathers no
// ClusterVersion, pools or CSVs, so those are missing; it gathers every
// kubevirt.io CR, so no VMIs means none.
// kubevirt/must-gather: collection-scripts/gather_crs, gather_hco, gather_resources.
func TestKubevirtMustGatherAlone(t *testing.T) {
	root := t.TempDir()
	writeCNVMustGather(t, root, genOpts{VMIs: 0})
	o, err := ReadMustGather(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{scenario.PartClusterVersion, scenario.PartPools, scenario.PartCSVs} {
		if !slices.Contains(o.Missing, p) {
			t.Errorf("%s not missing from a kubevirt/must-gather alone", p)
		}
	}
	for _, p := range []string{scenario.PartVMIs, scenario.PartMigrations, scenario.PartVirtualMachines} {
		if slices.Contains(o.Missing, p) {
			t.Errorf("%s missing, but kubevirt/must-gather gathers them: none were found because there are none", p)
		}
	}
	if o.Source.SkippedFiles == 0 {
		t.Error("the text files without an extension (dmesg, bridge) were not counted as skipped")
	}
}

// TestWorkersDeterministic: the result does not depend on how many files
// are decoded at once.
func TestWorkersDeterministic(t *testing.T) {
	root := t.TempDir()
	writeCNVMustGather(t, root, genOpts{VMIs: 40, DefaultImage: true})
	var outs [][]byte
	for _, w := range []int{1, 2, 5} {
		o, err := ReadMustGather(root, Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		data, err := scenario.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, data)
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Fatal("different output with a different number of workers")
		}
	}
}

// archive writes the tree under dir into a tar stream on w.
func archive(t *testing.T, dir string, w io.Writer) {
	t.Helper()
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = "./" + filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeTarGz(t *testing.T, dir, out string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	archive(t, dir, zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeTarXz(t *testing.T, dir, out string) {
	t.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	archive(t, dir, xw)
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestArchives: a .tar.gz and a .tar.xz of a must-gather read as the
// directory does.
func TestArchives(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mg")
	writeCNVMustGather(t, dir, genOpts{VMIs: 12, DefaultImage: true})
	want, err := ReadMustGather(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, tt := range []struct {
		name  string
		write func(*testing.T, string, string)
	}{{"must-gather.tar.gz", writeTarGz}, {"must-gather.tar.xz", writeTarXz}} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(out, tt.name)
			tt.write(t, dir, p)
			got, err := ReadMustGather(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Source.Name != tt.name {
				t.Errorf("source name %q, want %q", got.Source.Name, tt.name)
			}
			got.Source.Name = want.Source.Name
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("the archive reads differently from the directory (-dir +archive):\n%s", d)
			}
		})
	}
	// The real must-gather too.
	p := filepath.Join(out, "ocp.tar.xz")
	writeTarXz(t, ocp49, p)
	o, err := ReadMustGather(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Nodes) != 6 || len(o.Pools) != 2 || o.ClusterVersion == nil {
		t.Errorf("the real must-gather as .tar.xz: %d nodes, %d pools, ClusterVersion %v", len(o.Nodes), len(o.Pools), o.ClusterVersion != nil)
	}
}

func wantFileError(t *testing.T, err error, archive, pathPart, reason string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("%s: error %v is not a *FileError", reason, err)
	}
	if fe.Archive != archive || !strings.Contains(fe.Path, pathPart) {
		t.Errorf("%s: error names archive %q path %q; want archive %q and a path containing %q (%v)", reason, fe.Archive, fe.Path, archive, pathPart, err)
	}
	if !strings.Contains(err.Error(), pathPart) {
		t.Errorf("%s: the message %q does not name %q", reason, err, pathPart)
	}
}

func TestBadInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mg")
	writeCNVMustGather(t, dir, genOpts{VMIs: 8, DefaultImage: true})
	out := t.TempDir()

	t.Run("truncated archives", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			write func(*testing.T, string, string)
		}{{"cut.tar.gz", writeTarGz}, {"cut.tar.xz", writeTarXz}} {
			full := filepath.Join(out, "full-"+tt.name)
			tt.write(t, dir, full)
			data, err := os.ReadFile(full)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(out, tt.name)
			if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = ReadMustGather(p, Options{})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "truncated") {
				t.Errorf("%s: %v, want a truncated-archive error", tt.name, err)
			}
			// The error names the archive and the entry it stopped in.
			wantFileError(t, err, p, "", "a truncated "+tt.name)
		}
	})

	t.Run("malformed YAML", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "mg")
		writeCNVMustGather(t, bad, genOpts{VMIs: 3})
		rel := "must-gather.local.4817263500/" + genKubevirtImage + "/namespaces/tenant-1/crs/virtualmachineinstances.kubevirt.io/broken.yaml"
		genWriter{t, bad}.raw(rel, "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: x\n  namespace: [\n")
		_, err := ReadMustGather(bad, Options{})
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("%v, want ErrMalformed", err)
		}
		wantFileError(t, err, "", filepath.FromSlash(rel), "a malformed YAML file in a directory")
		p := filepath.Join(out, "bad.tar.gz")
		writeTarGz(t, bad, p)
		_, err = ReadMustGather(p, Options{})
		wantFileError(t, err, p, rel, "a malformed YAML file in an archive")
	})

	t.Run("object that is not its kind", func(t *testing.T) {
		bad := t.TempDir()
		genWriter{t, bad}.raw("namespaces/a/crs/virtualmachineinstances.kubevirt.io/x.yaml",
			"apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: x, namespace: a}\nspec: {domain: 7}\n")
		_, err := ReadMustGather(bad, Options{})
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "VirtualMachineInstance a/x") {
			t.Errorf("%v: want ErrMalformed naming VirtualMachineInstance a/x", err)
		}
		wantFileError(t, err, "", "x.yaml", "a VMI that does not decode")
	})

	t.Run("unknown kind", func(t *testing.T) {
		d := t.TempDir()
		w := genWriter{t, d}
		w.raw("namespaces/a/example.com/widgets/w.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: v}\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n")
		o, err := ReadMustGather(d, Options{})
		if err != nil {
			t.Fatalf("an unknown kind is skipped, not an error: %v", err)
		}
		if o.Source.Skipped["Widget.example.com"] != 2 || len(o.Nodes) != 1 {
			t.Errorf("skipped %v, %d nodes: want 2 Widgets counted and the Node of the List read", o.Source.Skipped, len(o.Nodes))
		}
	})

	t.Run("text without an extension", func(t *testing.T) {
		d := t.TempDir()
		genWriter{t, d}.raw("nodes/n1/lspci", "00:00.0 Host bridge: kind: Node {[ not YAML\n\t- ::\n")
		genWriter{t, d}.raw("cluster-scoped-resources/core/nodes/n1.yaml", "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n")
		o, err := ReadMustGather(d, Options{})
		if err != nil {
			t.Fatalf("a text file without an extension is skipped: %v", err)
		}
		if o.Source.SkippedFiles != 1 {
			t.Errorf("%d skipped files, want 1", o.Source.SkippedFiles)
		}
	})

	t.Run("too many VMIs", func(t *testing.T) {
		_, err := ReadMustGather(dir, Options{Limits: scenario.Limits{MaxVMIs: 5}})
		if !errors.Is(err, scenario.ErrTooLarge) || !strings.Contains(err.Error(), "VirtualMachine") {
			t.Errorf("%v, want ErrTooLarge naming the VMIs or VMs (both over the cap)", err)
		}
	})

	t.Run("file too large", func(t *testing.T) {
		_, err := ReadMustGather(dir, Options{MaxFileBytes: 1000})
		if !errors.Is(err, scenario.ErrTooLarge) {
			t.Fatalf("%v, want ErrTooLarge", err)
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path == "" {
			t.Errorf("%v does not name the file", err)
		}
		p := filepath.Join(out, "big.tar.gz")
		writeTarGz(t, dir, p)
		_, err = ReadMustGather(p, Options{MaxTotalBytes: 10000})
		if !errors.Is(err, scenario.ErrTooLarge) || !errors.As(err, &fe) || fe.Archive != p {
			t.Errorf("%v, want ErrTooLarge naming the archive", err)
		}
	})

	t.Run("not an archive", func(t *testing.T) {
		p := filepath.Join(out, "notes.txt")
		if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadMustGather(p, Options{})
		wantFileError(t, err, "", "notes.txt", "a file that is not an archive")
	})
}

func TestDocuments(t *testing.T) {
	for _, tt := range []struct {
		name, reason, in string
		want             int
	}{
		{"leading separator", "oc adm inspect starts files with ---", "---\na: 1\n", 1},
		{"YAML separators", "documents separated by ---", "a: 1\n---\nb: 2\n--- # c\nc: 3\n", 3},
		{"dash lines", "kubevirt/must-gather's gather_hco joins documents with a line of dashes", "a: 1\n---------------\nb: 2\n---------------\n", 2},
		{"separator with content", "--- on the line of a document's start", "a: 1\n--- {b: 2}\n", 2},
		{"end marker", "... ends a document", "a: 1\n...\n", 1},
		{"comments only", "a document of comments is none", "# nothing\n---\n# nothing\n", 0},
		{"JSON stream", "kubectl -o json of several objects", `{"a":1}` + "\n" + `{"b":2}`, 2},
		{"JSON array", "an array of objects", `[{"a":1},{"b":2}]`, 2},
	} {
		docs, _, err := documents([]byte(tt.in))
		if err != nil || len(docs) != tt.want {
			t.Errorf("%s: %d documents, %v; want %d", tt.reason, len(docs), err, tt.want)
		}
	}
}

func TestMayHold(t *testing.T) {
	for _, tt := range []struct {
		reason, in string
		want       bool
	}{
		{"a node", "kind: Node\n", true},
		{"a List of nodes", "kind: NodeList\n", true},
		{"a generic List", "kind: List\n", true},
		{"JSON", `{"kind" : "VirtualMachineInstance"}`, true},
		{"quoted YAML", `kind: "HyperConverged"`, true},
		{"pods", "kind: PodList\nitems:\n- kind: Pod\n", false},
		{"a longer kind is another kind", "kind: NodeNetworkState\n", false},
		{"no kind", "hello: world\n", false},
	} {
		if got := mayHold([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: mayHold = %v, want %v", tt.reason, got, tt.want)
		}
	}
}

// TestPoolMembershipBySelector: a custom pool takes its nodes by its node
// selector, not by their role label alone.
// MCO: pkg/helpers/helpers.go GetPoolsForNode.
func TestPoolMembershipBySelector(t *testing.T) {
	d := t.TempDir()
	w := genWriter{t, d}
	w.raw("cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigpools.yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfigPoolList
items:
- metadata: {name: worker}
  spec: {nodeSelector: {matchLabels: {node-role.kubernetes.io/worker: ""}}, maxUnavailable: 1}
- metadata: {name: cnv}
  spec: {nodeSelector: {matchExpressions: [{key: example.com/gpu, operator: Exists}]}, paused: true}
`)
	w.raw("cluster-scoped-resources/core/nodes.yaml", `apiVersion: v1
kind: NodeList
items:
- metadata: {name: w1, labels: {node-role.kubernetes.io/worker: ""}}
- metadata: {name: g1, labels: {node-role.kubernetes.io/worker: "", example.com/gpu: "a100"}}
  spec: {unschedulable: true, taints: [{key: example.com/gpu, effect: NoSchedule}]}
`)
	o, err := ReadMustGather(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range o.NodeSummaries() {
		got[n.Name] = n.Pool
		if n.Name == "g1" && (!n.Cordoned || len(n.Taints) != 1) {
			t.Errorf("g1: cordoned %v, taints %v", n.Cordoned, n.Taints)
		}
	}
	if d := cmp.Diff(map[string]string{"w1": "worker", "g1": "cnv"}, got); d != "" {
		t.Errorf("pools (-want +got):\n%s", d)
	}
	if !o.Pools[0].Paused {
		t.Errorf("pool %s not paused", o.Pools[0].Name)
	}
}
