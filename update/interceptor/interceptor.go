// Package interceptor wraps any update.Cluster — the fake or the kube
// adapter — so that a test or a tool can see, change or fail each call of
// the ports, as controller-runtime's pkg/client/interceptor does for a
// client.Client.
//
// One function sees every call: it gets the call's description and a next
// function that makes the call on the wrapped cluster. It may call next
// (once, twice, or not at all) and return what it likes:
//
//	faulty := interceptor.New(cluster, func(ctx context.Context, call interceptor.Call, next func() error) error {
//		if call.Verb == interceptor.SaveCheckpoint && failures < 1 {
//			failures++
//			_ = next() // the write lands ...
//			return fmt.Errorf("%w: connection reset", update.ErrTransient) // ... and its answer is lost
//		}
//		return next()
//	})
package interceptor

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// Verb names one method of the ports.
type Verb string

// The verbs, one per method of update.Cluster.
const (
	GetClusterVersion        Verb = "GetClusterVersion"
	SetChannel               Verb = "SetChannel"
	SetDesiredUpdate         Verb = "SetDesiredUpdate"
	ListMachineConfigPools   Verb = "ListMachineConfigPools"
	SetPoolPaused            Verb = "SetPoolPaused"
	GetSubscription          Verb = "GetSubscription"
	ListCSVs                 Verb = "ListCSVs"
	ListInstallPlans         Verb = "ListInstallPlans"
	ApproveInstallPlan       Verb = "ApproveInstallPlan"
	GetHyperConverged        Verb = "GetHyperConverged"
	SetWorkloadUpdateMethods Verb = "SetWorkloadUpdateMethods"
	GetKubeVirt              Verb = "GetKubeVirt"
	ListNodes                Verb = "ListNodes"
	ListNodeMaintenances     Verb = "ListNodeMaintenances"
	ListVMIs                 Verb = "ListVMIs"
	ListVirtualMachines      Verb = "ListVirtualMachines"
	ListMigrations           Verb = "ListMigrations"
	CreateMigration          Verb = "CreateMigration"
	EvictVMI                 Verb = "EvictVMI"
	LoadCheckpoint           Verb = "LoadCheckpoint"
	SaveCheckpoint           Verb = "SaveCheckpoint"
)

// Write reports whether the verb changes the cluster.
func (v Verb) Write() bool {
	switch v {
	case SetChannel, SetDesiredUpdate, SetPoolPaused, ApproveInstallPlan, SetWorkloadUpdateMethods, CreateMigration, EvictVMI, SaveCheckpoint:
		return true
	}
	return false
}

// Call describes one call of a port.
type Call struct {
	Verb Verb
	// Namespace and Name are the object's, when the call names one.
	Namespace, Name string
}

// Func sees a call. next makes it on the wrapped cluster; the error Func
// returns is the call's.
type Func func(ctx context.Context, call Call, next func() error) error

// New wraps c: every call of the ports goes through fn.
func New(c update.Cluster, fn Func) update.Cluster { return &cluster{c: c, fn: fn} }

type cluster struct {
	c  update.Cluster
	fn Func
}

var _ update.Cluster = (*cluster)(nil)

func (w *cluster) GetClusterVersion(ctx context.Context) (out *update.ClusterVersion, err error) {
	err = w.fn(ctx, Call{Verb: GetClusterVersion, Name: "version"}, func() error {
		out, err = w.c.GetClusterVersion(ctx)
		return err
	})
	return out, err
}

func (w *cluster) SetChannel(ctx context.Context, channel string) error {
	return w.fn(ctx, Call{Verb: SetChannel, Name: "version"}, func() error { return w.c.SetChannel(ctx, channel) })
}

func (w *cluster) SetDesiredUpdate(ctx context.Context, version string) error {
	return w.fn(ctx, Call{Verb: SetDesiredUpdate, Name: "version"}, func() error { return w.c.SetDesiredUpdate(ctx, version) })
}

func (w *cluster) ListMachineConfigPools(ctx context.Context) (out []update.MachineConfigPool, err error) {
	err = w.fn(ctx, Call{Verb: ListMachineConfigPools}, func() error {
		out, err = w.c.ListMachineConfigPools(ctx)
		return err
	})
	return out, err
}

func (w *cluster) SetPoolPaused(ctx context.Context, name string, paused bool) error {
	return w.fn(ctx, Call{Verb: SetPoolPaused, Name: name}, func() error { return w.c.SetPoolPaused(ctx, name, paused) })
}

func (w *cluster) GetSubscription(ctx context.Context, namespace, name string) (out *update.Subscription, err error) {
	err = w.fn(ctx, Call{Verb: GetSubscription, Namespace: namespace, Name: name}, func() error {
		out, err = w.c.GetSubscription(ctx, namespace, name)
		return err
	})
	return out, err
}

func (w *cluster) ListCSVs(ctx context.Context, namespace string) (out []conditions.CSV, err error) {
	err = w.fn(ctx, Call{Verb: ListCSVs, Namespace: namespace}, func() error {
		out, err = w.c.ListCSVs(ctx, namespace)
		return err
	})
	return out, err
}

func (w *cluster) ListInstallPlans(ctx context.Context, namespace string) (out []update.InstallPlan, err error) {
	err = w.fn(ctx, Call{Verb: ListInstallPlans, Namespace: namespace}, func() error {
		out, err = w.c.ListInstallPlans(ctx, namespace)
		return err
	})
	return out, err
}

func (w *cluster) ApproveInstallPlan(ctx context.Context, namespace, name string) error {
	return w.fn(ctx, Call{Verb: ApproveInstallPlan, Namespace: namespace, Name: name}, func() error { return w.c.ApproveInstallPlan(ctx, namespace, name) })
}

func (w *cluster) GetHyperConverged(ctx context.Context) (out *update.HyperConverged, err error) {
	err = w.fn(ctx, Call{Verb: GetHyperConverged, Name: update.HyperConvergedName}, func() error {
		out, err = w.c.GetHyperConverged(ctx)
		return err
	})
	return out, err
}

func (w *cluster) SetWorkloadUpdateMethods(ctx context.Context, from, to *[]kubevirtv1.WorkloadUpdateMethod) error {
	return w.fn(ctx, Call{Verb: SetWorkloadUpdateMethods, Name: update.HyperConvergedName}, func() error {
		return w.c.SetWorkloadUpdateMethods(ctx, from, to)
	})
}

func (w *cluster) GetKubeVirt(ctx context.Context) (out *kubevirtv1.KubeVirt, err error) {
	err = w.fn(ctx, Call{Verb: GetKubeVirt}, func() error {
		out, err = w.c.GetKubeVirt(ctx)
		return err
	})
	return out, err
}

func (w *cluster) ListNodes(ctx context.Context) (out []corev1.Node, err error) {
	err = w.fn(ctx, Call{Verb: ListNodes}, func() error {
		out, err = w.c.ListNodes(ctx)
		return err
	})
	return out, err
}

func (w *cluster) ListNodeMaintenances(ctx context.Context) (out []update.NodeMaintenance, err error) {
	err = w.fn(ctx, Call{Verb: ListNodeMaintenances}, func() error {
		out, err = w.c.ListNodeMaintenances(ctx)
		return err
	})
	return out, err
}

func (w *cluster) ListVMIs(ctx context.Context, opts update.ListOptions) (out []kubevirtv1.VirtualMachineInstance, err error) {
	err = w.fn(ctx, Call{Verb: ListVMIs, Namespace: opts.Namespace}, func() error {
		out, err = w.c.ListVMIs(ctx, opts)
		return err
	})
	return out, err
}

func (w *cluster) ListVirtualMachines(ctx context.Context, opts update.ListOptions) (out []kubevirtv1.VirtualMachine, err error) {
	err = w.fn(ctx, Call{Verb: ListVirtualMachines, Namespace: opts.Namespace}, func() error {
		out, err = w.c.ListVirtualMachines(ctx, opts)
		return err
	})
	return out, err
}

func (w *cluster) ListMigrations(ctx context.Context, opts update.ListOptions) (out []kubevirtv1.VirtualMachineInstanceMigration, err error) {
	err = w.fn(ctx, Call{Verb: ListMigrations, Namespace: opts.Namespace}, func() error {
		out, err = w.c.ListMigrations(ctx, opts)
		return err
	})
	return out, err
}

func (w *cluster) CreateMigration(ctx context.Context, m *kubevirtv1.VirtualMachineInstanceMigration) (out *kubevirtv1.VirtualMachineInstanceMigration, err error) {
	call := Call{Verb: CreateMigration}
	if m != nil {
		call.Namespace, call.Name = m.Namespace, m.Name
	}
	err = w.fn(ctx, call, func() error {
		out, err = w.c.CreateMigration(ctx, m)
		return err
	})
	return out, err
}

func (w *cluster) EvictVMI(ctx context.Context, namespace, name string) error {
	return w.fn(ctx, Call{Verb: EvictVMI, Namespace: namespace, Name: name}, func() error { return w.c.EvictVMI(ctx, namespace, name) })
}

func (w *cluster) LoadCheckpoint(ctx context.Context, name string) (out update.Checkpoint, err error) {
	err = w.fn(ctx, Call{Verb: LoadCheckpoint, Name: name}, func() error {
		out, err = w.c.LoadCheckpoint(ctx, name)
		return err
	})
	return out, err
}

func (w *cluster) SaveCheckpoint(ctx context.Context, c update.Checkpoint) (out update.Checkpoint, err error) {
	err = w.fn(ctx, Call{Verb: SaveCheckpoint, Name: c.Name}, func() error {
		out, err = w.c.SaveCheckpoint(ctx, c)
		return err
	})
	return out, err
}
