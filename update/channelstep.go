package update

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
)

// ErrChannelNotOffered: the channel a plan must switch to is not among the
// ones the running release declares (status.desired.channels).
var ErrChannelNotOffered = errors.New("the channel is not offered to the cluster")

// TargetChannel is the channel a plan to the target minor switches the
// ClusterVersion to when the current one does not offer the target: the
// current channel's kind (candidate, fast, stable; stable when the current
// one cannot be read) for the target minor, and for an EUS-to-EUS update
// eus-<target minor>, as the EUS-to-EUS procedure sets it. It returns
// ok=false when the current channel already offers the target.
func TargetChannel(current string, target channel.Version, eus bool) (channel.Channel, bool) {
	cur, err := channel.ParseChannel(current)
	if err == nil && cur.Admits(target) && (!eus || cur.Kind == channel.EUS) {
		return cur, false
	}
	kind := channel.Stable
	if err == nil && cur.Kind != channel.EUS {
		kind = cur.Kind
	}
	if eus {
		kind = channel.EUS
	}
	return channel.Channel{Kind: kind, Minor: target.MinorVersion()}, true
}

// checkChannelOffered is `oc adm upgrade channel`'s check: when the running
// release declares its channels, a channel outside them is refused (oc asks
// for --allow-explicit-channel).
func checkChannelOffered(cv *ClusterVersion, want string) error {
	if len(cv.DesiredChannels) == 0 || slices.Contains(cv.DesiredChannels, want) {
		return nil
	}
	return &ObjectError{Op: "set the channel of", Kind: "ClusterVersion", Name: "version",
		Err: fmt.Errorf("%w: %s is not among the channels of the running release (%s); the cluster cannot update through it. If you are sure it exists, set it yourself (oc adm upgrade channel --allow-explicit-channel %s) and run the plan again",
			ErrChannelNotOffered, want, strings.Join(cv.DesiredChannels, ", "), want)}
}

// SetChannel switches spec.channel of the ClusterVersion to one that offers
// the target (TargetChannel), checked against status.desired.channels as
// `oc adm upgrade channel` does. A channel that already offers the target is
// left as it is.
func SetChannel(target channel.Version, eus bool) Step {
	what := "stable-" + target.MinorVersion().String()
	if eus {
		what = "eus-" + target.MinorVersion().String()
	}
	return Step{
		Name:        "set-channel-" + target.MinorVersion().String(),
		Description: "Switch the ClusterVersion's channel to " + what + " (the current channel's kind) unless it already offers " + target.String() + "; checked against the channels the running release declares",
		Changes:     true,
		Remedy:      "set a channel that offers " + target.String() + " (oc adm upgrade channel NAME), then run the plan again",
		Act: func(ctx context.Context, s *State) error {
			cv, err := s.Cluster.GetClusterVersion(ctx)
			if err != nil {
				return err
			}
			want, change := TargetChannel(cv.Channel, target, eus)
			if !change {
				s.Report("channel " + cv.Channel + " offers " + target.String())
				return nil
			}
			if err := checkChannelOffered(cv, want.String()); err != nil {
				return err
			}
			if err := s.Cluster.SetChannel(ctx, want.String()); err != nil {
				return err
			}
			s.Report("channel: " + showChannel(cv.Channel) + " → " + want.String())
			return nil
		},
	}
}

func showChannel(c string) string {
	if c == "" {
		return "(none)"
	}
	return c
}

// checkChannel is the pre-flight finding on the channel: does the current
// one offer the target, and may the plan switch to one that does.
func checkChannel(cv *ClusterVersion, o PreflightOptions) Finding {
	to, err := channel.ParseVersion(o.To)
	if err != nil || o.To == cv.CurrentVersion() {
		return Finding{Check: CheckChannel, Severity: SeverityInfo, Reason: "channel " + showChannel(cv.Channel)}
	}
	want, change := TargetChannel(cv.Channel, to, o.Kind == KindEUS)
	if !change {
		return Finding{Check: CheckChannel, Severity: SeverityInfo, Reason: "channel " + cv.Channel + " offers " + to.String()}
	}
	if err := checkChannelOffered(cv, want.String()); err != nil {
		return Finding{Check: CheckChannel, Severity: SeverityError,
			Reason: fmt.Sprintf("channel %s does not offer %s, and %s is not among the channels of the running release (%s)", showChannel(cv.Channel), to, want, strings.Join(cv.DesiredChannels, ", ")),
			Remedy: "pick a target the offered channels reach, or set the channel yourself (oc adm upgrade channel --allow-explicit-channel " + want.String() + ")"}
	}
	return Finding{Check: CheckChannel, Severity: SeverityInfo,
		Reason: fmt.Sprintf("channel %s does not offer %s: the plan switches to %s", showChannel(cv.Channel), to, want)}
}
