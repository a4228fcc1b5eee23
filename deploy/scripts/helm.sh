#!/usr/bin/env bash
# Runs Helm without installing it: the first call builds it from the Go module proxy (helm.sh/helm/v4, pinned) into
# the cache, every later call runs the cached binary. Arguments go to helm as they are:
#
#   bash deploy/scripts/helm.sh template marketqr deploy/helm/marketqr -f my-values.yaml
#   bash deploy/scripts/helm.sh lint --strict deploy/helm/marketqr -f deploy/helm/marketqr/ci/test-values.yaml
#
# The build takes a few minutes on two cores (the whole of Kubernetes' client libraries) and needs Go 1.26+
# (helm v4.3's go.mod). HELM_VERSION=v3.21.4 builds helm.sh/helm/v3 instead. Cache: $MARKETQR_CACHE (default
# ~/.cache/marketqr), like Kafka and FerretDB (infra/local/infra.sh).
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v4.3.2}"
CACHE="${MARKETQR_CACHE:-$HOME/.cache/marketqr}"
DIR="$CACHE/helm-$HELM_VERSION"
BIN="$DIR/helm"

say() { printf '[helm] %s\n' "$*" >&2; }
die() { printf '[helm] error: %s\n' "$*" >&2; exit 1; }

build() {
  command -v go >/dev/null 2>&1 \
    || die "go is missing: it builds helm $HELM_VERSION from the Go module proxy. Install Go 1.26+ (go.dev/dl)."
  local major="${HELM_VERSION%%.*}" # v4.3.2 → v4
  local module="helm.sh/helm/$major"
  # go install names the binary after the package and writes it into GOBIN: a directory of its own, moved into place
  # only when complete, so an interrupted build never leaves a broken helm behind.
  local out="$DIR/.build"
  rm -rf "$out" && mkdir -p "$out"
  say "building helm $HELM_VERSION ($module) from the Go module proxy into $DIR (first run only, a few minutes)…"
  # CGO off: a static binary that does not depend on this machine's C library. The version is stamped the way Helm's
  # own Makefile does, so `helm version` (and .Capabilities.HelmVersion) say what this is.
  if ! GOBIN="$out" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" \
    go install -ldflags "-s -w -X $module/internal/version.version=$HELM_VERSION" "$module/cmd/helm@$HELM_VERSION" \
    >"$DIR/build.log" 2>&1; then
    tail -20 "$DIR/build.log" >&2
    die "building helm $HELM_VERSION failed; see $DIR/build.log"
  fi
  mv "$out/helm" "$BIN"
  rm -rf "$out"
  say "helm $HELM_VERSION cached at $BIN"
}

if [[ ! -x "$BIN" ]]; then
  mkdir -p "$DIR"
  # Two test workers (or a CI prepare step and a test) may ask at once: one builds, the other waits for it.
  exec 9>"$DIR/.lock"
  flock 9
  [[ -x "$BIN" ]] || build
  exec 9>&-
fi

# Helm's own state (repositories, plugins, registry logins) stays inside the cache unless the caller has its own:
# rendering a local chart needs none of it, and a developer's ~/.config/helm is left alone.
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$DIR/config}"
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$DIR/cache}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$DIR/data}"
exec "$BIN" "$@"
