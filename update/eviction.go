package update

import (
	"context"
	"errors"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// Where the cluster-wide eviction strategy was read from.
const (
	EvictionFromKubeVirt       = "KubeVirt CR spec.configuration.evictionStrategy"
	EvictionFromHyperConverged = "HyperConverged spec.evictionStrategy"
	EvictionFromDefault        = "KubeVirt's default (no KubeVirt CR, no HyperConverged value)"
)

// ClusterEvictionStrategy is the eviction strategy virt-controller and
// KubeVirt's eviction webhook apply to a VMI without its own
// (pkg/util/migrations/migrations.go VMIEvictionStrategy): the KubeVirt CR's
// spec.configuration.evictionStrategy, which HCO writes from its own
// spec.evictionStrategy. When the KubeVirt CR is not known (nil), the
// HyperConverged's value stands for it; with neither, KubeVirt's default
// None (pkg/virt-config/configuration.go). It returns the strategy and
// where it came from, for messages.
func ClusterEvictionStrategy(hc *HyperConverged, kv *kubevirtv1.KubeVirt) (kubevirtv1.EvictionStrategy, string) {
	if kv != nil {
		if s := kv.Spec.Configuration.EvictionStrategy; s != nil {
			return *s, EvictionFromKubeVirt
		}
		return kubevirtv1.EvictionStrategyNone, EvictionFromDefault
	}
	if hc != nil && hc.Spec.EvictionStrategy != nil {
		return *hc.Spec.EvictionStrategy, EvictionFromHyperConverged
	}
	return kubevirtv1.EvictionStrategyNone, EvictionFromDefault
}

// ReadClusterEvictionStrategy reads the KubeVirt CR and the HyperConverged
// through the ports and returns ClusterEvictionStrategy of them. A missing
// object is not an error (the next source is used); any other read error
// is.
func ReadClusterEvictionStrategy(ctx context.Context, c interface {
	HyperConvergeds
	KubeVirts
}) (kubevirtv1.EvictionStrategy, string, error) {
	kv, err := c.GetKubeVirt(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", "", err
	}
	var hc *HyperConverged
	if kv == nil {
		hc, err = c.GetHyperConverged(ctx)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return "", "", err
		}
	}
	s, from := ClusterEvictionStrategy(hc, kv)
	return s, from, nil
}
