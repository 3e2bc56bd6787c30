package conditions

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const pkg = "kubevirt-hyperconverged-operator.v"

func csv(version, replaces string, phase CSVPhase) CSV {
	r := ""
	if replaces != "" {
		r = pkg + replaces
	}
	return CSV{Name: pkg + version, DisplayName: "OpenShift Virtualization", Version: version, Replaces: r, Phase: phase}
}

func TestReadOperatorUpdate(t *testing.T) {
	pending := csv("4.14.4", "4.14.3", CSVPhasePending)
	pending.Reason, pending.Message = CSVReasonOperatorConditionNotUpgradeable, "operator is not upgradeable: KubeVirt is progressing"
	failed := csv("4.14.4", "4.14.3", CSVPhaseFailed)
	failed.Reason, failed.Message = "InstallCheckFailed", "install timeout"

	tests := []struct {
		name, reason, target string
		csvs                 []CSV
		want                 OperatorUpdate
		summary              string
	}{{
		name: "installing", reason: "the new CSV Installing replaces the old one, which is Replacing",
		csvs: []CSV{csv("4.14.3", "4.14.2", CSVPhaseReplacing), csv("4.14.4", "4.14.3", CSVPhaseInstalling)},
		want: OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4",
			Phase: CSVPhaseInstalling, FromPhase: CSVPhaseReplacing, Started: true},
		summary: "is Installing",
	}, {
		name: "succeeded", reason: "done when the target's phase is Succeeded, even while the old CSV is still Deleting",
		csvs: []CSV{csv("4.14.3", "", CSVPhaseDeleting), csv("4.14.4", "4.14.3", CSVPhaseSucceeded)},
		want: OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4",
			Phase: CSVPhaseSucceeded, FromPhase: CSVPhaseDeleting, Started: true, Done: true},
		summary: "succeeded",
	}, {
		name: "old CSV gone", reason: "with the old CSV removed, From is read from the name the target replaces",
		csvs: []CSV{csv("4.14.4", "4.14.3", CSVPhaseSucceeded)},
		want: OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4",
			Phase: CSVPhaseSucceeded, Started: true, Done: true},
		summary: "from 4.14.3 to 4.14.4 succeeded",
	}, {
		name: "pending, not upgradeable", reason: "a target Pending with OperatorConditionNotUpgradeable is blocked by the old operator",
		csvs: []CSV{csv("4.14.3", "", CSVPhaseSucceeded), pending},
		want: OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4",
			Phase: CSVPhasePending, FromPhase: CSVPhaseSucceeded, Started: true, BlockedByUpgradeable: true},
		summary: "Upgradeable=False",
	}, {
		name: "pending for another reason", reason: "Pending for another reason is not a block by Upgradeable",
		csvs:    []CSV{csv("4.14.4", "4.14.3", CSVPhasePending)},
		want:    OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4", Phase: CSVPhasePending, Started: true},
		summary: "is Pending",
	}, {
		name: "failed", reason: "a Failed target is reported with its reason",
		csvs: []CSV{csv("4.14.3", "", CSVPhaseReplacing), failed},
		want: OperatorUpdate{From: "4.14.3", To: "4.14.4", FromCSV: pkg + "4.14.3", ToCSV: pkg + "4.14.4",
			Phase: CSVPhaseFailed, FromPhase: CSVPhaseReplacing, Started: true},
		summary: "install timeout",
	}, {
		name: "target not yet there", reason: "a target version with no CSV yet has not started",
		target: "4.15.0", csvs: []CSV{csv("4.14.4", "4.14.3", CSVPhaseSucceeded)},
		want:    OperatorUpdate{To: "4.15.0"},
		summary: "not started",
	}, {
		name: "explicit target", reason: "the target version picks the CSV even when it is not the head",
		target: "4.14.3", csvs: []CSV{csv("4.14.3", "4.14.2", CSVPhaseReplacing), csv("4.14.4", "4.14.3", CSVPhaseInstalling)},
		want:    OperatorUpdate{From: "4.14.2", To: "4.14.3", FromCSV: pkg + "4.14.2", ToCSV: pkg + "4.14.3", Phase: CSVPhaseReplacing, Started: true},
		summary: "is Replacing",
	}, {
		name: "fresh install", reason: "a CSV that replaces nothing has no From",
		csvs:    []CSV{csv("4.14.0", "", CSVPhaseInstalling)},
		want:    OperatorUpdate{To: "4.14.0", ToCSV: pkg + "4.14.0", Phase: CSVPhaseInstalling, Started: true},
		summary: "from nothing to 4.14.0",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadOperatorUpdate(tt.csvs, tt.target)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if !strings.Contains(got.Summary, tt.summary) {
				t.Errorf("%s\nsummary %q should contain %q", tt.reason, got.Summary, tt.summary)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(OperatorUpdate{}, "Summary")); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, d)
			}
		})
	}
}

func TestReadOperatorUpdateErrors(t *testing.T) {
	other := CSV{Name: "other-operator.v1.0.0", Version: "1.0.0", Phase: CSVPhaseSucceeded}
	a := csv("4.14.3", "4.14.4", CSVPhaseSucceeded)
	b := csv("4.14.4", "4.14.3", CSVPhaseSucceeded)
	for _, tt := range []struct {
		reason, mention string
		csvs            []CSV
	}{
		{"two operators' CSVs have two heads", "other-operator.v1.0.0", []CSV{csv("4.14.4", "4.14.3", CSVPhaseSucceeded), other}},
		{"a replaces cycle has no head", "no CSV is the head", []CSV{a, b}},
		{"no CSVs at all has no head", "given 0 CSVs", nil},
	} {
		_, err := ReadOperatorUpdate(tt.csvs, "")
		if !errors.Is(err, ErrNoTargetCSV) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want ErrNoTargetCSV mentioning %q", tt.reason, err, tt.mention)
		}
	}
}

func TestVersionFromCSVName(t *testing.T) {
	for name, want := range map[string]string{
		"kubevirt-hyperconverged-operator.v4.14.3": "4.14.3",
		"a.very.v2.b.v1.2.3":                       "1.2.3",
		"something.vnext":                          "",
		"noversion":                                "",
		"x.v":                                      "",
	} {
		if got := versionFromCSVName(name); got != want {
			t.Errorf("versionFromCSVName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestWriteCSVTable(t *testing.T) {
	var b strings.Builder
	if err := WriteCSVTable(&b, []CSV{csv("4.14.3", "4.14.2", CSVPhaseReplacing), csv("4.14.4", "4.14.3", CSVPhaseInstalling)}); err != nil {
		t.Fatal(err)
	}
	want := `NAME                                       DISPLAY                    VERSION   REPLACES                                   PHASE
kubevirt-hyperconverged-operator.v4.14.3   OpenShift Virtualization   4.14.3    kubevirt-hyperconverged-operator.v4.14.2   Replacing
kubevirt-hyperconverged-operator.v4.14.4   OpenShift Virtualization   4.14.4    kubevirt-hyperconverged-operator.v4.14.3   Installing
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("oc get csv columns (-want +got):\n%s", d)
	}
}
