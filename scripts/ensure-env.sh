#!/usr/bin/env bash
# Makes sure host packages, npm packages and the build are in place; says exactly what is missing otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

need=(Xvfb glxgears es2_info virgl_test_server vulkaninfo xwd xwininfo)
missing=()
for c in "${need[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
mesa_ok=1
case "$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)" in 25.*|26.*|27.*) ;; *) mesa_ok=0 ;; esac
if [ ${#missing[@]} -gt 0 ] || [ $mesa_ok -eq 0 ]; then
  if [ "$(id -u)" -eq 0 ] && grep -qs bookworm /etc/os-release; then
    bash scripts/setup-host.sh
  else
    echo "missing host tools: ${missing[*]:-none}; Mesa >= 25 (lavapipe): $([ $mesa_ok -eq 1 ] && echo ok || echo missing)" >&2
    echo "on Debian 12 run as root: bash scripts/setup-host.sh" >&2
    exit 1
  fi
fi
if [ -L node_modules ]; then
  # A node_modules shared from another checkout (a git worktree): npm ci would empty it for everyone.
  [ -d node_modules/webgpu ] || { echo "ensure-env: node_modules is a link to a tree without webgpu; run npm ci where it points" >&2; exit 2; }
  [ -f native/build/Release/virgl_native.node ] || node native/build.mjs
elif [ ! -d node_modules/webgpu ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  # The fd-passing addon is built by npm's install script; rebuild it if only node_modules survived.
  [ -f native/build/Release/virgl_native.node ] || node native/build.mjs
fi
if [ ! -f dist/cli/main.js ] || [ -n "$(find src -newer dist/cli/main.js -name '*.ts' -print -quit)" ]; then
  npm run --silent build
fi
