package crclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/virtupdate/virtupdate/kube"
	"github.com/virtupdate/virtupdate/update"
)

// hyperConvergedVersions are the versions the adapter knows, the one it
// prefers first when nothing else decides.
var hyperConvergedVersions = []string{kube.HyperConvergedV1, kube.HyperConvergedV1Beta1}

// hyperConvergedGK is the HyperConverged's group and kind.
var hyperConvergedGK = schema.GroupKind{Group: kube.HyperConvergedGroup, Kind: kindHyperConverged}

// crdGVK is the CustomResourceDefinition's kind, read as unstructured.
var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: kindCRD}

// hcoChoice is the API version chosen for the HyperConverged and why.
type hcoChoice struct {
	version string
	why     string
	forced  bool
	// crdErr is why the CRD could not be read when the choice fell back on
	// the REST mapper; nil otherwise.
	crdErr error
}

func checkHyperConvergedVersion(v string) error {
	if v == "" || slices.Contains(hyperConvergedVersions, v) {
		return nil
	}
	return fmt.Errorf("%w: Options.HyperConvergedVersion is %q: use %q (HCO 1.18 and earlier store it), %q (HCO 1.19 and later) or \"\" to choose by the CRD's storage version",
		update.ErrInvalid, v, kube.HyperConvergedV1Beta1, kube.HyperConvergedV1)
}

// HyperConvergedVersion returns the API version of hco.kubevirt.io the
// Cluster reads and writes the HyperConverged through, and why, by the
// kube adapter's rule (kube.Cluster.HyperConvergedVersion), first that
// applies:
//
//  1. Options.HyperConvergedVersion, when set;
//  2. the storage version of the CRD hyperconvergeds.hco.kubevirt.io,
//     read as an unstructured object through Options.APIReader, or the
//     client (which reads unstructured objects from the API server unless
//     it caches them; a CRD informer would hold every CRD of the
//     cluster);
//  3. otherwise the version the client's REST mapper prefers for the
//     group (discovery's priority order: v1 when both are served), which
//     is wrong on HCO 1.18; a write through it is then
//     update.ErrNotStored, and the error says the CRD could not be read.
//
// The choice is kept; it is made again after a write was not stored, or
// when the HyperConverged is not found through it.
func (c *Cluster) HyperConvergedVersion(ctx context.Context) (version, why string, err error) {
	ch, err := c.hcoVersion(ctx)
	if err != nil {
		return "", "", err
	}
	return ch.version, ch.why, nil
}

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

// forgetHCOVersion drops the choice ch, unless another call replaced it.
func (c *Cluster) forgetHCOVersion(ch *hcoChoice) {
	c.hcoMu.Lock()
	defer c.hcoMu.Unlock()
	if c.hco == ch && !ch.forced {
		c.hco = nil
	}
}

func (c *Cluster) chooseHCOVersion(ctx context.Context) (*hcoChoice, error) {
	if v := c.opts.HyperConvergedVersion; v != "" {
		return &hcoChoice{version: v, why: "set by Options.HyperConvergedVersion", forced: true}, nil
	}
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(crdGVK)
	err := c.get(ctx, c.live, client.ObjectKey{Name: kube.HyperConvergedCRDName}, crd)
	if err == nil {
		v, why, err := kube.HyperConvergedVersionFromCRD(crd)
		if err != nil {
			return nil, err
		}
		return &hcoChoice{version: v, why: why}, nil
	}
	if notServed(err) {
		return nil, fmt.Errorf("%w: the CustomResourceDefinition %s does not exist: HCO (OpenShift Virtualization) is not installed", update.ErrNotFound, kube.HyperConvergedCRDName)
	}
	crdErr := mapError("get", kindCRD, "", kube.HyperConvergedCRDName, err)
	ch, merr := c.versionFromMapper()
	if merr != nil {
		return nil, fmt.Errorf("choose the API version of %s: %w; and %w", kube.HyperConvergedGroup, crdErr, merr)
	}
	ch.crdErr = crdErr
	ch.why += fmt.Sprintf(" (its CRD could not be read to find the storage version: %v)", crdErr)
	return ch, nil
}

// versionFromMapper chooses the version the REST mapper prefers for the
// HyperConverged (controller-runtime's pkg/client/apiutil mapper keeps
// discovery's priority order), or else a known served version.
func (c *Cluster) versionFromMapper() (*hcoChoice, error) {
	mapper := c.c.RESTMapper()
	m, err := mapper.RESTMapping(hyperConvergedGK)
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("%w: the API server does not serve the group %s: HCO (OpenShift Virtualization) is not installed", update.ErrNotFound, kube.HyperConvergedGroup)
	}
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", hyperConvergedGK, err)
	}
	if v := m.GroupVersionKind.Version; slices.Contains(hyperConvergedVersions, v) {
		return &hcoChoice{version: v, why: "the version discovery prefers for " + kube.HyperConvergedGroup}, nil
	}
	all, err := mapper.RESTMappings(hyperConvergedGK)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", hyperConvergedGK, err)
	}
	var served []string
	for _, x := range all {
		served = append(served, x.GroupVersionKind.Version)
	}
	for _, v := range hyperConvergedVersions {
		if slices.Contains(served, v) {
			return &hcoChoice{version: v, why: fmt.Sprintf("served by %s, whose preferred version %q virtupdate does not know", kube.HyperConvergedGroup, m.GroupVersionKind.Version)}, nil
		}
	}
	return nil, fmt.Errorf("%s serves %s, none of the versions virtupdate knows (%s): update virtupdate",
		kube.HyperConvergedGroup, showList(served), strings.Join(hyperConvergedVersions, ", "))
}

// withVersionHint adds to a write's error how the version was chosen when
// that may be the cause: the CRD could not be read.
func withVersionHint(err error, ch *hcoChoice) error {
	var oe *update.ObjectError
	if ch.crdErr == nil || !errors.As(err, &oe) {
		return err
	}
	out := *oe
	out.Err = fmt.Errorf("%w; %s/%s is the version discovery prefers, used because the CRD could not be read to find the storage version: %w", oe.Err, kube.HyperConvergedGroup, ch.version, ch.crdErr)
	return &out
}

func showList(s []string) string {
	if len(s) == 0 {
		return "no version"
	}
	return "[" + strings.Join(s, ", ") + "]"
}
