#!/usr/bin/env bash
# pnpm bench / npm run bench: installs and builds, then measures (bench/src/run.ts). `--quick` for a short run;
# `--only photos` for the QR photo reading step alone (no infrastructure needed), `--only qr` for dynamic QR issue,
# `--only documents` for the documents and bytes stored per payment; `--no-photos` skips the photo step of a full run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_and_build
cd "$REPO"
exec node bench/dist/run.js "$@"
