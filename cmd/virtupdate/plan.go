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
	arch                      string
	catalog, acceptRisks      []string
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
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	cmd.Flags().StringVar(&o.from, "from", "", "the versions the cluster runs: OCP, or OCP/CNV (e.g. 4.14.20/4.14.3)")
	cmd.Flags().StringVar(&o.to, "to", "", "the target OpenShift version (e.g. 4.16.3)")
	cmd.Flags().StringVar(&o.graph, "graph", "", graphFlagHelp+"; without it the path is unverified")
	cmd.Flags().StringVar(&o.arch, "arch", "amd64", "the architecture to ask an update service for (with an https:// --graph)")
	cmd.Flags().StringVar(&o.cnv, "cnv", "", "the OpenShift Virtualization version expected at the end (default: the newest z of the target minor)")
	cmd.Flags().StringSliceVar(&o.catalog, "cnv-catalog", nil, "the OpenShift Virtualization versions the stable channel offers, comma-separated")
	cmd.Flags().StringVar(&o.via, "via", "", "the odd-minor OpenShift release an EUS-to-EUS update passes through (default: from --graph, else the newest the cluster offers); only for EUS-to-EUS updates")
	cmd.Flags().StringSliceVar(&o.acceptRisks, "accept-risks", nil, "the risks of conditional updates the path may take, by name, comma-separated (as oc adm upgrade recommend --accept); needs --graph")
	o.output = outputFlag(cmd)
	return cmd
}

// planJSON is the contract's JSON.
type planJSON struct {
	Kind     update.Kind      `json:"kind"`
	From     update.Versions  `json:"from"`
	To       update.Versions  `json:"to"`
	Path     []string         `json:"path,omitempty"`
	Steps    []stepJSON       `json:"steps"`
	Findings []update.Finding `json:"findings"`
	Notes    []string         `json:"notes,omitempty"`
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
	r = update.Request{From: update.Versions{OCP: ocp, CNV: cnv}, To: o.to, CNV: o.cnv, CNVCatalog: o.catalog, Via: o.via, AcceptRisks: o.acceptRisks}
	if err := checkArch(cmd, o.arch, o.graph); err != nil {
		return r, err
	}
	if len(o.acceptRisks) > 0 && o.graph == "" {
		return r, errors.New("--accept-risks needs --graph: without an update graph there are no conditional updates to accept")
	}
	if o.via != "" {
		from, err1 := channel.ParseVersion(ocp)
		to, err2 := channel.ParseVersion(o.to)
		if err1 == nil && err2 == nil && channel.Classify(from, to) != channel.UpdateSkipMinor {
			return r, fmt.Errorf("--via %s applies only to an EUS-to-EUS update; %s → %s is a %s", o.via, ocp, o.to, kindName(channel.Classify(from, to)))
		}
	}
	if o.graph != "" {
		g, err := loadPlanGraph(cmd, o.graph, ocp, o.to, o.arch)
		if err != nil {
			return r, err
		}
		r.Graph = g
	}
	return r, nil
}

// buildPlan picks the kind of plan from the versions (eus.NewPlan).
func buildPlan(r update.Request) (*update.Plan, error) { return eus.NewPlan(r) }

func (o *planOptions) run(cmd *cobra.Command) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	r, err := o.request(cmd)
	if err != nil {
		return usageError(err)
	}
	plan, err := buildPlan(r)
	if err != nil {
		return usageError(planNames.nameIn(err, r))
	}
	out := cmd.OutOrStdout()
	if *o.output != outputText {
		pj := planJSON{Kind: plan.Kind, Steps: []stepJSON{}, From: plan.From, To: plan.To, Path: plan.Path, Findings: planFindings(plan), Notes: plan.Notes}
		for _, st := range plan.Steps {
			pj.Steps = append(pj.Steps, stepJSON{Name: st.Name, Description: st.Description})
		}
		return writeData(*o.output, out, pj)
	}
	return writePlanText(out, plan)
}

func writePlanText(w io.Writer, plan *update.Plan) error {
	fmt.Fprintf(w, "%s: %s\n", planHeadline(plan), plural(len(plan.Steps), "step", "steps"))
	if len(plan.Path) > 1 {
		fmt.Fprintf(w, "path: %s\n", planPathText(plan))
	}
	for _, f := range planFindings(plan) {
		fmt.Fprintf(w, "%s\n", f.String())
	}
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

// planHeadline names the update: its kind and versions, or, when OpenShift
// does not change, an update of OpenShift Virtualization on that OpenShift.
func planHeadline(plan *update.Plan) string {
	if plan.From.OCP != plan.To.OCP {
		return fmt.Sprintf("%s from %s to %s", planKindName(plan.Kind), showVersions(plan.From), showVersions(plan.To))
	}
	s := "OpenShift Virtualization update on OpenShift " + plan.From.OCP
	switch {
	case plan.From.CNV != "" && plan.To.CNV != "":
		s += ", from " + plan.From.CNV + " to " + plan.To.CNV
	case plan.To.CNV != "":
		s += ", to " + plan.To.CNV
	case plan.From.CNV != "":
		s += ", from " + plan.From.CNV + " to the newest " + minorOf(plan.From.CNV) + ".z"
	default:
		s += ", to the newest " + minorOf(plan.From.OCP) + ".z of OpenShift Virtualization"
	}
	return s
}

// minorOf is "4.14" of "4.14.20", or the version itself when it is not one.
func minorOf(v string) string {
	if pv, err := channel.ParseVersion(v); err == nil {
		return pv.MinorVersion().String()
	}
	return v
}

// planFindings are the plan's findings as the user sees them: when
// OpenShift does not change there is no OpenShift path to verify, so the
// warning that it is not verified is left out.
func planFindings(plan *update.Plan) []update.Finding {
	if plan.From.OCP != plan.To.OCP && plan.Findings != nil {
		return plan.Findings
	}
	out := make([]update.Finding, 0, len(plan.Findings))
	for _, f := range plan.Findings {
		if f.Check == update.CheckPath && f.Severity == update.SeverityWarning {
			continue
		}
		out = append(out, f)
	}
	return out
}

func showVersions(v update.Versions) string {
	if v.CNV == "" {
		return "OpenShift " + v.OCP
	}
	return "OpenShift " + v.OCP + " / OpenShift Virtualization " + v.CNV
}

// planKindName names a kind of plan as people say it.
func planKindName(k update.Kind) string {
	switch k {
	case update.KindEUS:
		return "EUS-to-EUS update"
	case update.KindMinor:
		return "minor update"
	case update.KindZStream:
		return "z-stream update"
	}
	return string(k) + " update"
}

// kindName names a class of update as people say it.
func kindName(k channel.UpdateKind) string {
	switch k {
	case channel.UpdateZStream:
		return "z-stream update"
	case channel.UpdateMinor:
		return "minor update"
	case channel.UpdateSkipMinor:
		return "EUS-to-EUS update"
	case channel.UpdateNone:
		return "no update"
	}
	return k.String() + " update"
}

// plural renders "1 step", "2 steps".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
