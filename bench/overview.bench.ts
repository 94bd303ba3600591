import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import { newOperator, type SignedIn } from '../test/support/factories.js';
import { testSecrets } from '../test/support/server.js';
import type { BenchRow } from './table.js';

/** Stored sizes compared; the last 7 days hold the same RECENT rows in each, the rest is older history. */
const SIZES = (process.env.OVERVIEW_BENCH_SIZES ?? '10000,1000000').split(',').map(Number);
const RECENT = 10_000;
const SAMPLES = Number(process.env.OVERVIEW_BENCH_SAMPLES ?? 200);
const ENDPOINTS = ['/api/settlements/overview', '/api/trades/overview', '/api/approvals/overview'];
const WINDOWS = ['1h', '24h', '7d'];

const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1 });
const pct = (s: number[], q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;

/**
 * Adds trades and their settlements (and one flagged event in a hundred) until `total` are stored:
 * the first RECENT spread over the last 7 days (50 of them still queued), the rest over the two years
 * before. Written in bulk with triggers and foreign keys off (session_replication_role), which only
 * this bench does: it measures reads.
 */
async function seed(db: Db, from: number, total: number) {
  const WEEK = 7 * 86_400;
  const recent = `case when i <= ${RECENT} then (i::float8 / ${RECENT}) * ${WEEK} else ${WEEK} + ((i - ${RECENT})::float8 / ${Math.max(1, total - RECENT)}) * 2 * 365 * 86400 end`;
  await db.connection().execute(async (c) => {
    await sql`set session_replication_role = replica`.execute(c);
    for (let start = from + 1; start <= total; start += 100_000) {
      const end = Math.min(total, start + 99_999);
      await sql
        .raw(
          `with s as (
             select i, gen_random_uuid() as id, now() - make_interval(secs => ${recent}) as booked
             from generate_series(${start}, ${end}) as i
           ), t as (
             insert into trades (id, quote_id, rfq_id, client_id, side, network, amount_units, price, total,
                                 address_id, address, status, booked_at)
             select id, gen_random_uuid(), gen_random_uuid(), '00000000-0000-4000-8000-000000000001',
                    case when i % 2 = 0 then 'buy' else 'sell' end,
                    case when i % 3 = 0 then 'ethereum' else 'tron' end,
                    (1000 + i % 50000)::numeric * 1000000, '1.001', (1000 + i % 50000)::text,
                    gen_random_uuid(), 'T-bench', case when i <= 50 then 'settling' else 'settled' end, booked
             from s returning id
           ), f as (
             insert into settlement_flagged_events (trade_id, reason, trade_snapshot, status, created_at, resolved_at)
             select id, 'LARGE_NOTIONAL_REVIEW', '{}', 'requeued', booked, booked + interval '5 minutes'
             from s where i % 100 = 0
           )
           insert into settlements (trade_id, client_id, side, network, amount_units, counterparty, wallet_id, status,
                                    booked_at, created_at, updated_at, confirmed_at)
           select id, '00000000-0000-4000-8000-000000000001', 'buy', case when i % 3 = 0 then 'ethereum' else 'tron' end,
                  1000000000, 'T-bench', 'paper:tron:hot',
                  case when i <= 50 then 'queued' when i % 97 = 0 then 'failed' else 'confirmed' end,
                  booked, booked + interval '1 second', booked + interval '40 seconds',
                  case when i <= 50 or i % 97 = 0 then null else booked + interval '40 seconds' end
           from s`,
        )
        .execute(c);
    }
    await sql`set session_replication_role = origin`.execute(c);
  });
  await sql`analyze trades, settlements, settlement_flagged_events`.execute(db);
  const n = await sql<{ t: string; s: string }>`
    select (select count(*) from trades) as t, (select count(*) from settlements) as s`.execute(db);
  if (Number(n.rows[0]?.t) !== total || Number(n.rows[0]?.s) !== total)
    throw new Error(`seeded ${n.rows[0]?.t} trades and ${n.rows[0]?.s} settlements, not ${total}`);
}

async function sample(base: string, session: SignedIn, url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${url}`, { headers: session.bearer });
    await res.text();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    if (i >= 10) times.push(performance.now() - t0); // the first ten warm the caches
  }
  return times.sort((a, b) => a - b);
}

/**
 * The overview's aggregate endpoints over real HTTP, one request at a time, with 10,000 and then
 * 1,000,000 trades and settlements stored (the same week of recent activity, more history behind it):
 * p50 and p99 per endpoint and window. Flat between the sizes is the claim.
 */
export async function benchOverview(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-overview-'));
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
    const app = await desk.buildHttp();
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const reader = await (await newOperator({ desk }, { roles: ['ops_approver'] })).login();
      let stored = 0;
      for (const size of SIZES) {
        const t0 = performance.now();
        await seed(db, stored, size);
        stored = size;
        process.stderr.write(`  seeded ${fmt(size)} in ${fmt((performance.now() - t0) / 1000)} s\n`);
        for (const endpoint of ENDPOINTS)
          for (const w of WINDOWS) {
            const s = await sample(base, reader, `${endpoint}?window=${w}`);
            rows.push({
              name: `overview ${endpoint.split('/')[2]} ${w}, ${fmt(size)} stored`,
              value: `p50 ${fmt(pct(s, 0.5))} ms, p99 ${fmt(pct(s, 0.99))} ms (${SAMPLES} requests)`,
            });
          }
      }
    } finally {
      await app.close();
    }
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}
