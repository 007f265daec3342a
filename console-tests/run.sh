#!/usr/bin/env bash
# Browser tests of the operator console (Debian's chromium + playwright-core). Needs the gateway jar: run after
# `mvn -B verify` (or `mvn -q -DskipTests package`). Installs chromium with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
echo "browser tests; screenshots go to $(pwd)/artifacts"
npm test
