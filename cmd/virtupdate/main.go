// Command virtupdate shows what an OpenShift Virtualization update will do:
// the update graph and paths, which VMIs update how, the ordered plan, a
// simulation on a fake cluster, and the state of a live cluster.
//
// Every command takes -o text|json (text by default). Installed as
// kubectl-virtupdate it also runs as the kubectl plugin `kubectl virtupdate`.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(exitCode(err))
	}
}
