package controller_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/internal/kubetest"
)

// The envtest test runs a manager against a real kube-apiserver and etcd
// started from $KUBEBUILDER_ASSETS with the upstream CRDs
// (internal/kubetest). Without them it skips, saying how to get them,
// except under CI=true where it fails.

var (
	server   *kubetest.Server
	noServer string
)

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	flag.Parse()
	if _, missing := kubetest.Assets(); missing != "" {
		noServer = missing
		return m.Run()
	}
	s, err := kubetest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		return 1
	}
	defer func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "controller: stop the test API server:", err)
		}
	}()
	server = s
	return m.Run()
}

// needServer returns the admin config of the test API server, or skips the
// test (fails it under CI=true) when there is none.
func needServer(t *testing.T) *rest.Config {
	t.Helper()
	if server == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no test API server: " + noServer)
		}
		t.Skip(noServer)
	}
	return rest.CopyConfig(server.Config)
}
