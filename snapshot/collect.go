package snapshot

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// partOf maps an API group and kind to the part of the object form that
// holds it, "" for a kind a snapshot does not read.
func partOf(group, kind string) string {
	switch group + "/" + kind {
	case "/Node":
		return scenario.PartNodes
	case "config.openshift.io/ClusterVersion":
		return scenario.PartClusterVersion
	case "config.openshift.io/ClusterOperator":
		return scenario.PartClusterOperators
	case "machineconfiguration.openshift.io/MachineConfigPool":
		return scenario.PartPools
	case "operators.coreos.com/ClusterServiceVersion":
		return scenario.PartCSVs
	case "operators.coreos.com/Subscription":
		return scenario.PartSubscriptions
	case "operators.coreos.com/InstallPlan":
		return scenario.PartInstallPlans
	case "hco.kubevirt.io/HyperConverged":
		return scenario.PartHyperConverged
	case "kubevirt.io/KubeVirt":
		return scenario.PartKubeVirt
	case "kubevirt.io/VirtualMachine":
		return scenario.PartVirtualMachines
	case "kubevirt.io/VirtualMachineInstance":
		return scenario.PartVMIs
	case "kubevirt.io/VirtualMachineInstanceMigration":
		return scenario.PartMigrations
	case "policy/PodDisruptionBudget":
		return scenario.PartPodDisruptionBudgets
	case update.NodeMaintenanceKubeVirt + "/NodeMaintenance", update.NodeMaintenanceMedik8s + "/NodeMaintenance":
		return scenario.PartNodeMaintenances
	}
	return ""
}

// entry is one object found, with where it was found, to choose between
// copies of it.
type entry struct {
	rv   uint64
	rvOK bool
	path string
	obj  any
}

// better reports whether e should be kept over old: the newer copy
// (larger resourceVersion) or, when that does not tell, the one found in
// the path that sorts first. The choice does not depend on the order files
// are read in.
func (e *entry) better(old *entry) bool {
	if e.rvOK && old.rvOK && e.rv != old.rv {
		return e.rv > old.rv
	}
	return e.path < old.path
}

// collector gathers the objects of the files one reader decodes.
type collector struct {
	limits       scenario.Limits
	parts        map[string]bool              // parts seen: an object or a List of the kind
	objs         map[string]map[string]*entry // part → namespace/name → object
	copied       map[string]bool              // copied CSVs, by namespace/name
	skipped      map[string]int
	duplicates   int
	files        int
	skippedFiles int
}

func newCollector(l scenario.Limits) *collector {
	return &collector{limits: l, parts: map[string]bool{}, objs: map[string]map[string]*entry{},
		copied: map[string]bool{}, skipped: map[string]int{}}
}

// capOf is the cap of a part.
func (c *collector) capOf(part string) int {
	switch part {
	case scenario.PartNodes:
		return c.limits.MaxNodes
	case scenario.PartVMIs, scenario.PartVirtualMachines:
		return c.limits.MaxVMIs
	case scenario.PartMigrations:
		return c.limits.MaxMigrations
	}
	return c.limits.MaxOther
}

// add records an object, keeping one copy per part and key.
func (c *collector) add(part, key string, e *entry) error {
	c.parts[part] = true
	m := c.objs[part]
	if m == nil {
		m = map[string]*entry{}
		c.objs[part] = m
	}
	old, ok := m[key]
	if !ok {
		if len(m) >= c.capOf(part) {
			return errTooMany(part, c.capOf(part))
		}
		m[key] = e
		return nil
	}
	c.duplicates++
	if e.better(old) {
		m[key] = e
	}
	return nil
}

// merge adds what another collector found.
func (c *collector) merge(o *collector) error {
	for p := range o.parts {
		c.parts[p] = true
	}
	for k := range o.copied {
		c.copied[k] = true
	}
	for k, n := range o.skipped {
		c.skipped[k] += n
	}
	c.duplicates += o.duplicates
	c.files += o.files
	c.skippedFiles += o.skippedFiles
	for _, part := range slices.Sorted(maps.Keys(o.objs)) {
		for key, e := range o.objs[part] {
			if err := c.add(part, key, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeAs[T any](raw []byte, kind string, h *head) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", ErrMalformed, kind, nsName(h.Metadata.Namespace, h.Metadata.Name), err)
	}
	return v, nil
}

func nsName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// object decodes one object of a kind the snapshot reads, reduced, or
// counts one of another kind.
func (c *collector) object(path string, h *head, raw []byte) error {
	group := groupOf(h.APIVersion)
	part := partOf(group, h.Kind)
	if part == "" {
		c.skipped[kindName(group, h.Kind)]++
		return nil
	}
	e := &entry{path: path}
	e.rv, e.rvOK = parseRV(h.Metadata.ResourceVersion)
	key := nsName(h.Metadata.Namespace, h.Metadata.Name)
	switch part {
	case scenario.PartNodes:
		n, err := decodeAs[corev1.Node](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reduceNode(n)
		e.obj = *n
	case scenario.PartClusterVersion:
		cv, err := decodeAs[configv1.ClusterVersion](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = clusterVersionFrom(cv)
	case scenario.PartClusterOperators:
		co, err := decodeAs[configv1.ClusterOperator](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = clusterOperatorFrom(co)
	case scenario.PartPools:
		p, err := decodeAs[mcfgv1.MachineConfigPool](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = poolFrom(p)
	case scenario.PartCSVs:
		// OLM copies a CSV into every namespace its operator group
		// watches (label olm.copiedFrom, reason Copied); those are not
		// installs of their own.
		if _, ok := h.Metadata.Labels[operatorsv1alpha1.CopiedLabelKey]; ok {
			c.parts[part] = true
			c.copied[key] = true
			return nil
		}
		x, err := decodeAs[operatorsv1alpha1.ClusterServiceVersion](raw, h.Kind, h)
		if err != nil {
			return err
		}
		if x.IsCopied() {
			c.parts[part] = true
			c.copied[key] = true
			return nil
		}
		e.obj = csvFrom(x)
	case scenario.PartSubscriptions:
		s, err := decodeAs[operatorsv1alpha1.Subscription](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = subscriptionFrom(s)
	case scenario.PartInstallPlans:
		ip, err := decodeAs[operatorsv1alpha1.InstallPlan](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = installPlanFrom(ip)
	case scenario.PartHyperConverged:
		hc, err := decodeAs[hyperConvergedObject](raw, h.Kind, h)
		if err != nil {
			return err
		}
		e.obj = hc.scenario()
	case scenario.PartKubeVirt:
		kv, err := decodeAs[kubevirtv1.KubeVirt](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reduceKubeVirt(kv)
		e.obj = kv
	case scenario.PartVirtualMachines:
		vm, err := decodeAs[kubevirtv1.VirtualMachine](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reduceVM(vm)
		e.obj = *vm
	case scenario.PartVMIs:
		v, err := decodeAs[kubevirtv1.VirtualMachineInstance](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reduceVMI(v)
		e.obj = *v
	case scenario.PartMigrations:
		m, err := decodeAs[kubevirtv1.VirtualMachineInstanceMigration](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reduceMigration(m)
		e.obj = *m
	case scenario.PartPodDisruptionBudgets:
		p, err := decodeAs[policyv1.PodDisruptionBudget](raw, h.Kind, h)
		if err != nil {
			return err
		}
		reducePDB(p)
		e.obj = *p
	case scenario.PartNodeMaintenances:
		nm, err := decodeAs[nodeMaintenanceObject](raw, h.Kind, h)
		if err != nil {
			return err
		}
		key = group + "/" + nm.Metadata.Name
		e.obj = scenario.NodeMaintenance{Group: group, Name: nm.Metadata.Name, NodeName: nm.Spec.NodeName,
			Reason: nm.Spec.Reason, Phase: nm.Status.Phase}
	}
	return c.add(part, key, e)
}

func parseRV(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// values returns the objects of a part, by key order.
func values[T any](c *collector, part string) []T {
	m := c.objs[part]
	if len(m) == 0 {
		return nil
	}
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k].obj.(T))
	}
	return out
}

// one returns the object of a part that holds one per cluster: the one
// named preferred, else the first by namespace and name. Others are
// counted as duplicates.
func one[T any](c *collector, part, preferred string) T {
	var zero T
	m := c.objs[part]
	if len(m) == 0 {
		return zero
	}
	keys := slices.Sorted(maps.Keys(m))
	pick := keys[0]
	for _, k := range keys {
		if _, name, _ := cut(k); name == preferred {
			pick = k
			break
		}
	}
	c.duplicates += len(keys) - 1
	return m[pick].obj.(T)
}

func cut(key string) (ns, name string, ok bool) {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return "", key, false
}

// objects builds the object form from what was collected. Parts the
// source cannot have held (not seen, and not in collected) are Missing.
func (c *collector) objects(src scenario.Source, collected map[string]bool) *scenario.Objects {
	o := scenario.New()
	o.Source = src
	o.Source.Files, o.Source.SkippedFiles = c.files, c.skippedFiles
	o.Source.CopiedCSVs = len(c.copied)
	if len(c.skipped) > 0 {
		o.Source.Skipped = maps.Clone(c.skipped)
	}
	o.ClusterVersion = one[*scenario.ClusterVersion](c, scenario.PartClusterVersion, "version")
	o.ClusterOperators = values[scenario.ClusterOperator](c, scenario.PartClusterOperators)
	o.Pools = values[scenario.MachineConfigPool](c, scenario.PartPools)
	o.Nodes = values[corev1.Node](c, scenario.PartNodes)
	o.NodeMaintenances = values[scenario.NodeMaintenance](c, scenario.PartNodeMaintenances)
	o.Subscriptions = values[scenario.Subscription](c, scenario.PartSubscriptions)
	o.CSVs = values[scenario.CSV](c, scenario.PartCSVs)
	o.InstallPlans = values[scenario.InstallPlan](c, scenario.PartInstallPlans)
	o.HyperConverged = one[*scenario.HyperConverged](c, scenario.PartHyperConverged, update.HyperConvergedName)
	o.KubeVirt = one[*kubevirtv1.KubeVirt](c, scenario.PartKubeVirt, "kubevirt-kubevirt-hyperconverged")
	o.VirtualMachines = values[kubevirtv1.VirtualMachine](c, scenario.PartVirtualMachines)
	o.VMIs = values[kubevirtv1.VirtualMachineInstance](c, scenario.PartVMIs)
	o.Migrations = values[kubevirtv1.VirtualMachineInstanceMigration](c, scenario.PartMigrations)
	o.PodDisruptionBudgets = values[policyv1.PodDisruptionBudget](c, scenario.PartPodDisruptionBudgets)
	o.Source.Duplicates = c.duplicates
	for _, p := range scenario.Parts() {
		if !c.parts[p] && !collected[p] {
			o.Missing = append(o.Missing, p)
		}
	}
	o.Sort()
	return o
}
