#!/usr/bin/env bash
# CI's smoke run: start a throw-away desk (embedded PostgreSQL, paper chain) on a loopback port in a
# temporary folder, provision three enrolled operators and a client with an API key through the CLI and
# the API (scripts/smoke/provision.ts), run `npm run smoke` against it, print REPORT.md, and stop the desk
# by its pid (its embedded PostgreSQL stops with it). Exit non-zero if any smoke step failed.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=$(mktemp -d)
export DESK_DATA_DIR="$WORK/data"
mkdir -p "$DESK_DATA_DIR"
chmod 755 "$WORK" "$DESK_DATA_DIR"   # as root, PostgreSQL runs as `postgres` and must enter this folder
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export PORT HOST=127.0.0.1 TELEGRAM_MODE=off LOG_LEVEL=warn
export PRICING_REFERENCE_MID=1 PRICING_SPREAD_TIERS=0:10
export SMOKE_URL="http://127.0.0.1:$PORT"

node_modules/.bin/tsx src/main/start.ts > "$WORK/desk.log" 2>&1 < /dev/null &
DESK_PID=$!
stop_desk() {
  local rc=$?
  if kill -0 "$DESK_PID" 2>/dev/null; then
    kill -TERM "$DESK_PID" 2>/dev/null || true   # the desk stops HTTP, the worker, then its PostgreSQL
    for _ in $(seq 1 60); do kill -0 "$DESK_PID" 2>/dev/null || break; sleep 0.5; done
  fi
  # Belt and braces: the embedded PostgreSQL by its own pid, if the desk could not stop it.
  if [[ -f "$DESK_DATA_DIR/pg/postmaster.pid" ]]; then
    kill -INT "$(head -1 "$DESK_DATA_DIR/pg/postmaster.pid")" 2>/dev/null || true
  fi
  if (( rc != 0 )); then echo "--- desk log (last 30 lines)" >&2; tail -30 "$WORK/desk.log" >&2 || true; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap stop_desk EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 240); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$SMOKE_URL/ready" || true)" == 200 ]] && break
  kill -0 "$DESK_PID" 2>/dev/null || { echo "FAIL: the desk exited" >&2; exit 1; }
  sleep 0.25
done

node_modules/.bin/tsx scripts/smoke/provision.ts "$WORK"
rc=0
npm run --silent smoke -- --url "$SMOKE_URL" --operators-file "$WORK/operators.txt" \
  --client-key "$(cat "$WORK/client-key.txt")" --report "$WORK/REPORT.md" || rc=$?
echo "--- REPORT.md"
cat "$WORK/REPORT.md"
exit "$rc"
