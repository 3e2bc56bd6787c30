package kube

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	configv1 "github.com/openshift/api/config/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/virtupdate/virtupdate/internal/kubetest"
	"github.com/virtupdate/virtupdate/update"
)

// TestListError: a list's error names what was listed and where, and maps
// onto the update package's sentinels as MapError does for one object; a
// kind a client's REST mapper does not know (controller-runtime's answer
// for a resource the server does not serve,
// pkg/client/apiutil/restmapper.go) is update.ErrNotFound; an
// *update.ObjectError is not wrapped in a second meaning.
func TestListError(t *testing.T) {
	gr := schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachineinstances"}
	forbidden := apierrors.NewForbidden(gr, "", errors.New("no"))
	for _, tt := range []struct {
		reason          string
		kind, namespace string
		err             error
		is, isNot       error
		says            string
	}{
		{"forbidden in a namespace", kindVMI, "prod", forbidden, ErrForbidden, nil, "list VirtualMachineInstances in namespace prod: forbidden"},
		{"forbidden says which roles to bind", kindVMI, "", forbidden, ErrForbidden, nil, "deploy/rbac.yaml"},
		{"every namespace", kindVMI, "", errors.New("boom"), nil, update.ErrTransient, "list VirtualMachineInstances in every namespace: boom"},
		{"a cluster-scoped kind is named without a namespace", kindNode, "", apierrors.NewServiceUnavailable("later"), update.ErrTransient, nil, "list Nodes: "},
		{"NodeMaintenance is cluster-scoped", kindNodeMaintenance, "", errors.New("boom"), nil, nil, "list NodeMaintenances: "},
		{"a dropped connection", kindVM, "prod", fmt.Errorf("read tcp: %w", syscall.ECONNRESET), update.ErrTransient, nil, "list VirtualMachines"},
		{"a kind the REST mapper does not know", kindMigration, "", &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "kubevirt.io", Kind: kindMigration}},
			update.ErrNotFound, nil, "serves no VirtualMachineInstanceMigration resource"},
		{"an ObjectError keeps its meaning", kindVMI, "prod", &update.ObjectError{Op: "read", Kind: kindVMI, Namespace: "prod", Name: "db", Err: forbidden},
			nil, nil, "list VirtualMachineInstances in namespace prod: read"},
	} {
		err := ListError(tt.kind, tt.namespace, tt.err)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: ListError(%s, %q, %v) = %v, want it to say %q", tt.reason, tt.kind, tt.namespace, tt.err, err, tt.says)
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v does not satisfy errors.Is(%v)", tt.reason, err, tt.is)
		}
		if tt.isNot != nil && errors.Is(err, tt.isNot) {
			t.Errorf("%s: %v satisfies errors.Is(%v), want not", tt.reason, err, tt.isNot)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: %v lost its cause %v", tt.reason, err, tt.err)
		}
	}
	var oe *update.ObjectError
	if err := ListError(kindVMI, "prod", &update.ObjectError{Op: "read", Kind: kindVMI, Err: forbidden}); !errors.As(err, &oe) || strings.Count(err.Error(), "deploy/rbac.yaml") > 0 {
		t.Errorf("an ObjectError: %v, want it kept, with no second role hint", err)
	}
	if err := ListError(kindVMI, "prod", nil); err != nil {
		t.Errorf("ListError of nil = %v, want nil", err)
	}
	if err := ClusterListError(kindClusterOperator, nil); err != nil {
		t.Errorf("ClusterListError of nil = %v, want nil", err)
	}
	noMatch := &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "config.openshift.io", Kind: kindClusterOperator}}
	if err := ClusterListError(kindClusterOperator, noMatch); !errors.Is(err, update.ErrNotFound) || !strings.Contains(err.Error(), "OpenShift") {
		t.Errorf("ClusterListError of a REST mapper's no-match: %v, want update.ErrNotFound asking whether this is OpenShift", err)
	}
}

// TestClusterVersionFrom: status.conditionalUpdates become
// ConditionalUpdates with their risks' matching rules and the
// Recommended condition the CVO evaluates
// (cluster-version-operator pkg/cvo/availableupdates.go
// evaluateConditionalUpdate); an entry not evaluated yet has a zero
// Recommended. status.availableUpdates are versions only.
func TestClusterVersionFrom(t *testing.T) {
	recommended := metav1.Condition{Type: "Recommended", Status: metav1.ConditionFalse, Reason: "ExposedToRisks",
		Message: "The update is not recommended", LastTransitionTime: metav1.NewTime(kubetest.FixtureTime)}
	cv := &configv1.ClusterVersion{Status: configv1.ClusterVersionStatus{
		Desired:          configv1.Release{Version: "4.16.3"},
		AvailableUpdates: []configv1.Release{{Version: "4.16.4", Image: kubetest.ReleaseImage("4.16.4")}},
		ConditionalUpdates: []configv1.ConditionalUpdate{
			{Release: configv1.Release{Version: "4.16.5"}, Conditions: []metav1.Condition{recommended},
				Risks: []configv1.ConditionalUpdateRisk{{Name: "BogusRisk", Message: "m", URL: "https://example.com/bogus",
					MatchingRules: []configv1.ClusterCondition{{Type: "PromQL", PromQL: &configv1.PromQLClusterCondition{PromQL: "max(up)"}}, {Type: "Always"}}}}},
			{Release: configv1.Release{Version: "4.16.6"}},
		},
	}}
	got := ClusterVersionFrom(cv)
	if len(got.AvailableUpdates) != 1 || got.AvailableUpdates[0] != "4.16.4" {
		t.Errorf("AvailableUpdates = %v, want [4.16.4]", got.AvailableUpdates)
	}
	if len(got.ConditionalUpdates) != 2 {
		t.Fatalf("ConditionalUpdates = %+v, want two", got.ConditionalUpdates)
	}
	cu := got.ConditionalUpdates[0]
	if cu.Version != "4.16.5" || cu.Recommended.Status != metav1.ConditionFalse || cu.Recommended.Reason != "ExposedToRisks" {
		t.Errorf("first entry = %+v, want 4.16.5 with Recommended=False (ExposedToRisks)", cu)
	}
	if len(cu.Risks) != 1 || cu.Risks[0].Name != "BogusRisk" || cu.Risks[0].URL != "https://example.com/bogus" ||
		len(cu.Risks[0].MatchingRules) != 2 || cu.Risks[0].MatchingRules[0].PromQL == nil ||
		cu.Risks[0].MatchingRules[0].PromQL.PromQL != "max(up)" || cu.Risks[0].MatchingRules[1].Type != "Always" {
		t.Errorf("risks = %+v, want BogusRisk with its PromQL and Always rules", cu.Risks)
	}
	if r := got.ConditionalUpdates[1].Recommended; r.Status != "" {
		t.Errorf("an entry the CVO has not evaluated: Recommended = %+v, want zero", r)
	}
}
