package fake_test

import (
	"context"
	"slices"
	"testing"
	"time"

	objects "github.com/virtupdate/virtupdate/scenario"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
)

// poolsYAML: custom pools select their nodes by spec.nodeSelector. infra
// takes the workers labelled infra; gpu and infra both select dual-0; a
// master labelled infra stays in master; a Windows worker is in no pool.
const poolsYAML = `
apiVersion: scenario.virtupdate/v1
kind: Objects
source: {kind: must-gather, collectedAt: "2026-03-01T09:00:00Z"}
clusterVersion:
  channel: stable-4.16
  desired: {version: 4.16.3, channels: [stable-4.16]}
  history: [{state: Completed, version: 4.16.3, startedTime: "2026-02-10T08:00:00Z", completionTime: "2026-02-10T09:30:00Z"}]
  availableUpdates: [{version: 4.16.8}]
pools:
- {name: master, nodeSelector: {matchLabels: {node-role.kubernetes.io/master: ""}}}
- {name: worker, nodeSelector: {matchLabels: {node-role.kubernetes.io/worker: ""}}, maxUnavailable: 50%}
- {name: infra, nodeSelector: {matchLabels: {node-role.kubernetes.io/infra: ""}}}
- {name: gpu, nodeSelector: {matchExpressions: [{key: node-role.kubernetes.io/gpu, operator: Exists}]}}
nodes:
- metadata: {name: master-0, labels: {node-role.kubernetes.io/master: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: master-1, labels: {node-role.kubernetes.io/master: "", node-role.kubernetes.io/infra: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-0, labels: {node-role.kubernetes.io/worker: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-1, labels: {node-role.kubernetes.io/worker: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: infra-0, labels: {node-role.kubernetes.io/worker: "", node-role.kubernetes.io/infra: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: infra-1, labels: {node-role.kubernetes.io/worker: "", node-role.kubernetes.io/infra: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: dual-0, labels: {node-role.kubernetes.io/worker: "", node-role.kubernetes.io/infra: "", node-role.kubernetes.io/gpu: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: win-0, labels: {node-role.kubernetes.io/worker: "", kubernetes.io/os: windows}}
  status: {conditions: [{type: Ready, status: "True"}]}
`

// A node is in the pool the MCO's rule gives by the pools' node selectors,
// and only that pool rolls it out.
// MCO: pkg/helpers/helpers.go ListPools (an empty selector matches nothing;
// Windows nodes are not managed) and GetPoolsForNode (more than one custom
// pool: refused; one custom pool and master: master; one custom pool: the
// custom one, worker only secondary; master; else worker), and
// pkg/controller/node/node_controller.go getNodesForPool (a pool's nodes
// are the selected nodes whose primary pool it is).
func TestObjectsPoolsByNodeSelector(t *testing.T) {
	o, err := objects.Parse([]byte(poolsYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SetDesiredUpdate(ctx, "4.16.8"); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(6 * time.Hour); err != nil {
		t.Fatal(err)
	}
	pools, err := c.ListMachineConfigPools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int32{}
	for _, p := range pools {
		count[p.Name] = p.MachineCount
		if p.NodeSelector == nil {
			t.Errorf("pool %s lost its spec.nodeSelector", p.Name)
		}
	}
	for _, tt := range []struct {
		pool   string
		want   int32
		reason string
	}{
		{"master", 2, "master-0, and master-1 which infra selects too: master wins over a custom pool"},
		{"worker", 2, "worker-0 and worker-1: the workers infra selects are not in worker"},
		{"infra", 2, "infra-0 and infra-1: a single custom pool wins over worker"},
		{"gpu", 0, "dual-0, which gpu and infra both select, is in neither"},
	} {
		if count[tt.pool] != tt.want {
			t.Errorf("pool %s has %d machines, want %d: %s", tt.pool, count[tt.pool], tt.want, tt.reason)
		}
	}
	rebooted := map[string]bool{}
	for _, e := range c.Events() {
		if e.Kind == fake.KindNode && e.Reason == "Rebooting" {
			rebooted[e.Name] = true
		}
	}
	for _, tt := range []struct {
		node   string
		pool   string // "" for none
		reason string
	}{
		{"master-1", "master", "in master"},
		{"worker-0", "worker", "in worker"},
		{"infra-1", "infra", "rolled out by infra, with infra's configuration"},
		{"dual-0", "", "two custom pools select it: the MCO does not update it"},
		{"win-0", "", "a Windows node is not managed by the MCO"},
	} {
		if rebooted[tt.node] != (tt.pool != "") {
			t.Errorf("%s rebooted %v: %s", tt.node, rebooted[tt.node], tt.reason)
		}
		if tt.pool == "" {
			continue
		}
		want := fake.RenderedConfigName(tt.pool, "4.16.8")
		if got := c.MachineConfigDaemonAnnotations(tt.node)[update.NodeCurrentConfigAnnotation]; got != want {
			t.Errorf("%s runs %q, want %q: %s", tt.node, got, want, tt.reason)
		}
	}
}

// maxUnavailable scales with the pool's own nodes: worker's 50% is of its
// two nodes (1 at a time), not of every node labelled worker. MCO:
// pkg/controller/node/node_controller.go getNodesForPool and maxUnavailable.
func TestObjectsCustomPoolLeavesWorkerSmaller(t *testing.T) {
	o, err := objects.Parse([]byte(poolsYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	pools, err := c.ListMachineConfigPools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(pools, func(p update.MachineConfigPool) bool { return p.Name == "worker" })
	if i < 0 || pools[i].MaxUnavailable != 1 {
		t.Errorf("worker pool %+v: want maxUnavailable 1 (50%% of its 2 nodes; with the 4 infra and Windows workers it would be 2)", pools)
	}
}

// subscriptionYAML: OpenShift Virtualization installed through a
// Subscription that is not named after the package, as the console or a
// GitOps repository may name it.
const subscriptionYAML = `
apiVersion: scenario.virtupdate/v1
kind: Objects
source: {kind: must-gather, collectedAt: "2026-03-01T09:00:00Z"}
clusterVersion:
  channel: stable-4.16
  desired: {version: 4.16.3, channels: [stable-4.16]}
  history: [{state: Completed, version: 4.16.3, startedTime: "2026-02-10T08:00:00Z", completionTime: "2026-02-10T09:30:00Z"}]
nodes:
- metadata: {name: master-0, labels: {node-role.kubernetes.io/master: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-0, labels: {node-role.kubernetes.io/worker: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
- metadata: {name: worker-1, labels: {node-role.kubernetes.io/worker: ""}}
  status: {conditions: [{type: Ready, status: "True"}]}
subscriptions:
- {namespace: openshift-cnv, name: hco-operatorhub, package: kubevirt-hyperconverged, channel: stable, source: redhat-operators, installPlanApproval: Manual,
   currentCSV: kubevirt-hyperconverged-operator.v4.16.2, installedCSV: kubevirt-hyperconverged-operator.v4.16.2, state: AtLatestKnown}
csvs:
- {namespace: openshift-cnv, name: kubevirt-hyperconverged-operator.v4.16.2, displayName: OpenShift Virtualization, version: 4.16.2, phase: Succeeded, maxOpenShiftVersion: "4.17"}
hyperConverged:
  namespace: openshift-cnv
  name: kubevirt-hyperconverged
  status:
    versions: [{name: operator, version: 4.16.2}]
`

// OLM resolves a Subscription by its package (spec.name), whatever the
// Subscription is called: the fake's OLM drives the operator's own
// Subscription, and a plan that names it updates the operator.
// OLM: pkg/controller/registry/resolver/resolver.go (the candidates of a
// Subscription are those of sub.Spec.Package),
// pkg/controller/operators/catalog/operator.go syncResolvingNamespace.
func TestObjectsOwnSubscriptionName(t *testing.T) {
	o, err := objects.Parse([]byte(subscriptionYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.SetCatalog("4.16.5")
	plan, err := update.ZStreamPlan(update.Request{From: update.Versions{OCP: "4.16.3", CNV: "4.16.2"}, To: "4.16.3",
		CNVCatalog: []string{"4.16.5"}, Subscription: "hco-operatorhub"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := update.Run(context.Background(), c, plan, update.Options{Clock: c.Clock(), Waiter: c})
	if err != nil {
		t.Fatalf("the z-stream naming the cluster's Subscription: %v (%+v)", err, res)
	}
	ctx := context.Background()
	sub, err := c.GetSubscription(ctx, update.DefaultNamespace, "hco-operatorhub")
	if err != nil {
		t.Fatal(err)
	}
	if sub.InstalledCSV != fake.CSVName("4.16.5") || sub.InstallPlanApproval != update.ApprovalManual {
		t.Errorf("Subscription hco-operatorhub %+v: want 4.16.5 installed through it, its Manual approval kept", sub)
	}
	if _, err := c.GetSubscription(ctx, update.DefaultNamespace, update.DefaultSubscriptionName); err == nil {
		t.Errorf("a Subscription %s appeared beside the cluster's own", update.DefaultSubscriptionName)
	}
}

// SetCatalog changes what the catalog offers and nothing else: the
// Subscription and CSVs stay as the objects hold them (the CSV's
// olm.maxOpenShiftVersion too), and OLM offers the newest version of the
// minor, in an InstallPlan through the operator's Subscription.
// OLM: pkg/controller/operators/catalog/operator.go syncResolvingNamespace
// (a newer bundle in the Subscription's channel makes an InstallPlan).
func TestSetCatalog(t *testing.T) {
	o, err := objects.Parse([]byte(subscriptionYAML))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fake.NewClusterFromObjects(o, fake.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if ips, _ := c.ListInstallPlans(ctx, update.DefaultNamespace); len(ips) != 0 {
		t.Fatalf("InstallPlans %+v before any catalog is set: the fake knows no catalog", ips)
	}
	c.SetCatalog("4.16.4", "4.16.5", "4.17.0")
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	ips, err := c.ListInstallPlans(ctx, update.DefaultNamespace)
	if err != nil || len(ips) != 1 || !slices.Equal(ips[0].CSVNames, []string{fake.CSVName("4.16.5")}) {
		t.Fatalf("InstallPlans %+v, %v: want one for 4.16.5 (the newest 4.16.z; 4.17 waits for OpenShift 4.17), waiting for approval", ips, err)
	}
	sub, err := c.GetSubscription(ctx, update.DefaultNamespace, "hco-operatorhub")
	if err != nil {
		t.Fatal(err)
	}
	if sub.InstallPlanRef != ips[0].Name || sub.InstallPlanApproval != update.ApprovalManual || ips[0].Approved {
		t.Errorf("Subscription %+v: want the InstallPlan %s through it and its spec as found", sub, ips[0].Name)
	}
	found := false
	for _, e := range c.Events() {
		if e.Kind == fake.KindCSV && e.Reason == "PropertiesChanged" && e.Name == fake.CSVName("4.16.2") {
			found = true
		}
	}
	if !found {
		t.Error("the CSV's olm.maxOpenShiftVersion as found was not kept")
	}
}
