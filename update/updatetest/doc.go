// Package updatetest is the conformance suite of the update package's ports.
//
// Every implementation of [update.Cluster] — the in-memory fake and the
// client-go adapter — runs the same suite, so a controller tested against
// one behaves the same against the other:
//
//	func TestConformance(t *testing.T) {
//		updatetest.Run(t, func(t *testing.T, f updatetest.Fixture) update.Cluster {
//			return newClusterFrom(t, f)
//		})
//	}
package updatetest
