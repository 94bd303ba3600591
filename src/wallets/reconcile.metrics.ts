import { formatUnits } from 'viem';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../shared/db.js';
import { ledger } from './ledger.js';
import type { ReconciliationService } from './reconcile.service.js';
import { gasAccountOf } from './wallets.service.js';

const DECIMALS: Record<string, number> = { USDT: 6, ETH: 18 };

/**
 * `desk_reconciliation_drift{wallet,asset}`: the latest run's difference (chain − ledger − in flight),
 * in the asset's units; `desk_reconciliation_last_run_timestamp_seconds`; and
 * `desk_hot_wallet_gas_balance{wallet,asset}`: each EVM hot wallet's gas as the ledger holds it (the
 * chain's, once reconciled). A scrape reads the last run and a handful of balance rows, never the chain.
 */
export function createReconciliationMetrics(registry: Registry, db: Db, recon: ReconciliationService): void {
  new Gauge({
    name: 'desk_reconciliation_drift',
    help: 'The latest reconciliation difference per wallet and asset (chain minus ledger minus in flight), in the asset',
    labelNames: ['wallet', 'asset'],
    registers: [registry],
    async collect() {
      this.reset();
      const latest = await recon.latest();
      for (const d of latest?.differences ?? [])
        if (d.difference !== null)
          this.set(
            { wallet: d.wallet_id, asset: d.asset },
            Number(formatUnits(BigInt(d.difference), DECIMALS[d.asset] ?? 0)),
          );
    },
  });
  new Gauge({
    name: 'desk_reconciliation_differences_beyond_tolerance',
    help: 'How many wallet and asset differences of the latest reconciliation run are beyond the tolerance',
    registers: [registry],
    async collect() {
      const latest = await recon.latest();
      this.set(latest?.run.beyond_tolerance ?? 0);
    },
  });
  new Gauge({
    name: 'desk_reconciliation_last_run_timestamp_seconds',
    help: 'When the latest wallet reconciliation finished',
    registers: [registry],
    async collect() {
      const latest = await recon.latest();
      this.set(latest ? latest.run.finished_at.getTime() / 1000 : 0);
    },
  });
  new Gauge({
    name: 'desk_hot_wallet_gas_balance',
    help: "Each EVM hot wallet's gas balance in the ledger (ETH)",
    labelNames: ['wallet', 'asset'],
    registers: [registry],
    async collect() {
      this.reset();
      const wallets = await db.selectFrom('wallets').selectAll().where('adapter', '=', 'evm').execute();
      const balances = await ledger.balances(db, wallets.map(gasAccountOf), 'ETH');
      for (const w of wallets)
        this.set(
          { wallet: w.id, asset: 'ETH' },
          Number(formatUnits(balances.get(gasAccountOf(w)) ?? 0n, 18)),
        );
    },
  });
}
