import { execFile } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import type { Network } from '../src/shared/networks.js';
import { startWorker, workerTuning, type DeskWorker } from '../src/worker/worker.js';
import type { TestServer } from '../test/support/server.js';
import { testSecrets } from '../test/support/server.js';
import { autoSettlementOn, deskPeople, tradingClient, U } from '../test/support/settlement.js';
import type { JobsModule } from '../src/shared/jobs.js';
import type { Task } from 'graphile-worker';
import type { BenchRow } from './table.js';
import { benchSettlementEvm } from './settlement.evm.bench.js';

const run = promisify(execFile);

/** Trades booked with the worker stopped, then drained (the worker's capacity). */
const BURST = Number(process.env.SETTLEMENT_BENCH_BURST ?? 2_000);
/** Trades booked by concurrent bookers while the worker runs (end to end). */
const STEADY = Number(process.env.SETTLEMENT_BENCH_STEADY ?? 2_000);
const BOOKERS = 8;
/** Accepts by one client serialize on its limits row; 16 clients, half on each network (one hot wallet each). */
const CLIENTS = 16;
const POOL = 30;
const PGBENCH_SECONDS = Number(process.env.SETTLEMENT_BENCH_PGBENCH_SECONDS ?? 20);
const AMOUNT = 10n * U;

/** The worker set-ups compared: today's defaults, then batching on with more concurrency. */
const ALL_SETUPS = [
  {
    label: 'default',
    env: { WORKER_CONCURRENCY: '4', WORKER_LOCAL_QUEUE_SIZE: '0', WORKER_COMPLETE_BATCH_MS: '0' },
  },
  {
    label: 'batched',
    env: { WORKER_CONCURRENCY: '4', WORKER_LOCAL_QUEUE_SIZE: '8', WORKER_COMPLETE_BATCH_MS: '50' },
  },
  {
    label: 'tuned8',
    env: { WORKER_CONCURRENCY: '8', WORKER_LOCAL_QUEUE_SIZE: '32', WORKER_COMPLETE_BATCH_MS: '50' },
  },
  {
    label: 'tuned16',
    env: { WORKER_CONCURRENCY: '16', WORKER_LOCAL_QUEUE_SIZE: '64', WORKER_COMPLETE_BATCH_MS: '50' },
  },
];
/** `SETTLEMENT_BENCH_SETUPS=default,tuned16` runs some of them. */
const SETUPS = process.env.SETTLEMENT_BENCH_SETUPS
  ? ALL_SETUPS.filter((s) => process.env.SETTLEMENT_BENCH_SETUPS?.split(',').includes(s.label))
  : ALL_SETUPS;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

// ---- statement counting: every pg.Client query, by category, for the booking or the worker ----

/**
 * The bench's own polling counts as neither. Inside the worker, the statements a task handler sends
 * are counted by phase (`process`: reserve, sign, broadcast, record; `confirm`: follow to the depth);
 * the queue's own (fetching and completing jobs) count under `worker` outside any handler.
 */
type Phase = 'booking' | 'worker' | 'bench' | 'process' | 'confirm' | 'other task';
const phase = new AsyncLocalStorage<Phase>();
const TASK_PHASE: Record<string, Phase> = { settlement_process: 'process', settlement_confirm: 'confirm' };

/** The desk's job modules with each task handler run inside its phase, so its statements count there. */
function phased(modules: JobsModule[]): JobsModule[] {
  return modules.map((m) => ({
    ...m,
    tasks: Object.fromEntries(
      Object.entries(m.tasks).map(([name, task]) => {
        const wrapped: Task = (payload, helpers) =>
          phase.run(TASK_PHASE[name] ?? 'other task', () => task?.(payload, helpers));
        return [name, wrapped];
      }),
    ),
  }));
}
interface Tally {
  count: number;
  ms: number;
}
const tallies: Record<Phase, Map<string, Tally>> = {
  booking: new Map(),
  worker: new Map(),
  bench: new Map(),
  process: new Map(),
  confirm: new Map(),
  'other task': new Map(),
};
/** Every phase the worker's statements fall in (the handlers' and the queue's own). */
const WORKER_PHASES: Phase[] = ['process', 'confirm', 'other task', 'worker'];
/** Statements and round trips of one phase: each pg query is one round trip (no pipelining), and so is each transaction's BEGIN and COMMIT. */
const phaseRow = (p: Phase, per: number) => {
  const t = totalOf(tallies[p]);
  const tx = tallies[p].get('begin / commit')?.count ?? 0;
  return `${fmt((t.count - tx) / per, 1)} statements + ${fmt(tx / per, 1)} BEGIN/COMMIT = ${fmt(t.count / per, 1)} round trips, ${fmt(tx / 2 / per, 1)} transactions, client-side time ${fmt(t.ms / per, 1)} ms`;
};
let counting = false;

function category(text: string): string {
  const t = text.trim().toLowerCase();
  if (/^(begin|commit|rollback|start transaction|savepoint|release)/.test(t)) return 'begin / commit';
  if (t.includes('graphile_worker.add_job')) return 'add_job (enqueue a job)';
  if (t.includes('graphile_worker')) return 'graphile-worker (get / complete jobs)';
  if (t.includes('pg_notify')) return 'pg_notify (live events)';
  if (t.includes('settlement_count')) return 'settlement_count (metric counters)';
  if (t.includes('set_config') || t.startsWith('set ')) return 'set_config';
  const m =
    /^(select|insert|update|delete|with)\b[\s\S]*?\b(from|into|update)\s+"?(\w+)"?/.exec(t) ??
    /^(update)\s+"?(\w+)"?/.exec(t);
  if (m) {
    const verb = m[1] === 'with' ? 'with' : (m[1] as string);
    const table = m[3] ?? m[2];
    return `${verb} ${table}`;
  }
  return t.slice(0, 40);
}

function installCounter(): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!counting) return result;
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const map = tallies[phase.getStore() ?? 'worker'];
    const key = category(text);
    const t0 = performance.now();
    const record = () => {
      const tally = map.get(key) ?? { count: 0, ms: 0 };
      tally.count++;
      tally.ms += performance.now() - t0;
      map.set(key, tally);
    };
    if (result && typeof (result as Promise<unknown>).then === 'function')
      (result as Promise<unknown>).then(record, record);
    else record();
    return result;
  };
}

function resetTallies() {
  for (const m of Object.values(tallies)) m.clear();
}

const totalOf = (m: Map<string, Tally>) =>
  [...m.values()].reduce((a, t) => ({ count: a.count + t.count, ms: a.ms + t.ms }), { count: 0, ms: 0 });

// ---- CPU: this process and the embedded PostgreSQL's processes (postmaster and its children) ----

async function pgCpuSeconds(postmasterPid: number): Promise<number> {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    if (Number(entry) !== postmasterPid && ppid !== postmasterPid) continue;
    total += (Number(rest[11]) + Number(rest[12])) / tick;
  }
  return total;
}

const nodeCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---- one desk on its own database of the shared embedded server ----

async function createDatabase(server: EmbeddedPostgres, name: string) {
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
}

interface Desk {
  t: TestServer;
  db: Db;
  pool: pg.Pool;
  config: Config;
  clients: { id: string; network: Network }[];
  close: () => Promise<void>;
}

async function openDesk(
  server: EmbeddedPostgres,
  dataDir: string,
  label: string,
  env: Record<string, string>,
): Promise<Desk> {
  const name = `bench_settlement_${label}`;
  await createDatabase(server, name);
  const url = server.url(name);
  const pool = createPool(url, POOL);
  const db = createDb(pool);
  await migrateUp(db);
  await runMigrations({ pgPool: pool });
  const config = loadConfig({
    NODE_ENV: 'test',
    DESK_DATA_DIR: dataDir,
    PORT: '0',
    PRICING_REFERENCE_MID: '1',
    PRICING_SPREAD_TIERS: '0:10',
    QUOTE_TTL_SECONDS: '3600',
    CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:1',
    PAPER_BLOCK_SECONDS: '1',
    PAPER_FAUCET_USDT: '1000000000',
    LIMIT_MAX_PER_TRADE_USDT: '1000000',
    LIMIT_MAX_PER_DAY_USDT: '1000000000',
    DB_POOL_MAX: String(POOL),
    ...env,
  });
  const secrets = testSecrets();
  const desk = compose({ config, db, pool, logger: createLogger('silent'), clock: systemClock, secrets });
  await desk.prepare();
  const app = await desk.buildHttp();
  const t: TestServer = {
    app,
    desk,
    database: { name, url, pool, db, drop: async () => {} },
    config,
    clock: systemClock,
    secrets,
    close: async () => app.close(),
  };
  const people = await deskPeople(t);
  await autoSettlementOn(t, people);
  const clients: Desk['clients'] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const network: Network = i % 2 === 0 ? 'tron' : 'ethereum';
    clients.push({ id: (await tradingClient(t, network)).client.id, network });
  }
  return {
    t,
    db,
    pool,
    config,
    clients,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

/** `count` trades by BOOKERS concurrent bookers, each over its own clients (RFQ then accept through the services). */
async function book(d: Desk, count: number): Promise<void> {
  const { rfqs, trades } = d.t.desk.services.trading;
  let next = 0;
  await phase.run('booking', () =>
    Promise.all(
      Array.from({ length: BOOKERS }, async (_, b) => {
        const mine = d.clients.filter((_, i) => i % BOOKERS === b);
        let k = 0;
        while (next < count) {
          next++;
          const c = mine[k++ % mine.length] as Desk['clients'][number];
          const { best } = await rfqs.request({
            clientId: c.id,
            side: 'buy',
            network: c.network,
            amountUnits: AMOUNT,
          });
          await trades.accept({ quoteId: best.id, clientId: c.id }, { actorType: 'client', actorId: c.id });
        }
      }),
    ),
  );
}

async function openCount(db: Db): Promise<number> {
  const r = await db
    .selectFrom('settlements')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'not in', ['confirmed'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function waitAllConfirmed(db: Db, expected: number, limitMs: number): Promise<void> {
  return phase.run('bench', () => pollConfirmed(db, expected, limitMs));
}

async function pollConfirmed(db: Db, expected: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const [total, open] = await Promise.all([
      db
        .selectFrom('settlements')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
      openCount(db),
    ]);
    if (Number(total.n) >= expected && open === 0) return;
    const bad = await db
      .selectFrom('settlements')
      .select('status')
      .where('status', 'in', ['held', 'failed', 'cancelled'])
      .executeTakeFirst();
    if (bad) throw new Error(`a settlement ended ${bad.status}`);
    if (Date.now() > deadline) throw new Error(`${open} settlements still open after ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Window {
  settlements: number;
  seconds: number;
  latenciesMs: number[];
}

/** Settlements confirmed since `since`: the window from `from` to the last confirmation, and booked → confirmed latencies. */
async function confirmedWindow(db: Db, from: Date | 'first booking', since: Date): Promise<Window> {
  const rows = await db
    .selectFrom('settlements')
    .select(['booked_at', 'confirmed_at'])
    .where('created_at', '>=', since)
    .execute();
  const start =
    from === 'first booking' ? Math.min(...rows.map((r) => r.booked_at.getTime())) : from.getTime();
  const end = Math.max(...rows.map((r) => (r.confirmed_at as Date).getTime()));
  return {
    settlements: rows.length,
    seconds: (end - start) / 1000,
    latenciesMs: rows.map((r) => (r.confirmed_at as Date).getTime() - r.booked_at.getTime()),
  };
}

async function checkInvariants(d: Desk, expected: number): Promise<void> {
  const transfers = await sql<{
    n: string;
  }>`select count(*) as n from paper_transactions t join settlements s on s.tx_hash = t.hash`.execute(d.db);
  if (Number(transfers.rows[0]?.n) !== expected)
    throw new Error(`expected ${expected} paper transfers, found ${transfers.rows[0]?.n}`);
  const agree = await d.t.desk.services.wallets.overview();
  for (const w of agree)
    if (w.chainBalance !== w.ledgerBalance)
      throw new Error(`wallet ${w.wallet.id}: chain ${w.chainBalance} ≠ ledger ${w.ledgerBalance}`);
}

/** The categories taking the most client-side time (round trip plus lock waits), per settlement. */
function breakdown(map: Map<string, Tally>, per: number, top = 12): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)
    .map(([k, t]) => `${k}: ${fmt(t.count / per, 2)}/settlement, ${fmt(t.ms / per, 2)} ms`);
}

interface SetupResult {
  label: string;
  rows: BenchRow[];
  burstRate: number;
  steadyRate: number;
}

async function measureSetup(
  server: EmbeddedPostgres,
  postmasterPid: number,
  dataDir: string,
  setup: (typeof ALL_SETUPS)[number],
): Promise<SetupResult> {
  const d = await openDesk(server, dataDir, setup.label, setup.env);
  const logger = createLogger('silent');
  let worker: DeskWorker | undefined;
  try {
    // Burst: book with the worker stopped (counting the booking's statements), then drain.
    resetTallies();
    counting = true;
    const b0 = performance.now();
    await book(d, BURST);
    const bookSeconds = (performance.now() - b0) / 1000;
    const bookingTally = totalOf(tallies.booking);
    const bookingPhase = phaseRow('booking', BURST);
    const bookingBreakdown = new Map(tallies.booking);
    resetTallies();
    const cpu0 = { node: nodeCpuSeconds(), pg: await pgCpuSeconds(postmasterPid) };
    const workerStart = new Date();
    const since = new Date(0);
    worker = await startWorker({
      pool: d.pool,
      modules: phased(d.t.desk.jobs),
      concurrency: d.config.WORKER_CONCURRENCY,
      logger,
      tuning: workerTuning(d.config),
    });
    await waitAllConfirmed(d.db, BURST, 600_000);
    const cpu1 = { node: nodeCpuSeconds(), pg: await pgCpuSeconds(postmasterPid) };
    counting = false;
    const burst = await confirmedWindow(d.db, workerStart, since);
    const workerMerged = new Map<string, Tally>();
    for (const p of WORKER_PHASES)
      for (const [k, t] of tallies[p]) {
        const m = workerMerged.get(k) ?? { count: 0, ms: 0 };
        workerMerged.set(k, { count: m.count + t.count, ms: m.ms + t.ms });
      }
    const workerTally = totalOf(workerMerged);
    const workerBreakdown = workerMerged;
    const phaseRows: BenchRow[] = [
      { name: '      phase process (reserve, sign, broadcast, record)', value: phaseRow('process', BURST) },
      { name: '      phase confirm (follow to the depth, settle)', value: phaseRow('confirm', BURST) },
      { name: '      other tasks (notifications, sweep…)', value: phaseRow('other task', BURST) },
      { name: '      the queue itself (get / complete jobs)', value: phaseRow('worker', BURST) },
    ];
    await checkInvariants(d, BURST);

    // Steady: the worker running while BOOKERS book; first booking → last confirmed.
    const steadySince = new Date();
    await book(d, STEADY);
    await waitAllConfirmed(d.db, BURST + STEADY, 600_000);
    const steady = await confirmedWindow(d.db, 'first booking', steadySince);
    await checkInvariants(d, BURST + STEADY);
    const lat = [...steady.latenciesMs].sort((a, b) => a - b);

    const burstRate = burst.settlements / burst.seconds;
    const steadyRate = steady.settlements / steady.seconds;
    const e = setup.env;
    const name = `${setup.label} worker (WORKER_CONCURRENCY=${e.WORKER_CONCURRENCY}, WORKER_LOCAL_QUEUE_SIZE=${e.WORKER_LOCAL_QUEUE_SIZE}, WORKER_COMPLETE_BATCH_MS=${e.WORKER_COMPLETE_BATCH_MS})`;
    const rows: BenchRow[] = [
      { name, value: '' },
      {
        name: `  burst: ${fmt(BURST)} booked with the worker stopped, then drained`,
        value: `${fmt(burstRate, 1)} settlements/s (${fmt(burst.settlements)} in ${fmt(burst.seconds, 1)} s from worker start to last confirmed)`,
      },
      {
        name: '    CPU while draining',
        value: `node ${fmt(cpu1.node - cpu0.node, 1)} s, postgres ${fmt(cpu1.pg - cpu0.pg, 1)} s over ${fmt(burst.seconds, 1)} s wall (2 cores = ${fmt(2 * burst.seconds, 1)} CPU-s)`,
      },
      {
        name: '    SQL statements per settlement (worker)',
        value: `${fmt(workerTally.count / BURST, 1)} round trips (client-side time ${fmt(workerTally.ms / BURST, 1)} ms)`,
      },
      ...phaseRows,
      ...breakdown(workerBreakdown, BURST, Number(process.env.SETTLEMENT_BENCH_CATEGORIES ?? 12)).map(
        (v) => ({ name: '      ', value: v }),
      ),
      {
        name: `    booking (worker stopped): ${fmt(BURST)} trades by ${BOOKERS} bookers`,
        value: `${fmt(BURST / bookSeconds, 1)} trades/s, ${fmt(bookingTally.count / BURST, 1)} round trips per RFQ + accept (${bookingPhase})`,
      },
      ...breakdown(bookingBreakdown, BURST, 6).map((v) => ({ name: '      ', value: v })),
      {
        name: `  end to end: ${fmt(STEADY)} booked by ${BOOKERS} bookers while the worker runs`,
        value: `${fmt(steadyRate, 1)} settlements/s (first booking → last confirmed, ${fmt(steady.seconds, 1)} s)`,
      },
      {
        name: '    booked → confirmed latency',
        value: `p50 ${fmt(percentile(lat, 0.5))} ms, p99 ${fmt(percentile(lat, 0.99))} ms, max ${fmt(lat[lat.length - 1] ?? Number.NaN)} ms`,
      },
    ];
    return { label: setup.label, rows, burstRate, steadyRate };
  } finally {
    counting = false;
    await worker?.stop();
    await d.close();
  }
}

/** pgbench TPC-B (the built-in tpcb-like script) on a scratch database of the same embedded server. */
async function pgbench(
  server: EmbeddedPostgres,
): Promise<{ tps: number; detail: string } | { skipped: string }> {
  let bin: string;
  try {
    bin = (await run('sh', ['-c', 'command -v pgbench'])).stdout.trim();
  } catch {
    return { skipped: 'pgbench not found on PATH (apt-get install postgresql-client); skipped' };
  }
  if (!bin) return { skipped: 'pgbench not found on PATH (apt-get install postgresql-client); skipped' };
  await createDatabase(server, 'bench_pgbench');
  const u = new URL(server.url('bench_pgbench'));
  const env = {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: 'bench_pgbench',
  };
  await run(bin, ['-i', '-s', '10', '-q'], { env });
  const out = (
    await run(bin, ['-c', '8', '-j', '2', '-T', String(PGBENCH_SECONDS)], { env, maxBuffer: 10_000_000 })
  ).stdout;
  const tps = Number(
    /tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? /tps = ([\d.]+)/.exec(out)?.[1],
  );
  const latency = /latency average = ([\d.]+ ms)/.exec(out)?.[1] ?? '?';
  const version = (await run(bin, ['--version'])).stdout.trim();
  return {
    tps,
    detail: `scale 10, 8 clients, 2 threads, ${PGBENCH_SECONDS} s, latency average ${latency} (${version})`,
  };
}

/**
 * Settlements per second end to end on the paper chain (confirmations 1, one block a second), with
 * the worker at today's defaults and tuned, then on a local EVM node (automine, and a block a second),
 * against pgbench TPC-B on the same embedded PostgreSQL.
 */
export async function benchSettlement(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-settlement-'));
  await fs.chmod(dataDir, 0o755);
  installCounter();
  const server = await startEmbeddedPostgres({ dataDir, fast: true });
  try {
    const postmasterPid = Number(
      (await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const rows: BenchRow[] = [];
    const results: SetupResult[] = [];
    for (const setup of SETUPS) {
      process.stderr.write(`  settlement: ${setup.label} worker…\n`);
      const r = await measureSetup(server, postmasterPid, dataDir, setup);
      results.push(r);
      rows.push(...r.rows);
    }
    // the same flow on a local EVM node (SETTLEMENT_BENCH_EVM=0 leaves it out)
    if (process.env.SETTLEMENT_BENCH_EVM !== '0') rows.push(...(await benchSettlementEvm(server, dataDir)));
    process.stderr.write('  settlement: pgbench…\n');
    const bench = await pgbench(server);
    if ('skipped' in bench) {
      rows.push({ name: 'pgbench TPC-B on the same server', value: bench.skipped });
    } else {
      rows.push({
        name: 'pgbench TPC-B on the same server',
        value: `${fmt(bench.tps, 1)} TPS (${bench.detail})`,
      });
      for (const r of results) {
        rows.push({
          name: `  ratio, ${r.label}: settlements/s ÷ pgbench TPS`,
          value: `burst ${fmt(r.burstRate / bench.tps, 3)}, end to end ${fmt(r.steadyRate / bench.tps, 3)}`,
        });
      }
    }
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    const v = await admin.query<{ v: string; f: string; s: string }>(
      `select current_setting('server_version') as v, current_setting('fsync') as f, current_setting('synchronous_commit') as s`,
    );
    await admin.end();
    const version = v.rows[0];
    rows.push({
      name: '  machine',
      value: `${os.cpus().length} CPUs, Node ${process.versions.node}, embedded PostgreSQL ${version?.v ?? '?'} (fsync ${version?.f}, synchronous_commit ${version?.s}), desk pool ${POOL}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    });
    return rows;
  } finally {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
