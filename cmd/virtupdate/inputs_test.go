package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A graph fetched over https must not be redirected to http: the redirect
// is refused, naming both addresses.
func TestGraphRefusesARedirectFromHTTPSToHTTP(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"nodes":[],"edges":[]}`))
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/graph", http.StatusFound)
	}))
	defer tlsSrv.Close()
	old := graphHTTPClient
	graphHTTPClient = func() *http.Client {
		c := tlsSrv.Client()
		c.CheckRedirect = refuseInsecureRedirect
		return c
	}
	defer func() { graphHTTPClient = old }()
	_, _, err := run(t, "", "graph", "updates", "--graph", tlsSrv.URL+"/graph", "--channel", "stable-4.14", "--from", "4.14.1")
	if err == nil || !strings.Contains(err.Error(), "leaves https") {
		t.Fatalf("err = %v, want the redirect to http refused", err)
	}
	if c := graphHTTPClient(); c.CheckRedirect == nil {
		t.Error("the default client has no redirect check")
	}
}

// An answer larger than the cap is an error that says so, not a parse
// error of a cut body; files and standard input have the same cap.
func TestInputsOverTheCapAreRefused(t *testing.T) {
	oldGraph, oldInput := maxGraphBytes, maxInput
	maxGraphBytes, maxInput = 64, 64
	defer func() { maxGraphBytes, maxInput = oldGraph, oldInput }()
	big := `{"nodes":[` + strings.Repeat(`{"version":"4.14.1","payload":"x"},`, 10) + `{"version":"4.14.2","payload":"y"}],"edges":[]}`

	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) }))
	defer srv.Close()
	old := graphHTTPClient
	graphHTTPClient = srv.Client
	defer func() { graphHTTPClient = old }()
	_, _, err := run(t, "", "graph", "updates", "--graph", srv.URL, "--channel", "stable-4.14", "--from", "4.14.1")
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("https: err = %v, want the size limit named", err)
	}

	file := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(file, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		reason, stdin string
		args          []string
	}{
		{"graph from stdin", big, []string{"graph", "updates", "--graph", "-", "--from", "4.14.1"}},
		{"graph from a file", "", []string{"graph", "updates", "--graph", file, "--from", "4.14.1"}},
		{"workload from stdin", big, []string{"workload", "-"}},
		{"plan --graph", "", []string{"plan", "--from", "4.14.1", "--to", "4.14.2", "--graph", file}},
	} {
		_, _, err := run(t, tt.stdin, tt.args...)
		if err == nil || !strings.Contains(err.Error(), "larger than the limit") || exitCode(err) != exitUsage {
			t.Errorf("%s: err = %v (exit %d), want the size limit named and exit 2", tt.reason, err, exitCode(err))
		}
	}
}

func TestWorkloadAllAndFlagsThatCannotApply(t *testing.T) {
	out, _, err := run(t, readTestFile(t, vmisFile), "workload", "--all", "-o", "json", "-")
	if err = blockersOnly(err); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, `"code": "UpToDate"`) {
		t.Errorf("--all: a VMI is up to date, but an update replaces every launcher:\n%s", out)
	}
	_, _, err = run(t, readTestFile(t, vmisFile), "workload", "--all", "--launcher-image", "x", "-")
	if err == nil || !strings.Contains(err.Error(), "--all and --launcher-image") || exitCode(err) != exitUsage {
		t.Errorf("--all with --launcher-image: err = %v", err)
	}
}
