package main

import (
	"fmt"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/update"
)

// planPathText is the plan's path as its text shows it: the releases of
// plan.Path and, between two of them a minor or more apart, each minor the
// plan updates OpenShift through without a release chosen yet (no graph:
// the step takes the newest z the ClusterVersion offers when it runs). The
// JSON path stays the releases only.
func planPathText(plan *update.Plan) string {
	steps := map[string]bool{}
	for _, st := range plan.Steps {
		steps[st.Name] = true
	}
	var out []string
	for i, v := range plan.Path {
		if i > 0 {
			prev, perr := channel.ParseVersion(plan.Path[i-1])
			cur, cerr := channel.ParseVersion(v)
			if perr == nil && cerr == nil && prev.Major() == cur.Major() {
				for m := prev.Minor() + 1; m < cur.Minor(); m++ {
					minor := fmt.Sprintf("%d.%d", cur.Major(), m)
					if steps["update-ocp-"+minor] {
						out = append(out, minor+".z (the newest the ClusterVersion offers)")
					}
				}
			}
		}
		out = append(out, v)
	}
	return strings.Join(out, " → ")
}
