package fake

import (
	"fmt"
	"slices"
	"time"
)

// Event is one change in the fake cluster: when, to which object, what and
// why. The log of events is the timeline of a simulation.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Namespace string    `json:"namespace,omitempty"`
	Name      string    `json:"name"`
	// Reason is a CamelCase word for what happened ("Approved", "Paused",
	// "MigrationFailed").
	Reason string `json:"reason"`
	// Message says why, for a person.
	Message string `json:"message,omitempty"`
}

// String renders the event as one timeline line.
func (e Event) String() string {
	obj := e.Name
	if e.Namespace != "" {
		obj = e.Namespace + "/" + e.Name
	}
	return fmt.Sprintf("%s %s %s %s: %s", e.Time.UTC().Format(time.RFC3339), e.Kind, obj, e.Reason, e.Message)
}

// record appends an event at the current fake time. The caller holds c.mu.
func (c *Cluster) record(kind, namespace, name, reason, message string) {
	c.dirty = true
	if len(c.events) == cap(c.events) {
		// Double the log as it fills: a long simulation appends hundreds
		// of thousands of events, and append grows large slices by a
		// quarter only.
		c.events = slices.Grow(c.events, max(len(c.events), 256))
	}
	c.events = append(c.events, Event{Time: c.clock.Now(), Kind: kind, Namespace: namespace, Name: name, Reason: reason, Message: message})
}

// Events returns a copy of the event log, oldest first.
func (c *Cluster) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}
