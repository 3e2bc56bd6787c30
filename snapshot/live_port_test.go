package snapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// stubWithOperators is a reader with the optional ClusterOperators port.
type stubWithOperators struct {
	*stubCluster
	cos []update.ClusterOperator
	err error
}

func (s stubWithOperators) ListClusterOperators(context.Context) ([]update.ClusterOperator, error) {
	s.call("ListClusterOperators")
	return s.cos, s.err
}

var _ update.ClusterOperators = stubWithOperators{}

// TestReadClusterKeepsWhatThePortsShow: what the kube adapter's ports give
// beyond the scenario package's conversions is kept — the pools' node
// selectors (the custom pools' membership), status.desired.version, and the
// ClusterOperators of the optional port — and Missing names only what the
// reader could not give. A live snapshot of an envtest cluster found these
// three lost (TestLiveSnapshotForecast).
func TestReadClusterKeepsWhatThePortsShow(t *testing.T) {
	infra := &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/infra": ""}}
	worker := &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/worker": ""}}
	upgradeable := []metav1.Condition{{Type: "Upgradeable", Status: metav1.ConditionFalse, Reason: "AdminAckRequired", Message: "ack the API removals"}}
	for _, tt := range []struct {
		name, reason string
		stub         func() Reader
		wantErr      bool
		// missing says whether each part is in Missing.
		missing     map[string]bool
		wantPools   []scenario.MachineConfigPool
		wantDesired string
		wantCOs     []scenario.ClusterOperator
	}{
		{
			name:   "selectors",
			reason: "every pool's spec.nodeSelector comes through the port: kept, and the field is not missing",
			stub: func() Reader {
				s := newStub()
				s.pools = []update.MachineConfigPool{{Name: "infra", MaxUnavailable: 1, MachineCount: 2, NodeSelector: infra},
					{Name: "worker", MaxUnavailable: 2, MachineCount: 4, NodeSelector: worker}}
				return s
			},
			missing: map[string]bool{"MachineConfigPools.nodeSelector": false, "ClusterOperators": true},
			wantPools: []scenario.MachineConfigPool{{Name: "infra", NodeSelector: infra, MaxUnavailable: intOrStr(1), MachineCount: 2},
				{Name: "worker", NodeSelector: worker, MaxUnavailable: intOrStr(2), MachineCount: 4}},
			wantDesired: "4.18.7",
		},
		{
			name:   "a selector unknown",
			reason: "a pool the port gives no selector for leaves it nil (its role label stands for it) and the field missing",
			stub: func() Reader {
				s := newStub()
				s.pools = []update.MachineConfigPool{{Name: "infra", MaxUnavailable: 1, MachineCount: 2, NodeSelector: infra},
					{Name: "worker", MaxUnavailable: 1, MachineCount: 4}}
				return s
			},
			missing: map[string]bool{"MachineConfigPools.nodeSelector": true},
			wantPools: []scenario.MachineConfigPool{{Name: "infra", NodeSelector: infra, MaxUnavailable: intOrStr(1), MachineCount: 2},
				{Name: "worker", MaxUnavailable: intOrStr(1), MachineCount: 4}},
			wantDesired: "4.18.7",
		},
		{
			name:   "desired release",
			reason: "status.desired.version is the port's Target, the release the CVO applies, not the newest history entry (an update by image leaves spec.desiredUpdate.version empty)",
			stub: func() Reader {
				s := newStub()
				s.cv.Target = "4.18.9"
				s.cv.History = append([]update.UpdateHistory{{State: update.UpdatePartial, Version: "4.18.9"}}, s.cv.History...)
				return s
			},
			wantDesired: "4.18.9",
		},
		{
			name:   "cluster operators",
			reason: "a reader with the ClusterOperators port has them read (name and conditions), and they are not missing",
			stub: func() Reader {
				return stubWithOperators{stubCluster: newStub(), cos: []update.ClusterOperator{
					{Name: "kube-apiserver", Conditions: upgradeable, Versions: []update.OperandVersion{{Name: "operator", Version: "4.18.7"}}}}}
			},
			missing:     map[string]bool{"ClusterOperators": false},
			wantDesired: "4.18.7",
			wantCOs:     []scenario.ClusterOperator{{Name: "kube-apiserver", Conditions: upgradeable}},
		},
		{
			name:   "cluster operators not served",
			reason: "a server that serves no ClusterOperators (not OpenShift) is not an error: the part is missing",
			stub: func() Reader {
				return stubWithOperators{stubCluster: newStub(), err: fmt.Errorf("list ClusterOperators: %w", update.ErrNotFound)}
			},
			missing:     map[string]bool{"ClusterOperators": true},
			wantDesired: "4.18.7",
		},
		{
			name:    "cluster operators unreadable",
			reason:  "any other error of the port stops the read, naming what was read",
			stub:    func() Reader { return stubWithOperators{stubCluster: newStub(), err: update.ErrTransient} },
			wantErr: true,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ReadCluster(t.Context(), tt.stub(), ClusterOptions{})
			if tt.wantErr {
				if !errors.Is(err, update.ErrTransient) {
					t.Fatalf("%s: error %v, want the port's error wrapped", tt.reason, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for part, want := range tt.missing {
				if got := slices.Contains(o.Missing, part); got != want {
					t.Errorf("%s: %s missing = %v, want %v (missing %q)", tt.reason, part, got, want, o.Missing)
				}
			}
			for _, gap := range portGaps {
				if !slices.Contains(o.Missing, gap) {
					t.Errorf("%s: %s, which no port shows, is not missing: %q", tt.reason, gap, o.Missing)
				}
			}
			if tt.wantPools != nil {
				if d := cmp.Diff(tt.wantPools, o.Pools); d != "" {
					t.Errorf("%s: pools (-want +got):\n%s", tt.reason, d)
				}
			}
			if o.ClusterVersion.Desired.Version != tt.wantDesired {
				t.Errorf("%s: status.desired.version = %q, want %q", tt.reason, o.ClusterVersion.Desired.Version, tt.wantDesired)
			}
			if d := cmp.Diff(tt.wantCOs, o.ClusterOperators); d != "" {
				t.Errorf("%s: ClusterOperators (-want +got):\n%s", tt.reason, d)
			}
			roundTrip(t, o)
		})
	}
}

func intOrStr(n int32) *intstr.IntOrString {
	v := intstr.FromInt32(n)
	return &v
}
