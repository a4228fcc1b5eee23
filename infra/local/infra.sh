#!/usr/bin/env bash
# Local infrastructure for MarketQR without Docker: a real Apache Kafka (KRaft, jars from Maven Central), one node by
# default or a three-node cluster, and FerretDB 1.24 (MongoDB wire protocol, built from the Go module proxy) on
# PostgreSQL (Debian's PostgreSQL binaries, a cluster of our own under $MARKETQR_STATE), or on SQLite with
# MARKETQR_MONGO_BACKEND=sqlite (also what it falls back to where PostgreSQL is not installed).
#
#   infra.sh start [kafka|mongo|kafka-<n>] [--brokers 1|3]   start (idempotent), wait until ready
#   infra.sh stop [kafka|mongo|kafka-<n>]                     stop (SIGTERM, then SIGKILL after a grace period)
#   infra.sh kill kafka-<n>|kafka|mongo                       SIGKILL, no shutdown at all (fault tests: a crash)
#   infra.sh status                                           one line per process; exit 0 only when all are up
#   infra.sh brokers                                          the bootstrap list (KAFKA_BROKERS) of what start starts
#   infra.sh prepare                                          download and build only (used by CI to warm the cache)
#
# --brokers 3 (or KAFKA_BROKERS_COUNT=3) starts three combined broker/controller nodes, all three KRaft voters, node n
# (1, 2, 3) on broker port KAFKA_PORT + 2(n-1) and controller port KAFKA_CONTROLLER_PORT + 2(n-1) (9092/9093,
# 9094/9095, 9096/9097 by default), data in $MARKETQR_STATE/kafka-cluster/node-<n>, logs/kafka-<n>.log,
# pids/kafka-<n>.pid; topics get 3 replicas and min.insync.replicas 2. While it runs, stop/status/start without
# --brokers act on it (the count is kept in $MARKETQR_STATE/kafka-cluster/brokers until `stop kafka`). One broker stays
# the default for `npm start` and `npm test`.
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
PG_PORT="${MARKETQR_PG_PORT:-25432}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
# Where FerretDB keeps documents: postgresql (the default wherever Debian's PostgreSQL binaries are installed: every
# lookup by a key is an index lookup, and the whole system holds 250 payments/s on two cores where SQLite holds 100/s;
# see the README's "Benchmarks") or sqlite (files, nothing else to run; the fallback without PostgreSQL, and one
# setting away: MARKETQR_MONGO_BACKEND=sqlite).
if [[ -n "${MARKETQR_MONGO_BACKEND:-}" ]]; then
  MONGO_BACKEND="$MARKETQR_MONGO_BACKEND"
elif [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]]; then
  MONGO_BACKEND=postgresql
else
  MONGO_BACKEND=sqlite
  PG_MISSING_NOTICE="PostgreSQL is not installed, so FerretDB runs on SQLite (slower: see the README's Benchmarks); apt-get install postgresql-15 for the default backend"
fi
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
# How many Kafka nodes `start` starts: 1 or 3 (--brokers overrides it; see BROKERS below).
KAFKA_BROKERS_COUNT="${KAFKA_BROKERS_COUNT:-}"
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

# --- Kafka nodes -----------------------------------------------------------------------------------------------------
# One node: the process is named `kafka` (pids/kafka.pid, logs/kafka.log, data in kafka/data), as it always was.
# The cluster: `kafka-1` … `kafka-<N>` (pids/kafka-<n>.pid, logs/kafka-<n>.log, data in kafka-cluster/node-<n>/data).

CLUSTER_DIR="$STATE/kafka-cluster"

# Names of the Kafka processes of the current mode.
kafka_nodes() {
  if ((BROKERS == 1)); then echo kafka; return; fi
  local i
  for ((i = 1; i <= BROKERS; i++)); do echo "kafka-$i"; done
}

node_index() { if [[ "$1" == kafka ]]; then echo 1; else echo "${1#kafka-}"; fi; }
node_port() { echo $((KAFKA_PORT + 2 * ($(node_index "$1") - 1))); }
node_controller_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * ($(node_index "$1") - 1))); }
node_dir() { if [[ "$1" == kafka ]]; then echo "$STATE/kafka"; else echo "$CLUSTER_DIR/node-$(node_index "$1")"; fi; }

bootstrap_list() {
  local n out=()
  for n in $(kafka_nodes); do out+=("127.0.0.1:$(node_port "$n")"); done
  local IFS=,
  echo "${out[*]}"
}

kafka_ready() {
  local name="$1"
  pid_alive "$name" || return 1
  # The node logs this once it has caught up with the controller quorum and been unfenced: it serves requests.
  port_open "$(node_port "$name")" && grep -q 'Kafka Server started' "$LOGS/$name.log"
}

# The controller quorum: every node of the mode is a voter.
quorum_voters() {
  local n out=()
  for n in $(kafka_nodes); do out+=("$(node_index "$n")@127.0.0.1:$(node_controller_port "$n")"); done
  local IFS=,
  echo "${out[*]}"
}

# The cluster's id, shared by every node's storage: kept in kafka-cluster/cluster.id (or read back from a node that was
# formatted with it), made once.
cluster_id() {
  local cp="$1" log4j="$2" f="$CLUSTER_DIR/cluster.id" id=""
  if [[ -s "$f" ]]; then cat "$f"; return; fi
  id="$(cat "$CLUSTER_DIR"/node-*/data/meta.properties 2>/dev/null | sed -n 's/^cluster.id=//p' | head -1)"
  [[ -n "$id" ]] || id="$(java -cp "$cp" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  mkdir -p "$CLUSTER_DIR"
  echo "$id" >"$f"
  echo "$id"
}

write_node_config() {
  local name="$1" dir rf=1 min_isr=1 session=60000 fetch=2000 election=1000
  dir="$(node_dir "$name")"
  if ((BROKERS > 1)); then rf=3 min_isr=2 session=15000 fetch=6000 election=3000; fi
  mkdir -p "$dir/data"
  sed -e "s#@NODE_ID@#$(node_index "$name")#g" -e "s#@VOTERS@#$(quorum_voters)#g" \
    -e "s#@KAFKA_PORT@#$(node_port "$name")#g" -e "s#@CONTROLLER_PORT@#$(node_controller_port "$name")#g" \
    -e "s#@DATA_DIR@#$dir/data#g" -e "s#@REPLICATION_FACTOR@#$rf#g" -e "s#@MIN_ISR@#$min_isr#g" \
    -e "s#@SESSION_TIMEOUT_MS@#$session#g" -e "s#@QUORUM_FETCH_TIMEOUT_MS@#$fetch#g" \
    -e "s#@QUORUM_ELECTION_TIMEOUT_MS@#$election#g" \
    "$HERE/kafka/server.properties.template" >"$dir/server.properties"
}

# Starts the named Kafka nodes that are not running (all at once: a cluster node waits for a quorum majority before it
# is ready), then waits until each is ready.
start_kafka() {
  local name todo=() pids=()
  for name in "$@"; do
    if pid_alive "$name"; then
      say "$name already running (pid $(cat "$PIDS/$name.pid"), port $(node_port "$name"))"
      continue
    fi
    for p in "$(node_port "$name")" "$(node_controller_port "$name")"; do
      port_open "$p" && die "port $p ($name) is taken by another process; set KAFKA_PORT / KAFKA_CONTROLLER_PORT to free ports"
    done
    todo+=("$name")
  done
  ((${#todo[@]})) || return 0
  prepare_kafka
  mkdir -p "$LOGS" "$PIDS"
  local cp="$KAFKA_LIB/*" log4j="-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties" id=""
  # Format what has never been formatted (in parallel: each is a JVM start). A static controller.quorum.voters means:
  # format without --standalone / --initial-controllers (Kafka 4 rejects the two together).
  for name in "${todo[@]}"; do
    write_node_config "$name"
    local dir
    dir="$(node_dir "$name")"
    [[ -f "$dir/data/meta.properties" ]] && continue
    if [[ -z "$id" ]]; then
      if ((BROKERS > 1)); then id="$(cluster_id "$cp" "$log4j")"
      else id="$(java -cp "$cp" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"; fi
    fi
    java -cp "$cp" "$log4j" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" --ignore-formatted \
      >"$LOGS/$name-format.log" 2>&1 &
    pids+=("$!:$name")
  done
  local entry
  for entry in ${pids[@]+"${pids[@]}"}; do
    wait "${entry%%:*}" || die "formatting Kafka storage failed; see $LOGS/${entry#*:}-format.log"
  done
  for name in "${todo[@]}"; do
    [[ -f "$LOGS/$name.log" ]] && mv -f "$LOGS/$name.log" "$LOGS/$name.log.1"
    say "starting $name ($KAFKA_VERSION) on 127.0.0.1:$(node_port "$name"), controller :$(node_controller_port "$name") (log: $LOGS/$name.log)"
    # setsid: the broker must outlive the shell (and npm) that started it.
    setsid java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true "$log4j" -cp "$cp" \
      kafka.Kafka "$(node_dir "$name")/server.properties" >"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$PIDS/$name.pid"
  done
  for name in "${todo[@]}"; do
    if ! wait_until "$name" kafka_ready "$name"; then
      tail -20 "$LOGS/$name.log" >&2
      die "$name did not become ready within ${READY_TIMEOUT}s; see $LOGS/$name.log"
    fi
    say "$name ready"
  done
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
  # As root the cluster is the postgres user's: it must be able to pass through the state folder (a test's mkdtemp
  # folder is 0700) to reach its own.
  [[ $EUID -eq 0 ]] && chmod a+x "$STATE" && chown postgres "$dir"
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

# What the FerretDB that runs stores its documents in (it may have been started with another setting than this
# shell's): the test harness tells tests which backend they run against.
running_backend() {
  local pid
  pid=$(cat "$PIDS/ferretdb.pid" 2>/dev/null) || { echo "$MONGO_BACKEND"; return; }
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- --postgresql-url; then echo postgresql; else echo sqlite; fi
}

start_mongo() {
  if pid_alive ferretdb; then say "ferretdb already running (pid $(cat "$PIDS/ferretdb.pid"), port $MONGO_PORT)"; return 0; fi
  port_open "$MONGO_PORT" && die "port $MONGO_PORT is taken by another process; set MONGO_PORT to a free port"
  prepare_ferretdb
  [[ -n "${PG_MISSING_NOTICE:-}" ]] && say "$PG_MISSING_NOTICE"
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

# Stops the named processes together (SIGTERM to all, then SIGKILL to those still running after 30 s). Together, because
# a cluster node's controlled shutdown waits for a controller quorum that stopping the others one by one would take away.
stop_many() {
  local name pid live=()
  for name in "$@"; do
    if ! pid_alive "$name"; then rm -f "$PIDS/$name.pid"; say "$name not running"; continue; fi
    kill -TERM "$(cat "$PIDS/$name.pid")" 2>/dev/null || true
    live+=("$name")
  done
  local deadline=$((SECONDS + 30)) killed
  for name in ${live[@]+"${live[@]}"}; do
    pid="$(cat "$PIDS/$name.pid")"
    killed=0
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline && !killed)); then
        say "$name did not stop in 30s, killing"
        kill -KILL "$pid" 2>/dev/null || true
        killed=1
      fi
      sleep 0.2
    done
    rm -f "$PIDS/$name.pid"
    say "$name stopped"
  done
}

stop_one() { stop_many "$1"; }

# SIGKILL: what a crash or a pulled plug looks like to the others (no controlled shutdown, no flush).
kill_now() {
  local name="$1" pid
  if ! pid_alive "$name"; then rm -f "$PIDS/$name.pid"; say "$name not running"; return 0; fi
  pid="$(cat "$PIDS/$name.pid")"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PIDS/$name.pid"
  say "$name killed (SIGKILL, pid $pid)"
}

# Every Kafka process this state folder has a pid file for, whatever the mode (a stop must not leave one behind).
kafka_pidfiles() {
  local f
  for f in "$PIDS"/kafka.pid "$PIDS"/kafka-[0-9]*.pid; do [[ -f "$f" ]] && basename "$f" .pid; done
  return 0
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
shift || true
what=all
while (($#)); do
  case "$1" in
    --brokers) [[ $# -ge 2 ]] || die "--brokers needs a number"; KAFKA_BROKERS_COUNT="$2"; shift 2 ;;
    --brokers=*) KAFKA_BROKERS_COUNT="${1#*=}"; shift ;;
    all | kafka | mongo | ferretdb | kafka-[0-9]*) what="$1"; shift ;;
    *) die "unknown argument '$1' (components: kafka, mongo, kafka-<n>; option: --brokers 1|3)" ;;
  esac
done
[[ "$what" == ferretdb ]] && what=mongo

# How many Kafka nodes: --brokers / KAFKA_BROKERS_COUNT, else what a running cluster recorded, else one.
recorded="$(cat "$CLUSTER_DIR/brokers" 2>/dev/null || true)"
BROKERS="${KAFKA_BROKERS_COUNT:-${recorded:-1}}"
[[ "$BROKERS" == 1 || "$BROKERS" == 3 ]] || die "--brokers / KAFKA_BROKERS_COUNT is 1 or 3, not '$BROKERS'"
if [[ "$what" == kafka-* ]]; then
  ((BROKERS > 1)) || die "$what is a node of the cluster: start it with --brokers 3 (or KAFKA_BROKERS_COUNT=3)"
  idx="${what#kafka-}"
  [[ "$idx" =~ ^[0-9]+$ ]] && ((idx >= 1 && idx <= BROKERS)) || die "no node $what in a $BROKERS-node cluster"
fi
if ((BROKERS > 1)); then
  ports=$(for ((j = 0; j < BROKERS; j++)); do printf '%s\n%s\n' $((KAFKA_PORT + 2 * j)) $((KAFKA_CONTROLLER_PORT + 2 * j)); done | sort -u | wc -l)
  ((ports == 2 * BROKERS)) \
    || die "the cluster's ports overlap: brokers use KAFKA_PORT + 0, 2, 4 and controllers KAFKA_CONTROLLER_PORT + 0, 2, 4 (e.g. KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093)"
fi

# Which Kafka processes a command acts on.
kafka_targets() { if [[ "$what" == kafka-* ]]; then echo "$what"; else kafka_nodes; fi; }

case "$cmd" in
  prepare)
    [[ "$what" == mongo ]] || prepare_kafka
    [[ "$what" == kafka ]] || prepare_ferretdb
    ;;
  start)
    started=$SECONDS
    if [[ "$what" != mongo ]]; then
      # One state folder runs one mode at a time: their ports overlap (node 1 of the cluster is on KAFKA_PORT).
      if ((BROKERS == 1)) && [[ -n "$recorded" && "$recorded" != 1 ]]; then
        die "a $recorded-node Kafka cluster is recorded in $STATE: stop it first (infra.sh stop kafka)"
      fi
      if ((BROKERS > 1)) && pid_alive kafka; then
        die "a single Kafka broker runs from $STATE: stop it first (infra.sh stop kafka)"
      fi
      if ((BROKERS > 1)); then mkdir -p "$CLUSTER_DIR" && echo "$BROKERS" >"$CLUSTER_DIR/brokers"; fi
    fi
    [[ "$what" == kafka || "$what" == kafka-* ]] || start_mongo
    # shellcheck disable=SC2046
    [[ "$what" == mongo ]] || start_kafka $(kafka_targets)
    say "ready in $((SECONDS - started))s: KAFKA_BROKERS=$(bootstrap_list) MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT MONGO_BACKEND=$(running_backend)"
    ;;
  stop)
    if [[ "$what" == kafka-* ]]; then
      stop_one "$what"
    elif [[ "$what" != mongo ]]; then
      running="$(kafka_pidfiles)"
      if [[ -n "$running" ]]; then
        # shellcheck disable=SC2086
        stop_many $running
      else
        say "kafka not running"
      fi
      rm -f "$CLUSTER_DIR/brokers"
    fi
    [[ "$what" == kafka || "$what" == kafka-* ]] || stop_one ferretdb
    # Whatever the backend setting now: a cluster started earlier is stopped with the database it served.
    [[ "$what" == kafka || "$what" == kafka-* ]] || stop_postgres
    ;;
  kill)
    case "$what" in
      kafka-*) kill_now "$what" ;;
      kafka) for n in $(kafka_pidfiles); do kill_now "$n"; done ;;
      mongo) kill_now ferretdb ;;
      *) die "kill needs a component: kafka-<n>, kafka or mongo" ;;
    esac
    ;;
  restart)
    # The count is passed on: `stop kafka` forgets the cluster's.
    "$0" stop "$what" && KAFKA_BROKERS_COUNT="$BROKERS" "$0" start "$what"
    ;;
  brokers)
    bootstrap_list
    ;;
  status)
    rc=0
    for n in $(kafka_targets); do status_one "$n" "$(node_port "$n")" || rc=1; done
    if [[ "$what" != kafka-* ]]; then
      status_one ferretdb "$MONGO_PORT" || rc=1
      if [[ "$MONGO_BACKEND" == postgresql ]] || pid_alive postgresql; then status_one postgresql "$PG_PORT" || rc=1; fi
    fi
    exit $rc
    ;;
  *) die "usage: infra.sh start|stop|kill|restart|status|brokers|prepare [kafka|mongo|kafka-<n>] [--brokers 1|3]" ;;
esac
