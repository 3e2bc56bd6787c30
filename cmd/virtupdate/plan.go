package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/eus"
	"github.com/virtupdate/virtupdate/update"
)

func init() { subcommands = append(subcommands, newPlanCommand) }

type planOptions struct {
	from, to, graph, cnv, via string
	catalog                   []string
	output                    *string
}

func newPlanCommand() *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --from OCP[/CNV] --to OCP [--graph FILE]",
		Short: "Print the ordered steps of an update: z-stream, minor, or EUS to EUS",
		Long: `Print the ordered steps of an update of OpenShift and OpenShift Virtualization.

The kind follows from the versions: the same minor is a z-stream (OpenShift
Virtualization goes straight to the newest z of its minor), the next minor a
minor update (OpenShift first, then OpenShift Virtualization), and an EUS minor
to the next EUS minor an EUS-to-EUS update with the worker pools paused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	cmd.Flags().StringVar(&o.from, "from", "", "the versions the cluster runs: OCP, or OCP/CNV (e.g. 4.14.20/4.14.3)")
	cmd.Flags().StringVar(&o.to, "to", "", "the target OpenShift version (e.g. 4.16.3)")
	cmd.Flags().StringVar(&o.graph, "graph", "", "an update graph JSON file: the target must be reachable in it, and an EUS plan takes its odd-minor release from it")
	cmd.Flags().StringVar(&o.cnv, "cnv", "", "the OpenShift Virtualization version expected at the end (default: the newest z of the target minor)")
	cmd.Flags().StringSliceVar(&o.catalog, "cnv-catalog", nil, "the OpenShift Virtualization versions the stable channel offers, comma-separated")
	cmd.Flags().StringVar(&o.via, "via", "", "the odd-minor OpenShift release an EUS update passes through (default: from --graph, else the newest the cluster offers)")
	o.output = outputFlag(cmd)
	return cmd
}

// planJSON is the contract's JSON.
type planJSON struct {
	Kind  update.Kind `json:"kind"`
	Steps []stepJSON  `json:"steps"`
}

type stepJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (o *planOptions) request(cmd *cobra.Command) (update.Request, error) {
	var r update.Request
	if o.from == "" {
		return r, errors.New("--from is required: the versions the cluster runs, OCP or OCP/CNV (e.g. 4.14.20/4.14.3)")
	}
	if o.to == "" {
		return r, errors.New("--to is required: the target OpenShift version (e.g. 4.16.3)")
	}
	ocp, cnv, _ := strings.Cut(o.from, "/")
	r = update.Request{From: update.Versions{OCP: ocp, CNV: cnv}, To: o.to, CNV: o.cnv, CNVCatalog: o.catalog, Via: o.via}
	if o.graph != "" {
		data, err := readInput(cmd, o.graph)
		if err != nil {
			return r, fmt.Errorf("--graph: %w", err)
		}
		g, err := channel.ParseGraph(data)
		if err != nil {
			return r, fmt.Errorf("--graph %s: %w", o.graph, err)
		}
		r.Graph = g
	}
	return r, nil
}

// buildPlan picks the kind of plan from the versions.
func buildPlan(r update.Request) (*update.Plan, error) {
	from, err1 := channel.ParseVersion(r.From.OCP)
	to, err2 := channel.ParseVersion(r.To)
	if err1 == nil && err2 == nil && channel.Classify(from, to) == channel.UpdateSkipMinor {
		return eus.Plan(r)
	}
	return update.NewPlan(r)
}

func (o *planOptions) run(cmd *cobra.Command) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	r, err := o.request(cmd)
	if err != nil {
		return err
	}
	plan, err := buildPlan(r)
	if err != nil {
		return flagError(err)
	}
	if r.Graph != nil {
		if _, err := r.Graph.FindPath(r.From.OCP, r.To, channel.PathOptions{}); err != nil {
			return fmt.Errorf("--to %s is not reachable from %s in %s: %w", r.To, r.From.OCP, o.graph, err)
		}
	}
	out := cmd.OutOrStdout()
	if *o.output == outputJSON {
		pj := planJSON{Kind: plan.Kind, Steps: []stepJSON{}}
		for _, st := range plan.Steps {
			pj.Steps = append(pj.Steps, stepJSON{Name: st.Name, Description: st.Description})
		}
		return writeJSON(out, pj)
	}
	return writePlanText(out, plan)
}

// flagError names the flag behind a plan refusal's field.
func flagError(err error) error {
	var re *update.RefusalError
	if !errors.As(err, &re) {
		return err
	}
	flag := map[string]string{"From.OCP": "--from", "From.CNV": "--from (OCP/CNV)", "To": "--to", "Via": "--via", "CNV": "--cnv"}[re.Field]
	if flag == "" && strings.HasPrefix(re.Field, "CNVCatalog") {
		flag = "--cnv-catalog"
	}
	if flag == "" {
		return err
	}
	return fmt.Errorf("%s: %w", flag, err)
}

func writePlanText(w io.Writer, plan *update.Plan) error {
	fmt.Fprintf(w, "%s update from %s to %s: %d steps\n", plan.Kind, showVersions(plan.From), showVersions(plan.To), len(plan.Steps))
	for i, st := range plan.Steps {
		mark := ""
		if st.Changes {
			mark = " [changes the cluster]"
		}
		fmt.Fprintf(w, "%2d. %s%s\n    %s\n", i+1, st.Name, mark, st.Description)
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func showVersions(v update.Versions) string {
	if v.CNV == "" {
		return "OpenShift " + v.OCP
	}
	return "OpenShift " + v.OCP + " / OpenShift Virtualization " + v.CNV
}
