package channel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ErrInvalidVersion is the cause of every error about a string that is not a
// release version (strict semantic versioning: MAJOR.MINOR.PATCH with an
// optional -prerelease and +build metadata, no leading "v").
var ErrInvalidVersion = errors.New("invalid version")

// Version is an OpenShift (or OpenShift Virtualization) release version.
//
// Its identity is the full string: "4.6.1+amd64" and "4.6.1+s390x" are two
// versions, as they are two nodes of a graph, although semantic versioning
// gives them the same precedence. The zero Version is not a valid version;
// its String is "".
//
// Versions are comparable with ==, which compares the full strings. Use
// [Version.Compare] for precedence.
type Version struct {
	sv semver.Version
}

// ParseVersion parses a strict semantic version: "4.14.10", "4.12.0-rc.3",
// "4.6.1+amd64", "4.0.0-0.1". A leading "v" and shortened forms such as "4.14"
// are rejected; see [ParseMinor] for minors.
func ParseVersion(s string) (Version, error) {
	sv, err := semver.StrictNewVersion(s)
	if err != nil {
		return Version{}, fmt.Errorf("%w %q: %v (want MAJOR.MINOR.PATCH, e.g. 4.14.10)", ErrInvalidVersion, s, err)
	}
	return Version{sv: *sv}, nil
}

// MustParseVersion is [ParseVersion] that panics on an invalid version. It is
// meant for constants in tests and examples.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the version exactly as it was parsed.
func (v Version) String() string { return v.sv.Original() }

// IsZero reports whether v is the zero Version.
func (v Version) IsZero() bool { return v.sv.Original() == "" }

// Major returns the major number (4 in 4.14.10).
func (v Version) Major() uint64 { return v.sv.Major() }

// Minor returns the minor number (14 in 4.14.10).
func (v Version) Minor() uint64 { return v.sv.Minor() }

// Patch returns the patch number, the z of a z-stream (10 in 4.14.10).
func (v Version) Patch() uint64 { return v.sv.Patch() }

// Prerelease returns the prerelease ("rc.3" in 4.12.0-rc.3), "" for a
// general-availability release.
func (v Version) Prerelease() string { return v.sv.Prerelease() }

// Metadata returns the build metadata ("amd64" in 4.6.1+amd64).
func (v Version) Metadata() string { return v.sv.Metadata() }

// MinorVersion returns the minor the version belongs to (4.14 for 4.14.10).
func (v Version) MinorVersion() Minor {
	return Minor{Major: v.sv.Major(), Minor: v.sv.Minor()}
}

// Semver returns the version as a Masterminds semantic version, for use with
// its constraints.
func (v Version) Semver() *semver.Version {
	sv := v.sv
	return &sv
}

// Compare compares semantic-version precedence: -1 if v is older than o, 1
// if newer, 0 if they have the same precedence. Build metadata does not count
// and a prerelease is older than its release.
func (v Version) Compare(o Version) int { return v.sv.Compare(&o.sv) }

// order is a total order: precedence, and among versions of the same
// precedence (different build metadata), the strings.
func (v Version) order(o Version) int {
	if c := v.sv.Compare(&o.sv); c != 0 {
		return c
	}
	return strings.Compare(v.String(), o.String())
}

// Equal reports whether v and o are the same version string.
func (v Version) Equal(o Version) bool { return v.String() == o.String() }

// Minor is a minor release line such as 4.14.
type Minor struct {
	Major, Minor uint64
}

// LastMinorOf4 is the last minor of OpenShift 4: the minor after 4.22 is 5.0.
const LastMinorOf4 = 22

// ParseMinor parses "4.14" (a trailing ".z" patch is not accepted).
func ParseMinor(s string) (Minor, error) {
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return Minor{}, fmt.Errorf("%w: minor %q: want MAJOR.MINOR, e.g. 4.14", ErrInvalidVersion, s)
	}
	x, err1 := parseNumber(maj)
	y, err2 := parseNumber(min)
	if err1 != nil || err2 != nil {
		return Minor{}, fmt.Errorf("%w: minor %q: want MAJOR.MINOR, e.g. 4.14", ErrInvalidVersion, s)
	}
	return Minor{Major: x, Minor: y}, nil
}

// parseNumber parses a decimal number without sign or leading zeros.
func parseNumber(s string) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, ErrInvalidVersion
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrInvalidVersion
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// String renders the minor as "4.14".
func (m Minor) String() string {
	return strconv.FormatUint(m.Major, 10) + "." + strconv.FormatUint(m.Minor, 10)
}

// Compare orders minors: -1 if m is older than o, 0 if equal, 1 if newer.
func (m Minor) Compare(o Minor) int {
	switch {
	case m.Major < o.Major:
		return -1
	case m.Major > o.Major:
		return 1
	case m.Minor < o.Minor:
		return -1
	case m.Minor > o.Minor:
		return 1
	}
	return 0
}

// Next returns the minor a cluster on m updates to next: 4.y+1, and 5.0
// after 4.22, the only major update OpenShift allows.
func (m Minor) Next() Minor {
	if m.Major == 4 && m.Minor == LastMinorOf4 {
		return Minor{Major: 5, Minor: 0}
	}
	return Minor{Major: m.Major, Minor: m.Minor + 1}
}

// Previous returns the minor whose next is m (4.22 for 5.0), and false when
// there is none: x.0 for any major but 5, and 4.y for y above 22.
func (m Minor) Previous() (Minor, bool) {
	switch {
	case m.Major == 5 && m.Minor == 0:
		return Minor{Major: 4, Minor: LastMinorOf4}, true
	case m.Minor == 0:
		return Minor{}, false
	case m.Major == 4 && m.Minor > LastMinorOf4:
		return Minor{}, false
	}
	return Minor{Major: m.Major, Minor: m.Minor - 1}, true
}

// UpdateKind classifies an update from one version to another.
type UpdateKind int

// The kinds of update, as [Classify] returns them.
const (
	// UpdateNone: the two versions have the same precedence.
	UpdateNone UpdateKind = iota
	// UpdateZStream: a newer release of the same minor (4.14.3 → 4.14.10).
	UpdateZStream
	// UpdateMinor: to the next minor (4.14.z → 4.15.z, and 4.22.z → 5.0.z).
	UpdateMinor
	// UpdateMajor: to another major other than 4.22 → 5.0; the CVO refuses it.
	UpdateMajor
	// UpdateSkipMinor: over one or more minors (4.14 → 4.16); minor updates
	// must be taken one at a time.
	UpdateSkipMinor
	// UpdateDowngrade: to an older version; only forward updates are
	// supported.
	UpdateDowngrade
)

var updateKindNames = [...]string{"none", "z-stream", "minor", "major", "skip-minor", "downgrade"}

// String returns "z-stream", "minor", and so on.
func (k UpdateKind) String() string {
	if k < 0 || int(k) >= len(updateKindNames) {
		return "UpdateKind(" + strconv.Itoa(int(k)) + ")"
	}
	return updateKindNames[k]
}

// Allowed reports whether a cluster may take an update of this kind in one
// step: a z-stream or a minor update.
func (k UpdateKind) Allowed() bool { return k == UpdateZStream || k == UpdateMinor }

// Classify says what kind of update from → to is. 4.22 → 5.0 is a minor
// update; any other change of major is UpdateMajor.
func Classify(from, to Version) UpdateKind {
	c := to.Compare(from)
	switch {
	case c == 0:
		return UpdateNone
	case c < 0:
		return UpdateDowngrade
	}
	fm, tm := from.MinorVersion(), to.MinorVersion()
	switch {
	case fm == tm:
		return UpdateZStream
	case fm.Next() == tm:
		return UpdateMinor
	case fm.Major != tm.Major:
		return UpdateMajor
	}
	return UpdateSkipMinor
}
