import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { compose, type Composition } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import { newOperator, type SignedIn, type TestOperator } from '../test/support/factories.js';
import { testSecrets } from '../test/support/server.js';
import { countStatements, describeCounts, type StatementCount } from './statements.js';
import type { BenchRow } from './table.js';

const CLIENTS = 8;
const REQUESTS = Number(process.env.APPROVALS_BENCH_REQUESTS ?? 2_000);
const WARMUP_PER_CLIENT = 5;
/** Requests decided one at a time after the load, to count each decision's statements. */
const COUNTED = 20;
const LISTED_PENDING = 10_000;
const LISTED_AWAITING_READER = 500;
const LIST_SAMPLES = 500;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function latencies(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(s, 0.5), 1)} ms, p99 ${fmt(percentile(s, 0.99), 1)} ms, max ${fmt(s[s.length - 1] ?? Number.NaN, 1)} ms`;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
async function inPool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

interface Client {
  primary: TestOperator;
  primarySession: SignedIn;
  secondary: TestOperator;
  secondarySession: SignedIn;
  requests: string[];
}

/** One decision over real HTTP; anything but 200 stops the bench (a refused decision is not a decision). */
async function post(base: string, session: SignedIn, url: string, body: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { ...session.bearer, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return performance.now() - t0;
}

async function get(base: string, session: SignedIn, url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}${url}`, { headers: session.bearer });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text}`);
  return performance.now() - t0;
}

/**
 * Target operators for `operator.role` grants, in bulk: one per request, so no two applied
 * requests touch the same entity (each apply bumps its target's version; sharing one would fail the
 * rest as stale, which is correct but not what this measures).
 */
async function seedTargets(db: Db, n: number, prefix = 'target'): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 1000) {
    await db
      .insertInto('operators')
      .values(
        ids.slice(i, i + 1000).map((id, j) => ({
          id,
          email: `${prefix}-${i + j}@desk.test`,
          name: `Bench target ${i + j}`,
          password_hash: 'never-signs-in',
          roles: [],
          mfa_secret_enc: null,
          mfa_enrolled_at: null,
          mfa_pending_secret_enc: null,
          locked_until: null,
          telegram_user_id: null,
        })),
      )
      .execute();
  }
  return ids;
}

/**
 * Open requests for the list benchmark, written in one statement with the same columns, shapes and
 * digest the engine writes for an `operator.role` grant (the policy snapshot is the live row).
 */
async function seedOpenRequests(
  db: Db,
  requesterId: string,
  opts: {
    count: number;
    status: 'pending' | 'awaiting_secondary';
    primaryId?: string;
    secondaryId?: string;
    tag: string;
  },
) {
  await sql`
    insert into change_requests (kind, payload, digest, diff, summary, entity_type, entity_id, entity_version, requested_by_type, requested_by_id, note,
                                 status, policy, expires_at, primary_approver_id, primary_reason, primary_at, secondary_approver_id, created_at, updated_at)
    select 'operator.role',
           jsonb_build_object('action', 'grant', 'operatorId', t.op, 'role', 'ops_approver'),
           encode(sha256(convert_to('operator.role' || chr(10) || '{"action":"grant","operatorId":"' || t.op || '","role":"ops_approver"}', 'UTF8')), 'hex'),
           '[{"field":"roles","before":[],"after":["ops_approver"]}]'::jsonb,
           'Grant ops_approver to Bench person ' || g || ' <bench-' || g || '@desk.test>',
           'operator', t.op::text, 1, 'operator', ${requesterId}, null,
           ${opts.status}::text, p.snapshot, now() + interval '24 hours',
           ${opts.primaryId ?? null}::uuid, ${opts.primaryId ? 'Checked the onboarding ticket' : null}::text, ${opts.primaryId ? sql`now()` : sql`null::timestamptz`},
           ${opts.secondaryId ?? null}::uuid,
           now() - g * interval '1 second', now()
    from generate_series(1, ${opts.count}::int) g
    cross join lateral (select md5(${opts.tag}::text || g)::uuid as op) t
    cross join (select jsonb_build_object('kind', kind, 'primaryRoles', to_jsonb(primary_roles), 'secondaryRoles', to_jsonb(secondary_roles),
                                          'ttlSeconds', ttl_seconds, 'tiers', tiers, 'version', version) as snapshot
                from approval_policies where kind = 'operator.role') p`.execute(db);
}

async function decisionsPerSecond(
  desk: Composition,
  db: Db,
  base: string,
): Promise<{ rows: BenchRow[]; reader: SignedIn; requesterId: string; primaryId: string }> {
  const target = { desk };
  const requester = await newOperator(target, { roles: ['risk_officer'] });
  const clients: Client[] = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const [primary, secondary] = await Promise.all([
        newOperator(target, { roles: ['platform_admin'] }),
        newOperator(target, { roles: ['risk_officer'] }),
      ]);
      return {
        primary,
        primarySession: await primary.login(),
        secondary,
        secondarySession: await secondary.login(),
        requests: [],
      };
    }),
  );
  // Step-up lasts STEP_UP_MINUTES from sign-in; keep it open for the whole bench.
  await sql`update operator_sessions set step_up_until = now() + interval '2 hours' where revoked_at is null`.execute(
    db,
  );

  const perClient = WARMUP_PER_CLIENT + REQUESTS / CLIENTS;
  const targets = await seedTargets(db, perClient * CLIENTS);
  const t0 = performance.now();
  await inPool(
    targets.map((operatorId, i) => ({ operatorId, client: clients[i % CLIENTS] as Client })),
    CLIENTS,
    async ({ operatorId, client }) => {
      const { request } = await desk.services.approvals.file(
        { kind: 'operator.role', payload: { operatorId, role: 'ops_approver', action: 'grant' } },
        { type: 'operator', id: requester.id },
        { actorType: 'operator', actorId: requester.id },
      );
      client.requests.push(request.id);
    },
  );
  const fileSeconds = (performance.now() - t0) / 1000;
  const operators = await db
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();

  const approveMs: number[] = [];
  const cosignMs: number[] = [];
  const work = (client: Client, ids: string[], record: boolean) => async () => {
    for (const id of ids) {
      const a = await post(base, client.primarySession, `/api/approvals/${id}/approve`, {
        reason: 'Checked the onboarding ticket',
        secondaryApproverId: client.secondary.id,
      });
      const c = await post(base, client.secondarySession, `/api/approvals/${id}/cosign`, {
        reason: 'Checked and co-signed.',
      });
      if (record) {
        approveMs.push(a);
        cosignMs.push(c);
      }
    }
  };
  await Promise.all(clients.map((c) => work(c, c.requests.slice(0, WARMUP_PER_CLIENT), false)()));
  const t1 = performance.now();
  await Promise.all(clients.map((c) => work(c, c.requests.slice(WARMUP_PER_CLIENT), true)()));
  const seconds = (performance.now() - t1) / 1000;

  const applied = await sql<{
    n: number;
  }>`select count(*)::int as n from change_requests where kind = 'operator.role' and status = 'approved'`.execute(
    db,
  );
  if (applied.rows[0]?.n !== targets.length)
    throw new Error(`expected ${targets.length} approved requests, found ${applied.rows[0]?.n}`);
  const pairs = approveMs.length;

  // One at a time, so every statement the process sends is the decision's (the session check included).
  const counted = { approve: [] as StatementCount[], cosign: [] as StatementCount[] };
  const one = clients[0] as Client;
  for (const operatorId of await seedTargets(db, COUNTED, 'counted')) {
    const { request } = await desk.services.approvals.file(
      { kind: 'operator.role', payload: { operatorId, role: 'ops_approver', action: 'grant' } },
      { type: 'operator', id: requester.id },
      { actorType: 'operator', actorId: requester.id },
    );
    counted.approve.push(
      await countStatements(() =>
        post(base, one.primarySession, `/api/approvals/${request.id}/approve`, {
          reason: 'Checked the onboarding ticket',
          secondaryApproverId: one.secondary.id,
        }),
      ),
    );
    counted.cosign.push(
      await countStatements(() =>
        post(base, one.secondarySession, `/api/approvals/${request.id}/cosign`, {}),
      ),
    );
  }
  return {
    reader: (clients[0] as Client).secondarySession,
    requesterId: requester.id,
    primaryId: (clients[0] as Client).primary.id,
    rows: [
      {
        name: `approve + co-sign pairs over HTTP (fetch), ${CLIENTS} concurrent clients, ${fmt(pairs)} operator.role requests, ${os.cpus().length} CPUs`,
        value: `${fmt(pairs / seconds, 1)} pairs/s = ${fmt((2 * pairs) / seconds, 1)} decisions/s`,
      },
      { name: '  approve latency under that load', value: latencies(approveMs) },
      { name: '  co-sign latency (applies the grant) under that load', value: latencies(cosignMs) },
      {
        name: '  per approve (HTTP: session, step-up, decision, audit, notices)',
        value: describeCounts(counted.approve),
      },
      { name: '  per co-sign (the same, and the grant applied)', value: describeCounts(counted.cosign) },
      {
        name: `file operator.role via the service, ${CLIENTS} concurrent (${fmt(Number(operators.n))} operators to notify-filter)`,
        value: `${fmt(targets.length / fileSeconds, 1)} requests/s`,
      },
    ],
  };
}

async function listLatency(
  db: Db,
  base: string,
  reader: SignedIn,
  readerId: string,
  requesterId: string,
  primaryId: string,
): Promise<BenchRow[]> {
  await seedOpenRequests(db, requesterId, { count: LISTED_PENDING, status: 'pending', tag: 'pending-' });
  await seedOpenRequests(db, requesterId, {
    count: LISTED_AWAITING_READER,
    status: 'awaiting_secondary',
    primaryId,
    secondaryId: readerId,
    tag: 'awaiting-',
  });
  await sql`analyze change_requests`.execute(db);
  const total = await sql<{
    n: number;
    open: number;
  }>`select count(*)::int as n, count(*) filter (where status in ('pending', 'awaiting_secondary'))::int as open from change_requests`.execute(
    db,
  );

  const rows: BenchRow[] = [];
  for (const [label, url] of [
    ['first page', '/api/approvals'],
    ['?awaitingMe=true', '/api/approvals?awaitingMe=true'],
    ['?status=pending', '/api/approvals?status=pending'],
  ] as const) {
    for (let i = 0; i < 20; i++) await get(base, reader, url);
    const samples: number[] = [];
    for (let i = 0; i < LIST_SAMPLES; i++) samples.push(await get(base, reader, url));
    rows.push({
      name: `GET /api/approvals ${label} (50 items), ${LIST_SAMPLES} sequential, ${fmt(total.rows[0]?.open ?? 0)} open of ${fmt(total.rows[0]?.n ?? 0)} requests`,
      value: latencies(samples),
    });
  }
  return rows;
}

/**
 * The approvals engine under load, over real HTTP against its own embedded PostgreSQL: how many
 * approve + co-sign pairs (the co-sign applying the change, with its audit events, history,
 * notifications and NOTIFY, in one transaction with the request row locked) complete per second,
 * and how fast the console's list answers with 10,000 open requests.
 */
export async function benchApprovals(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-approvals-'));
  await fs.chmod(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir, fast: true });
  const pool = createPool(pg.url('postgres'), 20);
  const db = createDb(pool);
  try {
    await migrateUp(db);
    const config = loadConfig({ NODE_ENV: 'test', DESK_DATA_DIR: dataDir, PORT: '0' });
    const desk = compose({
      config,
      db,
      pool,
      logger: createLogger('silent'),
      clock: systemClock,
      secrets: testSecrets(),
    });
    const app = await desk.buildHttp();
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const decided = await decisionsPerSecond(desk, db, base);
      const readerId = (
        await db
          .selectFrom('operator_sessions')
          .select('operator_id')
          .where('id', '=', decided.reader.sessionId)
          .executeTakeFirstOrThrow()
      ).operator_id;
      return [
        ...decided.rows,
        ...(await listLatency(db, base, decided.reader, readerId, decided.requesterId, decided.primaryId)),
      ];
    } finally {
      await app.close();
    }
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
