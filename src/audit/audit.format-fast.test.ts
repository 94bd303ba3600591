import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, eventDigest, GENESIS_HASH, sha256Hex } from './audit.chain.js';
import {
  csvRecords,
  CSV_HEADER_ROW,
  encodeEventLine,
  encodeRecord,
  encodeSkeletonLine,
  recordBatches,
  splitLines,
  type ChainRow,
} from './audit.format.js';

/**
 * The export writes rows through encodeEventLine / encodeSkeletonLine and verify reads through
 * recordBatches: each must give exactly what the general encodeRecord / splitLines + csvRecords give,
 * byte for byte, or old and new exports (and their digests) would differ.
 */

const row = (over: Partial<ChainRow> = {}): ChainRow => ({
  seq: '42',
  digest: 'd'.repeat(64),
  hash: 'e'.repeat(64),
  id: '7',
  occurred_at: '2025-01-01T00:00:00.000001Z',
  actor_type: 'operator',
  actor_id: 'op-a',
  action: 'trade.approve',
  entity_type: 'trade',
  entity_id: 'T1',
  request_id: 'req-1',
  ip: '192.0.2.7',
  data: { amount: '1000.50' },
  ...over,
});

const rows: ChainRow[] = [
  row(),
  row({ actor_id: null, entity_type: null, entity_id: null, request_id: null, ip: null, data: {} }),
  row({ actor_id: '', action: 'a,"b"', entity_id: 'x\ny', request_id: 'line1\r\nline2 "q", end' }),
  // Integer-like keys come first in JavaScript objects; numbers go through doubles; odd characters.
  row({ data: { b: 1, '10': 'ten', '2': [1, 2.5, null, true], a: { z: 'ü✓\u0001\u2028"\\', y: 1e21 } } }),
  row({ data: null }),
  row({ data: [1, 'two', { k: -0.5 }] }),
  row({ data: 'just a string' }),
];

describe('the export fast path', () => {
  it.each(['jsonl', 'csv'] as const)('writes event lines exactly as encodeRecord (%s)', (format) => {
    for (const r of rows) {
      const { seq, digest, hash, ...event } = r;
      expect(encodeEventLine(format, r)).toBe(
        encodeRecord(format, { type: 'event', seq, digest, hash, event }),
      );
    }
  });

  it.each(['jsonl', 'csv'] as const)('writes skeleton lines exactly as encodeRecord (%s)', (format) => {
    expect(encodeSkeletonLine(format, '9', 'a'.repeat(64), 'b'.repeat(64))).toBe(
      encodeRecord(format, { type: 'skeleton', seq: '9', digest: 'a'.repeat(64), hash: 'b'.repeat(64) }),
    );
  });
});

/** The digest and chain hash as first written (general canonicalJson, a Hash object per call). */
function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceCanonical(obj[k])}`).join(',')}}`;
}

describe('the chain arithmetic', () => {
  it('digests events as sha256 of their canonical JSON', () => {
    for (const r of rows) {
      const { seq: _s, digest: _d, hash: _h, ...event } = r;
      expect(eventDigest(event)).toBe(sha256Hex(referenceCanonical(event)));
      expect(canonicalJson(event)).toBe(referenceCanonical(event));
    }
    // A field missing from a hand-edited line is left out, as canonicalJson leaves out undefined.
    const { seq: _s, digest: _d, hash: _h, ip: _ip, ...partial } = row();
    expect(eventDigest(partial as ChainRow)).toBe(sha256Hex(referenceCanonical(partial)));
  });

  it('chains over the raw bytes, malformed hex included', () => {
    const d = sha256Hex('x');
    const reference = (a: string, b: string) =>
      sha256Hex(Buffer.concat([Buffer.from(a, 'hex'), Buffer.from(b, 'hex')]));
    expect(chainHash(GENESIS_HASH, d)).toBe(reference(GENESIS_HASH, d));
    expect(chainHash(d, 'zz'.repeat(32))).toBe(reference(d, 'zz'.repeat(32)));
    expect(chainHash(d.slice(0, 10), d)).toBe(reference(d.slice(0, 10), d));
    expect(chainHash(`${d.slice(0, 62)}zz`, d)).toBe(reference(`${d.slice(0, 62)}zz`, d));
  });
});

describe('reading a file in batches', () => {
  const read = async (chunks: (Buffer | string)[]) => {
    const records: string[] = [];
    const bytes: Buffer[] = [];
    for await (const b of recordBatches(chunks)) {
      records.push(...b.records);
      bytes.push(b.bytes);
      expect(b.ends.at(-1)).toBe(b.bytes.length);
    }
    return { records, bytes: Buffer.concat(bytes) };
  };
  const reference = async (text: string) => {
    const out: string[] = [];
    const lines = splitLines([text]);
    const first = await lines.next();
    if (first.done) return out;
    out.push(first.value);
    for await (const r of first.value === CSV_HEADER_ROW ? csvRecords(lines) : lines) out.push(r);
    return out;
  };

  it.each([
    ['jsonl', '{"a":1}\n{"b":"é✓"}\r\n\n{"c":3}'],
    ['csv', `${CSV_HEADER_ROW}\n"a","b\nc"\n"d"\n"e""\n\n",""\n"unterminated\n`],
    ['csv with a final line', `${CSV_HEADER_ROW}\n"a"\n"b"`],
  ])('gives the records splitLines + csvRecords give, and every byte once (%s)', async (_, text) => {
    const whole = Buffer.from(text);
    const expected = await reference(text);
    for (const size of [1, 2, 3, 7, whole.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) chunks.push(whole.subarray(i, i + size));
      const got = await read(chunks);
      expect(got.records).toEqual(expected);
      expect(got.bytes.equals(whole)).toBe(true);
    }
    expect((await read([text])).records).toEqual(expected);
  });
});
