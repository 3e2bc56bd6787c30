package fake

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

const (
	gi = int64(1) << 30
	mi = int64(1) << 20
)

func memory(q string) vmiOpt {
	return func(v *kubevirtv1.VirtualMachineInstance) {
		v.Spec.Domain.Resources.Requests["memory"] = resource.MustParse(q)
	}
}

// seconds is bytes at rate bytes per second.
func seconds(bytes, rate int64) time.Duration {
	return time.Duration(float64(bytes) / float64(rate) * float64(time.Second))
}

// runningFor returns how long the migration was Running before it ended,
// and how it ended.
func runningFor(t *testing.T, c *Cluster, name string) (time.Duration, kubevirtv1.VirtualMachineInstanceMigrationPhase, string) {
	t.Helper()
	var start, end time.Time
	var phase kubevirtv1.VirtualMachineInstanceMigrationPhase
	for _, e := range c.Events() {
		if e.Kind != KindMigration || e.Name != name {
			continue
		}
		switch e.Reason {
		case "Running":
			start = e.Time
		case "Succeeded", "Failed":
			end, phase = e.Time, kubevirtv1.VirtualMachineInstanceMigrationPhase(e.Reason)
		}
	}
	_, reason := phaseOf(t, c, "ns", name)
	if start.IsZero() || end.IsZero() {
		return 0, phase, reason
	}
	return end.Sub(start), phase, reason
}

// KubeVirt: pkg/virt-launcher/virtwrap/live-migration-source.go, the
// migration monitor's legacy convergence (handleLegacyConvergence,
// isMigrationProgressing, shouldTriggerTimeout): a migration whose remaining
// data does not shrink for more than progressTimeout whole seconds is
// aborted; one still running after completionTimeoutPerGiB × the data size
// (pkg/virt-launcher/virtwrap/manager.go getVMIMigrationDataSize, here
// workload.CompletionTimeout) is aborted; the progress check comes first.
// The bandwidth is bandwidthPerMigration when set
// (pkg/virt-handler/migration-source.go passes it to libvirt), else the
// link's; HCO's defaults are 20 s per GB and 150 s.
func TestMigrationConvergence(t *testing.T) {
	bw := func(q string) *string { return &q }
	for _, tc := range []struct {
		reason    string
		memory    string
		dirty     int64
		bandwidth *string
		progress  *int64
		want      kubevirtv1.VirtualMachineInstanceMigrationPhase
		after     time.Duration
		mention   string
	}{
		{"idle 4Gi at 1Gi/s: 4 s", "4Gi", 0, nil, nil, kubevirtv1.MigrationSucceeded, 4 * time.Second, ""},
		{"16Gi dirtying 200Mi/s converges in 16Gi/(1Gi-200Mi)/s", "16Gi", 200 * mi, nil, nil, kubevirtv1.MigrationSucceeded,
			seconds(16*gi, gi-200*mi), ""},
		{"16Gi dirtying 2Gi/s never progresses: aborted once 150 whole seconds have passed", "16Gi", 2 * gi, nil, nil, kubevirtv1.MigrationFailed,
			151 * time.Second, "no progress for more than 2m30s (progressTimeout)"},
		{"dirtying exactly the bandwidth is no progress either", "16Gi", gi, nil, nil, kubevirtv1.MigrationFailed, 151 * time.Second, "progressTimeout"},
		{"4Gi without progress: the completion timeout (5 GB × 20 s = 100 s) comes first", "4Gi", 2 * gi, nil, nil, kubevirtv1.MigrationFailed,
			101 * time.Second, "not completed after 1m40s"},
		{"bandwidthPerMigration 64Mi: 16Gi takes 256 s, within the 18 GB × 20 s = 360 s completion timeout", "16Gi", 0, bw("64Mi"), nil,
			kubevirtv1.MigrationSucceeded, 256 * time.Second, ""},
		{"bandwidthPerMigration 32Mi: 16Gi would take 512 s, more than 360 s: aborted at the completion timeout", "16Gi", 0, bw("32Mi"), nil,
			kubevirtv1.MigrationFailed, 361 * time.Second, "completionTimeoutPerGiB 20 s"},
		{"a bandwidthPerMigration above the link does not speed it up", "4Gi", 0, bw("8Gi"), nil, kubevirtv1.MigrationSucceeded, 4 * time.Second, ""},
		{"progressTimeout 0 is off: the completion timeout acts", "16Gi", 2 * gi, nil, new(int64), kubevirtv1.MigrationFailed, 361 * time.Second, "not completed"},
	} {
		hc := update.HyperConverged{Spec: update.HyperConvergedSpec{LiveMigrationConfig: update.LiveMigrationConfig{
			BandwidthPerMigration: tc.bandwidth, ProgressTimeout: tc.progress}}}
		c := hcoCluster(t, 3, 3, hc)
		// On the current launcher, so that only the test migrates it.
		c.AddVMIs(newVMI("ns", "vm", "w0", LauncherImage("4.14.3"), migratable(true), memory(tc.memory)))
		c.SetDirtyRate("ns", "vm", tc.dirty)
		if err := c.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		name := migrate(t, c, "ns", "vm")
		if err := c.Advance(time.Hour); err != nil {
			t.Fatal(err)
		}
		d, phase, reason := runningFor(t, c, name)
		if phase != tc.want || d != tc.after || !strings.Contains(reason, tc.mention) {
			t.Errorf("%s: %s after %v running (%q); want %s after %v mentioning %q", tc.reason, phase, d, reason, tc.want, tc.after, tc.mention)
		}
		if tc.want == kubevirtv1.MigrationFailed {
			if v := getVMI(t, c, "ns", "vm"); v.Status.NodeName != "w0" || v.Status.Phase != kubevirtv1.Running {
				t.Errorf("%s: an aborted migration leaves the VMI running on its node: %s on %s", tc.reason, v.Status.Phase, v.Status.NodeName)
			}
		}
	}
}

// A heavy-write VM under DefaultPolicy during a CNV z-stream: each
// workload-update migration makes no progress and is aborted after
// progressTimeout (KubeVirt: live-migration-source.go), the next waits
// KubeVirt's backoff (pkg/virt-controller/watch/migration/migration.go
// handleMigrationBackoff: 20 s, doubling), and after five failures the
// planner reports it stuck and stops (workload.DefaultPolicy); a light VM
// on the same cluster is updated.
func TestHeavyWriteVMIsStuckLightOneUpdates(t *testing.T) {
	ctx := context.Background()
	policy := workload.DefaultPolicy()
	c := NewCluster(Options{Start: t0, Seed: 3, WorkloadPolicy: &policy})
	c.SetClusterVersion(update.ClusterVersion{History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.14.20"}}})
	c.SetHyperConverged(update.HyperConverged{})
	c.SetOperator(Operator{Version: "4.14.3", Catalog: []string{"4.14.4"}})
	c.AddPools(update.MachineConfigPool{Name: "worker"})
	for i := range 3 {
		c.AddNodes(worker(fmt.Sprintf("w%d", i), "", time.Hour))
	}
	old := LauncherImage("4.14.3")
	c.AddVMIs(newVMI("ns", "heavy", "w0", old, migratable(true), memory("16Gi")),
		newVMI("ns", "light", "w1", old, migratable(true), memory("4Gi")))
	c.SetDirtyRate("ns", "heavy", 2*gi)
	c.SetDirtyRate("ns", "light", 100*mi)
	if _, err := c.RunUntil(func() bool {
		for _, e := range c.Events() {
			if e.Reason == "Stuck" {
				return true
			}
		}
		return false
	}, 6*time.Hour); err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	migs, _ := c.ListMigrations(ctx, update.ListOptions{Namespace: "ns"})
	for _, m := range migs {
		byName[m.Name] = m.Spec.VMIName
	}
	var failedAt, runningAt []time.Time
	stuck, lightDone := 0, false
	for _, e := range c.Events() {
		switch {
		case e.Kind == KindMigration && e.Reason == "Running" && byName[e.Name] == "heavy":
			runningAt = append(runningAt, e.Time)
		case e.Kind == KindMigration && e.Reason == "Failed" && byName[e.Name] == "heavy":
			failedAt = append(failedAt, e.Time)
			if !strings.Contains(e.Message, "progressTimeout") {
				t.Errorf("heavy failed for %q, want the progress timeout", e.Message)
			}
		case e.Kind == KindMigration && e.Reason == "Succeeded" && byName[e.Name] == "light":
			lightDone = true
		case e.Reason == "Stuck" && e.Name == "heavy":
			stuck++
		}
	}
	if len(failedAt) != 5 || len(runningAt) != 5 || stuck != 1 {
		t.Fatalf("heavy: %d attempts running, %d failed, stuck reported %d times; want 5, 5, once", len(runningAt), len(failedAt), stuck)
	}
	for i := range failedAt {
		if d := failedAt[i].Sub(runningAt[i]); d != 151*time.Second {
			t.Errorf("attempt %d ran %v before its abort, want 151 s (progressTimeout 150 s exceeded)", i+1, d)
		}
		if i > 0 {
			// The next attempt waits the backoff after the failure, then
			// its target pod starts (10 s).
			want := time.Duration(20<<(i-1))*time.Second + DefaultTargetPodStart
			if gap := runningAt[i].Sub(failedAt[i-1]); gap < want {
				t.Errorf("attempt %d started %v after the failure, want at least %v (backoff then pod start)", i+1, gap, want)
			}
		}
	}
	if !lightDone {
		t.Error("the light VM was not migrated onto the new launcher")
	}
	if v := getVMI(t, c, "ns", "heavy"); v.Status.LauncherContainerImageVersion != old {
		t.Errorf("the heavy VM is on %s, want still on the old launcher", v.Status.LauncherContainerImageVersion)
	}
}
