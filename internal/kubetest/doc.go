// Package kubetest runs a real kube-apiserver and etcd (envtest) with the
// upstream CustomResourceDefinitions of every object virtupdate reads and
// writes, for the tests of the kube package and of the CLI.
//
// The CRDs come from two places: the project's copies in kube/testdata/crds
// (HCO's, KubeVirt's and both NodeMaintenance operators'; see the NOTICE.md
// there) and, for OLM and OpenShift, the Go modules at the versions in
// go.mod, found with `go list -m`. [Start] installs HCO 1.18's CRD, which
// stores v1beta1; [Server.UseHCO] swaps in HCO main's, which stores v1, so
// one server runs the tests against both.
//
// The binaries come from $KUBEBUILDER_ASSETS (hack/kube-assets.sh builds
// them); [Assets] says how to get them when they are missing.
package kubetest
