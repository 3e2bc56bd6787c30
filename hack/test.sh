#!/usr/bin/env bash
# The project's one test command: everything CI runs, in the order CI runs it.
# It needs only the Go toolchain; staticcheck comes through the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2

step() { printf '\n==> %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files (run gofmt -w):"; echo "$unformatted"; exit 1
fi

step "go mod verify"
go mod verify

step "go vet"
go vet ./...

step "staticcheck $STATICCHECK_VERSION"
go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...

step "kube-apiserver and etcd for the kube package's tests (built once, then cached)"
KUBEBUILDER_ASSETS="$(hack/kube-assets.sh)"
export KUBEBUILDER_ASSETS
echo "$KUBEBUILDER_ASSETS"

step "go test -race"
go test -race -count=1 ./...

echo; echo "all checks passed"
