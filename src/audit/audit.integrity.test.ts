import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { withTransaction } from '../shared/db.js';
import { verifyStoredChain } from './audit.integrity.js';
import { createAuditService, type AuditService } from './audit.service.js';

/** `desk db verify`'s audit check: the stored chain recomputed from genesis, across signing keys. */
describe('verifyStoredChain', () => {
  let t: TestDatabase;
  let first: AuditService;
  let second: AuditService;
  const record = (svc: AuditService, n: number) =>
    withTransaction(t.db, async (tx) => {
      for (let i = 0; i < n; i++)
        await svc.record(tx, { actorType: 'system', action: 'test.event', data: { i } });
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    first = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
    });
    second = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
    });
  });
  afterAll(() => t.drop());

  it('accepts a chain whose checkpoints were signed by two keys (a rotated audit key)', async () => {
    await record(first, 3);
    await first.seal();
    await record(second, 2);
    await second.seal();
    const report = await verifyStoredChain(t.db);
    expect(report).toMatchObject({ ok: true, events: 5, checkpoints: 2 });
    expect(report.keyIds.sort()).toEqual([first.keyId, second.keyId].sort());
    expect(report.checkpoint?.seq).toBe('5');
    expect(report.head.seq).toBe('5');
  });

  it('names a checkpoint whose signature was forged', async () => {
    await withTransaction(t.db, async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`update audit_checkpoints set signature = ${Buffer.alloc(64).toString('base64')} where seq = 3`.execute(
        tx,
      );
    });
    const report = await verifyStoredChain(t.db);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatch(/^checkpoint \d+ \(seq 3\): the signature does not verify$/);
  });
});
