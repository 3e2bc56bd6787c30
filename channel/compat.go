package channel

import (
	"errors"
	"slices"
)

// Compatibility says which operator versions (the HyperConverged Cluster
// Operator's releases: OpenShift Virtualization downstream, HCO upstream)
// run on which platform versions (OpenShift, or plain Kubernetes), and
// which operator update OLM offers a cluster. [OpenShift] is the default;
// [Upstream] is the same for upstream HCO on Kubernetes, from a table.
//
// CheckOn reports whether operator is supported on platform: nil, or an
// error that wraps [ErrUnknownOperatorVersion] (no rule for that operator
// version), [ErrPlatformTooOld] (the operator needs a newer platform: update
// the platform first) or [ErrPlatformTooNew] (the platform is newer than the
// operator supports: update the operator).
//
// NextUpdate returns the update offered to a cluster on platform that runs
// operator, given the operator versions in the catalog: the newest z-stream
// of the current minor when there is one, else the newest release of the
// next minor, never skipping a minor and never to a version that needs a
// newer platform. Prereleases are never offered. When nothing is offered the
// error wraps [ErrNoUpdateOffered], [ErrPlatformTooOld] (the next minor
// waits for a platform update) or [ErrUnknownOperatorVersion].
//
// An implementation must be deterministic and pure (no clock, no server),
// must accept any Version (the zero Version included, which it does not
// know), must not modify the catalog, and returns errors a person can act
// on: the sentinel says which rule, the text names the versions and what to
// update first. The errors of both implementations are [*CNVError].
type Compatibility interface {
	CheckOn(operator, platform Version) error
	NextUpdate(platform, operator Version, catalog []Version) (Version, error)
}

// Sentinel causes of the errors of every [Compatibility]. The OpenShift
// sentinels refine them: errors.Is(ErrCNVLeadsOCP, ErrPlatformTooOld) is
// true, so a caller that tests the generic sentinels works with any
// implementation.
var (
	// ErrUnknownOperatorVersion: the implementation has no rule for this
	// operator version.
	ErrUnknownOperatorVersion = errors.New("unknown operator version")
	// ErrPlatformTooOld: the operator version needs a newer platform.
	ErrPlatformTooOld = errors.New("the operator version needs a newer platform")
	// ErrPlatformTooNew: the platform is newer than the operator version
	// supports.
	ErrPlatformTooNew = errors.New("the platform is newer than the operator version supports")
	// ErrUpdateNotAllowed: the operator update breaks an update rule (it
	// goes backwards, or skips a minor).
	ErrUpdateNotAllowed = errors.New("the operator update is not allowed")
	// ErrNoUpdateOffered: the catalog offers no operator update now.
	ErrNoUpdateOffered = errors.New("no operator update is offered")
)

// refined is a sentinel that refines another: its own text, and
// errors.Is(it, parent) is true.
type refined struct {
	msg    string
	parent error
}

func (e *refined) Error() string { return e.msg }
func (e *refined) Unwrap() error { return e.parent }

func refine(parent error, msg string) error { return &refined{msg: msg, parent: parent} }

// CompatibilityFuncs is a [Compatibility] made of functions, over a Base: a
// nil function, or both, fall back to Base's method, and a nil Base is
// OpenShift{}. The zero CompatibilityFuncs is OpenShift{}. Use it to change
// one rule, for example to accept a platform version the default refuses.
type CompatibilityFuncs struct {
	// Base answers what the functions do not; nil means OpenShift{}.
	Base Compatibility
	// CheckOnFunc replaces Base.CheckOn when set.
	CheckOnFunc func(operator, platform Version) error
	// NextUpdateFunc replaces Base.NextUpdate when set.
	NextUpdateFunc func(platform, operator Version, catalog []Version) (Version, error)
}

func (f CompatibilityFuncs) base() Compatibility {
	if f.Base == nil {
		return OpenShift{}
	}
	return f.Base
}

// CheckOn calls CheckOnFunc, else Base.CheckOn.
func (f CompatibilityFuncs) CheckOn(operator, platform Version) error {
	if f.CheckOnFunc != nil {
		return f.CheckOnFunc(operator, platform)
	}
	return f.base().CheckOn(operator, platform)
}

// NextUpdate calls NextUpdateFunc, else Base.NextUpdate.
func (f CompatibilityFuncs) NextUpdate(platform, operator Version, catalog []Version) (Version, error) {
	if f.NextUpdateFunc != nil {
		return f.NextUpdateFunc(platform, operator, catalog)
	}
	return f.base().NextUpdate(platform, operator, catalog)
}

// OpenShift is the default [Compatibility]: OpenShift Virtualization (CNV)
// on OpenShift, by the rules of CNV's one OLM channel, stable. CNV 4.y runs
// only on OpenShift 4.y and never leads it; the 2.x line maps onto
// OpenShift 4.2 to 4.7 by a table ([OpenShift.Mappings]). The package
// functions [CheckCNVOnOCP], [CheckCNVUpdate], [NextCNVUpdate],
// [OCPMinorForCNV] and [NextCNVMinor] are shorthands for its methods. The
// zero value is the only value.
type OpenShift struct{}

var (
	_ Compatibility = OpenShift{}
	_ Compatibility = Upstream{}
	_ Compatibility = CompatibilityFuncs{}
)

// CheckOn is [CheckCNVOnOCP]: its errors wrap ErrUnknownCNVVersion,
// ErrCNVLeadsOCP (a refinement of ErrPlatformTooOld) or ErrCNVBehindOCP (of
// ErrPlatformTooNew).
func (OpenShift) CheckOn(operator, platform Version) error { return CheckCNVOnOCP(operator, platform) }

// NextUpdate is [NextCNVUpdate]: the OpenShift catalog of a minor holds only
// the CNV releases that run on it, so CNV never leads.
func (OpenShift) NextUpdate(platform, operator Version, catalog []Version) (Version, error) {
	return NextCNVUpdate(platform, operator, catalog)
}

// CheckUpdate is [CheckCNVUpdate]: whether the stable channel updates CNV
// from → to on a cluster running OpenShift platform.
func (OpenShift) CheckUpdate(platform, from, to Version) error {
	return CheckCNVUpdate(platform, from, to)
}

// PlatformMinor is [OCPMinorForCNV]: the OpenShift minor a CNV minor runs
// on, and whether the documentation confirms the pairing.
func (OpenShift) PlatformMinor(cnv Minor) (ocp Minor, confirmed bool, err error) {
	return OCPMinorForCNV(cnv)
}

// NextMinor is [NextCNVMinor]: the CNV minor after m.
func (OpenShift) NextMinor(m Minor) (Minor, error) { return NextCNVMinor(m) }

// Mappings returns the CNV 2.x ↔ OpenShift 4.x table, a new slice on every
// call: from CNV 4.8 on the versions align and need no table.
func (OpenShift) Mappings() []CNVMapping { return slices.Clone(cnvOCPTable) }

// Promotions returns the OpenShift channel promotion model (candidate →
// fast → stable → eus) with its documented delays, a new slice on every
// call; [ExpectedIn] applies it.
func (OpenShift) Promotions() []Promotion { return slices.Clone(promotions) }
