package fake

import (
	"cmp"
	"context"
	"slices"

	policyv1 "k8s.io/api/policy/v1"

	"github.com/virtupdate/virtupdate/update"
)

// KindPodDisruptionBudget is the kind of the fake's PodDisruptionBudgets.
const KindPodDisruptionBudget = "PodDisruptionBudget"

// AddPodDisruptionBudgets adds PodDisruptionBudgets as found. The fake has
// no pods, so their status (disruptionsAllowed, expectedPods) stays as
// given: pre-flight reads it, the drains do not consult it.
func (c *Cluster) AddPodDisruptionBudgets(pdbs ...policyv1.PodDisruptionBudget) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pdbs == nil {
		c.pdbs = map[key]*policyv1.PodDisruptionBudget{}
	}
	for i := range pdbs {
		p := pdbs[i].DeepCopy()
		if p.ResourceVersion == "" {
			p.ResourceVersion = c.nextRV()
		}
		c.pdbs[key{p.Namespace, p.Name}] = p
	}
}

// ListPodDisruptionBudgets implements update.PodDisruptionBudgets, sorted
// by namespace and name.
func (c *Cluster) ListPodDisruptionBudgets(ctx context.Context) ([]policyv1.PodDisruptionBudget, error) {
	if err := portRead(ctx, "list", "PodDisruptionBudget", "", ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]policyv1.PodDisruptionBudget, 0, len(c.pdbs))
	for _, p := range c.pdbs {
		out = append(out, *p.DeepCopy())
	}
	slices.SortFunc(out, func(a, b policyv1.PodDisruptionBudget) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

var _ update.PodDisruptionBudgets = (*Cluster)(nil)
