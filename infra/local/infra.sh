#!/usr/bin/env bash
# Local infrastructure for MarketQR without Docker: a real single-node Apache Kafka (KRaft, jars from Maven Central)
# and FerretDB 1.24 (MongoDB wire protocol, built from the Go module proxy) on SQLite, or on PostgreSQL with
# MARKETQR_MONGO_BACKEND=postgresql (Debian's PostgreSQL binaries, a cluster of our own under $MARKETQR_STATE).
#
#   infra.sh start [kafka|mongo]    start (idempotent), wait until ready
#   infra.sh stop [kafka|mongo]     stop (SIGTERM, then SIGKILL after a grace period)
#   infra.sh status                 one line per component; exit 0 only when both are up
#   infra.sh prepare                download and build only (used by CI to warm the cache)
#
# Downloads and builds are cached under $MARKETQR_CACHE (default ~/.cache/marketqr), so only the first start is slow.
# Runtime state (data, logs, pid files) lives under $MARKETQR_STATE (default <repo>/.run).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
FERRETDB_VERSION="1.24.2" # pinned in ferretdb/go.mod
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${MONGO_PORT:-27017}"
# Where FerretDB keeps documents: sqlite (files, nothing else to run) or postgresql (faster lookups once a collection
# grows: see postgresql/ferretdb-gin.sql and the README's "Embedded database" section).
MONGO_BACKEND="${MARKETQR_MONGO_BACKEND:-sqlite}"
PG_PORT="${MARKETQR_PG_PORT:-25432}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
CACHE="${MARKETQR_CACHE:-$HOME/.cache/marketqr}"
STATE="${MARKETQR_STATE:-$REPO/.run}"
READY_TIMEOUT="${INFRA_READY_TIMEOUT:-90}"

LOGS="$STATE/logs"
PIDS="$STATE/pids"
KAFKA_LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
FERRET_SRC_HASH="$(cat "$HERE/ferretdb/main.go" "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" | sha256sum | cut -c1-12)"
FERRET_BIN="$CACHE/ferretdb-$FERRETDB_VERSION-$FERRET_SRC_HASH/ferretdb"

say() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

need() {
  # $1 command, $2 what it is for, $3 how to install it
  command -v "$1" >/dev/null 2>&1 || die "$1 is missing: it is needed for $2. Install it: $3"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
  local f="$PIDS/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

# --- build / download ---------------------------------------------------------------------------------------------

prepare_kafka() {
  if [[ -f "$KAFKA_LIB/.complete" ]]; then return 0; fi
  need java "the Kafka broker" "apt-get install -y openjdk-17-jre-headless (Kafka 4.x needs Java 17+)"
  need mvn "downloading Kafka from Maven Central" "apt-get install -y maven"
  local jv
  jv="$(java -version 2>&1 | head -1 | sed -E 's/.*version "([0-9]+).*/\1/')"
  [[ "$jv" =~ ^[0-9]+$ && "$jv" -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17 or newer; 'java -version' says $jv"
  say "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central (first start only, about 45 MB)…"
  rm -rf "$KAFKA_LIB" && mkdir -p "$KAFKA_LIB"
  # Progress: one line per artifact downloaded; the full Maven output goes to a log in case it fails.
  mkdir -p "$LOGS"
  if ! mvn -B -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" 2>&1 \
      | tee "$LOGS/kafka-download.log" | grep --line-buffered -E '^(\[INFO\] )?Downloaded from' \
      | sed -u -E 's#.*/([^/]+\.(jar|pom)) .*#  downloaded \1#'; then
    :
  fi
  if ! ls "$KAFKA_LIB"/kafka_2.13-*.jar >/dev/null 2>&1; then
    die "Maven could not fetch Kafka $KAFKA_VERSION; see $LOGS/kafka-download.log"
  fi
  touch "$KAFKA_LIB/.complete"
  say "Kafka jars cached in $KAFKA_LIB"
}

prepare_ferretdb() {
  if [[ -x "$FERRET_BIN" ]]; then return 0; fi
  need go "building FerretDB from the Go module proxy" "install Go 1.22+ from your distribution or go.dev"
  local dir
  dir="$(dirname "$FERRET_BIN")"
  say "building FerretDB $FERRETDB_VERSION from the Go module proxy (first start only, about a minute)…"
  mkdir -p "$dir/src" "$LOGS"
  cp "$HERE/ferretdb/main.go" "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" "$dir/src/"
  (
    cd "$dir/src"
    say "  fetching modules…"
    go mod download 2>&1 | tee "$LOGS/ferretdb-build.log" >/dev/null
    say "  compiling (CGO disabled, pure Go SQLite)…"
    CGO_ENABLED=0 go build -v -o "$FERRET_BIN.tmp" . 2>&1 | tee -a "$LOGS/ferretdb-build.log" \
      | awk '{ n++; if (n % 40 == 0) { printf "[infra]   compiled %d packages…\n", n; fflush() } }'
  ) || true
  [[ -x "$FERRET_BIN.tmp" ]] || die "FerretDB build failed; see $LOGS/ferretdb-build.log"
  mv "$FERRET_BIN.tmp" "$FERRET_BIN"
  say "FerretDB binary cached at $FERRET_BIN"
}

# --- start / stop ---------------------------------------------------------------------------------------------------

wait_until() {
  # $1 description, $2.. command that succeeds when ready; fails after READY_TIMEOUT seconds
  local what="$1"; shift
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.3
  done
}

kafka_ready() {
  pid_alive kafka || return 1
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOGS/kafka.log"
}

start_kafka() {
  if pid_alive kafka; then say "kafka already running (pid $(cat "$PIDS/kafka.pid"), port $KAFKA_PORT)"; return 0; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set KAFKA_PORT to a free port"
  prepare_kafka
  local data="$STATE/kafka/data" conf="$STATE/kafka/server.properties"
  mkdir -p "$data" "$LOGS" "$PIDS"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@DATA_DIR@#$data#g" \
    "$HERE/kafka/server.properties.template" >"$conf"
  local cp="$KAFKA_LIB/*" log4j="-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties"
  if [[ ! -f "$data/meta.properties" ]]; then
    local id
    id="$(java -cp "$cp" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    # A static controller.quorum.voters means: format without --standalone (Kafka 4 rejects the two together).
    java -cp "$cp" "$log4j" kafka.tools.StorageTool format -t "$id" -c "$conf" --ignore-formatted >"$LOGS/kafka-format.log" 2>&1 \
      || die "formatting Kafka storage failed; see $LOGS/kafka-format.log"
  fi
  [[ -f "$LOGS/kafka.log" ]] && mv -f "$LOGS/kafka.log" "$LOGS/kafka.log.1"
  say "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (log: $LOGS/kafka.log)"
  # setsid: the broker must outlive the shell (and npm) that started it.
  setsid java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true "$log4j" -cp "$cp" \
    kafka.Kafka "$conf" >"$LOGS/kafka.log" 2>&1 </dev/null &
  echo $! >"$PIDS/kafka.pid"
  if ! wait_until kafka kafka_ready; then
    tail -20 "$LOGS/kafka.log" >&2
    die "kafka did not become ready within ${READY_TIMEOUT}s; see $LOGS/kafka.log"
  fi
  say "kafka ready"
}

mongo_ready() { pid_alive ferretdb && port_open "$MONGO_PORT"; }

# PostgreSQL refuses to run as root: as root, the cluster is the `postgres` user's (Debian's package creates it).
as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local dir="$STATE/postgresql"
  if pid_alive postgresql; then say "postgresql already running (pid $(cat "$PIDS/postgresql.pid"), port $PG_PORT)"; return 0; fi
  [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] \
    || die "PostgreSQL is missing: it is needed for MARKETQR_MONGO_BACKEND=postgresql. Install it: apt-get install -y postgresql-15"
  port_open "$PG_PORT" && die "port $PG_PORT is taken by another process; set MARKETQR_PG_PORT to a free port"
  mkdir -p "$dir" "$LOGS" "$PIDS"
  [[ $EUID -eq 0 ]] && chown postgres "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    say "creating a PostgreSQL cluster in $dir/data"
    as_pg "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  say "starting postgresql on 127.0.0.1:$PG_PORT (log: $dir/postgresql.log)"
  # force_custom_plan: FerretDB's prepared statements pass field names as parameters, and only a plan made for the
  # actual values can use the GIN indexes of ferretdb-gin.sql.
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t "$READY_TIMEOUT" \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c plan_cache_mode=force_custom_plan" start >/dev/null \
    || { tail -20 "$dir/postgresql.log" >&2; die "postgresql did not start; see $dir/postgresql.log"; }
  head -1 "$dir/data/postmaster.pid" >"$PIDS/postgresql.pid"
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q)
  "${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = 'ferretdb'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c "create database ferretdb"
  "${psql[@]}" -d ferretdb -f "$HERE/postgresql/ferretdb-gin.sql" >/dev/null
  say "postgresql ready"
}

stop_postgres() {
  if ! pid_alive postgresql; then
    rm -f "$PIDS/postgresql.pid"
    [[ "$MONGO_BACKEND" == postgresql ]] && say "postgresql not running"
    return 0
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$STATE/postgresql/data" -m fast -w stop >/dev/null || true
  rm -f "$PIDS/postgresql.pid"
  say "postgresql stopped"
}

start_mongo() {
  if pid_alive ferretdb; then say "ferretdb already running (pid $(cat "$PIDS/ferretdb.pid"), port $MONGO_PORT)"; return 0; fi
  port_open "$MONGO_PORT" && die "port $MONGO_PORT is taken by another process; set MONGO_PORT to a free port"
  prepare_ferretdb
  local backend=()
  case "$MONGO_BACKEND" in
    sqlite) ;;
    postgresql)
      start_postgres
      backend=(--postgresql-url "postgres://postgres@127.0.0.1:$PG_PORT/ferretdb")
      ;;
    *) die "MARKETQR_MONGO_BACKEND is sqlite or postgresql, not '$MONGO_BACKEND'" ;;
  esac
  mkdir -p "$STATE/ferretdb/data" "$LOGS" "$PIDS"
  [[ -f "$LOGS/ferretdb.log" ]] && mv -f "$LOGS/ferretdb.log" "$LOGS/ferretdb.log.1"
  say "starting ferretdb $FERRETDB_VERSION ($MONGO_BACKEND) on 127.0.0.1:$MONGO_PORT (log: $LOGS/ferretdb.log)"
  setsid "$FERRET_BIN" --listen-addr "127.0.0.1:$MONGO_PORT" --data-dir "$STATE/ferretdb/data" "${backend[@]}" \
    >"$LOGS/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$PIDS/ferretdb.pid"
  if ! wait_until ferretdb mongo_ready; then
    tail -20 "$LOGS/ferretdb.log" >&2
    die "ferretdb did not become ready within ${READY_TIMEOUT}s; see $LOGS/ferretdb.log"
  fi
  say "ferretdb ready"
}

stop_one() {
  local name="$1" f="$PIDS/$1.pid"
  if ! pid_alive "$name"; then rm -f "$f"; say "$name not running"; return 0; fi
  local pid
  pid="$(cat "$f")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then say "$name did not stop in 30s, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.2
  done
  rm -f "$f"
  say "$name stopped"
}

status_one() {
  local name="$1" port="$2"
  if pid_alive "$name"; then
    local rss
    rss="$(ps -o rss= -p "$(cat "$PIDS/$name.pid")" | awk '{printf "%d MB", $1/1024}')"
    if port_open "$port"; then say "$name: up (pid $(cat "$PIDS/$name.pid"), 127.0.0.1:$port, rss $rss)"; return 0; fi
    say "$name: starting (pid $(cat "$PIDS/$name.pid"), port $port not open yet)"; return 1
  fi
  say "$name: down"; return 1
}

cmd="${1:-status}"
what="${2:-all}"
case "$what" in all | kafka | mongo | ferretdb) ;; *) die "unknown component '$what' (kafka, mongo or all)" ;; esac
[[ "$what" == ferretdb ]] && what=mongo

case "$cmd" in
  prepare)
    [[ "$what" == mongo ]] || prepare_kafka
    [[ "$what" == kafka ]] || prepare_ferretdb
    ;;
  start)
    started=$SECONDS
    [[ "$what" == kafka ]] || start_mongo
    [[ "$what" == mongo ]] || start_kafka
    say "ready in $((SECONDS - started))s: KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT"
    ;;
  stop)
    [[ "$what" == mongo ]] || stop_one kafka
    [[ "$what" == kafka ]] || stop_one ferretdb
    # Whatever the backend setting now: a cluster started earlier is stopped with the database it served.
    [[ "$what" == kafka ]] || stop_postgres
    ;;
  restart)
    "$0" stop "$what" && "$0" start "$what"
    ;;
  status)
    rc=0
    status_one kafka "$KAFKA_PORT" || rc=1
    status_one ferretdb "$MONGO_PORT" || rc=1
    if [[ "$MONGO_BACKEND" == postgresql ]] || pid_alive postgresql; then status_one postgresql "$PG_PORT" || rc=1; fi
    exit $rc
    ;;
  *) die "usage: infra.sh start|stop|restart|status|prepare [kafka|mongo]" ;;
esac
