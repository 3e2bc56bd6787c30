package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/channel"
)

// validate checks the connection flags before anything is loaded: a bad
// --request-timeout is bad input (exit 2), not an unreachable cluster.
func (f *clusterFlags) validate() error {
	if f.timeout <= 0 {
		return usageError(fmt.Errorf("--request-timeout %s: give a positive duration, such as 30s", f.timeout))
	}
	return nil
}

// versionFlag checks that the value of a version flag is a release version
// (4.16.3); empty values are left to the caller.
func versionFlag(flag, value string) error {
	if value == "" {
		return nil
	}
	if _, err := channel.ParseVersion(value); err != nil {
		return usageError(fmt.Errorf("%s: %w", flag, err))
	}
	return nil
}

// versionFlags checks several version flags, in order.
func versionFlags(flags ...[2]string) error {
	for _, f := range flags {
		if err := versionFlag(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// preloadGraph reads a --graph FILE (or - for standard input) before the
// cluster is reached, so a missing or broken file is bad input (exit 2)
// whatever the state of the cluster. An update service URL needs the
// cluster's version to be asked: it returns nil, and the caller fetches it
// with loadPlanGraph once the version is known.
func preloadGraph(cmd *cobra.Command, value string) (*channel.Graph, error) {
	if value == "" || strings.HasPrefix(value, "https://") {
		return nil, nil
	}
	return loadPlanGraph(cmd, value, "", "", "")
}

// errorsJoinFirst returns the first non-nil error: checks run in the order
// the user reads the flags, and one error at a time is reported.
func errorsJoinFirst(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
