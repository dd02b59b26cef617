#!/usr/bin/env bash
# Installs the MCP conformance suite and the Node 22 runtime it needs (it crashes on Node 20) from the
# npm registry into apps/secure-server/.conformance, pinned. Nothing is installed by hand.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/.conformance"
suite_version=0.1.16
node_version=22.23.3
if [ -x "$dir/node_modules/.bin/node" ] \
  && [ "$("$dir/node_modules/.bin/node" --version)" = "v$node_version" ] \
  && grep -q "\"version\": \"$suite_version\"" "$dir/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null; then
  exit 0
fi
mkdir -p "$dir"
echo '{ "name": "conformance-runtime", "private": true }' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
  "node@$node_version" "@modelcontextprotocol/conformance@$suite_version"
"$dir/node_modules/.bin/node" --version
