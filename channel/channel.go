package channel

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidChannel is the cause of every error about a channel name.
var ErrInvalidChannel = errors.New("invalid channel")

// Kind is the kind of an update channel: how far a release has been promoted.
type Kind string

// The channel kinds, in promotion order. A release enters candidate, is
// promoted to fast once its errata are published, and to stable after a
// delay; releases of an EUS minor reach eus together with stable.
const (
	Candidate Kind = "candidate"
	Fast      Kind = "fast"
	Stable    Kind = "stable"
	EUS       Kind = "eus"
)

// Kinds returns the channel kinds in promotion order. The slice is new on
// every call.
func Kinds() []Kind { return []Kind{Candidate, Fast, Stable, EUS} }

// The EUS minors: every even minor from 4.6 to 4.22.
const (
	firstEUSMinor = 6
	lastEUSMinor  = LastMinorOf4
)

// IsEUS reports whether m is an Extended Update Support minor: every even
// OpenShift 4 minor from 4.6 to 4.22. Whether 5.y has EUS minors is not
// published; IsEUS says no.
func IsEUS(m Minor) bool {
	return m.Major == 4 && m.Minor >= firstEUSMinor && m.Minor <= lastEUSMinor && m.Minor%2 == 0
}

// EUSMinors returns the EUS minors, oldest first. The slice is new on every
// call.
func EUSMinors() []Minor {
	var ms []Minor
	for y := uint64(firstEUSMinor); y <= lastEUSMinor; y += 2 {
		ms = append(ms, Minor{Major: 4, Minor: y})
	}
	return ms
}

// NextEUS returns the first EUS minor after m, and false if there is none.
func NextEUS(m Minor) (Minor, bool) {
	for n := m.Next(); n.Major == 4 && n.Minor <= lastEUSMinor; n = n.Next() {
		if IsEUS(n) {
			return n, true
		}
	}
	return Minor{}, false
}

// Channel is an OpenShift update channel such as stable-4.14.
type Channel struct {
	Kind  Kind
	Minor Minor
}

// ParseChannel parses and validates a channel name: candidate-4.y, fast-4.y,
// stable-4.y, or eus-4.y for an EUS minor (even, 4.6 to 4.22).
func ParseChannel(name string) (Channel, error) {
	kind, minor, ok := strings.Cut(name, "-")
	if !ok {
		return Channel{}, fmt.Errorf("%w %q: want KIND-MAJOR.MINOR, e.g. stable-4.14", ErrInvalidChannel, name)
	}
	m, err := ParseMinor(minor)
	if err != nil {
		return Channel{}, fmt.Errorf("%w %q: %q is not a minor version: want KIND-MAJOR.MINOR, e.g. stable-4.14", ErrInvalidChannel, name, minor)
	}
	c := Channel{Kind: Kind(kind), Minor: m}
	if err := c.Validate(); err != nil {
		return Channel{}, err
	}
	return c, nil
}

// MustParseChannel is [ParseChannel] that panics on an invalid name; for
// tests and examples.
func MustParseChannel(name string) Channel {
	c, err := ParseChannel(name)
	if err != nil {
		panic(err)
	}
	return c
}

// Validate checks the kind and, for eus, that the minor is an EUS minor.
func (c Channel) Validate() error {
	switch c.Kind {
	case Candidate, Fast, Stable:
	case EUS:
		if !IsEUS(c.Minor) {
			return fmt.Errorf("%w %q: %s is not an EUS minor (EUS minors are the even ones from 4.6 to 4.22); use stable-%s", ErrInvalidChannel, c.String(), c.Minor, c.Minor)
		}
	default:
		return fmt.Errorf("%w %q: unknown kind %q: use candidate, fast, stable or eus", ErrInvalidChannel, c.String(), c.Kind)
	}
	if c.Minor.Major != 4 && c.Minor.Major != 5 {
		return fmt.Errorf("%w %q: OpenShift has channels for 4.y and 5.y only", ErrInvalidChannel, c.String())
	}
	return nil
}

// String renders the channel name, e.g. "stable-4.14".
func (c Channel) String() string { return string(c.Kind) + "-" + c.Minor.String() }

// eusFloor holds the early EUS channels that take only the late z-streams of
// the odd minor before them.
var eusFloor = map[Minor]Version{
	{4, 8}:  MustParseVersion("4.7.34"),
	{4, 10}: MustParseVersion("4.9.30"),
}

// EUSFloor returns the oldest release of the preceding odd minor that the
// EUS channel of m takes, and false when it takes them all. The documented
// exceptions: eus-4.8 takes only 4.7.34 and later, eus-4.10 only 4.9.30 and
// later.
func EUSFloor(m Minor) (Version, bool) {
	v, ok := eusFloor[m]
	return v, ok
}

// Minors returns the minors whose releases the channel carries, oldest
// first, as the channels of the graph data are filtered today:
//
//   - candidate, fast and stable of 4.y carry 4.(y-1) and 4.y, and for an
//     even y also 4.(y-2) (since late 2024, so control-plane-only updates
//     work from stable channels);
//   - eus-4.y carries 4.(y-2), 4.(y-1) and 4.y, except eus-4.6, which
//     carries only 4.6;
//   - 5.0's channels carry 4.22 and 5.0.
//
// It describes which releases may appear, not which do: a channel is
// filled by promotion, over time.
func (c Channel) Minors() []Minor {
	prev, ok := c.Minor.Previous()
	if !ok || (c.Kind == EUS && c.Minor == (Minor{4, firstEUSMinor})) {
		return []Minor{c.Minor}
	}
	ms := []Minor{prev, c.Minor}
	if (c.Kind == EUS || IsEUS(c.Minor)) && c.Minor.Major == 4 {
		if pp, ok := prev.Previous(); ok && pp.Minor >= firstEUSMinor {
			ms = append([]Minor{pp}, ms...)
		}
	}
	return ms
}

// Admits reports whether a release may appear in the channel: its minor is
// one of [Channel.Minors], it is a general-availability release unless the
// channel is candidate, and it is not below the channel's [EUSFloor].
func (c Channel) Admits(v Version) bool {
	if v.Prerelease() != "" && c.Kind != Candidate {
		return false
	}
	if c.Kind == EUS {
		if floor, ok := EUSFloor(c.Minor); ok && v.MinorVersion() == floor.MinorVersion() && v.Compare(floor) < 0 {
			return false
		}
	}
	vm := v.MinorVersion()
	for _, m := range c.Minors() {
		if m == vm {
			return true
		}
	}
	return false
}

// OfferedChannels returns the channels a cluster on minor m is offered, as
// the documentation puts it: "channels which match its current version, the
// next version, or the next EUS version". Its own minor and the next come in
// every kind (eus only for an EUS minor); the next EUS minor beyond those
// comes as its eus channel only, since channels that plan beyond one
// EUS-to-EUS update are not offered.
func OfferedChannels(m Minor) []Channel {
	var cs []Channel
	add := func(m Minor) {
		for _, k := range []Kind{Candidate, Fast, Stable} {
			cs = append(cs, Channel{Kind: k, Minor: m})
		}
		if IsEUS(m) {
			cs = append(cs, Channel{Kind: EUS, Minor: m})
		}
	}
	add(m)
	next := m.Next()
	add(next)
	if e, ok := NextEUS(m); ok && e != next {
		cs = append(cs, Channel{Kind: EUS, Minor: e})
	}
	return cs
}

// Delay is a range of time a promotion takes.
type Delay struct {
	Min, Max time.Duration
}

// Promotion is one step of the promotion model: releases move From one kind
// of channel To the next after a delay.
type Promotion struct {
	From, To Kind
	// ZStream is the delay for a new z-stream of a minor already in the
	// target channel.
	ZStream Delay
	// NewMinor is the delay for the first update into a new minor.
	NewMinor Delay
	// Note says what the step waits for.
	Note string
}

const day = 24 * time.Hour

// promotions is the documented promotion model, as data, read through
// [OpenShift.Promotions]. The delays are the
// documented estimates, not guarantees: candidate → fast once final tests
// pass and the errata are published; fast → stable after typically one to
// two weeks for a z-stream and 45 to 90 days for the first update into a
// new minor; stable → eus at the same time, for EUS minors.
var promotions = []Promotion{
	{From: Candidate, To: Fast, Note: "final tests passed and errata published"},
	{From: Fast, To: Stable, ZStream: Delay{Min: 7 * day, Max: 14 * day}, NewMinor: Delay{Min: 45 * day, Max: 90 * day},
		Note: "the delay is the only difference between fast and stable; every release in fast reaches stable"},
	{From: Stable, To: EUS, Note: "at the same time as stable, for EUS minors only"},
}

// ExpectedIn returns the window in which a release that reached fast at
// inFast is expected to reach a channel of kind k. newMinor selects the delay
// for the first update into a new minor. It returns false for candidate (a
// release is in candidate before fast) and for an unknown kind.
func ExpectedIn(k Kind, inFast time.Time, newMinor bool) (earliest, latest time.Time, ok bool) {
	switch k {
	case Fast:
		return inFast, inFast, true
	case Stable, EUS:
		p := promotions[1]
		d := p.ZStream
		if newMinor {
			d = p.NewMinor
		}
		return inFast.Add(d.Min), inFast.Add(d.Max), true
	}
	return time.Time{}, time.Time{}, false
}
