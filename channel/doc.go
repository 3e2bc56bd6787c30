// Package channel models where an OpenShift cluster, and the OpenShift
// Virtualization (CNV) operator on it, can update to: release versions,
// update channels, the update graph the OpenShift Update Service
// (Cincinnati) serves, the updates the Cluster Version Operator (CVO)
// offers from it, paths across minors, and the CNV ↔ OpenShift coupling.
//
// Everything here is a pure function of its inputs: nothing reads the clock
// or talks to a server. Risk evaluation, the one step that needs the
// cluster, goes through the small [RiskEvaluator] interface.
//
// # Versions
//
// [Version] wraps a Masterminds semantic version, but a version's identity
// is its full string: real graphs hold "4.6.1+amd64" and "4.6.1+s390x" as
// two nodes, and prereleases such as "4.12.0-rc.3". [Minor] is a minor
// line; [Minor.Next] knows that 5.0 follows 4.22. [Classify] tells a
// z-stream from a minor update, a major jump or a skipped minor.
//
// # Channels
//
// [ParseChannel] reads candidate-4.y, fast-4.y, stable-4.y and eus-4.y
// (eus for the EUS minors only: even, 4.6 to 4.22, see [IsEUS]).
// [OpenShift.Promotions] holds the promotion model and its documented delays
// as data ([ExpectedIn] applies it);
// [OfferedChannels] lists the channels a cluster on a minor is offered;
// [Channel.Admits] and [EUSFloor] encode which releases a channel may carry,
// with the early exceptions (eus-4.8 takes only 4.7.34 and later, eus-4.10
// only 4.9.30 and later).
//
// # The graph
//
// [ParseGraph] reads the update service's JSON exactly and reports errors
// with the JSON path, line and offset of the value at fault.
// [Graph.Filter] keeps one channel's releases, as the service does.
// [Graph.Updates] computes the recommended and conditional updates from a
// version exactly as the CVO does, [Updates.Available] evaluates the risks of
// a cluster's conditional updates as the CVO does (each risk name once, from
// the newest definition: [EvaluateRisks]), and [Recommend] and [Evaluate]
// compute a conditional update's Recommended condition with the CVO's
// statuses, reasons and messages. [Graph.FindPath] finds the best path
// across minors, never skipping one, and explains a missing path with a
// [*NoPathError] that names the missing hop.
//
// # OpenShift Virtualization, and HCO upstream
//
// [Compatibility] says which operator versions run on which platform
// versions, and which operator update OLM offers; code written against it
// works on OpenShift and on plain Kubernetes. [OpenShift] is the default:
// CNV 4.y runs only on OpenShift 4.y and never leads it, by the rules of
// CNV's one OLM channel, stable ([CheckCNVOnOCP], [CheckCNVUpdate] and
// [NextCNVUpdate] are its shorthands), and [OpenShift.Mappings] maps the 2.x
// line onto OpenShift 4.x and marks the pairs the public sources do not
// confirm. [Upstream] is the same for the upstream HyperConverged Cluster
// Operator on Kubernetes, from a table of releases ([UpstreamReleases], with
// its sources). [CompatibilityFuncs] changes one rule of either. Errors wrap
// sentinels every implementation shares ([ErrPlatformTooOld],
// [ErrPlatformTooNew], [ErrUnknownOperatorVersion], [ErrUpdateNotAllowed],
// [ErrNoUpdateOffered]); the OpenShift ones refine them.
//
// # Errors
//
// Errors are typed and wrap sentinels: test them with errors.Is
// ([ErrVersionNotFound], [ErrNoPath], [ErrEdgeOutOfRange], …) and
// errors.As ([*GraphError], [*NoPathError], [*VersionNotFoundError],
// [*CNVError]); never match on their text.
package channel
