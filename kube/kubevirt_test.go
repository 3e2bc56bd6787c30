package kube

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/updatetest"
)

// TestGetKubeVirt: the KubeVirt CR HCO creates is found by its name
// ("kubevirt-" + the HyperConverged's name, HCO
// controllers/handlers/kubevirt.go NewKubeVirtWithNameOnly), else the only one in the
// namespace; none is ErrNotFound and several, none HCO's, an error naming
// them. KubeVirt CRs of other namespaces do not count.
func TestGetKubeVirt(t *testing.T) {
	cfg := needServer(t)
	a := newAdmin(t, cfg)
	live := kubevirtv1.EvictionStrategyLiveMigrate
	kv := func(ns, name string) *kubevirtv1.KubeVirt {
		return &kubevirtv1.KubeVirt{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: kubevirtv1.KubeVirtSpec{Configuration: kubevirtv1.KubeVirtConfiguration{EvictionStrategy: &live}}}
	}
	for _, tt := range []struct {
		reason   string
		kvs      []*kubevirtv1.KubeVirt
		want     string // the name read; "" for an error
		notFound bool
	}{
		{"HCO's, among others", []*kubevirtv1.KubeVirt{kv(update.DefaultNamespace, "a"), updatetest.KubeVirt(&live)}, KubeVirtName, false},
		{"the only one, another name", []*kubevirtv1.KubeVirt{kv(update.DefaultNamespace, "kubevirt")}, "kubevirt", false},
		{"none here, one elsewhere", []*kubevirtv1.KubeVirt{kv("kubevirt", "kubevirt")}, "", true},
		{"several, none HCO's", []*kubevirtv1.KubeVirt{kv(update.DefaultNamespace, "a"), kv(update.DefaultNamespace, "b")}, "", false},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			a.seed(t, updatetest.Fixture{HyperConverged: updatetest.HyperConverged(nil)})
			for _, k := range tt.kvs {
				a.create(t, KubeVirtResource, "KubeVirt", stripMeta(k.DeepCopy()))
			}
			c, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.GetKubeVirt(t.Context())
			switch {
			case tt.want != "":
				if err != nil || got.Name != tt.want || got.Spec.Configuration.EvictionStrategy == nil || *got.Spec.Configuration.EvictionStrategy != live {
					t.Fatalf("got %v, %v; want %s with its evictionStrategy", got, err, tt.want)
				}
			case tt.notFound:
				if !errors.Is(err, update.ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
			default:
				if err == nil || errors.Is(err, update.ErrNotFound) || !strings.Contains(err.Error(), "a, b") {
					t.Fatalf("err = %v, want an error naming a and b", err)
				}
			}
		})
	}
}
