package forecast

import (
	"fmt"
	"math"
	"time"

	"github.com/virtupdate/virtupdate/fake"
)

// Range is the interval a multiplier is drawn from, uniformly: [Low, High].
// Low == High == 1 means no variation.
type Range struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

func (r Range) valid() bool {
	return r.Low > 0 && r.High >= r.Low && !math.IsInf(r.High, 0) && !math.IsNaN(r.Low) && !math.IsNaN(r.High)
}

// at maps u in [0, 1) onto the range.
func (r Range) at(u float64) float64 {
	if r.High == r.Low {
		return r.Low
	}
	return r.Low + u*(r.High-r.Low)
}

// Variation is how a forecast varies the scenario's timing from one run to
// the next: for each field, the range its multiplier is drawn from. A zero
// Range is taken as no variation ([1, 1]) for that field.
type Variation struct {
	// MigrationBandwidth multiplies fake.Timing.MigrationBandwidth, the
	// link live migrations copy over.
	MigrationBandwidth Range `json:"migrationBandwidth"`
	// PlatformUpdate multiplies the CVO's control-plane update time.
	PlatformUpdate Range `json:"platformUpdate"`
	// NodeReboot multiplies a drained node's reboot time.
	NodeReboot Range `json:"nodeReboot"`
	// OperatorInstall multiplies the time a new CSV stays Installing.
	OperatorInstall Range `json:"operatorInstall"`
	// TargetPodStart multiplies the time a migration's target pod takes to
	// start.
	TargetPodStart Range `json:"targetPodStart"`
	// VMRestart multiplies the time a VirtualMachine takes to start a new
	// VMI after its old one was shut down.
	VMRestart Range `json:"vmRestart"`
}

// DefaultVariation is the variation a forecast applies unless told
// otherwise. The ranges say what moves in practice, and in which direction:
//
//   - MigrationBandwidth 0.5–1.25: the link is shared with other traffic,
//     so a migration rarely gets more than the nominal speed and often
//     much less;
//   - PlatformUpdate 0.85–1.4: the control plane's operators usually take
//     about as long, sometimes a good deal longer;
//   - NodeReboot 0.8–1.6: firmware, the kernel and the kubelet's start;
//   - OperatorInstall 0.8–1.6: image pulls and the operator's own start;
//   - TargetPodStart 0.5–3: an image already on the node, or a pull;
//   - VMRestart 0.7–2: the guest's boot.
var DefaultVariation = Variation{
	MigrationBandwidth: Range{0.5, 1.25},
	PlatformUpdate:     Range{0.85, 1.4},
	NodeReboot:         Range{0.8, 1.6},
	OperatorInstall:    Range{0.8, 1.6},
	TargetPodStart:     Range{0.5, 3},
	VMRestart:          Range{0.7, 2},
}

// NoVariation keeps the scenario's timing in every run: the runs then
// differ only by the fake's seed (the order of ties).
var NoVariation = Variation{
	MigrationBandwidth: Range{1, 1}, PlatformUpdate: Range{1, 1}, NodeReboot: Range{1, 1},
	OperatorInstall: Range{1, 1}, TargetPodStart: Range{1, 1}, VMRestart: Range{1, 1},
}

// fields lists the ranges in the fixed order multipliers are drawn in.
func (v *Variation) fields() [6]*Range {
	return [6]*Range{&v.MigrationBandwidth, &v.PlatformUpdate, &v.NodeReboot, &v.OperatorInstall, &v.TargetPodStart, &v.VMRestart}
}

var fieldNames = [6]string{"MigrationBandwidth", "PlatformUpdate", "NodeReboot", "OperatorInstall", "TargetPodStart", "VMRestart"}

// normalized turns zero ranges into [1, 1] and checks the others.
func (v Variation) normalized() (Variation, error) {
	out := v
	for i, r := range out.fields() {
		if *r == (Range{}) {
			*r = Range{1, 1}
		}
		if !r.valid() {
			return v, fmt.Errorf("%w: Variation.%s is [%g, %g]: a range needs 0 < Low <= High", ErrInvalid, fieldNames[i], r.Low, r.High)
		}
	}
	return out, nil
}

// Multipliers are the factors one run applied to the scenario's timing.
type Multipliers struct {
	MigrationBandwidth float64 `json:"migrationBandwidth"`
	PlatformUpdate     float64 `json:"platformUpdate"`
	NodeReboot         float64 `json:"nodeReboot"`
	OperatorInstall    float64 `json:"operatorInstall"`
	TargetPodStart     float64 `json:"targetPodStart"`
	VMRestart          float64 `json:"vmRestart"`
}

// Draw returns the multipliers of run index of a forecast seeded with seed:
// one uniform draw per field from its range, in the order of the fields
// of Variation, from a SplitMix64 stream keyed by the seed and the index.
// The same seed and index give the same multipliers on every platform and
// Go version. Each multiplier is rounded to three decimals, so that the
// forecast shows the exact factor it used.
func (v Variation) Draw(seed int64, index int) Multipliers {
	n, err := v.normalized()
	if err != nil {
		n = NoVariation
	}
	s := newStream(seed, index)
	f := n.fields()
	var m [6]float64
	for i, r := range f {
		m[i] = math.Round(r.at(s.float())*1000) / 1000
		if m[i] <= 0 {
			m[i] = 0.001
		}
	}
	return Multipliers{MigrationBandwidth: m[0], PlatformUpdate: m[1], NodeReboot: m[2], OperatorInstall: m[3], TargetPodStart: m[4], VMRestart: m[5]}
}

// Apply multiplies the timing's varied fields; the others (ComponentUpdate,
// WorkloadUpdaterInterval) are kept. base should have its defaults filled
// (see TimingOf); durations are rounded to the millisecond, and kept at one
// second or more when they were (the shortest a scenario takes), and the
// bandwidth is rounded to the byte.
func (m Multipliers) Apply(base fake.Timing) fake.Timing {
	scale := func(d time.Duration, f float64) time.Duration {
		out := time.Duration(math.Round(float64(d)*f/float64(time.Millisecond))) * time.Millisecond
		if d >= time.Second && out < time.Second {
			out = time.Second // a scenario's shortest duration
		}
		return out
	}
	out := base
	out.MigrationBandwidth = max(int64(math.Round(float64(base.MigrationBandwidth)*m.MigrationBandwidth)), 1)
	out.PlatformUpdate = scale(base.PlatformUpdate, m.PlatformUpdate)
	out.NodeReboot = scale(base.NodeReboot, m.NodeReboot)
	out.OperatorInstall = scale(base.OperatorInstall, m.OperatorInstall)
	out.TargetPodStart = scale(base.TargetPodStart, m.TargetPodStart)
	out.VMRestart = scale(base.VMRestart, m.VMRestart)
	return out
}

// RunSeed is the seed of the fake cluster of run index: a SplitMix64 mix
// of the forecast's seed and the index, so that runs also differ in the
// fake's own random choices (generated names, the order of ties).
func RunSeed(seed int64, index int) int64 {
	// The key of the run's multiplier stream, mixed once more: a seed of
	// its own, not one of the stream's outputs. Non-negative.
	return int64(mix(newStream(seed, index).state^0x5eed) >> 1)
}

// stream is SplitMix64 (Steele, Lea, Flood 2014), fully specified here so
// that forecasts do not depend on a library's generator.
type stream struct{ state uint64 }

func newStream(seed int64, index int) *stream {
	return &stream{state: mix(uint64(seed)) ^ mix(uint64(index)+0x632be59bd9b4e019)}
}

func (s *stream) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	return mix(s.state)
}

// float is uniform in [0, 1), from the top 53 bits.
func (s *stream) float() float64 { return float64(s.next()>>11) / (1 << 53) }

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// TimingOf fills the zero fields of t with the fake's defaults, the
// timing a fake cluster built with it runs on.
func TimingOf(t fake.Timing) fake.Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.OperatorInstall, fake.DefaultOperatorInstall)
	def(&t.ComponentUpdate, fake.DefaultComponentUpdate)
	def(&t.PlatformUpdate, fake.DefaultPlatformUpdate)
	def(&t.NodeReboot, fake.DefaultNodeReboot)
	def(&t.TargetPodStart, fake.DefaultTargetPodStart)
	def(&t.VMRestart, fake.DefaultVMRestart)
	def(&t.WorkloadUpdaterInterval, fake.DefaultWorkloadUpdaterInterval)
	if t.MigrationBandwidth <= 0 {
		t.MigrationBandwidth = fake.DefaultMigrationBandwidth
	}
	return t
}
