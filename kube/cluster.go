package kube

import (
	"cmp"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/virtupdate/virtupdate/update"
)

// Defaults of [Options].
const (
	// DefaultPageSize is how many objects one list request asks for.
	DefaultPageSize = 500
	// DefaultCheckpointPrefix prefixes the names of the ConfigMaps that hold
	// checkpoints: the record "virtupdate-plan" is the ConfigMap
	// "virtupdate-checkpoint-virtupdate-plan".
	DefaultCheckpointPrefix = "virtupdate-checkpoint-"
)

// Labels put on every checkpoint ConfigMap, so they can be found
// (kubectl get configmap -l virtupdate.io/checkpoint) and are not mistaken
// for another component's.
const (
	// CheckpointLabel marks a checkpoint ConfigMap; its value is "true".
	CheckpointLabel = "virtupdate.io/checkpoint"
	// ManagedByLabel is the standard label, set to "virtupdate".
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// CheckpointDataKey is the binaryData key holding the record.
	CheckpointDataKey = "checkpoint"
)

// Options configure a [Cluster]. The zero value is valid.
type Options struct {
	// Namespace is where the HyperConverged is and where checkpoints are
	// kept; "" means update.DefaultNamespace.
	Namespace string
	// PageSize is the limit of each list request; 0 means DefaultPageSize.
	PageSize int64
	// CheckpointPrefix prefixes the names of checkpoint ConfigMaps; ""
	// means DefaultCheckpointPrefix.
	CheckpointPrefix string
	// HyperConvergedVersion forces the API version the HyperConverged is
	// read and written through: HyperConvergedV1Beta1 or HyperConvergedV1.
	// "" (the default) chooses at run time, see
	// [Cluster.HyperConvergedVersion].
	HyperConvergedVersion string
}

func (o Options) withDefaults() Options {
	o.Namespace = cmp.Or(o.Namespace, update.DefaultNamespace)
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	o.CheckpointPrefix = cmp.Or(o.CheckpointPrefix, DefaultCheckpointPrefix)
	return o
}

// Cluster implements every port of the update package against a real API
// server. It is safe for concurrent use and keeps no state of its own
// besides its clients and the API version it chose for the HyperConverged:
// two Clusters, in two processes, see and change the same objects.
type Cluster struct {
	core kubernetes.Interface
	dyn  dynamic.Interface
	// raw is the RESTClient under dyn when New made it (nil from
	// NewForClients): listTyped reads pages through it (list_raw.go).
	raw  rest.Interface
	opts Options

	// hcoMu guards hco, the API version chosen for the HyperConverged
	// (nil until first needed; forgotten when a write is not stored or the
	// version is no longer served).
	hcoMu sync.Mutex
	hco   *hcoChoice

	// beforeMethodsPatch, when set (by tests), runs between the read and
	// the patch of SetWorkloadUpdateMethods: the window another writer
	// races in.
	beforeMethodsPatch func()
}

var _ update.Cluster = (*Cluster)(nil)

// New returns a Cluster talking to the API server of the config, such as
// one loaded from a kubeconfig with k8s.io/client-go/tools/clientcmd.
func New(config *rest.Config, opts Options) (*Cluster, error) {
	if config == nil {
		return nil, errors.New("kube.New: the rest.Config is nil; load one from a kubeconfig or the in-cluster environment")
	}
	if err := checkHyperConvergedVersion(opts.HyperConvergedVersion); err != nil {
		return nil, fmt.Errorf("kube.New: %w", err)
	}
	core, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("kube.New: create the Kubernetes client for %s: %w", config.Host, err)
	}
	// The dynamic client and the typed lists share one RESTClient, set up
	// as dynamic.NewForConfig sets up its own (k8s.io/client-go/dynamic/simple.go
	// ConfigFor, NewForConfigAndClient).
	dcfg := dynamic.ConfigFor(config)
	dcfg.GroupVersion = nil
	httpClient, err := rest.HTTPClientFor(dcfg)
	if err != nil {
		return nil, fmt.Errorf("kube.New: create the dynamic client for %s: %w", config.Host, err)
	}
	raw, err := rest.UnversionedRESTClientForConfigAndClient(dcfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("kube.New: create the dynamic client for %s: %w", config.Host, err)
	}
	c := NewForClients(core, dynamic.New(raw), opts)
	c.raw = raw
	return c, nil
}

// NewForClients returns a Cluster using the given clients: the typed
// clientset for nodes, pods, evictions, ConfigMaps and discovery, the
// dynamic client for every custom resource. An invalid
// Options.HyperConvergedVersion is reported by the first call that needs
// the HyperConverged.
func NewForClients(core kubernetes.Interface, dyn dynamic.Interface, opts Options) *Cluster {
	return &Cluster{core: core, dyn: dyn, opts: opts.withDefaults()}
}

// Namespace is the namespace of the HyperConverged and of the checkpoints.
func (c *Cluster) Namespace() string { return c.opts.Namespace }

// Kinds, as errors name them.
const (
	kindClusterVersion      = "ClusterVersion"
	kindMachineConfigPool   = "MachineConfigPool"
	kindSubscription        = "Subscription"
	kindCSV                 = "ClusterServiceVersion"
	kindInstallPlan         = "InstallPlan"
	kindHyperConverged      = "HyperConverged"
	kindKubeVirt            = "KubeVirt"
	kindCRD                 = "CustomResourceDefinition"
	kindNode                = "Node"
	kindPodDisruptionBudget = "PodDisruptionBudget"
	kindNodeMaintenance     = "NodeMaintenance"
	kindVMI                 = "VirtualMachineInstance"
	kindVM                  = "VirtualMachine"
	kindMigration           = "VirtualMachineInstanceMigration"
	kindPod                 = "Pod"
	kindConfigMap           = "ConfigMap"
)

// The resources the adapter reads and writes. deploy/rbac.yaml grants
// exactly these.
var (
	// HyperConvergedResource is HCO's custom resource at v1beta1. The
	// adapter chooses the version it uses at run time
	// ([Cluster.HyperConvergedVersion]); the resource is the same.
	HyperConvergedResource = schema.GroupVersionResource{Group: HyperConvergedGroup, Version: HyperConvergedV1Beta1, Resource: "hyperconvergeds"}
	// CRDResource is the API of CustomResourceDefinitions; the adapter
	// reads one of them, HyperConvergedCRDName.
	CRDResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	// KubeVirtResource is KubeVirt's KubeVirt CR, which HCO creates.
	KubeVirtResource = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "kubevirts"}
	// VMIResource is KubeVirt's VirtualMachineInstance.
	VMIResource = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstances"}
	// VMResource is KubeVirt's VirtualMachine.
	VMResource = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}
	// MigrationResource is KubeVirt's VirtualMachineInstanceMigration.
	MigrationResource = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstancemigrations"}
	// SubscriptionResource is OLM's Subscription.
	SubscriptionResource = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "subscriptions"}
	// CSVResource is OLM's ClusterServiceVersion.
	CSVResource = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "clusterserviceversions"}
	// InstallPlanResource is OLM's InstallPlan.
	InstallPlanResource = schema.GroupVersionResource{Group: "operators.coreos.com", Version: "v1alpha1", Resource: "installplans"}
	// ClusterVersionResource is the CVO's ClusterVersion.
	ClusterVersionResource = schema.GroupVersionResource{Group: "config.openshift.io", Version: "v1", Resource: "clusterversions"}
	// MachineConfigPoolResource is the MCO's MachineConfigPool.
	MachineConfigPoolResource = schema.GroupVersionResource{Group: "machineconfiguration.openshift.io", Version: "v1", Resource: "machineconfigpools"}
	// NodeMaintenanceResources are the two API groups of NodeMaintenance,
	// in the order ListNodeMaintenances returns them.
	NodeMaintenanceResources = []schema.GroupVersionResource{
		{Group: update.NodeMaintenanceKubeVirt, Version: "v1beta1", Resource: "nodemaintenances"},
		{Group: update.NodeMaintenanceMedik8s, Version: "v1beta1", Resource: "nodemaintenances"},
	}
)

// ClusterVersionName is the name of the one ClusterVersion.
const ClusterVersionName = "version"
