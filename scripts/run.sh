#!/usr/bin/env bash
# One entry point for a fresh clone: installs what is missing (the pinned pnpm, a local Redis for the
# rate-limit tests), installs the workspace from the lockfile, then runs one root script
# (`demo` or `verify`, or any other script name).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "installing pnpm@$pnpm_version"
  npm install --global --no-audit --no-fund "pnpm@$pnpm_version"
fi

redis_answers() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_answers; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server"
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
  redis_answers || { echo "redis did not start on 127.0.0.1:6379" >&2; exit 1; }
fi

pnpm install --frozen-lockfile
pnpm run "${1:-verify}"
