import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { sealAll } from '../../test/support/audit.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { withTransaction } from '../shared/db.js';
import { chainHash, checkpointMessage, eventDigest, GENESIS_HASH, verifySignature } from './audit.chain.js';
import { occurredAtText } from './audit.sealer.js';
import { createAuditService, type AuditService } from './audit.service.js';

/** Reads the whole stored chain back and recomputes it, as an auditor with database access would. */
async function recomputeChain(t: TestDatabase) {
  const rows = await t.db
    .selectFrom('audit_chain')
    .innerJoin('audit_events', 'audit_events.id', 'audit_chain.event_id')
    .select([
      'seq',
      'digest',
      'prev_hash',
      'hash',
      'audit_events.id',
      occurredAtText.as('occurred_at'),
      'actor_type',
      'actor_id',
      'action',
      'entity_type',
      'entity_id',
      'request_id',
      'ip',
      'data',
    ])
    .orderBy('seq')
    .execute();
  let prev = GENESIS_HASH;
  rows.forEach((r, i) => {
    expect(r.seq).toBe(String(i + 1));
    expect(r.prev_hash).toBe(prev);
    expect(eventDigest(r)).toBe(r.digest);
    expect(chainHash(prev, r.digest)).toBe(r.hash);
    prev = r.hash;
  });
  return { rows, head: prev };
}

describe('sealer', () => {
  let t: TestDatabase;
  let audit: AuditService;
  beforeAll(async () => {
    t = await createTestDatabase();
    // A small batch so that every seal crosses batch boundaries.
    audit = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
      batchSize: 7,
    });
  });
  afterAll(() => t.drop());

  it('seals nothing, and signs nothing, when there is nothing new', async () => {
    const r = await audit.seal();
    expect(r).toMatchObject({ chained: 0, seq: '0', hash: GENESIS_HASH, checkpointId: null });
  });

  it('waits for an open transaction that holds a lower id, then chains both in id order', async () => {
    const conn = await t.pool.connect();
    try {
      await conn.query('begin');
      await conn.query(`insert into audit_events (actor_type, action) values ('system', 'test.slow')`); // lower id, commits last
      await withTransaction(t.db, (tx) => audit.record(tx, { actorType: 'system', action: 'test.fast' }));
      const blocked = await audit.seal();
      expect(blocked.chained).toBe(0); // the fast one must not be chained ahead of the slow one
      await conn.query('commit');
    } finally {
      conn.release();
    }
    await sealAll(t.db, audit);
    const { rows } = await recomputeChain(t);
    expect(rows.map((r) => r.action)).toEqual(['test.slow', 'test.fast']);
  });

  it('8 concurrent writers and 3 concurrent sealers give one gap-free chain of every committed event, once', async () => {
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 30; i++) {
        await withTransaction(t.db, async (tx) => {
          const n = 1 + ((w + i) % 3);
          for (let k = 0; k < n; k++)
            await audit.record(tx, {
              actorType: 'operator',
              actorId: `w${w}`,
              action: 'test.concurrent',
              entityType: 'tx',
              entityId: `${w}-${i}`,
              data: { k },
            });
          if (i % 10 === 9) throw new Error('rolled back on purpose');
        }).catch((err: Error) => {
          if (err.message !== 'rolled back on purpose') throw err;
        });
      }
    };
    const sealer = async () => {
      let seals = 0;
      while (writing) {
        await audit.seal();
        seals++;
      }
      return seals;
    };
    const sealers = [sealer(), sealer(), sealer()];
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    writing = false;
    const seals = await Promise.all(sealers);
    expect(seals.reduce((a, b) => a + b)).toBeGreaterThan(3);
    await sealAll(t.db, audit);

    const { rows, head } = await recomputeChain(t);
    const committed = await t.db.selectFrom('audit_events').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b))).toEqual(committed.map((e) => e.id));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    // 8 writers × 27 committed transactions × 1–3 events, plus the two from the previous test
    const concurrent = rows.filter((r) => r.action === 'test.concurrent');
    expect(concurrent.length).toBe(
      Array.from({ length: 8 }, (_, w) =>
        Array.from({ length: 30 }, (_, i) => (i % 10 === 9 ? 0 : 1 + ((w + i) % 3))).reduce((a, b) => a + b),
      ).reduce((a, b) => a + b),
    );

    const checkpoints = await t.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
    const last = checkpoints[checkpoints.length - 1];
    expect(last).toMatchObject({ seq: String(rows.length), hash: head });
    for (const cp of checkpoints) {
      expect(
        verifySignature(
          cp.public_key,
          checkpointMessage({ seq: cp.seq, hash: cp.hash, created_at: cp.created_at.toISOString() }),
          cp.signature,
        ),
      ).toBe(true);
    }
    // Each checkpoint's horizon only moves forward.
    const horizons = checkpoints.map((c) => BigInt(c.tx_horizon));
    expect([...horizons].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(horizons);
  });

  it('finds the window through the tx_id index, not a scan of every event', async () => {
    const plan = await t.db.connection().execute(async (c) => {
      await sql`set enable_seqscan = off`.execute(c); // the table is tiny: without this the planner would scan it anyway
      const explained = await sql<{
        'QUERY PLAN': string;
      }>`explain select min(id), max(id) from (select id from audit_events where tx_id >= '1'::xid8 and tx_id < '2'::xid8 offset 0) w`.execute(
        c,
      );
      await sql`reset enable_seqscan`.execute(c);
      return explained.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/audit_events_tx/);
  });
});
