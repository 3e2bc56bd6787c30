package faultproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Fault is what a rule does to a request it takes.
type Fault int

// The faults.
const (
	// Pass forwards the request untouched; with a Hook, the rule watches.
	Pass Fault = iota
	// InternalError answers 500 with an InternalError Status, without
	// forwarding the request.
	InternalError
	// TooManyRequests answers 429 with a TooManyRequests Status and the
	// header Retry-After: Rule.RetryAfter (seconds, 0 allowed), without
	// forwarding the request.
	TooManyRequests
	// DropConnection closes the client's connection without an answer,
	// without forwarding the request.
	DropConnection
	// LoseResponse forwards the request, lets the server act on it, then
	// closes the client's connection instead of answering: the client
	// cannot tell whether the request landed.
	LoseResponse
	// Hang holds the request without forwarding or answering it until the
	// client gives up (its timeout, a cancelled context) or the proxy
	// closes: a server that accepted the connection and never answers.
	Hang
)

// String names the fault.
func (f Fault) String() string {
	switch f {
	case Pass:
		return "Pass"
	case InternalError:
		return "InternalError"
	case TooManyRequests:
		return "TooManyRequests"
	case DropConnection:
		return "DropConnection"
	case LoseResponse:
		return "LoseResponse"
	case Hang:
		return "Hang"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Match selects requests. Every field that is set must match; the zero
// Match matches every request.
type Match struct {
	// Verbs are API verbs (get, list, watch, create, update, patch, delete,
	// deletecollection); the request's must be one of them.
	Verbs []string
	// Resource is the plural resource ("machineconfigpools"); Subresource,
	// when set, the subresource ("status").
	Resource, Subresource string
	// Namespace and Name are the object's.
	Namespace, Name string
	// Page, when set, matches only that page of a list (1 is the first):
	// Page 2 fails a list in the middle.
	Page int
	// Func, when set, must also accept the request (to look at its body,
	// for instance).
	Func func(Request) bool
}

// Matches reports whether the request is one the match selects.
func (m Match) Matches(r Request) bool {
	switch {
	case len(m.Verbs) > 0 && !slices.Contains(m.Verbs, r.Verb),
		m.Resource != "" && m.Resource != r.Resource,
		m.Subresource != "" && m.Subresource != r.Subresource,
		m.Namespace != "" && m.Namespace != r.Namespace,
		m.Name != "" && m.Name != r.Name,
		m.Page != 0 && m.Page != r.Page,
		m.Func != nil && !m.Func(r):
		return false
	}
	return true
}

// Rule is a fault for the requests a Match selects.
type Rule struct {
	Match Match
	Fault Fault
	// Skip lets the first Skip matching requests pass (to other rules, or
	// to the server): Skip 2 takes the third.
	Skip int
	// Times is how many matching requests the rule takes after Skip; 0
	// means every one.
	Times int
	// RetryAfter is the Retry-After of TooManyRequests, in seconds.
	RetryAfter int
	// Hook, when set, is called for each request the rule takes, after it
	// was forwarded and the server answered (Request.Status says how), and
	// before the answer is delivered or lost (Pass, LoseResponse). It runs
	// on the request's goroutine: the client waits for it.
	Hook func(Request)
}

// Handle is a rule added to a proxy.
type Handle struct {
	p *Proxy
	r *rule
}

// Fired is how many requests the rule has taken.
func (h *Handle) Fired() int {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	return h.r.fired
}

// Remove removes the rule; requests it would take go to the next rule.
func (h *Handle) Remove() {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	h.r.removed = true
}

type rule struct {
	Rule
	index       int
	seen, fired int
	removed     bool
}

// take reports whether the rule takes a request it matches, counting it.
func (r *rule) take() bool {
	if r.removed {
		return false
	}
	r.seen++
	if r.seen <= r.Skip || (r.Times > 0 && r.fired >= r.Times) {
		return false
	}
	r.fired++
	return true
}

// Proxy is a fault-injecting reverse proxy in front of an API server.
// Its methods are safe for concurrent use.
type Proxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT.
	URL string

	upstream *rest.Config
	srv      *httptest.Server
	rp       *httputil.ReverseProxy

	closing   chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	rules []*rule
	log   []Request
	// tokens maps a list (listKey) to the page of each continue token
	// seen; last is the page of the list's latest request.
	tokens map[string]map[string]int
	last   map[string]int
}

// errLost makes the reverse proxy's error handler close the connection
// after the server answered (LoseResponse).
var errLost = errors.New("faultproxy: the answer is lost")

type (
	ctxKey  struct{}
	connKey struct{}
)

// pending is what the reverse proxy needs to know of a request it forwards.
type pending struct {
	index int // in the log
	rule  *rule
}

// Options configure a proxy. The zero value serves plain HTTP/1.1.
type Options struct {
	// HTTP2 serves TLS with HTTP/2, as an API server does: a client's
	// requests share one connection, and a dropped connection fails every
	// request in flight on it (Config trusts the proxy's certificate).
	HTTP2 bool
}

// New starts a proxy in front of the API server of the config, forwarding
// with its credentials. Close it when done.
func New(upstream *rest.Config) (*Proxy, error) { return NewWithOptions(upstream, Options{}) }

// NewWithOptions is New with options.
func NewWithOptions(upstream *rest.Config, opts Options) (*Proxy, error) {
	if upstream == nil {
		return nil, errors.New("faultproxy.New: the upstream rest.Config is nil")
	}
	target, err := url.Parse(upstream.Host)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("faultproxy.New: the upstream host %q is not a URL like https://127.0.0.1:6443: %v", upstream.Host, err)
	}
	rt, err := rest.TransportFor(upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy.New: the transport to %s: %w", upstream.Host, err)
	}
	p := &Proxy{upstream: rest.CopyConfig(upstream), tokens: map[string]map[string]int{}, last: map[string]int{}, closing: make(chan struct{})}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport:      rt,
		FlushInterval:  -1, // watches stream
		ModifyResponse: p.answered,
		ErrorHandler:   p.failed,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }
	if opts.HTTP2 {
		p.srv.EnableHTTP2 = true
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	p.URL = p.srv.URL
	return p, nil
}

// Close stops the proxy, closing every connection.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() { close(p.closing) })
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// Config is a client config for the proxy: its URL, no credentials (the
// proxy adds the server's), the upstream's QPS and burst.
func (p *Proxy) Config() *rest.Config {
	cfg := &rest.Config{Host: p.URL, QPS: p.upstream.QPS, Burst: p.upstream.Burst}
	if p.srv.TLS != nil {
		cfg.TLSClientConfig.CAData = p.caPEM()
	}
	return cfg
}

// caPEM is the proxy's certificate, PEM-encoded, when it serves TLS.
func (p *Proxy) caPEM() []byte {
	if p.srv.TLS == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
}

// WriteKubeconfig writes a kubeconfig whose current context is the proxy,
// for a client in another process (kubectl, a CLI).
func (p *Proxy) WriteKubeconfig(path string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["faultproxy"] = &clientcmdapi.Cluster{Server: p.URL, CertificateAuthorityData: p.caPEM()}
	cfg.AuthInfos["faultproxy"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["faultproxy"] = &clientcmdapi.Context{Cluster: "faultproxy", AuthInfo: "faultproxy"}
	cfg.CurrentContext = "faultproxy"
	return clientcmd.WriteToFile(*cfg, path)
}

// Add adds a rule after the ones there: the first rule that matches a
// request and takes it decides.
func (p *Proxy) Add(r Rule) *Handle {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := &rule{Rule: r, index: len(p.rules)}
	p.rules = append(p.rules, in)
	return &Handle{p: p, r: in}
}

// Clear removes every rule.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rules {
		r.removed = true
	}
}

// Requests returns every request seen, in the order they arrived.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Count is how many requests seen the match selects.
func (p *Proxy) Count(m Match) int {
	n := 0
	for _, r := range p.Requests() {
		if m.Matches(r) {
			n++
		}
	}
	return n
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	req := describe(r)
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			http.Error(w, "faultproxy: read the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		if req.Write() {
			req.Body = body
		}
	}

	p.mu.Lock()
	if req.Verb == "list" {
		req.Page = p.page(req)
	}
	var taken *rule
	for _, rl := range p.rules {
		if rl.Match.Matches(req) && rl.take() {
			taken = rl
			break
		}
	}
	if taken != nil {
		req.Rule, req.Fault = taken.index, taken.Fault
	}
	index := len(p.log)
	p.log = append(p.log, req)
	p.mu.Unlock()

	fault := Pass
	if taken != nil {
		fault = taken.Fault
	}
	switch fault {
	case InternalError:
		p.setStatus(index, http.StatusInternalServerError)
		writeStatus(w, metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError,
			Message: "Internal error occurred: injected by faultproxy for " + req.String(),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Message: "injected by faultproxy"}}}})
	case TooManyRequests:
		p.setStatus(index, http.StatusTooManyRequests)
		w.Header().Set("Retry-After", strconv.Itoa(taken.RetryAfter))
		writeStatus(w, metav1.Status{Status: metav1.StatusFailure, Code: http.StatusTooManyRequests, Reason: metav1.StatusReasonTooManyRequests,
			Message: "Too many requests, please try again later (injected by faultproxy for " + req.String() + ")",
			Details: &metav1.StatusDetails{RetryAfterSeconds: int32(taken.RetryAfter)}})
	case DropConnection:
		hangUp(w, r)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
		hangUp(w, r)
	default:
		p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, pending{index: index, rule: taken})))
	}
}

// page is the page of a list request; p.mu is held.
func (p *Proxy) page(req Request) int {
	key, tok := listKey(req), req.Query.Get("continue")
	page := 1
	if tok != "" {
		if p.tokens[key] == nil {
			p.tokens[key] = map[string]int{}
		}
		n, ok := p.tokens[key][tok]
		if !ok {
			n = p.last[key] + 1
			p.tokens[key][tok] = n
		}
		page = n
	}
	p.last[key] = page
	return page
}

func (p *Proxy) setStatus(index, status int) Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log[index].Status = status
	return p.log[index]
}

// answered runs when the server has answered a forwarded request: it
// records the status, calls the rule's hook, and loses the answer for
// LoseResponse.
func (p *Proxy) answered(resp *http.Response) error {
	pd, ok := resp.Request.Context().Value(ctxKey{}).(pending)
	if !ok {
		return nil
	}
	req := p.setStatus(pd.index, resp.StatusCode)
	if pd.rule == nil {
		return nil
	}
	if pd.rule.Hook != nil {
		pd.rule.Hook(req)
	}
	if pd.rule.Fault == LoseResponse {
		return errLost
	}
	return nil
}

// failed is the reverse proxy's error handler: a lost answer hangs up, a
// server that cannot be reached is a 502.
func (p *Proxy) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errLost) {
		hangUp(w, r)
		return
	}
	if pd, ok := r.Context().Value(ctxKey{}).(pending); ok {
		p.setStatus(pd.index, http.StatusBadGateway)
	}
	http.Error(w, "faultproxy: the API server cannot be reached: "+err.Error(), http.StatusBadGateway)
}

// hangUp closes the client's connection without an answer: hijacked and
// closed with HTTP/1.1; with HTTP/2 the whole connection is closed, as when
// a server or a load balancer in front of it goes away.
func hangUp(w http.ResponseWriter, r *http.Request) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
		_ = c.Close()
	}
	panic(http.ErrAbortHandler) // nothing more is written
}

func writeStatus(w http.ResponseWriter, s metav1.Status) {
	s.Kind, s.APIVersion = "Status", "v1"
	data, _ := json.Marshal(s)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(s.Code))
	_, _ = w.Write(data)
}
