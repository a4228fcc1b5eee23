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
# tests/deploy renders the Helm chart with a pinned helm built from the Go module proxy: the first time, build it here
# (a few minutes) rather than inside a test while the other worker's tests compete for the cores. Cached afterwards.
bash "$REPO/deploy/scripts/helm.sh" version >/dev/null || say "helm could not be built: tests/deploy/helm.test.ts will fail"
say "running tests (jest)…"
# With arguments, one jest run of what they select.
if [[ $# -gt 0 ]]; then exec pnpm exec jest "$@"; fi
# Without: the suite in parallel (two workers), then the whole-system browser test on its own. It starts seven
# processes and Chromium; sharing two cores with the load test as well made its waits a matter of luck on a busy
# machine. One closing line counts both runs.
counts=$(mktemp -d)
rc=0
MARKETQR_SKIP_SYSTEM=1 MARKETQR_SUMMARY_FILE="$counts/suite.json" pnpm exec jest || rc=$?
MARKETQR_SUMMARY_FILE="$counts/system.json" pnpm exec jest apps/web/test/web.e2e.test.ts || rc=$?
node -e '
  const fs = require("node:fs");
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const name of ["suite.json", "system.json"]) {
    const file = require("node:path").join(process.argv[1], name);
    // A run that never reached its reporter (a crash in global setup) counts as a failure.
    const c = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { passed: 0, failed: 1, skipped: 0 };
    for (const k of Object.keys(t)) t[k] += c[k];
  }
  process.stderr.write(`\ntests: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}\n`);
' "$counts"
rm -rf "$counts"
exit "$rc"
