package channel

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseChannel(t *testing.T) {
	for _, tt := range []struct {
		in, reason string
		want       Channel
		ok         bool
	}{
		{in: "stable-4.14", want: Channel{Stable, Minor{4, 14}}, ok: true, reason: "stable"},
		{in: "candidate-5.0", want: Channel{Candidate, Minor{5, 0}}, ok: true, reason: "5.0 has channels"},
		{in: "fast-4.15", want: Channel{Fast, Minor{4, 15}}, ok: true, reason: "fast"},
		{in: "eus-4.6", want: Channel{EUS, Minor{4, 6}}, ok: true, reason: "4.6 is the first EUS"},
		{in: "eus-4.22", want: Channel{EUS, Minor{4, 22}}, ok: true, reason: "4.22 is the last EUS of 4"},
		{in: "eus-4.15", reason: "eus only for even minors"},
		{in: "eus-4.4", reason: "eus starts at 4.6"},
		{in: "eus-4.24", reason: "eus ends at 4.22"},
		{in: "eus-5.0", reason: "no EUS of 5 is published"},
		{in: "prerelease-4.1", reason: "historical kind, not supported"},
		{in: "stable", reason: "no minor"},
		{in: "stable-4", reason: "no minor number"},
		{in: "stable-4.14.1", reason: "a version is not a minor"},
		{in: "Stable-4.14", reason: "kinds are lower case"},
		{in: "stable-3.11", reason: "OpenShift 3 had no channels of this kind"},
	} {
		got, err := ParseChannel(tt.in)
		if !tt.ok {
			if !errors.Is(err, ErrInvalidChannel) {
				t.Errorf("%s: ParseChannel(%q) = %v, %v; want ErrInvalidChannel", tt.reason, tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("%s: ParseChannel(%q) = %v, %v", tt.reason, tt.in, got, err)
		}
	}
}

func TestEUSMinors(t *testing.T) {
	var got []string
	for _, m := range EUSMinors() {
		got = append(got, m.String())
	}
	want := []string{"4.6", "4.8", "4.10", "4.12", "4.14", "4.16", "4.18", "4.20", "4.22"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("EUS minors (-want +got):\n%s", d)
	}
	for _, tt := range []struct {
		m, next, reason string
	}{
		{"4.13", "4.14", "an odd minor's next EUS is the next minor"},
		{"4.14", "4.16", "an EUS minor's next EUS skips one"},
		{"4.21", "4.22", "the last"},
		{"4.22", "", "no EUS after 4.22 is published"},
	} {
		m, _ := ParseMinor(tt.m)
		n, ok := NextEUS(m)
		if (tt.next == "") == ok || (ok && n.String() != tt.next) {
			t.Errorf("%s: NextEUS(%s) = %s, %v; want %q", tt.reason, tt.m, n, ok, tt.next)
		}
	}
}

func TestOfferedChannels(t *testing.T) {
	for _, tt := range []struct {
		m, reason string
		want      []string
	}{
		{m: "4.14", reason: "EUS minor: all of its own, all of the next, and the next EUS's eus",
			want: []string{"candidate-4.14", "fast-4.14", "stable-4.14", "eus-4.14", "candidate-4.15", "fast-4.15", "stable-4.15", "eus-4.16"}},
		{m: "4.15", reason: "odd minor: the next minor is the next EUS, offered once",
			want: []string{"candidate-4.15", "fast-4.15", "stable-4.15", "candidate-4.16", "fast-4.16", "stable-4.16", "eus-4.16"}},
		{m: "4.22", reason: "4.22 is offered 5.0's channels",
			want: []string{"candidate-4.22", "fast-4.22", "stable-4.22", "eus-4.22", "candidate-5.0", "fast-5.0", "stable-5.0"}},
	} {
		m, _ := ParseMinor(tt.m)
		var got []string
		for _, c := range OfferedChannels(m) {
			got = append(got, c.String())
			if err := c.Validate(); err != nil {
				t.Errorf("%s: offered an invalid channel: %v", tt.reason, err)
			}
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: OfferedChannels(%s) (-want +got):\n%s", tt.reason, tt.m, d)
		}
	}
}

func TestChannelMinorsAndAdmits(t *testing.T) {
	for _, tt := range []struct {
		ch, reason string
		want       []string
	}{
		{"stable-4.7", "odd: the previous minor and its own", []string{"4.6", "4.7"}},
		{"stable-4.16", "even: also 4.(y-2), for control-plane-only updates", []string{"4.14", "4.15", "4.16"}},
		{"eus-4.16", "eus: three minors", []string{"4.14", "4.15", "4.16"}},
		{"eus-4.6", "the first EUS carries only 4.6", []string{"4.6"}},
		{"stable-4.6", "no EUS minor below 4.6", []string{"4.5", "4.6"}},
		{"candidate-5.0", "5.0 comes from 4.22", []string{"4.22", "5.0"}},
	} {
		var got []string
		for _, m := range MustParseChannel(tt.ch).Minors() {
			got = append(got, m.String())
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: %s.Minors() (-want +got):\n%s", tt.reason, tt.ch, d)
		}
	}
	for _, tt := range []struct {
		ch, v  string
		want   bool
		reason string
	}{
		{"eus-4.8", "4.7.33", false, "eus-4.8 takes only 4.7.34 and later"},
		{"eus-4.8", "4.7.34", true, "eus-4.8 floor is inclusive"},
		{"eus-4.10", "4.9.29", false, "eus-4.10 takes only 4.9.30 and later"},
		{"eus-4.10", "4.9.30", true, "eus-4.10 floor is inclusive"},
		{"stable-4.10", "4.9.1", true, "the floor is for eus channels only"},
		{"stable-4.12", "4.12.0-rc.3", false, "prereleases stay in candidate"},
		{"candidate-4.12", "4.12.0-rc.3", true, "candidate carries prereleases"},
		{"stable-4.7", "4.8.1", false, "a newer minor is not in an older channel"},
		{"stable-4.9", "4.7.40", false, "odd channels carry one previous minor"},
	} {
		if got := MustParseChannel(tt.ch).Admits(MustParseVersion(tt.v)); got != tt.want {
			t.Errorf("%s: %s.Admits(%s) = %v", tt.reason, tt.ch, tt.v, got)
		}
	}
	if _, ok := EUSFloor(Minor{4, 12}); ok {
		t.Error("only eus-4.8 and eus-4.10 have floors")
	}
}

// The served graphs list each release's channels: every release they put in
// a channel must be one the channel admits. This pins the EUS floors against
// real data.
func TestAdmitsAgreesWithRealGraphs(t *testing.T) {
	for name := range realGraphs {
		g := parseReal(t, name)
		checked := 0
		for _, n := range g.Nodes() {
			for _, cn := range n.Channels() {
				c, err := ParseChannel(cn)
				if err != nil {
					t.Errorf("%s: node %s lists channel %q: %v", name, n.Version, cn, err)
					continue
				}
				checked++
				if !c.Admits(n.Version) {
					t.Errorf("%s: %s is in %s, which does not admit it", name, n.Version, cn)
				}
			}
		}
		if checked == 0 {
			t.Errorf("%s: no channel checked", name)
		}
	}
}

func TestPromotionModel(t *testing.T) {
	var steps []string
	for _, p := range (OpenShift{}).Promotions() {
		steps = append(steps, string(p.From)+">"+string(p.To))
	}
	if d := cmp.Diff([]string{"candidate>fast", "fast>stable", "stable>eus"}, steps); d != "" {
		t.Errorf("promotion order (-want +got):\n%s", d)
	}
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		kind             Kind
		newMinor         bool
		earliest, latest time.Duration
		ok               bool
		reason           string
	}{
		{Fast, false, 0, 0, true, "in fast means in fast"},
		{Stable, false, 7 * day, 14 * day, true, "a z-stream reaches stable after one to two weeks"},
		{Stable, true, 45 * day, 90 * day, true, "the first update into a new minor takes 45 to 90 days"},
		{EUS, false, 7 * day, 14 * day, true, "eus is promoted together with stable"},
		{Candidate, false, 0, 0, false, "candidate comes before fast"},
	} {
		e, l, ok := ExpectedIn(tt.kind, t0, tt.newMinor)
		if ok != tt.ok || (ok && (e.Sub(t0) != tt.earliest || l.Sub(t0) != tt.latest)) {
			t.Errorf("%s: ExpectedIn(%s, newMinor=%v) = %v, %v, %v", tt.reason, tt.kind, tt.newMinor, e.Sub(t0), l.Sub(t0), ok)
		}
	}
}

// In the served stable-4.7 graph, the oldest 4.7 release in eus-4.8 is
// exactly the documented floor, although older 4.7 releases are in the graph.
func TestEUSFloorMatchesRealGraph(t *testing.T) {
	g := parseReal(t, "stable-4.7")
	floor, _ := EUSFloor(Minor{4, 8})
	var oldest *Node
	for _, n := range g.Filter("eus-4.8").Nodes() {
		if n.Version.MinorVersion() == (Minor{4, 7}) {
			oldest = &n
		}
	}
	if oldest == nil || oldest.Version != floor {
		t.Fatalf("oldest 4.7 in eus-4.8 = %v, want the floor %s", oldest, floor)
	}
	if n, ok := g.Lookup("4.7.33"); ok && n.InChannel("eus-4.8") {
		t.Error("4.7.33 is below the floor")
	}
}
