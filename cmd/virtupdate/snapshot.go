package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/snapshot"
)

func init() { subcommands = append(subcommands, newSnapshotCommand) }

type snapshotOptions struct {
	cluster          clusterFlags
	live             bool
	mustGather, dump string
	file             string
	anonymize        bool
	seed             int64
	output           string
}

func newSnapshotCommand() *cobra.Command {
	o := &snapshotOptions{}
	cmd := &cobra.Command{
		Use:   "snapshot (--live | --must-gather DIR|ARCHIVE | --dump FILE|DIR) [--anonymize] [-f FILE]",
		Short: "Read the state an update depends on, once, into a snapshot file that forecast reads",
		Long: `Reads everything the model of an update needs — nodes, pools, the
ClusterVersion, OpenShift Virtualization's CSVs, Subscription and InstallPlans,
the HyperConverged, the KubeVirt CR, VMs, VMIs, migrations, PodDisruptionBudgets
and NodeMaintenances — into one snapshot: the object form of a scenario, every
object as found (see the scenario package's documentation for the format).

Sources, one of:
  --live            the cluster of the kubeconfig (--kubeconfig, --context, -n),
                    read-only and paged; no Secret, token or pod is read (the
                    read-only role "virtupdate-reader" of deploy/rbac-readonly.yaml is
                    enough)
  --must-gather     a must-gather directory or archive (.tar, .tar.gz, .tar.xz):
                    the OpenShift layout (oc adm inspect) and kubevirt/must-gather's,
                    several images' folders, objects deduplicated, copied CSVs left out
  --dump            the output of "oc get … -o yaml|json": one file (a List) or a
                    folder of them

What the source lacks (a kubevirt must-gather has no ClusterVersion or pools) is
listed in the snapshot's "missing" and on standard error: a forecast holds none
of it, and needs the ClusterVersion (the version the cluster runs cannot be
assumed). A cluster without OpenShift Virtualization is written as
withoutCNV: true, and its forecast updates the platform alone. --anonymize replaces names consistently (namespaces, VMs,
nodes, and every reference to them), so a snapshot can be shared.

The snapshot is YAML by default; -o json writes the same objects as JSON.
forecast --snapshot reads either (-o text is the default YAML: a snapshot
is a file for programs, not a report).

` + exitCodesHelp,
		Example: `  virtupdate snapshot --live -f cluster.yaml
  virtupdate snapshot --must-gather must-gather.local.tar.gz --anonymize -f shared.yaml
  virtupdate forecast --snapshot cluster.yaml --to 4.16.3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.live, "live", false, "read the cluster of the kubeconfig (read-only)")
	f.StringVar(&o.mustGather, "must-gather", "", "a must-gather directory or archive")
	f.StringVar(&o.dump, "dump", "", `the output of "oc get … -o yaml|json": a file or a folder`)
	f.StringVarP(&o.file, "file", "f", "", "write the snapshot to FILE instead of standard output")
	f.BoolVar(&o.anonymize, "anonymize", false, "replace names consistently, so the snapshot can be shared")
	f.Int64Var(&o.seed, "seed", 1, "the seed of --anonymize's names")
	f.StringVarP(&o.output, "output", "o", outputYAML, "the snapshot's format: yaml or json (text is yaml)")
	o.cluster.register(cmd)
	return cmd
}

func (o *snapshotOptions) run(cmd *cobra.Command) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{o.live, o.mustGather != "", o.dump != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return usageError(errors.New("give exactly one source: --live, --must-gather DIR|ARCHIVE or --dump FILE|DIR"))
	}
	if !o.live {
		for _, name := range []string{"kubeconfig", "context", "namespace", "request-timeout"} {
			if cmd.Flags().Changed(name) {
				return usageError(fmt.Errorf("--%s applies only to --live", name))
			}
		}
	}
	if cmd.Flags().Changed("seed") && !o.anonymize {
		return usageError(errors.New("--seed applies only to --anonymize"))
	}
	var objs *scenario.Objects
	var err error
	switch {
	case o.live:
		if err := o.cluster.validate(); err != nil {
			return err
		}
		c, cerr := connect(&o.cluster)
		if cerr != nil {
			return clusterError(cerr)
		}
		ctx, cancel := context.WithTimeout(cmdContext(cmd), 10*o.cluster.timeout)
		defer cancel()
		objs, err = snapshot.ReadCluster(ctx, c, snapshot.ClusterOptions{Name: o.cluster.context})
		if err != nil {
			return clusterError(err)
		}
	case o.mustGather != "":
		if objs, err = snapshot.ReadMustGather(o.mustGather, snapshot.Options{}); err != nil {
			return usageError(fmt.Errorf("--must-gather: %w", err))
		}
	default:
		if o.dump == "-" {
			objs, err = snapshot.ReadDumpFrom(cmd.InOrStdin(), "standard input", snapshot.Options{})
		} else {
			objs, err = snapshot.ReadDump(o.dump, snapshot.Options{})
		}
		if err != nil {
			return usageError(fmt.Errorf("--dump: %w", err))
		}
	}
	if o.anonymize {
		objs = snapshot.Anonymize(objs, o.seed)
	}
	if msg := objs.DescribeMissing(); msg != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), msg)
	}
	var w io.Writer = cmd.OutOrStdout()
	if o.file != "" {
		f, err := os.Create(o.file)
		if err != nil {
			return usageError(fmt.Errorf("-f: %w", err))
		}
		defer f.Close()
		w = f
	}
	var data []byte
	if o.output == outputJSON {
		data, err = scenario.MarshalJSON(objs)
		data = append(data, '\n')
	} else {
		data, err = scenario.Marshal(objs)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
