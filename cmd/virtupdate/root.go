package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
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
	// cobra's own help and completion commands are made now, not at
	// Execute, so that their help states the exit codes too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		addExitCodesHelp(c)
	}
	root.SetFlagErrorFunc(flagErrorFunc)
	return root
}

// addExitCodesHelp ends the help of c and of every command under it with
// the exit codes; a command with no long help gets its short one first.
func addExitCodesHelp(c *cobra.Command) {
	if !strings.Contains(c.Long, "Exit code") {
		long := c.Long
		if long == "" {
			long = c.Short
		}
		c.Long = long + "\n\n" + exitCodesHelp
	}
	for _, sub := range c.Commands() {
		addExitCodesHelp(sub)
	}
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
	outputYAML = "yaml"
)

// outputFlag registers -o/--output on cmd and returns where its value lands.
func outputFlag(cmd *cobra.Command) *string {
	o := new(string)
	cmd.Flags().StringVarP(o, "output", "o", outputText, "output format: text, json or yaml")
	return o
}

// checkOutput rejects an unknown -o value, naming it.
func checkOutput(o string) error {
	if o != outputText && o != outputJSON && o != outputYAML {
		return usageError(fmt.Errorf("--output %q is not supported: use text, json or yaml", o))
	}
	return nil
}

// writeData writes v in the structured format: indented JSON, or YAML
// with the same field names.
func writeData(format string, w io.Writer, v any) error {
	if format == outputYAML {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(data)
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	}
	return writeJSON(w, v)
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Exit codes, one convention for every command.
const (
	exitOK = 0
	// exitBlocked: the update is blocked, or there are findings of
	// severity Error.
	exitBlocked = 1
	// exitUsage: bad input or usage (a flag, an argument, a file).
	exitUsage = 2
	// exitCluster: the cluster cannot be reached or read.
	exitCluster = 3
)

// exitCodesHelp is the convention as each command's help states it.
const exitCodesHelp = `Exit codes: 0 ready or done; 1 blocked, or findings of severity Error;
2 bad input or usage; 3 the cluster cannot be reached or read.`

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as bad input or usage (exit 2).
func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitUsage, err: err}
}

// clusterError marks err as a failure to reach or read the cluster (exit 3).
func clusterError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitCluster, err: withUnreachableHint(err)}
}

// exitCode maps an error to the convention: an exitError's code, else 2,
// since what is left is bad input (cobra's flag errors, our validation).
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
