import { createHash } from 'node:crypto';
import {
  canonicalJson,
  chainHash,
  checkpointMessage,
  eventDigest,
  exportMessage,
  GENESIS_HASH,
  keyIdOf,
  verifySignature,
  type Checkpoint,
} from './audit.chain.js';
import {
  CSV_HEADER_ROW,
  decodeRecord,
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  recordBatches,
  type ByteSource,
  type ExportFormatName,
  type ExportRecord,
  type HeaderRecord,
  type TrailerRecord,
} from './audit.format.js';

/**
 * Checks an export file from its bytes alone, one record at a time (constant memory), and stops at
 * the first problem, naming the line, the seq and the event id.
 */

export interface VerifySummary {
  format: ExportFormatName;
  filter: Record<string, string>;
  fromSeq: string;
  toSeq: string;
  events: number;
  skeletons: number;
  checkpoints: number;
  headHash: string;
  /** The key ids that signed the checkpoints and the file: compare them with the desk's own. */
  keyIds: string[];
  sealedAt: string | null;
}

export type VerifyResult =
  | { ok: true; summary: VerifySummary }
  | { ok: false; line: number; seq?: string; eventId?: string; problem: string };

export interface VerifyOptions {
  /** When given, every signature must come from one of these keys. */
  trustedKeyIds?: string[];
}

class Broken extends Error {
  constructor(
    readonly problem: string,
    readonly at: { seq?: string; eventId?: string } = {},
  ) {
    super(problem);
  }
}

const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isSeq = (v: unknown): v is string => typeof v === 'string' && /^\d{1,19}$/.test(v);

export async function verifyExport(input: ByteSource, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const fileHash = createHash('sha256');
  const keyIds = new Set<string>();
  let format: ExportFormatName | undefined;
  let header: HeaderRecord | undefined;
  let trailer: TrailerRecord | undefined;
  let prevHash = GENESIS_HASH;
  let nextSeq = 1n;
  const counts = { events: 0, skeletons: 0, checkpoints: 0 };
  let lineNo = 0;
  let lastEventId: string | undefined;

  const checkSigner = (publicKey: string, keyId: string, what: string, at: { seq?: string } = {}) => {
    if (typeof publicKey !== 'string' || typeof keyId !== 'string') throw new Broken(`${what}: no key`, at);
    const actual = keyIdOf(publicKey);
    if (actual !== keyId)
      throw new Broken(`${what}: key id ${keyId} does not match its public key (${actual})`, at);
    if (opts.trustedKeyIds && !opts.trustedKeyIds.includes(keyId))
      throw new Broken(`${what}: signed by key ${keyId}, which is not one of the trusted keys`, at);
    keyIds.add(keyId);
  };
  const checkCheckpoint = (cp: Checkpoint, what: string) => {
    if (!isSeq(cp.seq) || !isHex64(cp.hash)) throw new Broken(`${what} is malformed`);
    checkSigner(cp.public_key, cp.key_id, `${what} (seq ${cp.seq})`, { seq: cp.seq });
    if (!verifySignature(cp.public_key, checkpointMessage(cp), cp.signature))
      throw new Broken(`${what} (seq ${cp.seq}): its signature does not verify`, { seq: cp.seq });
  };
  /** The chain at this point must equal what the checkpoint signed. */
  const checkReaches = (cp: Checkpoint, what: string) => {
    const lastSeq = String(nextSeq - 1n);
    if (BigInt(cp.seq) > nextSeq - 1n)
      throw new Broken(
        `the chain ends at seq ${lastSeq} but the ${what} covers seq ${cp.seq}: events after seq ${lastSeq} were removed`,
        { seq: lastSeq },
      );
    if (cp.seq !== lastSeq)
      throw new Broken(
        `the ${what} for seq ${cp.seq} appears after seq ${lastSeq}: lines were inserted or moved`,
        { seq: lastSeq },
      );
    if (cp.hash !== prevHash)
      throw new Broken(
        `the chain hash at seq ${cp.seq} differs from the signed ${what}: an event at or before seq ${cp.seq} was changed, removed, inserted or reordered (and the hashes rewritten)`,
        { seq: cp.seq },
      );
  };

  const onRecord = (r: ExportRecord) => {
    if (!header) {
      if (r.type !== 'header' || r.format !== EXPORT_FORMAT)
        throw new Broken('this is not a usdt-desk audit export (no header)');
      if (r.version !== EXPORT_FORMAT_VERSION)
        throw new Broken(
          `export format version ${String(r.version)} is not supported (this verifier reads ${EXPORT_FORMAT_VERSION})`,
        );
      if (!isSeq(r.from_seq) || !isSeq(r.to_seq) || !isHex64(r.prev_hash))
        throw new Broken('the header is malformed');
      if (r.anchor) {
        checkCheckpoint(r.anchor, 'the starting checkpoint');
        if (BigInt(r.anchor.seq) + 1n !== BigInt(r.from_seq) || r.anchor.hash !== r.prev_hash)
          throw new Broken('the header does not start where its signed checkpoint ends');
      } else if (r.from_seq !== '1' || r.prev_hash !== GENESIS_HASH) {
        throw new Broken('the header starts mid-chain without a signed checkpoint');
      }
      header = r;
      prevHash = r.prev_hash;
      nextSeq = BigInt(r.from_seq);
      return;
    }
    if (trailer) throw new Broken('there is content after the trailer');
    switch (r.type) {
      case 'event':
      case 'skeleton': {
        const eventId = r.type === 'event' ? String(r.event?.id) : undefined;
        const at = { seq: String(r.seq), eventId };
        const name = `seq ${String(r.seq)}${eventId ? ` (event id ${eventId})` : ''}`;
        if (!isSeq(r.seq) || !isHex64(r.digest) || !isHex64(r.hash))
          throw new Broken(`${name} is malformed`, at);
        if (BigInt(r.seq) !== nextSeq) {
          const where = lastEventId ? `, after event id ${lastEventId}` : '';
          throw new Broken(
            BigInt(r.seq) > nextSeq
              ? `expected seq ${nextSeq} but found ${name}${where}: seq ${nextSeq}${BigInt(r.seq) - nextSeq > 1n ? `–${BigInt(r.seq) - 1n}` : ''} was removed or moved`
              : `${name} appears again or out of order (expected seq ${nextSeq}${where}): a line was inserted or moved`,
            at,
          );
        }
        if (r.type === 'event' && eventDigest(r.event) !== r.digest)
          throw new Broken(`${name} was changed: its content no longer matches its digest`, at);
        if (chainHash(prevHash, r.digest) !== r.hash)
          throw new Broken(
            `the chain breaks at ${name}: its hash does not follow from the line before (a line was removed, inserted or reordered, or a hash edited)`,
            at,
          );
        prevHash = r.hash;
        nextSeq++;
        lastEventId = eventId ?? lastEventId;
        counts[r.type === 'event' ? 'events' : 'skeletons']++;
        return;
      }
      case 'checkpoint':
        checkCheckpoint(r.checkpoint, 'checkpoint');
        checkReaches(r.checkpoint, 'checkpoint');
        counts.checkpoints++;
        return;
      case 'trailer':
        trailer = r;
        return;
      default:
        throw new Broken(`unknown record type ${JSON.stringify((r as { type?: unknown }).type)}`);
    }
  };

  try {
    // The file hash takes the bytes as read, a chunk at a time, up to the start of the trailer.
    let hashing = true;
    for await (const batch of recordBatches(input)) {
      for (let i = 0; i < batch.records.length; i++) {
        const text = batch.records[i] as string;
        lineNo++;
        if (lineNo === 1) {
          format = text === CSV_HEADER_ROW ? 'csv' : text.startsWith('{') ? 'jsonl' : undefined;
          if (!format)
            throw new Broken('this is not a usdt-desk audit export (neither its CSV nor its JSONL layout)');
          if (format === 'csv') continue;
        }
        try {
          const record = decodeRecord(format ?? 'jsonl', text);
          if (!record || typeof record !== 'object') throw new Broken('this line is not a record');
          onRecord(record);
        } catch (err) {
          // A hand-edited line can be anything: report it, never crash on it.
          if (err instanceof Broken) throw err;
          throw new Broken(
            `this line cannot be read (${(err as Error).message})${lastEventId ? `; the last good event was id ${lastEventId}` : ''}`,
          );
        }
        if (trailer && hashing) {
          fileHash.update(batch.bytes.subarray(0, i === 0 ? 0 : batch.ends[i - 1]));
          hashing = false;
        }
      }
      if (hashing) fileHash.update(batch.bytes);
    }
    if (!header) throw new Broken('the file is empty');
    if (!trailer)
      throw new Broken(`the file ends without its trailer: it was cut short after seq ${nextSeq - 1n}`, {
        seq: String(nextSeq - 1n),
      });
    try {
      finish(header, trailer);
    } catch (err) {
      if (err instanceof Broken) throw err;
      throw new Broken(`the trailer is malformed (${(err as Error).message})`);
    }
  } catch (err) {
    if (err instanceof Broken) return { ok: false, line: lineNo, ...err.at, problem: err.problem };
    throw err;
  }

  function finish(h: HeaderRecord, t: TrailerRecord) {
    if (t.checkpoint) {
      checkCheckpoint(t.checkpoint, 'the final checkpoint');
      checkReaches(t.checkpoint, 'final checkpoint');
    } else if (nextSeq !== BigInt(h.from_seq)) {
      throw new Broken('the trailer names no checkpoint, yet the file holds chained events');
    }
    if (String(nextSeq - 1n) !== h.to_seq)
      throw new Broken(
        `the header says the range ends at seq ${h.to_seq} but the chain ends at seq ${nextSeq - 1n}`,
      );
    for (const k of ['events', 'skeletons', 'checkpoints'] as const) {
      if (t[k] !== counts[k])
        throw new Broken(`the trailer counts ${t[k]} ${k} but the file holds ${counts[k]}`);
    }
    const { signature, ...unsigned } = t;
    checkSigner(t.public_key, t.key_id, 'the file signature');
    if (t.sha256 !== fileHash.digest('hex'))
      throw new Broken(
        'the file was altered outside the chain (header, checkpoints or line order): its sha256 differs from the signed one',
      );
    if (!verifySignature(t.public_key, exportMessage(canonicalJson(unsigned)), signature))
      throw new Broken('the trailer signature does not verify');
  }

  return {
    ok: true,
    summary: {
      format: format ?? 'jsonl',
      filter: header.filter,
      fromSeq: header.from_seq,
      toSeq: header.to_seq,
      ...counts,
      headHash: prevHash,
      keyIds: [...keyIds],
      sealedAt: trailer.checkpoint?.created_at ?? null,
    },
  };
}
