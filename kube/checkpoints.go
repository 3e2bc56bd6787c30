package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/virtupdate/virtupdate/update"
)

// CheckpointConfigMapName is the name of the ConfigMap holding the named
// checkpoint record.
func (c *Cluster) CheckpointConfigMapName(name string) string {
	return c.opts.CheckpointPrefix + name
}

func (c *Cluster) checkpointConfigMap(op, name string) (string, error) {
	cm := c.CheckpointConfigMapName(name)
	if errs := validation.IsDNS1123Subdomain(cm); len(errs) > 0 {
		return "", &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: c.opts.Namespace, Name: cm,
			Err: fmt.Errorf("checkpoint %q does not make a valid ConfigMap name (%s); use lower-case letters, digits, '-' and '.'", name, strings.Join(errs, "; "))}
	}
	return cm, nil
}

// LoadCheckpoint implements update.Checkpoints: it reads the ConfigMap
// CheckpointConfigMapName(name) in Options.Namespace. The record's
// ResourceVersion is the ConfigMap's.
func (c *Cluster) LoadCheckpoint(ctx context.Context, name string) (update.Checkpoint, error) {
	const op = "load checkpoint from"
	cmName, err := c.checkpointConfigMap(op, name)
	if err != nil {
		return update.Checkpoint{}, err
	}
	cm, err := c.core.CoreV1().ConfigMaps(c.opts.Namespace).Get(ctx, cmName, metav1.GetOptions{})
	if err != nil {
		return update.Checkpoint{}, MapError(op, kindConfigMap, c.opts.Namespace, cmName, err)
	}
	if cm.Labels[CheckpointLabel] != "true" {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: c.opts.Namespace, Name: cmName,
			Err: fmt.Errorf("the ConfigMap exists but is not a checkpoint (no label %s=true); it belongs to something else: choose another Options.CheckpointPrefix or checkpoint name", CheckpointLabel)}
	}
	data, ok := cm.BinaryData[CheckpointDataKey]
	if !ok {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: c.opts.Namespace, Name: cmName,
			Err: fmt.Errorf("the checkpoint has no binaryData key %q; it was edited by hand: delete it to start the plan afresh", CheckpointDataKey)}
	}
	return update.Checkpoint{Name: name, Data: slices.Clone(data), ResourceVersion: cm.ResourceVersion}, nil
}

// SaveCheckpoint implements update.Checkpoints: a ResourceVersion of ""
// creates the ConfigMap (AlreadyExists is update.ErrConflict); otherwise it
// replaces it on the condition that its resourceVersion is still the one
// given (a stale one is update.ErrConflict, a missing ConfigMap
// update.ErrNotFound).
func (c *Cluster) SaveCheckpoint(ctx context.Context, cp update.Checkpoint) (update.Checkpoint, error) {
	const op = "save checkpoint to"
	cmName, err := c.checkpointConfigMap(op, cp.Name)
	if err != nil {
		return update.Checkpoint{}, err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: c.opts.Namespace, Name: cmName, ResourceVersion: cp.ResourceVersion,
			Labels: map[string]string{CheckpointLabel: "true", ManagedByLabel: "virtupdate"},
		},
		BinaryData: map[string][]byte{CheckpointDataKey: slices.Clone(cp.Data)},
	}
	if cm.BinaryData[CheckpointDataKey] == nil {
		cm.BinaryData[CheckpointDataKey] = []byte{}
	}
	cms := c.core.CoreV1().ConfigMaps(c.opts.Namespace)
	var saved *corev1.ConfigMap
	if cp.ResourceVersion == "" {
		saved, err = cms.Create(ctx, cm, metav1.CreateOptions{})
	} else {
		saved, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	}
	if err != nil {
		return update.Checkpoint{}, MapError(op, kindConfigMap, c.opts.Namespace, cmName, err)
	}
	if saved.ResourceVersion == "" {
		return update.Checkpoint{}, &update.ObjectError{Op: op, Kind: kindConfigMap, Namespace: c.opts.Namespace, Name: cmName,
			Err: errors.New("the API server returned no resourceVersion")}
	}
	return update.Checkpoint{Name: cp.Name, Data: slices.Clone(cp.Data), ResourceVersion: saved.ResourceVersion}, nil
}
