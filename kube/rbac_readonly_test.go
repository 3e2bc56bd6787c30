package kube

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// The read-only roles grant reads only, and nothing the full roles do not:
// every rule of deploy/rbac-readonly.yaml is get or list of a resource the
// adapter reads under deploy/rbac.yaml.
func TestReadOnlyRolesOnlyRead(t *testing.T) {
	full, fullRole := loadRBAC(t)
	data, err := os.ReadFile("../deploy/rbac-readonly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	granted := func(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
		for _, r := range rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
	docs := 0
	for doc := range strings.SplitSeq(string(data), "\n---\n") {
		var obj struct {
			Kind  string              `json:"kind"`
			Rules []rbacv1.PolicyRule `json:"rules"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		docs++
		against := full.Rules
		if obj.Kind == "Role" {
			against = fullRole.Rules
		}
		for _, r := range obj.Rules {
			for _, v := range r.Verbs {
				if v != "get" && v != "list" {
					t.Errorf("%s grants %q on %v: a read-only role reads", obj.Kind, v, r.Resources)
				}
				for _, g := range r.APIGroups {
					for _, res := range r.Resources {
						if !granted(against, g, res, v) {
							t.Errorf("%s grants %s %s/%s, which the full roles do not: nothing reads it", obj.Kind, v, g, res)
						}
					}
				}
			}
		}
	}
	if docs != 2 {
		t.Errorf("deploy/rbac-readonly.yaml holds %d documents, want a ClusterRole and a Role", docs)
	}
}
