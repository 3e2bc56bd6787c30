package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// osArgs0 is the program name, a variable so tests can pretend to be the
// kubectl plugin.
var osArgs0 = func() string { return os.Args[0] }

// noArgs refuses positional arguments, saying the command takes none
// (cobra's own words call a stray argument an unknown command).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Errorf("%s takes no arguments, got %q: give values with flags (see %s --help)", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath()))
	}
	return nil
}

// oneArg wants exactly one positional argument, described by what, such
// as "the scenario file (SCENARIO.yaml)".
func oneArg(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usageError(fmt.Errorf("%s needs one argument: %s", cmd.CommandPath(), what))
		case len(args) > 1:
			return usageError(fmt.Errorf("%s takes one argument, %s; got %d: %q", cmd.CommandPath(), what, len(args), strings.Join(args, " ")))
		}
		return nil
	}
}
