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

step "chromium for the report package's browser test"
if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
  echo "found $(command -v chromium || echo /usr/bin/chromium)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium"
  log=$(mktemp)
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >"$log" 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >>"$log" 2>&1; }; then
    echo "installed $(command -v chromium || echo /usr/bin/chromium)"
  else
    tail -n 20 "$log"
    echo "could not install chromium: the browser test fails under CI=true and skips otherwise"
  fi
  rm -f "$log"
else
  echo "no chromium, and no root with apt-get to install it: the browser test fails under CI=true and skips otherwise"
fi

step "go test -race"
go test -race -count=1 ./...

echo; echo "all checks passed"
