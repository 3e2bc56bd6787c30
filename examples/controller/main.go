// Command controller is a workload-update controller built on the SDK: a
// controller-runtime manager with leader election that runs package
// controller's reconciler (workload's planner with the SDK's policies)
// through crclient's ports over the manager's cache, serves its metrics
// and records Events on stuck and blocked VMIs.
//
//	go run ./examples/controller --kubeconfig ~/.kube/config --methods LiveMigrate,Evict
//
// In a pod it uses the service account (deploy/controller has the
// manifests). Switch KubeVirt's own updater off first: set the
// HyperConverged's spec.workloadUpdateStrategy.workloadUpdateMethods to [].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/virtupdate/virtupdate/controller"
	"github.com/virtupdate/virtupdate/kube/crclient"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/workload"
)

// config is what the flags set.
type config struct {
	kubeconfig, kubeContext string
	namespace               string
	leaderElect             bool
	metricsAddr, probeAddr  string
	methods, launcherImage  string
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("controller", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "the kubeconfig (default: in-cluster, then $KUBECONFIG and ~/.kube/config)")
	fs.StringVar(&c.kubeContext, "context", "", "the kubeconfig context")
	fs.StringVar(&c.namespace, "namespace", update.DefaultNamespace, "the namespace of the HyperConverged, of the checkpoint and of the leader-election Lease")
	fs.BoolVar(&c.leaderElect, "leader-elect", true, "elect a leader, so one replica acts")
	fs.StringVar(&c.metricsAddr, "metrics-bind-address", ":8080", `where to serve /metrics ("0" for nowhere)`)
	fs.StringVar(&c.probeAddr, "health-probe-bind-address", ":8081", `where to serve /healthz and /readyz ("0" for nowhere)`)
	fs.StringVar(&c.methods, "methods", "", "workload update methods (LiveMigrate,Evict) instead of the HyperConverged's")
	fs.StringVar(&c.launcherImage, "launcher-image", "", "the target virt-launcher image (default: the kubevirt.io/outdatedLauncherImage label decides)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

func main() {
	c, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	ctrllog.SetLogger(klog.NewKlogr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := restConfig(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if err := run(ctx, cfg, c); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func restConfig(c config) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load the kubeconfig: %w", err)
	}
	return cfg, nil
}

// options are the reconciler's options from the flags.
func options(c config) ([]controller.Option, error) {
	var opts []controller.Option
	if c.methods != "" {
		m, err := workload.ParseMethods(c.methods)
		if err != nil {
			return nil, fmt.Errorf("--methods: %w", err)
		}
		opts = append(opts, controller.Methods(m))
	}
	if c.launcherImage != "" {
		opts = append(opts, controller.LauncherImage(c.launcherImage))
	}
	return opts, nil
}

// run builds the manager, adds the reconciler and runs until ctx ends.
func run(ctx context.Context, cfg *rest.Config, c config) error {
	opts, err := options(c)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, crclient.AddToScheme, controller.AddToScheme} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                  scheme,
		Cache:                   controller.CacheOptions(c.namespace),
		LeaderElection:          c.leaderElect,
		LeaderElectionID:        controller.DefaultName,
		LeaderElectionNamespace: c.namespace,
		Metrics:                 metricsserver.Options{BindAddress: c.metricsAddr},
		HealthProbeBindAddress:  c.probeAddr,
	})
	if err != nil {
		return fmt.Errorf("build the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	cl, err := crclient.New(mgr.GetClient(), crclient.Options{Namespace: c.namespace, APIReader: mgr.GetAPIReader(), Config: mgr.GetConfig()})
	if err != nil {
		return err
	}
	r, err := controller.New(cl, opts...)
	if err != nil {
		return err
	}
	if err := r.SetupWithManager(mgr, c.namespace); err != nil {
		return err
	}
	return mgr.Start(ctx)
}
