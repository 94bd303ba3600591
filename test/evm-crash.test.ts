import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Address, Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TradeRow } from '../src/trading/trades.service.js';
import { ledger } from '../src/wallets/ledger.js';
import { gasAccountOf } from '../src/wallets/wallets.service.js';
import { chainClient, chainDeposit, startLocalChain, type LocalChain } from './support/chain.js';
import {
  rng,
  settlementStatusCounts,
  sharedSecrets,
  sleep,
  startDeskWorker,
  waitStarted,
  type CrashWorker,
} from './support/crash.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { buildTestServer, type TestServer } from './support/server.js';
import {
  autoSettlementOn,
  deskPeople,
  SETTLEMENT_ENV,
  tradingClient,
  U,
  walletsAgree,
} from './support/settlement.js';

/**
 * The crash test on a real chain: the `desk worker` process settles 200 trades on the local EVM node
 * while it is SIGKILLed at random moments and restarted. Every settlement ends confirmed exactly once;
 * no client is paid twice (their token balances on chain prove it); the hot wallet's nonces are
 * contiguous, one transfer per buy; nothing stays reserved; chain equals ledger for USDT and gas.
 * EVM_CRASH_SEED replays a run (the seed is printed).
 */
const SEED = Number(process.env.EVM_CRASH_SEED ?? randomBytes(4).readUInt32BE(0));
const SETTLEMENTS = 200;
const KILLS = 10;
const DEADLINE_MS = 150_000;
const random = rng(SEED);
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

describe('EVM settlement survives SIGKILL of the worker process at random moments', () => {
  let chain: LocalChain;
  let database: TestDatabase;
  let t: TestServer;
  let dataDir: string;
  let workerEnv: Record<string, string>;
  const live = new Set<ChildProcess>();
  const complaints = new Map<string, number>();

  beforeAll(async () => {
    // a block every 200 ms, as on a real chain (only faster): transactions wait in the mempool for it
    chain = await startLocalChain({ intervalMiningMs: 200 });
    database = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-evm-crash-'));
    const shared = sharedSecrets();
    const env = {
      ...SETTLEMENT_ENV,
      ...chain.env(),
      CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:2',
      SETTLEMENT_STALE_SECONDS: '1',
      SETTLEMENT_MAX_ATTEMPTS: '25',
      EVM_POLL_MS: '100',
      EVM_STUCK_SECONDS: '20',
      LIMIT_MAX_PER_DAY_USDT: '100000000',
    };
    t = await buildTestServer({ env, database, secrets: shared.secrets, prepare: true });
    workerEnv = {
      ...env,
      ...shared.env,
      DATABASE_URL: database.url,
      DESK_DATA_DIR: dataDir,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '4',
    };
  });
  afterAll(async () => {
    for (const c of live) c.kill('SIGKILL');
    await t?.close();
    await database?.drop();
    await chain?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const db = () => database.db;
  const startWorker = () => startDeskWorker(workerEnv, live, complaints);
  const statusCounts = () => settlementStatusCounts(db());

  it(
    `${SETTLEMENTS} settlements on chain, the worker killed ${KILLS}+ times: each confirmed once, nobody paid twice, nonces contiguous`,
    { timeout: 200_000 },
    async () => {
      process.stdout.write(`EVM crash test: seed ${SEED} (EVM_CRASH_SEED=${SEED} replays it)\n`);
      await autoSettlementOn(t, await deskPeople(t));
      const hot = await t.desk.services.wallets.hotWallet(db(), 'ethereum');
      if (!hot) throw new Error('no EVM hot wallet');
      const firstNonce = await chain.client.getTransactionCount({ address: hot.address as Address });

      const buyers = await Promise.all(Array.from({ length: 16 }, () => tradingClient(t, 'ethereum')));
      const sellers: Awaited<ReturnType<typeof chainClient>>[] = [];
      for (let i = 0; i < 8; i++) sellers.push(await chainClient(t, chain, { usdt: 100_000n * U })); // the owner mints one at a time
      const keyOf = new Map<string, Hex>(sellers.map((s) => [s.client.id, s.key]));
      const book = async (i: number): Promise<TradeRow> => {
        const sell = i % 5 === 4;
        const c = sell ? sellers[i % sellers.length]!.client : buyers[i % buyers.length]!.client;
        const { best } = await t.desk.services.trading.rfqs.request({
          clientId: c.id,
          side: sell ? 'sell' : 'buy',
          network: 'ethereum',
          amountUnits: BigInt(1 + ((i * 7919) % 997)) * U,
        });
        return (
          await t.desk.services.trading.trades.accept(
            { quoteId: best.id, clientId: c.id },
            { actorType: 'client', actorId: c.id },
          )
        ).trade;
      };
      const trades: TradeRow[] = [];
      for (let i = 0; i < SETTLEMENTS; i += 10)
        trades.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => book(i + k)))));
      expect(await statusCounts()).toEqual({ queued: SETTLEMENTS });
      const sells = trades.filter((tr) => tr.side === 'sell');
      const buys = trades.filter((tr) => tr.side === 'buy');
      // The sellers pay the desk (half before the worker first runs, half during the crashes), one at a time per seller.
      const deposit = async (list: TradeRow[]) => {
        for (const tr of list) await chainDeposit(t, chain, keyOf.get(tr.client_id)!, tr);
      };
      const half = Math.floor(sells.length / 2);
      await deposit(sells.slice(0, half));

      const started = Date.now();
      let midRun = 0; // kills that found settlements still in flight
      for (let n = 1; n <= KILLS; n++) {
        const w = startWorker();
        await waitStarted(w);
        const delay = between(100, 700);
        await sleep(delay);
        w.child.kill('SIGKILL');
        await w.exited;
        const counts = await statusCounts();
        if ((counts.confirmed ?? 0) < SETTLEMENTS) midRun++;
        process.stdout.write(
          `kill ${n}: ${delay} ms after start (${w.startMs} ms to start), ${JSON.stringify(counts)}\n`,
        );
        if (n === 3) await deposit(sells.slice(half));
      }

      let finisher: CrashWorker = startWorker();
      await waitStarted(finisher);
      let restarts = 0;
      let lastConfirmed = -1;
      let lastProgress = Date.now();
      for (;;) {
        const counts = await statusCounts();
        const confirmed = counts.confirmed ?? 0;
        if (confirmed === SETTLEMENTS) break;
        if (Date.now() > started + DEADLINE_MS)
          throw new Error(
            `not all confirmed by the deadline: ${JSON.stringify(counts)}\n${finisher.output().slice(-5000)}`,
          );
        if (confirmed !== lastConfirmed) [lastConfirmed, lastProgress] = [confirmed, Date.now()];
        if (finisher.child.exitCode !== null || Date.now() - lastProgress > 15_000) {
          finisher.child.kill('SIGKILL');
          await finisher.exited;
          restarts++;
          finisher = startWorker();
          await waitStarted(finisher);
          lastProgress = Date.now();
        }
        await sleep(200);
      }
      finisher.child.kill('SIGTERM');
      expect(await finisher.exited).toBe(0);

      const settlements = await db().selectFrom('settlements').selectAll().execute();
      expect(settlements.filter((s) => s.status !== 'confirmed')).toEqual([]);
      expect(
        await db().selectFrom('settlement_flagged_events').select(['reason', 'detail']).execute(),
      ).toEqual([]);

      // Nobody paid twice: each buyer holds exactly what its buys paid it, on chain.
      const owed = new Map<string, bigint>();
      for (const b of buys) owed.set(b.address, (owed.get(b.address) ?? 0n) + BigInt(b.amount_units));
      for (const [address, units] of owed)
        expect(await chain.usdtBalance(address as Address), address).toBe(units);

      // One transfer per buy, their nonces contiguous from the first, and the chain used exactly those.
      const transfers = await t.desk.services.evm!.transfersOf();
      expect(transfers).toHaveLength(buys.length);
      expect(new Set(transfers.map((x) => x.reference))).toEqual(
        new Set(settlements.filter((s) => s.side === 'buy').map((s) => s.id)),
      );
      expect(transfers.map((x) => Number(x.nonce))).toEqual(
        Array.from({ length: buys.length }, (_, i) => firstNonce + i),
      );
      expect(await chain.client.getTransactionCount({ address: hot.address as Address })).toBe(
        firstNonce + buys.length,
      );

      // Sells: one deposit each, none claimed twice.
      expect(new Set(settlements.filter((s) => s.side === 'sell').map((s) => s.tx_hash)).size).toBe(
        sells.length,
      );

      // Ledger: reserve + settle per settlement (+ the gas of each buy), nothing outstanding; chain = ledger.
      const { rows } = await sql<{ settlement_id: string; kind: string; n: number }>`
        select settlement_id, kind, count(*)::int as n from ledger_entries where settlement_id is not null group by settlement_id, kind`.execute(
        db(),
      );
      const per = new Map<string, Record<string, number>>();
      for (const r of rows) per.set(r.settlement_id, { ...per.get(r.settlement_id), [r.kind]: r.n });
      for (const s of settlements)
        expect(per.get(s.id), s.id).toEqual(
          s.side === 'buy' ? { reserve: 1, settle: 1, gas: 1 } : { reserve: 1, settle: 1 },
        );
      expect(await ledger.unbalancedEntries(db())).toEqual([]);
      for (const w of await walletsAgree(t))
        expect([w.wallet, w.chain - w.ledger, w.reserved]).toEqual([w.wallet, 0n, 0n]);
      expect(await chain.client.getBalance({ address: hot.address as Address })).toBe(
        await ledger.balance(db(), gasAccountOf(hot), 'ETH'),
      );
      const notices = await db()
        .selectFrom('notifications')
        .select('id')
        .where('template', '=', 'settlement.confirmed')
        .execute();
      expect(notices).toHaveLength(SETTLEMENTS);
      expect(midRun).toBeGreaterThanOrEqual(KILLS);
      process.stdout.write(
        `EVM crash test: seed ${SEED}; ${KILLS} kills (${midRun} with settlements in flight); finishing restarts ${restarts}; ${((Date.now() - started) / 1000).toFixed(1)} s from the first worker; worker warnings/errors: ${complaints.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(complaints))}\n`,
      );
    },
  );
});
