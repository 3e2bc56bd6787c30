// Package scenario holds the object form of a scenario: every object a
// cluster held, as found, in [Objects]. A snapshot of a real cluster (a
// live read, a must-gather, `oc get` dumps: package snapshot) writes it; a
// forecast loads it into the fake cluster (fake.NewClusterFromObjects) and
// runs the real plan on it. The count form, which describes a cluster by
// groups ("20 workers in 3 zones, 200 VMs of 8Gi"), is fake.Scenario.
//
// # The format
//
// A YAML (or JSON) mapping, one document:
//
//	apiVersion: scenario.virtupdate/v1
//	kind: Objects
//	source:                       # where it was read; optional
//	  kind: must-gather           # must-gather, dump or cluster
//	  name: must-gather.local.5512
//	  collectedAt: "2026-03-01T09:00:00Z"
//	  gatherers: [openshift/must-gather 4.16.3, kubevirt/must-gather v4.16.2]
//	  files: 412                  # files decoded
//	  skippedFiles: 3120          # files that cannot hold an object read here
//	  skipped: {Pod: 311}         # objects of other kinds, by kind
//	  duplicates: 12              # objects found in several files, kept once
//	  copiedCSVs: 96              # OLM's copies of CSVs, left out
//	missing: [ClusterOperators]   # what the source lacked
//	clusterVersion:               # status.conditionalUpdates as found: risks with their matchingRules, the Recommended condition
//	  {channel: stable-4.16, desired: {version: 4.16.3}, history: [...], availableUpdates: [...],
//	   conditionalUpdates: [{release: {version: 4.16.9}, risks: [{name: ..., matchingRules: [{type: PromQL, promql: {promql: ...}}]}], conditions: [...]}], ...}
//	clusterOperators: [{name: kube-apiserver, conditions: [...]}]
//	pools: [{name: worker, nodeSelector: {...}, maxUnavailable: 25%, paused: false, machineCount: 2, ...}]
//	nodes: [<core/v1 Node>, ...]
//	nodeMaintenances: [{group: nodemaintenance.medik8s.io, name: nm-1, nodeName: worker-1}]
//	subscriptions: [{namespace: openshift-cnv, name: kubevirt-hyperconverged, package: ..., installPlanApproval: Manual, ...}]
//	csvs: [{namespace: openshift-cnv, name: kubevirt-hyperconverged-operator.v4.16.2, version: 4.16.2, phase: Succeeded, ...}]
//	installPlans: [{namespace: openshift-cnv, name: install-7x2kq, csvNames: [...], approval: Manual, approved: true, phase: Complete}]
//	hyperConverged: {namespace: openshift-cnv, name: kubevirt-hyperconverged, spec: {...}, status: {...}}
//	kubeVirt: <kubevirt.io/v1 KubeVirt>
//	virtualMachines: [<kubevirt.io/v1 VirtualMachine>, ...]
//	vmis: [<kubevirt.io/v1 VirtualMachineInstance>, ...]
//	migrations: [<kubevirt.io/v1 VirtualMachineInstanceMigration>, ...]
//	podDisruptionBudgets: [<policy/v1 PodDisruptionBudget>, ...]
//	withoutCNV: true              # the cluster runs no OpenShift Virtualization; optional
//
// testdata/example.yaml is a complete small example. Nodes, the KubeVirt
// CR, VirtualMachines, VMIs, migrations and PodDisruptionBudgets are the
// upstream objects with their own field names (metadata, spec, status). The
// ClusterVersion, ClusterOperators, MachineConfigPools, OLM objects,
// NodeMaintenances and the HyperConverged keep only what the model reads,
// under the objects' JSON names (spec.channel is clusterVersion.channel,
// spec.maxUnavailable is pools[].maxUnavailable, status.phase of a CSV is
// csvs[].phase, the HyperConverged's spec and status are HCO's). A snapshot
// reduces the upstream objects too: it drops managedFields, most
// annotations, node addresses and images, and the volumes, devices and
// access credentials of VMs and VMIs (package snapshot says exactly what).
//
// missing names a part ([PartClusterVersion], [PartPools], … see [Parts])
// the source could not have held, such as the ClusterVersion in a
// must-gather of kubevirt/must-gather alone, or Part.field when a part was
// read without one of its fields (a live read through the ports has no
// ClusterVersion.conditionalUpdates). A part that is not missing and is
// empty means the cluster had none.
//
// # What a forecast needs
//
// The ClusterVersion: the OpenShift version the cluster runs (the newest
// Completed entry of its history) cannot be assumed, so a forecast refuses
// objects without one ([Objects.OpenShiftVersion] says so and how to give
// it). When the source lacked it (a must-gather of kubevirt/must-gather
// alone), gather with OpenShift's image too, or add `oc get clusterversion
// version -o yaml` to what is read, or write it by hand: the reduced form
// needs no more than clusterVersion: {channel: stable-4.18, history:
// [{state: Completed, version: 4.18.5}]}. A forecast holds none of the
// other parts a source lacked (no ClusterOperators, no pools, …), so it
// may differ from the cluster there; [Objects.DescribeMissing] says so.
//
// withoutCNV: true says the cluster runs no OpenShift Virtualization: no
// Subscription or CSV of HCO's package (kubevirt-hyperconverged) is
// installed, so there is no HyperConverged, KubeVirt CR, VM, VMI or
// migration (their CRDs come with the operator; [CNVParts]), and missing
// does not name them. A forecast plans OpenShift alone
// (update.Request.WithoutCNV). A snapshot writes it when the source's OLM
// objects were read and hold none of HCO's; Validate refuses it beside an
// object of OpenShift Virtualization.
//
// A VMI's node, a migration's VMI and a pool's nodes are found by name and
// label, as on a cluster: [PoolOf] applies the MCO's rules to a node and
// the pools' node selectors, and [Objects.NodeSummaries] gives each node's
// role, pool, zone, age, allocatable memory and CPU, cordon, readiness and
// taints.
//
// # Reading and writing
//
// [Parse], [Read] and [Load] decode and [Objects.Validate]; errors wrap
// [ErrInvalid] and name the field path and the value
// (vmis[3].spec.evictionStrategy: "Sometimes": is not None, LiveMigrate,
// LiveMigrateIfPossible or External). Unknown fields are errors. [Limits]
// caps the input before it is decoded: a file over MaxBytes (1 GiB) is
// refused before it is read, and more than 200,000 VMIs (or
// VirtualMachines), 5,000 nodes, 1,000,000 migrations or 100,000 of
// anything else are refused before the excess is decoded (ErrTooLarge).
// [Marshal] writes YAML deterministically: lists sorted by namespace and
// name, keys in alphabetical order.
package scenario
