package channel

import (
	"fmt"
	"slices"
)

// HCORelease is one minor of the upstream HyperConverged Cluster Operator:
// the KubeVirt minor it deploys, and the Kubernetes minors that KubeVirt
// minor supports.
type HCORelease struct {
	// HCO is the HCO minor, e.g. 1.18.
	HCO Minor
	// KubeVirt is the KubeVirt minor it deploys, e.g. 1.8.
	KubeVirt Minor
	// MinKubernetes and MaxKubernetes bound the Kubernetes minors KubeVirt
	// supports for it, both included.
	MinKubernetes, MaxKubernetes Minor
}

// upstreamReleases is the table [UpstreamReleases] returns, oldest first.
//
// HCO → KubeVirt: the KUBEVIRT_VERSION of each HCO release's
// ClusterServiceVersion, in kubevirt/hyperconverged-cluster-operator
// deploy/olm-catalog/community-kubevirt-hyperconverged/<version>/manifests/
// kubevirt-hyperconverged-operator.v<version>.clusterserviceversion.yaml
// (main @ 03da3cff; 1.19.0 on branch release-1.19 @ 7313576e, which had no
// tag yet), and hack/config on each release-1.y branch.
//
// KubeVirt → Kubernetes: kubevirt/sig-release releases/k8s-support-matrix.md,
// the row of each KubeVirt minor as it stood when that minor was the newest
// (commits 8bec087 for 0.58, 0.59 and 1.0; 11df555 for 1.1; d49907f for 1.2;
// 4806926 for 1.3; e6cf738 for 1.4; f2b358e for 1.5; bbf298e for 1.6;
// a0d42ec for 1.7; 9029086 for 1.8; 47f8f09 for 1.9), which follows the
// policy of kubevirt/kubevirt docs/kubernetes-compatibility.md: each
// KubeVirt release supports the three newest Kubernetes minors out when it
// is released. Each HCO release branch's CI runs on one of them
// (cluster/kubevirtci.sh, KUBEVIRT_PROVIDER).
var upstreamReleases = []HCORelease{
	{HCO: Minor{1, 8}, KubeVirt: Minor{0, 58}, MinKubernetes: Minor{1, 22}, MaxKubernetes: Minor{1, 24}},
	{HCO: Minor{1, 9}, KubeVirt: Minor{0, 59}, MinKubernetes: Minor{1, 24}, MaxKubernetes: Minor{1, 26}},
	{HCO: Minor{1, 10}, KubeVirt: Minor{1, 0}, MinKubernetes: Minor{1, 25}, MaxKubernetes: Minor{1, 27}},
	{HCO: Minor{1, 11}, KubeVirt: Minor{1, 1}, MinKubernetes: Minor{1, 26}, MaxKubernetes: Minor{1, 28}},
	{HCO: Minor{1, 12}, KubeVirt: Minor{1, 2}, MinKubernetes: Minor{1, 27}, MaxKubernetes: Minor{1, 29}},
	{HCO: Minor{1, 13}, KubeVirt: Minor{1, 3}, MinKubernetes: Minor{1, 28}, MaxKubernetes: Minor{1, 30}},
	{HCO: Minor{1, 14}, KubeVirt: Minor{1, 4}, MinKubernetes: Minor{1, 29}, MaxKubernetes: Minor{1, 31}},
	{HCO: Minor{1, 15}, KubeVirt: Minor{1, 5}, MinKubernetes: Minor{1, 30}, MaxKubernetes: Minor{1, 32}},
	{HCO: Minor{1, 16}, KubeVirt: Minor{1, 6}, MinKubernetes: Minor{1, 31}, MaxKubernetes: Minor{1, 33}},
	{HCO: Minor{1, 17}, KubeVirt: Minor{1, 7}, MinKubernetes: Minor{1, 32}, MaxKubernetes: Minor{1, 34}},
	{HCO: Minor{1, 18}, KubeVirt: Minor{1, 8}, MinKubernetes: Minor{1, 33}, MaxKubernetes: Minor{1, 35}},
	{HCO: Minor{1, 19}, KubeVirt: Minor{1, 9}, MinKubernetes: Minor{1, 34}, MaxKubernetes: Minor{1, 36}},
}

// UpstreamReleases returns the built-in table of upstream HCO releases, HCO
// 1.8 (KubeVirt 0.58) to 1.19 (KubeVirt 1.9), oldest first; a new slice on
// every call. Its sources: HCO's ClusterServiceVersions (deploy/olm-catalog,
// the KUBEVIRT_VERSION each release deploys) and KubeVirt's Kubernetes
// support matrix (kubevirt/sig-release releases/k8s-support-matrix.md), by
// the policy of kubevirt/kubevirt docs/kubernetes-compatibility.md.
func UpstreamReleases() []HCORelease { return slices.Clone(upstreamReleases) }

// Upstream is a [Compatibility] for the upstream HyperConverged Cluster
// Operator on plain Kubernetes, driven by a table of releases:
//
//   - HCO x.y runs on the Kubernetes minors the KubeVirt minor it deploys
//     supports (CheckOn): older is ErrPlatformTooOld, newer
//     ErrPlatformTooNew;
//   - updates go forward; a z-stream update may go straight to the newest z
//     of the minor; a minor update goes to the next HCO minor of the table
//     only, as each HCO release's ClusterServiceVersion replaces the
//     previous minor's (CheckUpdate, NextUpdate);
//   - an update to a release whose KubeVirt does not support the cluster's
//     Kubernetes yet is not offered (ErrPlatformTooOld: update Kubernetes
//     first). OLM itself would offer it, since HCO's ClusterServiceVersions
//     declare no minKubeVersion; this is a deliberate, safer choice.
//
// The platform version is the Kubernetes server's, without the "v"
// (1.33.2). The zero Upstream uses [UpstreamReleases].
type Upstream struct {
	// Releases is the table, in any order; an HCO minor listed twice keeps
	// its first row. nil means UpstreamReleases().
	Releases []HCORelease
}

func (u Upstream) table() []HCORelease {
	if u.Releases == nil {
		return upstreamReleases
	}
	return u.Releases
}

// Release returns the table's row for an HCO minor.
func (u Upstream) Release(hco Minor) (HCORelease, bool) {
	for _, r := range u.table() {
		if r.HCO == hco {
			return r, true
		}
	}
	return HCORelease{}, false
}

// next returns the row of the HCO minor after hco: the smallest minor of the
// table above it.
func (u Upstream) next(hco Minor) (HCORelease, bool) {
	var best HCORelease
	found := false
	for _, r := range u.table() {
		if r.HCO.Compare(hco) > 0 && (!found || r.HCO.Compare(best.HCO) < 0) {
			best, found = r, true
		}
	}
	return best, found
}

func (u Upstream) release(v Version) (HCORelease, error) {
	if v.IsZero() {
		return HCORelease{}, cnvErr(ErrUnknownOperatorVersion, "no HCO version given")
	}
	r, ok := u.Release(v.MinorVersion())
	if !ok {
		return HCORelease{}, cnvErr(ErrUnknownOperatorVersion, "HCO %s: the table knows %s", v, u.known())
	}
	return r, nil
}

// known names the HCO minors of the table, for errors.
func (u Upstream) known() string {
	t := u.table()
	if len(t) == 0 {
		return "no release"
	}
	lo, hi := t[0].HCO, t[0].HCO
	for _, r := range t {
		if r.HCO.Compare(lo) < 0 {
			lo = r.HCO
		}
		if r.HCO.Compare(hi) > 0 {
			hi = r.HCO
		}
	}
	return fmt.Sprintf("HCO %s to %s", lo, hi)
}

// supporting names the HCO minors whose KubeVirt supports Kubernetes k.
func (u Upstream) supporting(k Minor) string {
	var lo, hi Minor
	found := false
	for _, r := range u.table() {
		if k.Compare(r.MinKubernetes) >= 0 && k.Compare(r.MaxKubernetes) <= 0 {
			if !found || r.HCO.Compare(lo) < 0 {
				lo = r.HCO
			}
			if !found || r.HCO.Compare(hi) > 0 {
				hi = r.HCO
			}
			found = true
		}
	}
	switch {
	case !found:
		return "a release that supports it (none in the table does)"
	case lo == hi:
		return "HCO " + lo.String()
	}
	return "HCO " + lo.String() + " to " + hi.String()
}

// CheckOn reports whether HCO version operator runs on Kubernetes version
// platform: the KubeVirt minor it deploys must support that Kubernetes
// minor.
func (u Upstream) CheckOn(operator, platform Version) error {
	r, err := u.release(operator)
	if err != nil {
		return err
	}
	k := platform.MinorVersion()
	switch {
	case platform.IsZero():
		return cnvErr(ErrUnknownOperatorVersion, "HCO %s: no Kubernetes version given", operator)
	case k.Compare(r.MinKubernetes) < 0:
		return cnvErr(ErrPlatformTooOld, "HCO %s deploys KubeVirt %s, which supports Kubernetes %s to %s, and the cluster runs %s: update Kubernetes to %s first",
			operator, r.KubeVirt, r.MinKubernetes, r.MaxKubernetes, platform, r.MinKubernetes)
	case k.Compare(r.MaxKubernetes) > 0:
		return cnvErr(ErrPlatformTooNew, "HCO %s deploys KubeVirt %s, which supports Kubernetes %s to %s, and the cluster runs %s: update HCO (Kubernetes %s is supported by %s)",
			operator, r.KubeVirt, r.MinKubernetes, r.MaxKubernetes, platform, k, u.supporting(k))
	}
	return nil
}

// CheckUpdate reports whether HCO may update from → to on a cluster running
// Kubernetes platform: forward, within the minor or to the next minor of the
// table, and to a release that supports the cluster's Kubernetes or a newer
// one. Errors wrap ErrUnknownOperatorVersion, ErrUpdateNotAllowed or
// ErrPlatformTooOld.
func (u Upstream) CheckUpdate(platform, from, to Version) error {
	if _, err := u.release(from); err != nil {
		return err
	}
	tr, err := u.release(to)
	if err != nil {
		return err
	}
	if to.Compare(from) <= 0 {
		return cnvErr(ErrUpdateNotAllowed, "%s is not newer than %s: OLM updates HCO forward only", to, from)
	}
	if fm, tm := from.MinorVersion(), to.MinorVersion(); fm != tm {
		next, ok := u.next(fm)
		if !ok || next.HCO != tm {
			return cnvErr(ErrUpdateNotAllowed, "HCO %s → %s skips a minor: update to HCO %s first", from, to, next.HCO)
		}
	}
	if k := platform.MinorVersion(); !platform.IsZero() && k.Compare(tr.MinKubernetes) < 0 {
		return cnvErr(ErrPlatformTooOld, "HCO %s deploys KubeVirt %s, which needs Kubernetes %s or later, and the cluster runs %s: update Kubernetes first",
			to, tr.KubeVirt, tr.MinKubernetes, platform)
	}
	return nil
}

// NextUpdate returns the HCO update offered to a cluster running Kubernetes
// platform and HCO operator, given the HCO releases in the catalog: the
// newest z-stream of the current minor if there is a newer one; otherwise
// the newest release of the next minor of the table, once its KubeVirt
// supports the cluster's Kubernetes.
func (u Upstream) NextUpdate(platform, operator Version, catalog []Version) (Version, error) {
	if _, err := u.release(operator); err != nil {
		return Version{}, err
	}
	if z, ok := newestIn(catalog, operator.MinorVersion(), operator); ok {
		return z, nil
	}
	next, ok := u.next(operator.MinorVersion())
	if !ok {
		return Version{}, cnvErr(ErrNoUpdateOffered, "HCO %s is the newest %s release in the catalog, and the table knows no later minor", operator, operator.MinorVersion())
	}
	nv, ok := newestIn(catalog, next.HCO, operator)
	if !ok {
		return Version{}, cnvErr(ErrNoUpdateOffered, "HCO %s is the newest %s release in the catalog and no HCO %s is in it yet", operator, operator.MinorVersion(), next.HCO)
	}
	if err := u.CheckUpdate(platform, operator, nv); err != nil {
		return Version{}, err
	}
	return nv, nil
}

// newestIn is the newest release of minor m in catalog newer than than,
// prereleases left out.
func newestIn(catalog []Version, m Minor, than Version) (Version, bool) {
	var best Version
	found := false
	for _, v := range catalog {
		if v.MinorVersion() == m && v.Prerelease() == "" && v.Compare(than) > 0 && (!found || v.Compare(best) > 0) {
			best, found = v, true
		}
	}
	return best, found
}
