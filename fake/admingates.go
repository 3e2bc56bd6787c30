package fake

import (
	"context"
	"maps"

	"github.com/virtupdate/virtupdate/update"
)

// SetAdminGates sets the CVO's admin-ack ConfigMaps:
// openshift-config-managed/admin-gates (the gates a release declares) and
// openshift-config/admin-acks (the administrator's acknowledgements), or
// that one is missing. A new cluster has both, empty, as every OpenShift
// cluster does (the CVO's manifests create them). Pre-flight reads them
// (update.AdminGatesReader).
func (c *Cluster) SetAdminGates(g update.AdminGates) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g.Gates, g.Acks = maps.Clone(g.Gates), maps.Clone(g.Acks)
	c.adminGates = &g
}

// GetAdminGates implements update.AdminGatesReader.
func (c *Cluster) GetAdminGates(ctx context.Context) (update.AdminGates, error) {
	if err := portRead(ctx, "get", "ConfigMap", update.AdminGatesNamespace, update.AdminGatesName); err != nil {
		return update.AdminGates{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.adminGates == nil {
		return update.AdminGates{}, nil
	}
	g := *c.adminGates
	g.Gates, g.Acks = maps.Clone(g.Gates), maps.Clone(g.Acks)
	return g, nil
}

var _ update.AdminGatesReader = (*Cluster)(nil)
