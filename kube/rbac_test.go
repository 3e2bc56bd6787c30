package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

const rbacUser = "virtupdate-rbac-test"

// loadRBAC reads the ClusterRole and Role we ship.
func loadRBAC(t *testing.T) (*rbacv1.ClusterRole, *rbacv1.Role) {
	t.Helper()
	data, err := os.ReadFile("../deploy/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cr *rbacv1.ClusterRole
	var role *rbacv1.Role
	for doc := range strings.SplitSeq(string(data), "\n---\n") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "ClusterRole":
			cr = &rbacv1.ClusterRole{}
			err = yaml.UnmarshalStrict([]byte(doc), cr)
		case "Role":
			role = &rbacv1.Role{}
			err = yaml.UnmarshalStrict([]byte(doc), role)
		default:
			t.Fatalf("deploy/rbac.yaml: unexpected kind %q", meta.Kind)
		}
		if err != nil {
			t.Fatalf("deploy/rbac.yaml: %v", err)
		}
	}
	if cr == nil || role == nil {
		t.Fatal("deploy/rbac.yaml must hold a ClusterRole and a Role")
	}
	return cr, role
}

// rbacFixture has one object of every kind the adapter touches.
func rbacFixture() updatetest.Fixture {
	ns := update.DefaultNamespace
	return updatetest.Fixture{
		HyperConverged: updatetest.HyperConverged(nil),
		KubeVirt:       updatetest.KubeVirt(nil),
		ClusterVersion: &update.ClusterVersion{Channel: "stable-4.15", History: []update.UpdateHistory{{State: update.UpdateCompleted, Version: "4.15.0"}}},
		Pools:          []update.MachineConfigPool{{Name: "worker", MaxUnavailable: 1}},
		Subscriptions:  []update.Subscription{{Namespace: ns, Name: "hco-operatorhub", Package: update.HyperConvergedPackage, Channel: "stable"}},
		CSVs:           []conditions.CSV{{Name: "kubevirt-hyperconverged-operator.v4.15.0", Version: "4.15.0", Phase: conditions.CSVPhaseSucceeded}},
		InstallPlans:   []update.InstallPlan{{Namespace: ns, Name: "install-a", Approval: update.ApprovalManual, Phase: update.InstallPlanRequiresApproval}},
		Nodes:          []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "worker-0"}}},
		NodeMaintenances: []update.NodeMaintenance{
			{Group: update.NodeMaintenanceKubeVirt, Name: "nm-a", NodeName: "worker-0"},
			{Group: update.NodeMaintenanceMedik8s, Name: "nm-b", NodeName: "worker-0"},
		},
		VMIs: []kubevirtv1.VirtualMachineInstance{{ObjectMeta: metav1.ObjectMeta{Namespace: "rbac", Name: "db"},
			Status: kubevirtv1.VirtualMachineInstanceStatus{Phase: kubevirtv1.Running, NodeName: "worker-0"}}},
		VirtualMachines: []kubevirtv1.VirtualMachine{{ObjectMeta: metav1.ObjectMeta{Namespace: "rbac", Name: "db"}}},
	}
}

// seedRBAC seeds rbacFixture and the VMI's running launcher pod.
func (a admin) seedRBAC(t *testing.T) {
	t.Helper()
	a.seed(t, rbacFixture())
	ctx := context.Background()
	if _, err := a.core.CoreV1().ServiceAccounts("rbac").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	vmi, err := a.dyn.Resource(VMIResource).Namespace("rbac").Get(ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.core.CoreV1().Pods("rbac").Create(ctx, launcherPod("rbac", "virt-launcher-db-x", "worker-0", "db", vmi.GetUID(), time.Now()), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	if _, err := a.core.CoreV1().Pods("rbac").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// exercise calls every port operation once on a cluster seeded by
// seedRBAC and returns the errors.
func exercise(ctx context.Context, c *Cluster) []error {
	ns := update.DefaultNamespace
	var errs []error
	do := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	_, err := c.GetClusterVersion(ctx)
	do("GetClusterVersion", err)
	do("SetChannel", c.SetChannel(ctx, "stable-4.16"))
	do("SetDesiredUpdate", c.SetDesiredUpdate(ctx, "4.15.1"))
	_, err = c.ListMachineConfigPools(ctx)
	do("ListMachineConfigPools", err)
	do("SetPoolPaused", c.SetPoolPaused(ctx, "worker", true))
	_, err = c.ListClusterOperators(ctx)
	do("ListClusterOperators", err)
	_, err = c.ListMachineConfigs(ctx)
	do("ListMachineConfigs", err)
	_, err = c.GetSubscription(ctx, ns, "hco-operatorhub")
	do("GetSubscription", err)
	_, err = c.ListCSVs(ctx, ns)
	do("ListCSVs", err)
	_, err = c.ListInstallPlans(ctx, ns)
	do("ListInstallPlans", err)
	do("ApproveInstallPlan", c.ApproveInstallPlan(ctx, ns, "install-a"))
	_, err = c.GetHyperConverged(ctx)
	do("GetHyperConverged", err)
	// From the stored default to [], a real change.
	do("SetWorkloadUpdateMethods", c.SetWorkloadUpdateMethods(ctx, nil, updatetest.Methods()))
	_, err = c.GetKubeVirt(ctx)
	do("GetKubeVirt", err)
	_, err = c.GetAdminGates(ctx)
	do("GetAdminGates", err)
	_, err = c.ListNodes(ctx)
	do("ListNodes", err)
	_, err = c.ListNodeMaintenances(ctx)
	do("ListNodeMaintenances", err)
	_, err = c.ListPodDisruptionBudgets(ctx)
	do("ListPodDisruptionBudgets", err)
	_, err = c.ListVMIs(ctx, update.ListOptions{})
	do("ListVMIs", err)
	_, err = c.ListVirtualMachines(ctx, update.ListOptions{})
	do("ListVirtualMachines", err)
	_, err = c.ListMigrations(ctx, update.ListOptions{})
	do("ListMigrations", err)
	_, err = c.CreateMigration(ctx, &kubevirtv1.VirtualMachineInstanceMigration{
		ObjectMeta: metav1.ObjectMeta{Namespace: "rbac", GenerateName: "kubevirt-workload-update-"},
		Spec:       kubevirtv1.VirtualMachineInstanceMigrationSpec{VMIName: "db"},
	})
	do("CreateMigration", err)
	do("EvictVMI", c.EvictVMI(ctx, "rbac", "db"))
	cp, err := c.SaveCheckpoint(ctx, update.Checkpoint{Name: "rbac", Data: []byte("1")})
	do("SaveCheckpoint (create)", err)
	_, err = c.LoadCheckpoint(ctx, "rbac")
	do("LoadCheckpoint", err)
	if cp.ResourceVersion != "" {
		_, err = c.SaveCheckpoint(ctx, update.Checkpoint{Name: "rbac", Data: []byte("2"), ResourceVersion: cp.ResourceVersion})
		do("SaveCheckpoint (replace)", err)
	}
	return errs
}

// allowed asks the API server whether the test user may do verb on the
// resource of the rule (on the named object, for a rule with
// resourceNames).
func (a admin) allowed(t *testing.T, namespace, group, resource, name, verb string) bool {
	t.Helper()
	res, sub, _ := strings.Cut(resource, "/")
	sar, err := a.core.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{User: rbacUser, ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Group: group, Resource: res, Subresource: sub, Name: name, Verb: verb}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sar.Status.Allowed
}

// TestRBAC binds the shipped roles to a user and runs the adapter as that
// user (impersonation): the conformance suite and every operation pass.
// Then it takes each verb away in turn and shows the adapter fails with an
// error saying it is forbidden and which role to bind: the roles grant
// exactly what the adapter uses.
func TestRBAC(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	ctx := context.Background()
	cr, role := loadRBAC(t)
	roleNS := role.Namespace
	a.ensureNamespace(t, roleNS)
	for _, err := range []error{
		ignoreExists(a.core.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{})),
		ignoreExists(a.core.RbacV1().Roles(roleNS).Create(ctx, role, metav1.CreateOptions{})),
		ignoreExists(a.core.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "virtupdate-test"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: cr.Name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: rbacUser}},
		}, metav1.CreateOptions{})),
		ignoreExists(a.core.RbacV1().RoleBindings(roleNS).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: roleNS, Name: "virtupdate-test"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: rbacUser}},
		}, metav1.CreateOptions{})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	userCfg := rest.CopyConfig(cfg)
	userCfg.Impersonate = rest.ImpersonationConfig{UserName: rbacUser}
	// A new adapter for each case: it chooses the HyperConverged's version
	// afresh, with the permissions and the CRD of the moment.
	newUser := func(t *testing.T) *Cluster {
		t.Helper()
		c, err := New(userCfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	waitFor(t, 10*time.Second, "the bindings to take effect", func() bool {
		return a.allowed(t, "", "hco.kubevirt.io", "hyperconvergeds", "", "get") && a.allowed(t, roleNS, "", "configmaps", "", "update")
	})

	forEachHCO(t, func(t *testing.T, _ kubetest.HCO) {
		t.Run("Conformance", func(t *testing.T) {
			updatetest.Run(t, func(t *testing.T, f updatetest.Fixture) update.Cluster {
				a.seed(t, f)
				return newUser(t)
			})
		})
		t.Run("EveryOperation", func(t *testing.T) {
			a.seedRBAC(t)
			if errs := exercise(t.Context(), newUser(t)); len(errs) > 0 {
				t.Fatalf("with the shipped roles: %v", errors.Join(errs...))
			}
			// update.Run never deletes a migration, so the runner's roles
			// do not grant it; the controller's role does
			// (deploy/controller/rbac.yaml).
			if err := newUser(t).DeleteMigration(t.Context(), "rbac", "kubevirt-workload-update-x"); !errors.Is(err, ErrForbidden) {
				t.Errorf("DeleteMigration with the runner's roles: %v, want ErrForbidden", err)
			}
		})
	})

	type grant struct {
		namespace, group, resource, name, verb string
		remove                                 func() error
	}
	var grants []grant
	for i, r := range cr.Rules {
		for _, v := range r.Verbs {
			grants = append(grants, grant{"", r.APIGroups[0], r.Resources[0], first(r.ResourceNames), v, func() error {
				c := cr.DeepCopy()
				c.Rules = withoutVerb(c.Rules, i, v)
				return updateClusterRole(ctx, a, c)
			}})
		}
	}
	for i, r := range role.Rules {
		for _, v := range r.Verbs {
			grants = append(grants, grant{roleNS, r.APIGroups[0], r.Resources[0], first(r.ResourceNames), v, func() error {
				c := role.DeepCopy()
				c.Rules = withoutVerb(c.Rules, i, v)
				return updateRole(ctx, a, c)
			}})
		}
	}
	// without runs f with the grant taken away, and restores it.
	without := func(t *testing.T, g grant, f func()) {
		t.Helper()
		if err := g.remove(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := updateClusterRole(ctx, a, cr); err != nil {
				t.Fatal(err)
			}
			if err := updateRole(ctx, a, role); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the verb to be granted again", func() bool { return a.allowed(t, g.namespace, g.group, g.resource, g.name, g.verb) })
		}()
		waitFor(t, 10*time.Second, "the verb to be taken away", func() bool { return !a.allowed(t, g.namespace, g.group, g.resource, g.name, g.verb) })
		f()
	}
	grantName := func(g grant) string {
		name := g.verb + " " + g.resource
		if g.group != "" {
			name += "." + g.group
		}
		return name
	}

	// With HCO 1.18's CRD every verb is needed: without the CRD's get, the
	// adapter falls back on the version discovery prefers (v1), which HCO
	// 1.18 does not store, and the write says so.
	t.Run("EachVerbIsNeeded", func(t *testing.T) {
		useHCO(t, server.HCOs()[0])
		for _, g := range grants {
			name := grantName(g)
			t.Run(name, func(t *testing.T) {
				without(t, g, func() {
					a.seedRBAC(t)
					errs := exercise(t.Context(), newUser(t))
					var forbidden []error
					for _, err := range errs {
						if errors.Is(err, ErrForbidden) {
							forbidden = append(forbidden, err)
						}
					}
					if len(forbidden) == 0 {
						t.Fatalf("without %s the adapter still works (errors: %v): the verb is not needed", name, errs)
					}
					msg := forbidden[0].Error()
					if !strings.Contains(msg, g.verb) || !strings.Contains(msg, strings.SplitN(g.resource, "/", 2)[0]) || !strings.Contains(msg, "deploy/rbac.yaml") {
						t.Errorf("the error does not say what is missing and what to do: %s", msg)
					}
					t.Logf("without %s: %s", name, msg)
				})
			})
		}
	})

	// With HCO main's CRD the version discovery prefers, v1, is the one it
	// stores: without the CRD's get every operation still works.
	t.Run("HCOMainWithoutCRDAccess", func(t *testing.T) {
		useHCO(t, server.HCOs()[1])
		i := slices.IndexFunc(grants, func(g grant) bool { return g.resource == "customresourcedefinitions" })
		if i < 0 {
			t.Fatal("deploy/rbac.yaml grants nothing on customresourcedefinitions")
		}
		without(t, grants[i], func() {
			a.seedRBAC(t)
			c := newUser(t)
			if errs := exercise(t.Context(), c); len(errs) > 0 {
				t.Fatalf("without the CRD's get on HCO main: %v", errors.Join(errs...))
			}
			if v, why, err := c.HyperConvergedVersion(t.Context()); err != nil || v != HyperConvergedV1 || !strings.Contains(why, "discovery") {
				t.Errorf("version %q (%s), %v; want v1 from discovery", v, why, err)
			}
		})
	})
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// withoutVerb returns the rules with the verb taken out of rule i, and the
// rule dropped when that was its only verb (a rule needs one).
func withoutVerb(rules []rbacv1.PolicyRule, i int, verb string) []rbacv1.PolicyRule {
	rules[i].Verbs = slices.DeleteFunc(slices.Clone(rules[i].Verbs), func(x string) bool { return x == verb })
	if len(rules[i].Verbs) == 0 {
		return slices.Delete(rules, i, i+1)
	}
	return rules
}

func ignoreExists[T any](_ T, err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func updateClusterRole(ctx context.Context, a admin, want *rbacv1.ClusterRole) error {
	cur, err := a.core.RbacV1().ClusterRoles().Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.Rules = want.Rules
	_, err = a.core.RbacV1().ClusterRoles().Update(ctx, cur, metav1.UpdateOptions{})
	return err
}

func updateRole(ctx context.Context, a admin, want *rbacv1.Role) error {
	cur, err := a.core.RbacV1().Roles(want.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.Rules = want.Rules
	_, err = a.core.RbacV1().Roles(want.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
	return err
}
