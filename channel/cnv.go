package channel

import (
	"fmt"
)

// CNVMapping pairs an OpenShift Virtualization (CNV) minor of the 2.x line
// with the OpenShift minor it ran on.
type CNVMapping struct {
	CNV, OCP Minor
	// Confirmed is false for pairs the public sources at hand do not
	// document (general knowledge, not verified).
	Confirmed bool
}

// cnvOCPTable is the 2.x ↔ OpenShift 4.x mapping, read through
// [OpenShift.Mappings]. From 4.8 on the versions align (CNV 4.y runs on OCP
// 4.y) and need no table. Documented: 2.2 ↔ 4.3 and 2.5 ↔ 4.6. Unconfirmed:
// 2.1 ↔ 4.2, 2.3 ↔ 4.4, 2.4 ↔ 4.5, 2.6 ↔ 4.7.
var cnvOCPTable = []CNVMapping{
	{CNV: Minor{2, 1}, OCP: Minor{4, 2}},
	{CNV: Minor{2, 2}, OCP: Minor{4, 3}, Confirmed: true},
	{CNV: Minor{2, 3}, OCP: Minor{4, 4}},
	{CNV: Minor{2, 4}, OCP: Minor{4, 5}},
	{CNV: Minor{2, 5}, OCP: Minor{4, 6}, Confirmed: true},
	{CNV: Minor{2, 6}, OCP: Minor{4, 7}},
}

// firstAlignedCNV is the first CNV minor numbered like OpenShift.
var firstAlignedCNV = Minor{4, 8}

// Sentinel causes of CNV compatibility errors; a [*CNVError] wraps one. Each
// refines one of the sentinels every [Compatibility] uses, named in its
// doc: errors.Is(err, ErrPlatformTooOld) holds for an error that wraps
// ErrCNVLeadsOCP.
var (
	// ErrUnknownCNVVersion: the CNV minor is neither in the 2.x table
	// ([OpenShift.Mappings]) nor 4.8 or later. Refines
	// ErrUnknownOperatorVersion.
	ErrUnknownCNVVersion = refine(ErrUnknownOperatorVersion, "unknown OpenShift Virtualization version")
	// ErrCNVLeadsOCP: CNV would be on a newer minor than OpenShift; CNV never
	// leads OpenShift. Refines ErrPlatformTooOld.
	ErrCNVLeadsOCP = refine(ErrPlatformTooOld, "OpenShift Virtualization would lead OpenShift")
	// ErrCNVBehindOCP: CNV runs on an older minor than OpenShift, a state
	// that is only supported while CNV catches up. Refines
	// ErrPlatformTooNew.
	ErrCNVBehindOCP = refine(ErrPlatformTooNew, "OpenShift Virtualization is behind OpenShift")
	// ErrCNVSkipMinor: the update skips a CNV minor. Refines
	// ErrUpdateNotAllowed.
	ErrCNVSkipMinor = refine(ErrUpdateNotAllowed, "OpenShift Virtualization update skips a minor")
	// ErrCNVZStreamOnly: CNV 2.1 had z-stream updates only. Refines
	// ErrUpdateNotAllowed.
	ErrCNVZStreamOnly = refine(ErrUpdateNotAllowed, "OpenShift Virtualization 2.1 has z-stream updates only")
	// ErrCNVDowngrade: the target is not newer than the current version.
	// Refines ErrUpdateNotAllowed.
	ErrCNVDowngrade = refine(ErrUpdateNotAllowed, "OpenShift Virtualization update is not forward")
	// ErrCNVNoUpdate: the stable channel offers no update now. Refines
	// ErrNoUpdateOffered.
	ErrCNVNoUpdate = refine(ErrNoUpdateOffered, "no OpenShift Virtualization update is offered")
)

// CNVError says which compatibility rule failed and what to do first. Both
// [OpenShift] and [Upstream] return it: CNV is the HyperConverged Cluster
// Operator's release, downstream or upstream.
type CNVError struct {
	// Err is the rule, one of the sentinels above.
	Err error
	// Detail names the versions and the remedy.
	Detail string
}

// Error renders "<rule>: <detail>".
func (e *CNVError) Error() string { return e.Err.Error() + ": " + e.Detail }

// Unwrap returns the rule.
func (e *CNVError) Unwrap() error { return e.Err }

func cnvErr(rule error, format string, args ...any) error {
	return &CNVError{Err: rule, Detail: fmt.Sprintf(format, args...)}
}

// OCPMinorForCNV returns the OpenShift minor a CNV minor runs on, and whether
// that pairing is confirmed by the documentation (always true from 4.8). It
// is [OpenShift.PlatformMinor].
func OCPMinorForCNV(cnv Minor) (ocp Minor, confirmed bool, err error) {
	if cnv.Compare(firstAlignedCNV) >= 0 {
		return cnv, true, nil
	}
	for _, m := range cnvOCPTable {
		if m.CNV == cnv {
			return m.OCP, m.Confirmed, nil
		}
	}
	return Minor{}, false, cnvErr(ErrUnknownCNVVersion, "CNV %s: known minors are 2.1 to 2.6 and 4.8 onwards", cnv)
}

// NextCNVMinor returns the CNV minor after m: 2.y+1 up to 2.6, then 4.8,
// then as OpenShift (4.22 → 5.0).
func NextCNVMinor(m Minor) (Minor, error) {
	if _, _, err := OCPMinorForCNV(m); err != nil {
		return Minor{}, err
	}
	if m == (Minor{2, 6}) {
		return firstAlignedCNV, nil
	}
	return m.Next(), nil
}

// CheckCNVOnOCP checks that CNV version cnv is supported on OpenShift
// version ocp: CNV 4.y runs only on OCP 4.y (2.x per [OpenShift.Mappings]). A CNV
// that would lead OpenShift is ErrCNVLeadsOCP; a CNV behind OpenShift is
// ErrCNVBehindOCP (the state between an OpenShift minor update and the CNV
// update that follows it).
func CheckCNVOnOCP(cnv, ocp Version) error {
	want, _, err := OCPMinorForCNV(cnv.MinorVersion())
	if err != nil {
		return err
	}
	om := ocp.MinorVersion()
	switch c := want.Compare(om); {
	case c > 0:
		return cnvErr(ErrCNVLeadsOCP, "CNV %s needs OpenShift %s, and the cluster runs %s: update OpenShift to %s first", cnv, want, ocp, want)
	case c < 0:
		return cnvErr(ErrCNVBehindOCP, "CNV %s runs on OpenShift %s, and the cluster runs %s: update CNV to the %s release the stable channel offers", cnv, want, ocp, cnvMinorFor(om))
	}
	return nil
}

// cnvMinorFor returns the CNV minor that runs on an OpenShift minor.
func cnvMinorFor(ocp Minor) string {
	if ocp.Compare(firstAlignedCNV) >= 0 {
		return ocp.String()
	}
	for _, m := range cnvOCPTable {
		if m.OCP == ocp {
			return m.CNV.String()
		}
	}
	return "matching"
}

// CheckCNVUpdate checks an update of CNV from → to on a cluster running
// OpenShift ocp, by the rules of the stable channel:
//
//   - the update goes forward;
//   - a z-stream update may go straight to any newer z of the same minor,
//     skipping the ones between;
//   - a minor update goes to the next CNV minor only (2.6 → 4.8), and only
//     once OpenShift runs the minor that CNV minor needs (CNV never leads);
//   - CNV 2.1 had z-stream updates only.
func CheckCNVUpdate(ocp, from, to Version) error {
	fm, tm := from.MinorVersion(), to.MinorVersion()
	if _, _, err := OCPMinorForCNV(fm); err != nil {
		return err
	}
	if _, _, err := OCPMinorForCNV(tm); err != nil {
		return err
	}
	if to.Compare(from) <= 0 {
		return cnvErr(ErrCNVDowngrade, "%s is not newer than %s: OLM updates CNV forward only", to, from)
	}
	if fm == tm {
		return nil
	}
	if fm == (Minor{2, 1}) {
		return cnvErr(ErrCNVZStreamOnly, "CNV %s can update to a newer 2.1.z only, not to %s", from, to)
	}
	next, _ := NextCNVMinor(fm)
	if tm != next {
		return cnvErr(ErrCNVSkipMinor, "CNV %s → %s skips a minor: update to CNV %s first", from, to, next)
	}
	want, _, _ := OCPMinorForCNV(tm)
	if want.Compare(ocp.MinorVersion()) > 0 {
		return cnvErr(ErrCNVLeadsOCP, "CNV %s needs OpenShift %s, and the cluster runs %s: update OpenShift to %s first", to, want, ocp, want)
	}
	return nil
}

// NextCNVUpdate returns the update the CNV stable channel offers a cluster
// running OpenShift ocp and CNV cnv, given the CNV releases in the catalog:
// the newest z-stream of the current minor if there is a newer one;
// otherwise the newest release of the next CNV minor, if OpenShift already
// runs the minor it needs. When nothing is offered the error says why
// (ErrCNVNoUpdate, or ErrCNVLeadsOCP when the next minor waits for an
// OpenShift update).
func NextCNVUpdate(ocp, cnv Version, catalog []Version) (Version, error) {
	if _, _, err := OCPMinorForCNV(cnv.MinorVersion()); err != nil {
		return Version{}, err
	}
	newestIn := func(m Minor) (Version, bool) {
		var best Version
		found := false
		for _, v := range catalog {
			if v.MinorVersion() == m && v.Prerelease() == "" && v.Compare(cnv) > 0 && (!found || v.Compare(best) > 0) {
				best, found = v, true
			}
		}
		return best, found
	}
	if z, ok := newestIn(cnv.MinorVersion()); ok {
		return z, nil
	}
	if cnv.MinorVersion() == (Minor{2, 1}) {
		return Version{}, cnvErr(ErrCNVNoUpdate, "CNV %s is the newest 2.1 release in the catalog, and 2.1 had z-stream updates only", cnv)
	}
	next, _ := NextCNVMinor(cnv.MinorVersion())
	nv, ok := newestIn(next)
	if !ok {
		return Version{}, cnvErr(ErrCNVNoUpdate, "CNV %s is the newest %s release in the catalog and no CNV %s is in it yet", cnv, cnv.MinorVersion(), next)
	}
	if err := CheckCNVUpdate(ocp, cnv, nv); err != nil {
		return Version{}, err
	}
	return nv, nil
}
