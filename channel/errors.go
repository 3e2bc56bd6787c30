package channel

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel causes of graph errors. A [GraphError] wraps exactly one of them;
// test with errors.Is.
var (
	// ErrMalformedGraph: the document is not JSON.
	ErrMalformedGraph = errors.New("malformed graph JSON")
	// ErrInvalidGraph: the JSON breaks a rule of the graph format that no
	// more specific error below covers (a field of the wrong type, a graph
	// format version other than 1, a missing node version, a self-loop).
	ErrInvalidGraph = errors.New("invalid graph")
	// ErrEdgeOutOfRange: an edge names a node index that does not exist.
	ErrEdgeOutOfRange = errors.New("edge index out of range")
	// ErrDuplicateNode: two nodes have the same version string.
	ErrDuplicateNode = errors.New("duplicate node")
	// ErrDuplicateEdge: the same update is listed twice in edges.
	ErrDuplicateEdge = errors.New("duplicate edge")
	// ErrUnknownVersion: a conditional edge names a version that is not a
	// node of the graph.
	ErrUnknownVersion = errors.New("conditional edge names an unknown version")
	// ErrUnknownRuleType: a risk's matching rule has a type other than
	// Always or PromQL (see [KeepUnknownRules] to accept it as the CVO does).
	ErrUnknownRuleType = errors.New("unknown matching rule type")
)

// GraphError is an error in a graph document: where it is and what is wrong.
type GraphError struct {
	// Path is the JSON path of the value at fault, e.g. "edges[12][1]" or
	// "conditionalEdges[0].risks[1].matchingRules[0].type".
	Path string
	// Offset is the byte offset in the document, Line its line (from 1).
	Offset, Line int
	// Err is the cause, one of the sentinels above.
	Err error
	// Detail names the value and says what is wrong with it.
	Detail string
}

// Error renders e.g. `graph JSON, edges[12][1] (line 4000, byte 90211):
// edge index out of range: node index 150 is out of range: the graph has
// 102 nodes (0 to 101)`.
func (e *GraphError) Error() string {
	return fmt.Sprintf("graph JSON, %s (line %d, byte %d): %v: %s", e.Path, e.Line, e.Offset, e.Err, e.Detail)
}

// Unwrap returns the sentinel cause.
func (e *GraphError) Unwrap() error { return e.Err }

// ErrVersionNotFound is the cause of a [VersionNotFoundError].
var ErrVersionNotFound = errors.New("version not found in the graph")

// VersionNotFoundError says a version is not a node of the graph, as the
// CVO's VersionNotFound does for a cluster's current version.
type VersionNotFoundError struct {
	Version string
	// Channel is the graph's channel, when known.
	Channel string
	// Newest is the newest release of the same minor in the graph, if any.
	Newest string
}

// Error renders e.g. `version 4.7.99 not found in the graph of channel
// "stable-4.7" (its newest 4.7 release is 4.7.60): check the version and the
// channel`.
func (e *VersionNotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "version %s not found in the graph", e.Version)
	if e.Channel != "" {
		fmt.Fprintf(&b, " of channel %q", e.Channel)
	}
	if e.Newest != "" {
		fmt.Fprintf(&b, " (its newest %s release is %s)", minorOfString(e.Version), e.Newest)
	}
	b.WriteString(": check the version, and that the graph is for the cluster's channel and architecture")
	return b.String()
}

func minorOfString(v string) string {
	if pv, err := ParseVersion(v); err == nil {
		return pv.MinorVersion().String()
	}
	return "same-minor"
}

// Is makes errors.Is(err, ErrVersionNotFound) true.
func (e *VersionNotFoundError) Is(target error) bool { return target == ErrVersionNotFound }
