package channel

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVersion(t *testing.T) {
	for _, tt := range []struct {
		in, reason string
		ok         bool
		major      uint64
		minor      uint64
		patch      uint64
		pre, meta  string
	}{
		{in: "4.14.10", ok: true, major: 4, minor: 14, patch: 10, reason: "a GA release"},
		{in: "4.12.0-rc.3", ok: true, major: 4, minor: 12, pre: "rc.3", reason: "release candidates are nodes of candidate graphs"},
		{in: "4.0.0-0.1", ok: true, major: 4, pre: "0.1", reason: "early 4.0 prereleases are numeric"},
		{in: "4.6.1+amd64", ok: true, major: 4, minor: 6, patch: 1, meta: "amd64", reason: "build metadata names the architecture in multi-arch data"},
		{in: "4.16.0-ec.2+multi", ok: true, major: 4, minor: 16, pre: "ec.2", meta: "multi", reason: "prerelease and metadata together"},
		{in: "v4.14.10", reason: "a leading v is not how the graph spells versions"},
		{in: "4.14", reason: "a minor is not a version; see ParseMinor"},
		{in: "04.14.1", reason: "leading zeros are not semantic versioning"},
		{in: "4.14.1-", reason: "empty prerelease"},
		{in: "4.14.1+", reason: "empty metadata"},
		{in: "", reason: "empty"},
		{in: "4.x.1", reason: "letters in a number"},
	} {
		v, err := ParseVersion(tt.in)
		if !tt.ok {
			if err == nil || !errors.Is(err, ErrInvalidVersion) {
				t.Errorf("%s: ParseVersion(%q) = %v, %v; want ErrInvalidVersion", tt.reason, tt.in, v, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseVersion(%q): %v", tt.reason, tt.in, err)
			continue
		}
		got := []any{v.String(), v.Major(), v.Minor(), v.Patch(), v.Prerelease(), v.Metadata()}
		want := []any{tt.in, tt.major, tt.minor, tt.patch, tt.pre, tt.meta}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.reason, d)
		}
	}
}

func TestVersionIdentityIsTheFullString(t *testing.T) {
	a, b := MustParseVersion("4.6.1+amd64"), MustParseVersion("4.6.1+s390x")
	if a == b || a.Equal(b) {
		t.Error("versions differing in build metadata must be distinct: they are distinct nodes")
	}
	if a.Compare(b) != 0 {
		t.Error("build metadata must not count for precedence")
	}
	if a != MustParseVersion("4.6.1+amd64") {
		t.Error("the same string must give == versions")
	}
	if MustParseVersion("4.12.0-rc.3").Compare(MustParseVersion("4.12.0")) >= 0 {
		t.Error("a prerelease must be older than its release")
	}
	if MustParseVersion("4.12.0-rc.10").Compare(MustParseVersion("4.12.0-rc.9")) <= 0 {
		t.Error("numeric prerelease parts must compare as numbers")
	}
	if !(Version{}).IsZero() || a.IsZero() {
		t.Error("IsZero")
	}
	if a.Semver().Metadata() != "amd64" {
		t.Error("Semver must keep the metadata")
	}
}

func TestMinorArithmetic(t *testing.T) {
	for _, tt := range []struct {
		m, next, reason string
		prev            string // "" when there is none
	}{
		{m: "4.14", next: "4.15", prev: "4.13", reason: "plain minor arithmetic"},
		{m: "4.21", next: "4.22", prev: "4.20", reason: "up to the last 4.y"},
		{m: "4.22", next: "5.0", prev: "4.21", reason: "5.0 follows 4.22"},
		{m: "5.0", next: "5.1", prev: "4.22", reason: "4.22 precedes 5.0"},
		{m: "4.0", next: "4.1", prev: "", reason: "nothing precedes 4.0"},
		{m: "4.23", next: "4.24", prev: "", reason: "4.23 is not on the way to 5.0"},
	} {
		m, err := ParseMinor(tt.m)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Next().String(); got != tt.next {
			t.Errorf("%s: %s.Next() = %s, want %s", tt.reason, tt.m, got, tt.next)
		}
		p, ok := m.Previous()
		if got := p.String(); ok != (tt.prev != "") || (ok && got != tt.prev) {
			t.Errorf("%s: %s.Previous() = %s, %v; want %q", tt.reason, tt.m, got, ok, tt.prev)
		}
	}
	for _, bad := range []string{"4", "4.x", "4.014", "4.14.1", "-4.1", ""} {
		if _, err := ParseMinor(bad); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("ParseMinor(%q) = %v, want ErrInvalidVersion", bad, err)
		}
	}
	if (Minor{4, 9}).Compare(Minor{4, 10}) >= 0 || (Minor{5, 0}).Compare(Minor{4, 22}) <= 0 || (Minor{4, 9}).Compare(Minor{4, 9}) != 0 {
		t.Error("Minor.Compare must order numerically, major first")
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     UpdateKind
		reason   string
	}{
		{"4.14.3", "4.14.10", UpdateZStream, "same minor"},
		{"4.14.10", "4.15.2", UpdateMinor, "next minor"},
		{"4.22.5", "5.0.1", UpdateMinor, "4.22 → 5.0 counts as a minor update"},
		{"4.21.5", "5.0.1", UpdateMajor, "any other major change is a major jump"},
		{"4.14.10", "4.16.2", UpdateSkipMinor, "minor updates go one at a time"},
		{"4.14.10", "4.14.3", UpdateDowngrade, "no rollback"},
		{"4.15.0", "4.14.30", UpdateDowngrade, "an older minor is a downgrade whatever its z"},
		{"4.6.1+amd64", "4.6.1+s390x", UpdateNone, "same precedence"},
		{"4.12.0-rc.3", "4.12.0", UpdateZStream, "a prerelease to its release"},
	} {
		got := Classify(MustParseVersion(tt.from), MustParseVersion(tt.to))
		if got != tt.want {
			t.Errorf("%s: Classify(%s, %s) = %v, want %v", tt.reason, tt.from, tt.to, got, tt.want)
		}
		if got.Allowed() != (tt.want == UpdateZStream || tt.want == UpdateMinor) {
			t.Errorf("%s: %v.Allowed() = %v", tt.reason, got, got.Allowed())
		}
	}
	if s := UpdateKind(42).String(); s != "UpdateKind(42)" {
		t.Errorf("unknown kind renders %q", s)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"4.14.10", "4.12.0-rc.3", "4.6.1+amd64", "4.0.0-0.1", "v1.2.3", "4.14", "1.2.3-a.b.c+d.e", "0.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidVersion) {
				t.Fatalf("error %v does not wrap ErrInvalidVersion", err)
			}
			return
		}
		if v.String() != s {
			t.Fatalf("String() = %q, want the input %q", v.String(), s)
		}
		if v.Compare(v) != 0 || v.order(v) != 0 {
			t.Fatal("a version must equal itself")
		}
		again, err := ParseVersion(v.String())
		if err != nil || again != v {
			t.Fatalf("round trip: %v, %v", again, err)
		}
		m := v.MinorVersion()
		if m.Next().Compare(m) <= 0 {
			t.Fatalf("%s.Next() = %s is not newer", m, m.Next())
		}
		if pm, err := ParseMinor(m.String()); err != nil || pm != m {
			t.Fatalf("minor round trip %s: %v, %v", m, pm, err)
		}
		_ = Classify(v, v)
	})
}
