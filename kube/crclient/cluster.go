package crclient

import (
	"cmp"
	"errors"
	"fmt"
	"sync"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	kubevirtv1 "kubevirt.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// DefaultCacheTimeout is how long a read waits, at most, for the cache to
// hold what this Cluster wrote (see [Options.CacheTimeout]).
const DefaultCacheTimeout = 30 * time.Second

// Options configure a [Cluster]. They mirror kube.Options where they
// apply; the zero value is valid.
type Options struct {
	// Namespace is where the HyperConverged is and where checkpoints are
	// kept; "" means update.DefaultNamespace.
	Namespace string
	// CheckpointPrefix prefixes the names of checkpoint ConfigMaps; ""
	// means kube.DefaultCheckpointPrefix. The ConfigMaps are the kube
	// adapter's: both adapters read and write the same checkpoints.
	CheckpointPrefix string
	// HyperConvergedVersion forces the API version the HyperConverged is
	// read and written through: kube.HyperConvergedV1Beta1 or
	// kube.HyperConvergedV1. "" (the default) chooses at run time, by the
	// kube adapter's rule (see [Cluster.HyperConvergedVersion]).
	HyperConvergedVersion string

	// APIReader, when set, reads the HyperConverged and its
	// CustomResourceDefinition from the API server, bypassing the cache;
	// pass mgr.GetAPIReader(). It matters when the client caches
	// unstructured objects (client.CacheOptions.Unstructured): the
	// compare-and-swap of SetWorkloadUpdateMethods then decides on what
	// the server holds rather than on the cache. A manager's default
	// client reads unstructured objects from the API server already.
	APIReader client.Reader
	// Config, when set, is used to post evictions once, as the kube
	// adapter does; pass mgr.GetConfig(). Without it evictions go through
	// the client's eviction subresource, where client-go retries a refusal
	// that carries Retry-After (a PodDisruptionBudget not yet processed
	// answers 429 with Retry-After: 10) up to ten times before it returns,
	// bounded by the context.
	Config *rest.Config
	// CacheTimeout bounds how long a read waits for the cache to hold the
	// objects this Cluster wrote; 0 means DefaultCacheTimeout. The context
	// bounds it too.
	CacheTimeout time.Duration
	// Clock times the waits for the cache; nil means the real clock.
	Clock clock.Clock
}

func (o Options) withDefaults() Options {
	o.Namespace = cmp.Or(o.Namespace, update.DefaultNamespace)
	o.CheckpointPrefix = cmp.Or(o.CheckpointPrefix, kube.DefaultCheckpointPrefix)
	if o.CacheTimeout <= 0 {
		o.CacheTimeout = DefaultCacheTimeout
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o
}

// Cluster implements every port of the update package over a
// controller-runtime client. It is safe for concurrent use. Besides the
// client it keeps the API version chosen for the HyperConverged and, until
// the cache holds them, the resourceVersions of its own writes.
type Cluster struct {
	c client.Client
	// live reads the HyperConverged and its CRD: Options.APIReader, or
	// the client.
	live client.Reader
	// evictREST posts evictions once; nil means through the client.
	evictREST rest.Interface
	opts      Options
	writes    *writes

	hcoMu sync.Mutex
	hco   *hcoChoice

	// beforeMethodsPatch, when set (by tests), runs between the read and
	// the patch of SetWorkloadUpdateMethods.
	beforeMethodsPatch func()
}

var (
	_ update.Cluster              = (*Cluster)(nil)
	_ update.VMICounter           = (*Cluster)(nil)
	_ update.PodDisruptionBudgets = (*Cluster)(nil)
	_ update.ClusterOperators     = (*Cluster)(nil)
	_ update.MachineConfigs       = (*Cluster)(nil)
)

// New returns a Cluster over the client, typically mgr.GetClient() of a
// controller-runtime manager, whose reads come from the manager's informer
// cache. The client's scheme must hold the types of [AddToScheme].
func New(c client.Client, opts Options) (*Cluster, error) {
	if c == nil {
		return nil, errors.New("crclient.New: the client is nil; pass the manager's, mgr.GetClient()")
	}
	if err := checkHyperConvergedVersion(opts.HyperConvergedVersion); err != nil {
		return nil, fmt.Errorf("crclient.New: %w", err)
	}
	if missing := missingKinds(c.Scheme()); len(missing) > 0 {
		return nil, fmt.Errorf("crclient.New: the client's scheme lacks %v: call crclient.AddToScheme on the scheme the manager is built with", missing)
	}
	opts = opts.withDefaults()
	cl := &Cluster{c: c, live: c, opts: opts, writes: newWrites()}
	if opts.APIReader != nil {
		cl.live = opts.APIReader
	}
	if opts.Config != nil {
		core, err := kubernetes.NewForConfig(opts.Config)
		if err != nil {
			return nil, fmt.Errorf("crclient.New: create the client posting evictions for %s: %w", opts.Config.Host, err)
		}
		cl.evictREST = core.CoreV1().RESTClient()
	}
	return cl, nil
}

// Namespace is the namespace of the HyperConverged and of the checkpoints.
func (c *Cluster) Namespace() string { return c.opts.Namespace }

// CheckpointConfigMapName is the name of the ConfigMap holding the named
// checkpoint record, the same as the kube adapter's.
func (c *Cluster) CheckpointConfigMapName(name string) string {
	return c.opts.CheckpointPrefix + name
}

// AddToScheme registers every type the Cluster reads and writes as a Go
// type: core (Node, Pod, ConfigMap, Eviction), policy/v1
// (PodDisruptionBudget), kubevirt.io/v1 (KubeVirt, VMI, VM, migration),
// operators.coreos.com/v1alpha1 (Subscription, ClusterServiceVersion,
// InstallPlan), config.openshift.io/v1 (ClusterVersion, ClusterOperator)
// and machineconfiguration.openshift.io/v1 (MachineConfigPool,
// MachineConfig). The HyperConverged, its CRD and NodeMaintenance have no
// importable Go types: they are read as unstructured objects and need no
// registration.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, policyv1.AddToScheme, kubevirtv1.AddToScheme,
		operatorsv1alpha1.AddToScheme, configv1.Install, mcfgv1.Install,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// Scheme returns a new scheme holding the types of AddToScheme.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// schemeKinds are objects of every Go type the Cluster uses, checked in New.
var schemeKinds = []runtime.Object{
	&corev1.Node{}, &corev1.Pod{}, &corev1.ConfigMap{}, &policyv1.PodDisruptionBudget{}, &policyv1.Eviction{},
	&kubevirtv1.KubeVirt{}, &kubevirtv1.VirtualMachineInstance{}, &kubevirtv1.VirtualMachine{}, &kubevirtv1.VirtualMachineInstanceMigration{},
	&operatorsv1alpha1.Subscription{}, &operatorsv1alpha1.ClusterServiceVersion{}, &operatorsv1alpha1.InstallPlan{},
	&configv1.ClusterVersion{}, &configv1.ClusterOperator{}, &mcfgv1.MachineConfigPool{}, &mcfgv1.MachineConfig{},
}

func missingKinds(s *runtime.Scheme) []string {
	if s == nil {
		return []string{"every type (the client has no scheme)"}
	}
	var out []string
	for _, o := range schemeKinds {
		if _, _, err := s.ObjectKinds(o); err != nil {
			out = append(out, fmt.Sprintf("%T", o))
		}
	}
	return out
}

// Kinds, as errors name them (the kube adapter's words).
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
	kindConfigMap           = "ConfigMap"
	kindClusterOperator     = "ClusterOperator"
	kindMachineConfig       = "MachineConfig"
)
