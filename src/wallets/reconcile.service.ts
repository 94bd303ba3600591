import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor } from '../shared/db.js';
import type { Side } from '../shared/money.js';
import { ledger, USDT } from './ledger.js';
import { gasAccountOf, type WalletRow, type WalletsService } from './wallets.service.js';

/** A settlement whose transfer may be on chain before the ledger shows it (from the settlement domain). */
export interface InFlight {
  id: string;
  wallet_id: string;
  side: Side;
  amount_units: string;
  tx_hash: string | null;
}

export interface Difference {
  walletId: string;
  network: WalletRow['network'];
  adapter: WalletRow['adapter'];
  asset: string;
  blockHeight: number | null;
  chain: bigint | null;
  ledger: bigint;
  inFlight: bigint;
  difference: bigint | null;
  beyondTolerance: boolean;
  error: string | null;
}

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'error';

/**
 * Wallet reconciliation (DESIGN 4.6), for paper and EVM wallets alike: for each desk wallet and asset,
 * the chain's balance at a stated block against the ledger's at the same point. The ledger is read
 * after the chain, in one snapshot with the settlements in flight; a transfer of those mined at or
 * before the block moved the chain but not yet the ledger (a payout not yet final, a deposit not yet
 * settled, gas not yet posted), so it is added to the ledger side before comparing. What remains is
 * the difference; beyond the tolerance it is drift. Every run and difference is stored, append-only.
 */
export function createReconciliationService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  wallets: Pick<WalletsService, 'adapterFor'>;
  inFlight: (ex: Executor) => Promise<InFlight[]>;
  toleranceUnits: bigint;
}) {
  const { db, clock } = deps;

  async function reconcileWallet(w: WalletRow): Promise<Difference[]> {
    const adapter = deps.wallets.adapterFor(w.adapter);
    const base = { walletId: w.id, network: w.network, adapter: w.adapter };
    const assets = adapter.gasAsset ? [USDT, adapter.gasAsset] : [USDT];
    let snapshot;
    try {
      snapshot = await adapter.snapshot(w.network, w.address);
    } catch (err) {
      const ledgerNow = await ledger.balances(db, [w.account_id, w.reserved_account_id]);
      return assets.map((asset) => ({
        ...base,
        asset,
        blockHeight: null,
        chain: null,
        ledger: asset === USDT ? [...ledgerNow.values()].reduce((a, b) => a + b, 0n) : 0n,
        inFlight: 0n,
        difference: null,
        beyondTolerance: true,
        error: `the chain did not answer: ${firstLine(err)}`,
      }));
    }
    const { ledgerUsdt, ledgerGas, flights, posted } = await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        const usdt = await ledger.balances(tx, [w.account_id, w.reserved_account_id]);
        const flights = (await deps.inFlight(tx)).filter((f) => f.wallet_id === w.id);
        const keys = flights.length
          ? await tx
              .selectFrom('ledger_entries')
              .select('key')
              .where('kind', '=', 'gas')
              .where(
                'settlement_id',
                'in',
                flights.map((f) => f.id),
              )
              .execute()
          : [];
        return {
          ledgerUsdt: (usdt.get(w.account_id) ?? 0n) + (usdt.get(w.reserved_account_id) ?? 0n),
          ledgerGas: adapter.gasAsset ? await ledger.balance(tx, gasAccountOf(w), adapter.gasAsset) : 0n,
          flights,
          posted: new Set(keys.map((k) => k.key)),
        };
      });
    let usdtInFlight = 0n;
    let gasInFlight = 0n;
    for (const f of flights) {
      if (!f.tx_hash) continue;
      const m = await adapter.mined(w.network, f.tx_hash);
      if (!m || m.block > snapshot.height) continue;
      if (m.success) usdtInFlight += f.side === 'buy' ? -BigInt(f.amount_units) : BigInt(f.amount_units);
      if (m.gas && !posted.has(`gas:${m.gas.txHash}`)) gasInFlight -= m.gas.units;
    }
    return assets.map((asset) => {
      const chain = snapshot.balances.find((b) => b.asset === asset)?.units ?? 0n;
      const ledgerSide = asset === USDT ? ledgerUsdt : ledgerGas;
      const inFlight = asset === USDT ? usdtInFlight : gasInFlight;
      const difference = chain - (ledgerSide + inFlight);
      const magnitude = difference < 0n ? -difference : difference;
      return {
        ...base,
        asset,
        blockHeight: snapshot.height,
        chain,
        ledger: ledgerSide,
        inFlight,
        difference,
        // the tolerance is in USDT; the gas asset must match exactly
        beyondTolerance: asset === USDT ? magnitude > deps.toleranceUnits : magnitude > 0n,
        error: null,
      };
    });
  }

  const differencesOf = (runId: string) =>
    db
      .selectFrom('reconciliation_differences')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();

  return {
    async run(o: { trigger: 'schedule' | 'cli' | 'api'; audit?: AuditContext }) {
      const startedAt = clock.now();
      const wallets = await db
        .selectFrom('wallets')
        .selectAll()
        .orderBy('network')
        .orderBy('adapter')
        .execute();
      const differences: Difference[] = [];
      for (const w of wallets) differences.push(...(await reconcileWallet(w)));
      const beyond = differences.filter((d) => d.beyondTolerance).length;
      const run = await withTransaction(db, async (tx) => {
        const row = await tx
          .insertInto('reconciliation_runs')
          .values({
            started_at: startedAt,
            finished_at: clock.now(),
            trigger: o.trigger,
            actor_id: o.audit?.actorId ?? null,
            tolerance_units: deps.toleranceUnits.toString(),
            wallets: wallets.length,
            beyond_tolerance: beyond,
            error: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (differences.length > 0)
          await tx
            .insertInto('reconciliation_differences')
            .values(
              differences.map((d) => ({
                run_id: row.id,
                wallet_id: d.walletId,
                network: d.network,
                adapter: d.adapter,
                asset: d.asset,
                block_height: d.blockHeight,
                chain_balance: d.chain?.toString() ?? null,
                ledger_balance: d.ledger.toString(),
                in_flight: d.inFlight.toString(),
                difference: d.difference?.toString() ?? null,
                beyond_tolerance: d.beyondTolerance,
                error: d.error,
              })),
            )
            .execute();
        await deps.audit.record(tx, {
          ...(o.audit ?? { actorType: 'system' }),
          action: 'wallets.reconciled',
          entityType: 'reconciliation_run',
          entityId: row.id,
          data: { trigger: o.trigger, wallets: wallets.length, beyondTolerance: beyond },
        });
        return row;
      });
      return { run, differences };
    },

    /** The latest runs first; `before` is a run's `seq` to page from. */
    recent: (limit: number, before?: string) => {
      let q = db.selectFrom('reconciliation_runs').selectAll().orderBy('seq', 'desc').limit(limit);
      if (before) q = q.where('seq', '<', before as never);
      return q.execute();
    },

    differencesOf: (runId: string) =>
      db
        .selectFrom('reconciliation_differences')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('id')
        .execute(),

    /** The latest run's differences (the drift metric reads this: one run, a few rows). */
    async latest() {
      const run = await db
        .selectFrom('reconciliation_runs')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return run ? { run, differences: await differencesOf(run.id) } : null;
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
