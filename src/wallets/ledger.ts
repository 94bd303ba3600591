import { sql } from 'kysely';
import type { Executor, Tx } from '../shared/db.js';
import type { Network } from '../shared/networks.js';
import type { LedgerAccountKind, LedgerEntryKind } from './wallets.tables.js';

export const USDT = 'USDT';

export interface Posting {
  accountId: string;
  /** Signed smallest units: what the account gains (positive) or gives (negative). */
  amount: bigint;
  /** USDT unless told (gas is posted in the chain's gas asset, e.g. ETH in wei). */
  asset?: string;
}

export interface NewEntry {
  /** One entry per key: posting the same key again is a no-op that returns the first entry. */
  key: string;
  kind: LedgerEntryKind;
  settlementId?: string | null;
  memo: string;
  at: Date;
  postings: Posting[];
}

/** Account ids are readable: `wallet:paper:tron:hot`, `wallet:paper:tron:hot:reserved`, `client:<uuid>`, `equity:paper-faucet`. */
export const accountIds = {
  clientOf: (clientId: string) => `client:${clientId}`,
  faucet: 'equity:paper-faucet',
  /** What a wallet held when the desk first saw it (a wallet on a real chain comes with its balances). */
  opening: 'equity:opening-balances',
  gasExpense: (network: string) => `expense:gas:${network}`,
};

/**
 * The double-entry ledger. Entries are immutable and balance to zero per asset — the database
 * refuses to commit one that does not (migration 0011), this module only refuses earlier with a
 * clearer message. Balances are derived from the postings.
 */
export const ledger = {
  async ensureAccount(
    ex: Executor,
    a: { id: string; kind: LedgerAccountKind; network?: Network | null; name: string },
  ): Promise<void> {
    await ex
      .insertInto('ledger_accounts')
      .values({ id: a.id, kind: a.kind, network: a.network ?? null, name: a.name })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  },

  async post(tx: Tx, e: NewEntry): Promise<{ id: string; created: boolean }> {
    const sums = new Map<string, bigint>();
    for (const p of e.postings) sums.set(p.asset ?? USDT, (sums.get(p.asset ?? USDT) ?? 0n) + p.amount);
    const off = [...sums].filter(([, sum]) => sum !== 0n);
    if (e.postings.length < 2 || off.length > 0)
      throw new Error(
        `ledger entry ${e.key} does not balance (${e.postings.length} postings, ${JSON.stringify(off.map(([a, n]) => `${a} ${n}`))})`,
      );
    if (e.postings.some((p) => p.amount === 0n)) throw new Error(`ledger entry ${e.key} has a zero posting`);
    const inserted = await tx
      .insertInto('ledger_entries')
      .values({
        key: e.key,
        kind: e.kind,
        settlement_id: e.settlementId ?? null,
        memo: e.memo,
        created_at: e.at,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await tx
        .selectFrom('ledger_entries')
        .select('id')
        .where('key', '=', e.key)
        .executeTakeFirstOrThrow();
      return { id: existing.id, created: false };
    }
    await tx
      .insertInto('ledger_postings')
      .values(
        e.postings.map((p) => ({
          entry_id: inserted.id,
          account_id: p.accountId,
          asset: p.asset ?? USDT,
          amount: p.amount.toString(),
        })),
      )
      .execute();
    return { id: inserted.id, created: true };
  },

  async balance(ex: Executor, accountId: string, asset = USDT): Promise<bigint> {
    const row = await ex
      .selectFrom('ledger_balances')
      .select('balance')
      .where('account_id', '=', accountId)
      .where('asset', '=', asset)
      .executeTakeFirst();
    return BigInt(row?.balance ?? '0');
  },

  async balances(ex: Executor, accountIds: string[], asset = USDT): Promise<Map<string, bigint>> {
    const out = new Map(accountIds.map((id) => [id, 0n]));
    if (accountIds.length === 0) return out;
    const rows = await ex
      .selectFrom('ledger_balances')
      .select(['account_id', 'balance'])
      .where('account_id', 'in', accountIds)
      .where('asset', '=', asset)
      .execute();
    for (const r of rows) out.set(r.account_id, BigInt(r.balance));
    return out;
  },

  /** Holds the account's row until commit, so that check-then-post sequences on it serialize. */
  async lock(tx: Tx, accountId: string): Promise<void> {
    await tx
      .selectFrom('ledger_accounts')
      .select('id')
      .where('id', '=', accountId)
      .forUpdate()
      .executeTakeFirstOrThrow();
  },

  /** Entries of one settlement by kind, to know whether a reservation is outstanding. */
  async entryKinds(ex: Executor, settlementId: string): Promise<LedgerEntryKind[]> {
    const rows = await ex
      .selectFrom('ledger_entries')
      .select('kind')
      .where('settlement_id', '=', settlementId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.kind);
  },

  /** An account's postings with their entries, newest first; `before` is the posting id to page from. */
  entries(ex: Executor, accountId: string, page: { before?: string; limit: number }) {
    let q = ex
      .selectFrom('ledger_postings as p')
      .innerJoin('ledger_entries as e', 'e.id', 'p.entry_id')
      .select([
        'p.id as posting_id',
        'p.amount',
        'p.asset',
        'e.id as entry_id',
        'e.key',
        'e.kind',
        'e.memo',
        'e.settlement_id',
        'e.created_at',
      ])
      .where('p.account_id', '=', accountId)
      .orderBy('p.id', 'desc')
      .limit(page.limit);
    if (page.before) q = q.where('p.id', '<', page.before);
    return q.execute();
  },

  account: (ex: Executor, id: string) =>
    ex.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst(),

  /** Every entry whose postings do not sum to zero (the database makes this empty; tests assert it). */
  async unbalancedEntries(ex: Executor): Promise<string[]> {
    const { rows } = await sql<{
      entry_id: string;
    }>`select entry_id from ledger_postings group by entry_id, asset having sum(amount) <> 0`.execute(ex);
    return rows.map((r) => r.entry_id);
  },
};
