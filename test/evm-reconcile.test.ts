import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, stateOf } from './support/alerts.js';
import { call, person } from './support/approvals.js';
import { drainOnChain, mine, sendUsdt, startChainDesk, type LocalChain } from './support/chain.js';
import { runDeskCommand } from './support/process.js';
import type { TestServer } from './support/server.js';
import { autoSettlementOn, bookTrade, deskPeople, tradingClient, U } from './support/settlement.js';

interface Diff {
  walletId: string;
  asset: string;
  blockHeight: number | null;
  chain: { units: string } | null;
  ledger: { units: string };
  inFlight: { units: string };
  difference: { units: string; amount: string } | null;
  beyondTolerance: boolean;
}

/**
 * Reconciliation against the chains, paper and EVM alike: a transfer in flight is accounted for, an
 * outflow from the hot wallet made on the chain by someone other than the desk is drift — in the run,
 * in the metric, in `desk wallets reconcile` (exit 1) — and runs are append-only.
 */
describe('wallet reconciliation', () => {
  let t: TestServer;
  let chain: LocalChain;
  let close: () => Promise<void>;
  let dataDir: string;
  beforeAll(async () => {
    ({ t, chain, close } = await startChainDesk({
      env: {
        CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:3',
        RECONCILE_TOLERANCE_USDT: '0.5',
        // any gas balance counts as low here, so the rule's path is seen firing
        ALERT_HOT_WALLET_LOW_GAS_THRESHOLD: '1000000',
        ALERT_HOT_WALLET_LOW_GAS_FOR: '0',
      },
    }));
    await autoSettlementOn(t, await deskPeople(t));
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-recon-'));
  });
  afterAll(async () => {
    await close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const db = () => t.database.db;
  const runAs = async (roles: Parameters<typeof person>[1]) => {
    const who = await person(t, roles);
    return call<{ run: { id: string; beyondTolerance: number }; differences: Diff[] }>(
      t,
      who,
      'POST',
      '/api/wallets/reconcile',
      {},
    );
  };
  const evmId = async () => (await t.desk.services.wallets.hotWallet(db(), 'ethereum'))!.id;

  it('every wallet and asset agrees after settlements, and a payout mined but not final counts as in flight', async () => {
    await bookTrade(t, { usdt: 10n, network: 'tron' });
    await bookTrade(t, { usdt: 20n, network: 'ethereum' });
    await drainOnChain(t, chain);
    const inFlight = await bookTrade(t, { usdt: 33n, network: 'ethereum' });
    const s = await db()
      .selectFrom('settlements')
      .select('id')
      .where('trade_id', '=', inFlight.id)
      .executeTakeFirstOrThrow();
    await t.desk.services.settlement.worker.process(s.id); // mined (automine), 1 confirmation of 3
    const res = await runAs(['ops_approver']);
    expect(res.status).toBe(201);
    const byKey = new Map(res.body.differences.map((d) => [`${d.walletId}/${d.asset}`, d]));
    const id = await evmId();
    expect([...byKey.keys()].sort()).toEqual([`${id}/ETH`, `${id}/USDT`, 'paper:tron:hot/USDT'].sort());
    for (const d of res.body.differences)
      expect([d.walletId, d.asset, d.difference?.units, d.beyondTolerance]).toEqual([
        d.walletId,
        d.asset,
        '0',
        false,
      ]);
    expect(byKey.get(`${id}/USDT`)?.inFlight.units).toBe(String(-33n * U));
    expect(Number(byKey.get(`${id}/ETH`)?.inFlight.units)).toBeLessThan(0); // its gas, not yet posted
    expect(byKey.get(`${id}/USDT`)?.blockHeight).toBe(Number(await chain.client.getBlockNumber()));
    await drainOnChain(t, chain);
    await evaluate(t);
    expect((await stateOf(t, 'wallet_reconciliation_drift')).state).toBe('inactive'); // nothing beyond tolerance
    expect((await stateOf(t, 'hot_wallet_low_gas')).state).toBe('firing'); // the EVM hot wallet's gas is read
  });

  it('an outflow from the hot wallet made directly on the chain is drift: in the run, the metric and desk wallets reconcile', async () => {
    const w = (await t.desk.services.wallets.hotWallet(db(), 'ethereum'))!;
    await sendUsdt(chain, chain.hotWalletKey, (await tradingClient(t, 'ethereum')).address, 5n * U);
    await mine(chain);
    const res = await runAs(['risk_officer']);
    const usdt = res.body.differences.find((d) => d.walletId === w.id && d.asset === 'USDT');
    expect(usdt).toMatchObject({
      difference: { units: String(-5n * U), amount: '-5' },
      beyondTolerance: true,
    });
    const gas = res.body.differences.find((d) => d.walletId === w.id && d.asset === 'ETH');
    expect(gas?.beyondTolerance).toBe(true); // the outflow paid its gas from the hot wallet too
    expect(res.body.run.beyondTolerance).toBe(2);
    // the next evaluation fires the drift alert (for 0: one run showing it is enough)
    await evaluate(t);
    expect((await stateOf(t, 'wallet_reconciliation_drift')).state).toBe('firing');
    const metrics = await t.desk.metrics.registry.metrics();
    expect(metrics).toContain('desk_reconciliation_differences_beyond_tolerance 2');
    expect(metrics).toContain(`desk_reconciliation_drift{wallet="${w.id}",asset="USDT"} -5`);
    expect(metrics).toMatch(
      /desk_hot_wallet_gas_balance\{wallet="evm:ethereum:0x[0-9a-f]{40}",asset="ETH"\} \d/,
    );

    // the operations CLI sees the same, and says so with its exit code
    const cli = await runDeskCommand(['wallets', 'reconcile', '--json'], {
      DATABASE_URL: t.database.url,
      DESK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...chain.env(),
      CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:3',
      RECONCILE_TOLERANCE_USDT: '0.5',
    });
    expect(cli.code).toBe(1);
    const printed = JSON.parse(cli.output.trim().split('\n').pop() ?? '{}') as { differences: Diff[] };
    expect(
      printed.differences.find((d) => d.walletId === w.id && d.asset === 'USDT')?.difference?.amount,
    ).toBe('-5');
    const runs = await db()
      .selectFrom('reconciliation_runs')
      .select(['trigger', 'beyond_tolerance', 'seq'])
      .orderBy('seq')
      .execute();
    expect(runs.map((r) => r.trigger)).toEqual(['api', 'api', 'cli']);
    const audited = await db()
      .selectFrom('audit_events')
      .select(['actor_type'])
      .where('action', '=', 'wallets.reconciled')
      .execute();
    expect(audited.map((a) => a.actor_type)).toEqual(['operator', 'operator', 'cli']);
  });

  it('an auditor may read the history but not run one; runs and differences cannot be changed or deleted', async () => {
    expect((await runAs(['auditor'])).status).toBe(403);
    const auditor = await person(t, ['auditor']);
    const history = await call<{ items: { id: string; trigger: string }[]; latest: { differences: Diff[] } }>(
      t,
      auditor,
      'GET',
      '/api/wallets/reconciliations',
    );
    expect(history.status).toBe(200);
    expect(history.body.items.map((r) => r.trigger)).toEqual(['cli', 'api', 'api']);
    expect(history.body.latest.differences.length).toBeGreaterThan(0);
    await expect(sql`update reconciliation_runs set wallets = 0`.execute(db())).rejects.toThrow();
    await expect(sql`delete from reconciliation_differences`.execute(db())).rejects.toThrow();
    await expect(sql`truncate reconciliation_runs cascade`.execute(db())).rejects.toThrow();
  });
});
