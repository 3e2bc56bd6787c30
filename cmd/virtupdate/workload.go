package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	v1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

func init() { subcommands = append(subcommands, newWorkloadCommand) }

// workloadDecision is one row of `virtupdate workload -o json`; the field
// names are part of the CLI's contract.
type workloadDecision struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Method    string `json:"method"`
	Reason    string `json:"reason"`
}

type workloadOutput struct {
	Decisions []workloadDecision `json:"decisions"`
}

type workloadOptions struct {
	methods          string
	launcherImage    string
	migrations       string
	batchSize        int
	evictionStrategy string
	output           *string
}

func newWorkloadCommand() *cobra.Command {
	o := &workloadOptions{}
	cmd := &cobra.Command{
		Use:   "workload --methods LiveMigrate,Evict [--batch-size N] FILE|-",
		Short: "Show how each VMI would be updated to a new virt-launcher, and why",
		Long: `Reads VirtualMachineInstances as "kubectl get vmi -A -o json" prints them
(from FILE, or standard input for -) and says, for each, whether a workload
update live-migrates it, evicts it or leaves it alone, by KubeVirt's rules,
with the reason and, for evictions, what KubeVirt's eviction webhook will make
of them.

A VMI is outdated when it carries the label kubevirt.io/outdatedLauncherImage,
or, with --launcher-image, when its launcher image differs from that one.
With --migrations (the output of "kubectl get vmim -A -o json"), VMIs with an
unfinished migration are left alone and VMIs whose migrations failed
` + fmt.Sprint(workload.DefaultStuckAfter) + ` times in a row are reported stuck.`,
		Example: `  kubectl get vmi -A -o json | virtupdate workload --methods LiveMigrate,Evict -
  virtupdate workload --methods LiveMigrate --migrations vmims.json -o json vmis.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.methods, "methods", string(v1.WorkloadUpdateMethodLiveMigrate),
		`workload update methods, comma-separated: LiveMigrate, Evict, both, or "" for none (HCO's default is LiveMigrate)`)
	f.StringVar(&o.launcherImage, "launcher-image", "", "the target virt-launcher image; without it only the kubevirt.io/outdatedLauncherImage label marks VMIs outdated")
	f.StringVar(&o.migrations, "migrations", "", "a VirtualMachineInstanceMigration list (kubectl get vmim -A -o json), FILE or -")
	f.IntVar(&o.batchSize, "batch-size", workload.DefaultBatchEvictionSize, "batchEvictionSize: VMIs evicted per batch")
	f.StringVar(&o.evictionStrategy, "eviction-strategy", string(workload.DefaultClusterEvictionStrategy),
		"the cluster's evictionStrategy (None, LiveMigrate, LiveMigrateIfPossible or External) for VMIs that set none; HCO sets LiveMigrate on multi-node clusters")
	o.output = outputFlag(cmd)
	return cmd
}

func (o *workloadOptions) run(cmd *cobra.Command, file string) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	methods, err := workload.ParseMethods(o.methods)
	if err != nil {
		return fmt.Errorf("--methods: %w", err)
	}
	if o.batchSize < 0 {
		return fmt.Errorf("--batch-size %d: want 0 or more (0 evicts nothing)", o.batchSize)
	}
	cluster := v1.EvictionStrategy(o.evictionStrategy)
	switch cluster {
	case v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal:
	default:
		return fmt.Errorf("--eviction-strategy %q: want None, LiveMigrate, LiveMigrateIfPossible or External", o.evictionStrategy)
	}
	if file == "-" && o.migrations == "-" {
		return fmt.Errorf("--migrations -: standard input already holds the VMI list; give the migrations as a file")
	}
	data, err := readInput(cmd, file)
	if err != nil {
		return err
	}
	vmis, err := workload.ReadVMIList(data)
	if err != nil {
		return fmt.Errorf("%s: %w", inputName(file), err)
	}
	var migrations []*v1.VirtualMachineInstanceMigration
	if o.migrations != "" {
		data, err := readInput(cmd, o.migrations)
		if err != nil {
			return err
		}
		if migrations, err = workload.ReadMigrationList(data); err != nil {
			return fmt.Errorf("--migrations %s: %w", inputName(o.migrations), err)
		}
	}

	strategy := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: methods, BatchEvictionSize: &o.batchSize}
	res := decideAll(vmis, migrations, strategy, o.launcherImage, &cluster, o.batchSize)
	w := cmd.OutOrStdout()
	if *o.output == outputJSON {
		return writeJSON(w, workloadOutput{Decisions: res.decisions})
	}
	return writeWorkloadText(w, res)
}

type workloadResult struct {
	decisions []workloadDecision
	blockers  []workload.Blocker
	batches   int
	batchSize int
}

type vmiKey struct{ namespace, name string }

// decideAll decides every VMI, numbers the Evict batches in input order (the
// VMIs whose eviction will be denied take no place in them) and collects the
// blockers.
func decideAll(vmis []*v1.VirtualMachineInstance, migrations []*v1.VirtualMachineInstanceMigration, strategy v1.KubeVirtWorkloadUpdateStrategy,
	launcherImage string, cluster *v1.EvictionStrategy, batchSize int) workloadResult {
	byVMI := map[vmiKey][]*v1.VirtualMachineInstanceMigration{}
	for _, m := range migrations {
		k := vmiKey{m.Namespace, m.Spec.VMIName}
		byVMI[k] = append(byVMI[k], m)
	}
	policy := workload.DefaultPolicy()
	res := workloadResult{decisions: make([]workloadDecision, 0, len(vmis)), batchSize: batchSize}
	evictable := 0
	for _, vmi := range vmis {
		ms := byVMI[vmiKey{vmi.Namespace, vmi.Name}]
		var unfinished *v1.VirtualMachineInstanceMigration
		for _, m := range ms {
			if !m.IsFinal() {
				unfinished = m
			}
		}
		d := workload.Decide(vmi, strategy, launcherImage, unfinished)
		row := workloadDecision{Namespace: vmi.Namespace, Name: vmi.Name, Method: string(d.Method), Reason: d.Reason}
		if cause, _, ok := workload.NotMigratableCause(vmi); ok && d.Method != workload.MethodLiveMigrate && d.Code != workload.CodeUpToDate && workload.Candidate(vmi) {
			row.Reason += " (LiveMigratable: " + cause + ")"
		}
		switch d.Method {
		case workload.MethodLiveMigrate:
			if n, _ := workload.Failures(ms); policy.Stuck(n) {
				row.Method = string(workload.MethodNone)
				row.Reason = fmt.Sprintf("stuck: its last %d migrations failed (%s); fix the cause, then delete its failed migrations to retry", n, lastFailure(ms))
			}
		case workload.MethodEvict:
			p := workload.PredictEviction(vmi, cluster, nil)
			row.Reason += "; eviction: " + p.Reason
			if p.Outcome == workload.EvictionShutsDown || p.Outcome == workload.EvictionMigrates {
				if batchSize > 0 {
					batch := evictable/batchSize + 1
					row.Reason += fmt.Sprintf("; Evict batch %d", batch)
					res.batches = batch
				} else {
					row.Reason += "; batch size 0: never evicted"
				}
				evictable++
			}
		}
		res.decisions = append(res.decisions, row)
		if b, ok := workload.FindBlocker(vmi, strategy, launcherImage, cluster); ok {
			res.blockers = append(res.blockers, b)
		}
	}
	return res
}

// lastFailure is the newest failure reason among a VMI's migrations.
func lastFailure(ms []*v1.VirtualMachineInstanceMigration) string {
	var newest *v1.VirtualMachineInstanceMigration
	for _, m := range ms {
		if m.Status.Phase == v1.MigrationFailed && (newest == nil || m.CreationTimestamp.After(newest.CreationTimestamp.Time)) {
			newest = m
		}
	}
	if newest == nil {
		return "no reason recorded"
	}
	if s := newest.Status.MigrationState; s != nil && s.FailureReason != "" {
		return newest.Name + ": " + s.FailureReason
	}
	return newest.Name + ": no reason recorded"
}

func writeWorkloadText(w io.Writer, res workloadResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tNAME\tMETHOD\tREASON")
	counts := map[string]int{}
	for _, d := range res.decisions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Namespace, d.Name, d.Method, d.Reason)
		counts[d.Method]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d VMIs: %d LiveMigrate, %d Evict, %d None", len(res.decisions),
		counts[string(workload.MethodLiveMigrate)], counts[string(workload.MethodEvict)], counts[string(workload.MethodNone)])
	if res.batches > 0 {
		fmt.Fprintf(w, "; evictions in %d batch(es) of at most %d", res.batches, res.batchSize)
	}
	fmt.Fprintln(w)
	if len(res.blockers) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nBlockers (%d):\n", len(res.blockers))
	for _, b := range res.blockers {
		var what []string
		if b.NeverUpdates {
			what = append(what, "never updates")
		}
		if b.BlocksDrain {
			what = append(what, "blocks node drains")
		}
		fmt.Fprintf(w, "  %s/%s: %s (%s)\n", b.Namespace, b.Name, strings.Join(what, ", "), b.Cause)
		if b.Message != "" {
			fmt.Fprintf(w, "    why: %s\n", b.Message)
		}
		if b.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", b.Fix)
		}
		fmt.Fprintf(w, "    workaround: %s\n", b.Workaround)
	}
	return nil
}

// readInput reads FILE, or standard input for "-".
func readInput(cmd *cobra.Command, name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return data, nil
}

func inputName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
