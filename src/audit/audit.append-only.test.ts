import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { sealAll } from '../../test/support/audit.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { sqlState } from '../shared/errors.js';
import { withTransaction } from '../shared/db.js';
import { createAuditService, type AuditService } from './audit.service.js';

describe('the audit tables are append-only', () => {
  let t: TestDatabase;
  let audit: AuditService;
  beforeAll(async () => {
    t = await createTestDatabase();
    audit = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
    });
    await withTransaction(t.db, (tx) =>
      audit.record(tx, {
        actorType: 'system',
        action: 'test.seed',
        entityType: 'thing',
        entityId: '1',
        data: { a: 1 },
      }),
    );
    await sealAll(t.db, audit);
  });
  afterAll(() => t.drop());

  const rejected = async (statement: string) => {
    const err = await sql
      .raw(statement)
      .execute(t.db)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err, statement).toBeDefined();
    expect(sqlState(err), statement).toBe('42501');
    expect((err as Error).message).toMatch(/append-only/);
  };

  it.each([
    'update audit_events set action = $$forged$$',
    'delete from audit_events',
    'truncate audit_events cascade',
    'update audit_chain set hash = digest',
    'delete from audit_chain',
    'truncate audit_chain cascade',
    'update audit_checkpoints set signature = $$x$$',
    'delete from audit_checkpoints',
    'truncate audit_checkpoints',
  ])('rejects %s', async (statement) => {
    await rejected(statement);
  });

  it('keeps the rows after the rejected attempts', async () => {
    const rows = await t.db.selectFrom('audit_events').select(['action']).execute();
    expect(rows).toEqual([{ action: 'test.seed' }]);
  });

  it('records nothing when the surrounding transaction rolls back', async () => {
    const before = await t.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      withTransaction(t.db, async (tx) => {
        await audit.record(tx, { actorType: 'operator', actorId: 'op-1', action: 'test.rolled_back' });
        throw new Error('business rule failed after the audit event');
      }),
    ).rejects.toThrow('business rule failed');
    const after = await t.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    await sealAll(t.db, audit);
    const chained = await t.db
      .selectFrom('audit_chain')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(chained.n).toBe(before.n);
  });
});
