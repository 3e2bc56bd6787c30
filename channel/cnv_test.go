package channel

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOCPMinorForCNV(t *testing.T) {
	for _, tt := range []struct {
		cnv, ocp  string
		confirmed bool
		reason    string
	}{
		{"2.1", "4.2", false, "unconfirmed"},
		{"2.2", "4.3", true, "documented"},
		{"2.3", "4.4", false, "unconfirmed"},
		{"2.4", "4.5", false, "unconfirmed"},
		{"2.5", "4.6", true, "documented"},
		{"2.6", "4.7", false, "unconfirmed"},
		{"4.8", "4.8", true, "aligned from 4.8"},
		{"4.22", "4.22", true, "aligned"},
		{"5.0", "5.0", true, "aligned after 4.22"},
	} {
		m, _ := ParseMinor(tt.cnv)
		ocp, confirmed, err := OCPMinorForCNV(m)
		if err != nil || ocp.String() != tt.ocp || confirmed != tt.confirmed {
			t.Errorf("%s: OCPMinorForCNV(%s) = %s, %v, %v", tt.reason, tt.cnv, ocp, confirmed, err)
		}
	}
	for _, bad := range []string{"2.0", "2.7", "4.7", "1.0"} {
		m, _ := ParseMinor(bad)
		if _, _, err := OCPMinorForCNV(m); !errors.Is(err, ErrUnknownCNVVersion) {
			t.Errorf("CNV %s: %v, want ErrUnknownCNVVersion", bad, err)
		}
	}
	if n, _ := NextCNVMinor(Minor{2, 6}); n != (Minor{4, 8}) {
		t.Errorf("after CNV 2.6 comes 4.8, got %s", n)
	}
	if n, _ := NextCNVMinor(Minor{4, 22}); n != (Minor{5, 0}) {
		t.Errorf("after CNV 4.22 comes 5.0, got %s", n)
	}
}

func TestCheckCNVOnOCP(t *testing.T) {
	for _, tt := range []struct {
		cnv, ocp string
		want     error
		reason   string
	}{
		{"4.14.3", "4.14.20", nil, "CNV 4.y on OCP 4.y"},
		{"2.5.1", "4.6.9", nil, "2.5 on 4.6"},
		{"4.15.0", "4.14.20", ErrCNVLeadsOCP, "CNV never leads OCP"},
		{"4.14.3", "4.15.2", ErrCNVBehindOCP, "after an OCP minor update CNV must follow"},
		{"2.6.0", "4.6.9", ErrCNVLeadsOCP, "2.6 needs 4.7"},
		{"4.7.0", "4.7.1", ErrUnknownCNVVersion, "there was no CNV 4.7"},
	} {
		err := CheckCNVOnOCP(MustParseVersion(tt.cnv), MustParseVersion(tt.ocp))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: CheckCNVOnOCP(%s, %s) = %v, want %v", tt.reason, tt.cnv, tt.ocp, err, tt.want)
		}
	}
	err := CheckCNVOnOCP(MustParseVersion("4.15.0"), MustParseVersion("4.14.20"))
	var ce *CNVError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "update OpenShift to 4.15 first") {
		t.Errorf("the error must say what to do first: %v", err)
	}
}

func TestCheckCNVUpdate(t *testing.T) {
	for _, tt := range []struct {
		ocp, from, to string
		want          error
		reason        string
	}{
		{"4.14.20", "4.14.3", "4.14.12", nil, "a z-stream update may skip the z-streams between"},
		{"4.15.2", "4.14.12", "4.15.1", nil, "a minor update once OCP is on that minor"},
		{"4.14.20", "4.14.12", "4.15.1", ErrCNVLeadsOCP, "a minor update before OCP is on it"},
		{"4.16.2", "4.14.12", "4.16.1", ErrCNVSkipMinor, "CNV minors one at a time"},
		{"4.14.20", "4.14.12", "4.14.3", ErrCNVDowngrade, "no CNV downgrade"},
		{"4.3.9", "2.1.0", "2.1.1", nil, "2.1 has z-stream updates"},
		{"4.3.9", "2.1.1", "2.2.0", ErrCNVZStreamOnly, "2.1 had z-stream updates only"},
		{"4.8.9", "2.6.3", "4.8.0", nil, "2.6 → 4.8 is the next minor"},
		{"4.7.9", "2.6.3", "4.8.0", ErrCNVLeadsOCP, "4.8 needs OCP 4.8"},
		{"4.8.9", "2.5.3", "4.8.0", ErrCNVSkipMinor, "2.5 → 4.8 skips 2.6"},
		{"4.14.9", "4.7.3", "4.8.0", ErrUnknownCNVVersion, "no CNV 4.7"},
	} {
		err := CheckCNVUpdate(MustParseVersion(tt.ocp), MustParseVersion(tt.from), MustParseVersion(tt.to))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: CheckCNVUpdate(ocp %s, %s → %s) = %v, want %v", tt.reason, tt.ocp, tt.from, tt.to, err, tt.want)
		}
	}
}

func TestNextCNVUpdate(t *testing.T) {
	var catalog []Version
	for _, v := range []string{"4.14.1", "4.14.3", "4.14.12", "4.15.0", "4.15.4", "4.16.0-rc.1", "2.1.0", "2.1.1", "2.2.0"} {
		catalog = append(catalog, MustParseVersion(v))
	}
	for _, tt := range []struct {
		ocp, cnv, want string
		err            error
		reason         string
	}{
		{"4.14.20", "4.14.3", "4.14.12", nil, "straight to the latest z of the current minor"},
		{"4.15.1", "4.14.3", "4.14.12", nil, "z-streams first, even when OCP has moved on"},
		{"4.15.1", "4.14.12", "4.15.4", nil, "then the newest of the next minor, once OCP is on it"},
		{"4.14.20", "4.14.12", "", ErrCNVLeadsOCP, "the next minor waits for OCP"},
		{"4.16.1", "4.15.4", "", ErrCNVNoUpdate, "prereleases are not offered"},
		{"4.3.1", "2.1.1", "", ErrCNVNoUpdate, "2.1 had z-streams only"},
	} {
		got, err := NextCNVUpdate(MustParseVersion(tt.ocp), MustParseVersion(tt.cnv), catalog)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || got.String() != tt.want {
			t.Errorf("%s: NextCNVUpdate(ocp %s, cnv %s) = %q, %v; want %q, %v", tt.reason, tt.ocp, tt.cnv, got, err, tt.want, tt.err)
		}
	}
}

func TestCNVTableMarksUnconfirmed(t *testing.T) {
	var unconfirmed []string
	for _, m := range (OpenShift{}).Mappings() {
		if !m.Confirmed {
			unconfirmed = append(unconfirmed, m.CNV.String()+"↔"+m.OCP.String())
		}
	}
	if d := cmp.Diff([]string{"2.1↔4.2", "2.3↔4.4", "2.4↔4.5", "2.6↔4.7"}, unconfirmed); d != "" {
		t.Errorf("unconfirmed pairs (-want +got):\n%s", d)
	}
}
