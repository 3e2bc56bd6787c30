package crclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

func (c *Cluster) checkpointConfigMap(op, name string) (string, error) {
	cm := c.CheckpointConfigMapName(name)
	if errs := validation.IsDNS1123Subdomain(cm); len(errs) > 0 {
		return "", &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: c.opts.Namespace, Name: cm,
			Err: fmt.Errorf("checkpoint %q does not make a valid ConfigMap name (%s); use lower-case letters, digits, '-' and '.'", name, strings.Join(errs, "; "))}
	}
	return cm, nil
}

// LoadCheckpoint implements update.Checkpoints: it reads the ConfigMap
// CheckpointConfigMapName(name) in Options.Namespace, the kube adapter's
// record, through the client (the cache, once it holds this Cluster's last
// save). The record's ResourceVersion is the ConfigMap's; a stale one is
// refused by the next save, never overwritten.
func (c *Cluster) LoadCheckpoint(ctx context.Context, name string) (update.Checkpoint, error) {
	const op = "load checkpoint from"
	cmName, err := c.checkpointConfigMap(op, name)
	if err != nil {
		return update.Checkpoint{}, err
	}
	ns := c.opts.Namespace
	cm := &corev1.ConfigMap{}
	if err := c.get(ctx, c.c, client.ObjectKey{Namespace: ns, Name: cmName}, cm); err != nil {
		return update.Checkpoint{}, mapError(op, kindConfigMap, ns, cmName, err)
	}
	if cm.Labels[kube.CheckpointLabel] != "true" {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: ns, Name: cmName,
			Err: fmt.Errorf("the ConfigMap exists but is not a checkpoint (no label %s=true); it belongs to something else: choose another Options.CheckpointPrefix or checkpoint name", kube.CheckpointLabel)}
	}
	data, ok := cm.BinaryData[kube.CheckpointDataKey]
	if !ok {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: ns, Name: cmName,
			Err: fmt.Errorf("the checkpoint has no binaryData key %q; it was edited by hand: delete it to start the plan afresh", kube.CheckpointDataKey)}
	}
	return update.Checkpoint{Name: name, Data: slices.Clone(data), ResourceVersion: cm.ResourceVersion}, nil
}

// SaveCheckpoint implements update.Checkpoints as the kube adapter does: a
// ResourceVersion of "" creates the ConfigMap (AlreadyExists is
// update.ErrConflict); otherwise it replaces it on the condition that its
// resourceVersion is still the one given (an update carrying
// metadata.resourceVersion, which the API server checks: a stale one is
// update.ErrConflict, a missing ConfigMap update.ErrNotFound).
func (c *Cluster) SaveCheckpoint(ctx context.Context, cp update.Checkpoint) (update.Checkpoint, error) {
	const op = "save checkpoint to"
	cmName, err := c.checkpointConfigMap(op, cp.Name)
	if err != nil {
		return update.Checkpoint{}, err
	}
	ns := c.opts.Namespace
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: cmName, ResourceVersion: cp.ResourceVersion,
			Labels: map[string]string{kube.CheckpointLabel: "true", kube.ManagedByLabel: "virtupdate"},
		},
		BinaryData: map[string][]byte{kube.CheckpointDataKey: slices.Clone(cp.Data)},
	}
	if cm.BinaryData[kube.CheckpointDataKey] == nil {
		cm.BinaryData[kube.CheckpointDataKey] = []byte{}
	}
	if cp.ResourceVersion == "" {
		err = c.c.Create(ctx, cm)
	} else {
		err = c.c.Update(ctx, cm)
	}
	if err != nil {
		return update.Checkpoint{}, mapError(op, kindConfigMap, ns, cmName, err)
	}
	if cm.ResourceVersion == "" {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: ns, Name: cmName,
			Err: errors.New("the API server returned no resourceVersion")}
	}
	c.wrote(cm)
	return update.Checkpoint{Name: cp.Name, Data: slices.Clone(cp.Data), ResourceVersion: cm.ResourceVersion}, nil
}
