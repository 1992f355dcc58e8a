# Sourced by scripts that run real Mesa clients: a private temp dir and runtime dir, an Xvfb on a free
# display ($disp), and cleanup of every background process listed in $pids when the script exits.
tmp=$(mktemp -d); export XDG_RUNTIME_DIR=$tmp/xdg; mkdir -m 0700 "$XDG_RUNTIME_DIR"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
disp=$(( 200 + RANDOM % 300 )); while [ -e /tmp/.X11-unix/X$disp ]; do disp=$((disp+1)); done
# -noreset: without it about one rapid connection in fifteen fails.
Xvfb :$disp -screen 0 1024x768x24 +extension GLX -noreset -nolisten tcp >/dev/null 2>&1 & pids+=($!)
