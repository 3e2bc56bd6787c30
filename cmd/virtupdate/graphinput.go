package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// graphFlagHelp is the --graph help of the commands that plan.
const graphFlagHelp = "the update graph: a JSON file, - for standard input, or an https:// URL of an update service " +
	"(asked for the channel of the target, as the EUS procedure and the CVO would); the plan's OpenShift hops follow its recommended updates"

// loadPlanGraph reads the --graph of a command that plans an update from
// `from` to `to`: a file, standard input, or an update service. An update
// service serves one channel's graph; it is asked for the channel the plan
// sets (stable-<target minor>, or eus-<target minor> for an EUS-to-EUS
// update), with the current version, as the CVO asks it.
func loadPlanGraph(cmd *cobra.Command, value, from, to, arch string) (*channel.Graph, error) {
	switch {
	case strings.HasPrefix(value, "https://"):
		fv, err1 := channel.ParseVersion(from)
		tv, err2 := channel.ParseVersion(to)
		if err := errors.Join(err1, err2); err != nil {
			return nil, usageError(fmt.Errorf("--graph %s: the versions to ask the update service about: %w", value, err))
		}
		eusUpdate := channel.Classify(fv, tv) == channel.UpdateSkipMinor
		ch, _ := update.TargetChannel("", tv, eusUpdate)
		// An update service that cannot be read is an input that cannot be
		// read (exit 2), as a --graph file is.
		data, err := fetchGraph(cmdContext(cmd), value, ch.String(), arch, from)
		if err != nil {
			return nil, usageError(err)
		}
		g, err := channel.ParseGraph(data)
		if err != nil {
			return nil, usageError(fmt.Errorf("the graph the update service at %s served for %s: %w", value, ch, err))
		}
		return g, nil
	case strings.HasPrefix(value, "http://"):
		return nil, usageError(fmt.Errorf("--graph %s: use https:// to reach an update service", value))
	}
	data, err := readInput(cmd, value)
	if err != nil {
		return nil, usageError(fmt.Errorf("--graph: %w", err))
	}
	g, err := channel.ParseGraph(data)
	if err != nil {
		return nil, usageError(fmt.Errorf("--graph %s: %w", value, err))
	}
	return g, nil
}

// liveGraph is the graph of a live cluster when no --graph is given: the
// updates its ClusterVersion offers (status.availableUpdates and
// status.conditionalUpdates), or nil when it offers none, so the plan says
// its path is unverified.
func liveGraph(cv *update.ClusterVersion) (*channel.Graph, error) {
	g, err := cv.OfferedGraph()
	if err != nil {
		return nil, clusterError(err)
	}
	return g, nil
}
