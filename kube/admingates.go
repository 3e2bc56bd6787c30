package kube

import (
	"context"
	"maps"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/update"
)

var _ update.AdminGatesReader = (*Cluster)(nil)

// GetAdminGates implements update.AdminGatesReader: it reads the ConfigMaps
// openshift-config-managed/admin-gates and openshift-config/admin-acks, as
// the CVO does (cluster-version-operator pkg/risk/adminack/adminack.go). A
// ConfigMap that does not exist is reported as missing, not as an error.
// The role needs get on these two ConfigMaps only (deploy/rbac.yaml names
// them).
func (c *Cluster) GetAdminGates(ctx context.Context) (update.AdminGates, error) {
	var out update.AdminGates
	gates, err := c.core.CoreV1().ConfigMaps(update.AdminGatesNamespace).Get(ctx, update.AdminGatesName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		out.GatesMissing = true
	case err != nil:
		return out, MapError("get", "ConfigMap", update.AdminGatesNamespace, update.AdminGatesName, err)
	default:
		out.Gates = maps.Clone(gates.Data)
	}
	acks, err := c.core.CoreV1().ConfigMaps(update.AdminAcksNamespace).Get(ctx, update.AdminAcksName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		out.AcksMissing = true
	case err != nil:
		return out, MapError("get", "ConfigMap", update.AdminAcksNamespace, update.AdminAcksName, err)
	default:
		out.Acks = maps.Clone(acks.Data)
	}
	return out, nil
}
