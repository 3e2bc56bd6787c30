package main

import (
	"fmt"
	"io"
	"os"
	"slices"
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
	// Code names the rule that decided (workload.Code), for programs.
	Code string `json:"code"`
	// Eviction is what evicting the VMI's launcher pod does (a node drain
	// evicts it whatever the method): Migrates, ShutsDown, Denied or
	// External, with Restart for ShutsDown.
	Eviction string `json:"eviction"`
	Restart  string `json:"restart,omitempty"`
	// Blocker is the cause when the VMI never updates or blocks drains.
	Blocker string `json:"blocker,omitempty"`
}

type workloadOutput struct {
	// EvictionStrategy is the cluster-wide strategy the decisions used.
	EvictionStrategy string             `json:"evictionStrategy"`
	Decisions        []workloadDecision `json:"decisions"`
	// Counts are the decisions by method and by eviction outcome.
	Counts workloadCounts `json:"counts"`
	// Blockers are the VMIs that never update or block node drains, with
	// why, the fix and the workaround, as the text output lists them.
	Blockers []workload.Blocker `json:"blockers"`
}

type workloadCounts struct {
	VMIs         int            `json:"vmis"`
	ByMethod     map[string]int `json:"byMethod"`
	ByEviction   map[string]int `json:"byEviction"`
	Blockers     int            `json:"blockers"`
	EvictBatches int            `json:"evictBatches"`
}

type workloadOptions struct {
	methods          string
	all              bool
	launcherImage    string
	migrations       string
	batchSize        int
	evictionStrategy string
	output           *string
}

func newWorkloadCommand() *cobra.Command {
	o := &workloadOptions{}
	cmd := &cobra.Command{
		Use:   "workload [--all] --methods LiveMigrate,Evict [--batch-size N] FILE|-",
		Short: "Show how each VMI would be updated to a new virt-launcher, and why",
		Long: `Reads VirtualMachineInstances as "kubectl get vmi -A -o json" prints them
(from FILE, or standard input for -) and says, for each, whether a workload
update live-migrates it, evicts it or leaves it alone, by KubeVirt's rules,
with the reason and, for evictions, what KubeVirt's eviction webhook will make
of them.

A VMI is outdated when it carries the label kubevirt.io/outdatedLauncherImage,
or, with --launcher-image, when its launcher image differs from that one, or,
with --all, always: an update of OpenShift Virtualization replaces every
virt-launcher, so --all answers "what would an update do to each VMI".

VMIs without their own evictionStrategy take the cluster's: --eviction-strategy,
by default LiveMigrate, what HCO sets on a multi-node cluster (None on a
single-node one); under it a VMI that cannot migrate blocks node drains.
With --migrations (the output of "kubectl get vmim -A -o json"), VMIs with an
unfinished migration are left alone and VMIs whose migrations failed
` + fmt.Sprint(workload.DefaultStuckAfter) + ` times in a row are reported stuck.

A blocker, a VMI that never updates or blocks node drains, is a finding of
severity Error: the command lists each with why, the fix and a workaround
(in -o json under "blockers") and exits 1.

Exit codes: 0 no blocker; 1 blockers (VMIs that never update or block node
drains); 2 bad input or usage.`,
		Example: `  kubectl get vmi -A -o json | virtupdate workload --methods LiveMigrate,Evict -
  virtupdate workload --methods LiveMigrate --migrations vmims.json -o json vmis.json`,
		Args: oneArg(`the VMI list, a FILE or - for standard input, as "kubectl get vmi -A -o json" prints it`),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.methods, "methods", string(v1.WorkloadUpdateMethodLiveMigrate),
		`workload update methods, comma-separated: LiveMigrate, Evict, both (LiveMigrate,Evict), or "" for none (HCO's default is LiveMigrate)`)
	f.StringVar(&o.launcherImage, "launcher-image", "", "the target virt-launcher image; without it only the kubevirt.io/outdatedLauncherImage label marks VMIs outdated")
	f.StringVar(&o.migrations, "migrations", "", "a VirtualMachineInstanceMigration list (kubectl get vmim -A -o json), FILE or -")
	f.IntVar(&o.batchSize, "batch-size", workload.DefaultBatchEvictionSize, "batchEvictionSize: VMIs evicted per batch (with Evict among the methods)")
	f.BoolVar(&o.all, "all", false, "treat every running VMI as outdated, as an update of OpenShift Virtualization does (it replaces every virt-launcher)")
	f.StringVar(&o.evictionStrategy, "eviction-strategy", string(v1.EvictionStrategyLiveMigrate),
		"the cluster-wide evictionStrategy (None, LiveMigrate, LiveMigrateIfPossible or External) for VMIs that set none; the default is HCO's on a multi-node cluster (None on single-node): read yours with oc get hyperconverged -n openshift-cnv -o jsonpath='{.spec.evictionStrategy}'")
	o.output = outputFlag(cmd)
	return cmd
}

func (o *workloadOptions) run(cmd *cobra.Command, file string) error {
	if err := checkOutput(*o.output); err != nil {
		return err
	}
	if err := o.validate(cmd); err != nil {
		return usageError(err)
	}
	if file == "-" && o.migrations == "-" {
		return usageError(fmt.Errorf("--migrations -: standard input already holds the VMI list; give the migrations as a file"))
	}
	methods, _ := workload.ParseMethods(o.methodList())
	data, err := readInput(cmd, file)
	if err != nil {
		return usageError(err)
	}
	vmis, err := workload.ReadVMIList(data)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", inputName(file), err))
	}
	var migrations []*v1.VirtualMachineInstanceMigration
	if o.migrations != "" {
		data, err := readFlagInput(cmd, "--migrations", o.migrations)
		if err != nil {
			return usageError(err)
		}
		if migrations, err = workload.ReadMigrationList(data); err != nil {
			return usageError(fmt.Errorf("--migrations %s: %w", inputName(o.migrations), err))
		}
	}
	image := o.launcherImage
	if o.all {
		vmis = markAllOutdated(vmis)
	}
	cluster := v1.EvictionStrategy(o.evictionStrategy)
	strategy := v1.KubeVirtWorkloadUpdateStrategy{WorkloadUpdateMethods: methods, BatchEvictionSize: &o.batchSize}
	res := decideAll(vmis, migrations, strategy, image, &cluster, o.batchSize)
	w := cmd.OutOrStdout()
	if *o.output != outputText {
		blockers := res.blockers
		if blockers == nil {
			blockers = []workload.Blocker{}
		}
		err = writeData(*o.output, w, workloadOutput{EvictionStrategy: string(cluster), Decisions: res.decisions, Counts: res.counts(), Blockers: blockers})
	} else {
		err = writeWorkloadText(w, res)
	}
	if err != nil {
		return err
	}
	if len(res.blockers) > 0 {
		// A blocker is a finding of severity Error: the update cannot
		// finish (or a drain cannot) until it is dealt with.
		return &exitError{code: exitBlocked, err: fmt.Errorf("%s never %s or %s node drains: the blockers say why, the fix and a workaround",
			plural(len(res.blockers), "VMI", "VMIs"), verb(len(res.blockers), "updates", "update"), verb(len(res.blockers), "blocks", "block"))}
	}
	return nil
}

// verb picks the form of a verb for a count: one, or many.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// markAllOutdated is --all: an update of OpenShift Virtualization replaces
// every virt-launcher, so every VMI is outdated whether or not its
// status.launcherContainerImageVersion is known. It returns copies labelled
// kubevirt.io/outdatedLauncherImage, as virt-controller labels outdated VMIs,
// which workload.Outdated reads when no target image is given; the input is
// left as it is.
func markAllOutdated(vmis []*v1.VirtualMachineInstance) []*v1.VirtualMachineInstance {
	out := make([]*v1.VirtualMachineInstance, len(vmis))
	for i, vmi := range vmis {
		c := vmi.DeepCopy()
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[v1.OutdatedLauncherImageLabel] = ""
		out[i] = c
	}
	return out
}

// methodList is --methods with "both" read as LiveMigrate,Evict.
func (o *workloadOptions) methodList() string {
	if strings.EqualFold(strings.TrimSpace(o.methods), "both") {
		return string(v1.WorkloadUpdateMethodLiveMigrate) + "," + string(v1.WorkloadUpdateMethodEvict)
	}
	return o.methods
}

// validate checks the flags before any input is read.
func (o *workloadOptions) validate(cmd *cobra.Command) error {
	methods, err := workload.ParseMethods(o.methodList())
	if err != nil {
		return fmt.Errorf("--methods %q: %w", o.methods, err)
	}
	if o.batchSize < 0 {
		return fmt.Errorf("--batch-size %d: want 0 or more (0 evicts nothing)", o.batchSize)
	}
	if cmd.Flags().Changed("batch-size") && !slices.Contains(methods, v1.WorkloadUpdateMethodEvict) {
		return fmt.Errorf("--batch-size %d applies only when Evict is among the methods (--methods %q): add Evict, or leave --batch-size out", o.batchSize, o.methods)
	}
	if o.all && o.launcherImage != "" {
		return fmt.Errorf("--all and --launcher-image %s cannot both apply: --all treats every VMI as outdated; give one", o.launcherImage)
	}
	switch v1.EvictionStrategy(o.evictionStrategy) {
	case v1.EvictionStrategyNone, v1.EvictionStrategyLiveMigrate, v1.EvictionStrategyLiveMigrateIfPossible, v1.EvictionStrategyExternal:
	default:
		return fmt.Errorf("--eviction-strategy %q: want None, LiveMigrate, LiveMigrateIfPossible or External", o.evictionStrategy)
	}
	return nil
}

type workloadResult struct {
	decisions []workloadDecision
	blockers  []workload.Blocker
	batches   int
	batchSize int
}

func (r workloadResult) counts() workloadCounts {
	c := workloadCounts{VMIs: len(r.decisions), ByMethod: map[string]int{}, ByEviction: map[string]int{}, Blockers: len(r.blockers), EvictBatches: r.batches}
	for _, d := range r.decisions {
		c.ByMethod[d.Method]++
		if d.Eviction != "" {
			c.ByEviction[d.Eviction]++
		}
	}
	return c
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
		row := workloadDecision{Namespace: vmi.Namespace, Name: vmi.Name, Method: string(d.Method), Reason: d.Reason, Code: string(d.Code)}
		if workload.Candidate(vmi) {
			p := workload.PredictEviction(vmi, cluster, nil)
			row.Eviction, row.Restart = string(p.Outcome), string(p.Restart)
		}
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
		if b, ok := workload.FindBlocker(vmi, strategy, launcherImage, cluster); ok {
			res.blockers = append(res.blockers, b)
			row.Blocker = b.Cause
		}
		res.decisions = append(res.decisions, row)
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
	fmt.Fprintf(w, "\n%s: %d LiveMigrate, %d Evict, %d None", plural(len(res.decisions), "VMI", "VMIs"),
		counts[string(workload.MethodLiveMigrate)], counts[string(workload.MethodEvict)], counts[string(workload.MethodNone)])
	if res.batches > 0 {
		fmt.Fprintf(w, "; evictions in %s of at most %d", plural(res.batches, "batch", "batches"), res.batchSize)
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

// maxInput is the most a command reads from one file or standard input,
// the same cap as an update graph fetched from the network.
var maxInput int64 = 256 << 20

// readInput reads FILE, or standard input for "-", up to maxInput bytes; a
// larger input is an error saying so, never a truncated read.
func readInput(cmd *cobra.Command, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", inputName(name), err)
	}
	if int64(len(data)) > maxInput {
		return nil, fmt.Errorf("reading %s: larger than the limit of %d MiB", inputName(name), maxInput>>20)
	}
	return data, nil
}

func inputName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
