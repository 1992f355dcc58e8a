#!/usr/bin/env bash
# `npm test`: unit and integration tests against real Mesa clients and a real WebGPU device.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-env.sh
# Tests are TypeScript too: type errors fail the run before any test starts.
npx tsc -p tsconfig.tests.json
exec npx vitest run "$@"
