package fake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
)

// webhookCluster is a three-worker cluster on which HCO has reconciled,
// with the HyperConverged's spec.evictionStrategy set to cluster (nil: HCO's
// default, LiveMigrate on three workers).
func webhookCluster(t *testing.T, cluster *kubevirtv1.EvictionStrategy, vmis ...kubevirtv1.VirtualMachineInstance) *Cluster {
	t.Helper()
	c := hcoCluster(t, 3, 3, update.HyperConverged{Spec: update.HyperConvergedSpec{EvictionStrategy: cluster}})
	c.AddVMIs(vmis...)
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

func getVMI(t *testing.T, c *Cluster, ns, name string) *kubevirtv1.VirtualMachineInstance {
	t.Helper()
	vmis, _ := c.ListVMIs(context.Background(), update.ListOptions{Namespace: ns})
	for i := range vmis {
		if vmis[i].Name == name {
			return &vmis[i]
		}
	}
	return nil
}

// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/pod-eviction-admitter.go
// admitLauncherPod. The strategy is the VMI's, else the cluster's
// (pkg/util/migrations/migrations.go VMIEvictionStrategy). No strategy and
// None let the pod go; LiveMigrate denies a VMI that cannot migrate;
// LiveMigrate and LiveMigrateIfPossible on a migratable VMI, and External
// always, mark the VMI (status.evacuationNodeName) and answer 429 "Eviction
// triggered evacuation", then "Evacuation in progress" while it is marked.
func TestEvictionWebhook(t *testing.T) {
	ctx := context.Background()
	none, live := kubevirtv1.EvictionStrategyNone, kubevirtv1.EvictionStrategyLiveMigrate
	ifPossible, external := kubevirtv1.EvictionStrategyLiveMigrateIfPossible, kubevirtv1.EvictionStrategyExternal
	const shutDown = "shut down"
	for _, tc := range []struct {
		reason     string
		cluster    *kubevirtv1.EvictionStrategy
		own        *kubevirtv1.EvictionStrategy
		migratable bool
		first      update.EvictionRefusal // "" with shutDown: the pod was evicted
		marked     bool
		migrates   bool // an evacuation migration follows
	}{
		{"own None: the pod is evicted", nil, &none, true, shutDown, false, false},
		{"cluster None, none of its own: evicted", &none, nil, false, shutDown, false, false},
		{"HCO's default LiveMigrate applies to a VMI without its own: not migratable, denied", nil, nil, false, update.EvictionNotMigratable, false, false},
		{"LiveMigrate, migratable: evacuation", &none, &live, true, update.EvacuationTriggered, true, true},
		{"LiveMigrateIfPossible, migratable: evacuation", &none, &ifPossible, true, update.EvacuationTriggered, true, true},
		{"LiveMigrateIfPossible, not migratable: evicted", &live, &ifPossible, false, shutDown, false, false},
		{"External: marked for an external controller, no migration", &none, &external, true, update.EvacuationTriggered, true, false},
		{"External, not migratable: marked too", &none, &external, false, update.EvacuationTriggered, true, false},
	} {
		opts := []vmiOpt{migratable(tc.migratable), ownedByVM()}
		if tc.own != nil {
			opts = append(opts, eviction(*tc.own))
		}
		c := webhookCluster(t, tc.cluster, newVMI("ns", "vm", "w0", LauncherImage("4.14.3"), opts...))
		manual := kubevirtv1.RunStrategyManual // stays off once shut down
		c.AddVirtualMachines(kubevirtv1.VirtualMachine{ObjectMeta: vmiMeta("ns", "vm"), Spec: kubevirtv1.VirtualMachineSpec{RunStrategy: &manual}})
		err := c.EvictVMI(ctx, "ns", "vm")
		vmi := getVMI(t, c, "ns", "vm")
		if tc.first == shutDown {
			if err != nil || vmi.Status.Phase != kubevirtv1.Succeeded {
				t.Errorf("%s: err = %v, phase %s; want the pod evicted and the VMI shut down", tc.reason, err, vmi.Status.Phase)
			}
			continue
		}
		var ee *update.EvictionError
		if !errors.As(err, &ee) || ee.Refusal != tc.first || !errors.Is(err, update.ErrEvictionDenied) {
			t.Errorf("%s: err = %v, want an EvictionError %s", tc.reason, err, tc.first)
			continue
		}
		if started := errors.Is(err, update.ErrEvacuationStarted); started != (tc.first == update.EvacuationTriggered) {
			t.Errorf("%s: errors.Is(ErrEvacuationStarted) = %v", tc.reason, started)
		}
		if tc.first == update.EvictionNotMigratable && ee.Message != "VMI vm is configured with an eviction strategy but is not live-migratable" {
			t.Errorf("%s: message %q, want the webhook's", tc.reason, ee.Message)
		}
		if tc.first == update.EvacuationTriggered && ee.Message != `Eviction triggered evacuation of VMI "ns/vm"` {
			t.Errorf("%s: message %q, want the webhook's", tc.reason, ee.Message)
		}
		if got := vmi.Status.EvacuationNodeName != ""; got != tc.marked || vmi.Status.Phase != kubevirtv1.Running {
			t.Errorf("%s: marked = %v (%q), phase %s; want marked = %v and still running", tc.reason, got, vmi.Status.EvacuationNodeName, vmi.Status.Phase, tc.marked)
		}
		if tc.marked {
			again := c.EvictVMI(ctx, "ns", "vm")
			if !errors.As(again, &ee) || ee.Refusal != update.EvacuationInProgress || !strings.HasPrefix(ee.Message, "Evacuation in progress: ") {
				t.Errorf("%s: a second eviction: %v, want EvacuationInProgress", tc.reason, again)
			}
		}
		if err := c.Advance(time.Minute); err != nil {
			t.Fatal(err)
		}
		migs, _ := c.ListMigrations(ctx, update.ListOptions{Namespace: "ns"})
		if (len(migs) > 0) != tc.migrates {
			t.Errorf("%s: %d migrations after a minute, want an evacuation = %v", tc.reason, len(migs), tc.migrates)
		}
		if tc.migrates {
			m := migs[0]
			if !strings.HasPrefix(m.Name, "kubevirt-evacuation-") || m.Annotations[kubevirtv1.EvacuationMigrationAnnotation] != "w0" ||
				m.Spec.Priority == nil || *m.Spec.Priority != kubevirtv1.PrioritySystemCritical || m.Status.Phase != kubevirtv1.MigrationSucceeded {
				t.Errorf("%s: evacuation migration %s %v priority %v phase %s", tc.reason, m.Name, m.Annotations, m.Spec.Priority, m.Status.Phase)
			}
			if v := getVMI(t, c, "ns", "vm"); v.Status.NodeName == "w0" || v.Status.EvacuationNodeName != "" {
				t.Errorf("%s: after the evacuation the VMI is on %s, marked %q; want moved and unmarked", tc.reason, v.Status.NodeName, v.Status.EvacuationNodeName)
			}
		}
	}
}

// KubeVirt: pkg/virt-api/webhooks/validating-webhook/admitters/migration-create-admitter.go
// (the VMI must exist, not be final, not be LiveMigratable=False, and have
// no migration in flight) and
// pkg/virt-api/webhooks/mutating-webhook/mutators/migration-create-mutator.go
// (the kubevirt.io/vmi-name label).
func TestMigrationCreateAdmission(t *testing.T) {
	ctx := context.Background()
	c := webhookCluster(t, nil,
		newVMI("ns", "a", "w0", LauncherImage("4.14.3"), migratable(true)),
		newVMI("ns", "pinned", "w0", LauncherImage("4.14.3"), migratable(false)))
	vmi := newVMI("ns", "done", "w0", "")
	vmi.Status.Phase = kubevirtv1.Succeeded
	c.AddVMIs(vmi)
	mig := func(name string) *kubevirtv1.VirtualMachineInstanceMigration {
		return &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", GenerateName: "user-"},
			Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: name}}
	}
	first, err := c.CreateMigration(ctx, mig("a"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Labels[kubevirtv1.MigrationSelectorLabel] != "a" || first.UID == "" {
		t.Errorf("created migration labels %v, uid %q; want the vmi-name label and a UID", first.Labels, first.UID)
	}
	for _, tc := range []struct{ reason, vmi, mention string }{
		{"one migration in flight per VMI", "a", "in-flight migration detected. Active migration job (" + string(first.UID) + ")"},
		{"not migratable", "pinned", "Cannot migrate VMI, Reason: DisksNotLiveMigratable"},
		{"final", "done", "Cannot migrate VMI in finalized state."},
		{"missing", "ghost", `the VMI "ns/ghost" does not exist`},
	} {
		_, err := c.CreateMigration(ctx, mig(tc.vmi))
		if err == nil || !strings.Contains(err.Error(), `admission webhook "migration-create-validator.kubevirt.io" denied the request: `+tc.mention) {
			t.Errorf("%s: err = %v, want the webhook's denial mentioning %q", tc.reason, err, tc.mention)
		}
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMigration(ctx, mig("a")); err != nil {
		t.Errorf("once the first migration finished another is admitted: %v", err)
	}
}

// KubeVirt: pkg/virt-controller/watch/migration/migration.go
// (handleTargetPodCreation holds a Pending migration while
// parallelMigrationsPerCluster are running; reEnqueueHighestPriorityPendingMigrations
// hands a freed slot to the Pending migration of highest priority) and
// pkg/util/migrations/migrations.go PriorityFromMigration: an evacuation
// (system-critical, pkg/virt-controller/watch/drain/evacuation/evacuation.go
// GenerateNewMigration) goes before an older migration a user created
// (no priority).
func TestEvacuationGoesBeforeOlderUserMigration(t *testing.T) {
	ctx := context.Background()
	one := uint32(1)
	live := kubevirtv1.EvictionStrategyLiveMigrate
	c := hcoCluster(t, 3, 3, update.HyperConverged{Spec: update.HyperConvergedSpec{
		EvictionStrategy: &live, LiveMigrationConfig: update.LiveMigrationConfig{ParallelMigrationsPerCluster: &one}}})
	cur := LauncherImage("4.14.3")
	c.AddVMIs(newVMI("ns", "running", "w0", cur, migratable(true)), newVMI("ns", "user", "w1", cur, migratable(true)),
		newVMI("ns", "drained", "w2", cur, migratable(true)))
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	user := func(vmi string) {
		if _, err := c.CreateMigration(ctx, &kubevirtv1.VirtualMachineInstanceMigration{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", GenerateName: "user-"},
			Spec: kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: vmi}}); err != nil {
			t.Fatal(err)
		}
	}
	user("running")
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	user("user") // waits: the one slot is taken
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.EvictVMI(ctx, "ns", "drained"); !errors.Is(err, update.ErrEvacuationStarted) {
		t.Fatalf("evicting a migratable LiveMigrate VMI: %v, want an evacuation", err)
	}
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	var order []string
	migs, _ := c.ListMigrations(ctx, update.ListOptions{Namespace: "ns"})
	byName := map[string]string{}
	for _, m := range migs {
		byName[m.Name] = m.Spec.VMIName
	}
	for _, e := range c.Events() {
		if e.Kind == KindMigration && e.Reason == "Scheduling" {
			order = append(order, byName[e.Name])
		}
	}
	if got := strings.Join(order, " "); got != "running drained user" {
		t.Errorf("target pods created for %s; want running, then the evacuation (system-critical), then the older user migration", got)
	}
}
