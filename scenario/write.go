package scenario

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func byMeta[T any](meta func(*T) *metav1.ObjectMeta) func(a, b T) int {
	return func(a, b T) int {
		ma, mb := meta(&a), meta(&b)
		return cmp.Or(cmp.Compare(ma.Namespace, mb.Namespace), cmp.Compare(ma.Name, mb.Name))
	}
}

// Sort sorts every list in place: by namespace then name (NodeMaintenances
// by group then name), and Missing alphabetically. Two runs over the same
// cluster state give the same order whatever order the source had.
func (o *Objects) Sort() {
	slices.Sort(o.Missing)
	slices.SortFunc(o.ClusterOperators, func(a, b ClusterOperator) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(o.Pools, func(a, b MachineConfigPool) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(o.Nodes, func(a, b corev1Node) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(o.NodeMaintenances, func(a, b NodeMaintenance) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(o.Subscriptions, func(a, b Subscription) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(o.CSVs, func(a, b CSV) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(o.InstallPlans, func(a, b InstallPlan) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(o.VirtualMachines, byMeta(func(v *virtualMachine) *metav1.ObjectMeta { return &v.ObjectMeta }))
	slices.SortFunc(o.VMIs, byMeta(func(v *vmi) *metav1.ObjectMeta { return &v.ObjectMeta }))
	slices.SortFunc(o.Migrations, byMeta(func(v *migration) *metav1.ObjectMeta { return &v.ObjectMeta }))
	slices.SortFunc(o.PodDisruptionBudgets, byMeta(func(v *pdb) *metav1.ObjectMeta { return &v.ObjectMeta }))
	if s := o.Source.Gatherers; s != nil {
		slices.Sort(s)
	}
}

// sorted returns a copy of o whose lists are sorted; o is left as it is.
func (o *Objects) sorted() *Objects {
	c := *o
	c.Missing = slices.Clone(o.Missing)
	c.ClusterOperators = slices.Clone(o.ClusterOperators)
	c.Pools = slices.Clone(o.Pools)
	c.Nodes = slices.Clone(o.Nodes)
	c.NodeMaintenances = slices.Clone(o.NodeMaintenances)
	c.Subscriptions = slices.Clone(o.Subscriptions)
	c.CSVs = slices.Clone(o.CSVs)
	c.InstallPlans = slices.Clone(o.InstallPlans)
	c.VirtualMachines = slices.Clone(o.VirtualMachines)
	c.VMIs = slices.Clone(o.VMIs)
	c.Migrations = slices.Clone(o.Migrations)
	c.PodDisruptionBudgets = slices.Clone(o.PodDisruptionBudgets)
	c.Source.Gatherers = slices.Clone(o.Source.Gatherers)
	c.Sort()
	return &c
}

// Marshal writes the objects as YAML, deterministically: lists sorted (see
// Sort; o itself is not reordered) and mapping keys in alphabetical order,
// so the same state always gives the same bytes. APIVersion and Kind are
// filled in when empty.
func Marshal(o *Objects) ([]byte, error) {
	c := o.sorted()
	c.APIVersion = cmp.Or(c.APIVersion, APIVersion)
	c.Kind = cmp.Or(c.Kind, Kind)
	return yaml.Marshal(c)
}

// MarshalJSON writes the objects as indented JSON, sorted as Marshal does.
func MarshalJSON(o *Objects) ([]byte, error) {
	c := o.sorted()
	c.APIVersion = cmp.Or(c.APIVersion, APIVersion)
	c.Kind = cmp.Or(c.Kind, Kind)
	return json.MarshalIndent(c, "", "  ")
}

// Write writes Marshal's YAML to w.
func Write(w io.Writer, o *Objects) error {
	data, err := Marshal(o)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
