package forecast

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/virtupdate/virtupdate/update"
)

// CSVHeader is the header row of WriteCSV, one column per field.
var CSVHeader = []string{"namespace", "name", "node", "finalNode", "outcome", "moves", "nodeRollMoves", "workloadUpdateMoves", "otherMoves",
	"firstMoveSeconds", "lastMoveSeconds", "downtimeSeconds", "failedMigrations", "moveReasons", "reason"}

// WriteCSV writes one row per VM of the median run after a header row
// (CSVHeader), quoted as RFC 4180 says (encoding/csv). Seconds are plain
// numbers; a VM that never moved has empty first and last move columns;
// moveReasons are joined with "; ".
func (f *Forecast) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	for _, vm := range f.VMs {
		row := []string{vm.Namespace, vm.Name, vm.Node, vm.FinalNode, string(vm.Outcome), strconv.Itoa(vm.Moves),
			strconv.Itoa(vm.NodeRollMoves), strconv.Itoa(vm.WorkloadUpdateMoves), strconv.Itoa(vm.OtherMoves),
			opt(vm.FirstMoveSeconds), opt(vm.LastMoveSeconds), num(vm.DowntimeSeconds), strconv.Itoa(vm.FailedMigrations),
			strings.Join(vm.MoveReasons, "; "), vm.Reason}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// TextVMs is how many VMs of each outcome other than migrated WriteText
// lists by name.
const TextVMs = 20

// WriteText writes the forecast for people: the ETA, the median run's
// timeline, the VMs by outcome, the namespaces and nodes, and what held
// the update up. Nothing is cut: the VMs past TextVMs of an outcome are
// counted, and -o json or csv lists them all.
func (f *Forecast) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	s := &f.Summary
	ew.printf("Forecast of the %s, %s → %s\n", kindName(s.Kind), showVersions(s.From), showVersions(s.To))
	vary := "the timing varied per run"
	if s.Variation == NoVariation {
		vary = "the scenario's timing in every run"
	}
	ew.printf("%s, seed %d, %s\n\n", plural(s.Runs, "run", "runs"), s.Seed, vary)

	ew.printf("ETA:     P10 %s, P50 %s, P90 %s (shortest %s, longest %s)\n", s.ETAP10, s.ETAP50, s.ETAP90, s.ETAMin, s.ETAMax)
	if s.RunsStopped > 0 {
		ew.printf("         a run the update stopped in counts the time until it stopped\n")
	}
	if s.Window != "" {
		ew.printf("Window:  %s; the ETA counts the waits for it\n", s.Window)
	}
	switch {
	case s.RunsStopped == 0 && s.Runs == 1:
		ew.printf("Result:  the run finished\n")
	case s.RunsStopped == 0:
		ew.printf("Result:  all %d runs finished\n", s.Runs)
	default:
		ew.printf("Result:  the update stopped in %d of %s\n", s.RunsStopped, plural(s.Runs, "run", "runs"))
		for _, g := range stoppedGroups(s.PerRun) {
			ew.printf("  %s: %s\n", g.runs, g.why)
		}
	}
	ew.printf("Details: from run %d, the median by duration (%s)\n\n", s.MedianRun, s.ETAP50)

	ew.printf("Timeline of the median run (virtual time since the start):\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  START\tSTEP\tDURATION\tP10–P90 OVER THE RUNS\tRESULT\tWHAT HAPPENED\n")
	for _, p := range f.Timeline {
		spread := ""
		if p.DurationP90Seconds > 0 {
			spread = FormatDuration(secondsDuration(p.DurationP10Seconds)) + "–" + FormatDuration(secondsDuration(p.DurationP90Seconds))
		}
		var what []string
		if p.Migrations > 0 {
			what = append(what, plural(p.Migrations, "migration", "migrations"))
		}
		if p.FailedMigrations > 0 {
			what = append(what, plural(p.FailedMigrations, "failed migration", "failed migrations"))
		}
		if p.ShutDowns > 0 {
			what = append(what, plural(p.ShutDowns, "VM shutdown", "VM shutdowns"))
		}
		if p.NodesDrained > 0 {
			what = append(what, plural(p.NodesDrained, "node drained", "nodes drained"))
		}
		if p.NodesUpdated > 0 {
			what = append(what, plural(p.NodesUpdated, "node updated", "nodes updated"))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", p.Start, p.Step, p.Duration, spread, p.Result, strings.Join(what, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range f.Timeline {
		if p.Result == "failed" {
			ew.printf("  %s stopped the update: %s\n", p.Step, p.Status)
		}
	}

	o := s.Outcomes
	ew.printf("\nVMs:       %s: %d migrated, %d shut down, %d deleted, %d blocked, %d untouched\n",
		plural(s.VMs, "VM", "VMs"), o.Migrated, o.ShutDown, o.Deleted, o.Blocked, o.Untouched)
	ew.printf("Moves:     %s: %d by node rolls, %d by the workload update, %d other; %s moved twice or more\n",
		plural(s.Moves, "move", "moves"), s.NodeRollMoves, s.WorkloadUpdateMoves, s.OtherMoves, plural(s.VMsMovedTwice, "VM", "VMs"))
	if s.FailedMigrations > 0 {
		ew.printf("Failed:    %s (retried, or given up)\n", plural(s.FailedMigrations, "migration", "migrations"))
	}
	down := 0
	for _, vm := range f.VMs {
		if vm.DowntimeSeconds > 0 {
			down++
		}
	}
	if down == 0 {
		ew.printf("Downtime:  none\n")
	} else {
		ew.printf("Downtime:  %s in all, over %s\n", s.Downtime, plural(down, "VM", "VMs"))
	}

	if len(f.Namespaces) > 0 {
		ew.printf("\nNamespaces:\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  NAMESPACE\tVMS\tMOVES\tMIGRATED\tSHUT DOWN\tDELETED\tBLOCKED\tUNTOUCHED\tDOWNTIME\n")
		for _, ns := range f.Namespaces {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", ns.Namespace, ns.VMs, ns.Moves, ns.Outcomes.Migrated,
				ns.Outcomes.ShutDown, ns.Outcomes.Deleted, ns.Outcomes.Blocked, ns.Outcomes.Untouched, ns.Downtime)
		}
		fmt.Fprintf(tw, "  total\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", s.VMs, s.Moves, o.Migrated, o.ShutDown, o.Deleted, o.Blocked, o.Untouched, s.Downtime)
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	ew.printf("\nNodes: %s drained of %d\n", plural(s.NodesDrained, "node", "nodes"), len(f.Nodes))
	if s.NodesDrained > 0 {
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  NODE\tPOOL\tVMS AT START\tMOVED OUT\tDRAIN START\tDRAIN END\tBACK\n")
		for _, n := range f.Nodes {
			for i, d := range n.Drains {
				name, pool, at := n.Name, n.Pool, strconv.Itoa(n.VMsAtStart)
				if i > 0 {
					name, pool, at = "", "", ""
				}
				end, back := cmpOr(d.End, "not drained"), cmpOr(d.Updated, "not back")
				if d.NotReady {
					back = "did not come back"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\t%s\n", name, pool, at, d.VMsMovedOut, d.Start, end, back)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	listed := false
	for _, out := range []Outcome{Blocked, Deleted, ShutDown, Untouched} {
		var vms []VM
		for _, vm := range f.VMs {
			if vm.Outcome == out {
				vms = append(vms, vm)
			}
		}
		if len(vms) == 0 {
			continue
		}
		listed = true
		ew.printf("\n%s (%d):\n", outcomeTitle(out), len(vms))
		for i, vm := range vms {
			if i == TextVMs {
				ew.printf("  … and %d more\n", len(vms)-TextVMs)
				break
			}
			ew.printf("  %s/%s: %s", vm.Namespace, vm.Name, plural(vm.Moves, "move", "moves"))
			switch {
			case vm.Moves == 1:
				ew.printf(" (at %s)", vm.FirstMove)
			case vm.Moves > 1:
				ew.printf(" (%s to %s)", vm.FirstMove, vm.LastMove)
			}
			if vm.DowntimeSeconds > 0 {
				ew.printf(", down %s", vm.Downtime)
			}
			ew.printf(": %s\n", vm.Reason)
		}
	}
	if listed {
		ew.printf("(-o json or -o csv lists every VM with its moves)\n")
	}
	if len(s.Blockers) > 0 {
		ew.printf("\nBlockers:\n")
		for _, b := range s.Blockers {
			ew.printf("  %s\n", b)
		}
	}
	if len(s.Findings) > 0 {
		ew.printf("\nPre-flight findings:\n")
		for _, fd := range s.Findings {
			ew.printf("  %s\n", fd)
		}
	}
	if len(s.Notes) > 0 {
		ew.printf("\nNotes:\n")
		for _, n := range s.Notes {
			ew.printf("  %s\n", n)
		}
	}
	return ew.err
}

type stopGroup struct{ runs, why string }

// stoppedGroups groups the stopped runs by their error, in the order of
// the first run of each: "runs 0, 2 and 5".
func stoppedGroups(runs []RunSummary) []stopGroup {
	var whys []string
	by := map[string][]string{}
	for _, r := range runs {
		if r.Result == "done" {
			continue
		}
		if by[r.Result] == nil {
			whys = append(whys, r.Result)
		}
		by[r.Result] = append(by[r.Result], strconv.Itoa(r.Index)+" ("+r.Duration+")")
	}
	out := make([]stopGroup, 0, len(whys))
	for _, why := range whys {
		ids := by[why]
		label := "run " + ids[0]
		if n := len(ids); n > 1 {
			label = "runs " + strings.Join(ids[:n-1], ", ") + " and " + ids[n-1]
		}
		out = append(out, stopGroup{runs: label, why: why})
	}
	return out
}

func outcomeTitle(o Outcome) string {
	switch o {
	case Blocked:
		return "Blocked VMs, which hold the update up"
	case Deleted:
		return "Deleted VMIs, which had no VirtualMachine"
	case ShutDown:
		return "VMs shut down"
	}
	return "VMs left untouched"
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// plural is "1 VM", "2 VMs", "0 VMs".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func kindName(k update.Kind) string {
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

func showVersions(v update.Versions) string {
	if v.CNV == "" {
		return "OpenShift " + v.OCP
	}
	return "OpenShift " + v.OCP + " / OpenShift Virtualization " + v.CNV
}
