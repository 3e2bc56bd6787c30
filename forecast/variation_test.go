package forecast

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/fake"
)

func TestDrawIsSeededAndInRange(t *testing.T) {
	v := DefaultVariation
	if a, b := v.Draw(7, 3), v.Draw(7, 3); a != b {
		t.Fatalf("Draw(7, 3) gave %+v, then %+v", a, b)
	}
	if v.Draw(7, 3) == v.Draw(7, 4) || v.Draw(7, 3) == v.Draw(8, 3) {
		t.Error("another run or another seed draws the same multipliers")
	}
	n, _ := v.normalized()
	for i := range 200 {
		m := v.Draw(1, i)
		got := [6]float64{m.MigrationBandwidth, m.PlatformUpdate, m.NodeReboot, m.OperatorInstall, m.TargetPodStart, m.VMRestart}
		for j, r := range n.fields() {
			if got[j] < r.Low || got[j] > r.High {
				t.Fatalf("run %d: %s multiplier %g is outside [%g, %g]", i, fieldNames[j], got[j], r.Low, r.High)
			}
			if math.Abs(got[j]*1000-math.Round(got[j]*1000)) > 1e-6 {
				t.Fatalf("run %d: %s multiplier %g is not rounded to three decimals", i, fieldNames[j], got[j])
			}
		}
	}
	if m := NoVariation.Draw(1, 5); m != (Multipliers{1, 1, 1, 1, 1, 1}) {
		t.Errorf("NoVariation draws %+v", m)
	}
	// A zero range is no variation for that field.
	if m := (Variation{NodeReboot: Range{2, 2}}).Draw(1, 0); m.NodeReboot != 2 || m.MigrationBandwidth != 1 {
		t.Errorf("a single fixed range draws %+v", m)
	}
}

// Pinned values: a change of the stream changes every forecast, so it
// must be deliberate.
func TestDrawPinned(t *testing.T) {
	want := Multipliers{MigrationBandwidth: 0.652, PlatformUpdate: 1.303, NodeReboot: 1.016, OperatorInstall: 1.182, TargetPodStart: 0.933, VMRestart: 1.799}
	if got := DefaultVariation.Draw(42, 0); got != want {
		t.Errorf("Draw(42, 0) = %+v, want %+v", got, want)
	}
	if got := RunSeed(42, 1); got != 3507469763813237323 {
		t.Errorf("RunSeed(42, 1) = %d", got)
	}
	s := newStream(0, 0)
	if a, b := s.next(), s.next(); a == b {
		t.Error("the stream repeats")
	}
	if mix(0) != 0 || mix(1) != 0x5692161d100b05e5 {
		t.Errorf("mix(1) = %#x: the SplitMix64 finalizer changed", mix(1))
	}
	if RunSeed(1, 0) == RunSeed(1, 1) || RunSeed(1, 0) < 0 {
		t.Errorf("run seeds %d, %d", RunSeed(1, 0), RunSeed(1, 1))
	}
}

func TestApplyAndTimingOf(t *testing.T) {
	base := TimingOf(fake.Timing{NodeReboot: 10 * time.Minute})
	if base.NodeReboot != 10*time.Minute || base.VMRestart != fake.DefaultVMRestart || base.MigrationBandwidth != fake.DefaultMigrationBandwidth {
		t.Fatalf("TimingOf: %+v", base)
	}
	got := Multipliers{MigrationBandwidth: 0.5, PlatformUpdate: 1.5, NodeReboot: 1.25, OperatorInstall: 2, TargetPodStart: 0.5, VMRestart: 1.333}.Apply(base)
	for _, tt := range []struct {
		reason    string
		got, want time.Duration
	}{
		{"the platform update is scaled", got.PlatformUpdate, 90 * time.Minute},
		{"the reboot is scaled", got.NodeReboot, 12*time.Minute + 30*time.Second},
		{"the install is scaled", got.OperatorInstall, 10 * time.Minute},
		{"the target pod start is scaled", got.TargetPodStart, 5 * time.Second},
		{"the restart is scaled and rounded to the millisecond", got.VMRestart, 39990 * time.Millisecond},
		{"the component update is kept", got.ComponentUpdate, fake.DefaultComponentUpdate},
		{"the updater's interval is kept", got.WorkloadUpdaterInterval, fake.DefaultWorkloadUpdaterInterval},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.reason, tt.got, tt.want)
		}
	}
	if short := (Multipliers{TargetPodStart: 0.5}).Apply(fake.Timing{TargetPodStart: time.Second}); short.TargetPodStart != time.Second {
		t.Errorf("a 1s target pod start halved is %s, want the scenario's shortest duration, 1s", short.TargetPodStart)
	}
	if got.MigrationBandwidth != fake.DefaultMigrationBandwidth/2 {
		t.Errorf("bandwidth %d, want half of %d", got.MigrationBandwidth, fake.DefaultMigrationBandwidth)
	}
}

func TestScenarioTimingRoundTrip(t *testing.T) {
	in := fake.Timing{OperatorInstall: 7 * time.Minute, PlatformUpdate: 61*time.Minute + 1500*time.Millisecond, NodeReboot: 3 * time.Minute,
		TargetPodStart: 12 * time.Second, VMRestart: 45 * time.Second, ComponentUpdate: time.Minute, WorkloadUpdaterInterval: 15 * time.Second,
		MigrationBandwidth: 123456789}
	back, err := scenarioTiming(timingStrings(in))
	if err != nil || back != in {
		t.Errorf("timing %+v written as %+v reads back as %+v (%v)", in, timingStrings(in), back, err)
	}
	if _, err := scenarioTiming(fake.ScenarioTiming{NodeReboot: "soon"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad duration: %v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		reason string
		d      time.Duration
		want   string
	}{
		{"zero", 0, "0s"},
		{"seconds", 45 * time.Second, "45s"},
		{"rounded to the second", 1500 * time.Millisecond, "2s"},
		{"minutes and seconds", 12*time.Minute + 5*time.Second, "12m 5s"},
		{"whole minutes", 3 * time.Minute, "3m"},
		{"hours and minutes, rounded to the minute", 3*time.Hour + 12*time.Minute + 40*time.Second, "3h 13m"},
		{"whole hours", 2 * time.Hour, "2h"},
		{"past a day, in hours", 26*time.Hour + time.Minute, "26h 1m"},
	} {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("%s: FormatDuration(%s) = %q, want %q", tt.reason, tt.d, got, tt.want)
		}
	}
	if got := FormatOffset(time.Hour + 2*time.Minute + 5*time.Second); got != "+01:02:05" {
		t.Errorf("FormatOffset = %q", got)
	}
}
