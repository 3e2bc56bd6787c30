package kube_test

import (
	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/kube"
)

// The kube adapter serves controller.Reconciler's optional port as the
// controller-runtime adapter does (controller/ports_test.go pins
// kube/crclient's): a reconciler over kube.Cluster carries out the plan's
// aborts. The pin lives in an external test package, since controller
// imports kube/crclient, which imports kube.
var _ controller.MigrationDeleter = (*kube.Cluster)(nil)
