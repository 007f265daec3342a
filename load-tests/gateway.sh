# Sourced by the measuring scripts (run from the project root): one gateway process from the built jar, on loopback.

# start_gateway PORT DB_URL ADMIN_TOKEN LOG [COUNTERSIGN_NAME=VALUE...]: starts it in the background, prints its pid
start_gateway() {
  local port=$1 db_url=$2 token=$3 log=$4
  shift 4
  env COUNTERSIGN_ADMIN_TOKEN="$token" COUNTERSIGN_DB_URL="$db_url" COUNTERSIGN_HTTP_PORT="$port" \
      COUNTERSIGN_HTTP_HOST=127.0.0.1 COUNTERSIGN_MANAGEMENT_PORT=0 COUNTERSIGN_DELIVERY_ALLOW_PRIVATE_NETWORKS=true "$@" \
      java -Xmx512m -jar gateway/target/countersign-gateway.jar > "$log" 2>&1 &
  echo $!
}

# wait_up PORT: returns once the gateway's /health answers, or after 60 s
wait_up() {
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null && return
    sleep 1
  done
}
