package scenario

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the object form depends on the update package and the
// leaves for its types, apimachinery, k8s.io/api, kubevirt.io/api and
// sigs.k8s.io/yaml; never on a cluster client, the fake, the kube adapter
// or the readers of real state (see the architecture's dependency
// direction).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/virtupdate/virtupdate/"
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{module + "fake", module + "kube", module + "snapshot", "k8s.io/client-go",
			"github.com/openshift/api", "github.com/operator-framework/api"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("package scenario depends on %s", dep)
			}
		}
	}
}
