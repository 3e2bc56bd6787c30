package crclient

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/update"
)

var _ update.AdminGatesReader = (*Cluster)(nil)

// GetAdminGates implements update.AdminGatesReader as the kube adapter
// does: it reads the ConfigMaps openshift-config-managed/admin-gates and
// openshift-config/admin-acks, as the CVO does
// (cluster-version-operator pkg/risk/adminack/adminack.go); a ConfigMap
// that does not exist is reported as missing, not as an error. They are
// read through Options.APIReader when it is set, so the manager's cache
// need not watch ConfigMaps of every namespace.
func (c *Cluster) GetAdminGates(ctx context.Context) (update.AdminGates, error) {
	var out update.AdminGates
	read := func(ns, name string) (map[string]string, bool, error) {
		var cm corev1.ConfigMap
		err := c.live.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &cm)
		switch {
		case apierrors.IsNotFound(err):
			return nil, true, nil
		case err != nil:
			return nil, false, mapError("get", "ConfigMap", ns, name, err)
		}
		return maps.Clone(cm.Data), false, nil
	}
	var err error
	if out.Gates, out.GatesMissing, err = read(update.AdminGatesNamespace, update.AdminGatesName); err != nil {
		return out, err
	}
	if out.Acks, out.AcksMissing, err = read(update.AdminAcksNamespace, update.AdminAcksName); err != nil {
		return out, err
	}
	return out, nil
}
