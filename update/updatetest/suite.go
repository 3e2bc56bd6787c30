package updatetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// Run runs the conformance suite against the clusters newCluster returns.
func Run(t *testing.T, newCluster NewCluster) {
	t.Run("WorkloadUpdateMethods", func(t *testing.T) { testWorkloadUpdateMethods(t, newCluster) })
	t.Run("EvictionStrategy", func(t *testing.T) { testEvictionStrategy(t, newCluster) })
	t.Run("DisruptionBudgets", func(t *testing.T) { testDisruptionBudgets(t, newCluster) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, newCluster) })
	t.Run("InstallPlans", func(t *testing.T) { testInstallPlans(t, newCluster) })
	t.Run("Lists", func(t *testing.T) { testLists(t, newCluster) })
	t.Run("ClusterVersion", func(t *testing.T) { testClusterVersion(t, newCluster) })
	t.Run("Pools", func(t *testing.T) { testPools(t, newCluster) })
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, newCluster) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newCluster) })
	t.Run("AdminGates", func(t *testing.T) { testAdminGates(t, newCluster) })
	t.Run("ConditionalUpdates", func(t *testing.T) { testConditionalUpdates(t, newCluster) })
}

// Methods returns a pointer to the list, for the three-state field.
func Methods(m ...kubevirtv1.WorkloadUpdateMethod) *[]kubevirtv1.WorkloadUpdateMethod {
	if m == nil {
		m = []kubevirtv1.WorkloadUpdateMethod{}
	}
	return &m
}

// HyperConverged returns a HyperConverged with the given methods field.
func HyperConverged(methods *[]kubevirtv1.WorkloadUpdateMethod) *update.HyperConverged {
	return &update.HyperConverged{
		Namespace: update.DefaultNamespace, Name: update.HyperConvergedName,
		Spec: update.HyperConvergedSpec{WorkloadUpdateStrategy: update.WorkloadUpdateStrategy{WorkloadUpdateMethods: methods}},
	}
}

func testWorkloadUpdateMethods(t *testing.T, newCluster NewCluster) {
	live, evict := kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict
	ctx := t.Context()

	// HCO's CRD defaults an absent strategy: the field reads [LiveMigrate]
	// with batch 10 / 1m0s (testdata/crds NOTICE: measured on the real CRD).
	c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil)})
	read := func(what string) update.WorkloadUpdateStrategy {
		t.Helper()
		hc, err := c.GetHyperConverged(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return hc.Spec.WorkloadUpdateStrategy
	}
	st := read("created without a strategy")
	if got := st.WorkloadUpdateMethods; got == nil || !slices.Equal(*got, update.DefaultWorkloadUpdateMethods) {
		t.Fatalf("created without a strategy, the field reads %s, want HCO's default %s", update.ShowMethods(got), update.ShowMethods(&update.DefaultWorkloadUpdateMethods))
	}
	if st.BatchEvictionSize == nil || *st.BatchEvictionSize != update.DefaultBatchEvictionSize ||
		st.BatchEvictionInterval == nil || st.BatchEvictionInterval.Duration.String() != update.DefaultBatchEvictionInterval {
		size, interval := "absent", "absent"
		if st.BatchEvictionSize != nil {
			size = fmt.Sprint(*st.BatchEvictionSize)
		}
		if st.BatchEvictionInterval != nil {
			interval = st.BatchEvictionInterval.Duration.String()
		}
		t.Errorf("created without a strategy, batchEvictionSize/Interval read %s/%s, want HCO's defaults %d/%s",
			size, interval, update.DefaultBatchEvictionSize, update.DefaultBatchEvictionInterval)
	}

	// Each step changes the field from one state to another; together they
	// visit the default, empty and lists, and every transition between
	// them. A from of nil stands for the default a server stores.
	steps := []struct {
		from, to *[]kubevirtv1.WorkloadUpdateMethod
		reason   string
	}{
		{nil, Methods(), "absent is the stored default [LiveMigrate]: off"},
		{Methods(), Methods(live, evict), "[] to a list"},
		{Methods(live, evict), Methods(evict, live), "the order is kept"},
		{Methods(evict, live), Methods(live), "a list to the default"},
		{Methods(live), Methods(evict), "the default to another list"},
		{Methods(evict), Methods(), "a list to []"},
		{Methods(), Methods(), "[] to [] writes nothing"},
		{Methods(evict), Methods(), "a retried write that already landed succeeds (current is already to)"},
	}
	for i, s := range steps {
		if err := c.SetWorkloadUpdateMethods(ctx, s.from, s.to); err != nil {
			t.Fatalf("step %d (%s): %s → %s: %v", i, s.reason, update.ShowMethods(s.from), update.ShowMethods(s.to), err)
		}
		if got := read("after a step").WorkloadUpdateMethods; got == nil || !slices.Equal(*got, *s.to) {
			t.Fatalf("step %d (%s): after %s → %s the field reads %s", i, s.reason, update.ShowMethods(s.from), update.ShowMethods(s.to), update.ShowMethods(got))
		}
	}

	// Writes the server cannot hold, or KubeVirt would ignore, are refused
	// before anything is written.
	for _, bad := range []struct {
		to     *[]kubevirtv1.WorkloadUpdateMethod
		reason string
	}{
		{nil, "absent cannot be stored: HCO's CRD defaults it"},
		{Methods("Reboot"), "an unknown method: the CRD stores it, KubeVirt ignores it"},
		{Methods(live, live), "a repeated method"},
	} {
		err := c.SetWorkloadUpdateMethods(ctx, Methods(), bad.to)
		if !errors.Is(err, update.ErrInvalid) {
			t.Errorf("%s: set [] → %s: err = %v, want ErrInvalid", bad.reason, update.ShowMethods(bad.to), err)
		}
	}

	// A compare-and-swap from the wrong value is a conflict and changes
	// nothing.
	for _, wrong := range []*[]kubevirtv1.WorkloadUpdateMethod{Methods(live), nil, Methods(evict)} {
		err := c.SetWorkloadUpdateMethods(ctx, wrong, Methods(live, evict))
		if !errors.Is(err, update.ErrConflict) {
			t.Errorf("set from %s while the field is []: err = %v, want ErrConflict", update.ShowMethods(wrong), err)
		}
	}
	if got := read("after refused writes").WorkloadUpdateMethods; got == nil || len(*got) != 0 {
		t.Errorf("a refused write changed the field to %s", update.ShowMethods(got))
	}

	// An explicit [] in the object as created stays [].
	c = newCluster(t, Fixture{HyperConverged: HyperConverged(Methods())})
	if got := read("created with []").WorkloadUpdateMethods; got == nil || len(*got) != 0 {
		t.Errorf("created with [], the field reads %s", update.ShowMethods(got))
	}
}

// testEvictionStrategy pins where the cluster-wide eviction strategy is
// read: the KubeVirt CR's spec.configuration.evictionStrategy, which HCO
// writes from its spec.evictionStrategy.
func testEvictionStrategy(t *testing.T, newCluster NewCluster) {
	ctx := t.Context()
	live, none := kubevirtv1.EvictionStrategyLiveMigrate, kubevirtv1.EvictionStrategyNone
	ifPossible := kubevirtv1.EvictionStrategyLiveMigrateIfPossible
	hc := HyperConverged(nil)
	hc.Spec.EvictionStrategy = &live
	cases := []struct {
		reason string
		f      Fixture
		want   kubevirtv1.EvictionStrategy
		from   string
	}{
		{"the KubeVirt CR's value is what virt-controller applies", Fixture{HyperConverged: hc, KubeVirt: KubeVirt(&ifPossible)}, ifPossible, update.EvictionFromKubeVirt},
		{"a KubeVirt CR without a value: KubeVirt's default None", Fixture{HyperConverged: hc, KubeVirt: KubeVirt(nil)}, none, update.EvictionFromDefault},
		{"no KubeVirt CR: the HyperConverged's value stands for it", Fixture{HyperConverged: hc}, live, update.EvictionFromHyperConverged},
		{"neither", Fixture{HyperConverged: HyperConverged(nil)}, none, update.EvictionFromDefault},
	}
	for _, tc := range cases {
		c := newCluster(t, tc.f)
		got, from, err := update.ReadClusterEvictionStrategy(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if got != tc.want || from != tc.from {
			t.Errorf("%s: strategy = %s from %q, want %s from %q", tc.reason, got, from, tc.want, tc.from)
		}
		if tc.f.KubeVirt == nil {
			if _, err := c.GetKubeVirt(ctx); !errors.Is(err, update.ErrNotFound) {
				t.Errorf("%s: GetKubeVirt without one: err = %v, want ErrNotFound", tc.reason, err)
			}
		}
		read, err := c.GetHyperConverged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if w := tc.f.HyperConverged.Spec.EvictionStrategy; (w == nil) != (read.Spec.EvictionStrategy == nil) || (w != nil && *w != *read.Spec.EvictionStrategy) {
			t.Errorf("%s: HyperConverged spec.evictionStrategy reads %v, want %v", tc.reason, read.Spec.EvictionStrategy, w)
		}
	}
}

// KubeVirt returns the KubeVirt CR HCO creates, with the cluster-wide
// eviction strategy (nil: unset).
func KubeVirt(eviction *kubevirtv1.EvictionStrategy) *kubevirtv1.KubeVirt {
	return &kubevirtv1.KubeVirt{
		ObjectMeta: metav1.ObjectMeta{Namespace: update.DefaultNamespace, Name: KubeVirtName},
		Spec:       kubevirtv1.KubeVirtSpec{Configuration: kubevirtv1.KubeVirtConfiguration{EvictionStrategy: eviction}},
	}
}

// KubeVirtName is the name HCO gives its KubeVirt CR.
const KubeVirtName = "kubevirt-kubevirt-hyperconverged"

func testCheckpoints(t *testing.T, newCluster NewCluster) {
	c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil)})
	ctx := t.Context()
	if _, err := c.LoadCheckpoint(ctx, "plan"); !errors.Is(err, update.ErrNotFound) {
		t.Fatalf("load before any save: err = %v, want ErrNotFound", err)
	}
	data := []byte("{\"step\":3}\x00\xff binary \n")
	saved, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if saved.ResourceVersion == "" {
		t.Fatal("save returned no resourceVersion")
	}
	got, err := c.LoadCheckpoint(ctx, "plan")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, data) || got.ResourceVersion != saved.ResourceVersion {
		t.Fatalf("load = %q@%s, want %q@%s", got.Data, got.ResourceVersion, data, saved.ResourceVersion)
	}
	if _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("again")}); !errors.Is(err, update.ErrConflict) {
		t.Errorf("creating a record that exists: err = %v, want ErrConflict", err)
	}
	next, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("v2"), ResourceVersion: saved.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	if next.ResourceVersion == saved.ResourceVersion {
		t.Error("a save must change the resourceVersion")
	}
	if _, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("stale"), ResourceVersion: saved.ResourceVersion}); !errors.Is(err, update.ErrConflict) {
		t.Errorf("save with a stale resourceVersion: err = %v, want ErrConflict", err)
	}
	if got, _ := c.LoadCheckpoint(ctx, "plan"); string(got.Data) != "v2" {
		t.Errorf("after a refused save the record reads %q, want v2", got.Data)
	}
	if _, err := c.LoadCheckpoint(ctx, "other"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("records are kept apart by name: err = %v", err)
	}
}

func testInstallPlans(t *testing.T, newCluster NewCluster) {
	ns := update.DefaultNamespace
	c := newCluster(t, Fixture{
		HyperConverged: HyperConverged(nil),
		InstallPlans: []update.InstallPlan{
			{Namespace: ns, Name: "install-a", CSVNames: []string{"kubevirt-hyperconverged-operator.v4.14.4"}, Approval: update.ApprovalManual, Phase: update.InstallPlanRequiresApproval},
			{Namespace: ns, Name: "install-b", CSVNames: []string{"kubevirt-hyperconverged-operator.v4.15.0"}, Approval: update.ApprovalManual, Phase: update.InstallPlanRequiresApproval},
		},
	})
	ctx := t.Context()
	if err := c.ApproveInstallPlan(ctx, ns, "install-b"); err != nil {
		t.Fatal(err)
	}
	ips, err := c.ListInstallPlans(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(ips) != 2 || ips[0].Name != "install-a" || ips[1].Name != "install-b" {
		t.Fatalf("list = %+v, want install-a and install-b sorted by name", ips)
	}
	if ips[0].Approved || !ips[1].Approved {
		t.Errorf("approved = %v, %v; approving install-b must approve it and no other", ips[0].Approved, ips[1].Approved)
	}
	if !slices.Equal(ips[1].CSVNames, []string{"kubevirt-hyperconverged-operator.v4.15.0"}) {
		t.Errorf("CSV names = %v", ips[1].CSVNames)
	}
	if err := c.ApproveInstallPlan(ctx, ns, "install-zzz"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("approve a plan that does not exist: err = %v, want ErrNotFound", err)
	}
	if other, err := c.ListInstallPlans(ctx, "other-namespace"); err != nil || len(other) != 0 {
		t.Errorf("another namespace lists %d plans, err %v; want none", len(other), err)
	}
}

func vmi(ns, name string, labels map[string]string) kubevirtv1.VirtualMachineInstance {
	return kubevirtv1.VirtualMachineInstance{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Status:     kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: "worker-0"},
	}
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = name(x)
	}
	return out
}

func vmiName(v kubevirtv1.VirtualMachineInstance) string { return v.Namespace + "/" + v.Name }

func testLists(t *testing.T, newCluster NewCluster) {
	old := map[string]string{"kubevirt.io/outdatedLauncherImage": ""}
	c := newCluster(t, Fixture{
		HyperConverged: HyperConverged(nil),
		VMIs: []kubevirtv1.VirtualMachineInstance{
			vmi("prod", "db", old), vmi("dev", "web", nil), vmi("prod", "api", map[string]string{"tier": "front"}), vmi("dev", "cache", old),
		},
		VirtualMachines: []kubevirtv1.VirtualMachine{{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"}}},
		Nodes: []corev1.Node{
			{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"}}, {ObjectMeta: metav1.ObjectMeta{Name: "worker-0"}},
		},
		NodeMaintenances: []update.NodeMaintenance{
			{Group: update.NodeMaintenanceMedik8s, Name: "nm-b", NodeName: "worker-1", Reason: "disk"},
			{Group: update.NodeMaintenanceKubeVirt, Name: "nm-a", NodeName: "worker-0", Reason: "bios"},
		},
		CSVs: []conditions.CSV{
			{Name: "kubevirt-hyperconverged-operator.v4.14.4", Version: "4.14.4", Phase: conditions.CSVPhaseSucceeded},
		},
	})
	ctx := t.Context()
	for _, tt := range []struct {
		reason string
		opts   update.ListOptions
		want   []string
	}{
		{"all namespaces, sorted by namespace then name", update.ListOptions{}, []string{"dev/cache", "dev/web", "prod/api", "prod/db"}},
		{"one namespace", update.ListOptions{Namespace: "prod"}, []string{"prod/api", "prod/db"}},
		{"label exists", update.ListOptions{LabelSelector: "kubevirt.io/outdatedLauncherImage"}, []string{"dev/cache", "prod/db"}},
		{"label and namespace", update.ListOptions{Namespace: "dev", LabelSelector: "kubevirt.io/outdatedLauncherImage"}, []string{"dev/cache"}},
		{"label value", update.ListOptions{LabelSelector: "tier=front"}, []string{"prod/api"}},
		{"label does not exist", update.ListOptions{LabelSelector: "!kubevirt.io/outdatedLauncherImage"}, []string{"dev/web", "prod/api"}},
	} {
		got, err := c.ListVMIs(ctx, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		if g := names(got, vmiName); !slices.Equal(g, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, g, tt.want)
		}
	}
	if _, err := c.ListVMIs(ctx, update.ListOptions{LabelSelector: "a in (b"}); err == nil {
		t.Error("a malformed label selector must be an error")
	}
	vms, err := c.ListVirtualMachines(ctx, update.ListOptions{Namespace: "prod"})
	if err != nil || len(vms) != 1 || vms[0].Name != "db" {
		t.Errorf("virtual machines = %v, err %v", vms, err)
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g := names(nodes, func(n corev1.Node) string { return n.Name }); !slices.Equal(g, []string{"worker-0", "worker-1"}) {
		t.Errorf("nodes = %v, want sorted by name", g)
	}
	nms, err := c.ListNodeMaintenances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNMs := []update.NodeMaintenance{
		{Group: update.NodeMaintenanceKubeVirt, Name: "nm-a", NodeName: "worker-0", Reason: "bios"},
		{Group: update.NodeMaintenanceMedik8s, Name: "nm-b", NodeName: "worker-1", Reason: "disk"},
	}
	if len(nms) != 2 || nms[0].Group != wantNMs[0].Group || nms[0].NodeName != "worker-0" || nms[1].Group != wantNMs[1].Group || nms[1].Reason != "disk" {
		t.Errorf("node maintenances = %+v, want both API groups, sorted by group: %+v", nms, wantNMs)
	}
	csvs, err := c.ListCSVs(ctx, update.DefaultNamespace)
	if err != nil || len(csvs) != 1 || csvs[0].Version != "4.14.4" || csvs[0].Phase != conditions.CSVPhaseSucceeded {
		t.Errorf("csvs = %+v, err %v", csvs, err)
	}
}

func testClusterVersion(t *testing.T, newCluster NewCluster) {
	c := newCluster(t, Fixture{
		HyperConverged: HyperConverged(nil),
		ClusterVersion: &update.ClusterVersion{Channel: "eus-4.14", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}},
			DesiredChannels: []string{"eus-4.14", "eus-4.16", "stable-4.14"}},
	})
	ctx := t.Context()
	if err := c.SetChannel(ctx, "eus-4.16"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetDesiredUpdate(ctx, "4.15.30"); err != nil {
		t.Fatal(err)
	}
	cv, err := c.GetClusterVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Channel != "eus-4.16" || cv.DesiredVersion != "4.15.30" {
		t.Errorf("channel %q desired %q; want eus-4.16 and 4.15.30", cv.Channel, cv.DesiredVersion)
	}
	if cv.CurrentVersion() != "4.14.20" {
		t.Errorf("current version = %q, want 4.14.20 (history is status, not changed by spec writes)", cv.CurrentVersion())
	}
	if !slices.Equal(cv.DesiredChannels, []string{"eus-4.14", "eus-4.16", "stable-4.14"}) {
		t.Errorf("status.desired.channels read %v", cv.DesiredChannels)
	}
}

// testDisruptionBudgets pins the optional PodDisruptionBudgets port: every
// budget of every namespace, sorted, with its status as the API holds it.
func testDisruptionBudgets(t *testing.T, newCluster NewCluster) {
	one := intstr.FromInt32(1)
	pdb := func(ns, name string, allowed int32) policyv1.PodDisruptionBudget {
		return policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:   policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}},
			Status: policyv1.PodDisruptionBudgetStatus{ExpectedPods: 2, CurrentHealthy: 2, DesiredHealthy: 1, DisruptionsAllowed: allowed}}
	}
	c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil),
		PodDisruptionBudgets: []policyv1.PodDisruptionBudget{pdb("shop", "web", 1), pdb("bank", "db", 0)}})
	pc, ok := c.(update.PodDisruptionBudgets)
	if !ok {
		t.Skip("this cluster does not implement the optional update.PodDisruptionBudgets port")
	}
	got, err := pc.ListPodDisruptionBudgets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		if p.Namespace == "bank" || p.Namespace == "shop" {
			names = append(names, fmt.Sprintf("%s/%s:%d", p.Namespace, p.Name, p.Status.DisruptionsAllowed))
		}
	}
	if !slices.Equal(names, []string{"bank/db:0", "shop/web:1"}) {
		t.Errorf("budgets = %v, want bank/db:0 and shop/web:1 in that order", names)
	}
}

func testPools(t *testing.T, newCluster NewCluster) {
	c := newCluster(t, Fixture{
		HyperConverged: HyperConverged(nil),
		Pools:          []update.MachineConfigPool{{Name: "worker", MaxUnavailable: 1}, {Name: "master", MaxUnavailable: 1}},
	})
	ctx := t.Context()
	if err := c.SetPoolPaused(ctx, "worker", true); err != nil {
		t.Fatal(err)
	}
	pools, err := c.ListMachineConfigPools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 2 || pools[0].Name != "master" || pools[0].Paused || pools[1].Name != "worker" || !pools[1].Paused {
		t.Errorf("pools = %+v; want master (not paused) then worker (paused)", pools)
	}
	if err := c.SetPoolPaused(ctx, "worker", false); err != nil {
		t.Fatal(err)
	}
	if pools, _ := c.ListMachineConfigPools(ctx); len(pools) != 2 || pools[1].Paused {
		t.Errorf("unpause did not take: %+v", pools)
	}
	if err := c.SetPoolPaused(ctx, "infra", true); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("pause a pool that does not exist: err = %v, want ErrNotFound", err)
	}
}

func testMigrations(t *testing.T, newCluster NewCluster) {
	c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil), VMIs: []kubevirtv1.VirtualMachineInstance{vmi("prod", "db", nil)}})
	ctx := t.Context()
	created, err := c.CreateMigration(ctx, &kubevirtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "prod", GenerateName: "kubevirt-workload-update-"},
		Spec:       kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "db"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Name) <= len("kubevirt-workload-update-") || created.Name[:len("kubevirt-workload-update-")] != "kubevirt-workload-update-" {
		t.Errorf("created name %q does not honour the generateName", created.Name)
	}
	migs, err := c.ListMigrations(ctx, update.ListOptions{Namespace: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != 1 || migs[0].Name != created.Name || migs[0].Spec.VMIName != "db" {
		t.Errorf("migrations = %v, want the one created", names(migs, func(m kubevirtv1.VirtualMachineInstanceMigration) string { return m.Name }))
	}

	// What KubeVirt's migration-create admitter refuses from a client is
	// refused before anything is created (migration-create-admitter.go).
	prio := kubevirtv1.PrioritySystemCritical
	for _, bad := range []struct {
		reason string
		m      *kubevirtv1.VirtualMachineInstanceMigration
	}{
		{"no migration", nil},
		{"a priority: only virt-controller may set it", &kubevirtv1.VirtualMachineInstanceMigration{
			ObjectMeta: metav1.ObjectMeta{Namespace: "prod", GenerateName: "kubevirt-workload-update-"},
			Spec:       kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "db", Priority: &prio}}},
		{"no VMI named", &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", GenerateName: "x-"}}},
	} {
		if _, err := c.CreateMigration(ctx, bad.m); !errors.Is(err, update.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", bad.reason, err)
		}
	}
	if migs, _ := c.ListMigrations(ctx, update.ListOptions{Namespace: "prod"}); len(migs) != 1 {
		t.Errorf("refused creates left %d migrations, want 1", len(migs))
	}
}

func testNotFound(t *testing.T, newCluster NewCluster) {
	c := newCluster(t, Fixture{HyperConverged: HyperConverged(nil)})
	ctx := t.Context()
	if _, err := c.GetSubscription(ctx, update.DefaultNamespace, "nope"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("GetSubscription: err = %v, want ErrNotFound", err)
	}
	if err := c.EvictVMI(ctx, "prod", "nope"); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("EvictVMI: err = %v, want ErrNotFound", err)
	}
	var oe *update.ObjectError
	if err := c.ApproveInstallPlan(ctx, update.DefaultNamespace, "nope"); !errors.As(err, &oe) || oe.Name != "nope" {
		t.Errorf("errors name the object: %v", err)
	}
}
