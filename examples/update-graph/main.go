// Command update-graph reads a real OpenShift update graph (stable-4.9,
// as the update service served it) and answers the questions an update
// starts with: what updates a version has, which path leads to a target
// (minor by minor, never skipping one), why there is none, and what the
// plan of the first minor update looks like with its pre-flight check of
// the path.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

//go:embed stable-4.9-amd64-2022-12.json
var graphJSON []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	g, err := channel.ParseGraph(graphJSON)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "graph: %d releases, %d updates\n", g.Len(), g.NumEdges())

	u, err := g.Updates("4.8.54")
	if err != nil {
		return err
	}
	var targets []string
	for _, n := range u.Recommended {
		targets = append(targets, n.Version.String())
	}
	fmt.Fprintf(w, "updates from 4.8.54: %s\n", strings.Join(targets, ", "))

	p, err := g.FindPath("4.8.10", "4.9.53", channel.PathOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "path 4.8.10 → 4.9.53: %s\n", strings.Join(p.Versions(), " → "))

	_, err = g.FindPath("4.8.10", "4.9.11", channel.PathOptions{})
	var np *channel.NoPathError
	if errors.As(err, &np) {
		fmt.Fprintf(w, "no path 4.8.10 → 4.9.11: %s\n", np.Reason)
	}

	plan, err := update.NewPlan(update.Request{From: update.Versions{OCP: "4.8.10", CNV: "4.8.3"}, To: "4.9.53", Graph: g})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plan path: %s\n", strings.Join(plan.Path, " → "))
	fmt.Fprintf(w, "%s plan, %d steps:", plan.Kind, len(plan.Steps))
	for _, st := range plan.Steps {
		fmt.Fprintf(w, " %s", st.Name)
	}
	fmt.Fprintln(w)
	return nil
}
