import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { loadConfig } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import { testSecrets } from '../test/support/server.js';
import type { BenchRow } from './table.js';

/**
 * `npm run bench alerts`: one `/metrics` scrape and one evaluation cycle as the tables grow. Stages
 * hold 1,000 / 10,000 / 1,000,000 settlements (each with its trade, quote and RFQ, 1 % still queued,
 * 1 % flagged), a tenth as many change requests (100,000 at the largest, all but ten decided), as many
 * audit events as settlements and a tenth as many delivered notifications, all written by set-based
 * SQL. The figures should stay flat: every collector and every rule reads a few indexed rows.
 */
const STAGES = (process.env.ALERTS_BENCH_STAGES ?? '1000,10000,1000000').split(',').map(Number);
const SAMPLES = 50;

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

async function seedClients(db: Db): Promise<void> {
  await sql`insert into clients (id, telegram_user_id, name, company, country, monthly_volume, status)
    select md5('client' || g)::uuid, 900000000 + g, 'Bench client ' || g, 'Bench Co', 'CH', '1-5M', 'active'
    from generate_series(1, 100) g`.execute(db);
  await sql`insert into client_addresses (id, client_id, network, address, status, whitelisted_at, removed_at)
    select md5('address' || g)::uuid, md5('client' || g)::uuid, 'tron', 'T' || substr(md5('a' || g), 1, 33), 'whitelisted', now(), null
    from generate_series(1, 100) g`.execute(db);
}

/** Rows `from`..`to` (1-based) of every grown table. */
async function grow(db: Db, from: number, to: number): Promise<void> {
  const wallet = (
    await db.selectFrom('wallets').select('id').where('network', '=', 'tron').executeTakeFirstOrThrow()
  ).id;
  const range = sql`generate_series(${from}::int, ${to}::int) g`;
  const client = sql`md5('client' || (1 + g % 100))::uuid`;
  await sql`insert into rfqs (id, client_id, side, network, amount_units, outcome, best_quote_id, created_at)
    select md5('rfq' || g)::uuid, ${client}, 'buy', 'tron', 10000000, 'quoted', md5('quote' || g)::uuid, now() - g * interval '1 second'
    from ${range}`.execute(db);
  await sql`insert into quotes (id, rfq_id, client_id, source, side, network, amount_units, price, total, status, latency_ms, received_at, expires_at)
    select md5('quote' || g)::uuid, md5('rfq' || g)::uuid, ${client}, 'house', 'buy', 'tron', 10000000, 1, '10', 'accepted', 3, now(), now()
    from ${range}`.execute(db);
  await sql`insert into trades (id, quote_id, rfq_id, client_id, side, network, amount_units, price, total, address_id, address, status, booked_at)
    select md5('trade' || g)::uuid, md5('quote' || g)::uuid, md5('rfq' || g)::uuid, ${client}, 'buy', 'tron', 10000000, 1, '10',
           md5('address' || (1 + g % 100))::uuid, 'T' || substr(md5('a' || (1 + g % 100)), 1, 33),
           case when g % 100 = 0 then 'booked' else 'settled' end, now() - g * interval '1 second'
    from ${range}`.execute(db);
  // The per-row counter trigger would upsert the same few counter rows a million times in one statement
  // (each update a new row version the next must step over); seeding counts them once instead, as the
  // trigger would have.
  await sql`alter table settlements disable trigger settlements_counted`.execute(db);
  await sql`insert into settlements (id, trade_id, client_id, side, network, amount_units, counterparty, wallet_id, status, attempts,
                                     booked_at, created_at, updated_at, confirmed_at)
    select md5('settlement' || g)::uuid, md5('trade' || g)::uuid, ${client}, 'buy', 'tron', 10000000,
           'T' || substr(md5('a' || (1 + g % 100)), 1, 33), ${wallet},
           case when g % 100 = 0 then 'queued' else 'confirmed' end, 1, now(), now(), now(),
           case when g % 100 = 0 then null else now() end
    from ${range}`.execute(db);
  await sql`alter table settlements enable trigger settlements_counted`.execute(db);
  const queued = Math.floor(to / 100) - Math.floor((from - 1) / 100);
  await sql`select settlement_count('queue', 'queued', ${queued}::int), settlement_count('queue', 'confirmed', ${to - from + 1 - queued}::int)`.execute(
    db,
  );
  await sql`insert into settlement_flagged_events (trade_id, settlement_id, reason, detail, trade_snapshot, status, created_at)
    select md5('trade' || g)::uuid, md5('settlement' || g)::uuid, 'LARGE_NOTIONAL_REVIEW', 'bench', '{}'::jsonb,
           case when g % 1000 = 50 then 'open' else 'requeued' end, now() - g * interval '1 second'
    from ${range} where g % 100 = 50`.execute(db);
  await sql`insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, data)
    select 'system', 'bench', 'bench.event', 'settlement', md5('settlement' || g), '{}'::jsonb from ${range}`.execute(
    db,
  );
  await sql`insert into notifications (recipient_type, recipient_id, template, data, status, sent_at)
    select 'ops_chat', null, 'settlement.flagged', '{}'::jsonb, 'sent', now() from ${range} where g % 10 = 0`.execute(
    db,
  );
  await sql`insert into change_requests (kind, payload, digest, diff, summary, entity_type, entity_id, entity_version,
                                         requested_by_type, requested_by_id, status, policy, expires_at,
                                         primary_approver_id, primary_reason, primary_at, secondary_approver_id, secondary_reason,
                                         secondary_at, decided_at, created_at, updated_at)
    select 'flag.set', '{"key":"AUTO_SETTLEMENT","enabled":true}'::jsonb, md5('cr' || g), '[]'::jsonb, 'Turn AUTO_SETTLEMENT on',
           'flag', 'AUTO_SETTLEMENT', 1, 'system', null,
           case when g <= 10 then 'pending' else 'approved' end, '{}'::jsonb, now() + interval '4 hours',
           case when g <= 10 then null else md5('p' || g)::uuid end, case when g <= 10 then null else 'bench primary' end,
           case when g <= 10 then null else now() end, case when g <= 10 then null else md5('s' || g)::uuid end,
           case when g <= 10 then null else 'bench secondary' end, case when g <= 10 then null else now() end,
           case when g <= 10 then null else now() end, now() - g * interval '1 second', now()
    from generate_series(${Math.ceil(from / 10)}::int, ${Math.floor(to / 10)}::int) g`.execute(db);
  // The steady state autovacuum reaches on its own: visibility maps set (index-only scans), statistics fresh.
  await sql`vacuum (analyze)`.execute(db);
}

/** The slowest collectors of one scrape, each timed alone: where a growing cost would show. */
async function slowestCollectors(registry: Registry, top = 3): Promise<string> {
  const times: [string, number][] = [];
  for (const { name } of registry.getMetricsAsArray()) {
    const t0 = performance.now();
    await registry.getSingleMetricAsString(name);
    times.push([name, performance.now() - t0]);
  }
  return times
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([n, ms]) => `${n} ${fmt(ms)} ms`)
    .join(', ');
}

async function time(samples: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn(); // warm-up: JIT, plans, the pool
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

export async function benchAlerts(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-alerts-'));
  await fs.chmod(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir, fast: true });
  const pool = createPool(pg.url('postgres'), 10);
  const db = createDb(pool);
  const rows: BenchRow[] = [];
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
    await desk.prepare();
    const app = await desk.buildHttp();
    await seedClients(db);
    let stored = 0;
    let reference: { scrape: number; cycle: number } | undefined;
    try {
      for (const n of STAGES) {
        const t0 = performance.now();
        await grow(db, stored + 1, n);
        stored = n;
        const seeded = (performance.now() - t0) / 1000;
        const scrape = await time(SAMPLES, async () => {
          const res = await app.inject({ method: 'GET', url: '/metrics' });
          if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
        });
        const cycle = await time(SAMPLES, async () => {
          const r = await desk.services.alerts.evaluator.cycle();
          if (!r.evaluated) throw new Error('the cycle did not evaluate');
        });
        const p50 = { scrape: pct(scrape, 0.5), cycle: pct(cycle, 0.5) };
        reference ??= p50;
        const label = `${n.toLocaleString('en')} settlements, ${(n / 10).toLocaleString('en')} change requests`;
        const ratio = (x: number, ref: number) => `${fmt(x / ref, 2)}× the first stage`;
        rows.push(
          { name: `alerts: seed to ${label}`, value: `${fmt(seeded)} s` },
          {
            name: `alerts: /metrics scrape, ${label}`,
            value: `p50 ${fmt(p50.scrape)} ms, p99 ${fmt(pct(scrape, 0.99))} ms (${ratio(p50.scrape, reference.scrape)})`,
          },
          {
            name: `alerts: evaluation cycle, ${label}`,
            value: `p50 ${fmt(p50.cycle)} ms, p99 ${fmt(pct(cycle, 0.99))} ms (${ratio(p50.cycle, reference.cycle)})`,
          },
        );
        rows.push({
          name: `alerts: slowest collectors, ${label}`,
          value: await slowestCollectors(desk.metrics.registry),
        });
        process.stderr.write(
          `  ${label}: scrape p50 ${fmt(p50.scrape)} ms, cycle p50 ${fmt(p50.cycle)} ms\n`,
        );
      }
    } finally {
      await app.close();
    }
    rows.push({
      name: 'alerts: machine',
      value: `${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB`,
    });
    return rows;
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
