package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/virtupdate/virtupdate/update"
)

// HCO's API: its group, the CustomResourceDefinition of the HyperConverged,
// and the two versions the adapter maps onto update.HyperConverged.
const (
	// HyperConvergedGroup is HCO's API group.
	HyperConvergedGroup = "hco.kubevirt.io"
	// HyperConvergedCRDName is the name of the HyperConverged's CRD, the
	// one CustomResourceDefinition the adapter reads (deploy/rbac.yaml
	// grants get on it alone).
	HyperConvergedCRDName = "hyperconvergeds.hco.kubevirt.io"
	// HyperConvergedV1Beta1 is the version HCO 1.18 and earlier store:
	// spec.workloadUpdateStrategy, spec.liveMigrationConfig and
	// spec.evictionStrategy directly under spec.
	HyperConvergedV1Beta1 = "v1beta1"
	// HyperConvergedV1 is the version HCO 1.19 and later store: the same
	// three fields under spec.virtualization.
	HyperConvergedV1 = "v1"
)

// hyperConvergedVersions are the versions the adapter knows, the one it
// prefers first when nothing else decides.
var hyperConvergedVersions = []string{HyperConvergedV1, HyperConvergedV1Beta1}

// hcoChoice is the API version chosen for the HyperConverged and why.
type hcoChoice struct {
	version string
	// why says how the version was chosen, for messages.
	why string
	// forced: Options.HyperConvergedVersion chose it.
	forced bool
	// crdErr is why the CRD could not be read when the choice fell back on
	// discovery; nil otherwise.
	crdErr error
}

func checkHyperConvergedVersion(v string) error {
	if v == "" || slices.Contains(hyperConvergedVersions, v) {
		return nil
	}
	return fmt.Errorf("%w: Options.HyperConvergedVersion is %q: use %q (HCO 1.18 and earlier store it), %q (HCO 1.19 and later) or \"\" to choose by the CRD's storage version",
		update.ErrInvalid, v, HyperConvergedV1Beta1, HyperConvergedV1)
}

// HyperConvergedVersion returns the API version of hco.kubevirt.io the
// Cluster reads and writes the HyperConverged through, and why it was
// chosen. The rule, first that applies:
//
//  1. Options.HyperConvergedVersion, when set;
//  2. the storage version of the CRD hyperconvergeds.hco.kubevirt.io,
//     when the identity may read it (deploy/rbac.yaml grants get on it):
//     a write through the storage version is stored as written, whether
//     or not a conversion webhook runs. HCO 1.18 stores v1beta1 and serves
//     v1 without any conversion webhook, so a v1 write is pruned to
//     nothing there; HCO 1.19 and later store v1 and convert v1beta1
//     through a webhook HCO configures at run time
//     (controllers/webhooks/conversion-webhook-controller);
//  3. otherwise the version discovery prefers for hco.kubevirt.io (v1 when
//     both are served, by Kubernetes' version priority), which is wrong
//     on HCO 1.18: a write through it is then update.ErrNotStored, and the
//     error says the CRD could not be read.
//
// The choice is made once and kept; it is made again after a write was
// not stored, or when the HyperConverged is not found through it (HCO was
// updated and no longer serves it).
func (c *Cluster) HyperConvergedVersion(ctx context.Context) (version, why string, err error) {
	ch, err := c.hcoVersion(ctx)
	if err != nil {
		return "", "", err
	}
	return ch.version, ch.why, nil
}

// hcoVersion returns the cached choice, making it first when needed.
func (c *Cluster) hcoVersion(ctx context.Context) (*hcoChoice, error) {
	c.hcoMu.Lock()
	defer c.hcoMu.Unlock()
	if c.hco != nil {
		return c.hco, nil
	}
	ch, err := c.chooseHCOVersion(ctx)
	if err != nil {
		return nil, err
	}
	c.hco = ch
	return ch, nil
}

// forgetHCOVersion drops the choice ch, unless another call replaced it
// already; the next call chooses again.
func (c *Cluster) forgetHCOVersion(ch *hcoChoice) {
	c.hcoMu.Lock()
	defer c.hcoMu.Unlock()
	if c.hco == ch && !ch.forced {
		c.hco = nil
	}
}

func (c *Cluster) chooseHCOVersion(ctx context.Context) (*hcoChoice, error) {
	if v := c.opts.HyperConvergedVersion; v != "" {
		if err := checkHyperConvergedVersion(v); err != nil {
			return nil, err
		}
		return &hcoChoice{version: v, why: "set by Options.HyperConvergedVersion", forced: true}, nil
	}
	crd, err := c.dyn.Resource(CRDResource).Get(ctx, HyperConvergedCRDName, metav1.GetOptions{})
	if err == nil {
		return versionFromCRD(crd)
	}
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: the CustomResourceDefinition %s does not exist: HCO (OpenShift Virtualization) is not installed", update.ErrNotFound, HyperConvergedCRDName)
	}
	crdErr := MapError("get", kindCRD, "", HyperConvergedCRDName, err)
	ch, derr := c.versionFromDiscovery()
	if derr != nil {
		return nil, fmt.Errorf("choose the API version of %s: %w; and %w", HyperConvergedGroup, crdErr, derr)
	}
	ch.crdErr = crdErr
	ch.why += fmt.Sprintf(" (its CRD could not be read to find the storage version: %v)", crdErr)
	return ch, nil
}

// HyperConvergedVersionFromCRD chooses the API version to read and write
// the HyperConverged through from its CustomResourceDefinition
// (HyperConvergedCRDName, as read with a dynamic or unstructured client):
// the storage version when it is one the adapters know (HyperConvergedV1Beta1,
// HyperConvergedV1) and served, else a known served version, v1 first (a
// later HCO storing a newer version may still serve these through its
// conversion webhook). why says which rule chose it, for messages. A CRD
// serving none of the known versions is an error saying to update
// virtupdate. It is rule 2 of [Cluster.HyperConvergedVersion].
func HyperConvergedVersionFromCRD(crd *unstructured.Unstructured) (version, why string, err error) {
	ch, err := versionFromCRD(crd)
	if err != nil {
		return "", "", err
	}
	return ch.version, ch.why, nil
}

// versionFromCRD is HyperConvergedVersionFromCRD's choice.
func versionFromCRD(crd *unstructured.Unstructured) (*hcoChoice, error) {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	strategy, _, _ := unstructured.NestedString(crd.Object, "spec", "conversion", "strategy")
	var served []string
	storage := ""
	for _, x := range versions {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if isServed, _ := m["served"].(bool); isServed {
			served = append(served, name)
		}
		if isStorage, _ := m["storage"].(bool); isStorage {
			storage = name
		}
	}
	if slices.Contains(served, storage) && slices.Contains(hyperConvergedVersions, storage) {
		return &hcoChoice{version: storage, why: fmt.Sprintf("the storage version of the CRD %s", HyperConvergedCRDName)}, nil
	}
	for _, v := range hyperConvergedVersions {
		if slices.Contains(served, v) {
			return &hcoChoice{version: v, why: fmt.Sprintf("served by the CRD %s, which stores %q, a version virtupdate does not know (conversion strategy %q)",
				HyperConvergedCRDName, storage, strategy)}, nil
		}
	}
	return nil, fmt.Errorf("the CRD %s serves %s, none of the versions virtupdate knows (%s): update virtupdate",
		HyperConvergedCRDName, showList(served), strings.Join(hyperConvergedVersions, ", "))
}

// versionFromDiscovery chooses the version the API server prefers for
// HCO's group, or else a known served version.
func (c *Cluster) versionFromDiscovery() (*hcoChoice, error) {
	groups, err := c.core.Discovery().ServerGroups()
	if err != nil {
		return nil, fmt.Errorf("discover the API groups: %w", err)
	}
	for _, g := range groups.Groups {
		if g.Name != HyperConvergedGroup {
			continue
		}
		if slices.Contains(hyperConvergedVersions, g.PreferredVersion.Version) {
			return &hcoChoice{version: g.PreferredVersion.Version, why: "the version discovery prefers for " + HyperConvergedGroup}, nil
		}
		var served []string
		for _, v := range g.Versions {
			served = append(served, v.Version)
		}
		for _, v := range hyperConvergedVersions {
			if slices.Contains(served, v) {
				return &hcoChoice{version: v, why: fmt.Sprintf("served by %s, whose preferred version %q virtupdate does not know", HyperConvergedGroup, g.PreferredVersion.Version)}, nil
			}
		}
		return nil, fmt.Errorf("%s serves %s, none of the versions virtupdate knows (%s): update virtupdate",
			HyperConvergedGroup, showList(served), strings.Join(hyperConvergedVersions, ", "))
	}
	return nil, fmt.Errorf("%w: the API server does not serve the group %s: HCO (OpenShift Virtualization) is not installed", update.ErrNotFound, HyperConvergedGroup)
}

// withVersionHint adds to a write's error how the version was chosen when
// that may be the cause: discovery chose it because the CRD could not be
// read. The error then also wraps the CRD's error (ErrForbidden when the
// role is missing).
func withVersionHint(err error, ch *hcoChoice) error {
	var oe *update.ObjectError
	if ch.crdErr == nil || !errors.As(err, &oe) {
		return err
	}
	out := *oe
	out.Err = fmt.Errorf("%w; %s/%s is the version discovery prefers, used because the CRD could not be read to find the storage version: %w", oe.Err, HyperConvergedGroup, ch.version, ch.crdErr)
	return &out
}

func showList(s []string) string {
	if len(s) == 0 {
		return "no version"
	}
	return "[" + strings.Join(s, ", ") + "]"
}
