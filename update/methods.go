package update

import (
	"fmt"
	"slices"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// DefaultWorkloadUpdateMethods is what HCO's CRD stores for
// spec.workloadUpdateStrategy.workloadUpdateMethods when the field (or the
// whole strategy) is absent or null: `[LiveMigrate]`, with batchEvictionSize
// 10 and batchEvictionInterval 1m0s. The CRD's openAPIV3Schema carries these
// as `default:` values (hyperconvergeds.hco.kubevirt.io, HCO 1.18 and main;
// api/v1beta1/hyperconverged_types.go `+kubebuilder:default`), so a real API
// server never holds an absent field: only an explicit `[]` turns automatic
// workload updates off.
var DefaultWorkloadUpdateMethods = []kubevirtv1.WorkloadUpdateMethod{kubevirtv1.WorkloadUpdateMethodLiveMigrate}

// HCO's defaults for the batch fields of spec.workloadUpdateStrategy, which
// its CRD fills in whenever the strategy is stored.
const (
	DefaultBatchEvictionSize     = 10
	DefaultBatchEvictionInterval = "1m0s"
)

// StoredMethods is the value a server holds for a value of the field: the
// list itself, or DefaultWorkloadUpdateMethods for nil (absent), since HCO's
// CRD defaults an absent field. Compare values of the field through it:
// absent and `[LiveMigrate]` are one state on a real cluster.
func StoredMethods(m *[]kubevirtv1.WorkloadUpdateMethod) []kubevirtv1.WorkloadUpdateMethod {
	if m == nil {
		return slices.Clone(DefaultWorkloadUpdateMethods)
	}
	if *m == nil {
		return []kubevirtv1.WorkloadUpdateMethod{}
	}
	return slices.Clone(*m)
}

// SameStoredMethods reports whether two values of the field are the same
// once stored: absent equals `[LiveMigrate]`, `[]` equals only `[]`, and
// lists compare in order.
func SameStoredMethods(a, b *[]kubevirtv1.WorkloadUpdateMethod) bool {
	return slices.Equal(StoredMethods(a), StoredMethods(b))
}

// ValidateMethods checks a list of workload update methods before it is
// written. HCO's CRD accepts any string (it stores `Reboot`), but KubeVirt
// knows only LiveMigrate and Evict and ignores anything else, so a typo
// would silently turn a method off. Each method may appear once. The error
// wraps ErrInvalid and names the field, the index and the value.
func ValidateMethods(m []kubevirtv1.WorkloadUpdateMethod) error {
	seen := map[kubevirtv1.WorkloadUpdateMethod]bool{}
	for i, x := range m {
		switch x {
		case kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict:
		default:
			return fmt.Errorf("%w: spec.workloadUpdateStrategy.workloadUpdateMethods[%d] is %q: KubeVirt knows only %s and %s",
				ErrInvalid, i, x, kubevirtv1.WorkloadUpdateMethodLiveMigrate, kubevirtv1.WorkloadUpdateMethodEvict)
		}
		if seen[x] {
			return fmt.Errorf("%w: spec.workloadUpdateStrategy.workloadUpdateMethods[%d] repeats %q", ErrInvalid, i, x)
		}
		seen[x] = true
	}
	return nil
}

// CheckMethodsWrite validates the arguments of
// HyperConvergeds.SetWorkloadUpdateMethods for an implementation: to must
// be a list (absent cannot be stored, see DefaultWorkloadUpdateMethods) of
// known methods. The error wraps ErrInvalid inside an ObjectError naming the
// object.
func CheckMethodsWrite(namespace, name string, to *[]kubevirtv1.WorkloadUpdateMethod) error {
	const op = "set workloadUpdateMethods of"
	if to == nil {
		return &ObjectError{Op: op, Kind: "HyperConverged", Namespace: namespace, Name: name,
			Err: fmt.Errorf("%w: spec.workloadUpdateStrategy.workloadUpdateMethods cannot be made absent: HCO's CRD stores an absent field as %s; write that list, or [] to turn workload updates off",
				ErrInvalid, ShowMethods(&DefaultWorkloadUpdateMethods))}
	}
	if err := ValidateMethods(*to); err != nil {
		return &ObjectError{Op: op, Kind: "HyperConverged", Namespace: namespace, Name: name, Err: err}
	}
	return nil
}

// NotStored returns the error of a write that the server accepted but
// changed: what it returned for the field is not what was written
// (defaulting, pruning of an unknown field, a conversion that drops it).
// The error wraps ErrNotStored and names the field and both values.
func NotStored(op, kind, namespace, name, field, wrote, stored string) error {
	return &ObjectError{Op: op, Kind: kind, Namespace: namespace, Name: name,
		Err: fmt.Errorf("%w: wrote %s = %s, the server stored %s", ErrNotStored, field, wrote, stored)}
}
