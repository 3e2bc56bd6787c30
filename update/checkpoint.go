package update

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	kubevirtv1 "kubevirt.io/api/core/v1"
)

// DefaultCheckpointName is the name of the record Run keeps when
// Options.Checkpoint is empty.
const DefaultCheckpointName = "virtupdate-plan"

// Versions are the OpenShift and OpenShift Virtualization versions of a
// cluster at one moment.
type Versions struct {
	// OCP is the platform version, e.g. "4.14.20".
	OCP string `json:"ocp"`
	// CNV is the OpenShift Virtualization version, e.g. "4.14.3"; empty when
	// not known.
	CNV string `json:"cnv,omitempty"`
}

// MethodsBackup is spec.workloadUpdateStrategy.workloadUpdateMethods as it
// was found, keeping its three states apart: absent (Present false), `[]`
// (Present true, Methods empty) or a list, in its order.
type MethodsBackup struct {
	// Present is false when the field was absent.
	Present bool `json:"present"`
	// Methods is the list, exactly as found; empty for `[]`.
	Methods []kubevirtv1.WorkloadUpdateMethod `json:"methods"`
}

// BackupMethods records a value of the field, as the HyperConvergeds port
// returns it.
func BackupMethods(m *[]kubevirtv1.WorkloadUpdateMethod) MethodsBackup {
	if m == nil {
		return MethodsBackup{}
	}
	return MethodsBackup{Present: true, Methods: append([]kubevirtv1.WorkloadUpdateMethod{}, *m...)}
}

// Value returns the backed-up field as the HyperConvergeds port takes it:
// nil when absent, a pointer to a (possibly empty) list otherwise.
func (b MethodsBackup) Value() *[]kubevirtv1.WorkloadUpdateMethod {
	if !b.Present {
		return nil
	}
	v := append([]kubevirtv1.WorkloadUpdateMethod{}, b.Methods...)
	return &v
}

// Equal reports whether the backup and m are the same value once stored
// (SameStoredMethods): an absent backup, which older checkpoints and
// servers without HCO's defaulting can hold, equals
// DefaultWorkloadUpdateMethods.
func (b MethodsBackup) Equal(m *[]kubevirtv1.WorkloadUpdateMethod) bool {
	return SameStoredMethods(b.Value(), m)
}

// Stored returns the value a restore writes: the list, or
// DefaultWorkloadUpdateMethods for an absent backup, since a server with
// HCO's CRD stores absent as that list.
func (b MethodsBackup) Stored() *[]kubevirtv1.WorkloadUpdateMethod {
	v := StoredMethods(b.Value())
	return &v
}

// String renders the backup as "absent", "[]" or "[LiveMigrate,Evict]".
func (b MethodsBackup) String() string { return ShowMethods(b.Value()) }

// ShowMethods renders a value of workloadUpdateMethods: "absent", "[]" or
// "[LiveMigrate,Evict]".
func ShowMethods(m *[]kubevirtv1.WorkloadUpdateMethod) string {
	if m == nil {
		return "absent"
	}
	s := "["
	for i, x := range *m {
		if i > 0 {
			s += ","
		}
		s += string(x)
	}
	return s + "]"
}

// Record is what Run keeps in the checkpoint: enough for another process to
// resume the plan where this one stopped.
type Record struct {
	// Plan is the ID of the plan the record belongs to.
	Plan string `json:"plan"`
	// Step is the index of the step reached; StepName its name, checked on
	// resume so that a changed plan is not resumed at the wrong step.
	Step     int    `json:"step"`
	StepName string `json:"stepName"`
	// Acted is true once the step's Act finished: a resumed run does not
	// act again, it only waits.
	Acted bool `json:"acted,omitempty"`
	// Done is true once every step finished.
	Done bool `json:"done,omitempty"`
	// Start are the versions the cluster ran when the plan started.
	Start Versions `json:"start"`
	// Started is when the plan started, by the runner's clock.
	Started time.Time `json:"started"`
	// Methods is the backed-up workloadUpdateMethods, nil until the step
	// that disables workload updates took the backup.
	Methods *MethodsBackup `json:"workloadUpdateMethods,omitempty"`
	// PausedPools are the pools the plan paused (and only those are
	// unpaused again); pools paused before the plan stay paused.
	PausedPools []string `json:"pausedPools,omitempty"`
	// Request is the plan's request, to rebuild the plan elsewhere (nil
	// for a plan built by hand).
	Request *SavedRequest `json:"request,omitempty"`
	// Resolved are the versions steps picked when they ran (a platform
	// update to "the newest 4.15.z"), by step name, so a resumed run goes
	// to the same one.
	Resolved map[string]string `json:"resolved,omitempty"`
}

// encodeRecord is the checkpoint's data.
func encodeRecord(r *Record) []byte {
	data, err := json.Marshal(r)
	if err != nil { // a Record always encodes
		panic(fmt.Sprintf("update: encoding a checkpoint record: %v", err))
	}
	return data
}

// DecodeRecord reads a checkpoint's data.
func DecodeRecord(data []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("checkpoint data is not a plan record: %w", err)
	}
	if r.Plan == "" {
		return Record{}, fmt.Errorf("checkpoint data is not a plan record: field plan is empty")
	}
	if r.Step < 0 {
		return Record{}, fmt.Errorf("checkpoint record: step %d is negative", r.Step)
	}
	if r.Methods != nil && r.Methods.Methods == nil {
		r.Methods.Methods = []kubevirtv1.WorkloadUpdateMethod{}
	}
	return r, nil
}

// LoadRecord reads and decodes the named checkpoint record; ErrNotFound
// (wrapped) when there is none.
func LoadRecord(ctx context.Context, c Checkpoints, name string) (Record, error) {
	if name == "" {
		name = DefaultCheckpointName
	}
	cp, err := c.LoadCheckpoint(ctx, name)
	if err != nil {
		return Record{}, err
	}
	rec, err := DecodeRecord(cp.Data)
	if err != nil {
		return Record{}, &CheckpointError{Name: name, Err: err, Remedy: "the record is damaged: inspect it, and delete it only if no plan is under way"}
	}
	return rec, nil
}
