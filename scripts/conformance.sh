#!/usr/bin/env bash
# `npm run conformance -- --list FILE [--against virglrenderer] [--jobs N] [--filter REGEX] [--timeout S]`
# piglit through virpipe against our server (and virglrenderer); report in out/conformance/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-env.sh
# ensure-env rebuilds only when dist/cli is stale; the harness has its own entry point.
if [ ! -f dist/conformance/main.js ] || [ -n "$(find src/conformance -newer dist/conformance/main.js -name '*.ts' -print -quit)" ]; then
  # tsc still emits when someone else's file has a type error; the harness only needs its own files.
  npm run --silent build || echo "conformance: the build reported errors (above); going on with what it emitted" >&2
fi
[ -f dist/conformance/main.js ] || { echo "conformance: dist/conformance/main.js was not built" >&2; exit 2; }
exec node dist/conformance/main.js "$@"
