import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { createAuditService, type AuditService } from '../src/audit/audit.service.js';
import { verifyExport } from '../src/audit/audit.verify.js';
import type { ExportFormatName } from '../src/audit/audit.format.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, withTransaction, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { migrateUp } from '../src/shared/migrate.js';
import type { BenchRow } from './table.js';

const WRITERS = 8;
const WRITE_SECONDS = Number(process.env.AUDIT_BENCH_WRITE_SECONDS ?? 10);
const EXPORT_EVENTS = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000);

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** Samples this process's RSS while `fn` runs; returns the peak. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peak: number; before: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await fn();
    return { result, peak: Math.max(peak, process.memoryUsage().rss), before };
  } finally {
    clearInterval(timer);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/** 8 writers, one event per transaction, with or without a sealer looping beside them. */
async function recordThroughput(db: Db, audit: AuditService, withSealer: boolean): Promise<BenchRow[]> {
  let running = withSealer;
  let seals = 0;
  let sealed = 0;
  const sealer = (async () => {
    while (running) {
      sealed += (await audit.seal()).chained;
      seals++;
    }
  })();
  const deadline = performance.now() + WRITE_SECONDS * 1000;
  let recorded = 0;
  const writer = async (w: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      await withTransaction(db, (tx) =>
        audit.record(tx, {
          actorType: 'operator',
          actorId: `bench-${w}`,
          action: 'bench.write',
          entityType: 'trade',
          entityId: `${w}-${i}`,
          data: { amount: '1000.00', i },
        }),
      );
      recorded++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await sealer;
  const rest = await audit.seal();
  const rate = {
    name: `audit: events recorded/s (${WRITERS} writers, 1 event per transaction${withSealer ? ', sealer looping' : ', no sealer'})`,
    value: `${fmt(recorded / seconds)} /s (${fmt(recorded)} in ${seconds.toFixed(1)} s)`,
  };
  if (!withSealer) return [rate];
  return [
    rate,
    {
      name: 'audit: sealed while writing',
      value: `${fmt(sealed)} of ${fmt(recorded)} in ${seals} seals (${fmt(rest.chained)} left for the final seal)`,
    },
  ];
}

async function exportAndVerify(
  audit: AuditService,
  dir: string,
  format: ExportFormatName,
): Promise<BenchRow[]> {
  const file = path.join(dir, `audit.${format}`);
  const exp = await peakRss(() =>
    timed(async () => {
      const exported = await audit.export(format, {}, { actorType: 'cli', actorId: 'bench' });
      await pipeline(Readable.from(exported.chunks, { objectMode: false }), fs.createWriteStream(file));
    }),
  );
  const size = (await fs.promises.stat(file)).size;
  const ver = await peakRss(() => timed(() => verifyExport(fs.createReadStream(file))));
  if (!ver.result.result.ok) throw new Error(`bench export does not verify: ${ver.result.result.problem}`);
  const events = ver.result.result.summary.events;
  await fs.promises.rm(file);
  return [
    {
      name: `audit: export ${format}, ${fmt(events)} events`,
      value: `${fmt(events / exp.result.seconds)} events/s (${exp.result.seconds.toFixed(1)} s, ${mb(size)})`,
    },
    { name: `audit: export ${format}, peak RSS`, value: `${mb(exp.peak)} (${mb(exp.before)} before)` },
    {
      name: `audit: verify ${format}`,
      value: `${fmt(events / ver.result.seconds)} events/s, peak RSS ${mb(ver.peak)}`,
    },
  ];
}

export async function benchAudit(): Promise<BenchRow[]> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'desk-bench-audit-'));
  await fs.promises.chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: dir, fast: true });
  const pool = createPool(pg.url('postgres'), WRITERS + 4);
  const db = createDb(pool);
  const rows: BenchRow[] = [];
  try {
    await migrateUp(db);
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const audit = createAuditService({ db, clock: systemClock, signingKeyPem: key });

    rows.push(...(await recordThroughput(db, audit, false)));
    rows.push(...(await recordThroughput(db, audit, true)));

    const insert = await timed(async () => {
      for (let done = 0; done < EXPORT_EVENTS; done += 250_000) {
        const n = Math.min(250_000, EXPORT_EVENTS - done);
        await sql`
          insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, request_id, ip, data)
          select 'operator', 'op-' || (g % 50), 'trade.approve', 'trade', g::text, 'req-' || g, '192.0.2.1',
                 jsonb_build_object('amount', (g * 10)::text || '.00', 'reason', 'within limits, checked twice')
          from generate_series(1, ${n}::int) g`.execute(db);
      }
    });
    const seal = await timed(() => audit.seal());
    rows.push({
      name: `audit: seal ${fmt(seal.result.chained)} events in one pass`,
      value: `${fmt(seal.result.chained / seal.seconds)} events/s (${seal.seconds.toFixed(1)} s; bulk insert ${insert.seconds.toFixed(1)} s)`,
    });

    rows.push(...(await exportAndVerify(audit, dir, 'jsonl')));
    rows.push(...(await exportAndVerify(audit, dir, 'csv')));
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  return rows;
}
