#!/usr/bin/env bash
# The fault suite (tests/faults, see README "Fault suite"): installs and builds like test.sh (the scenarios start the
# built services as processes), then runs only the fault scenarios, one file at a time. Scenarios on the shared
# infrastructure use KAFKA_BROKERS/MONGO_URL (or what the jest global setup finds or starts); those that restart
# Kafka or FerretDB start a private pair of their own on other ports. Extra arguments go to jest
# (e.g. `pnpm test:faults -- -t "bank down"`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_and_build
cd "$REPO"
rm -f test-results/faults.jsonl
say "running the fault suite (jest, tests/faults)…"
exec pnpm exec jest --config tests/faults/jest.config.js --runInBand "$@"
