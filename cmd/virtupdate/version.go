package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newVersionCommand) }

// versionJSON is `virtupdate version -o json|yaml`.
type versionJSON struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
}

func newVersionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of virtupdate",
		Args:  noArgs,
	}
	output := outputFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(*output); err != nil {
			return err
		}
		if *output != outputText {
			return writeData(*output, cmd.OutOrStdout(), versionJSON{Version: buildVersion(), GoVersion: runtime.Version()})
		}
		_, err := fmt.Fprintln(cmd.OutOrStdout(), "virtupdate", buildVersion())
		return err
	}
	return cmd
}

// buildVersion is the module version the binary was built from, "(devel)"
// for a build from a work tree.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
