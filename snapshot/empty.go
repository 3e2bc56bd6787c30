package snapshot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/virtupdate/virtupdate/scenario"
)

// ErrNoObjects is wrapped (in a *FileError naming the file or directory)
// when a source holds no object of a kind a snapshot reads, nor a List of
// one: a snapshot of it would say nothing.
var ErrNoObjects = errors.New("no Kubernetes object of a kind a snapshot reads was found")

// kindsRead names the kinds a snapshot reads, for people.
const kindsRead = "Node, ClusterVersion, ClusterOperator, MachineConfigPool, ClusterServiceVersion, Subscription, InstallPlan, " +
	"HyperConverged, KubeVirt, VirtualMachine, VirtualMachineInstance, VirtualMachineInstanceMigration, PodDisruptionBudget, NodeMaintenance"

// checkFound refuses what was collected from a source when it holds no
// object (or List) of a kind read. The error names the source, what was
// found instead, and what the source must be.
func checkFound(name, kind string, c *collector) error {
	if len(c.parts) > 0 {
		return nil
	}
	var found string
	switch {
	case len(c.skipped) > 0:
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(c.skipped)) {
			kinds = append(kinds, fmt.Sprintf("%d %s", c.skipped[k], k))
		}
		found = "it holds only objects of other kinds (" + strings.Join(kinds, ", ") + ")"
	case c.files > 0:
		found = fmt.Sprintf("%d YAML or JSON %s read, with no object in them (an empty List does not say of which kind)", c.files, plural(c.files, "file", "files"))
	case c.skippedFiles > 0:
		found = fmt.Sprintf("%d %s read, none YAML or JSON naming one of these kinds", c.skippedFiles, plural(c.skippedFiles, "file", "files"))
	default:
		found = "it holds no file"
	}
	var want string
	if kind == scenario.SourceMustGather {
		want = "a must-gather is the folder `oc adm must-gather` writes (must-gather.local.*, or one image's folder in it), or an archive of it, " +
			"with resource files under cluster-scoped-resources/ and namespaces/: give that folder or archive"
	} else {
		want = "a dump is the output of `oc get … -o yaml` or `oc get … -o json`: one object, a List, or a multi-document YAML (objects separated by ---), " +
			"in one file or a folder of such files (oc get nodes,mcp,clusterversion -o yaml > dump.yaml)"
	}
	return &FileError{Path: name, Err: fmt.Errorf("%w (%s); %s: %s", ErrNoObjects, kindsRead, found, want)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
