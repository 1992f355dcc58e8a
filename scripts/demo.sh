#!/usr/bin/env bash
# `npm run demo`: a real Mesa GL client through our server and through virglrenderer, frames and a
# comparison report under out/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-env.sh
out=out/demo
rm -rf "$out"; mkdir -p "$out"
cli="node $root/dist/cli/main.js"
source "$root/scripts/lib-session.sh"
$cli serve --socket-path "$tmp/ours.sock" >"$out/server.log" 2>&1 & pids+=($!)
# glxinfo never maps its window, and at vtest 2+ Mesa's xlib winsys then fails in XGetImage (under
# virgl_test_server too): it gets a server at protocol 0.
$cli serve --socket-path "$tmp/ours-v0.sock" --max-protocol 0 >"$out/server-v0.log" 2>&1 & pids+=($!)
for _ in $(seq 200); do [ -S "$tmp/ours.sock" ] && [ -S "$tmp/ours-v0.sock" ] && [ -e /tmp/.X11-unix/X$disp ] && break; sleep 0.1; done
client() { DISPLAY=:$disp GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 VTEST_SOCKET_NAME="$1" "${@:2}"; }

echo "== 1. es2_info and glxinfo through our server"
client "$tmp/ours.sock" es2_info 2>&1 | grep -E '^GL_(VERSION|RENDERER)' | tee "$out/es2_info.txt"
client "$tmp/ours-v0.sock" glxinfo -B 2>&1 | grep -E 'OpenGL (renderer|version) string' | tee "$out/glxinfo.txt"

echo "== 2. glxgears recorded in front of virglrenderer (the golden frames)"
bash scripts/capture-trace.sh "$out/glxgears-virglrenderer.vtrace" 3 glxgears
$cli golden "$out/glxgears-virglrenderer.vtrace" --out "$out/golden" --frames 0..4

echo "== 3. glxgears live against our server (recorded on its way through)"
$cli record --upstream "$tmp/ours.sock" --socket-path "$tmp/rec.sock" --out "$out/glxgears-ours.vtrace" --once >"$out/record.log" 2>&1 &
rec=$!
for _ in $(seq 100); do [ -S "$tmp/rec.sock" ] && break; sleep 0.1; done
client "$tmp/rec.sock" timeout 3 glxgears >/dev/null 2>&1 || true
wait $rec || true
$cli golden "$out/glxgears-ours.vtrace" --out "$out/ours" --frames 0..4
# These replies came from our server: they are our frames, not golden ones.
for f in "$out/ours"/golden-*.png; do mv "$f" "${f/golden-/frame-}"; done

echo "== 4. replay of the virglrenderer capture on our renderer, compared with its golden frames"
set +e
$cli replay "$out/glxgears-virglrenderer.vtrace" --out "$out/replay" --compare --frames 0..9 --no-progress 2>"$out/replay.log"
rc=$?
set -e
echo
echo "demo done: frames and reports in $out/ (replay report: $out/replay/report.md; exit $rc means $([ $rc -eq 0 ] && echo 'all frames matched' || echo 'some frames differ'))"
