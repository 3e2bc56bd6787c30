// Package crclient implements the ports of the update package over a
// controller-runtime client.Client, beside the client-go adapter in
// package kube. Both adapters read and write the same objects the same
// way, return the same errors (kube.MapError's mapping onto
// update.ErrNotFound, ErrConflict, ErrTransient and kube.ErrForbidden;
// *update.EvictionError for an eviction refused with HTTP 429), keep the
// same compare-and-swap of SetWorkloadUpdateMethods and the same
// checkpoint ConfigMaps, and pass the same conformance suite
// (update/updatetest) against a kube-apiserver with the real CRDs.
//
// # Which adapter
//
// Use this one inside a controller-runtime manager: pass mgr.GetClient()
// and the reads come from the manager's informer cache, over the one set
// of watches the manager's controllers share, instead of a request per
// read. Register the types first (AddToScheme on the manager's scheme).
// Use package kube in a command-line program or anywhere without a
// manager: it reads from the API server on each call and pages its lists.
//
//	scheme := runtime.NewScheme()
//	_ = clientgoscheme.AddToScheme(scheme)
//	_ = crclient.AddToScheme(scheme)
//	mgr, _ := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme})
//	cluster, _ := crclient.New(mgr.GetClient(), crclient.Options{
//		APIReader: mgr.GetAPIReader(), // the HyperConverged and its CRD, live
//		Config:    mgr.GetConfig(),    // evictions posted once, as kube does
//	})
//
// Typed kinds (nodes, pods, ConfigMaps, PodDisruptionBudgets, KubeVirt's,
// OLM's and OpenShift's objects) are read from the cache; its informers
// start on the first read of each kind and hold every object of it, so
// restrict them with the manager's cache options (cache.Options.ByObject)
// where a cluster has many pods or ConfigMaps. MachineConfigs are read as
// metadata only (metav1.PartialObjectMetadataList). The HyperConverged
// (HCO has no importable Go module), its CustomResourceDefinition and
// NodeMaintenance objects are read as unstructured objects, which a
// manager's client reads from the API server unless its cache options say
// otherwise (controller-runtime pkg/client/client.go shouldBypassCache:
// unstructured objects bypass the cache unless
// client.CacheOptions.Unstructured is set). The HyperConverged's API
// version is chosen by the kube adapter's rule: the storage version of its
// CRD ([Cluster.HyperConvergedVersion]).
//
// # Consistency
//
// A cache is eventually consistent; the Cluster reads its own writes.
// After each write it notes the resourceVersion the API server returned,
// and a later read of that object, or a list of its kind, first waits
// until the cache holds that resourceVersion or a newer one, bounded by
// the context and Options.CacheTimeout (past it the read fails with an
// error wrapping update.ErrTransient, and the next read takes the cache as
// it is). Writes return as soon as the API server answered. Writes of
// other processes are seen when the cache sees them: a read may lag behind
// them, never behind this Cluster's own writes. Compare-and-swap writes
// stay safe under a stale read: the checkpoint's update carries the
// resourceVersion it read and SetWorkloadUpdateMethods tests the value it
// read, so the API server refuses a write over a change the cache had not
// shown, never loses it. The refusal is update.ErrConflict; through a
// client that caches the HyperConverged and no Options.APIReader, a lost
// race of SetWorkloadUpdateMethods may come back as the API server's 422
// instead (see there): pass mgr.GetAPIReader().
//
// Lists are not paged: the cache answers from memory and does not accept
// a continue token.
package crclient
