package main

import (
	"bytes"
	"strings"
	"testing"
)

// run executes the CLI with args and returns stdout, stderr and the error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestRootNameAsKubectlPlugin(t *testing.T) {
	old := osArgs0
	defer func() { osArgs0 = old }()
	osArgs0 = func() string { return "/usr/local/bin/kubectl-virtupdate" }
	if got := newRootCommand().Use; got != "kubectl virtupdate" {
		t.Errorf("as kubectl-virtupdate the command calls itself %q, want %q", got, "kubectl virtupdate")
	}
	osArgs0 = func() string { return "virtupdate" }
	if got := newRootCommand().Use; got != "virtupdate" {
		t.Errorf("got %q, want virtupdate", got)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, _, err := run(t, "", "frobnicate")
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("err = %v, want it to name the unknown command", err)
	}
}

func TestCheckOutput(t *testing.T) {
	for _, o := range []string{"text", "json", "yaml"} {
		if err := checkOutput(o); err != nil {
			t.Errorf("%s: %v", o, err)
		}
	}
	if err := checkOutput("xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) || exitCode(err) != exitUsage {
		t.Errorf("xml: err = %v (exit %d), want it to name the value, exit 2", err, exitCode(err))
	}
}

func TestExitCode(t *testing.T) {
	if got := exitCode(&exitError{code: 3, err: errTest}); got != 3 {
		t.Errorf("exitCode = %d, want 3", got)
	}
	if got := exitCode(errTest); got != exitUsage {
		t.Errorf("exitCode of a plain error = %d, want 2: what is left unclassified is bad input", got)
	}
	if got := exitCode(clusterError(errTest)); got != exitCluster {
		t.Errorf("exitCode of a cluster error = %d, want 3", got)
	}
	if got := exitCode(clusterError(usageError(errTest))); got != exitUsage {
		t.Errorf("clusterError keeps a code already set: got %d, want 2", got)
	}
	if got := exitCode(nil); got != exitOK {
		t.Errorf("exitCode(nil) = %d", got)
	}
}

var errTest = bytes.ErrTooLarge

func TestVersion(t *testing.T) {
	out, _, err := run(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "virtupdate ") {
		t.Errorf("version: out %q, err %v", out, err)
	}
}
