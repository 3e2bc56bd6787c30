// Package fake is an in-memory cluster for testing update tools without a
// cluster. A [Cluster] implements every port of the update package on a fake
// clock, keeps a log of every change as an [Event], and can inject faults:
// the next N writes of a kind lose a race ([Cluster.FailNextWrites]).
//
// The fake passes the same conformance suite (update/updatetest) as the
// client-go adapter, so code tested here behaves the same on a real cluster.
package fake
