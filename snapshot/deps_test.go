package snapshot

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the readers of real state depend on the object form,
// the update package, the leaves and the API types; never on the fake, the
// kube adapter or a cluster client: a live cluster is read through the
// ports. (operator-framework/api's types import client-go's event recorder,
// so client-go is among the transitive dependencies; no client is.)
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/virtupdate/virtupdate/"
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{module + "fake", module + "kube", "k8s.io/client-go/kubernetes", "k8s.io/client-go/dynamic"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("package snapshot depends on %s", dep)
			}
		}
		if dep == "k8s.io/client-go/tools/clientcmd" {
			t.Errorf("package snapshot depends on %s", dep)
		}
	}
	direct, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(direct)) {
		if strings.HasPrefix(imp, "k8s.io/client-go") {
			t.Errorf("package snapshot imports %s", imp)
		}
	}
}
