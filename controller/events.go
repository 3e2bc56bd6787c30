package controller

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/workload"
)

// Event reasons. Those of the actions are KubeVirt's workload updater's
// (pkg/virt-controller/watch/workload-updater/workload-updater.go), so
// what watches its Events understands ours; Stuck and Blocked are ours.
const (
	ReasonSuccessfulCreate         = "SuccessfulCreate"
	ReasonFailedCreate             = "FailedCreate"
	ReasonSuccessfulEvict          = "SuccessfulEvict"
	ReasonFailedEvict              = "FailedEvict"
	ReasonEvacuationStarted        = "EvacuationStarted"
	ReasonSuccessfulChangeAbortion = "SuccessfulChangeAbortion"
	ReasonFailedChangeAbortion     = "FailedChangeAbortion"
	// ReasonStuck: the VMI's migrations failed too many times in a row; it
	// is no longer retried.
	ReasonStuck = "WorkloadUpdateStuck"
	// ReasonBlocked: the VMI will never update by itself, or it blocks
	// node drains.
	ReasonBlocked = "WorkloadUpdateBlocked"
)

// Event actions (events.k8s.io/v1 requires one).
const (
	actionMigrate = "Migrate"
	actionEvict   = "Evict"
	actionAbort   = "Abort"
	actionUpdate  = "UpdateWorkload"
)

// maxNote is the longest note events.k8s.io/v1 accepts (1 kB).
const maxNote = 1024

// eventer records Events, and Stuck and Blocked only once per VMI and
// cause.
type eventer struct {
	rec events.EventRecorder
	// said holds, per VMI, what was evented of it: "stuck" or the
	// blocker's signature. A VMI that leaves the set is forgotten, so it is
	// evented again if it comes back.
	stuck, blocked map[vmiKey]string
}

type vmiKey struct{ namespace, name string }

func (e *eventer) event(regarding, related runtime.Object, typ, reason, action, note string) {
	if e.rec == nil || regarding == nil {
		return
	}
	if len(note) > maxNote {
		note = note[:maxNote-3] + "..."
	}
	// The note is no format: it may hold '%'.
	e.rec.Eventf(regarding, related, typ, reason, action, "%s", note)
}

// stuckAndBlocked events the plan's stuck VMIs and blockers that were not
// evented yet, and forgets those no longer in the plan.
func (e *eventer) stuckAndBlocked(plan *workload.Plan, vmi func(ns, name string) *kubevirtv1.VirtualMachineInstance) {
	if e.stuck == nil {
		e.stuck, e.blocked = map[vmiKey]string{}, map[vmiKey]string{}
	}
	seen := make(map[vmiKey]bool, len(plan.Stuck))
	for _, s := range plan.Stuck {
		k := vmiKey{s.Namespace, s.Name}
		seen[k] = true
		if _, ok := e.stuck[k]; ok {
			continue
		}
		e.stuck[k] = "stuck"
		note := "no more workload-update migrations after " + strconv.Itoa(s.Failures) + " consecutive failures"
		if len(s.Reasons) > 0 {
			note += ": " + strings.Join(s.Reasons, "; ")
		}
		e.event(vmi(s.Namespace, s.Name), nil, corev1.EventTypeWarning, ReasonStuck, actionMigrate, note)
	}
	for k := range e.stuck {
		if !seen[k] {
			delete(e.stuck, k)
		}
	}
	clear(seen)
	for _, b := range plan.Blockers {
		k := vmiKey{b.Namespace, b.Name}
		seen[k] = true
		sig := b.Cause + "/" + strconv.FormatBool(b.NeverUpdates) + "/" + strconv.FormatBool(b.BlocksDrain)
		if e.blocked[k] == sig {
			continue
		}
		e.blocked[k] = sig
		e.event(vmi(b.Namespace, b.Name), nil, corev1.EventTypeWarning, ReasonBlocked, actionUpdate, blockerNote(b))
	}
	for k := range e.blocked {
		if !seen[k] {
			delete(e.blocked, k)
		}
	}
}

// blockerNote says what a blocker blocks, why and what to do.
func blockerNote(b workload.Blocker) string {
	var s strings.Builder
	switch {
	case b.NeverUpdates && b.BlocksDrain:
		s.WriteString("will never move to the new virt-launcher by itself, and blocks node drains")
	case b.NeverUpdates:
		s.WriteString("will never move to the new virt-launcher by itself")
	default:
		s.WriteString("blocks node drains")
	}
	s.WriteString(": ")
	s.WriteString(b.Cause)
	if b.Message != "" {
		s.WriteString(" (" + b.Message + ")")
	}
	if b.Fix != "" {
		s.WriteString("; fix: " + b.Fix)
	}
	if b.Workaround != "" {
		s.WriteString("; workaround: " + b.Workaround)
	}
	return s.String()
}
