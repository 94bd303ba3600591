import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import {
  chainHash,
  checkpointMessage,
  eventDigest,
  GENESIS_HASH,
  keyIdOf,
  verifySignature,
} from './audit.chain.js';

export interface ChainHead {
  seq: string;
  hash: string;
}

export interface CheckpointRef {
  id: string;
  seq: string;
  hash: string;
  keyId: string;
  createdAt: string;
}

export interface StoredChainReport {
  ok: boolean;
  /** The first thing found wrong, naming the seq or checkpoint; undefined when ok. */
  problem?: string;
  head: ChainHead;
  /** The newest signed checkpoint (null before the first seal). */
  checkpoint: CheckpointRef | null;
  events: number;
  checkpoints: number;
  keyIds: string[];
}

const BATCH = 5_000;

/** The chain head and the newest checkpoint as stored (no checking): what a backup manifest records. */
export async function storedChainHead(
  ex: Executor,
): Promise<{ head: ChainHead; checkpoint: CheckpointRef | null }> {
  const head = await ex
    .selectFrom('audit_chain')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const cp = await ex
    .selectFrom('audit_checkpoints')
    .select(['id', 'seq', 'hash', 'key_id', 'created_at'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    head: head ? { seq: head.seq, hash: head.hash } : { seq: '0', hash: GENESIS_HASH },
    checkpoint: cp
      ? { id: cp.id, seq: cp.seq, hash: cp.hash, keyId: cp.key_id, createdAt: cp.created_at.toISOString() }
      : null,
  };
}

/**
 * Verifies the audit trail inside the database end to end, read-only: every chained event's digest is
 * recomputed from its row, every link from the one before (from genesis), and every signed checkpoint
 * is checked against its own public key (whichever key signed it: rotations keep history verifiable)
 * and against the chain's hash at its seq. `desk db verify` and `desk db restore` run it.
 */
export async function verifyStoredChain(ex: Executor): Promise<StoredChainReport> {
  const cps = await ex
    .selectFrom('audit_checkpoints')
    .select(['id', 'seq', 'hash', 'created_at', 'key_id', 'public_key', 'signature'])
    .orderBy('id')
    .execute();
  const keyIds = new Set<string>();
  const bySeq = new Map<string, typeof cps>();
  for (const cp of cps) bySeq.set(cp.seq, [...(bySeq.get(cp.seq) ?? []), cp]);
  const { checkpoint } = await storedChainHead(ex);
  let seq = 0n;
  let hash = GENESIS_HASH;
  const report = (problem?: string): StoredChainReport => ({
    ok: problem === undefined,
    problem,
    head: { seq: String(seq), hash },
    checkpoint,
    events: Number(seq),
    checkpoints: cps.length,
    keyIds: [...keyIds],
  });
  for (const cp of cps) {
    if (keyIdOf(cp.public_key) !== cp.key_id)
      return report(`checkpoint ${cp.id} (seq ${cp.seq}): key id ${cp.key_id} does not match its public key`);
    const message = checkpointMessage({
      seq: cp.seq,
      hash: cp.hash,
      created_at: cp.created_at.toISOString(),
    });
    if (!verifySignature(cp.public_key, message, cp.signature))
      return report(`checkpoint ${cp.id} (seq ${cp.seq}): the signature does not verify`);
    keyIds.add(cp.key_id);
  }
  const atGenesis = bySeq.get('0') ?? [];
  if (atGenesis.some((cp) => cp.hash !== GENESIS_HASH)) return report('a checkpoint at seq 0 is not genesis');
  for (;;) {
    const rows = await ex
      .selectFrom('audit_chain as c')
      .leftJoin('audit_events as e', 'e.id', 'c.event_id')
      .select([
        'c.seq',
        'c.event_id',
        'c.digest',
        'c.prev_hash',
        'c.hash',
        'e.id',
        sql<string | null>`to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
          'occurred_at',
        ),
        'e.actor_type',
        'e.actor_id',
        'e.action',
        'e.entity_type',
        'e.entity_id',
        'e.request_id',
        'e.ip',
        'e.data',
      ])
      .where('c.seq', '>', String(seq))
      .orderBy('c.seq')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const at = `seq ${r.seq} (event ${r.event_id})`;
      if (BigInt(r.seq) !== seq + 1n) return report(`the chain skips from seq ${seq} to ${r.seq}`);
      if (r.id === null || r.occurred_at === null || r.actor_type === null || r.action === null)
        return report(`${at}: the event is missing`);
      const digest = eventDigest({
        id: r.id,
        occurred_at: r.occurred_at,
        actor_type: r.actor_type,
        actor_id: r.actor_id,
        action: r.action,
        entity_type: r.entity_type,
        entity_id: r.entity_id,
        request_id: r.request_id,
        ip: r.ip,
        data: r.data,
      });
      if (digest !== r.digest) return report(`${at}: the event's content does not match its digest`);
      if (r.prev_hash !== hash) return report(`${at}: it does not link to the hash before it`);
      const next = chainHash(hash, digest);
      if (next !== r.hash) return report(`${at}: its hash is not sha256(prev ‖ digest)`);
      seq += 1n;
      hash = next;
      for (const cp of bySeq.get(r.seq) ?? [])
        if (cp.hash !== hash)
          return report(`checkpoint ${cp.id} (seq ${cp.seq}) names a hash the chain does not have`);
    }
  }
  const beyond = cps.find((cp) => BigInt(cp.seq) > seq);
  if (beyond)
    return report(`checkpoint ${beyond.id} is at seq ${beyond.seq}, beyond the chain's end (${seq})`);
  if (checkpoint && checkpoint.seq !== String(seq))
    return report(`the chain goes on past its newest signed checkpoint (seq ${checkpoint.seq} < ${seq})`);
  return report();
}
