import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAuditService, type AuditService } from '../src/audit/audit.service.js';
import type { ExportFormatName } from '../src/audit/audit.format.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool, withTransaction, type Db } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { migrateUp } from '../src/shared/migrate.js';
import type { BenchRow } from './table.js';

const WRITERS = 8;
const WRITE_SECONDS = Number(process.env.AUDIT_BENCH_WRITE_SECONDS ?? 10);
/** The chain sizes exported and verified, in order (each tops the last one up). */
const EXPORT_EVENTS = (process.env.AUDIT_BENCH_EVENTS ?? '1000000,5000000').split(',').map(Number);
const FORMATS = (process.env.AUDIT_BENCH_FORMATS ?? 'jsonl,csv').split(',') as ExportFormatName[];

const chained = async (db: Db) =>
  Number(
    (await sql<{ n: string }>`select coalesce(max(seq), 0)::text as n from audit_chain`.execute(db)).rows[0]
      ?.n ?? 0,
  );

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

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

interface ChildRun {
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  statements: number;
  roundTrips: number;
  exitCode: number;
}

/** One `desk audit …` command in a child process (bench/audit.child.ts), with what it measured of itself. */
async function deskAudit(args: string[], env: Record<string, string>): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/audit.child.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (code !== 0 || !line) throw new Error(`desk audit ${args.join(' ')} failed (${code}): ${out}`);
  const run = JSON.parse(line.slice('BENCH '.length)) as ChildRun;
  if (run.exitCode !== 0) throw new Error(`desk audit ${args.join(' ')} exited ${run.exitCode}: ${out}`);
  return run;
}

/** `desk audit export` then `desk audit verify` of the whole chain, each in a process of its own. */
async function exportAndVerify(
  env: Record<string, string>,
  dir: string,
  format: ExportFormatName,
  events: number,
): Promise<BenchRow[]> {
  const file = path.join(dir, `audit.${format}`);
  const exp = await deskAudit(['export', '--format', format, '--out', file], env);
  const size = (await fs.promises.stat(file)).size;
  const ver = await deskAudit(['verify', file], env);
  await fs.promises.rm(file);
  const rate = (r: ChildRun) =>
    `${fmt(events / r.seconds)} events/s (${r.seconds.toFixed(1)} s, ${(r.cpuSeconds / r.seconds).toFixed(2)} CPU-s/s)`;
  const rows = [
    {
      name: `audit: export ${format}, ${fmt(events)} events (${mb(size)})`,
      value: `${rate(exp)}, peak RSS ${mb(exp.maxRssBytes)}, ${exp.statements} statements + ${exp.roundTrips - exp.statements} BEGIN/COMMIT = ${exp.roundTrips} round trips`,
    },
    {
      name: `audit: verify ${format}, ${fmt(events)} events`,
      value: `${rate(ver)}, peak RSS ${mb(ver.maxRssBytes)}, no database`,
    },
  ];
  // As they come too: a run over several millions takes a while.
  for (const r of rows) process.stderr.write(`${r.name} | ${r.value}\n`);
  return rows;
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

    if (WRITE_SECONDS > 0) {
      rows.push(...(await recordThroughput(db, audit, false)));
      rows.push(...(await recordThroughput(db, audit, true)));
    }

    const env = {
      DATABASE_URL: pg.url('postgres'),
      DESK_DATA_DIR: await fs.promises.mkdtemp(path.join(dir, 'desk-')),
      AUDIT_SIGNING_KEY: key,
    };
    // The baseline: what the command costs with (almost) nothing to export.
    rows.push(...(await exportAndVerify(env, dir, 'jsonl', await chained(db))));

    for (const target of EXPORT_EVENTS) {
      // Seeded in bulk and chained by the sealer itself (neither is what this measures).
      const insert = await timed(async () => {
        for (let have = await chained(db); have < target; have += 250_000) {
          const n = Math.min(250_000, target - have);
          await sql`
            insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, request_id, ip, data)
            select 'operator', 'op-' || (g % 50), 'trade.approve', 'trade', g::text, 'req-' || g, '192.0.2.1',
                   jsonb_build_object('amount', (g * 10)::text || '.00', 'reason', 'within limits, checked twice')
            from generate_series(1, ${n}::int) g`.execute(db);
        }
      });
      const seal = await timed(() => audit.seal());
      await sql`vacuum (analyze) audit_events, audit_chain`.execute(db);
      rows.push({
        name: `audit: seal ${fmt(seal.result.chained)} events in one pass`,
        value: `${fmt(seal.result.chained / seal.seconds)} events/s (${seal.seconds.toFixed(1)} s; bulk insert ${insert.seconds.toFixed(1)} s)`,
      });
      const events = await chained(db);
      for (const format of FORMATS) rows.push(...(await exportAndVerify(env, dir, format, events)));
    }
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  return rows;
}
