# Shared by stack.sh and test.sh: make a fresh machine able to build and run MarketQR.
# shellcheck shell=bash
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="10.34.8"
export MARKETQR_STATE="${MARKETQR_STATE:-$REPO/.run}"

say() { printf '[marketqr] %s\n' "$*"; }
die() { printf '[marketqr] error: %s\n' "$*" >&2; exit 1; }

ensure_node() {
  command -v node >/dev/null || die "Node.js is missing: install Node 20.19+ (https://nodejs.org or your distribution)"
  local v
  v="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node $v is too old: MarketQR needs Node 20.19 or newer (mongoose 9 and eslint 10 require it)"
}

# pnpm comes from npm, pinned, so every machine resolves the same lockfile the same way.
ensure_pnpm() {
  if [[ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
    say "installing pnpm $PNPM_VERSION with npm (npm install -g pnpm@$PNPM_VERSION)…"
    npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null \
      || die "could not install pnpm; try: sudo npm install -g pnpm@$PNPM_VERSION"
  fi
}

install_and_build() {
  ensure_node
  ensure_pnpm
  cd "$REPO"
  local log="$MARKETQR_STATE/logs/install.log"
  say "installing dependencies (pnpm install --frozen-lockfile; output in $log)…"
  mkdir -p "$(dirname "$log")"
  # Native add-ons compile noisily on a first install: the log keeps it, the console shows it only on failure.
  if ! pnpm install --frozen-lockfile >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "pnpm install failed (full output: $log)"
  fi
  say "building (tsc -b)…"
  pnpm -s build || die "build failed"
}

# 0 when http://127.0.0.1:$1$2 answers 2xx within 3 s (node's fetch: no curl needed).
http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$1$2"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
