package conditions

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// CSVPhase is a ClusterServiceVersion's status.phase. The values are OLM's
// (github.com/operator-framework/api pkg/operators/v1alpha1); they are
// repeated here so this package does not pull OLM's client dependencies.
type CSVPhase string

// OLM's CSV phases.
const (
	CSVPhaseNone         CSVPhase = ""
	CSVPhasePending      CSVPhase = "Pending"
	CSVPhaseInstallReady CSVPhase = "InstallReady"
	CSVPhaseInstalling   CSVPhase = "Installing"
	CSVPhaseSucceeded    CSVPhase = "Succeeded"
	CSVPhaseFailed       CSVPhase = "Failed"
	CSVPhaseUnknown      CSVPhase = "Unknown"
	CSVPhaseReplacing    CSVPhase = "Replacing"
	CSVPhaseDeleting     CSVPhase = "Deleting"
)

// CSVReasonOperatorConditionNotUpgradeable is the reason OLM gives a CSV it
// keeps Pending because the operator it replaces reports Upgradeable=False.
const CSVReasonOperatorConditionNotUpgradeable = "OperatorConditionNotUpgradeable"

// CSV is the part of a ClusterServiceVersion an update is read from. The
// field names follow the object's (metadata.name, spec.displayName,
// spec.version, spec.replaces, status.phase, status.reason, status.message).
type CSV struct {
	Name        string
	DisplayName string
	Version     string
	Replaces    string
	Phase       CSVPhase
	Reason      string
	Message     string
}

// OperatorUpdate is the state of an operator update read from its CSVs.
type OperatorUpdate struct {
	// From and To are the versions updated from and to. From is empty when
	// the target replaces nothing (a fresh install). When the old CSV is
	// already gone, From is read from the name the target replaces
	// ("kubevirt-hyperconverged-operator.v4.14.3" → "4.14.3").
	From, To string
	// FromCSV and ToCSV are the CSV names; FromCSV is the target's replaces.
	FromCSV, ToCSV string
	// Phase is the target CSV's phase; FromPhase is the old CSV's phase, or
	// empty when it is gone.
	Phase, FromPhase CSVPhase
	// Started is false while the target CSV does not exist yet (for example
	// its InstallPlan awaits approval).
	Started bool
	// BlockedByUpgradeable is true when OLM keeps the target Pending because
	// the old operator reports Upgradeable=False.
	BlockedByUpgradeable bool
	// Done is true when the target CSV's phase is Succeeded.
	Done bool
	// Summary says in one sentence where the update stands.
	Summary string
}

// ErrNoTargetCSV is returned by ReadOperatorUpdate when it cannot tell which
// CSV is the update's target.
var ErrNoTargetCSV = errors.New("cannot tell the target CSV")

// ReadOperatorUpdate reads the state of an operator update from the CSVs of
// one operator's namespace (the rows of `oc get csv`). target is the version
// updated to; empty means the head of the replaces chain, the one CSV no
// other CSV replaces. A target not among the CSVs yet is reported as not
// started, not as an error.
func ReadOperatorUpdate(csvs []CSV, target string) (OperatorUpdate, error) {
	byName := make(map[string]*CSV, len(csvs))
	for i := range csvs {
		byName[csvs[i].Name] = &csvs[i]
	}
	var to *CSV
	if target == "" {
		replaced := make(map[string]bool, len(csvs))
		for _, c := range csvs {
			if c.Replaces != "" {
				replaced[c.Replaces] = true
			}
		}
		var heads []string
		for i := range csvs {
			if !replaced[csvs[i].Name] {
				heads = append(heads, csvs[i].Name)
				to = &csvs[i]
			}
		}
		switch {
		case len(heads) == 0:
			return OperatorUpdate{}, fmt.Errorf("%w: no CSV is the head of a replaces chain (given %d CSVs); pass the target version", ErrNoTargetCSV, len(csvs))
		case len(heads) > 1:
			sort.Strings(heads)
			return OperatorUpdate{}, fmt.Errorf("%w: %d CSVs are heads of a replaces chain (%s); pass only one operator's CSVs or the target version",
				ErrNoTargetCSV, len(heads), strings.Join(heads, ", "))
		}
	} else {
		for i := range csvs {
			if csvs[i].Version == target {
				to = &csvs[i]
				break
			}
		}
		if to == nil {
			return OperatorUpdate{To: target, Summary: "the CSV of version " + target + " does not exist yet: the update has not started (an InstallPlan may await approval)"}, nil
		}
	}

	u := OperatorUpdate{To: to.Version, ToCSV: to.Name, FromCSV: to.Replaces, Phase: to.Phase, Started: true}
	if old, ok := byName[to.Replaces]; ok {
		u.From, u.FromPhase = old.Version, old.Phase
	} else if to.Replaces != "" {
		u.From = versionFromCSVName(to.Replaces)
	}
	u.Done = to.Phase == CSVPhaseSucceeded
	u.BlockedByUpgradeable = to.Phase == CSVPhasePending && to.Reason == CSVReasonOperatorConditionNotUpgradeable
	u.Summary = summarize(u, to)
	return u, nil
}

func summarize(u OperatorUpdate, to *CSV) string {
	from := u.From
	if from == "" {
		from = "nothing"
	}
	head := "update from " + from + " to " + u.To
	switch {
	case u.Done && u.FromPhase != "":
		return head + " succeeded; the old CSV is " + string(u.FromPhase) + " and will be removed"
	case u.Done:
		return head + " succeeded"
	case u.BlockedByUpgradeable:
		return head + " is Pending: the running operator reports Upgradeable=False (" + to.Message + "); it starts once the operator is upgradeable"
	case to.Phase == CSVPhaseFailed:
		return head + " failed (" + to.Reason + ": " + to.Message + "); both CSVs remain"
	case to.Phase == "":
		return head + " has no phase yet"
	}
	return head + " is " + string(to.Phase)
}

// versionFromCSVName returns the version in a CSV name of the form
// "<package>.v<version>", or "" when the name has no such part.
func versionFromCSVName(name string) string {
	i := strings.LastIndex(name, ".v")
	for i >= 0 {
		if rest := name[i+2:]; rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return rest
		}
		i = strings.LastIndex(name[:i], ".v")
	}
	return ""
}

// WriteCSVTable renders CSVs as `oc get csv` does: NAME, DISPLAY, VERSION,
// REPLACES and PHASE columns, in the order given.
func WriteCSVTable(w io.Writer, csvs []CSV) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDISPLAY\tVERSION\tREPLACES\tPHASE")
	for _, c := range csvs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.DisplayName, c.Version, c.Replaces, c.Phase)
	}
	return tw.Flush()
}
