#!/usr/bin/env bash
# npm run soak -- --clients 16 --seconds 60 [--display :69]: real Mesa clients against one server.
# Needs Xvfb, mesa-utils(-extra), x11-apps (xwd, xwininfo), virgl-server and piglit (scripts/setup-host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/soak/main.js ] || npm run build >/dev/null
exec node dist/soak/main.js "$@"
