import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { exportText, sealAll, verifyText } from '../../test/support/audit.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { chainHash, eventDigest, GENESIS_HASH } from './audit.chain.js';
import {
  csvRecords,
  CSV_HEADER_ROW,
  decodeRecord,
  splitLines,
  encodeRecord,
  type ExportFormatName,
  type ExportRecord,
} from './audit.format.js';
import { createAuditService, type AuditService } from './audit.service.js';

type Lines = string[];
const join = (ls: Lines) => `${ls.join('\n')}\n`;
const indexOfLine = (ls: Lines, needle: string) => {
  const i = ls.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i;
};
/** The file's records (a CSV record may span physical lines); `join` puts them back byte for byte. */
async function lines(text: string): Promise<Lines> {
  const out: Lines = [];
  for await (const r of text.startsWith(CSV_HEADER_ROW) ? csvRecords(splitLines([text])) : splitLines([text]))
    out.push(r);
  return out;
}
const failure = async (text: string) => {
  const r = await verifyText(text);
  if (r.ok) throw new Error('verify accepted a tampered file');
  return r;
};

/** Events on three days, sealed day by day so the chain has a checkpoint between days. */
async function seed(t: TestDatabase, audit: AuditService) {
  const day = async (
    date: string,
    events: { action: string; actor: string; entity: string; extra?: Record<string, unknown> }[],
  ) => {
    for (const [i, e] of events.entries()) {
      await sql`insert into audit_events (occurred_at, actor_type, actor_id, action, entity_type, entity_id, request_id, ip, data)
        values (${`${date}T0${i}:00:00.123456Z`}::timestamptz, 'operator', ${e.actor}, ${e.action}, 'trade', ${e.entity}, ${`req-${e.entity}`}, '192.0.2.7',
        ${JSON.stringify({ amount: '1000.50', ...e.extra })}::jsonb)`.execute(t.db);
    }
    await sealAll(t.db, audit);
  };
  await day('2025-01-01', [
    { action: 'trade.create', actor: 'op-a', entity: 'T1' },
    { action: 'trade.create', actor: 'op-b', entity: 'T2' },
    { action: 'trade.approve', actor: 'op-b', entity: 'T1' },
  ]);
  await day('2025-01-02', [
    {
      action: 'trade.create',
      actor: 'op-a',
      entity: 'T3',
      extra: { note: 'quote "firm", then\nnew line; ünïcødé ✓', empty: '' },
    },
    { action: 'trade.approve', actor: 'op-a', entity: 'T2' },
    { action: 'trade.approve', actor: 'op-b', entity: 'T3' },
    {
      action: 'client.update',
      actor: 'op-c',
      entity: 'T4',
      extra: { nested: { b: [1, 2.5, null, true], a: 'x' } },
    },
  ]);
  await day('2025-01-03', [
    { action: 'trade.create', actor: 'op-c', entity: 'T5' },
    { action: 'trade.approve', actor: 'op-a', entity: 'T5' },
  ]);
  // Null and empty string must stay distinct through CSV.
  await sql`insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, request_id, ip) values ('system', '', 'system.tick', null, null, ${'line1\r\nline2 "q", end'}, null)`.execute(
    t.db,
  );
  await sealAll(t.db, audit);
}

/** Rewrites one record (found by a substring of its line) in either format. */
function editRecord(
  format: ExportFormatName,
  ls: Lines,
  needle: string,
  edit: (r: ExportRecord) => ExportRecord,
): Lines {
  const i = indexOfLine(ls, needle);
  const out = [...ls];
  out[i] = encodeRecord(format, edit(decodeRecord(format, ls[i] ?? '')));
  return out;
}

describe.each(['jsonl', 'csv'] as const)('export and verify (%s)', (format) => {
  let t: TestDatabase;
  let audit: AuditService;
  let full: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    audit = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
    });
    await seed(t, audit);
    full = await exportText(audit, format);
  });
  afterAll(() => t.drop());

  it('accepts an intact export and summarises it', async () => {
    if (format === 'csv') expect(full.startsWith(`${CSV_HEADER_ROW}\n`)).toBe(true);
    const r = await verifyText(full);
    expect(r).toMatchObject({ ok: true, summary: { format, fromSeq: '1', skeletons: 0 } });
    if (!r.ok) return;
    expect(r.summary.events).toBeGreaterThanOrEqual(10);
    expect(r.summary.checkpoints).toBeGreaterThanOrEqual(3);
    expect(r.summary.keyIds).toEqual([audit.keyId]);
    expect((await verifyText(full, { trustedKeyIds: ['0000000000000000'] })).ok).toBe(false);
  });

  it('keeps every field exactly, null distinct from empty', async () => {
    const records = (await lines(full))
      .filter((l) => l !== CSV_HEADER_ROW)
      .map((l) => decodeRecord(format, l));
    const events = records.flatMap((r) => (r.type === 'event' ? [r.event] : []));
    expect(events.find((e) => e.entity_id === 'T3' && e.action === 'trade.create')?.data).toEqual({
      amount: '1000.50',
      note: 'quote "firm", then\nnew line; ünïcødé ✓',
      empty: '',
    });
    expect(events.find((e) => e.action === 'system.tick')).toMatchObject({
      actor_id: '',
      entity_id: null,
      ip: null,
      request_id: 'line1\r\nline2 "q", end',
    });
    expect(events[0]?.occurred_at).toBe('2025-01-01T00:00:00.123456Z');
  });

  it('detects a changed field and names the event', async () => {
    const ls = await lines(full);
    const i = indexOfLine(ls, 'req-T2');
    const tampered = [...ls];
    tampered[i] = (ls[i] ?? '').replace('op-b', 'op-z');
    const r = await failure(join(tampered));
    expect(r.problem).toMatch(/was changed/);
    expect(r.eventId).toBeDefined();
    expect(r.seq).toBe('2');
  });

  it('detects a removed line', async () => {
    const ls = await lines(full);
    const i = indexOfLine(ls, 'req-T4');
    const r = await failure(join(ls.filter((_, j) => j !== i)));
    expect(r.problem).toMatch(/removed/);
  });

  it('detects an inserted (duplicated) line', async () => {
    const ls = await lines(full);
    const i = indexOfLine(ls, 'req-T5');
    const r = await failure(join([...ls.slice(0, i + 1), ls[i] ?? '', ...ls.slice(i + 1)]));
    expect(r.problem).toMatch(/inserted|out of order/);
  });

  it('detects a forged event inserted with a consistent digest and hash', async () => {
    const ls = await lines(full);
    const i = indexOfLine(ls, 'req-T1');
    const prev = decodeRecord(format, ls[i] ?? '');
    if (prev.type !== 'event') throw new Error('expected an event');
    const forgedEvent = { ...prev.event, id: '999', action: 'trade.cancel' };
    const digest = eventDigest(forgedEvent);
    const forged = encodeRecord(format, {
      type: 'event',
      seq: String(Number(prev.seq) + 1),
      digest,
      hash: chainHash(prev.hash, digest),
      event: forgedEvent,
    });
    const r = await failure(join([...ls.slice(0, i + 1), forged, ...ls.slice(i + 1)]));
    expect(r.problem).toMatch(/inserted|out of order/);
  });

  it('detects two swapped lines', async () => {
    const ls = await lines(full);
    const i = indexOfLine(ls, 'req-T2');
    const swapped = [...ls];
    [swapped[i], swapped[i + 1]] = [ls[i + 1] ?? '', ls[i] ?? ''];
    const r = await failure(join(swapped));
    expect(r.problem).toMatch(/removed or moved|out of order/);
  });

  it('detects a chain rewritten after an edit at the next signed checkpoint', async () => {
    let ls = await lines(full);
    let prevHash = GENESIS_HASH; // this export starts at seq 1
    let editing = false;
    ls = ls.map((l) => {
      if (l === CSV_HEADER_ROW) return l;
      const r = decodeRecord(format, l);
      if (r.type !== 'event' && r.type !== 'skeleton') return l;
      if (r.type === 'event' && r.event.entity_id === 'T1' && r.event.action === 'trade.create') {
        editing = true;
        r.event = { ...r.event, data: { amount: '9999999.00' } };
      }
      if (editing) {
        if (r.type === 'event') r.digest = eventDigest(r.event);
        r.hash = chainHash(prevHash, r.digest);
      }
      prevHash = r.hash;
      return encodeRecord(format, r);
    });
    const r = await failure(join(ls));
    expect(r.problem).toMatch(/differs from the signed checkpoint/);
  });

  it('detects a tampered checkpoint signature', async () => {
    const ls = await lines(full);
    const trailer = editRecord(format, ls, 'trailer', (r) =>
      r.type === 'trailer' && r.checkpoint
        ? { ...r, checkpoint: { ...r.checkpoint, signature: Buffer.alloc(64, 1).toString('base64') } }
        : r,
    );
    expect((await failure(join(trailer))).problem).toMatch(/final checkpoint .*signature does not verify/);
    const inner = editRecord(format, ls, '"checkpoint"', (r) =>
      r.type === 'checkpoint'
        ? { ...r, checkpoint: { ...r.checkpoint, seq: String(Number(r.checkpoint.seq) + 1) } }
        : r,
    );
    expect((await failure(join(inner))).problem).toMatch(/signature does not verify/);
  });

  it('detects a file cut short, an edited header and content after the trailer', async () => {
    const ls = await lines(full);
    expect((await failure(join(ls.slice(0, -1)))).problem).toMatch(/without its trailer/);
    const header = editRecord(format, ls, '"header"', (r) =>
      r.type === 'header' ? { ...r, filter: { action: 'trade.approve' } } : r,
    );
    expect((await failure(join(header))).problem).toMatch(/sha256 differs/);
    expect((await failure(join([...ls, ls[1] ?? '']))).problem).toMatch(/after the trailer/);
    expect((await failure('')).problem).toMatch(/empty/);
    expect((await failure('hello\n')).problem).toMatch(/not a usdt-desk audit export/);
  });

  it('verifies a filtered export, which carries skeletons for the events filtered out', async () => {
    const text = await exportText(audit, format, { action: 'trade.approve', actor: 'op-a' });
    const r = await verifyText(text);
    expect(r).toMatchObject({
      ok: true,
      summary: { events: 2, filter: { action: 'trade.approve', actor: 'op-a' } },
    });
    if (r.ok) expect(r.summary.skeletons).toBeGreaterThanOrEqual(8);
    const ls = await lines(text);
    const skeleton = ls.findIndex((l) => l.includes('skeleton'));
    expect((await failure(join(ls.filter((_, j) => j !== skeleton)))).problem).toMatch(/removed/);
    const event = indexOfLine(ls, 'req-T2');
    expect((await failure(join(ls.filter((_, j) => j !== event)))).problem).toMatch(/removed/);
  });

  it('cuts a time range at signed checkpoints on both ends', async () => {
    const text = await exportText(audit, format, {
      from: new Date('2025-01-02T00:00:00Z'),
      to: new Date('2025-01-02T02:00:00Z'),
    });
    const r = await verifyText(text);
    expect(r).toMatchObject({ ok: true, summary: { fromSeq: '4', events: 2 } });
    // Day 2 is seq 4–7 and ends with a checkpoint; a seal held back mid-day may have added one earlier.
    if (r.ok) expect(Number(r.summary.toSeq) - 5).toBe(r.summary.skeletons);
    if (r.ok) expect(Number(r.summary.toSeq)).toBeLessThanOrEqual(7);
    const header = decodeRecord(format, (await lines(text)).find((l) => l.includes('"header"')) ?? '');
    expect(header).toMatchObject({ type: 'header', anchor: { seq: '3' } });
  });
});
