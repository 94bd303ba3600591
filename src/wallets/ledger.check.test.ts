import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { withTransaction } from '../shared/db.js';
import { checkLedger } from './ledger.check.js';
import { ledger } from './ledger.js';

/** `desk db verify`'s ledger check: zero per asset, and every stored balance equal to its postings. */
describe('checkLedger', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await withTransaction(t.db, async (tx) => {
      await ledger.ensureAccount(tx, { id: 'client:check', kind: 'client', name: 'c' });
      await ledger.ensureAccount(tx, { id: 'equity:check', kind: 'equity', name: 'e' });
      await ledger.post(tx, {
        key: 'check-1',
        kind: 'fund',
        memo: 'm',
        at: new Date(),
        postings: [
          { accountId: 'client:check', amount: 5_000_000n },
          { accountId: 'equity:check', amount: -5_000_000n },
        ],
      });
    });
  });
  afterAll(() => t.drop());

  it('passes a sound ledger, listing each asset', async () => {
    const report = await checkLedger(t.db);
    expect(report.ok).toBe(true);
    expect(report.assets).toContainEqual({ asset: 'USDT', sum: '0', postings: 2 });
  });

  it('names a posting slipped in behind the triggers, which unbalances the asset', async () => {
    await withTransaction(t.db, async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      const entry = await tx
        .selectFrom('ledger_entries')
        .select('id')
        .where('key', '=', 'check-1')
        .executeTakeFirstOrThrow();
      await sql`insert into ledger_postings (entry_id, account_id, asset, amount) values (${entry.id}, 'client:check', 'USDT', 1)`.execute(
        tx,
      );
    });
    const report = await checkLedger(t.db);
    expect(report.ok).toBe(false);
    expect(report.problem).toBe('the ledger does not balance: USDT sums to 1');
  });
});
