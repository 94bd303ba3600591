#!/usr/bin/env bash
# Runs the whole suite with the machine's clock moved ahead (libfaketime, Debian's `faketime`), for
# every process the tests start: the test runner, PostgreSQL, desk children, Chromium. A test whose
# outcome depends on the calendar (a fixed date checked against real time) fails here first.
#   npm run test:time-shift            # +31 days, then +365 days
#   npm run test:time-shift -- +90d    # any offsets faketime understands
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "install faketime first (apt-get install -y faketime)" >&2; exit 1; }
offsets=("$@")
[ ${#offsets[@]} -gt 0 ] || offsets=(+31d +365d)
for offset in "${offsets[@]}"; do
  echo "== the suite with the clock at $offset ($(faketime -f "$offset" date -u))"
  # FAKETIME_DONT_RESET keeps one offset for the children a test spawns, instead of restarting at 0.
  FAKETIME_DONT_RESET=1 faketime -f "$offset" npx vitest run
done
