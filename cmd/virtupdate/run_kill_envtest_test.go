package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/internal/faultproxy"
	"github.com/virtupdate/virtupdate/internal/faultproxy/operators"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// child is the CLI process running now.
type child struct {
	proc *os.Process
	done chan struct{} // closed once it has exited
}

// TestRunKilledAtEveryWriteResumesInAnotherProcess runs `virtupdate run`
// for a whole EUS-to-EUS update (OpenShift 4.14.20 → 4.15.30 → 4.16.3,
// OpenShift Virtualization 4.14.3 → 4.15.2 → 4.16.1) on a real API server
// with the upstream CRDs, while internal/faultproxy/operators plays the
// CVO, the MCO, OLM and HCO. The command runs as a separate process (this
// test binary re-executed as the CLI), talking to the server through the
// fault proxy. Each time a cluster-changing write of the plan reaches the
// server for the first time, the proxy kills the process (SIGKILL) before
// it can see the answer — the write landed, the checkpoint does not say so
// — and again right after the checkpoint write that records the step as
// acted; each time the test starts `virtupdate run --continue --yes` in a
// new process, until one finishes. Then:
//
//   - each process after the first resumed at the step whose write killed
//     the one before, and one resumed after the "acted" checkpoint did not
//     act again;
//   - every field the plan writes changed once per value, in the plan's
//     order (one pause and one unpause, each desiredUpdate once per hop,
//     one approval per InstallPlan, workloadUpdateMethods off once and
//     back once), as watches on the server saw it;
//   - every cluster write was sent once (the unpause too: the resumed
//     step reads the pools first);
//   - workloadUpdateMethods is restored to exactly the JSON it had.
func TestRunKilledAtEveryWriteResumesInAnotherProcess(t *testing.T) {
	if _, missing := kubetest.Assets(); missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + missing)
		}
		t.Skip(missing)
	}
	began := time.Now()
	s, err := kubetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	t.Logf("test API server up in %v, custom resources ready in %v", s.Started.Round(time.Millisecond), s.WarmedUp.Round(time.Millisecond))
	cfg := s.Config
	hco := s.HCO().StorageVersion

	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}
	seeded := operators.Cluster{OCP: "4.14.20", Channel: "eus-4.14", CNV: "4.14.3", Catalog: []string{"4.15.1", "4.15.2", "4.16.1"},
		Methods: &methods, Workers: 3, HCO: hco}
	if err := operators.Seed(t.Context(), cfg, seeded); err != nil {
		t.Fatal(err)
	}
	methodsJSON := hcMethodsJSON(t, cfg, hco)
	ops, err := operators.Start(cfg, seeded, operators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opsStopped := false
	t.Cleanup(func() {
		if !opsStopped {
			_ = ops.Stop()
		}
	})

	proxy, err := faultproxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := proxy.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}

	// Kill the CLI right after each cluster-changing write lands, the first
	// time each is sent, and right after each checkpoint write that records
	// a step as acted lands.
	var (
		mu      sync.Mutex
		current *child
		seen    = map[string]bool{}
		kills   []string
	)
	kill := func(what string, r faultproxy.Request) {
		mu.Lock()
		c := current
		kills = append(kills, what)
		mu.Unlock()
		if r.Status/100 != 2 {
			t.Errorf("the write %s did not land (%d): the kill would test nothing", what, r.Status)
		}
		if c == nil {
			t.Error("a write with no CLI process running")
			return
		}
		_ = c.proc.Signal(syscall.SIGKILL)
		<-c.done // dead before any answer could reach it
	}
	clusterWrite := map[string]bool{"machineconfigpools": true, "hyperconvergeds": true, "clusterversions": true, "installplans": true}
	firstTime := func(k string) bool {
		mu.Lock()
		defer mu.Unlock()
		if seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	proxy.Add(faultproxy.Rule{
		Match: faultproxy.Match{Func: func(r faultproxy.Request) bool {
			return r.Write() && clusterWrite[r.Resource] && firstTime(writeKey(r))
		}},
		Fault: faultproxy.LoseResponse,
		Hook:  func(r faultproxy.Request) { kill(writeKey(r), r) },
	})
	proxy.Add(faultproxy.Rule{
		Match: faultproxy.Match{Verbs: []string{"update"}, Resource: "configmaps", Func: func(r faultproxy.Request) bool {
			rec, ok := checkpointRecord(r.Body)
			return ok && rec.Acted && !rec.Done && firstTime("acted "+rec.StepName)
		}},
		Fault: faultproxy.LoseResponse,
		Hook: func(r faultproxy.Request) {
			rec, _ := checkpointRecord(r.Body)
			kill("checkpoint: "+rec.StepName+" acted", r)
		},
	})

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	first := []string{"run", "--to", "4.16.3", "--via", "4.15.30", "--cnv-catalog", "4.15.1,4.15.2,4.16.1", "--yes", "--kubeconfig", kubeconfig}
	resume := []string{"run", "--continue", "--yes", "--kubeconfig", kubeconfig}
	resumedAt := regexp.MustCompile(`resuming at step \d+ \(([a-z0-9.-]+)\)`)
	var (
		resumed []string
		last    string
		skipped int // processes that did not act again
	)
	processes := 0
	for ; ; processes++ {
		if processes > 25 {
			t.Fatalf("%d processes and the plan has not finished; kills: %v", processes, kills)
		}
		args := resume
		if processes == 0 {
			args = first
		}
		cmd := exec.CommandContext(ctx, self, args...)
		cmd.Env = append(os.Environ(), cliEnv+"=20ms")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{proc: cmd.Process, done: make(chan struct{})}
		mu.Lock()
		current = c
		mu.Unlock()
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait(); close(c.done) }()
		err := <-waited
		mu.Lock()
		current = nil
		mu.Unlock()
		last = out.String()
		if processes > 0 {
			m := resumedAt.FindStringSubmatch(last)
			if m == nil {
				t.Fatalf("process %d did not resume from the checkpoint:\n%s", processes+1, last)
			}
			resumed = append(resumed, m[1])
			if strings.Contains(last, "already acted; not acting again") {
				skipped++
			}
		}
		mu.Lock()
		why := "finished"
		if err != nil && len(kills) > 0 {
			why = "killed after " + kills[len(kills)-1]
		}
		mu.Unlock()
		from := "the start"
		if len(resumed) > 0 && processes > 0 {
			from = resumed[len(resumed)-1]
		}
		t.Logf("process %d from %s: %s", processes+1, from, why)
		if err == nil {
			break
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("process %d ended by itself (%v), not killed:\n%s", processes+1, err, last)
		}
	}
	t.Logf("%d processes, %d killed, whole run in %v (server start included)", processes+1, len(kills), time.Since(began).Round(time.Millisecond))
	if !strings.Contains(last, "EUS-to-EUS update done") || !strings.Contains(last, "workloadUpdateMethods restored to [LiveMigrate,Evict]") {
		t.Errorf("the last process did not finish the update:\n%s", last)
	}

	// Each resumed process started at the step whose write killed the one
	// before: twice for a step that acts (after its cluster write, then
	// after the checkpoint saying it acted: that process only waits), once
	// for an operator step (its approval is part of its wait).
	wantSteps := []string{"pause-worker-pools", "disable-workload-updates", "set-channel-4.16", "update-ocp-4.15", "update-cnv-4.15",
		"update-ocp-4.16", "update-cnv-4.16", "restore-workload-updates", "unpause-worker-pools"}
	var wantResumed []string
	acts := 0
	for _, st := range wantSteps {
		wantResumed = append(wantResumed, st)
		if !strings.HasPrefix(st, "update-cnv-") {
			wantResumed = append(wantResumed, st)
			acts++
		}
	}
	if !slices.Equal(resumed, wantResumed) {
		t.Errorf("the processes resumed at\n%v, want\n%v\nkills:\n%s", resumed, wantResumed, strings.Join(kills, "\n"))
	}
	if skipped != acts {
		t.Errorf("%d processes resumed a step that had acted without acting again, want %d", skipped, acts)
	}

	opsStopped = true
	if err := ops.Stop(); err != nil {
		t.Errorf("the operators: %v", err)
	}
	hcField := "workloadUpdateStrategy.workloadUpdateMethods"
	if hco == "v1" {
		hcField = "virtualization." + hcField
	}
	wantChanges := []string{
		"machineconfigpools/worker spec.paused: absent → true",
		"hyperconvergeds/kubevirt-hyperconverged " + hcField + `: ["LiveMigrate","Evict"] → []`,
		`clusterversions/version spec.channel: "eus-4.14" → "eus-4.16"`,
		`clusterversions/version spec.desiredUpdate.version: absent → "4.15.30"`,
		"installplans/install-1 spec.approved: false → true",
		`clusterversions/version spec.desiredUpdate.version: "4.15.30" → "4.16.3"`,
		"installplans/install-2 spec.approved: false → true",
		"hyperconvergeds/kubevirt-hyperconverged " + hcField + `: [] → ["LiveMigrate","Evict"]`,
		"machineconfigpools/worker spec.paused: true → false",
	}
	var changes []string
	for _, c := range ops.Changes() {
		changes = append(changes, c.String())
	}
	if !slices.Equal(changes, wantChanges) {
		t.Errorf("changes of the fields the plan writes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
	}

	// Every cluster write was sent once.
	sent := map[string]int{}
	var order []string
	for _, r := range proxy.Requests() {
		if r.Write() && clusterWrite[r.Resource] {
			k := writeKey(r)
			if sent[k] == 0 {
				order = append(order, k)
			}
			sent[k]++
		}
	}
	for _, k := range order {
		if sent[k] != 1 {
			t.Errorf("%s sent %d times, want once", k, sent[k])
		}
	}
	if len(order) != len(wantSteps) {
		t.Errorf("%d distinct cluster writes, want %d:\n%s", len(order), len(wantSteps), strings.Join(order, "\n"))
	}

	// The end: the target versions, the pools unpaused and updated, the
	// methods byte for byte, the checkpoint done.
	admin, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cv, err := admin.GetClusterVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := admin.GetHyperConverged(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cv.CurrentVersion() != "4.16.3" || hc.Status.OperatorVersion() != "4.16.1" {
		t.Errorf("at the end OpenShift %s, OpenShift Virtualization %s; want 4.16.3 and 4.16.1", cv.CurrentVersion(), hc.Status.OperatorVersion())
	}
	if got := hcMethodsJSON(t, cfg, hco); got != methodsJSON {
		t.Errorf("workloadUpdateMethods at the end = %s, want %s exactly as found", got, methodsJSON)
	}
	pools, err := admin.ListMachineConfigPools(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.Paused || !p.Updated() {
			t.Errorf("pool %s at the end: paused %v, %d/%d updated", p.Name, p.Paused, p.UpdatedMachineCount, p.MachineCount)
		}
	}
	rec, err := update.LoadRecord(t.Context(), admin, update.DefaultCheckpointName)
	if err != nil || !rec.Done {
		t.Errorf("the checkpoint at the end: %+v, %v; want done", rec, err)
	}
}

// checkpointRecord decodes the record of a checkpoint ConfigMap written
// (JSON or protobuf, as the client sent it).
func checkpointRecord(body []byte) (update.Record, bool) {
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return update.Record{}, false
	}
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return update.Record{}, false
	}
	rec, err := update.DecodeRecord(cm.BinaryData[kube.CheckpointDataKey])
	return rec, err == nil
}

// writeKey names a write by what it does: verb, object and body.
func writeKey(r faultproxy.Request) string {
	return r.String() + " " + string(r.Body)
}

// hcMethodsJSON is the HyperConverged's workloadUpdateMethods as stored, in
// JSON ("absent" when the field is not set).
func hcMethodsJSON(t *testing.T, cfg *rest.Config, version string) string {
	t.Helper()
	u, err := dynamic.NewForConfigOrDie(cfg).Resource(kubetest.HyperConvergedResource(version)).Namespace(update.DefaultNamespace).
		Get(t.Context(), update.HyperConvergedName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := []string{"spec", "workloadUpdateStrategy", "workloadUpdateMethods"}
	if version == "v1" {
		path = []string{"spec", "virtualization", "workloadUpdateStrategy", "workloadUpdateMethods"}
	}
	v, ok, err := unstructured.NestedFieldNoCopy(u.Object, path...)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "absent"
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
