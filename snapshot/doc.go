// Package snapshot reads the real state an update depends on, once, into
// the object form of a scenario (scenario.Objects), from three sources:
//
//   - a must-gather, a directory or an archive of one (.tar, .tar.gz,
//     .tar.xz, .tar.bz2): [ReadMustGather];
//   - the output of `oc get … -o yaml` or `-o json`, one file or a
//     directory of them, of any mix of kinds: [ReadDump], [ReadDumpFrom];
//   - a live cluster, through the read methods of the update package's
//     ports ([Reader]; any update.Cluster is one), and the optional
//     update.ClusterOperators and update.PodDisruptionBudgets ports when
//     the reader has them: [ReadCluster]. It writes nothing and reads no
//     Secret, token or pod; what no port shows is named in Missing.
//
// [Anonymize] replaces the names in a snapshot consistently, so it can be
// shared.
//
// # Must-gathers
//
// Both layouts are read, and several images' folders in one must-gather
// (sibling folders named after the images, as `oc adm must-gather` writes
// them): `oc adm inspect`'s, which the default image uses (single objects
// at namespaces/<ns>/<group>/<resource>/<name>.yaml and
// cluster-scoped-resources/<group>/<resource>/<name>.yaml, Lists at
// namespaces/<ns>/<group>/<resource>.yaml, the core group named core), and
// kubevirt/must-gather's (CRs at namespaces/<ns>/crs/<plural.group>/<name>.yaml,
// VMs at namespaces/<ns>/kubevirt.io/virtualmachines/{custom,template-based}/,
// the HCO namespace's Subscriptions and InstallPlans in files without an
// extension whose objects are joined by a line of dashes). Files are told
// apart by their content, not their path: every .yaml, .yml and .json file,
// and every file without an extension, that names a kind the model reads
// in a "kind:" line is decoded (a List of one too); other files (logs,
// text, YAML of other kinds) are counted in Source.SkippedFiles and not
// decoded. Documents start with "---" or not; Lists are <Kind>List or
// List, with items [] or null, and their items may lack apiVersion and
// kind.
//
// The kinds read, with the real API types: core/v1 Node, policy/v1
// PodDisruptionBudget, config.openshift.io/v1 ClusterVersion and
// ClusterOperator, machineconfiguration.openshift.io/v1 MachineConfigPool,
// operators.coreos.com/v1alpha1 ClusterServiceVersion, Subscription and
// InstallPlan, kubevirt.io/v1 KubeVirt, VirtualMachine,
// VirtualMachineInstance and VirtualMachineInstanceMigration,
// hco.kubevirt.io HyperConverged and NodeMaintenance of both API groups.
// Objects of other kinds in the files decoded are counted by kind in
// Source.Skipped.
//
// An object found in several files (a single file and a List, or the
// folders of two images) is kept once: the copy with the larger
// resourceVersion, else the one whose path sorts first; Source.Duplicates
// counts the others. CSVs OLM copied into the namespaces an operator
// watches (label olm.copiedFrom, status.reason Copied) are left out and
// counted in Source.CopiedCSVs. Source.CollectedAt is the must-gather's
// timestamp and Source.Gatherers the images' version files.
//
// Missing names the parts no file held (neither an object nor an empty
// List of the kind), but for the parts kubevirt/must-gather always gathers
// when its folder is there (VMIs, migrations, VMs, the KubeVirt and
// HyperConverged CRs, nodes, the HCO namespace's Subscriptions and
// InstallPlans): none of those means the cluster had none. A must-gather
// of kubevirt/must-gather alone thus misses the ClusterVersion, the
// MachineConfigPools and the CSVs; run both images in one must-gather for
// a complete picture (oc adm must-gather --image-stream=openshift/must-gather
// --image=<the CNV must-gather image>). A forecast cannot run without the
// ClusterVersion (the version the cluster runs is not assumed:
// scenario.Objects.OpenShiftVersion); a file holding `oc get clusterversion
// version -o yaml` put into the must-gather's folder is read with it.
//
// openshift/must-gather gathers OLM's objects of every namespace
// (collection-scripts/gather_olm): a must-gather whose Subscriptions and
// CSVs were read, none of HCO's package, and that holds no object of
// OpenShift Virtualization is of a cluster without it, written
// withoutCNV: true, and the parts only OpenShift Virtualization brings
// (scenario.CNVParts) are not missing. A dump may hold some namespaces'
// OLM objects only, so it is never taken to say so (write withoutCNV: true
// by hand); a live read is, when it finds none of OpenShift
// Virtualization's objects in its namespace.
//
// YAML is converted to JSON by a fast path for the block style kubectl,
// oc and sigs.k8s.io/yaml write, which gives the same value as
// sigs.k8s.io/yaml (a fuzz test compares them); any other construct
// (flow collections, anchors, tags, folded scalars, floats, timestamps)
// is read by sigs.k8s.io/yaml itself.
//
// # What a snapshot keeps
//
// The upstream objects are reduced to what the model reads, which also
// keeps what should not be shared out of a snapshot: managedFields,
// resourceVersions, finalizers and annotations other than KubeVirt's (and
// the machine-config daemon's on nodes) are dropped; nodes keep labels,
// creation time, cordon, taints, capacity, allocatable, conditions and
// versions, not addresses, images or machine identifiers; VMIs and VM
// templates keep resources, memory, CPU, machine type, eviction strategy,
// node selector, affinity, tolerations, topology spread, priority and
// grace period, not volumes (cloud-init user data), networks, devices,
// firmware or access credentials, and VMI status keeps phase, node,
// conditions, migration state and method, launcher image, evacuation node
// and active pods, not interfaces (IPs), guest OS details or volume status;
// VMs drop their data volume templates; the KubeVirt CR drops the copies
// of its deployment configuration. The ClusterVersion keeps
// status.conditionalUpdates as found: each release, its risks with their
// matchingRules (Always, PromQL and its query) in their order, and its
// conditions (Recommended).
//
// # Errors and limits
//
// A source in which no object of a kind read is found, nor a List of one
// (a text file, a dump of Pods alone, an untyped empty List, a folder of
// logs), is an error naming it and saying what the source must be
// ([ErrNoObjects], in a [*FileError]): a snapshot of it would say nothing.
// A file that is not valid YAML or JSON (files without an extension are
// skipped instead: must-gathers fill them with text), an object that does
// not decode as its kind, and a truncated archive are errors that name the
// file, and the path inside the archive ([*FileError], wrapping
// [ErrMalformed]). Options.Limits caps the objects as scenario.Limits caps
// a file (more than 200,000 VMIs or 5,000 nodes is refused as soon as one
// too many is found); Options.MaxFileBytes and MaxTotalBytes cap what is
// read before it is read. Files are decoded on Options.Workers goroutines;
// the result does not depend on their number or on the order of the files.
package snapshot
