#!/usr/bin/env bash
# What tracing costs: one gateway jar with tracing off (A) and on at sampling 1.0 (B), alternating A, B, A, B on
# fresh databases at one fixed rate (load-tests/compare-builds.sh). B exports every span over OTLP/HTTP to a sink
# on loopback (a few lines of Python that read each export and answer 200), so the export's serialisation and
# sending are in the gateway's CPU; the sink's own CPU is not. Tracing off against the build before tracing:
#   load-tests/compare-builds.sh BEFORE.jar gateway/target/countersign-gateway.jar RATE 30s
#
# usage: load-tests/tracing-cost.sh [rate, default 1500] [duration, default 30s]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1500} duration=${2:-30s}
jar=${GATEWAY_JAR:-gateway/target/countersign-gateway.jar}
[ -f "$jar" ] || mvn -q -DskipTests package
python3 - <<'PY' &
import http.server
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", 14318), Sink).serve_forever()
PY
sink=$!
trap 'kill $sink' EXIT
A_ENV="" B_ENV="COUNTERSIGN_TRACING_ENDPOINT=http://127.0.0.1:14318 COUNTERSIGN_TRACING_SAMPLE_RATIO=1.0" \
  load-tests/compare-builds.sh "$jar" "$jar" "$rate" "$duration"
