#!/usr/bin/env bash
# Dual control, end to end, against a throw-away desk this script starts and stops itself.
# Every command below is quoted in docs/dual-control.md; run it to check that they still work:
#
#   apt-get install -y oathtool jq      # once (Debian/Ubuntu); curl and Node.js 20 are assumed
#   scripts/dual-control-walkthrough.sh
#
# `expect STATUS curl …` runs the curl command, prints the response body and stops the walkthrough
# (exit 1) unless the HTTP status is STATUS. Drop `expect STATUS` to run a command by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in curl jq oathtool node npm; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (apt-get install -y oathtool jq)" >&2; exit 1; }
done

WORK=$(mktemp -d)
step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }

expect() {  # expect STATUS curl ARGS… → the body on stdout; exit 1 on any other status
  local want=$1 body got; shift
  body=$(mktemp -p "$WORK")
  got=$("$@" -o "$body" -w '%{http_code}') || true
  if [[ "$got" != "$want" ]]; then
    local url; url=$(printf '%s\n' "$@" | grep -m1 '^http' || true)
    echo "FAIL: expected HTTP $want, got ${got:-no answer} from $url" >&2
    cat "$body" >&2; echo >&2
    exit 1
  fi
  cat "$body"
}
code() {  # … | code CODE: the problem+json body on stdin must carry this code
  local got; got=$(jq -r .code)
  [[ "$got" == "$1" ]] || { echo "FAIL: expected code $1, got $got" >&2; return 1; }
  ok "refused with $1"
}
want() {  # want ACTUAL EXPECTED WHAT
  [[ "$1" == "$2" ]] || { echo "FAIL: $3: expected '$2', got '$1'" >&2; exit 1; }
  ok "$3 = $2"
}

# TOTP: each 30-second step is accepted once per operator (replay protection). When an operator
# already used the current step, wait for the next one before making a new code.
totp() {  # totp WHO SECRET → a 6-digit code for a step WHO has not used yet
  local who=$1 secret=$2 now last
  last=$(cat "$WORK/totp-$who" 2>/dev/null || echo 0)
  now=$(( $(date +%s) / 30 ))
  while (( now <= last )); do sleep 1; now=$(( $(date +%s) / 30 )); done
  echo "$now" > "$WORK/totp-$who"
  oathtool --totp -b -N "@$(( now * 30 ))" "$secret"
}

# --- 1. Start a desk ------------------------------------------------------------------------
step "1. start a desk on a fresh data folder"
export DESK_DATA_DIR=$(mktemp -d)
chmod 755 "$DESK_DATA_DIR"   # as root, PostgreSQL runs as `postgres` and must enter this folder
export PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export HOST=127.0.0.1 LOG_LEVEL=warn
DESK=http://127.0.0.1:$PORT

set -m                                  # the desk gets its own process group …
npm start > "$WORK/desk.log" 2>&1 < /dev/null &
DESK_PID=$!
set +m
SSE_PID=
stop_desk() {
  local rc=$?
  [[ -n "$SSE_PID" ]] && kill "$SSE_PID" 2>/dev/null || true
  if kill -0 "$DESK_PID" 2>/dev/null; then
    kill -INT -- "-$DESK_PID" 2>/dev/null || true   # … so that this is Ctrl-C: HTTP, worker, PostgreSQL stop
    for _ in $(seq 1 60); do [[ -e "$DESK_DATA_DIR/pg/postmaster.pid" ]] || break; sleep 0.5; done
  fi
  if (( rc != 0 )); then echo "--- desk log (last 30 lines)" >&2; tail -30 "$WORK/desk.log" >&2 || true; fi
  rm -rf "$DESK_DATA_DIR" "$WORK"
}
trap stop_desk EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$DESK/ready" || true)" == 200 ]] && break
  kill -0 "$DESK_PID" 2>/dev/null || { echo "FAIL: the desk exited" >&2; exit 1; }
  sleep 1
done
expect 200 curl -sS "$DESK/ready" > /dev/null
ok "GET /ready is 200 on $DESK"

# --- 2. Bootstrap operators (CLI, audited as actor `cli`) ------------------------------------
step "2. bootstrap operators with desk operators add"
PASSWORD='walkthrough-Pa55phrase'     # one for all here; ≥ 12 characters, not the email
accept_invitation() {  # accept_invitation URL: the invited person sets their own password
  expect 200 curl -sS -X POST "$DESK/api/invitations/accept" -H 'content-type: application/json' \
    -d "$(jq -nc --arg t "${1##*/invite/}" --arg p "$PASSWORD" '{token: $t, password: $p}')" > /dev/null
}
add_operator() {  # add_operator EMAIL NAME ROLE → the new operator's id (a founding role: the bootstrap)
  local out
  out=$(npx tsx src/cli/desk.ts operators add --email "$1" --name "$2" --role "$3" --json)
  accept_invitation "$(jq -r .invitationUrl <<<"$out")"
  jq -r .id <<<"$out"
}
ID_RISK1=$(add_operator risk1@desk.example 'Rita Risk' risk_officer)
ID_RISK2=$(add_operator risk2@desk.example 'Ravi Risk' risk_officer)
ID_ADMIN1=$(add_operator admin1@desk.example 'Ada Admin' platform_admin)
ID_ADMIN2=$(add_operator admin2@desk.example 'Alan Admin' platform_admin)
ID_OPS=$(add_operator ops@desk.example 'Otto Ops' ops_approver)
ok "5 operators: risk1 $ID_RISK1, risk2, admin1 $ID_ADMIN1, admin2, ops"

# --- 3. Sign in with MFA ---------------------------------------------------------------------
step "3. sign in: password → enrolment-only token → TOTP secret → full token (step-up open)"
sign_in() {  # sign_in WHO EMAIL → sets TOKEN_WHO and SECRET_WHO
  local who=$1 email=$2 login token secret session
  login=$(expect 200 curl -sS -X POST "$DESK/api/auth/login" -H 'content-type: application/json' \
    -d "$(jq -nc --arg e "$email" --arg p "$PASSWORD" '{email: $e, password: $p}')")
  want "$(jq -r .mfaVerified <<<"$login")" false "$who login: mfaVerified"
  token=$(jq -r .token <<<"$login")
  secret=$(expect 200 curl -sS -X POST "$DESK/api/auth/mfa/enroll" -H "authorization: Bearer $token" | jq -r .secret)
  session=$(expect 200 curl -sS -X POST "$DESK/api/auth/mfa/verify" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d "{\"code\": \"$(totp "$who" "$secret")\"}")
  want "$(jq -r '.mfaVerified and (.stepUpUntil != null)' <<<"$session")" true "$who verified, step-up open"
  declare -g "TOKEN_$who=$(jq -r .token <<<"$session")" "SECRET_$who=$secret"
}
sign_in RISK1 risk1@desk.example
sign_in RISK2 risk2@desk.example
sign_in ADMIN1 admin1@desk.example
sign_in ADMIN2 admin2@desk.example
sign_in OPS ops@desk.example

# Live updates: keep a Server-Sent Events stream open for the rest of the walkthrough.
curl -sSN "$DESK/api/events" -H "authorization: Bearer $TOKEN_RISK1" > "$WORK/events.txt" &
SSE_PID=$!

# --- 4. Turn AUTO_SETTLEMENT on: request, approve naming a secondary, co-sign ---------------
step "4. flag.set AUTO_SETTLEMENT on, under dual control"
expect 200 curl -sS "$DESK/api/flags/AUTO_SETTLEMENT" -H "authorization: Bearer $TOKEN_OPS" | jq -e '.enabled == false' > /dev/null
ok "AUTO_SETTLEMENT starts off"

FILED=$(expect 201 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/requests" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"enabled": true, "reason": "Reconciliation clean for 30 days; go live"}')
jq -c '{status, summary, digest, diff, expiresAt}' <<<"$FILED"
REQ=$(jq -r .id <<<"$FILED")
want "$(jq -r .status <<<"$FILED")" pending "filed: status"

# Who may risk2 name as secondary? Everyone eligible minus the requester and the primary.
expect 200 curl -sS "$DESK/api/approvals/$REQ/eligible-approvers" -H "authorization: Bearer $TOKEN_RISK2" | jq -c '[.items[].email]'

# The rules, refused with their codes:
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d "{\"reason\": \"I checked it myself\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" | code SELF_APPROVAL
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_OPS" \
  -H 'content-type: application/json' -d "{\"reason\": \"Looks fine to operations\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" | code NOT_ELIGIBLE
expect 400 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"ok\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" | code REASON_REQUIRED
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Reviewed the reconciliation\", \"secondaryApproverId\": \"$ID_RISK2\"}" | code SAME_APPROVER
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ/cosign" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' | code NOT_NAMED_SECONDARY

# Primary approval by risk2, naming admin1 as the secondary.
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Reviewed the reconciliation reports\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" \
  | jq -r .status)" awaiting_secondary "approved by risk2: status"
expect 409 curl -sS -X POST "$DESK/api/approvals/$REQ/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Reviewed the reconciliation reports\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" | code ALREADY_DECIDED
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ/cosign" -H "authorization: Bearer $TOKEN_ADMIN2" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' | code NOT_NAMED_SECONDARY

# Naming approves nothing: admin1 co-signs with their own session. Renew the step-up window first
# (admin1 used a code seconds ago at sign-in, so totp waits for the next 30-second step).
expect 200 curl -sS -X POST "$DESK/api/auth/step-up" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d "{\"code\": \"$(totp ADMIN1 "$SECRET_ADMIN1")\"}" | jq -c .
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ/cosign" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Checked the settlement runbook"}' \
  | jq -r .status)" approved "co-signed by admin1: status"

FLAG=$(expect 200 curl -sS "$DESK/api/flags/AUTO_SETTLEMENT" -H "authorization: Bearer $TOKEN_OPS")
want "$(jq -r '"\(.enabled) \(.requestId)"' <<<"$FLAG")" "true $REQ" "AUTO_SETTLEMENT on, by request"
want "$(expect 200 curl -sS "$DESK/api/approvals/$REQ" -H "authorization: Bearer $TOKEN_OPS" \
  | jq -r '[.history[].action] | join(" → ")')" "filed → approved → cosigned" "history"

# --- 5. File one and reject it ---------------------------------------------------------------
step "5. file a request and reject it"
REQ_OFF=$(expect 201 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/requests" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"enabled": false, "reason": "Pause over the bank holiday weekend"}' | jq -r .id)
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_OFF/reject" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d '{"reason": "Banks settle USDT on holidays too; keep it on"}' \
  | jq -r .status)" rejected "rejected by risk2: status"
expect 409 curl -sS -X POST "$DESK/api/approvals/$REQ_OFF/cosign" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' | code ALREADY_DECIDED

# --- 6. policy.set through the generic endpoint, idempotency, cancel -------------------------
step "6. file a policy.set request (Idempotency-Key) and cancel it"
POLICY='{"kind": "policy.set", "note": "Shorter window for flag changes",
  "payload": {"kind": "flag.set", "primaryRoles": ["risk_officer"], "secondaryRoles": ["risk_officer", "platform_admin"],
              "ttlSeconds": 7200, "tiers": []}}'
REQ_POLICY=$(expect 201 curl -sS -X POST "$DESK/api/approvals" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -H 'idempotency-key: policy-flag-ttl-2h' -d "$POLICY" | jq -r .id)
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -H 'idempotency-key: policy-flag-ttl-2h' -d "$POLICY" \
  | jq -r .id)" "$REQ_POLICY" "same key, same payload: the same request (200)"
expect 409 curl -sS -X POST "$DESK/api/approvals" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -H 'idempotency-key: policy-flag-ttl-2h' -d "${POLICY/7200/3600}" | code IDEMPOTENCY_CONFLICT
expect 403 curl -sS -X POST "$DESK/api/approvals/$REQ_POLICY/cancel" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d '{}' | code FORBIDDEN
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_POLICY/cancel" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{}' | jq -r .status)" cancelled "cancelled by risk1: status"

# File it again, with the shortest TTL a policy allows (60 s, for the expiry demo in step 12), and approve it.
REQ_POLICY=$(expect 201 curl -sS -X POST "$DESK/api/approvals" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -H 'idempotency-key: policy-flag-ttl-60s' -d "${POLICY/7200/60}" | jq -r .id)
expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_POLICY/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Demo desk: requests should expire quickly\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" > /dev/null
expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_POLICY/cosign" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' > /dev/null
want "$(expect 200 curl -sS "$DESK/api/approvals/policies" -H "authorization: Bearer $TOKEN_OPS" \
  | jq -r '.items[] | select(.kind == "flag.set") | "\(.ttlSeconds) v\(.version)"')" "60 v2" "flag.set policy"

# --- 7. Operators through the API ------------------------------------------------------------
step "7. invite an operator (no role: the bootstrap is over); after enrolment, a co-signed operator.role grant"
NEW=$(expect 201 curl -sS -X POST "$DESK/api/operators" -H "authorization: Bearer $TOKEN_ADMIN1" -H 'content-type: application/json' \
  -d '{"email": "olga@desk.example", "name": "Olga Ops"}')
ID_OLGA=$(jq -r .operator.id <<<"$NEW")
want "$(jq -c .operator.roles <<<"$NEW")" '[]' "created with roles"
accept_invitation "$(jq -r .invitation.url <<<"$NEW")"
sign_in OLGA olga@desk.example
REQ_ROLE=$(expect 201 curl -sS -X POST "$DESK/api/approvals" -H "authorization: Bearer $TOKEN_ADMIN1" -H 'content-type: application/json' \
  -d "{\"kind\": \"operator.role\", \"payload\": {\"operatorId\": \"$ID_OLGA\", \"role\": \"ops_approver\", \"action\": \"grant\"}}" | jq -r .id)
# operator.role: primary a platform_admin other than the requester, secondary a risk_officer.
expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_ROLE/approve" -H "authorization: Bearer $TOKEN_ADMIN2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Olga joins the ops rota on Monday\", \"secondaryApproverId\": \"$ID_RISK1\"}" > /dev/null
want "$(expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_ROLE/cosign" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' \
  | jq -r .status)" approved "role grant: status"
want "$(expect 200 curl -sS "$DESK/api/operators" -H "authorization: Bearer $TOKEN_ADMIN1" \
  | jq -c --arg id "$ID_OLGA" '.operators[] | select(.id == $id) | .roles')" '["ops_approver"]' "Olga's roles"
want "$(expect 200 curl -sS -X POST "$DESK/api/operators/$ID_OLGA/deactivate" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Left the company"}' \
  | jq -r .status)" deactivated "Olga"

# --- 8. Emergency stop and its review --------------------------------------------------------
step "8. emergency-disable AUTO_SETTLEMENT; a different risk officer acknowledges the review"
# An open request to turn it off, approved but not yet co-signed when the emergency stop comes:
REQ_STALE=$(expect 201 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/requests" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"enabled": false, "reason": "Planned pause for the wallet migration"}' | jq -r .id)
expect 200 curl -sS -X POST "$DESK/api/approvals/$REQ_STALE/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Migration plan signed off\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" > /dev/null
expect 403 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/emergency-disable" -H "authorization: Bearer $TOKEN_OPS" \
  -H 'content-type: application/json' -d '{"reason": "Wallet balance mismatch"}' | code FORBIDDEN
STOP=$(expect 200 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/emergency-disable" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"reason": "Hot wallet balance does not match the ledger"}')
jq -c . <<<"$STOP"
REVIEW=$(jq -r .reviewId <<<"$STOP")
expect 403 curl -sS -X POST "$DESK/api/flags/reviews/$REVIEW/acknowledge" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"comment": "I stopped it, so I review it"}' | code SELF_APPROVAL
expect 403 curl -sS -X POST "$DESK/api/flags/reviews/$REVIEW/acknowledge" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"comment": "Admins cannot acknowledge"}' | code FORBIDDEN
want "$(expect 200 curl -sS -X POST "$DESK/api/flags/reviews/$REVIEW/acknowledge" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d '{"comment": "Confirmed the mismatch; the stop was right"}' \
  | jq -r .status)" acknowledged "review"
want "$(expect 200 curl -sS "$DESK/api/flags/AUTO_SETTLEMENT" -H "authorization: Bearer $TOKEN_OPS" \
  | jq -r '"\(.enabled) \(.history[0].via)"')" "false emergency" "AUTO_SETTLEMENT"
# The stop moved the flag's version: the co-sign re-checks it, applies nothing and the request fails.
expect 409 curl -sS -X POST "$DESK/api/approvals/$REQ_STALE/cosign" -H "authorization: Bearer $TOKEN_ADMIN1" \
  -H 'content-type: application/json' -d '{"reason": "Checked and co-signed."}' | code STALE_REQUEST
want "$(expect 200 curl -sS "$DESK/api/approvals/$REQ_STALE" -H "authorization: Bearer $TOKEN_OPS" | jq -r .status)" failed "stale request"

# --- 9. Direct SQL is caught; notifications wait in the outbox -------------------------------
step "9. a change made in SQL is audited; the notifications outbox"
DB_URL="postgres://desk:$(cat "$DESK_DATA_DIR/pg-password")@127.0.0.1:$(sed -n 4p "$DESK_DATA_DIR/pg/postmaster.pid")/postgres"
sql() {  # sql 'STATEMENT' → rows as JSON (what a DBA would do with psql "$DB_URL")
  node -e 'const pg = require("pg"); const c = new pg.Client(process.argv[1]);
    c.connect().then(() => c.query(process.argv[2])).then((r) => { console.log(JSON.stringify(r.rows)); return c.end(); })' "$DB_URL" "$1"
}
sql "update feature_flags set enabled = false where key = 'AUTO_SETTLEMENT'" > /dev/null
want "$(expect 200 curl -sS "$DESK/api/audit?action=flag.changed_outside_api" -H "authorization: Bearer $TOKEN_RISK1" \
  | jq -r '.events[0] | "\(.actorType):\(.actorId)"')" "database:desk" "flag.changed_outside_api actor"
sql "select template, count(*)::int as n from notifications where status = 'queued' group by 1 order by 1" | jq -c '.[]'

# --- 10. The approvals report ---------------------------------------------------------------
step "10. the approvals report (CSV)"
FROM=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d '1 hour' +%Y-%m-%dT%H:%M:%SZ)
expect 200 curl -sS "$DESK/api/approvals/report?from=$FROM&to=$TO&format=csv" -H "authorization: Bearer $TOKEN_RISK1" > "$WORK/report.csv"
cut -d, -f1-4 "$WORK/report.csv" | head -3
grep -E '^(approver|pair),' "$WORK/report.csv"
want "$(grep -c '^request,' "$WORK/report.csv")" 6 "request rows"
want "$(grep -c '^pair,' "$WORK/report.csv")" 2 "pair rows"
want "$(expect 200 curl -sS "$DESK/api/approvals/report?from=$FROM&to=$TO" -H "authorization: Bearer $TOKEN_RISK1" \
  | jq -cS '.totals.outcomes')" '{"approved":3,"cancelled":1,"failed":1,"rejected":1}' "outcomes"

# --- 11. What the live stream saw ------------------------------------------------------------
step "11. live updates (GET /api/events)"
sleep 1
grep '^event:' "$WORK/events.txt" | sort | uniq -c
grep -q '^event: approval.changed' "$WORK/events.txt" && grep -q '^event: flag.changed' "$WORK/events.txt" \
  || { echo "FAIL: the event stream missed approval.changed or flag.changed" >&2; exit 1; }
ok "approval and flag events arrived over SSE"

# --- 12. Fail-closed expiry ------------------------------------------------------------------
step "12. a request past its TTL can never be applied (waits about a minute)"
REQ_LATE=$(expect 201 curl -sS -X POST "$DESK/api/flags/AUTO_SETTLEMENT/requests" -H "authorization: Bearer $TOKEN_RISK1" \
  -H 'content-type: application/json' -d '{"enabled": true, "reason": "Wallets reconciled again; resume"}' | jq -r .id)
sleep 62
expect 410 curl -sS -X POST "$DESK/api/approvals/$REQ_LATE/approve" -H "authorization: Bearer $TOKEN_RISK2" \
  -H 'content-type: application/json' -d "{\"reason\": \"Reconciliation is clean again\", \"secondaryApproverId\": \"$ID_ADMIN1\"}" | code EXPIRED
want "$(expect 200 curl -sS "$DESK/api/approvals/$REQ_LATE" -H "authorization: Bearer $TOKEN_OPS" \
  | jq -r '"\(.status): \([.history[] | "\(.action) by \(.actor.type)"] | join(", "))"')" "expired: filed by operator, expired by system" "late request"

printf '\nPASS: dual-control walkthrough (flag.set co-signed, rejected, cancelled, policy.set, operator.role, emergency stop reviewed, stale and expired requests, SQL change audited, report, SSE)\n'
