import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';

export interface LedgerReport {
  ok: boolean;
  problem?: string;
  /** Per asset: the sum of every posting (zero in a sound ledger) and how many postings. */
  assets: { asset: string; sum: string; postings: number }[];
}

/**
 * The ledger's invariants checked over the whole history, read-only: postings sum to zero per asset,
 * and every derived balance equals the sum of its account's postings. `desk db verify` runs it (and
 * `desk db restore` after restoring).
 */
export async function checkLedger(ex: Executor): Promise<LedgerReport> {
  const sums = await sql<{ asset: string; sum: string; postings: string }>`
    select asset, sum(amount)::text as sum, count(*)::text as postings
    from ledger_postings group by asset order by asset`.execute(ex);
  const assets = sums.rows.map((r) => ({ asset: r.asset, sum: r.sum, postings: Number(r.postings) }));
  const off = assets.filter((a) => BigInt(a.sum) !== 0n);
  if (off.length > 0)
    return {
      ok: false,
      problem: `the ledger does not balance: ${off.map((a) => `${a.asset} sums to ${a.sum}`).join(', ')}`,
      assets,
    };
  const drift = await sql<{
    account_id: string;
    asset: string;
    stored: string | null;
    derived: string | null;
  }>`
    select coalesce(b.account_id, p.account_id) as account_id, coalesce(b.asset, p.asset) as asset,
           b.balance::text as stored, p.total::text as derived
    from ledger_balances b
    full join (select account_id, asset, sum(amount) as total from ledger_postings group by account_id, asset) p
      on p.account_id = b.account_id and p.asset = b.asset
    where coalesce(b.balance, 0) <> coalesce(p.total, 0)
    limit 5`.execute(ex);
  if (drift.rows.length > 0)
    return {
      ok: false,
      problem: `ledger balances differ from their postings: ${drift.rows
        .map((r) => `${r.account_id} ${r.asset} stored ${r.stored ?? 0}, postings ${r.derived ?? 0}`)
        .join('; ')}`,
      assets,
    };
  return { ok: true, assets };
}
