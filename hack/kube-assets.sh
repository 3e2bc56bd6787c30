#!/usr/bin/env bash
# Builds kube-apiserver and etcd for the kube package's integration tests from the
# Go module proxy (through the separate tools module in hack/kube-assets, whose
# replace directives pin Kubernetes' staging modules), unless they are already
# cached, and prints the directory holding them: point KUBEBUILDER_ASSETS at it.
#
#   export KUBEBUILDER_ASSETS="$(hack/kube-assets.sh)"
#
# The binaries are cached outside the repository, keyed by version:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/virtupdate/kube-assets/<version>/
# A cold build takes several minutes and about 2.5 GB of memory; a cached one
# returns at once. Progress goes to stderr, the directory alone to stdout.
set -euo pipefail

KUBE_VERSION=v1.37.1
here="$(cd "$(dirname "$0")" && pwd)"
cache="${VIRTUPDATE_KUBE_ASSETS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/virtupdate/kube-assets/$KUBE_VERSION}"

if [ -x "$cache/kube-apiserver" ] && [ -x "$cache/etcd" ]; then
  echo "$cache"
  exit 0
fi

echo "building kube-apiserver $KUBE_VERSION and etcd into $cache (several minutes when cold)" >&2
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

minor="${KUBE_VERSION#v1.}"
minor="${minor%%.*}"
(
  cd "$here/kube-assets"
  go build -mod=readonly \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3
) >&2
mv "$tmp/server" "$tmp/etcd"
# Move etcd first: a directory with kube-apiserver counts as complete only once etcd is there too.
mv "$tmp/etcd" "$cache/etcd"
mv "$tmp/kube-apiserver" "$cache/kube-apiserver"
echo "$cache"
