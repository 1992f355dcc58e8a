#!/usr/bin/env bash
# `npm run bench [-- OPTIONS]`: benchmarks against virglrenderer (docs/performance.md). Not part of
# `npm test`: nothing here asserts a timing. Writes bench/results/<date>.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-env.sh
command -v stdbuf >/dev/null || { echo "bench: stdbuf (coreutils) is missing" >&2; exit 1; }
command -v es2gears_x11 >/dev/null || { echo "bench: es2gears_x11 (mesa-utils-bin) is missing" >&2; exit 1; }
# --expose-gc: a full GC before each measured decode round, so garbage from setup is not counted in it.
exec node --expose-gc dist/bench/main.js "$@"
