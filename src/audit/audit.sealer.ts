import { sql } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import { chainHash, checkpointMessage, eventDigest, GENESIS_HASH, type Signer } from './audit.chain.js';

/**
 * Chains committed events after the fact, so recording an event never waits on a lock.
 *
 * Event ids come from a sequence at insert time, not at commit, so a lower id can still commit after
 * a higher one. What is final is the transaction horizon: every transaction with an id below
 * `pg_snapshot_xmin(pg_current_snapshot())` has committed or aborted, and any event not yet visible
 * belongs to a transaction at or above it. Each seal therefore chains exactly the events with
 * `previous horizon <= tx_id < current horizon`, in id order, and records the new horizon in its
 * checkpoint; the window is found through the tx_id index, never by anti-joining the whole table.
 */

export interface SealResult {
  chained: number;
  /** The chain head after this seal (0 / genesis when nothing was ever chained). */
  seq: string;
  hash: string;
  checkpointId: string | null;
  /** The key that signs this desk's checkpoints now (it signed this one, if one was made). */
  keyId: string;
}

/** Any constant unique to this lock; it only has to differ from other advisory locks in the desk. */
const SEAL_LOCK = 7_345_001;
const SELECT_BATCH = 5_000;

/** The event columns as the digest sees them; occurred_at keeps PostgreSQL's full microseconds. */
export const occurredAtText = sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `signer` is asked before each seal: after `desk secrets rotate audit-key` it answers with the new key. */
export function createSealer(deps: {
  db: Db;
  signer: () => Promise<Signer>;
  clock: Clock;
  batchSize?: number;
}) {
  const batchSize = deps.batchSize ?? SELECT_BATCH;

  async function sealIn(tx: Tx, signer: Signer): Promise<SealResult> {
    // One sealer at a time; the lock comes before any read so a waiting sealer sees the winner's rows.
    await sql`select pg_advisory_xact_lock(${SEAL_LOCK})`.execute(tx);
    const head = await tx
      .selectFrom('audit_chain')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const last = await tx
      .selectFrom('audit_checkpoints')
      .select('tx_horizon')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const fromTx = last?.tx_horizon ?? '0';
    const now = await sql<{
      horizon: string;
    }>`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`.execute(tx);
    const toTx = now.rows[0]?.horizon ?? fromTx;

    let seq = BigInt(head?.seq ?? 0);
    let hash = head?.hash ?? GENESIS_HASH;
    const start = { seq: String(seq), hash };
    // `offset 0` keeps the planner from answering min/max by walking the primary key from the start
    // of history, which it would (filtering on tx_id) when its row estimates are stale.
    const bounds = await sql<{ lo: string | null; hi: string | null }>`
      select min(id)::text as lo, max(id)::text as hi
      from (select id from audit_events where tx_id >= ${fromTx}::xid8 and tx_id < ${toTx}::xid8 offset 0) w`.execute(
      tx,
    );
    const lo = bounds.rows[0]?.lo;
    const hi = bounds.rows[0]?.hi;
    let chained = 0;

    if (lo && hi) {
      // Walk the window in fixed spans of ids, so each query reads a bounded slice whatever plan it gets.
      const last = BigInt(hi);
      for (let after = BigInt(lo) - 1n; after < last; after += BigInt(batchSize)) {
        const until = after + BigInt(batchSize) < last ? after + BigInt(batchSize) : last;
        const rows = await tx
          .selectFrom('audit_events')
          .select([
            'id',
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
          .where('id', '>', String(after))
          .where('id', '<=', String(until))
          .where(sql<boolean>`tx_id >= ${fromTx}::xid8 and tx_id < ${toTx}::xid8`)
          .orderBy('id')
          .execute();
        if (rows.length === 0) continue;
        const cols = {
          seq: [] as string[],
          eventId: [] as string[],
          digest: [] as string[],
          prev: [] as string[],
          hash: [] as string[],
        };
        for (const row of rows) {
          const digest = eventDigest(row);
          const next = chainHash(hash, digest);
          seq += 1n;
          cols.seq.push(String(seq));
          cols.eventId.push(row.id);
          cols.digest.push(digest);
          cols.prev.push(hash);
          cols.hash.push(next);
          hash = next;
        }
        await sql`
          insert into audit_chain (seq, event_id, digest, prev_hash, hash)
          select * from unnest(${cols.seq}::bigint[], ${cols.eventId}::bigint[], ${cols.digest}::text[], ${cols.prev}::text[], ${cols.hash}::text[])`.execute(
          tx,
        );
        chained += rows.length;
      }
    }

    if (chained === 0) return { chained, ...start, checkpointId: null, keyId: signer.keyId };
    const createdAt = deps.clock.now().toISOString();
    const signature = signer.sign(checkpointMessage({ seq: String(seq), hash, created_at: createdAt }));
    const checkpoint = await tx
      .insertInto('audit_checkpoints')
      .values({
        seq: String(seq),
        hash,
        created_at: new Date(createdAt),
        tx_horizon: toTx,
        key_id: signer.keyId,
        public_key: signer.publicKey,
        signature,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { chained, seq: String(seq), hash, checkpointId: checkpoint.id, keyId: signer.keyId };
  }

  return {
    /** Chains every event committed below the current transaction horizon and signs the new head. */
    seal: async (): Promise<SealResult> => {
      const signer = await deps.signer();
      return withTransaction(deps.db, (tx) => sealIn(tx, signer));
    },
  };
}
