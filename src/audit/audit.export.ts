import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { AuditCheckpointsTable } from './audit.tables.js';
import { canonicalJson, exportMessage, GENESIS_HASH, type Checkpoint, type Signer } from './audit.chain.js';
import { allOf, describeFilter, filterConditions, type AuditFilter } from './audit.filter.js';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  CSV_HEADER_ROW,
  encodeEventLine,
  encodeRecord,
  encodeSkeletonLine,
  type ChainRow,
  type ExportFormatName,
  type TrailerRecord,
} from './audit.format.js';
import { occurredAtText } from './audit.sealer.js';

/**
 * Streams a verifiable export in constant memory: keyset batches of 2,000 seqs over the chain (never
 * one big result), each encoded straight to text and yielded as one chunk that the consumer pulls, so
 * a slow reader slows the queries (one batch is fetched ahead, no more).
 *
 * The seq range is cut at signed checkpoints on both ends: it starts right after the last checkpoint
 * before the first event in the time range (whose hash is the header's prev_hash) and ends at the
 * first checkpoint at or after the last one. Events inside the range that the filter excludes are
 * written as skeletons.
 */

export interface ExportDeps {
  db: Db;
  signer: Signer;
  clock: Clock;
  batchSize?: number;
}

export interface ExportPlan {
  filter: AuditFilter;
  fromSeq: bigint;
  toSeq: bigint;
  prevHash: string;
  anchor: Checkpoint | null;
  end: Checkpoint | null;
}

type CheckpointRow = Pick<
  AuditCheckpointsTable,
  'seq' | 'hash' | 'created_at' | 'key_id' | 'public_key' | 'signature'
>;
const CHECKPOINT_COLUMNS = ['seq', 'hash', 'created_at', 'key_id', 'public_key', 'signature'] as const;

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  seq: r.seq,
  hash: r.hash,
  created_at: r.created_at.toISOString(),
  key_id: r.key_id,
  public_key: r.public_key,
  signature: r.signature,
});

/** Decides the seq range of an export. Call after sealing, before sending any bytes. */
export async function planExport(db: Db, filter: AuditFilter): Promise<ExportPlan> {
  const empty: ExportPlan = {
    filter,
    fromSeq: 1n,
    toSeq: 0n,
    prevHash: GENESIS_HASH,
    anchor: null,
    end: null,
  };
  const latest = await db
    .selectFrom('audit_checkpoints')
    .select(CHECKPOINT_COLUMNS)
    .orderBy('seq', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) return empty;

  const seqInTime = (agg: 'min' | 'max') =>
    db
      .selectFrom('audit_chain')
      .innerJoin('audit_events', 'audit_events.id', 'audit_chain.event_id')
      .select(sql<string | null>`${sql.raw(agg)}(audit_chain.seq)`.as('seq'))
      .where(allOf(filterConditions({ from: filter.from, to: filter.to })))
      .where('audit_chain.seq', '<=', latest.seq)
      .executeTakeFirst()
      .then((r) => r?.seq ?? null);
  const first = filter.from ? await seqInTime('min') : '1';
  const last = filter.to ? await seqInTime('max') : latest.seq;
  if (first === null || last === null) return empty;

  const anchor = await db
    .selectFrom('audit_checkpoints')
    .select(CHECKPOINT_COLUMNS)
    .where('seq', '<', first)
    .orderBy('seq', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const end = await db
    .selectFrom('audit_checkpoints')
    .select(CHECKPOINT_COLUMNS)
    .where('seq', '>=', last)
    .orderBy('seq', 'asc')
    .orderBy('id', 'asc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return {
    filter,
    fromSeq: anchor ? BigInt(anchor.seq) + 1n : 1n,
    toSeq: BigInt(end.seq),
    prevHash: anchor?.hash ?? GENESIS_HASH,
    anchor: anchor ? toCheckpoint(anchor) : null,
    end: toCheckpoint(end),
  };
}

type FetchedRow = ChainRow & { matches: boolean };
interface Batch {
  rows: FetchedRow[];
  checkpoints: CheckpointRow[];
}

/** One span of seqs, `after < seq <= until`, with the signed checkpoints that fall inside it. */
function fetchBatch(
  db: Db,
  plan: ExportPlan,
  matches: ReturnType<typeof allOf>,
  after: bigint,
  until: bigint,
): Promise<Batch> {
  // A lateral lookup per chain row (`offset 0` stops it being flattened into a join): one primary-key
  // probe each, even when fresh-out-of-date statistics would tempt the planner into a hash join
  // over the whole events table for every batch.
  const rows = db
    .selectFrom('audit_chain')
    .innerJoinLateral(
      (eb) =>
        eb
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
            matches.as('matches'),
          ])
          .whereRef('audit_events.id', '=', 'audit_chain.event_id')
          .offset(0)
          .as('e'),
      (join) => join.onTrue(),
    )
    .select([
      'audit_chain.seq',
      'audit_chain.digest',
      'audit_chain.hash',
      'e.id',
      'e.occurred_at',
      'e.actor_type',
      'e.actor_id',
      'e.action',
      'e.entity_type',
      'e.entity_id',
      'e.request_id',
      'e.ip',
      'e.data',
      'e.matches',
    ])
    // seq has no gaps, so a span of seqs is one batch; bounding both ends (rather than `limit`)
    // keeps the planner from fetching the whole rest of the range to sort it.
    .where('audit_chain.seq', '>', String(after))
    .where('audit_chain.seq', '<=', String(until))
    .orderBy('audit_chain.seq')
    .execute();
  const checkpoints = db
    .selectFrom('audit_checkpoints')
    .select(CHECKPOINT_COLUMNS)
    .where('seq', '>', String(after))
    .where('seq', '<=', String(until))
    .where('seq', '<', String(plan.toSeq))
    .orderBy('seq')
    .orderBy('id')
    .execute();
  return Promise.all([rows, checkpoints]).then(([r, c]) => ({ rows: r, checkpoints: c }));
}

/**
 * The chain rows of the plan's range as encoded lines, with the signed checkpoints that fall inside
 * it, a batch of lines at a time. The next batch is already being fetched while this one is encoded
 * (two batches in memory at most, whatever the range).
 */
async function* chainLines(
  deps: ExportDeps,
  plan: ExportPlan,
  format: ExportFormatName,
  counts: { events: number; skeletons: number; checkpoints: number },
): AsyncGenerator<string> {
  const span = BigInt(deps.batchSize ?? 2_000);
  const matches = allOf(filterConditions(plan.filter));
  const next = (after: bigint) => {
    if (after >= plan.toSeq) return null;
    const until = after + span < plan.toSeq ? after + span : plan.toSeq;
    const batch = fetchBatch(deps.db, plan, matches, after, until);
    // Fetched ahead: if the reader goes away first, nobody awaits it, so its failure is dropped here.
    batch.catch(() => undefined);
    return { until, batch };
  };
  let pending = next(plan.fromSeq - 1n);
  while (pending) {
    const { rows, checkpoints } = await pending.batch;
    if (rows.length === 0) return; // a hole in the stored chain: the file ends short and verify says where
    pending = next(pending.until);
    // Lines joined once at the end: a flat string, cheaper to hash and write than a chain of `+=`.
    const lines: string[] = [];
    let c = 0;
    for (const r of rows) {
      if (r.matches) {
        lines.push(encodeEventLine(format, r));
        counts.events++;
      } else {
        lines.push(encodeSkeletonLine(format, r.seq, r.digest, r.hash));
        counts.skeletons++;
      }
      for (; c < checkpoints.length && checkpoints[c]?.seq === r.seq; c++) {
        const checkpoint = toCheckpoint(checkpoints[c] as CheckpointRow);
        lines.push(encodeRecord(format, { type: 'checkpoint', checkpoint }));
        counts.checkpoints++;
      }
    }
    lines.push('');
    yield lines.join('\n');
  }
}

/**
 * The export file as text chunks (a batch of lines each): header, chain records, then the signed
 * trailer. The file hash takes each chunk whole.
 */
export async function* exportChunks(
  deps: ExportDeps,
  plan: ExportPlan,
  format: ExportFormatName,
): AsyncGenerator<string> {
  const fileHash = createHash('sha256');
  const counts = { events: 0, skeletons: 0, checkpoints: 0 };
  let head = format === 'csv' ? `${CSV_HEADER_ROW}\n` : '';
  head += `${encodeRecord(format, {
    type: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_FORMAT_VERSION,
    exported_at: deps.clock.now().toISOString(),
    filter: describeFilter(plan.filter),
    from_seq: String(plan.fromSeq),
    to_seq: String(plan.toSeq),
    prev_hash: plan.prevHash,
    anchor: plan.anchor,
  })}\n`;
  fileHash.update(head);
  yield head;
  for await (const chunk of chainLines(deps, plan, format, counts)) {
    fileHash.update(chunk);
    yield chunk;
  }
  const unsigned: Omit<TrailerRecord, 'signature'> = {
    type: 'trailer',
    ...counts,
    checkpoint: plan.end,
    sha256: fileHash.digest('hex'),
    key_id: deps.signer.keyId,
    public_key: deps.signer.publicKey,
  };
  const trailer: TrailerRecord = {
    ...unsigned,
    signature: deps.signer.sign(exportMessage(canonicalJson(unsigned))),
  };
  yield `${encodeRecord(format, trailer)}\n`;
}
