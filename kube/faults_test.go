package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/internal/faultproxy"
	"github.com/virtupdate/virtupdate/internal/faultproxy/operators"
	"github.com/virtupdate/virtupdate/update"
)

// The tests of this file run a whole EUS-to-EUS plan (4.14 → 4.16 with
// OpenShift Virtualization) with update.Run on the adapter, through a
// fault-injecting proxy in front of the test API server, while
// internal/faultproxy/operators plays the CVO, the MCO, OLM and HCO on the
// server directly. Each injects one kind of fault and checks that one run
// — not a run per fault — finishes, and that the cluster ends where the
// plan says.

// faultCatalog is what the catalog offers: the plan takes 4.15.2 and
// 4.16.1.
var faultCatalog = []string{"4.15.1", "4.15.2", "4.16.1"}

// faultEnv is a seeded cluster with its operators at play, a proxy in
// front of the server, and the adapter through it.
type faultEnv struct {
	proxy *faultproxy.Proxy
	c     *Cluster
	ops   *operators.Operators
	plan  *update.Plan
	// methods is the workloadUpdateMethods seeded.
	methods []kubevirtv1.WorkloadUpdateMethod
}

func newFaultEnv(t *testing.T, opts Options) *faultEnv {
	t.Helper()
	return newFaultEnvWith(t, opts, faultproxy.Options{})
}

func newFaultEnvWith(t *testing.T, opts Options, popts faultproxy.Options) *faultEnv {
	t.Helper()
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	a.wipe(t)
	methods := []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict}
	seeded := operators.Cluster{OCP: "4.14.20", Channel: "eus-4.14", CNV: "4.14.3", Catalog: faultCatalog,
		Methods: &methods, Workers: 3, HCO: server.HCO().StorageVersion}
	if err := operators.Seed(t.Context(), cfg, seeded); err != nil {
		t.Fatal(err)
	}
	ops, err := operators.Start(cfg, seeded, operators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ops.Stop(); err != nil {
			t.Errorf("the operators: %v", err)
		}
	})
	p, err := faultproxy.NewWithOptions(cfg, popts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c, err := New(p.Config(), opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := eus.Plan(update.Request{From: update.Versions{OCP: seeded.OCP, CNV: seeded.CNV}, To: "4.16.3", Via: "4.15.30", CNVCatalog: faultCatalog})
	if err != nil {
		t.Fatal(err)
	}
	return &faultEnv{proxy: p, c: c, ops: ops, plan: plan, methods: methods}
}

// runOpts runs on the real clock (the server's controllers move in real
// time) and polls every 20 ms: every wait, the runner's backoff included,
// is a bounded poll of the server.
func runOpts(events *[]update.Event) update.Options {
	return update.Options{
		PollInterval: 20 * time.Millisecond,
		Waiter: update.WaiterFunc(func(ctx context.Context, d time.Duration) error {
			return update.ClockWaiter{}.Wait(ctx, min(d, 20*time.Millisecond))
		}),
		OnEvent: func(e update.Event) {
			if events != nil {
				*events = append(*events, e)
			}
		},
	}
}

// run runs the plan once and checks it finished in that one run, on the
// target, with workloadUpdateMethods restored exactly.
func (e *faultEnv) run(t *testing.T) []update.Event {
	t.Helper()
	var events []update.Event
	start := time.Now()
	opts := runOpts(&events)
	t.Cleanup(func() {
		if t.Failed() { // the run's events say where it went wrong
			for _, ev := range events {
				t.Log(ev.String())
			}
		}
	})
	res, err := update.Run(t.Context(), e.c, e.plan, opts)
	if err != nil {
		t.Fatalf("the run stopped: %v", err)
	}
	t.Logf("one run in %v", time.Since(start).Round(time.Millisecond))
	if res.Resumed || !res.Record.Done {
		t.Errorf("resumed %v, done %v: want one run from the start to the end", res.Resumed, res.Record.Done)
	}
	e.checkEnd(t)
	return events
}

// checkEnd checks the cluster is where the plan ends.
func (e *faultEnv) checkEnd(t *testing.T) {
	t.Helper()
	admin, err := New(needServer(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cv, err := admin.GetClusterVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := admin.GetHyperConverged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pools, err := admin.ListMachineConfigPools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cv.CurrentVersion() != "4.16.3" || hc.Status.OperatorVersion() != "4.16.1" {
		t.Errorf("at the end OpenShift %s, OpenShift Virtualization %s; want 4.16.3 and 4.16.1", cv.CurrentVersion(), hc.Status.OperatorVersion())
	}
	if got, want := update.ShowMethods(hc.Spec.WorkloadUpdateStrategy.WorkloadUpdateMethods), update.ShowMethods(&e.methods); got != want {
		t.Errorf("workloadUpdateMethods at the end = %s, want %s as found", got, want)
	}
	for _, p := range pools {
		if p.Paused || !p.Updated() {
			t.Errorf("pool %s at the end: paused %v, %d/%d updated", p.Name, p.Paused, p.UpdatedMachineCount, p.MachineCount)
		}
	}
}

func isWrite(r faultproxy.Request) bool { return r.Write() }

// every matches every nth request a match selects, counting from 1.
func every(n int, also func(faultproxy.Request) bool) func(faultproxy.Request) bool {
	var seen atomic.Int64
	return func(r faultproxy.Request) bool {
		if also != nil && !also(r) {
			return false
		}
		return seen.Add(1)%int64(n) == 0
	}
}

func retries(events []update.Event) []string {
	var out []string
	for _, e := range events {
		if e.Type == update.EventRetrying {
			out = append(out, e.StepName+": "+e.Message)
		}
	}
	return out
}

// Ten 500s in one run, five on reads and five on writes (checkpoint
// writes and cluster writes alike): a 500 without Retry-After is not
// retried by client-go (rest/with_retry.go checkWait), kube maps it to
// update.ErrTransient (apierrors.IsInternalError), and the runner retries
// it inside the step: one run, not eleven.
func TestFaultsTen500sInOneRun(t *testing.T) {
	e := newFaultEnv(t, Options{})
	reads := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"get", "list"}, Func: every(13, nil)}, Fault: faultproxy.InternalError, Times: 5})
	writes := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Func: every(2, isWrite)}, Fault: faultproxy.InternalError, Times: 5})
	events := e.run(t)
	if reads.Fired() != 5 || writes.Fired() != 5 {
		t.Fatalf("injected %d 500s on reads and %d on writes, want 5 and 5", reads.Fired(), writes.Fired())
	}
	if r := retries(events); len(r) < 10 {
		t.Errorf("%d retries for ten 500s: %v", len(r), r)
	}
	var hit []string
	for _, r := range e.proxy.Requests() {
		if r.Fault == faultproxy.InternalError && r.Write() {
			hit = append(hit, r.String())
		}
	}
	t.Logf("500s on writes: %v", hit)
	if !slices.ContainsFunc(hit, func(s string) bool { return strings.Contains(s, "configmaps") }) ||
		!slices.ContainsFunc(hit, func(s string) bool { return !strings.Contains(s, "configmaps") }) {
		t.Errorf("the 500s on writes hit %v: want checkpoint writes and cluster writes among them", hit)
	}
}

// 429s: client-go retries a 429 with Retry-After itself up to ten times
// (rest/request.go maxRetries, with_retry.go IsNextRetry), so three in a
// row never reach the runner; eleven in a row on one write do, as
// TooManyRequests, which kube maps to update.ErrTransient
// (apierrors.IsTooManyRequests) and the runner retries.
func TestFaults429s(t *testing.T) {
	e := newFaultEnv(t, Options{})
	absorbed := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"list"}, Resource: "machineconfigpools"}, Fault: faultproxy.TooManyRequests, Skip: 2, Times: 3})
	desired := func(r faultproxy.Request) bool { return strings.Contains(string(r.Body), "desiredUpdate") }
	through := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"patch"}, Resource: "clusterversions", Func: desired}, Fault: faultproxy.TooManyRequests, Times: 11})
	events := e.run(t)
	if absorbed.Fired() != 3 || through.Fired() != 11 {
		t.Fatalf("429s injected: %d and %d, want 3 and 11", absorbed.Fired(), through.Fired())
	}
	var got []string
	for _, r := range retries(events) {
		if strings.Contains(r, "Too many requests") || strings.Contains(r, "TooManyRequests") || strings.Contains(r, "429") {
			got = append(got, r)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "update-ocp-4.15") {
		t.Errorf("runner retries of a 429: %v; want one, in update-ocp-4.15 (client-go absorbs the rest)", got)
	}
}

// Dropped connections: a write whose connection closes before an answer
// is an EOF (HTTP/1.1) or an unexpected EOF (HTTP/2, where the whole
// connection goes), which client-go does not retry (rest/request.go
// retries only GETs after a connection error) and kube maps to
// update.ErrTransient; a GET's is retried by client-go itself after a
// second. Over HTTP/1.1 and over HTTP/2 (TLS), as an API server serves.
func TestFaultsDroppedConnections(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts faultproxy.Options
	}{{"HTTP1.1", faultproxy.Options{}}, {"HTTP2", faultproxy.Options{HTTP2: true}}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newFaultEnvWith(t, Options{}, tt.opts)
			writes := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Func: every(3, isWrite)}, Fault: faultproxy.DropConnection, Times: 5})
			get := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"get"}, Resource: "clusterversions"}, Fault: faultproxy.DropConnection, Skip: 3, Times: 1})
			events := e.run(t)
			if writes.Fired() != 5 || get.Fired() != 1 {
				t.Fatalf("dropped %d writes and %d GETs, want 5 and 1", writes.Fired(), get.Fired())
			}
			eof := 0
			for _, r := range retries(events) {
				if strings.Contains(r, "EOF") {
					eof++
				}
			}
			// Over HTTP/2 a request in flight on the dropped connection fails
			// with it, so there may be more than one retry per dropped write.
			if eof < 5 || (tt.name == "HTTP1.1" && eof != 5) {
				t.Errorf("%d runner retries after an EOF, want 5 (one per dropped write; the GET is client-go's): %v", eof, retries(events))
			}
		})
	}
}

// Lost acknowledgements: checkpoint writes land on the server and their
// answers are lost (the connection closes), and so does the runner's read
// of the record right after (a 500), so it cannot tell yet whether the
// write landed. It writes again with the resourceVersion it had: the
// server answers 409 (a create finds the ConfigMap, an update a newer
// resourceVersion), the runner reads the record, finds its own write, and
// goes on; it is not "another runner". Cluster writes lose their answers
// too: the retry finds the cluster changed and does not change it again.
func TestFaultsLostAcknowledgements(t *testing.T) {
	e := newFaultEnv(t, Options{})
	cm := func(r faultproxy.Request) bool { return r.Resource == "configmaps" && r.Write() }
	// After each lost checkpoint write, the next read of the record fails.
	var failRead atomic.Int64
	arm := func(faultproxy.Request) { failRead.Add(1) }
	e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"get"}, Resource: "configmaps", Func: func(faultproxy.Request) bool {
		return failRead.Load() > 0 && failRead.Add(-1) >= 0
	}}, Fault: faultproxy.InternalError})
	// The first checkpoint write is a create: its retry gets AlreadyExists.
	first := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"create"}, Resource: "configmaps"}, Fault: faultproxy.LoseResponse, Times: 1, Hook: arm})
	updates := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Func: every(3, cm)}, Fault: faultproxy.LoseResponse, Times: 4, Hook: arm})
	cluster := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Func: every(2, func(r faultproxy.Request) bool { return r.Write() && r.Resource != "configmaps" })}, Fault: faultproxy.LoseResponse, Times: 4})
	events := e.run(t)
	if first.Fired() != 1 || updates.Fired() != 4 || cluster.Fired() != 4 {
		t.Fatalf("lost %d+%d checkpoint and %d cluster acknowledgements, want 1+4 and 4", first.Fired(), updates.Fired(), cluster.Fired())
	}
	// After each lost checkpoint write: a failed read, then the same
	// write again, answered 409.
	reqs := e.proxy.Requests()
	var seq []string
	for i, r := range reqs {
		if r.Resource != "configmaps" || r.Fault != faultproxy.LoseResponse {
			continue
		}
		if r.Status/100 != 2 {
			t.Errorf("a lost checkpoint write did not land: %s %d", r, r.Status)
		}
		var after []string
		for _, next := range reqs[i+1:] {
			if next.Resource != "configmaps" {
				continue
			}
			after = append(after, fmt.Sprintf("%s %d", next.Verb, next.Status))
			if next.Write() {
				break
			}
		}
		seq = append(seq, r.Verb+" lost, then "+strings.Join(after, ", "))
	}
	want := []string{"create lost, then get 500, create 409"}
	for range 4 {
		want = append(want, "update lost, then get 500, update 409")
	}
	if !slices.Equal(seq, want) {
		t.Errorf("checkpoint requests after each lost answer:\n%s\nwant:\n%s", strings.Join(seq, "\n"), strings.Join(want, "\n"))
	}
	landed := 0
	for _, ev := range events {
		if ev.Type == update.EventCheckpoint && strings.Contains(ev.Message, "an earlier attempt had landed") {
			landed++
		}
	}
	if landed != 5 {
		t.Errorf("the runner recognised %d of its 5 lost checkpoint writes as its own", landed)
	}
	// Nothing was changed twice.
	checkChangedOnce(t, e.ops.Changes())
}

// checkChangedOnce checks each field a plan writes changed once per value,
// in the plan's order.
func checkChangedOnce(t *testing.T, changes []operators.Change) {
	t.Helper()
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	hcField := "workloadUpdateStrategy.workloadUpdateMethods"
	if server.HCO().StorageVersion == "v1" {
		hcField = "virtualization." + hcField
	}
	want := []string{
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
	if !slices.Equal(got, want) {
		t.Errorf("changes of the fields the plan writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A 500 in the middle of a paged list (pages of one: the two pools are two
// pages): the list retries that page with the same continue token instead
// of starting over, so one 500 costs one request and the list stays one
// consistent snapshot; three in a row reach the runner as ErrTransient and
// it retries the whole list.
func TestFaults500MidList(t *testing.T) {
	e := newFaultEnv(t, Options{PageSize: 1})
	once := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"list"}, Resource: "machineconfigpools", Page: 2}, Fault: faultproxy.InternalError, Skip: 1, Times: 2})
	events := e.run(t)
	if once.Fired() != 2 {
		t.Fatalf("%d 500s mid-list, want 2", once.Fired())
	}
	// The request after each injected 500 is the same page again.
	reqs := e.proxy.Requests()
	for i, r := range reqs {
		if r.Fault != faultproxy.InternalError {
			continue
		}
		for _, next := range reqs[i+1:] {
			if next.Resource == "machineconfigpools" && next.Verb == "list" {
				if next.Page != 2 || next.Query.Get("continue") != r.Query.Get("continue") {
					t.Errorf("after a 500 on page 2 the list asked for page %d (continue %q), want page 2 again with %q", next.Page, next.Query.Get("continue"), r.Query.Get("continue"))
				}
				break
			}
		}
	}
	if r := retries(events); len(r) != 0 {
		t.Errorf("the runner retried %v: the list should have retried its page itself", r)
	}
}

// Three 500s in a row on one page: the list gives up, the runner gets
// update.ErrTransient and retries the whole list after a backoff.
func TestFaults500sMidListReachTheRunner(t *testing.T) {
	e := newFaultEnv(t, Options{PageSize: 1})
	many := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"list"}, Resource: "machineconfigpools", Page: 2}, Fault: faultproxy.InternalError, Skip: 1, Times: listPageAttempts})
	events := e.run(t)
	if many.Fired() != listPageAttempts {
		t.Fatalf("%d 500s mid-list, want %d", many.Fired(), listPageAttempts)
	}
	if r := retries(events); len(r) != 1 || !strings.Contains(r[0], "list MachineConfigPools") {
		t.Errorf("runner retries = %v, want one of the pools' list", r)
	}
}

// A request that never gets an answer times out on the client
// (rest.Config.Timeout): kube maps the deadline to update.ErrTransient, the
// runner retries it, and when the retries run out the error names the
// step and says what to do; the deadline is still in the chain. A second
// run, once the server answers again, resumes at that step and finishes.
func TestFaultsClientTimeoutKeepsTheStep(t *testing.T) {
	e := newFaultEnv(t, Options{})
	cfg := e.proxy.Config()
	cfg.Timeout = 250 * time.Millisecond
	// The version is forced: the HyperConverged's CRD, the largest answer
	// of the run, is then not read under the short deadline, which a loaded
	// machine (-race) can miss, falling back on discovery's version.
	c, err := New(cfg, Options{HyperConvergedVersion: server.HCO().StorageVersion})
	if err != nil {
		t.Fatal(err)
	}
	desired := func(r faultproxy.Request) bool { return strings.Contains(string(r.Body), "desiredUpdate") }
	hang := e.proxy.Add(faultproxy.Rule{Match: faultproxy.Match{Verbs: []string{"patch"}, Resource: "clusterversions", Func: desired}, Fault: faultproxy.Hang})
	opts := runOpts(nil)
	opts.ConflictBackoff = update.DefaultConflictBackoff
	opts.ConflictBackoff.Steps = 3
	_, err = update.Run(t.Context(), c, e.plan, opts)
	var se *update.StepError
	if !errors.As(err, &se) || se.Step != "update-ocp-4.15" || se.Remedy == "" || !strings.Contains(err.Error(), "to do: ") {
		t.Fatalf("err = %v, want a StepError naming update-ocp-4.15 with a remedy", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, update.ErrTransient) {
		t.Errorf("the cause is lost: %v", err)
	}
	if hang.Fired() != 3 {
		t.Errorf("%d attempts hung, want 3 (the backoff's steps)", hang.Fired())
	}
	t.Logf("the error: %v", err)

	hang.Remove()
	var events []update.Event
	res, err := update.Run(t.Context(), c, e.plan, runOpts(&events))
	if err != nil {
		t.Fatalf("the second run: %v", err)
	}
	if !res.Resumed || e.plan.Steps[res.FromStep].Name != "update-ocp-4.15" {
		t.Errorf("the second run resumed %v at %d, want at update-ocp-4.15", res.Resumed, res.FromStep)
	}
	e.checkEnd(t)
}
