#!/bin/sh
# Renders alertmanager.yml for a deployment: fills in the chat ids and nothing else.
#   TELEGRAM_OPS_CHAT_ID=-1001234567890 deploy/alertmanager/render.sh > /etc/alertmanager/alertmanager.yml
# TELEGRAM_CHAT_ID_<ROLE> (OPS_APPROVER, RISK_OFFICER, PLATFORM_ADMIN) default to the ops chat.
# The bot token is not an input: Alertmanager reads it from bot_token_file at run time.
set -eu
here=$(dirname "$0")
: "${TELEGRAM_OPS_CHAT_ID:?set TELEGRAM_OPS_CHAT_ID to the ops chat id (groups have negative ids)}"
: "${TELEGRAM_CHAT_ID_OPS_APPROVER:=$TELEGRAM_OPS_CHAT_ID}"
: "${TELEGRAM_CHAT_ID_RISK_OFFICER:=$TELEGRAM_OPS_CHAT_ID}"
: "${TELEGRAM_CHAT_ID_PLATFORM_ADMIN:=$TELEGRAM_OPS_CHAT_ID}"
for id in "$TELEGRAM_OPS_CHAT_ID" "$TELEGRAM_CHAT_ID_OPS_APPROVER" "$TELEGRAM_CHAT_ID_RISK_OFFICER" "$TELEGRAM_CHAT_ID_PLATFORM_ADMIN"; do
  case "$id" in
    '' | *[!0-9-]* | ?*-*) echo "render.sh: chat id '$id' is not an integer" >&2; exit 1 ;;
  esac
done
sed -e "s/\${TELEGRAM_OPS_CHAT_ID}/$TELEGRAM_OPS_CHAT_ID/" \
    -e "s/\${TELEGRAM_CHAT_ID_OPS_APPROVER}/$TELEGRAM_CHAT_ID_OPS_APPROVER/" \
    -e "s/\${TELEGRAM_CHAT_ID_RISK_OFFICER}/$TELEGRAM_CHAT_ID_RISK_OFFICER/" \
    -e "s/\${TELEGRAM_CHAT_ID_PLATFORM_ADMIN}/$TELEGRAM_CHAT_ID_PLATFORM_ADMIN/" \
    "$here/alertmanager.yml"
