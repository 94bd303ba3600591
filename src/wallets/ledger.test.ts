import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { fixedClock } from '../shared/clock.js';
import { withTransaction } from '../shared/db.js';
import { ledger } from './ledger.js';
import { createPaperChain, PAPER_FAUCET } from './paper.chain.js';

describe('the ledger: the database itself refuses an entry that does not balance, and keeps entries immutable', () => {
  let d: TestDatabase;
  beforeAll(async () => {
    d = await createTestDatabase();
    for (const id of ['a', 'b', 'c']) await ledger.ensureAccount(d.db, { id, kind: 'wallet', name: id });
  });
  afterAll(() => d.drop());

  const at = new Date('2026-11-24T10:00:00Z');
  const rawEntry = async (key: string, postings: [string, string][]) =>
    d.db.transaction().execute(async (tx) => {
      const e = await tx
        .insertInto('ledger_entries')
        .values({ key, kind: 'fund', memo: 'test', created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (postings.length)
        await tx
          .insertInto('ledger_postings')
          .values(postings.map(([account_id, amount]) => ({ entry_id: e.id, account_id, amount })))
          .execute();
      return e.id;
    });

  it('commits a balanced entry and derives balances from its postings; posting the same key again is a no-op', async () => {
    const first = await withTransaction(d.db, (tx) =>
      ledger.post(tx, {
        key: 'k1',
        kind: 'fund',
        memo: 'm',
        at,
        postings: [
          { accountId: 'a', amount: -500n },
          { accountId: 'b', amount: 500n },
        ],
      }),
    );
    const again = await withTransaction(d.db, (tx) =>
      ledger.post(tx, {
        key: 'k1',
        kind: 'fund',
        memo: 'm',
        at,
        postings: [
          { accountId: 'a', amount: -500n },
          { accountId: 'b', amount: 500n },
        ],
      }),
    );
    expect(again).toEqual({ id: first.id, created: false });
    expect(await ledger.balance(d.db, 'a')).toBe(-500n);
    expect(await ledger.balance(d.db, 'b')).toBe(500n);
    const { rows } = await sql<{
      account_id: string;
      sum: string;
    }>`select account_id, sum(amount)::text as sum from ledger_postings group by account_id order by account_id`.execute(
      d.db,
    );
    expect(rows).toEqual([
      { account_id: 'a', sum: '-500' },
      { account_id: 'b', sum: '500' },
    ]);
  });

  it('refuses at commit an entry whose postings do not sum to zero, or with fewer than two postings', async () => {
    await expect(
      rawEntry('bad1', [
        ['a', '-10'],
        ['b', '9'],
      ]),
    ).rejects.toThrow(/does not balance/);
    await expect(rawEntry('bad2', [['a', '10']])).rejects.toThrow(/at least two/);
    await expect(rawEntry('bad3', [])).rejects.toThrow(/at least two/);
    expect(
      await d.db.selectFrom('ledger_entries').select('key').where('key', 'like', 'bad%').execute(),
    ).toEqual([]);
  });

  it('refuses a posting added later to an entry that balanced', async () => {
    const id = await rawEntry('ok2', [
      ['a', '-7'],
      ['c', '7'],
    ]);
    await expect(
      d.db.insertInto('ledger_postings').values({ entry_id: id, account_id: 'b', amount: '1' }).execute(),
    ).rejects.toThrow(/does not balance/);
  });

  it('never updates or deletes entries or postings, and never writes a balance directly', async () => {
    await expect(d.db.updateTable('ledger_postings').set({ amount: '1' }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(d.db.deleteFrom('ledger_postings').execute()).rejects.toThrow(/append-only/);
    await expect(d.db.updateTable('ledger_entries').set({ memo: 'x' }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`truncate ledger_entries cascade`.execute(d.db)).rejects.toThrow(/append-only/);
    await expect(sql`update ledger_balances set balance = 0`.execute(d.db)).rejects.toThrow(/derived/);
    await expect(
      sql`insert into ledger_balances (account_id, asset, balance) values ('c', 'BTC', 1)`.execute(d.db),
    ).rejects.toThrow(/derived/);
    expect(await ledger.unbalancedEntries(d.db)).toEqual([]);
  });
});

describe('the paper chain', () => {
  let d: TestDatabase;
  const clock = fixedClock(new Date('2026-11-24T10:00:00Z'));
  beforeAll(async () => {
    d = await createTestDatabase();
  });
  afterAll(() => d.drop());

  it('blocks advance with time; a transfer lands in the next block and counts confirmations from there', async () => {
    const chain = createPaperChain({ db: d.db, clock, blockSeconds: 3 });
    const alice = chain.newAddress('tron');
    const bob = chain.newAddress('tron');
    expect(alice).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
    expect(chain.newAddress('ethereum')).toMatch(/^0x[0-9a-f]{40}$/);
    await chain.send('tron', PAPER_FAUCET, alice, 1000n);
    expect(await chain.adapter.balance('tron', alice)).toBe(1000n);

    const t = await chain.adapter.prepareTransfer({
      network: 'tron',
      from: alice,
      to: bob,
      amountUnits: 400n,
      reference: 'settlement-1',
    });
    expect(await chain.adapter.confirmations('tron', t.txHash)).toBeNull();
    expect(await chain.adapter.broadcast('tron', t.raw)).toEqual({ txHash: t.txHash });
    expect(await chain.adapter.confirmations('tron', t.txHash)).toBe(0);
    clock.advance(3000);
    expect(await chain.adapter.confirmations('tron', t.txHash)).toBe(1);
    clock.advance(6000);
    expect(await chain.adapter.confirmations('tron', t.txHash)).toBe(3);

    // the same signed transfer again (a crash, a retry) changes nothing
    await chain.adapter.broadcast('tron', t.raw);
    await Promise.all([chain.adapter.broadcast('tron', t.raw), chain.adapter.broadcast('tron', t.raw)]);
    expect(await chain.adapter.balance('tron', alice)).toBe(600n);
    expect(await chain.adapter.balance('tron', bob)).toBe(400n);
    expect(await chain.adapter.incomingTransfers('tron', bob)).toEqual([
      expect.objectContaining({ txHash: t.txHash, from: alice, amountUnits: 400n, confirmations: 3 }),
    ]);
  });

  it('refuses a transfer above the balance, and a transfer for another network', async () => {
    const chain = createPaperChain({ db: d.db, clock, blockSeconds: 3 });
    const carol = chain.newAddress('ethereum');
    const t = await chain.adapter.prepareTransfer({
      network: 'ethereum',
      from: carol,
      to: chain.newAddress('ethereum'),
      amountUnits: 1n,
      reference: 'r',
    });
    await expect(chain.adapter.broadcast('ethereum', t.raw)).rejects.toThrow(/insufficient funds/);
    await expect(chain.adapter.broadcast('tron', t.raw)).rejects.toThrow(/cannot be sent on tron/);
    expect(await chain.adapter.confirmations('ethereum', t.txHash)).toBeNull();
  });
});
