package channel

import (
	"errors"
	"testing"
	"time"
)

var t0Channel = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestCNVSentinelsRefineTheGenericOnes(t *testing.T) {
	for _, tt := range []struct {
		specific, generic error
		text              string
		reason            string
	}{
		{ErrUnknownCNVVersion, ErrUnknownOperatorVersion, "unknown OpenShift Virtualization version", "no rule for the CNV version"},
		{ErrCNVLeadsOCP, ErrPlatformTooOld, "OpenShift Virtualization would lead OpenShift", "CNV needs a newer OpenShift"},
		{ErrCNVBehindOCP, ErrPlatformTooNew, "OpenShift Virtualization is behind OpenShift", "OpenShift is newer than CNV supports"},
		{ErrCNVSkipMinor, ErrUpdateNotAllowed, "OpenShift Virtualization update skips a minor", "a skip breaks an update rule"},
		{ErrCNVZStreamOnly, ErrUpdateNotAllowed, "OpenShift Virtualization 2.1 has z-stream updates only", "2.1's rule"},
		{ErrCNVDowngrade, ErrUpdateNotAllowed, "OpenShift Virtualization update is not forward", "no downgrade"},
		{ErrCNVNoUpdate, ErrNoUpdateOffered, "no OpenShift Virtualization update is offered", "nothing offered"},
	} {
		if !errors.Is(tt.specific, tt.generic) {
			t.Errorf("%s: %v does not refine %v", tt.reason, tt.specific, tt.generic)
		}
		if tt.specific.Error() != tt.text {
			t.Errorf("%s: the text is kept: %q, want %q", tt.reason, tt.specific, tt.text)
		}
		wrapped := cnvErr(tt.specific, "detail")
		if !errors.Is(wrapped, tt.specific) || !errors.Is(wrapped, tt.generic) {
			t.Errorf("%s: a CNVError wrapping it is both", tt.reason)
		}
	}
	if errors.Is(ErrCNVLeadsOCP, ErrPlatformTooNew) || errors.Is(ErrPlatformTooOld, ErrCNVLeadsOCP) {
		t.Error("refinement goes one way, to its own parent only")
	}
}

// OpenShift is the package functions, as a Compatibility.
func TestOpenShiftIsTheCNVFunctions(t *testing.T) {
	var c Compatibility = OpenShift{}
	versions := []string{"2.1.0", "2.5.1", "2.6.3", "4.7.0", "4.8.0", "4.14.3", "4.14.12", "4.15.0", "4.15.4", "4.16.1"}
	var catalog []Version
	for _, v := range versions {
		catalog = append(catalog, MustParseVersion(v))
	}
	for _, cnv := range catalog {
		for _, ocp := range []string{"4.3.9", "4.6.9", "4.7.9", "4.8.9", "4.14.20", "4.15.1", "4.16.2"} {
			o := MustParseVersion(ocp)
			if got, want := c.CheckOn(cnv, o), CheckCNVOnOCP(cnv, o); errString(got) != errString(want) {
				t.Errorf("CheckOn(%s, %s) = %v, CheckCNVOnOCP says %v", cnv, ocp, got, want)
			}
			gv, ge := c.NextUpdate(o, cnv, catalog)
			wv, we := NextCNVUpdate(o, cnv, catalog)
			if gv != wv || errString(ge) != errString(we) {
				t.Errorf("NextUpdate(%s, %s) = %s, %v; NextCNVUpdate says %s, %v", ocp, cnv, gv, ge, wv, we)
			}
		}
	}
	if err := c.CheckOn(MustParseVersion("4.15.0"), MustParseVersion("4.14.20")); !errors.Is(err, ErrPlatformTooOld) {
		t.Errorf("callers can test the generic sentinel: %v", err)
	}
	if _, err := c.NextUpdate(MustParseVersion("4.14.1"), Version{}, catalog); !errors.Is(err, ErrUnknownOperatorVersion) {
		t.Errorf("the zero Version is unknown: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestOpenShiftTablesAreCopies(t *testing.T) {
	m := OpenShift{}.Mappings()
	m[0].OCP = Minor{9, 9}
	if ocp, _, _ := OCPMinorForCNV(Minor{2, 1}); ocp != (Minor{4, 2}) {
		t.Errorf("changing the returned table changed the rule: 2.1 → %s", ocp)
	}
	p := OpenShift{}.Promotions()
	p[1].ZStream.Min = 0
	if e, _, _ := ExpectedIn(Stable, t0Channel, false); !e.Equal(t0Channel.Add(7 * day)) {
		t.Errorf("changing the returned promotions changed ExpectedIn: %s", e)
	}
	if n, err := (OpenShift{}).NextMinor(Minor{2, 6}); err != nil || n != (Minor{4, 8}) {
		t.Errorf("NextMinor(2.6) = %s, %v", n, err)
	}
	if ocp, ok, err := (OpenShift{}).PlatformMinor(Minor{2, 5}); err != nil || !ok || ocp != (Minor{4, 6}) {
		t.Errorf("PlatformMinor(2.5) = %s, %v, %v", ocp, ok, err)
	}
}

func TestCompatibilityFuncs(t *testing.T) {
	cnv, ocp := MustParseVersion("4.15.0"), MustParseVersion("4.14.20")
	if got, want := (CompatibilityFuncs{}).CheckOn(cnv, ocp), CheckCNVOnOCP(cnv, ocp); errString(got) != errString(want) {
		t.Errorf("the zero CompatibilityFuncs is OpenShift: %v vs %v", got, want)
	}
	lenient := CompatibilityFuncs{CheckOnFunc: func(operator, platform Version) error {
		if err := (OpenShift{}).CheckOn(operator, platform); !errors.Is(err, ErrPlatformTooNew) {
			return err
		}
		return nil // behind OpenShift is fine for us
	}}
	if err := lenient.CheckOn(MustParseVersion("4.14.3"), MustParseVersion("4.15.2")); err != nil {
		t.Errorf("the override decides: %v", err)
	}
	if err := lenient.CheckOn(cnv, ocp); !errors.Is(err, ErrCNVLeadsOCP) {
		t.Errorf("the override keeps the rest: %v", err)
	}
	up := CompatibilityFuncs{Base: Upstream{}}
	if _, err := up.NextUpdate(MustParseVersion("1.33.1"), MustParseVersion("1.18.0"), []Version{MustParseVersion("1.18.1")}); err != nil {
		t.Errorf("a nil function falls back to Base: %v", err)
	}
}
