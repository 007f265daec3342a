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
}
