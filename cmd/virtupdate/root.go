package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// subcommands are added by the files that implement them, each in an init
// function, so a command lives in one file with its tests beside it.
var subcommands []func() *cobra.Command

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           rootName(),
		Short:         "See what an OpenShift Virtualization update will do before you start it",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, sub := range subcommands {
		root.AddCommand(sub())
	}
	return root
}

// rootName is "kubectl virtupdate" when run as the kubectl plugin.
func rootName() string {
	if strings.HasPrefix(filepath.Base(osArgs0()), "kubectl-") {
		return "kubectl virtupdate"
	}
	return "virtupdate"
}

// Output formats accepted by -o.
const (
	outputText = "text"
	outputJSON = "json"
)

// outputFlag registers -o/--output on cmd and returns where its value lands.
func outputFlag(cmd *cobra.Command) *string {
	o := new(string)
	cmd.Flags().StringVarP(o, "output", "o", outputText, "output format: text or json")
	return o
}

// checkOutput rejects an unknown -o value, naming it.
func checkOutput(o string) error {
	if o != outputText && o != outputJSON {
		return fmt.Errorf("--output %q is not supported: use text or json", o)
	}
	return nil
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// exitError carries a process exit code other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}
