package snapshot

import (
	"encoding/json"
	"slices"
	"strings"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// The conversions from the upstream objects to the object form's reduced
// ones. Each keeps the fields the object form documents and no other.

func operatorConditions(in []configv1.ClusterOperatorStatusCondition) []metav1.Condition {
	var out []metav1.Condition
	for _, c := range in {
		out = append(out, metav1.Condition{Type: string(c.Type), Status: metav1.ConditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out
}

func release(r configv1.Release) scenario.Release {
	return scenario.Release{Version: r.Version, Channels: slices.Clone(r.Channels)}
}

// clusterVersionFrom converts the CVO's ClusterVersion.
func clusterVersionFrom(cv *configv1.ClusterVersion) *scenario.ClusterVersion {
	out := &scenario.ClusterVersion{Channel: cv.Spec.Channel, Desired: release(cv.Status.Desired),
		Conditions: operatorConditions(cv.Status.Conditions)}
	if cv.Spec.DesiredUpdate != nil {
		out.DesiredUpdate = cv.Spec.DesiredUpdate.Version
	}
	for _, h := range cv.Status.History {
		out.History = append(out.History, scenario.UpdateHistory{State: string(h.State), Version: h.Version,
			StartedTime: h.StartedTime, CompletionTime: h.CompletionTime})
	}
	for _, r := range cv.Status.AvailableUpdates {
		out.AvailableUpdates = append(out.AvailableUpdates, release(r))
	}
	for _, u := range cv.Status.ConditionalUpdates {
		cu := scenario.ConditionalUpdate{Release: release(u.Release), Conditions: slices.Clone(u.Conditions)}
		for _, r := range u.Risks {
			risk := scenario.Risk{Name: r.Name, Message: r.Message, URL: r.URL}
			for _, m := range r.MatchingRules {
				rule := scenario.MatchingRule{Type: m.Type}
				if m.PromQL != nil {
					rule.PromQL = &scenario.PromQLRule{PromQL: m.PromQL.PromQL}
				}
				risk.MatchingRules = append(risk.MatchingRules, rule)
			}
			cu.Risks = append(cu.Risks, risk)
		}
		out.ConditionalUpdates = append(out.ConditionalUpdates, cu)
	}
	return out
}

func clusterOperatorFrom(co *configv1.ClusterOperator) scenario.ClusterOperator {
	return scenario.ClusterOperator{Name: co.Name, Conditions: operatorConditions(co.Status.Conditions)}
}

// poolFrom converts an MCO pool, keeping spec.maxUnavailable as written.
func poolFrom(p *mcfgv1.MachineConfigPool) scenario.MachineConfigPool {
	out := scenario.MachineConfigPool{Name: p.Name, NodeSelector: p.Spec.NodeSelector.DeepCopy(),
		MaxUnavailable: p.Spec.MaxUnavailable, Paused: p.Spec.Paused,
		MachineCount: p.Status.MachineCount, UpdatedMachineCount: p.Status.UpdatedMachineCount,
		ReadyMachineCount: p.Status.ReadyMachineCount, UnavailableMachineCount: p.Status.UnavailableMachineCount,
		DegradedMachineCount: p.Status.DegradedMachineCount}
	for _, c := range p.Status.Conditions {
		out.Conditions = append(out.Conditions, metav1.Condition{Type: string(c.Type), Status: metav1.ConditionStatus(c.Status),
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out
}

// csvFrom converts an OLM CSV, reading olm.maxOpenShiftVersion from its
// properties annotation as OLM does.
func csvFrom(x *operatorsv1alpha1.ClusterServiceVersion) scenario.CSV {
	out := scenario.CSV{Namespace: x.Namespace, Name: x.Name, DisplayName: x.Spec.DisplayName, Replaces: x.Spec.Replaces,
		Phase: conditions.CSVPhase(x.Status.Phase), Reason: string(x.Status.Reason), Message: x.Status.Message,
		MaxOpenShiftVersion: maxOpenShiftVersion(x.Annotations[propertiesAnnotation])}
	if v := x.Spec.Version.Version; v.Major != 0 || v.Minor != 0 || v.Patch != 0 || len(v.Pre) > 0 {
		out.Version = x.Spec.Version.String()
	}
	return out
}

// propertiesAnnotation is where OLM keeps a CSV's bundle properties.
const propertiesAnnotation = "operatorframework.io/properties"

// maxOpenShiftVersion is the value of the olm.maxOpenShiftVersion property
// in a CSV's properties annotation, unquoted, "" when there is none (or the
// annotation does not parse; OLM then reports the CSV as invalid, which the
// object form cannot say).
func maxOpenShiftVersion(annotation string) string {
	if annotation == "" {
		return ""
	}
	var props struct {
		Properties []struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"properties"`
	}
	if json.Unmarshal([]byte(annotation), &props) != nil {
		return ""
	}
	for _, p := range props.Properties {
		if p.Type != "olm.maxOpenShiftVersion" {
			continue
		}
		var s string
		if json.Unmarshal(p.Value, &s) != nil {
			s = string(p.Value) // a bare number: 4.16
		}
		return strings.Trim(s, `"`)
	}
	return ""
}

func subscriptionFrom(s *operatorsv1alpha1.Subscription) scenario.Subscription {
	out := scenario.Subscription{Namespace: s.Namespace, Name: s.Name, CurrentCSV: s.Status.CurrentCSV,
		InstalledCSV: s.Status.InstalledCSV, State: string(s.Status.State)}
	if s.Spec != nil {
		out.Package, out.Channel = s.Spec.Package, s.Spec.Channel
		out.Source, out.SourceNamespace = s.Spec.CatalogSource, s.Spec.CatalogSourceNamespace
		out.InstallPlanApproval = string(s.Spec.InstallPlanApproval)
	}
	if s.Status.InstallPlanRef != nil {
		out.InstallPlanRef = s.Status.InstallPlanRef.Name
	}
	return out
}

func installPlanFrom(ip *operatorsv1alpha1.InstallPlan) scenario.InstallPlan {
	return scenario.InstallPlan{Namespace: ip.Namespace, Name: ip.Name, CSVNames: slices.Clone(ip.Spec.ClusterServiceVersionNames),
		Approval: string(ip.Spec.Approval), Approved: ip.Spec.Approved, Phase: string(ip.Status.Phase)}
}

// hyperConvergedObject is HCO's object as decoded: no Go module carries
// its type, so metadata is read beside update.HyperConverged's fields.
type hyperConvergedObject struct {
	Metadata metav1.ObjectMeta           `json:"metadata"`
	Spec     update.HyperConvergedSpec   `json:"spec"`
	Status   update.HyperConvergedStatus `json:"status"`
}

func (h *hyperConvergedObject) scenario() *scenario.HyperConverged {
	return &scenario.HyperConverged{Namespace: h.Metadata.Namespace, Name: h.Metadata.Name, Generation: h.Metadata.Generation,
		Spec: h.Spec, Status: h.Status}
}

// nodeMaintenanceObject is a NodeMaintenance of either API group (both
// have spec.nodeName, spec.reason and status.phase).
type nodeMaintenanceObject struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		NodeName string `json:"nodeName"`
		Reason   string `json:"reason"`
	} `json:"spec"`
	Status struct {
		Phase string `json:"phase"`
	} `json:"status"`
}
