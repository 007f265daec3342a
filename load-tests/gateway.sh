# Sourced by the measuring scripts (run from the project root): one gateway process from the built jar, on loopback.

# start_gateway PORT DB_URL ADMIN_TOKEN LOG [COUNTERSIGN_NAME=VALUE...]: starts it (GATEWAY_JAR, default the built one)
# in the background, prints its pid
start_gateway() {
  local port=$1 db_url=$2 token=$3 log=$4
  shift 4
  env COUNTERSIGN_ADMIN_TOKEN="$token" COUNTERSIGN_DB_URL="$db_url" COUNTERSIGN_HTTP_PORT="$port" \
      COUNTERSIGN_HTTP_HOST=127.0.0.1 COUNTERSIGN_MANAGEMENT_PORT=0 COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS=true "$@" \
      java -Xmx512m -jar "${GATEWAY_JAR:-gateway/target/countersign-gateway.jar}" > "$log" 2>&1 &
  echo $!
}

# start_relay PORT LOG [option...]: starts the relay (io.countersign.load.Relay, the no-database floor) in the
# background, prints its pid; options starting with -- are the relay's (--claim-db=URL), the others the JVM's.
# A 2 GiB heap, not the gateway's 512 MiB: the relay bounds nothing, and before its JIT is done it falls behind at
# the maximum rate and queues deliveries in memory (325 MB at 2 488/s, then back to 45 MB once compiled); on
# 2026-12-02 at 18:32 UTC that passed 512 MB and the relay died of it in its warm-up
start_relay() {
  local port=$1 log=$2 jvm=() relay=()
  shift 2
  for o in "$@"; do
    case "$o" in --*) relay+=("$o") ;; *) jvm+=("$o") ;; esac
  done
  java -Xmx2g "${jvm[@]}" -cp load-tests/target/countersign-load.jar io.countersign.load.Relay --port "$port" \
    "${relay[@]}" > "$log" 2>&1 &
  echo $!
}

# start_durable_relay PORT LOG CLAIM_DB [option...]: start_relay as the floor of a durable gateway, claiming each
# event in CLAIM_DB (an empty database) before answering, batching as the gateway does: ingest.linger's default 1 ms,
# on native epoll (a sub-millisecond timer spins NIO's selector: docs/performance.md, "The linger timer spun the
# selector"); CLAIM_LINGER=0 starts every batch at once. Further options as start_relay's (--record-deliveries, JVM
# options).
start_durable_relay() {
  local port=$1 log=$2 db=$3 transport=()
  shift 3
  [ "${CLAIM_LINGER:-1}" = 0 ] || transport=(--native-transport)
  start_relay "$port" "$log" --claim-db="$db" --claim-linger="${CLAIM_LINGER:-1}" "${transport[@]}" "$@"
}

# pgbench_claim URL FILE: (re)creates table pgbench_claim in URL and writes to FILE the pgbench script of one bare
# claim, Countersign's statement shape (INSERT ... ON CONFLICT DO NOTHING RETURNING on a (tenant, key) primary key,
# one row per transaction): pgbench-ceiling.sh's floor, and relay-floor.sh's neighbour
pgbench_claim() {
  cat > "$2" <<'SQL'
\set k random(1, 2000000000)
INSERT INTO pgbench_claim (tenant_id, idempotency_key, body_sha256, payload)
VALUES ('bench', :client_id || '-' || :k, '\x00', '\x7b7d')
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING idempotency_key;
SQL
  psql "$1" -q -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS pgbench_claim;
CREATE TABLE pgbench_claim (
  tenant_id text NOT NULL, idempotency_key text NOT NULL, body_sha256 bytea NOT NULL, payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, idempotency_key));
SQL
}

# need_tool COMMAND PACKAGE: stops the script (exit 2) with the Debian package to install when COMMAND is missing
need_tool() {
  command -v "$1" >/dev/null || { echo "$1 is needed: apt-get install -y $2" >&2; exit 2; }
}

# wait_up PORT: returns once the gateway's /health answers, or after 60 s
wait_up() {
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null && return
    sleep 1
  done
}

# fresh_session NAME: the common start of a measuring script, with $admin_url set. It builds the jars when missing,
# (re)creates database countersign_NAME (-> $db_url), makes perf-results/NAME (-> $out) and copies the script's
# output to $out/session.log.
fresh_session() {
  db_url="${admin_url%/*}/countersign_$1"
  out="perf-results/$1"
  mkdir -p "$out"
  exec > >(tee "$out/session.log") 2>&1
  [ -f gateway/target/countersign-gateway.jar ] && [ -f load-tests/target/countersign-load.jar ] \
    || mvn -q -DskipTests package
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS countersign_$1" -c "CREATE DATABASE countersign_$1"
  autovacuum_as_in_production
}

# autovacuum_as_in_production: a server that runs with autovacuum off (these machines' PostgreSQL service, for CI)
# never analyzes the gateway's tables, so every plan is made on a table PostgreSQL believes empty, and never vacuums
# them, so dead rows pile up through a run: neither is how PostgreSQL runs in production. It is turned on for the
# run (ALTER SYSTEM, reload) and reset when the calling script exits, however it exits. AUTOVACUUM=as-is leaves the
# server as it is (to compare with runs measured before 2026-11-30 18:20 UTC, when no script did this).
autovacuum_as_in_production() {
  [ "${AUTOVACUUM:-on}" = on ] && [ "$(psql "$admin_url" -Atc "SHOW autovacuum")" = off ] || return 0
  psql "$admin_url" -q -c "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" > /dev/null
  echo "autovacuum was off on this server: on for this run, as in production, and reset when the run ends"
  local script_pid=$$ url="$admin_url"
  ( while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done
    psql "$url" -q -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" > /dev/null ) &
}
