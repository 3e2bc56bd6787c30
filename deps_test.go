package virtupdate

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/virtupdate/virtupdate"

// leaves decide and never act: they must not reach a cluster client or the
// cluster implementations.
var leaves = []string{"conditions", "channel", "workload", "window", "report"}

type listedPackage struct {
	ImportPath string
	Deps       []string
}

// listPackages runs `go list -json ./...`: every package of the module with
// its transitive dependencies (Deps), test files excluded, since tests may
// import what the package may not.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// forbidden returns the imports a package of ours may not have, directly or
// through its dependencies.
func forbidden(importPath string) []string {
	rel := strings.TrimPrefix(strings.TrimPrefix(importPath, module), "/")
	top, _, _ := strings.Cut(rel, "/")
	var bad []string
	for _, leaf := range leaves {
		if top == leaf {
			bad = append(bad, "k8s.io/client-go", module+"/fake", module+"/kube", module+"/update", module+"/eus")
		}
	}
	switch top {
	case "cmd", "examples", "fake", "forecast":
	default:
		bad = append(bad, module+"/fake")
	}
	switch top {
	case "scenario":
		// The format needs no cluster client.
		bad = append(bad, "k8s.io/client-go", module+"/kube", module+"/forecast")
	case "snapshot":
		// Readers of real state reach a live cluster through the ports, not
		// a client of their own. (client-go comes in only under
		// operator-framework/api's v1alpha1 types, which decode the OLM
		// objects of a must-gather; no package of client-go is used here.)
		bad = append(bad, module+"/kube", module+"/forecast")
	case "forecast":
		bad = append(bad, module+"/kube")
	case "controller":
		// The reconciler acts through the update ports (kube/crclient's
		// over a manager's cache, or any other): it may import update, the
		// leaves, kube/crclient, controller-runtime, client-go and
		// kubevirt.io/api, never the fake nor what builds on it.
		bad = append(bad, module+"/forecast", module+"/snapshot", module+"/scenario")
	}
	// kube/crclient takes kube's rule (the default above): no fake, no
	// cmd, no examples.
	if top != "cmd" && top != "examples" {
		bad = append(bad, module+"/cmd", module+"/examples")
	}
	return bad
}

func TestDependencyDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, dep := range p.Deps {
			for _, bad := range forbidden(p.ImportPath) {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s imports %s (directly or through a dependency); see DESIGN: leaves never import client-go, fake or kube, and only tests, cmd and examples import fake", p.ImportPath, dep)
				}
			}
		}
	}
}

// TestForbiddenRules pins the rule table itself, so a typo cannot switch a
// check off silently.
func TestForbiddenRules(t *testing.T) {
	has := func(pkg, dep string) bool {
		for _, b := range forbidden(pkg) {
			if b == dep {
				return true
			}
		}
		return false
	}
	for _, tt := range []struct {
		pkg, dep string
		want     bool
	}{
		{module + "/conditions", "k8s.io/client-go", true},
		{module + "/channel", module + "/kube", true},
		{module + "/workload", module + "/fake", true},
		{module + "/update", module + "/fake", true},
		{module + "/eus", module + "/fake", true},
		{module + "/kube", module + "/fake", true},
		{module + "/update", "k8s.io/client-go", false},
		{module + "/cmd/virtupdate", module + "/fake", false},
		{module + "/examples/eus-upgrade", module + "/fake", false},
		{module + "/forecast", module + "/fake", false},
		{module + "/forecast", module + "/kube", true},
		{module + "/snapshot", module + "/kube", true},
		{module + "/scenario", module + "/fake", true},
		{module + "/window", module + "/update", true},
		{module + "/controller", module + "/fake", true},
		{module + "/controller", module + "/forecast", true},
		{module + "/controller", module + "/kube/crclient", false},
		{module + "/controller", "k8s.io/client-go", false},
		{module + "/kube/crclient", module + "/fake", true},
		{module + "/kube/crclient", module + "/examples", true},
	} {
		if got := has(tt.pkg, tt.dep); got != tt.want {
			t.Errorf("%s may not import %s: got %v, want %v", tt.pkg, tt.dep, got, tt.want)
		}
	}
}
