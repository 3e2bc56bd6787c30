package kube

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestCheckpointAcrossAdapters: a record one adapter saves, another (its own
// clients, as in another process) loads and replaces; the first one's
// version is then stale.
func TestCheckpointAcrossAdapters(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
	first, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	saved, err := first.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("step 1")})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := a.core.CoreV1().ConfigMaps(update.DefaultNamespace).Get(ctx, DefaultCheckpointPrefix+"plan", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the record is not the ConfigMap %s: %v", DefaultCheckpointPrefix+"plan", err)
	}
	if string(cm.BinaryData[CheckpointDataKey]) != "step 1" || cm.Labels[CheckpointLabel] != "true" {
		t.Errorf("ConfigMap = %v %q", cm.Labels, cm.BinaryData)
	}
	loaded, err := second.LoadCheckpoint(ctx, "plan")
	if err != nil {
		t.Fatal(err)
	}
	if string(loaded.Data) != "step 1" || loaded.ResourceVersion != saved.ResourceVersion {
		t.Fatalf("second adapter loads %q@%s, want %q@%s", loaded.Data, loaded.ResourceVersion, "step 1", saved.ResourceVersion)
	}
	if _, err := second.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("step 2"), ResourceVersion: loaded.ResourceVersion}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("step 2 again"), ResourceVersion: saved.ResourceVersion}); !isConflict(err) {
		t.Errorf("the first adapter saves over the second's record: err = %v, want ErrConflict", err)
	}
	if _, err := first.SaveCheckpoint(ctx, update.Checkpoint{Name: "gone", Data: []byte("x"), ResourceVersion: "1"}); !errors.Is(err, update.ErrNotFound) {
		t.Errorf("replace a record that does not exist: err = %v, want ErrNotFound", err)
	}

	// A ConfigMap of the same name that is not a checkpoint is refused.
	if _, err := a.core.CoreV1().ConfigMaps(update.DefaultNamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: update.DefaultNamespace, Name: DefaultCheckpointPrefix + "foreign"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = a.core.CoreV1().ConfigMaps(update.DefaultNamespace).Delete(context.Background(), DefaultCheckpointPrefix+"foreign", metav1.DeleteOptions{})
	})
	if _, err := first.LoadCheckpoint(ctx, "foreign"); err == nil || !strings.Contains(err.Error(), "not a checkpoint") {
		t.Errorf("load a ConfigMap that is not a checkpoint: err = %v", err)
	}
	if _, err := first.LoadCheckpoint(ctx, "Not_A_Name"); err == nil || errors.Is(err, update.ErrNotFound) {
		t.Errorf("load a record whose name makes no ConfigMap name: err = %v, want an error saying so", err)
	}
}

// fakeOLM plays OLM's side for the test: an approved InstallPlan is
// installed at once (status.phase Complete).
func fakeOLM(ctx context.Context, t *testing.T, a admin) {
	ips := a.dyn.Resource(InstallPlanResource).Namespace(update.DefaultNamespace)
	for ctx.Err() == nil {
		l, err := ips.List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range l.Items {
				ip := &l.Items[i]
				approved, _, _ := unstructured.NestedBool(ip.Object, "spec", "approved")
				phase, _, _ := unstructured.NestedString(ip.Object, "status", "phase")
				if approved && phase != update.InstallPlanComplete {
					_ = unstructured.SetNestedField(ip.Object, update.InstallPlanComplete, "status", "phase")
					if _, err := ips.UpdateStatus(ctx, ip, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
						t.Logf("fake OLM: %v", err)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestRunResumesInAnotherProcess runs a plan with one adapter until its
// process is killed in the middle of a step, then runs the same plan with a
// new adapter (new clients: another process, possibly on another machine):
// it resumes from the checkpoint kept in the cluster, does not repeat the
// steps done, and finishes.
func TestRunResumesInAnotherProcess(t *testing.T) {
	forEachHCO(t, testRunResumesInAnotherProcess)
}

func testRunResumesInAnotherProcess(t *testing.T, _ kubetest.HCO) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	ns := update.DefaultNamespace
	a.seed(t, updatetest.Fixture{
		HyperConverged: updatetest.HyperConverged(nil),
		Pools:          []update.MachineConfigPool{{Name: "worker", MaxUnavailable: 1}},
		InstallPlans: []update.InstallPlan{{Namespace: ns, Name: "install-abc", CSVNames: []string{"kubevirt-hyperconverged-operator.v4.15.1"},
			Approval: update.ApprovalManual, Phase: update.InstallPlanRequiresApproval}},
	})
	olmCtx, stopOLM := context.WithCancel(context.Background())
	olmDone := make(chan struct{})
	go func() { defer close(olmDone); fakeOLM(olmCtx, t, a) }()
	t.Cleanup(func() { stopOLM(); <-olmDone })

	var pauses, approvals atomic.Int32
	var kill func() // kills the first process in the middle of the approval
	plan := &update.Plan{
		Kind: update.KindZStream,
		From: update.Versions{OCP: "4.15.0", CNV: "4.15.0"}, To: update.Versions{OCP: "4.15.0", CNV: "4.15.1"},
		Steps: []update.Step{
			{Name: "pause-worker", Description: "pause the worker pool", Changes: true,
				Act: func(ctx context.Context, s *update.State) error {
					pauses.Add(1)
					return s.Cluster.SetPoolPaused(ctx, "worker", true)
				}},
			{Name: "approve", Description: "approve the InstallPlan", Changes: true,
				Act: func(ctx context.Context, s *update.State) error {
					if kill != nil {
						kill()
						return ctx.Err()
					}
					approvals.Add(1)
					return s.Cluster.ApproveInstallPlan(ctx, ns, "install-abc")
				},
				Wait: &update.Wait{For: "InstallPlan install-abc Complete", Timeout: time.Minute, Interval: 50 * time.Millisecond,
					Done: func(ctx context.Context, s *update.State) (bool, string, error) {
						ips, err := s.Cluster.ListInstallPlans(ctx, ns)
						if err != nil || len(ips) != 1 {
							return false, "", err
						}
						return ips[0].Phase == update.InstallPlanComplete, "phase " + ips[0].Phase, nil
					}}},
		},
	}
	opts := update.Options{PollInterval: 50 * time.Millisecond}

	first, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx1, cancel1 := context.WithCancel(t.Context())
	kill = cancel1
	if _, err := update.Run(ctx1, first, plan, opts); err == nil {
		t.Fatal("the first run was killed but returned no error")
	}
	cp, err := first.LoadCheckpoint(t.Context(), update.DefaultCheckpointName)
	if err != nil {
		t.Fatalf("the killed run left no checkpoint in the cluster: %v", err)
	}
	if rec, err := update.DecodeRecord(cp.Data); err != nil || rec.StepName != "approve" || rec.Done {
		t.Fatalf("checkpoint after the kill = %+v (%v), want step approve, not done", rec, err)
	}

	kill = nil
	second, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var events []update.Event
	res, err := update.Run(t.Context(), second, plan, update.Options{PollInterval: opts.PollInterval, OnEvent: func(e update.Event) { events = append(events, e) }})
	if err != nil {
		t.Fatalf("the second run: %v", err)
	}
	if !res.Resumed || len(events) == 0 || events[0].Type != update.EventPlanResumed {
		t.Errorf("the second run did not resume: resumed=%v, first event %v", res.Resumed, events)
	}
	if pauses.Load() != 1 || approvals.Load() != 1 {
		t.Errorf("pool paused %d times, InstallPlan approved %d times; want each once", pauses.Load(), approvals.Load())
	}
	pools, err := second.ListMachineConfigPools(t.Context())
	if err != nil || len(pools) != 1 || !pools[0].Paused {
		t.Errorf("pools = %+v, err %v; want worker paused", pools, err)
	}
	cp, err = second.LoadCheckpoint(t.Context(), update.DefaultCheckpointName)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := update.DecodeRecord(cp.Data); err != nil || !rec.Done {
		t.Errorf("checkpoint after the second run = %+v (%v), want done", rec, err)
	}
}
