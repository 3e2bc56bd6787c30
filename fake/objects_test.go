package fake_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/fake"
	objects "github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/snapshot"
	"github.com/virtupdate/virtupdate/update"
)

// objectsYAML is a small cluster in the object form: OpenShift 4.16.3 and
// OpenShift Virtualization 4.16.2, three workers (one cordoned), a VM that
// cannot migrate under LiveMigrate, one still on an older launcher, a
// budget at its limit and an InstallPlan waiting for approval.
const objectsYAML = `
apiVersion: scenario.virtupdate/v1
kind: Objects
source: {kind: must-gather, collectedAt: "2026-03-01T09:00:00Z"}
clusterVersion:
  channel: stable-4.16
  desired: {version: 4.16.3, channels: [stable-4.16]}
  history: [{state: Completed, version: 4.16.3, startedTime: "2026-02-10T08:00:00Z", completionTime: "2026-02-10T09:30:00Z"}]
  availableUpdates: [{version: 4.16.8}]
pools:
- {name: master, nodeSelector: {matchLabels: {node-role.kubernetes.io/master: ""}}, machineCount: 1, updatedMachineCount: 1, readyMachineCount: 1}
- {name: worker, nodeSelector: {matchLabels: {node-role.kubernetes.io/worker: ""}}, maxUnavailable: 50%, machineCount: 3, updatedMachineCount: 3, readyMachineCount: 3}
nodes:
- metadata: {name: master-0, creationTimestamp: "2025-06-01T00:00:00Z", labels: {node-role.kubernetes.io/master: ""}}
  status: {allocatable: {memory: 31Gi, cpu: "8"}, conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-0, creationTimestamp: "2025-06-01T00:10:00Z", labels: {node-role.kubernetes.io/worker: "", topology.kubernetes.io/zone: a}}
  status: {allocatable: {memory: 250Gi, cpu: "63"}, conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-1, creationTimestamp: "2025-06-01T00:20:00Z", labels: {node-role.kubernetes.io/worker: "", topology.kubernetes.io/zone: b}}
  status: {allocatable: {memory: 250Gi, cpu: "63"}, conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-2, creationTimestamp: "2025-06-01T00:30:00Z", labels: {node-role.kubernetes.io/worker: "", topology.kubernetes.io/zone: a}}
  spec: {unschedulable: true}
  status: {allocatable: {memory: 250Gi, cpu: "63"}, conditions: [{type: Ready, status: "True"}]}
subscriptions:
- {namespace: openshift-cnv, name: hco-operatorhub, package: kubevirt-hyperconverged, channel: stable, installPlanApproval: Manual,
   currentCSV: kubevirt-hyperconverged-operator.v4.16.2, installedCSV: kubevirt-hyperconverged-operator.v4.16.2, state: AtLatestKnown}
csvs:
- {namespace: openshift-cnv, name: kubevirt-hyperconverged-operator.v4.16.2, displayName: OpenShift Virtualization, version: 4.16.2, phase: Succeeded, maxOpenShiftVersion: "4.17"}
installPlans:
- {namespace: openshift-cnv, name: install-9x8zk, csvNames: [kubevirt-hyperconverged-operator.v4.16.5], approval: Manual, approved: false, phase: RequiresApproval}
hyperConverged:
  namespace: openshift-cnv
  name: kubevirt-hyperconverged
  generation: 2
  spec:
    workloadUpdateStrategy: {workloadUpdateMethods: [LiveMigrate], batchEvictionSize: 10, batchEvictionInterval: 1m0s}
    evictionStrategy: LiveMigrate
  status:
    observedGeneration: 2
    versions: [{name: operator, version: 4.16.2}]
    conditions:
    - {type: Available, status: "True", reason: ReconcileCompleted, message: ok, lastTransitionTime: "2026-02-11T10:00:00Z", observedGeneration: 2}
    - {type: Progressing, status: "False", reason: ReconcileCompleted, message: ok, lastTransitionTime: "2026-02-11T10:00:00Z", observedGeneration: 2}
    - {type: Degraded, status: "False", reason: ReconcileCompleted, message: ok, lastTransitionTime: "2026-02-11T10:00:00Z", observedGeneration: 2}
    - {type: Upgradeable, status: "True", reason: ReconcileCompleted, message: ok, lastTransitionTime: "2026-02-11T10:00:00Z", observedGeneration: 2}
    - {type: ReconcileComplete, status: "True", reason: ReconcileCompleted, message: ok, lastTransitionTime: "2026-02-11T10:00:00Z", observedGeneration: 2}
virtualMachines:
- metadata: {namespace: prod, name: db-0}
  spec: {runStrategy: Always, template: {spec: {domain: {devices: {}}}}}
- metadata: {namespace: prod, name: legacy-0}
  spec: {runStrategy: Always, template: {spec: {domain: {devices: {}}}}}
- metadata: {namespace: prod, name: old-0}
  spec: {runStrategy: Always, template: {spec: {domain: {devices: {}}}}}
vmis:
- metadata:
    namespace: prod
    name: db-0
    labels: {app: db}
    ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: db-0, uid: "", controller: true}]
  spec: {domain: {devices: {}, resources: {requests: {memory: 16Gi}}}}
  status:
    phase: Running
    nodeName: worker-0
    launcherContainerImageVersion: registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:new
    conditions: [{type: LiveMigratable, status: "True"}]
- metadata:
    namespace: prod
    name: legacy-0
    ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: legacy-0, uid: "", controller: true}]
  spec: {domain: {devices: {}, resources: {requests: {memory: 4Gi}}}}
  status:
    phase: Running
    nodeName: worker-1
    launcherContainerImageVersion: registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:new
    conditions: [{type: LiveMigratable, status: "False", reason: DisksNotLiveMigratable, message: "cannot migrate VMI: PVC rootdisk is not shared"}]
- metadata:
    namespace: prod
    name: old-0
    labels: {kubevirt.io/outdatedLauncherImage: ""}
    ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: old-0, uid: "", controller: true}]
  spec: {domain: {devices: {}, resources: {requests: {memory: 4Gi}}}}
  status:
    phase: Running
    nodeName: worker-0
    launcherContainerImageVersion: registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:old
    conditions: [{type: LiveMigratable, status: "True"}]
podDisruptionBudgets:
- metadata: {namespace: prod, name: db-quorum}
  spec: {minAvailable: 2, selector: {matchLabels: {app: db}}}
  status: {currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 2}
`

func loadObjects(t *testing.T) *fake.Cluster {
	t.Helper()
	o, err := objects.Parse([]byte(objectsYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func findings(fs []update.Finding, check string) []update.Finding {
	var out []update.Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// TestObjectsPreflight loads a small objects scenario and runs the real
// pre-flight checks on it: they find what the objects hold.
func TestObjectsPreflight(t *testing.T) {
	c := loadObjects(t)
	if got, want := c.Clock().Now(), time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("the clock starts at %v, want the snapshot's collection time %v", got, want)
	}
	fs, err := update.Preflight(t.Context(), c, update.PreflightOptions{Kind: update.KindMinor, To: "4.17.2", Clock: c.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		check, reason, object string
		severity              update.Severity
	}{
		{update.CheckClusterVersion, "the ClusterVersion is the snapshot's", "", update.SeverityInfo},
		{update.CheckWorkloads, "a non-migratable VMI under LiveMigrate blocks drains", "VMI prod/legacy-0", update.SeverityError},
		{update.CheckOutdatedVMIs, "the VMI KubeVirt labelled outdated is still outdated in the fake", "VMI prod/old-0", update.SeverityWarning},
		{update.CheckNodeMaintenance, "the cordoned node", "node worker-2", update.SeverityWarning},
		{update.CheckNodes, "the cordoned worker uses up the pool's maxUnavailable (50% of 3)", "node worker-2 (cordoned)", update.SeverityError},
		{update.CheckDisruptionBudgets, "the budget at its limit", "PodDisruptionBudget prod/db-quorum", update.SeverityError},
		{update.CheckInstallPlans, "the InstallPlan waiting for approval", "InstallPlan openshift-cnv/install-9x8zk (kubevirt-hyperconverged-operator.v4.16.5)", update.SeverityWarning},
	} {
		got := findings(fs, tt.check)
		ok := slices.ContainsFunc(got, func(f update.Finding) bool {
			return f.Severity == tt.severity && (tt.object == "" || slices.Contains(f.Objects, tt.object))
		})
		if !ok {
			t.Errorf("%s: no %s finding %s %q; got %v", tt.reason, tt.check, tt.severity, tt.object, got)
		}
	}
	if cv := findings(fs, update.CheckClusterVersion); len(cv) == 0 || !strings.Contains(cv[0].Reason, "4.16.3") {
		t.Errorf("ClusterVersion finding %v: want 4.16.3", cv)
	}
	for _, f := range findings(fs, update.CheckOutdatedVMIs) {
		if slices.Contains(f.Objects, "VMI prod/db-0") {
			t.Error("db-0 runs the current launcher, yet pre-flight calls it outdated")
		}
	}
}

func TestObjectsState(t *testing.T) {
	c := loadObjects(t)
	ctx := t.Context()
	if n := c.OutdatedVMIs(); n != 1 {
		t.Errorf("%d outdated VMIs in the fake, want 1 (only the one KubeVirt labelled)", n)
	}
	// The operator's Subscription keeps its own name (hco-operatorhub, as
	// the objects hold it); no Subscription of the default name is made up.
	sub, err := c.GetSubscription(ctx, update.DefaultNamespace, "hco-operatorhub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSubscription(ctx, update.DefaultNamespace, update.DefaultSubscriptionName); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("a Subscription %s the objects do not hold: %v, want ErrNotFound", update.DefaultSubscriptionName, err)
	}
	if sub.InstallPlanApproval != update.ApprovalManual || sub.InstalledCSV != "kubevirt-hyperconverged-operator.v4.16.2" {
		t.Errorf("the CNV Subscription %+v: want Manual, installed 4.16.2", sub)
	}
	pools, err := c.ListMachineConfigPools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.Name == "worker" && p.MaxUnavailable != 1 {
			t.Errorf("worker maxUnavailable %d, want 1 (50%% of 3 workers, rounded down)", p.MaxUnavailable)
		}
	}
	hc, err := c.GetHyperConverged(ctx)
	if err != nil || hc.Status.OperatorVersion() != "4.16.2" {
		t.Fatalf("HyperConverged %+v, %v", hc, err)
	}
	pdbs, err := c.ListPodDisruptionBudgets(ctx)
	if err != nil || len(pdbs) != 1 {
		t.Errorf("budgets %v, %v", pdbs, err)
	}
	vms, err := c.ListVirtualMachines(ctx, update.ListOptions{})
	if err != nil || len(vms) != 3 {
		t.Errorf("VMs: %d, %v", len(vms), err)
	}

	// A snapshot of the fake holds the same objects.
	o, err := snapshot.ReadCluster(ctx, c, snapshot.ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Nodes) != 4 || len(o.VMIs) != 3 || len(o.Pools) != 2 || o.HyperConverged == nil || len(o.PodDisruptionBudgets) != 1 {
		t.Errorf("snapshot of the loaded fake: %d nodes, %d VMIs, %d pools, HCO %v, %d budgets", len(o.Nodes), len(o.VMIs), len(o.Pools), o.HyperConverged != nil, len(o.PodDisruptionBudgets))
	}
}

// TestObjectsFromMustGather: a real must-gather, read by the snapshot
// package, loads and pre-flight reads it.
func TestObjectsFromMustGather(t *testing.T) {
	o, err := snapshot.ReadMustGather("../snapshot/testdata/must-gather/ocp-4.9-metal", snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := update.Preflight(t.Context(), c, update.PreflightOptions{Kind: update.KindZStream, To: "4.9.1", Clock: c.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	cv := findings(fs, update.CheckClusterVersion)
	if len(cv) != 1 || !strings.Contains(cv[0].Reason, "4.9.0-0.nightly-2021-09-10-170926") {
		t.Errorf("ClusterVersion findings %v", cv)
	}
	if p := findings(fs, update.CheckPools); len(p) != 1 || !strings.Contains(p[0].Reason, "all 2 machine config pools are updated") {
		t.Errorf("pool findings %v", p)
	}
	nodes, err := c.ListNodes(t.Context())
	if err != nil || len(nodes) != 6 {
		t.Errorf("%d nodes, %v", len(nodes), err)
	}
}

func TestObjectsRefused(t *testing.T) {
	o, err := objects.Parse([]byte(objectsYAML))
	if err != nil {
		t.Fatal(err)
	}
	o.VMIs[0].Status.NodeName = "worker-9"
	_, err = fake.NewClusterFromObjects(o, fake.Options{})
	if !errors.Is(err, update.ErrInvalid) || !strings.Contains(err.Error(), `"worker-9"`) {
		t.Errorf("a VMI on a node the objects do not hold: %v", err)
	}
	o, _ = objects.Parse([]byte(objectsYAML))
	o.APIVersion = "v1"
	if _, err := fake.NewClusterFromObjects(o, fake.Options{}); !errors.Is(err, objects.ErrInvalid) {
		t.Errorf("invalid objects: %v", err)
	}
}
