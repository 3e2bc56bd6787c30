package scenario

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// The conversions between the object form and the views the update
// package's ports return. Port methods give what a port of a cluster
// holding the object returns; the FromPort functions keep what a port
// gives (a port shows less than the object: what it lacks is left zero).

// Port returns the ClusterVersions port's view: Target is
// status.desired.version, and each conditional update keeps its version,
// its risks with their matching rules and its Recommended condition.
func (cv *ClusterVersion) Port() update.ClusterVersion {
	out := update.ClusterVersion{Channel: cv.Channel, DesiredVersion: cv.DesiredUpdate, Target: cv.Desired.Version,
		Conditions: slices.Clone(cv.Conditions), DesiredChannels: slices.Clone(cv.Desired.Channels)}
	for _, h := range cv.History {
		e := update.UpdateHistory{State: h.State, Version: h.Version, StartedTime: h.StartedTime.Time}
		if h.CompletionTime != nil {
			e.CompletionTime = h.CompletionTime.Time
		}
		out.History = append(out.History, e)
	}
	for _, r := range cv.AvailableUpdates {
		out.AvailableUpdates = append(out.AvailableUpdates, r.Version)
	}
	for _, u := range cv.ConditionalUpdates {
		out.ConditionalUpdates = append(out.ConditionalUpdates, u.port())
	}
	return out
}

// port is the port's view of a conditional update.
func (u ConditionalUpdate) port() update.ConditionalUpdate {
	out := update.ConditionalUpdate{Version: u.Release.Version}
	for _, r := range u.Risks {
		risk := channel.Risk{Name: r.Name, Message: r.Message, URL: r.URL}
		for _, m := range r.MatchingRules {
			rule := channel.MatchingRule{Type: channel.RuleType(m.Type)}
			if m.PromQL != nil {
				rule.PromQL = &channel.PromQLRule{PromQL: m.PromQL.PromQL}
			}
			risk.MatchingRules = append(risk.MatchingRules, rule)
		}
		out.Risks = append(out.Risks, risk)
	}
	if i := slices.IndexFunc(u.Conditions, func(c metav1.Condition) bool { return c.Type == ConditionRecommended }); i >= 0 {
		out.Recommended = u.Conditions[i]
	}
	return out
}

// ConditionRecommended is the condition of a conditional update that says
// whether the CVO recommends it for the cluster.
const ConditionRecommended = "Recommended"

// ClusterVersionFromPort converts the port's view. Desired.Version is the
// port's Target, the newest history entry's version when the port does
// not say; the port does not show the channels of the available and
// conditional updates, nor a conditional update's conditions other than
// Recommended.
func ClusterVersionFromPort(cv update.ClusterVersion) *ClusterVersion {
	out := &ClusterVersion{Channel: cv.Channel, DesiredUpdate: cv.DesiredVersion,
		Conditions: slices.Clone(cv.Conditions), Desired: Release{Version: cv.Target, Channels: slices.Clone(cv.DesiredChannels)}}
	if out.Desired.Version == "" && len(cv.History) > 0 {
		out.Desired.Version = cv.History[0].Version
	}
	for _, h := range cv.History {
		e := UpdateHistory{State: h.State, Version: h.Version, StartedTime: metav1.NewTime(h.StartedTime)}
		if !h.CompletionTime.IsZero() {
			t := metav1.NewTime(h.CompletionTime)
			e.CompletionTime = &t
		}
		out.History = append(out.History, e)
	}
	for _, v := range cv.AvailableUpdates {
		out.AvailableUpdates = append(out.AvailableUpdates, Release{Version: v})
	}
	for _, u := range cv.ConditionalUpdates {
		cu := ConditionalUpdate{Release: Release{Version: u.Version}}
		for _, r := range u.Risks {
			risk := Risk{Name: r.Name, Message: r.Message, URL: r.URL}
			for _, m := range r.MatchingRules {
				rule := MatchingRule{Type: string(m.Type)}
				if m.PromQL != nil {
					rule.PromQL = &PromQLRule{PromQL: m.PromQL.PromQL}
				}
				risk.MatchingRules = append(risk.MatchingRules, rule)
			}
			cu.Risks = append(cu.Risks, risk)
		}
		if u.Recommended.Type != "" || u.Recommended.Status != "" {
			c := u.Recommended
			c.Type = ConditionRecommended
			cu.Conditions = []metav1.Condition{c}
		}
		out.ConditionalUpdates = append(out.ConditionalUpdates, cu)
	}
	return out
}

// ResolveMaxUnavailable resolves spec.maxUnavailable to a node count for a
// pool of the given number of nodes, as the MCO does: 1 when unset, a
// percentage rounded down, and never less than 1.
func ResolveMaxUnavailable(v *intstr.IntOrString, nodes int) (int, error) {
	if v == nil {
		return 1, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, nodes, false)
	if err != nil {
		return 0, err
	}
	return max(n, 1), nil
}

// Port returns the MachineConfigPools port's view, with maxUnavailable
// resolved for the pool's status.machineCount (1 when it does not
// resolve; Validate refuses such a value) and a copy of the node selector.
func (p MachineConfigPool) Port() update.MachineConfigPool {
	n, err := ResolveMaxUnavailable(p.MaxUnavailable, int(p.MachineCount))
	if err != nil {
		n = 1
	}
	return update.MachineConfigPool{Name: p.Name, Paused: p.Paused, MaxUnavailable: int32(n), NodeSelector: p.NodeSelector.DeepCopy(),
		MachineCount: p.MachineCount, UpdatedMachineCount: p.UpdatedMachineCount, ReadyMachineCount: p.ReadyMachineCount,
		UnavailableMachineCount: p.UnavailableMachineCount, DegradedMachineCount: p.DegradedMachineCount,
		Conditions: slices.Clone(p.Conditions)}
}

// PoolFromPort converts the port's view: maxUnavailable becomes the
// resolved count, and the node selector is copied (nil when the port does
// not know it).
func PoolFromPort(p update.MachineConfigPool) MachineConfigPool {
	out := MachineConfigPool{Name: p.Name, Paused: p.Paused, NodeSelector: p.NodeSelector.DeepCopy(),
		MachineCount: p.MachineCount, UpdatedMachineCount: p.UpdatedMachineCount, ReadyMachineCount: p.ReadyMachineCount,
		UnavailableMachineCount: p.UnavailableMachineCount, DegradedMachineCount: p.DegradedMachineCount,
		Conditions: slices.Clone(p.Conditions)}
	if p.MaxUnavailable > 0 {
		v := intstr.FromInt32(p.MaxUnavailable)
		out.MaxUnavailable = &v
	}
	return out
}

// Port returns the Nodes port's view.
func (nm NodeMaintenance) Port() update.NodeMaintenance {
	return update.NodeMaintenance{Group: nm.Group, Name: nm.Name, NodeName: nm.NodeName, Reason: nm.Reason, Phase: nm.Phase}
}

// NodeMaintenanceFromPort converts the port's view.
func NodeMaintenanceFromPort(nm update.NodeMaintenance) NodeMaintenance {
	return NodeMaintenance{Group: nm.Group, Name: nm.Name, NodeName: nm.NodeName, Reason: nm.Reason, Phase: nm.Phase}
}

// Port returns the OLM port's view.
func (s Subscription) Port() update.Subscription {
	return update.Subscription{Namespace: s.Namespace, Name: s.Name, Package: s.Package, Channel: s.Channel,
		InstallPlanApproval: s.InstallPlanApproval, CurrentCSV: s.CurrentCSV, InstalledCSV: s.InstalledCSV,
		InstallPlanRef: s.InstallPlanRef, State: s.State}
}

// SubscriptionFromPort converts the port's view (the catalog source is not
// in it).
func SubscriptionFromPort(s update.Subscription) Subscription {
	return Subscription{Namespace: s.Namespace, Name: s.Name, Package: s.Package, Channel: s.Channel,
		InstallPlanApproval: s.InstallPlanApproval, CurrentCSV: s.CurrentCSV, InstalledCSV: s.InstalledCSV,
		InstallPlanRef: s.InstallPlanRef, State: s.State}
}

// Port returns the OLM port's view.
func (c CSV) Port() conditions.CSV {
	return conditions.CSV{Name: c.Name, DisplayName: c.DisplayName, Version: c.Version, Replaces: c.Replaces,
		Phase: c.Phase, Reason: c.Reason, Message: c.Message}
}

// CSVFromPort converts the port's view of a CSV of the namespace (the
// port does not show its properties).
func CSVFromPort(namespace string, c conditions.CSV) CSV {
	return CSV{Namespace: namespace, Name: c.Name, DisplayName: c.DisplayName, Version: c.Version, Replaces: c.Replaces,
		Phase: c.Phase, Reason: c.Reason, Message: c.Message}
}

// Port returns the OLM port's view.
func (ip InstallPlan) Port() update.InstallPlan {
	return update.InstallPlan{Namespace: ip.Namespace, Name: ip.Name, CSVNames: slices.Clone(ip.CSVNames),
		Approval: ip.Approval, Approved: ip.Approved, Phase: ip.Phase}
}

// InstallPlanFromPort converts the port's view.
func InstallPlanFromPort(ip update.InstallPlan) InstallPlan {
	return InstallPlan{Namespace: ip.Namespace, Name: ip.Name, CSVNames: slices.Clone(ip.CSVNames),
		Approval: ip.Approval, Approved: ip.Approved, Phase: ip.Phase}
}

// Port returns the HyperConvergeds port's view.
func (hc *HyperConverged) Port() update.HyperConverged {
	return update.HyperConverged{Namespace: hc.Namespace, Name: hc.Name, Generation: hc.Generation, Spec: hc.Spec, Status: hc.Status}
}

// HyperConvergedFromPort converts the port's view.
func HyperConvergedFromPort(hc update.HyperConverged) *HyperConverged {
	return &HyperConverged{Namespace: hc.Namespace, Name: hc.Name, Generation: hc.Generation, Spec: hc.Spec, Status: hc.Status}
}
