import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SmokeHttp } from './http.js';
import { signIn, type Credentials, type SignedInOperator } from './operators.js';

export interface SmokeContext {
  http: SmokeHttp;
  credentials: Credentials[];
  clientKey: string | null;
  /** The network of the RFQ (the client's whitelisted payout address must be on it). */
  network: string;
  /** Where the audit export is written (a temporary folder). */
  scratch: string;
  root: string;
  operators: SignedInOperator[];
  version: string | null;
  commit: string | null;
}

/** A step's result: a line saying what was found, or `{ skipped }` with why it did not run. */
export type StepOutcome = string | { skipped: string };

export interface Step {
  name: string;
  run: (ctx: SmokeContext) => Promise<StepOutcome>;
}

const REASON = 'Smoke run after a deployment: a harmless, reversible change';

/** The metrics every desk declares; their absence means the metrics endpoint is not the desk's. */
const METRICS = ['desk_worker_heartbeat_age_seconds', 'desk_http_requests_total'];

function holding(ops: SignedInOperator[], roles: string[], except: SignedInOperator[]) {
  return ops.filter((o) => !except.includes(o) && o.roles.some((r) => roles.includes(r)));
}

/** Three distinct operators: a requester, an eligible primary and an eligible secondary for `policy`. */
function cast(ops: SignedInOperator[], policy: { primaryRoles: string[]; secondaryRoles: string[] }) {
  for (const primary of holding(ops, policy.primaryRoles, []))
    for (const secondary of holding(ops, policy.secondaryRoles, [primary])) {
      const requester = ops.find((o) => o !== primary && o !== secondary);
      if (requester) return { requester, primary, secondary };
    }
  return null;
}

export const STEPS: Step[] = [
  {
    name: 'health: GET /health',
    async run(ctx) {
      const res = await ctx.http.expect<{ status: string; version: string; commit?: string | null }>(
        200,
        'GET',
        '/health',
      );
      ctx.version = res.body.version;
      ctx.commit = res.body.commit ?? null;
      return `status ${res.body.status}, version ${res.body.version}, commit ${ctx.commit ?? 'not reported'}`;
    },
  },
  {
    name: 'readiness: GET /ready',
    async run(ctx) {
      const res = await ctx.http.expect<{ status: string; checks: Record<string, { ok: boolean }> }>(
        200,
        'GET',
        '/ready',
      );
      return `${res.body.status}: ${Object.keys(res.body.checks).join(', ')} ok`;
    },
  },
  {
    name: 'metrics: GET /metrics',
    async run(ctx) {
      const res = await ctx.http.expect(200, 'GET', '/metrics');
      const missing = METRICS.filter((m) => !res.text.includes(`# TYPE ${m} `));
      if (missing.length > 0) throw new Error(`metrics missing: ${missing.join(', ')}`);
      const declared = res.text.split('\n').filter((l) => l.startsWith('# TYPE desk_')).length;
      return `${declared} desk_* metrics declared, ${METRICS.join(', ')} among them`;
    },
  },
  {
    name: 'sign-in with MFA (password + TOTP), three operators',
    async run(ctx) {
      if (ctx.credentials.length < 3)
        throw new Error(
          `three operators are needed (--operator, repeatable), ${ctx.credentials.length} given`,
        );
      for (const c of ctx.credentials) ctx.operators.push(await signIn(ctx.http, c));
      if (new Set(ctx.operators.map((o) => o.id)).size !== ctx.operators.length)
        throw new Error('the operators are not distinct people');
      for (const o of ctx.operators) await ctx.http.expect(200, 'GET', '/api/me', { token: o.token });
      return ctx.operators.map((o) => `${o.email} (${o.roles.join(', ') || 'no role'})`).join('; ');
    },
  },
  {
    name: 'change request (alert.rule, ±1 s keepFiringFor) filed, approved, co-signed by three people',
    async run(ctx) {
      const reader = ctx.operators[0];
      if (!reader || ctx.operators.length < 3) throw new Error('needs the three signed-in operators');
      const policies = await ctx.http.expect<{
        items: { kind: string; primaryRoles: string[]; secondaryRoles: string[] }[];
      }>(200, 'GET', '/api/approvals/policies', { token: reader.token });
      const policy = policies.body.items.find((p) => p.kind === 'alert.rule');
      if (!policy) throw new Error('the desk has no alert.rule policy');
      const who = cast(ctx.operators, policy);
      if (!who)
        throw new Error(
          `no requester + primary (${policy.primaryRoles.join('/')}) + secondary (${policy.secondaryRoles.join('/')}) among the operators`,
        );
      const alerts = await ctx.http.expect<{ items: { name: string; keepFiringForSeconds: number }[] }>(
        200,
        'GET',
        '/api/alerts',
        { token: who.requester.token },
      );
      const rule = alerts.body.items[0];
      if (!rule) throw new Error('the desk has no alert rule');
      // Harmless and self-reverting over runs: an even value goes up by one second, an odd one down.
      const before = rule.keepFiringForSeconds;
      const after = before % 2 === 0 ? before + 1 : before - 1;
      const filed = await ctx.http.expect<{ id: string; status: string }>(201, 'POST', '/api/approvals', {
        token: who.requester.token,
        headers: { 'idempotency-key': `smoke-${randomUUID()}` },
        body: { kind: 'alert.rule', payload: { name: rule.name, keepFiringForSeconds: after }, note: REASON },
      });
      const id = filed.body.id;
      await ctx.http.expect(200, 'POST', `/api/approvals/${id}/approve`, {
        token: who.primary.token,
        body: { reason: REASON, secondaryApproverId: who.secondary.id },
      });
      await ctx.http.expect(200, 'POST', `/api/approvals/${id}/cosign`, {
        token: who.secondary.token,
        body: { reason: REASON },
      });
      const done = await ctx.http.expect<{ status: string }>(200, 'GET', `/api/approvals/${id}`, {
        token: who.requester.token,
      });
      if (done.body.status !== 'approved')
        throw new Error(`request ${id} is ${done.body.status}, not approved`);
      return `request ${id}: ${rule.name} keepFiringFor ${before} → ${after} s; filed by ${who.requester.email}, approved by ${who.primary.email}, co-signed by ${who.secondary.email}; approved`;
    },
  },
  {
    name: 'alert list: GET /api/alerts',
    async run(ctx) {
      const op = ctx.operators[0];
      if (!op) throw new Error('needs a signed-in operator');
      const res = await ctx.http.expect<{ items: { name: string; state: string }[]; firing: number }>(
        200,
        'GET',
        '/api/alerts',
        { token: op.token },
      );
      const firing = res.body.items.filter((i) => i.state === 'firing').map((i) => i.name);
      return `${res.body.items.length} rules, ${res.body.firing} firing${firing.length ? ` (${firing.join(', ')})` : ''}`;
    },
  },
  {
    name: 'RFQ and accept on the paper chain (client API)',
    async run(ctx) {
      if (!ctx.clientKey) return { skipped: 'no --client-key given' };
      const op = ctx.operators[0];
      if (!op) throw new Error('needs a signed-in operator (to check the chain is paper)');
      const wallets = await ctx.http.expect<{ items: { network: string; paper: boolean }[] }>(
        200,
        'GET',
        '/api/wallets',
        { token: op.token },
      );
      const on = wallets.body.items.filter((w) => w.network === ctx.network);
      if (on.length === 0) return { skipped: `the desk has no ${ctx.network} wallet` };
      if (on.some((w) => !w.paper))
        return { skipped: `${ctx.network} settles on a real chain here: a smoke run books no trade on it` };
      const paper = { network: ctx.network };
      const key = { token: ctx.clientKey };
      const rfq = await ctx.http.expect<{ rfqId: string; quote: { id: string; price: string } }>(
        201,
        'POST',
        '/api/client/v1/rfqs',
        { ...key, body: { side: 'buy', amount: '10', network: paper.network } },
      );
      const trade = await ctx.http.expect<{ id: string; status: string }>(
        201,
        'POST',
        `/api/client/v1/quotes/${rfq.body.quote.id}/accept`,
        { ...key, headers: { 'idempotency-key': `smoke-${randomUUID()}` }, body: {} },
      );
      const seen = await ctx.http.expect<{ status: string }>(
        200,
        'GET',
        `/api/client/v1/trades/${trade.body.id}`,
        key,
      );
      return `buy 10 USDT on ${paper.network} (PAPER): quote ${rfq.body.quote.id} at ${rfq.body.quote.price}, trade ${trade.body.id} ${seen.body.status}`;
    },
  },
  {
    name: 'audit export (GET /api/audit/export) accepted by `desk audit verify`',
    async run(ctx) {
      const op = ctx.operators.find((o) => o.roles.some((r) => r !== 'ops_approver'));
      if (!op)
        throw new Error(
          'needs an operator allowed to export the audit trail (risk_officer, platform_admin or auditor)',
        );
      const res = await ctx.http.expect(200, 'GET', '/api/audit/export?format=jsonl', { token: op.token });
      const file = path.join(ctx.scratch, 'audit-export.jsonl');
      await fs.writeFile(file, res.text);
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          path.join(ctx.root, 'node_modules/.bin/tsx'),
          ['src/cli/desk.ts', 'audit', 'verify', file],
          {
            cwd: ctx.root,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'silent' },
          },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
      if (out.code !== 0)
        throw new Error(`desk audit verify exit ${out.code}: ${out.stderr.trim() || out.stdout.trim()}`);
      const lines = out.stdout.trim().split('\n');
      return `${res.text.length} bytes by ${op.email}; desk audit verify: ${lines
        .slice(0, 2)
        .map((l) => l.trim())
        .join('; ')
        .replace(file, 'the export')}`;
    },
  },
];
