#!/usr/bin/env bash
# Records a real Mesa GL client against virglrenderer's virgl_test_server through our recording proxy.
# usage: scripts/capture-trace.sh OUT.vtrace SECONDS CMD [ARGS...]
# The client sees our caps (--caps ours) so it only uses what our renderer claims, while
# virglrenderer renders the golden frames. Needs Xvfb, virgl_test_server and a built dist/.
set -euo pipefail
out=$1; secs=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib-session.sh"
virgl_test_server --use-egl-surfaceless --socket-path="$tmp/ref.sock" >"$tmp/ref.log" 2>&1 & pids+=($!)
node "$root/dist/cli/main.js" record --upstream "$tmp/ref.sock" --socket-path "$tmp/rec.sock" --out "$out" --caps ours --once >"$tmp/rec.log" 2>&1 & rec=$!
for _ in $(seq 100); do [ -S "$tmp/rec.sock" ] && [ -e /tmp/.X11-unix/X$disp ] && [ -S "$tmp/ref.sock" ] && break; sleep 0.1; done
DISPLAY=:$disp GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 VTEST_SOCKET_NAME="$tmp/rec.sock" \
  PIGLIT_SOURCE_DIR=/usr/lib/x86_64-linux-gnu/piglit timeout -s TERM "$secs" "$@" >"$tmp/client.log" 2>&1 || true
wait $rec || true
grep -v '^Warning' "$tmp/rec.log" | tail -n 2
