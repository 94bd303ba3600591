import { StringDecoder } from 'node:string_decoder';
import { canonicalJson, type ChainedEventFields, type Checkpoint } from './audit.chain.js';

/**
 * The export file, one record per line in either format:
 *   header      format version, filter, the seq range, the hash before it and the signed checkpoint it starts from
 *   event       a chained event in full, with its seq, digest and chain hash
 *   skeleton    a chained event the filter excluded: seq, digest and hash only, so the chain still recomputes
 *   checkpoint  a signed chain head inside the range (lets verify localise a rewrite)
 *   trailer     the signed checkpoint the range ends at, counts, sha256 of every line before it, and a
 *               signature over the trailer (so truncating or re-cutting the file is detected too)
 * JSONL writes each record as one JSON object. CSV has one header row and a `type` column
 * (event | skeleton | meta); meta rows (header, checkpoint, trailer) carry their record as JSON in `meta`.
 * CSV cells: a null is an empty unquoted cell, every other value is quoted, so '' and null differ.
 */

export const EXPORT_FORMAT = 'usdt-desk-audit-export';
export const EXPORT_FORMAT_VERSION = 1;

export type ExportFormatName = 'csv' | 'jsonl';

export interface HeaderRecord {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  exported_at: string;
  filter: Record<string, string>;
  from_seq: string;
  to_seq: string;
  prev_hash: string;
  /** The checkpoint at from_seq - 1 (null when the range starts at the genesis). */
  anchor: Checkpoint | null;
}
export interface EventRecord {
  type: 'event';
  seq: string;
  digest: string;
  hash: string;
  event: ChainedEventFields;
}
export interface SkeletonRecord {
  type: 'skeleton';
  seq: string;
  digest: string;
  hash: string;
}
export interface CheckpointRecord {
  type: 'checkpoint';
  checkpoint: Checkpoint;
}
export interface TrailerRecord {
  type: 'trailer';
  events: number;
  skeletons: number;
  checkpoints: number;
  /** The checkpoint at to_seq (null for an export of an empty range). */
  checkpoint: Checkpoint | null;
  /** sha256 of every line before the trailer, each with its '\n'. */
  sha256: string;
  key_id: string;
  public_key: string;
  signature: string;
}
export type ExportRecord = HeaderRecord | EventRecord | SkeletonRecord | CheckpointRecord | TrailerRecord;

export const CONTENT_TYPES: Record<ExportFormatName, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

const EVENT_COLUMNS = [
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'action',
  'entity_type',
  'entity_id',
  'request_id',
  'ip',
  'data',
] as const;
export const CSV_COLUMNS = ['type', 'seq', ...EVENT_COLUMNS, 'digest', 'hash', 'meta'] as const;
/** The first line of a CSV export. */
export const CSV_HEADER_ROW = CSV_COLUMNS.join(',');

const cell = (v: string | null | undefined) =>
  v === null || v === undefined ? '' : `"${v.replaceAll('"', '""')}"`;

export function encodeRecord(format: ExportFormatName, r: ExportRecord): string {
  if (format === 'jsonl') return JSON.stringify(r);
  const row: Record<(typeof CSV_COLUMNS)[number], string | null> = Object.fromEntries(
    CSV_COLUMNS.map((c) => [c, null]),
  ) as never;
  if (r.type === 'event') {
    Object.assign(row, { type: 'event', seq: r.seq, digest: r.digest, hash: r.hash });
    for (const c of EVENT_COLUMNS) row[c] = c === 'data' ? canonicalJson(r.event.data) : r.event[c];
  } else if (r.type === 'skeleton') {
    Object.assign(row, { type: 'skeleton', seq: r.seq, digest: r.digest, hash: r.hash });
  } else {
    Object.assign(row, { type: 'meta', meta: JSON.stringify(r) });
  }
  return CSV_COLUMNS.map((c) => cell(row[c])).join(',');
}

/** One chained event as the export fetches it: the chain columns, then the event's own. */
export interface ChainRow extends ChainedEventFields {
  seq: string;
  digest: string;
  hash: string;
}

/**
 * `encodeRecord(format, { type: 'event', … })` for a fetched row, with no column map per row (V8's
 * JSON.stringify of one small object is faster than assembling the line field by field).
 * `audit.format-fast.test.ts` holds it to encodeRecord byte for byte.
 */
export function encodeEventLine(format: ExportFormatName, r: ChainRow): string {
  if (format === 'jsonl')
    return JSON.stringify({
      type: 'event',
      seq: r.seq,
      digest: r.digest,
      hash: r.hash,
      event: {
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
      },
    });
  // One join, not a template: a flat string (a chain of concatenations costs more when hashed).
  return [
    '"event"',
    cell(r.seq),
    cell(r.id),
    cell(r.occurred_at),
    cell(r.actor_type),
    cell(r.actor_id),
    cell(r.action),
    cell(r.entity_type),
    cell(r.entity_id),
    cell(r.request_id),
    cell(r.ip),
    cell(canonicalJson(r.data)),
    cell(r.digest),
    cell(r.hash),
    '',
  ].join(',');
}

/** `encodeRecord(format, { type: 'skeleton', seq, digest, hash })`, written straight to text. */
export function encodeSkeletonLine(
  format: ExportFormatName,
  seq: string,
  digest: string,
  hash: string,
): string {
  if (format === 'jsonl') return JSON.stringify({ type: 'skeleton', seq, digest, hash });
  return `"skeleton",${cell(seq)},,,,,,,,,,,${cell(digest)},${cell(hash)},`;
}

class FormatError extends Error {}

/** Splits one CSV record into cells: null for an empty unquoted cell, the text otherwise. */
export function parseCsvRow(text: string): (string | null)[] {
  const cells: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new FormatError('unterminated quoted cell');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(value);
    } else {
      const end = text.indexOf(',', i);
      const raw = end < 0 ? text.slice(i) : text.slice(i, end);
      if (raw !== '') throw new FormatError(`unquoted cell ${JSON.stringify(raw.slice(0, 20))}`);
      cells.push(null);
      i = end < 0 ? text.length : end;
    }
    if (i >= text.length) return cells;
    if (text[i] !== ',') throw new FormatError(`unexpected ${JSON.stringify(text[i])} after a cell`);
    i++;
  }
}

const CSV_INDEX = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof CSV_COLUMNS)[number],
  number
>;

/** Reads one decoded line (JSONL) or one CSV record back into the record it encodes. */
export function decodeRecord(format: ExportFormatName, text: string): ExportRecord {
  if (format === 'jsonl') return JSON.parse(text) as ExportRecord;
  const cells = parseCsvRow(text);
  if (cells.length !== CSV_COLUMNS.length)
    throw new FormatError(`expected ${CSV_COLUMNS.length} cells, found ${cells.length}`);
  const get = (c: (typeof CSV_COLUMNS)[number]) => cells[CSV_INDEX[c]] ?? null;
  const type = get('type');
  if (type === 'meta') return JSON.parse(get('meta') ?? 'null') as ExportRecord;
  const chain = { seq: get('seq') ?? '', digest: get('digest') ?? '', hash: get('hash') ?? '' };
  if (type === 'skeleton') return { type, ...chain };
  if (type !== 'event') throw new FormatError(`unknown row type ${JSON.stringify(type)}`);
  const event: ChainedEventFields = {
    id: get('id') ?? '',
    occurred_at: get('occurred_at') ?? '',
    actor_type: get('actor_type') ?? '',
    actor_id: get('actor_id'),
    action: get('action') ?? '',
    entity_type: get('entity_type'),
    entity_id: get('entity_id'),
    request_id: get('request_id'),
    ip: get('ip'),
    data: JSON.parse(get('data') ?? 'null') as unknown,
  };
  return { type, ...chain, event };
}

/** A file stream, or (in tests) an array of chunks. */
export type ByteSource = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/**
 * Splits a byte stream at '\n' only (a '\r' stays part of the line, so the bytes hashed are the bytes
 * written), holding one line in memory at a time.
 */
export async function* splitLines(input: ByteSource): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = rest.indexOf('\n', start)) >= 0) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/** Joins physical lines into CSV records: a record continues while it has an odd number of quotes. */
export async function* csvRecords(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let pending: string | null = null;
  let quotes = 0;
  for await (const line of lines) {
    pending = pending === null ? line : `${pending}\n${line}`;
    quotes += line.split('"').length - 1;
    if (quotes % 2 === 0) {
      yield pending;
      pending = null;
      quotes = 0;
    }
  }
  if (pending !== null) yield pending;
}

/** Records read from a byte stream, with the bytes they came from. */
export interface RecordBatch {
  /** The bytes of `records`, back to back, each with its '\n' (the file's last may lack one). */
  bytes: Buffer;
  records: string[];
  /** ends[i] is the offset in `bytes` just past records[i] and its '\n'. */
  ends: number[];
}

/**
 * What `splitLines` (then `csvRecords`, when the first line is the CSV header row) yields, a batch per
 * chunk read, together with the raw bytes of those records: a caller can hash whole chunks instead of
 * line after line. Splits at the '\n' byte, so a '\r' stays part of its line.
 */
export async function* recordBatches(input: ByteSource): AsyncGenerator<RecordBatch> {
  let rest: Buffer = Buffer.alloc(0);
  let mode: 'first' | 'lines' | 'csv' = 'first';
  let scan = 0; // where the next '\n' is looked for; before it, lines of a CSV record still open
  let quotes = 0; // the quotes in the open CSV record so far
  for await (const chunk of input) {
    const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const buf = rest.length === 0 ? piece : Buffer.concat([rest, piece]);
    const records: string[] = [];
    const ends: number[] = [];
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, scan)) >= 0) {
      if (mode === 'csv') for (let i = scan; i < nl; i++) if (buf[i] === 34) quotes++;
      scan = nl + 1;
      if (quotes % 2 !== 0) continue; // a quoted cell holds this newline
      const text = buf.toString('utf8', start, nl);
      if (mode === 'first') mode = text === CSV_HEADER_ROW ? 'csv' : 'lines';
      records.push(text);
      ends.push(scan);
      start = scan;
    }
    if (records.length > 0) yield { bytes: buf.subarray(0, start), records, ends };
    rest = buf.subarray(start);
    scan -= start;
  }
  // The file's end: an unterminated line, or a CSV record left open by an odd quote (its last '\n' is
  // the line's end, not part of the record).
  if (rest.length > 0) {
    const end = rest[rest.length - 1] === 10 ? rest.length - 1 : rest.length;
    yield { bytes: rest, records: [rest.toString('utf8', 0, end)], ends: [rest.length] };
  }
}
