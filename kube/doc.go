// Package kube implements the ports of the update package against a real
// cluster with client-go.
//
// [Cluster] implements [update.Cluster]: it reads and writes the objects
// OpenShift Virtualization and OpenShift are updated through, with the same
// semantics as the in-memory cluster of the fake package. Both pass the same
// conformance suite (update/updatetest), the kube one against a real
// kube-apiserver.
//
// How each port maps to the API:
//
//   - ClusterVersion "version" (config.openshift.io/v1) and MachineConfigPools
//     (machineconfiguration.openshift.io/v1) are read into the types of
//     github.com/openshift/api and changed with JSON merge patches of spec.
//   - Subscriptions, ClusterServiceVersions and InstallPlans
//     (operators.coreos.com/v1alpha1) are read into the types of
//     github.com/operator-framework/api; approving an InstallPlan is a merge
//     patch of spec.approved.
//   - The HyperConverged (hco.kubevirt.io) has no importable Go type; it
//     is read into [update.HyperConverged], whose shape is v1beta1's. HCO
//     1.18 stores v1beta1 and serves v1 without converting it; HCO 1.19 and
//     later store v1, which holds workloadUpdateStrategy,
//     liveMigrationConfig and evictionStrategy under spec.virtualization,
//     and convert v1beta1 through a webhook. The adapter reads and writes
//     through the CRD's storage version, or the one
//     [Options.HyperConvergedVersion] forces, and maps either shape; see
//     [Cluster.HyperConvergedVersion] for the rule.
//   - Its workloadUpdateMethods are changed by a JSON patch whose `test`
//     operation makes the change a compare-and-swap: a concurrent edit is
//     [update.ErrConflict], never a lost write. The object the API server
//     returns is compared with what was written: a difference is
//     [update.ErrNotStored]. See [Cluster.SetWorkloadUpdateMethods].
//   - The KubeVirt CR (kubevirt.io/v1 kubevirts) HCO creates in its
//     namespace, [KubeVirtName], is read into the type of kubevirt.io/api
//     (its spec.configuration.evictionStrategy is the cluster's).
//   - VirtualMachineInstances, VirtualMachines and migrations (kubevirt.io/v1)
//     are read into the types of kubevirt.io/api. Lists page with
//     limit/continue ([Options.PageSize]) so a large cluster is never read in
//     one response; a transient error on a page after the first asks for
//     that page again with the same token, so a long list keeps its pages
//     and its snapshot (an expired token starts it over). Migrations are created as the caller builds them; the
//     workload package builds them as KubeVirt's workload updater does
//     (generateName "kubevirt-workload-update-", the annotation
//     kubevirt.io/workloadUpdateMigration).
//   - EvictVMI evicts the VMI's current virt-launcher pod through the
//     policy/v1 Eviction API, so KubeVirt's eviction webhook and
//     PodDisruptionBudgets decide, as for a node drain; every refusal (HTTP
//     429) is an [update.EvictionError] saying which (an evacuation
//     started or in progress, a VMI that cannot migrate, a budget).
//   - NodeMaintenance objects are listed from both API groups,
//     nodemaintenance.kubevirt.io and nodemaintenance.medik8s.io; a group
//     that is not installed lists nothing.
//   - Checkpoints are ConfigMaps in the HyperConverged's namespace, one per
//     record, named [Options.CheckpointPrefix] + the record's name, with the
//     record in binaryData. The ConfigMap's resourceVersion is the record's,
//     so a stale save is a conflict and a process on another machine resumes
//     from the same record.
//
// Errors name the object they are about ([update.ObjectError]); API
// conflicts and failed patch tests satisfy errors.Is(err,
// update.ErrConflict), missing objects errors.Is(err, update.ErrNotFound).
// [MapError] is the mapping, exported for code that talks to the API server
// itself; [ListError] and [ClusterListError] are its counterparts for
// lists.
//
// The conversions from the upstream objects to the ports' views are
// exported too, for code that reads the objects itself (from its own
// informers, as kube/crclient does): [ClusterVersionFrom],
// [MachineConfigPoolFrom], [SubscriptionFrom], [CSVFrom],
// [ClusterOperatorFrom], [HyperConvergedFrom] (either API version) and
// [HyperConvergedVersionFromCRD]; [EvictionError] classifies a refused
// eviction.
//
// DeleteMigration (the optional port controller.MigrationDeleter) deletes a
// migration, which aborts it; update.Run never calls it, and the roles of
// deploy/rbac.yaml do not grant it.
//
// deploy/rbac.yaml at the root of the repository holds the ClusterRole
// virtupdate and the Role virtupdate-checkpoints (for the ConfigMaps in the
// HyperConverged's namespace) with exactly the verbs this package uses,
// among them get on the one CRD hyperconvergeds.hco.kubevirt.io (to find
// its storage version) and list on kubevirts.
package kube
