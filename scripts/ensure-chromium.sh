#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the web app's browser tests (apps/web/test).
# Idempotent: does nothing when it is there. Never downloads a browser from anywhere but the distribution's packages.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "[marketqr] $CHROMIUM is missing and there is no apt-get: install Chromium" >&2; exit 1; }
SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo"
echo "[marketqr] installing chromium (apt-get)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
[[ -x "$CHROMIUM" ]] || { echo "[marketqr] chromium installed but $CHROMIUM is not there" >&2; exit 1; }
echo "[marketqr] $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready"
