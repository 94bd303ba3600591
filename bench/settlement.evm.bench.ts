import { runMigrations } from 'graphile-worker';
import pg from 'pg';
import { startLocalChain } from '../scripts/local-chain.js';
import { loadConfig } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool } from '../src/shared/db.js';
import type { EmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import { connectConfiguredEvm } from '../src/wallets/evm/evm.connect.js';
import { startWorker } from '../src/worker/worker.js';
import type { TestServer } from '../test/support/server.js';
import { testSecrets } from '../test/support/server.js';
import { autoSettlementOn, deskPeople, tradingClient, U } from '../test/support/settlement.js';
import type { BenchRow } from './table.js';

/** Buys settled on the local EVM chain per mode (booked while the worker runs). */
const COUNT = Number(process.env.SETTLEMENT_BENCH_EVM ?? 300);
const BOOKERS = 8;
const CLIENTS = 8;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

/**
 * The EVM adapter end to end on a local hardhat node: RFQ + accept by 8 concurrent bookers while the
 * worker (defaults: 4 at once) plans, signs (a nonce each from PostgreSQL), broadcasts and follows
 * each payout to 1 confirmation — the node mining a block per transaction (automine), or one block a
 * second as a real chain does.
 */
async function measure(
  server: EmbeddedPostgres,
  dataDir: string,
  mode: 'automine' | 'interval',
): Promise<BenchRow> {
  const chain = await startLocalChain(mode === 'interval' ? { intervalMiningMs: 1000 } : {});
  const name = `bench_settlement_evm_${mode}`;
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const pool = createPool(server.url(name), 30);
  const db = createDb(pool);
  try {
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
      LIMIT_MAX_PER_TRADE_USDT: '1000000',
      LIMIT_MAX_PER_DAY_USDT: '1000000000',
      DB_POOL_MAX: '30',
      EVM_POLL_MS: '200',
      ...chain.env(),
    });
    const evm = await connectConfiguredEvm(config.evm);
    const secrets = testSecrets();
    const logger = createLogger('silent');
    const desk = compose({ config, db, pool, logger, clock: systemClock, secrets, evm });
    await desk.prepare();
    const app = await desk.buildHttp();
    const t: TestServer = {
      app,
      desk,
      database: { name, url: server.url(name), pool, db, drop: async () => {} },
      config,
      clock: systemClock,
      secrets,
      close: async () => app.close(),
    };
    await autoSettlementOn(t, await deskPeople(t));
    const clients: string[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push((await tradingClient(t, 'ethereum')).client.id);
    const worker = await startWorker({ pool, modules: desk.jobs, concurrency: 4, logger });
    const since = new Date();
    let next = 0;
    await Promise.all(
      Array.from({ length: BOOKERS }, async (_, b) => {
        while (next < COUNT) {
          next++;
          const clientId = clients[(b + next) % clients.length] as string;
          const { best } = await desk.services.trading.rfqs.request({
            clientId,
            side: 'buy',
            network: 'ethereum',
            amountUnits: 10n * U,
          });
          await desk.services.trading.trades.accept(
            { quoteId: best.id, clientId },
            { actorType: 'client', actorId: clientId },
          );
        }
      }),
    );
    const deadline = Date.now() + 600_000;
    for (;;) {
      const open = await db
        .selectFrom('settlements')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '!=', 'confirmed')
        .executeTakeFirstOrThrow();
      if (Number(open.n) === 0) break;
      if (Date.now() > deadline) throw new Error(`${open.n} EVM settlements still open after 10 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await worker.stop();
    const rows = await db
      .selectFrom('settlements')
      .select(['booked_at', 'confirmed_at'])
      .where('created_at', '>=', since)
      .execute();
    const start = Math.min(...rows.map((r) => r.booked_at.getTime()));
    const end = Math.max(...rows.map((r) => (r.confirmed_at as Date).getTime()));
    const lat = rows
      .map((r) => (r.confirmed_at as Date).getTime() - r.booked_at.getTime())
      .sort((a, b) => a - b);
    const paid = await chain.usdtBalance(chain.hotWallet);
    if (paid !== 10_000_000n * U - BigInt(rows.length) * 10n * U)
      throw new Error('the hot wallet did not pay exactly once each');
    await app.close();
    return {
      name: `EVM (local hardhat node, ${mode === 'automine' ? 'a block per transaction' : 'a block every 1 s'}): ${fmt(rows.length)} buys booked by ${BOOKERS} bookers, worker defaults, 1 confirmation`,
      value: `${fmt(rows.length / ((end - start) / 1000), 1)} settlements/s; booked → confirmed p50 ${fmt(percentile(lat, 0.5))} ms, p99 ${fmt(percentile(lat, 0.99))} ms`,
    };
  } finally {
    await db.destroy();
    await chain.stop();
  }
}

export async function benchSettlementEvm(server: EmbeddedPostgres, dataDir: string): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const mode of ['automine', 'interval'] as const) {
    process.stderr.write(`  settlement: EVM, ${mode}…\n`);
    out.push(await measure(server, dataDir, mode));
  }
  return out;
}
