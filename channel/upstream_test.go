package channel

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUpstreamReleases pins every row of the table to its sources.
//
// kubevirt: the KUBEVIRT_VERSION env of the HCO release's
// ClusterServiceVersion, kubevirt/hyperconverged-cluster-operator
// deploy/olm-catalog/community-kubevirt-hyperconverged/<v>/manifests/
// kubevirt-hyperconverged-operator.v<v>.clusterserviceversion.yaml (main @
// 03da3cff; 1.19.0 on release-1.19 @ 7313576e).
//
// k8s: the KubeVirt minor's row in kubevirt/sig-release
// releases/k8s-support-matrix.md at the commit named, when it was the
// newest KubeVirt (✓ or EOL columns: supported then).
//
// ci: the Kubernetes of the HCO release branch's CI,
// cluster/kubevirtci.sh KUBEVIRT_PROVIDER on release-<hco>; it must be one
// of the supported minors.
func TestUpstreamReleases(t *testing.T) {
	for _, tt := range []struct {
		hco, kubevirt, minK8s, maxK8s, ci string
		reason                            string
	}{
		{"1.8", "0.58", "1.22", "1.24", "1.24", "CSV 1.8.0 KUBEVIRT_VERSION v0.58.0; matrix @8bec087 row 0.58: 1.24 1.23 1.22 (EOL)"},
		{"1.9", "0.59", "1.24", "1.26", "1.25", "CSV 1.9.0 v0.59.0; matrix @8bec087 row 0.59: 1.26 ✓ 1.25 ✓ 1.24 EOL"},
		{"1.10", "1.0", "1.25", "1.27", "1.26", "CSV 1.10.0 v1.0.0; matrix @8bec087 row 1.0: 1.27 1.26 1.25 ✓"},
		{"1.11", "1.1", "1.26", "1.28", "1.28", "CSV 1.11.0 v1.1.1; matrix @11df555 row 1.1: 1.28 1.27 1.26 ✓"},
		{"1.12", "1.2", "1.27", "1.29", "1.28", "CSV 1.12.0 v1.2.0; matrix @d49907f row 1.2: 1.29 1.28 1.27 ✓"},
		{"1.13", "1.3", "1.28", "1.30", "1.30", "CSV 1.13.0 v1.3.1; matrix @4806926 row 1.3: 1.30 1.29 1.28 ✓"},
		{"1.14", "1.4", "1.29", "1.31", "1.31", "CSV 1.14.0 v1.4.0; matrix @e6cf738 row 1.4: 1.31 1.30 1.29 ✓"},
		{"1.15", "1.5", "1.30", "1.32", "1.31", "CSV 1.15.0 v1.5.0; matrix @f2b358e row 1.5: 1.32 1.31 1.30 ✓"},
		{"1.16", "1.6", "1.31", "1.33", "1.33", "CSV 1.16.0 v1.6.0; matrix @bbf298e row 1.6: 1.33 1.32 1.31 ✓"},
		{"1.17", "1.7", "1.32", "1.34", "1.33", "CSV 1.17.0 v1.7.0; matrix @a0d42ec row 1.7: 1.34 1.33 1.32 ✓"},
		{"1.18", "1.8", "1.33", "1.35", "1.34", "CSV 1.18.0 v1.8.2; matrix @9029086 row 1.8: 1.35 1.34 1.33 ✓"},
		{"1.19", "1.9", "1.34", "1.36", "1.36", "CSV 1.19.0 (release-1.19) v1.9.0; matrix @47f8f09 row 1.9: 1.36 1.35 1.34 ✓"},
	} {
		m := func(s string) Minor {
			v, err := ParseMinor(s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		want := HCORelease{HCO: m(tt.hco), KubeVirt: m(tt.kubevirt), MinKubernetes: m(tt.minK8s), MaxKubernetes: m(tt.maxK8s)}
		got, ok := Upstream{}.Release(want.HCO)
		if !ok || got != want {
			t.Errorf("%s: row %+v, want %+v", tt.reason, got, want)
		}
		if ci := m(tt.ci); ci.Compare(want.MinKubernetes) < 0 || ci.Compare(want.MaxKubernetes) > 0 {
			t.Errorf("%s: HCO %s's CI runs Kubernetes %s, outside %s to %s", tt.reason, tt.hco, ci, want.MinKubernetes, want.MaxKubernetes)
		}
		// kubevirt/kubevirt docs/kubernetes-compatibility.md: three
		// Kubernetes minors per KubeVirt release.
		if got.MaxKubernetes.Minor-got.MinKubernetes.Minor != 2 {
			t.Errorf("%s: %s to %s is not three minors", tt.reason, got.MinKubernetes, got.MaxKubernetes)
		}
	}
	if n := len(UpstreamReleases()); n != 12 {
		t.Errorf("the table has %d rows, the test pins 12", n)
	}
	r := UpstreamReleases()
	r[0].MaxKubernetes = Minor{1, 99}
	if got, _ := (Upstream{}).Release(Minor{1, 8}); got.MaxKubernetes != (Minor{1, 24}) {
		t.Error("UpstreamReleases returns a copy")
	}
}

func TestUpstreamCheckOn(t *testing.T) {
	for _, tt := range []struct {
		hco, k8s string
		want     error
		reason   string
	}{
		{"1.18.1", "1.33.4", nil, "the oldest Kubernetes KubeVirt 1.8 supports"},
		{"1.18.0", "1.35.0", nil, "the newest"},
		{"1.18.0", "1.32.9", ErrPlatformTooOld, "older than KubeVirt 1.8 supports"},
		{"1.18.0", "1.36.1", ErrPlatformTooNew, "newer than KubeVirt 1.8 supports"},
		{"1.19.0", "1.36.1", nil, "HCO 1.19 (KubeVirt 1.9) supports 1.36"},
		{"1.7.0", "1.24.0", ErrUnknownOperatorVersion, "older than the table"},
		{"1.20.0", "1.36.0", ErrUnknownOperatorVersion, "not released yet"},
		{"4.14.3", "1.27.0", ErrUnknownOperatorVersion, "a downstream version is not an upstream one"},
	} {
		err := Upstream{}.CheckOn(MustParseVersion(tt.hco), MustParseVersion(tt.k8s))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: CheckOn(%s, %s) = %v, want %v", tt.reason, tt.hco, tt.k8s, err, tt.want)
		}
		var ce *CNVError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("%s: errors are *CNVError: %T", tt.reason, err)
		}
	}
	err := Upstream{}.CheckOn(MustParseVersion("1.16.2"), MustParseVersion("1.30.4"))
	if !strings.Contains(err.Error(), "update Kubernetes to 1.31 first") {
		t.Errorf("the error says what to do: %v", err)
	}
	err = Upstream{}.CheckOn(MustParseVersion("1.14.0"), MustParseVersion("1.34.0"))
	if !strings.Contains(err.Error(), "supported by HCO 1.17 to 1.19") {
		t.Errorf("the error names the releases that support the cluster's Kubernetes: %v", err)
	}
	if err := (Upstream{}).CheckOn(Version{}, MustParseVersion("1.30.0")); !errors.Is(err, ErrUnknownOperatorVersion) {
		t.Errorf("the zero Version: %v", err)
	}
	if err := (Upstream{}).CheckOn(MustParseVersion("1.18.0"), Version{}); !errors.Is(err, ErrUnknownOperatorVersion) {
		t.Errorf("no Kubernetes version: %v", err)
	}
}

// The update rules: forward, z-streams freely, minors one at a time, as
// each HCO ClusterServiceVersion replaces the previous minor's
// (deploy/olm-catalog/community-kubevirt-hyperconverged/1.19.0/manifests/
// kubevirt-hyperconverged-operator.v1.19.0.clusterserviceversion.yaml:
// replaces: kubevirt-hyperconverged-operator.v1.18.0).
func TestUpstreamCheckUpdate(t *testing.T) {
	for _, tt := range []struct {
		k8s, from, to string
		want          error
		reason        string
	}{
		{"1.33.2", "1.17.0", "1.17.3", nil, "a z-stream update may skip the ones between"},
		{"1.34.2", "1.17.3", "1.18.1", nil, "the next minor"},
		{"1.34.2", "1.16.3", "1.18.1", ErrUpdateNotAllowed, "minors one at a time"},
		{"1.34.2", "1.18.1", "1.18.0", ErrUpdateNotAllowed, "forward only"},
		{"1.32.1", "1.17.3", "1.18.1", ErrPlatformTooOld, "KubeVirt 1.8 needs Kubernetes 1.33"},
		{"1.34.2", "1.18.1", "1.20.0", ErrUnknownOperatorVersion, "a minor the table does not know"},
	} {
		err := Upstream{}.CheckUpdate(MustParseVersion(tt.k8s), MustParseVersion(tt.from), MustParseVersion(tt.to))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: CheckUpdate(%s, %s → %s) = %v, want %v", tt.reason, tt.k8s, tt.from, tt.to, err, tt.want)
		}
	}
}

func TestUpstreamNextUpdate(t *testing.T) {
	var catalog []Version
	for _, v := range []string{"1.17.0", "1.17.3", "1.18.0", "1.18.1", "1.19.0-rc.1", "1.16.0"} {
		catalog = append(catalog, MustParseVersion(v))
	}
	for _, tt := range []struct {
		k8s, hco, want string
		err            error
		reason         string
	}{
		{"1.33.1", "1.17.0", "1.17.3", nil, "the newest z of the current minor first"},
		{"1.33.1", "1.17.3", "1.18.1", nil, "then the newest of the next minor"},
		{"1.32.4", "1.17.3", "", ErrPlatformTooOld, "the next minor waits for Kubernetes 1.33"},
		{"1.35.1", "1.18.1", "", ErrNoUpdateOffered, "a prerelease is never offered"},
		{"1.33.1", "1.16.0", "1.17.3", nil, "from 1.16 to the next minor, 1.17"},
		{"1.36.1", "1.19.0", "", ErrNoUpdateOffered, "the newest minor of the table"},
		{"1.30.0", "1.2.0", "", ErrUnknownOperatorVersion, "not in the table"},
	} {
		got, err := Upstream{}.NextUpdate(MustParseVersion(tt.k8s), MustParseVersion(tt.hco), catalog)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || got.String() != tt.want {
			t.Errorf("%s: NextUpdate(%s, %s) = %q, %v; want %q, %v", tt.reason, tt.k8s, tt.hco, got, err, tt.want, tt.err)
		}
	}
}

// A table of one's own: any order, the first row of an HCO minor wins, and
// the next minor is the next one listed, even across a gap.
func TestUpstreamOwnTable(t *testing.T) {
	u := Upstream{Releases: []HCORelease{
		{HCO: Minor{2, 3}, KubeVirt: Minor{2, 3}, MinKubernetes: Minor{1, 40}, MaxKubernetes: Minor{1, 42}},
		{HCO: Minor{2, 0}, KubeVirt: Minor{2, 0}, MinKubernetes: Minor{1, 38}, MaxKubernetes: Minor{1, 40}},
		{HCO: Minor{2, 0}, KubeVirt: Minor{9, 9}, MinKubernetes: Minor{1, 1}, MaxKubernetes: Minor{1, 1}},
	}}
	if r, _ := u.Release(Minor{2, 0}); r.KubeVirt != (Minor{2, 0}) {
		t.Errorf("the first row of a minor wins: %+v", r)
	}
	catalog := []Version{MustParseVersion("2.3.0"), MustParseVersion("2.0.0")}
	got, err := u.NextUpdate(MustParseVersion("1.40.0"), MustParseVersion("2.0.0"), catalog)
	if err != nil || got.String() != "2.3.0" {
		t.Errorf("next minor across a gap: %s, %v", got, err)
	}
	if err := (Upstream{Releases: []HCORelease{}}).CheckOn(MustParseVersion("1.18.0"), MustParseVersion("1.34.0")); !errors.Is(err, ErrUnknownOperatorVersion) ||
		!strings.Contains(err.Error(), "no release") {
		t.Errorf("an empty (non-nil) table knows nothing: %v", err)
	}
	if d := cmp.Diff(UpstreamReleases(), (Upstream{}).table()); d != "" {
		t.Errorf("nil Releases is the built-in table:\n%s", d)
	}
}
