package controller

import "github.com/virtupdate/virtupdate/kube/crclient"

// The controller-runtime adapter carries out the plan's aborts and
// deletions.
var _ MigrationDeleter = (*crclient.Cluster)(nil)
