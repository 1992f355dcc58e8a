#!/usr/bin/env bash
# `npm run bench [-- OPTIONS]`: benchmarks against virglrenderer (docs/performance.md). Not part of
# `npm test`: nothing here asserts a timing. Writes bench/results/<date>.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -L node_modules ]; then
  # A worktree sharing another checkout's node_modules: ensure-env's `npm ci` would empty the shared
  # directory through the link, so only build here.
  [ -d node_modules/webgpu ] || { echo "bench: node_modules links to an install without webgpu" >&2; exit 1; }
  npm run --silent build
else
  bash scripts/ensure-env.sh
fi
command -v stdbuf >/dev/null || { echo "bench: stdbuf (coreutils) is missing" >&2; exit 1; }
command -v es2gears_x11 >/dev/null || { echo "bench: es2gears_x11 (mesa-utils-bin) is missing" >&2; exit 1; }
# --expose-gc: a full GC before each measured decode round, so garbage from setup is not counted in it.
exec node --expose-gc dist/bench/main.js "$@"
