package kubetest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Shared is one package's test API server: Main starts it once for all
// the package's tests, Need hands each test its admin config, ForEachHCO
// runs a test under each HyperConverged CRD.
type Shared struct {
	// Server is the test API server, nil when there is none (Missing says
	// why).
	Server *Server
	// Missing says why there is no server: the binaries are not there.
	Missing string
	// OnStart, when set, is called with the server before the tests run.
	OnStart func(*Server)
}

// Main starts the test API server when its binaries are there, runs the
// package's tests and stops it; pkg names the package in what it prints.
// Without the binaries the tests run and those that need the server skip,
// except under CI=true, where Need fails them. Call it from TestMain:
// os.Exit(shared.Main(m, "kube")).
func (s *Shared) Main(m *testing.M, pkg string) int {
	if _, missing := Assets(); missing != "" {
		s.Missing = missing
		if os.Getenv("CI") != "true" {
			fmt.Fprintln(os.Stderr, pkg+": the tests against a real API server skip:", missing)
		}
		return m.Run()
	}
	srv, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, pkg+":", err)
		return 1
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, pkg+": stop the test API server:", err)
		}
	}()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "%s: test API server %s up in %v, custom resources ready in %v\n",
			pkg, srv.Config.Host, srv.Started.Round(time.Millisecond), srv.WarmedUp.Round(time.Millisecond))
	}
	s.Server = srv
	if s.OnStart != nil {
		s.OnStart(srv)
	}
	return m.Run()
}

// Need returns a copy of the server's admin config, or skips the test
// (fails it under CI=true) when there is no server.
func (s *Shared) Need(t testing.TB) *rest.Config {
	t.Helper()
	if s.Server == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + s.Missing)
		}
		t.Skip(s.Missing)
	}
	return rest.CopyConfig(s.Server.Config)
}

// ForEachHCO runs f once with each HyperConverged CRD installed, HCO
// 1.18's (storage v1beta1) and HCO main's (storage v1), as subtests named
// after them. It starts with the one installed, so each call swaps the CRD
// once, and leaves the other installed.
func (s *Shared) ForEachHCO(t *testing.T, f func(t *testing.T, h HCO)) {
	t.Helper()
	s.Need(t)
	hcos := s.Server.HCOs()
	if s.Server.HCO() == hcos[1] {
		hcos[0], hcos[1] = hcos[1], hcos[0]
	}
	for _, h := range hcos {
		t.Run(h.Name, func(t *testing.T) {
			s.UseHCO(t, h)
			f(t, h)
		})
	}
}

// UseHCO installs the HyperConverged CRD h.
func (s *Shared) UseHCO(t testing.TB, h HCO) {
	t.Helper()
	start := time.Now()
	if err := s.Server.UseHCO(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Logf("installed the CRD of %s in %v", h.Name, d.Round(time.Millisecond))
	}
}
