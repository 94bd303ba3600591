import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../shared/db.js';

/** `desk_wallet_balance_usdt{wallet}`: one row per wallet from the derived ledger balances. */
export function createWalletMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: 'desk_wallet_balance_usdt',
    help: "Each desk wallet's ledger balance (available + reserved), in USDT",
    labelNames: ['wallet'],
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await sql<{ id: string; units: string }>`
        select w.id, (coalesce(a.balance, 0) + coalesce(r.balance, 0))::text as units
        from wallets w
        left join ledger_balances a on a.account_id = w.account_id and a.asset = 'USDT'
        left join ledger_balances r on r.account_id = w.reserved_account_id and r.asset = 'USDT'`.execute(db);
      for (const r of rows) this.set({ wallet: r.id }, Number(BigInt(r.units)) / 1e6);
    },
  });
}
