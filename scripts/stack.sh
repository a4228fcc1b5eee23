#!/usr/bin/env bash
# The whole MarketQR system on one machine: local Kafka + FerretDB (infra/local/infra.sh) and the five services.
#   stack.sh up       install, build, start everything, wait until every /readyz is green, seed the demo market,
#                     replay its last 60 days once (scripts/demo/history.js, in the background) and start the
#                     simulated shoppers (MARKETQR_DEMO=0 skips all three), print the URLs and demo logins
#   stack.sh down     stop the shoppers, the web app and the services, then the infrastructure
#   stack.sh status   infrastructure and service readiness
# Settings come from the environment or a .env file at the repo root (see .env.example).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# name:port, in start order. Ports can be moved with <NAME>_PORT (e.g. MERCHANT_ONBOARDING_PORT=5101).
# The bank simulator plays the partner bank (infra/bank-simulator); the services reach it through BANK_BASE_URL.
# The web app (apps/web) comes last: it serves the pages and proxies /api/* to the others.
SERVICES=(bank-simulator:4199 merchant-onboarding:4101 qr-generation:4102 payment-ledger:4103 settlement:4104 market-insights:4105 web:4100)
LOGS="$MARKETQR_STATE/logs"
PIDS="$MARKETQR_STATE/pids"

if [[ -f "$REPO/.env" ]]; then set -a; source "$REPO/.env"; set +a; fi
# Every broker's address (one by default; three with KAFKA_BROKERS_COUNT=3: infra.sh knows their ports).
export KAFKA_BROKERS="${KAFKA_BROKERS:-$(bash "$REPO/infra/local/infra.sh" brokers)}"
export MONGO_URL="${MONGO_URL:-mongodb://127.0.0.1:${MONGO_PORT:-27017}}"
export BANK_BASE_URL="${BANK_BASE_URL:-http://127.0.0.1:${BANK_SIMULATOR_PORT:-4199}}"
# Where the web app's proxy finds each service (and the demo scripts too).
export MERCHANT_ONBOARDING_URL="${MERCHANT_ONBOARDING_URL:-http://127.0.0.1:${MERCHANT_ONBOARDING_PORT:-4101}}"
export QR_GENERATION_URL="${QR_GENERATION_URL:-http://127.0.0.1:${QR_GENERATION_PORT:-4102}}"
export PAYMENT_LEDGER_URL="${PAYMENT_LEDGER_URL:-http://127.0.0.1:${PAYMENT_LEDGER_PORT:-4103}}"
export SETTLEMENT_URL="${SETTLEMENT_URL:-http://127.0.0.1:${SETTLEMENT_PORT:-4104}}"
export MARKET_INSIGHTS_URL="${MARKET_INSIGHTS_URL:-http://127.0.0.1:${MARKET_INSIGHTS_PORT:-4105}}"
export BANK_SIMULATOR_URL="${BANK_SIMULATOR_URL:-$BANK_BASE_URL}"
# The bank simulator notifies the ledger of every credit (signed with the shared webhook secret).
export BANK_SIM_WEBHOOK_URL="${BANK_SIM_WEBHOOK_URL:-$PAYMENT_LEDGER_URL/webhooks/bank-sim}"
export BANK_SIM_WEBHOOK_PROVIDER="${BANK_SIM_WEBHOOK_PROVIDER:-bank-sim}"
# The markets' collection accounts need no setting here: merchant events carry them to the ledger and settlement.
# The demo's past (scripts/demo/history.js): its market was onboarded two months ago (merchant-onboarding accepts a
# backdated registration), and the simulator books 60 days of transfers at their historic time, which the ledger
# believes of the simulator alone. Demo only: without MARKETQR_DEMO both stay at their defaults (refused).
if [[ "${MARKETQR_DEMO:-1}" != 0 ]]; then
  export BACKDATED_ONBOARDING_DAYS="${BACKDATED_ONBOARDING_DAYS:-62}"
  export BACKDATED_BANK_TIME_DAYS="${BACKDATED_BANK_TIME_DAYS:-bank-sim=62}"
  export DEMO_ONBOARDED_DAYS_AGO="${DEMO_ONBOARDED_DAYS_AGO:-61}"
fi

svc_port() {
  local name="${1%%:*}" default="${1##*:}" var
  var="$(echo "${name}_PORT" | tr 'a-z-' 'A-Z_')"
  echo "${!var:-$default}"
}

# Development secrets: generated once per checkout into .run/secrets (never committed), passed as *_FILE variables.
ensure_secrets() {
  local dir="$MARKETQR_STATE/secrets"
  mkdir -p "$dir" && chmod 700 "$dir"
  [[ -s "$dir/admin-password" ]] || node -e 'process.stdout.write(require("crypto").randomBytes(9).toString("base64url"))' >"$dir/admin-password"
  [[ -s "$dir/webhook-secret" ]] || node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' >"$dir/webhook-secret"
  # Token signing: an Ed25519 pair (scripts/jwt-keys.js, node:crypto). The private key goes to merchant-onboarding
  # only (it alone issues tokens); the others get the public JWKS. Neither is exported to every process: see svc_env.
  node "$REPO/scripts/jwt-keys.js" "$dir" >/dev/null
  chmod 600 "$dir"/*
  export JWT_ALGORITHM="${JWT_ALGORITHM:-EdDSA}"
  JWT_PRIVATE_KEY_FILE="${JWT_PRIVATE_KEY_FILE:-$dir/jwt-private-key.pem}"
  JWT_PUBLIC_KEYS_FILE="${JWT_PUBLIC_KEYS_FILE:-$dir/jwt-public-keys.json}"
  export -n JWT_PRIVATE_KEY_FILE JWT_PUBLIC_KEYS_FILE JWT_PRIVATE_KEY JWT_KEY_ID JWT_PREVIOUS_PUBLIC_KEYS_FILE
  export ADMIN_USERNAME="${ADMIN_USERNAME:-admin}"
  export ADMIN_PASSWORD_FILE="${ADMIN_PASSWORD_FILE:-$dir/admin-password}"
  # One secret for the bank's webhooks: the simulator signs with it, the ledger verifies with it.
  export WEBHOOK_SECRET_BANKSIM_FILE="${WEBHOOK_SECRET_BANKSIM_FILE:-$dir/webhook-secret}"
  export BANK_SIM_WEBHOOK_SECRET_FILE="${BANK_SIM_WEBHOOK_SECRET_FILE:-$WEBHOOK_SECRET_BANKSIM_FILE}"
}

svc_main() {
  case "$1" in
    bank-simulator) echo "$REPO/infra/bank-simulator/dist/main.js" ;;
    web) echo "$REPO/apps/web/dist/main.js" ;;
    *) echo "$REPO/services/$1/dist/main.js" ;;
  esac
}

# Environment only one kind of process gets: the signing key (and its kid, the keys being retired) to the issuer, the
# public keys to the verifiers; the bank simulator and the web app verify no token and get neither.
svc_env() {
  case "$1" in
    merchant-onboarding)
      echo "JWT_PRIVATE_KEY_FILE=$JWT_PRIVATE_KEY_FILE"
      [[ -z "${JWT_KEY_ID:-}" ]] || echo "JWT_KEY_ID=$JWT_KEY_ID"
      [[ -z "${JWT_PREVIOUS_PUBLIC_KEYS_FILE:-}" ]] || echo "JWT_PREVIOUS_PUBLIC_KEYS_FILE=$JWT_PREVIOUS_PUBLIC_KEYS_FILE"
      ;;
    bank-simulator | web) ;;
    *) echo "JWT_PUBLIC_KEYS_FILE=$JWT_PUBLIC_KEYS_FILE" ;;
  esac
}

svc_alive() { [[ -f "$PIDS/$1.pid" ]] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

ready() { http_ok "$1" /readyz; }

start_services() {
  mkdir -p "$LOGS" "$PIDS"
  for s in "${SERVICES[@]}"; do
    local name="${s%%:*}" port
    port="$(svc_port "$s")"
    if svc_alive "$name"; then say "$name already running (pid $(cat "$PIDS/$name.pid"), port $port)"; continue; fi
    port_open "$port" && die "port $port (for $name) is taken by another process; set $(echo "${name}_PORT" | tr 'a-z-' 'A-Z_')"
    say "starting $name on http://127.0.0.1:$port (log: $LOGS/$name.log)"
    local extra=()
    mapfile -t extra < <(svc_env "$name")
    env "${extra[@]}" PORT="$port" BANK_SIM_PORT="$port" setsid node "$(svc_main "$name")" >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$PIDS/$name.pid"
  done
  local deadline=$((SECONDS + ${STACK_READY_TIMEOUT:-90}))
  for s in "${SERVICES[@]}"; do
    local name="${s%%:*}" port
    port="$(svc_port "$s")"
    until ready "$port"; do
      svc_alive "$name" || { tail -20 "$LOGS/$name.log" >&2; die "$name exited; see $LOGS/$name.log"; }
      ((SECONDS < deadline)) || { tail -20 "$LOGS/$name.log" >&2; die "$name not ready in time; see $LOGS/$name.log"; }
      sleep 0.3
    done
  done
}

stop_services() {
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    local name="${SERVICES[$i]%%:*}"
    if ! svc_alive "$name"; then rm -f "$PIDS/$name.pid"; continue; fi
    local pid
    pid="$(cat "$PIDS/$name.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || { kill -KILL "$pid" 2>/dev/null || true; }
      sleep 0.2
    done
    rm -f "$PIDS/$name.pid"
    say "$name stopped"
  done
}

status_services() {
  local rc=0
  for s in "${SERVICES[@]}"; do
    local name="${s%%:*}" port
    port="$(svc_port "$s")"
    if ready "$port"; then say "$name: ready (http://127.0.0.1:$port)"
    elif svc_alive "$name"; then say "$name: running, NOT ready (http://127.0.0.1:$port/readyz)"; rc=1
    else say "$name: down"; rc=1; fi
  done
  return $rc
}

# The demo (scripts/demo): the seeded market, its replayed history and simulated shoppers, the last two in the background.
DEMO_PID="$PIDS/demo-shoppers.pid"
demo_enabled() { [[ "${MARKETQR_DEMO:-1}" != 0 ]]; }

start_demo() {
  demo_enabled || return 0
  say "seeding the demo market (scripts/demo/seed.js; log: $LOGS/demo-seed.log)…"
  if ! node "$REPO/scripts/demo/seed.js" >>"$LOGS/demo-seed.log" 2>&1; then
    tail -5 "$LOGS/demo-seed.log" >&2
    say "demo seeding failed (see $LOGS/demo-seed.log); the services run without the demo"
    return 0
  fi
  tail -1 "$LOGS/demo-seed.log" | sed 's/^\[demo\] /[marketqr] demo: /'
  if [[ -f "$DEMO_PID" ]] && kill -0 "$(cat "$DEMO_PID")" 2>/dev/null; then return 0; fi
  # First the past 60 days, once (history.js finds the history of an earlier start and does nothing at once), then the
  # shoppers, in one background job so the services are usable meanwhile. The shoppers wait for the history: their
  # payments of today would let settlement's scheduler cut off today (after the 22:00 cut-off time) before the replay
  # has cut off the past days, and then every past day would land in today's batch.
  setsid bash -c 'node "$1" >>"$2" 2>&1; exec node "$3" >>"$4" 2>&1' demo \
    "$REPO/scripts/demo/history.js" "$LOGS/demo-history.log" \
    "$REPO/scripts/demo/shoppers.js" "$LOGS/demo-shoppers.log" </dev/null &
  echo $! >"$DEMO_PID"
  say "replaying the demo market's last 60 days in the background, at the ledger's pace (log: $LOGS/demo-history.log)"
  say "then simulated shoppers pay stalls every few seconds (log: $LOGS/demo-shoppers.log)"
}

stop_demo() {
  [[ -f "$DEMO_PID" ]] || return 0
  local pid
  pid="$(cat "$DEMO_PID")"
  if kill -0 "$pid" 2>/dev/null; then
    # Its process group (setsid made it the leader): the history replay's node, if it still runs, goes with it.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    say "demo shoppers (and history replay) stopped"
  fi
  rm -f "$DEMO_PID"
}

case "${1:-up}" in
  up)
    started=$SECONDS
    install_and_build
    bash "$REPO/infra/local/infra.sh" start
    ensure_secrets
    start_services
    say "all services ready in $((SECONDS - started))s"
    echo
    printf '  %-22s %s\n' "service" "URL (each has /healthz /readyz /metrics /openapi.json)"
    for s in "${SERVICES[@]}"; do printf '  %-22s http://127.0.0.1:%s\n' "${s%%:*}" "$(svc_port "$s")"; done
    printf '  %-22s %s\n' "kafka" "$KAFKA_BROKERS" "mongodb (FerretDB)" "$MONGO_URL"
    echo
    say "admin login: $ADMIN_USERNAME / $(cat "$ADMIN_PASSWORD_FILE")  (POST http://127.0.0.1:$(svc_port merchant-onboarding:4101)/auth/login)"
    start_demo
    web="http://127.0.0.1:$(svc_port web:4100)"
    echo
    say "web app: $web  (vendor $web/vendor · manager $web/manager · shopper demo $web/shopper)"
    if demo_enabled && [[ -s "$MARKETQR_STATE/demo/logins.txt" ]]; then
      sed 's/^/  /' "$MARKETQR_STATE/demo/logins.txt"
    fi
    say "logs in $LOGS; stop everything with: npm stop"
    ;;
  down)
    stop_demo
    stop_services
    bash "$REPO/infra/local/infra.sh" stop
    ;;
  status)
    rc=0
    bash "$REPO/infra/local/infra.sh" status || rc=1
    status_services || rc=1
    exit $rc
    ;;
  *) die "usage: stack.sh up|down|status" ;;
esac
