#!/usr/bin/env bash
# Checks deploy/ (run by .ci/run): Prometheus and Alertmanager with Debian's promtool and amtool, then
# scripts/check-deploy.ts for the Dockerfile, compose.yml, the Grafana dashboard and the image's CMD.
#
# What is checked is what is deployed: rules.yml as committed, and alertmanager.yml as render.sh
# renders it. One difference is forced by the tools: Debian's amtool is 0.25, which refuses
# `bot_token_file` (Alertmanager 0.26 added it), so amtool reads a copy in which each
# `bot_token_file:` line, and nothing else, is replaced by `bot_token:` with a dummy value. The script
# proves that by diffing the two. What 0.25 cannot check: that 0.26+ accepts bot_token_file (a plain
# string field there) and that the mounted secret file exists — see docs/alerts.md.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}')"
promtool check rules prometheus/rules.yml
(cd prometheus && promtool test rules rules.test.yml)
promtool check config prometheus/prometheus.yml

echo "== amtool $(amtool --version 2>&1 | head -1 | awk '{print $3}')"
TELEGRAM_OPS_CHAT_ID=-1001234567890 TELEGRAM_CHAT_ID_RISK_OFFICER=-1009876543210 \
  alertmanager/render.sh > "$work/alertmanager.yml"
sed -E 's/^( *)(- )?bot_token_file: .*/\1\2bot_token: ci-dummy-token-not-a-secret/' "$work/alertmanager.yml" > "$work/alertmanager-0.25.yml"
changed=$(diff "$work/alertmanager.yml" "$work/alertmanager-0.25.yml" | grep -c '^>' || true)
files=$(grep -c 'bot_token_file:' "$work/alertmanager.yml")
others=$(diff "$work/alertmanager.yml" "$work/alertmanager-0.25.yml" | grep '^[<>]' | grep -vc 'bot_token' || true)
if [ "$changed" != "$files" ] || [ "$others" != "0" ]; then
  echo "the amtool 0.25 copy differs from the rendered configuration in more than bot_token_file" >&2
  exit 1
fi
if grep -Eq '^\s*bot_token:' "$work/alertmanager.yml"; then
  echo "alertmanager.yml must not carry a bot_token: the token comes from bot_token_file" >&2
  exit 1
fi
amtool check-config "$work/alertmanager-0.25.yml"

failures=0
while read -r receiver labels; do
  case "$receiver" in '' | '#'*) continue ;; esac
  # shellcheck disable=SC2086
  if amtool config routes test --config.file="$work/alertmanager-0.25.yml" --verify.receivers="$receiver" $labels >/dev/null 2>&1; then
    echo "  ok    $labels -> $receiver"
  else
    echo "  FAIL  $labels -> expected $receiver, got $(amtool config routes test --config.file="$work/alertmanager-0.25.yml" $labels 2>/dev/null || true)"
    failures=$((failures + 1))
  fi
done < alertmanager/routes.test
[ "$failures" = 0 ] || { echo "$failures route test(s) failed" >&2; exit 1; }
# The Dockerfile, compose file, dashboard PromQL and the image's CMD run as-is (needs npm run build:server).
../node_modules/.bin/tsx ../scripts/check-deploy.ts
echo "== deploy checks passed"
