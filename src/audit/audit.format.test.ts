import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH, sha256Hex } from './audit.chain.js';
import {
  csvRecords,
  decodeRecord,
  encodeRecord,
  parseCsvRow,
  splitLines,
  type EventRecord,
} from './audit.format.js';

const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('canonicalJson', () => {
  it.each([
    [
      { b: 1, a: { d: [3, { z: null, y: 'x' }], c: true } },
      '{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1}',
    ],
    [{ a: undefined, b: 'é"\n' }, '{"b":"é\\"\\n"}'],
    [[], '[]'],
    ['1000.50', '"1000.50"'],
    [1.5, '1.5'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('chainHash', () => {
  it('hashes the raw bytes of prev ‖ digest', () => {
    const digest = sha256Hex('x');
    expect(chainHash(GENESIS_HASH, digest)).toBe(
      sha256Hex(Buffer.concat([Buffer.alloc(32), Buffer.from(digest, 'hex')])),
    );
  });
});

describe('CSV cells', () => {
  it.each([
    ['"a",,"",""""', ['a', null, '', '"']],
    ['"x, y","line\nbreak","cr\r\nlf"', ['x, y', 'line\nbreak', 'cr\r\nlf']],
    [',', [null, null]],
    ['"é ✓"', ['é ✓']],
  ])('%j', (row, cells) => {
    expect(parseCsvRow(row)).toEqual(cells);
  });

  it.each(['a,"b"', '"a"b', '"unterminated'])('rejects %j', (row) => {
    expect(() => parseCsvRow(row)).toThrow();
  });

  it('round-trips an event record with awkward values', () => {
    const record: EventRecord = {
      type: 'event',
      seq: '7',
      digest: 'd'.repeat(64),
      hash: 'h'.repeat(64),
      event: {
        id: '3',
        occurred_at: '2025-01-01T00:00:00.000001Z',
        actor_type: 'client',
        actor_id: '',
        action: 'a,"b"',
        entity_type: null,
        entity_id: 'x\ny',
        request_id: null,
        ip: '::1',
        data: { k: [1, 'two'] },
      },
    };
    expect(decodeRecord('csv', encodeRecord('csv', record))).toEqual(record);
    expect(decodeRecord('jsonl', encodeRecord('jsonl', record))).toEqual(record);
  });
});

describe('reading a file', () => {
  it('splits at \\n only, across chunk boundaries and inside multi-byte characters', async () => {
    const bytes = Buffer.from('a\r\nbé\n\nc✓');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(await collect(splitLines(chunks))).toEqual(['a\r', 'bé', '', 'c✓']);
  });

  it('joins the physical lines of a CSV record that has a quoted newline', async () => {
    expect(await collect(csvRecords(splitLines(['"a","b\nc"\n"d"\n'])))).toEqual(['"a","b\nc"', '"d"']);
  });
});
