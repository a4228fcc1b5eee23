#!/usr/bin/env bash
# Runs every test against real infrastructure: installs and builds first (the system tests start the built services),
# then jest. The jest global setup uses KAFKA_BROKERS/MONGO_URL when set, else testcontainers when Docker answers,
# else starts the local Kafka and FerretDB itself (and stops them again if it started them).
# Extra arguments go to jest (e.g. `npm test -- tests/infra`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_and_build
cd "$REPO"
# The web app's tests drive a real headless Chromium: Debian's package, installed once if missing.
bash "$REPO/scripts/ensure-chromium.sh"
say "running tests (jest)…"
exec pnpm exec jest "$@"
