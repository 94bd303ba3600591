import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditService } from '../src/audit/audit.service.js';
import { createDb, createPool, withTransaction, type Db } from '../src/shared/db.js';
import { ledger } from '../src/wallets/ledger.js';
import { runDeskCli } from './support/cli.js';
import { createEmptyDatabase } from './support/db.js';
import { freePort, postgresPid, spawnDesk, waitForReady, type DeskProcess } from './support/process.js';

const audit = createAuditService();

/** One acknowledged write: a balanced ledger entry and its audit event, committed together. */
async function write(db: Db, i: number): Promise<void> {
  await withTransaction(db, async (tx) => {
    await ledger.post(tx, {
      key: `backup-test-${i}`,
      kind: 'fund',
      memo: `write ${i}`,
      at: new Date(),
      postings: [
        { accountId: 'client:backup-test', amount: BigInt(i + 1) * 1_000_000n },
        { accountId: 'equity:backup-test', amount: -BigInt(i + 1) * 1_000_000n },
      ],
    });
    await audit.record(tx, {
      actorType: 'cli',
      actorId: 'backup-test',
      action: 'test.write',
      entityId: String(i),
    });
  });
}

async function entryKeys(url: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const r = await client.query<{ key: string }>(
    `select key from ledger_entries where key like 'backup-test-%'`,
  );
  await client.end();
  return new Set(r.rows.map((row) => row.key));
}

async function embeddedUrl(dataDir: string): Promise<string> {
  const pid = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  const password = await fs.readFile(path.join(dataDir, 'pg-password'), 'utf8');
  return `postgres://desk:${password}@127.0.0.1:${pid.split('\n')[3]}/postgres`;
}

/**
 * `desk db backup` while a desk runs and writes go on, then `desk db restore` into a fresh embedded
 * data folder and into a second PostgreSQL server, a desk started on each restore, and the refusals:
 * a changed byte in the dump, a non-empty target, a changed audit row, no pg_dump, an old pg_dump.
 */
describe('desk db backup → restore → verify', () => {
  const dirs: string[] = [];
  const desks: DeskProcess[] = [];
  const drops: (() => Promise<void>)[] = [];
  let source: string;
  let scratch: string;
  let pool: pg.Pool;
  let db: Db;
  const mkdir = async (name: string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), name));
    await fs.chmod(dir, 0o755);
    dirs.push(dir);
    return dir;
  };
  const startDesk = async (env: Record<string, string>) => {
    const port = await freePort();
    const desk = spawnDesk(['src/main/start.ts'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      TELEGRAM_MODE: 'off',
      ...env,
    });
    desks.push(desk);
    await waitForReady(`http://127.0.0.1:${port}/ready`, desk, 120_000);
    return desk;
  };

  beforeAll(async () => {
    source = await mkdir('desk-backup-src-');
    scratch = await mkdir('desk-backup-out-');
    await startDesk({ DESK_DATA_DIR: source });
    pool = createPool(await embeddedUrl(source), 4);
    db = createDb(pool);
    await withTransaction(db, async (tx) => {
      await ledger.ensureAccount(tx, {
        id: 'client:backup-test',
        kind: 'client',
        name: 'backup test client',
      });
      await ledger.ensureAccount(tx, {
        id: 'equity:backup-test',
        kind: 'equity',
        name: 'backup test equity',
      });
    });
  }, 180_000);
  afterAll(async () => {
    await db?.destroy();
    for (const desk of desks.reverse()) {
      desk.child.kill('SIGTERM');
      await desk.exited;
    }
    for (const drop of drops) await drop();
    for (const dir of dirs) {
      const pid = postgresPid(dir);
      if (pid) process.kill(pid, 'SIGINT');
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  let dump: string;
  const acknowledged: string[] = [];

  it('backs up while writes run: one snapshot, a manifest that describes it', async () => {
    for (let i = 0; i < 20; i++) {
      await write(db, i);
      acknowledged.push(`backup-test-${i}`);
    }
    const sealed = await runDeskCli(['audit', 'seal'], { DESK_DATA_DIR: source });
    expect(sealed.code).toBe(0);
    // Writes keep going while the dump runs (bounded: at most 1000, stopped once the backup is done).
    let running = true;
    const writer = (async () => {
      for (let i = 20; running && i < 1020; i++) {
        await write(db, i);
        acknowledged.push(`backup-test-${i}`);
      }
    })();
    while (acknowledged.length < 30) await new Promise((r) => setTimeout(r, 20));
    const before = [...acknowledged];
    dump = path.join(scratch, 'desk.dump');
    const backup = await runDeskCli(['db', 'backup', '--out', dump, '--json'], { DESK_DATA_DIR: source });
    const during = acknowledged.length - before.length;
    running = false;
    await writer;
    acknowledged.splice(0, acknowledged.length, ...before);
    expect(during).toBeGreaterThan(0); // the dump really ran alongside writes
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toContain('desk: dumping public.ledger_entries');
    const manifest = JSON.parse(backup.stdout) as {
      sha256: string;
      lastMigration: string;
      server: { major: number };
      audit: { head: { seq: string; hash: string }; checkpoint: { seq: string; keyId: string } | null };
      rowCounts: Record<string, number>;
    };
    expect(manifest.server.major).toBe(15);
    expect(manifest.lastMigration).toMatch(/^\d{4}_/);
    expect(Number(manifest.audit.head.seq)).toBeGreaterThanOrEqual(20);
    expect(manifest.audit.checkpoint?.seq).toBe(manifest.audit.head.seq);
    expect(manifest.rowCounts.ledger_entries).toBeGreaterThanOrEqual(acknowledged.length);
    expect(JSON.parse(await fs.readFile(`${dump}.manifest.json`, 'utf8'))).toEqual(manifest);
    expect((await fs.readdir(scratch)).sort()).toEqual(['desk.dump', 'desk.dump.manifest.json']);
  }, 300_000);

  it('restores into a fresh embedded data folder and a desk starts on it with every acknowledged write', async () => {
    const target = await mkdir('desk-backup-restored-');
    const restored = await runDeskCli(['db', 'restore', dump, '--data-dir', target], {
      DESK_DATA_DIR: target,
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/ok {4}audit head/);
    expect(restored.stdout).toMatch(/ok {4}row counts/);
    expect(restored.stdout).toContain(`OK restored ${dump}`);
    await startDesk({ DESK_DATA_DIR: target });
    const keys = await entryKeys(await embeddedUrl(target));
    expect(acknowledged.filter((k) => !keys.has(k))).toEqual([]);

    const again = await runDeskCli(['db', 'restore', dump, '--data-dir', target], { DESK_DATA_DIR: target });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^desk: .* is not empty \(\d+ relations\): .*--force/);
  }, 300_000);

  it('restores into a second PostgreSQL server, a desk starts on it, and a changed audit row is caught', async () => {
    const second = await createEmptyDatabase();
    drops.push(second.drop);
    const restored = await runDeskCli(['db', 'restore', dump, '--database-url', second.url], {
      DESK_DATA_DIR: await mkdir('desk-backup-cli-'),
    });
    expect(restored.code, restored.stderr).toBe(0);
    await startDesk({ DATABASE_URL: second.url, DESK_DATA_DIR: await mkdir('desk-backup-second-') });
    const keys = await entryKeys(second.url);
    expect(acknowledged.filter((k) => !keys.has(k))).toEqual([]);

    const env = { DATABASE_URL: second.url, DESK_DATA_DIR: await mkdir('desk-backup-verify-') };
    const clean = await runDeskCli(['db', 'verify'], env);
    expect(clean.code, clean.stdout).toBe(0);
    // Someone with superuser rights edits a chained event behind the triggers' back.
    const client = new pg.Client({ connectionString: second.url });
    await client.connect();
    await client.query(`set session_replication_role = replica`);
    await client.query(
      `update audit_events set data = '{"edited":true}' where id = (select event_id from audit_chain where seq = 3)`,
    );
    await client.end();
    const tampered = await runDeskCli(['db', 'verify'], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(
      /FAIL {2}audit chain: seq 3 \(event \d+\): the event's content does not match its digest/,
    );
  }, 300_000);

  it('refuses a dump with one changed byte before touching the target', async () => {
    const changed = path.join(scratch, 'changed.dump');
    const bytes = await fs.readFile(dump);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await fs.writeFile(changed, bytes);
    await fs.copyFile(`${dump}.manifest.json`, `${changed}.manifest.json`);
    const target = await createEmptyDatabase();
    drops.push(target.drop);
    const r = await runDeskCli(['db', 'restore', changed, '--database-url', target.url], {
      DESK_DATA_DIR: await mkdir('desk-backup-cli-'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('does not match its manifest');
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const tables = await client.query(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
    await client.end();
    expect(tables.rows[0]).toEqual({ n: 0 });
  }, 120_000);

  it('no pg_dump, or one older than the server: one line, and nothing under the final name', async () => {
    const env = { DESK_DATA_DIR: source };
    const empty = await mkdir('desk-backup-nopath-');
    const out = path.join(scratch, 'never.dump');
    const missing = await runDeskCli(['db', 'backup', '--out', out], { ...env, PATH: empty });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      "desk: pg_dump not found on PATH: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)",
    );
    const old = await mkdir('desk-backup-oldpg-');
    await fs.writeFile(path.join(old, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.11"\n', {
      mode: 0o755,
    });
    const mismatch = await runDeskCli(['db', 'backup', '--out', out], {
      ...env,
      PATH: `${old}:${process.env.PATH ?? ''}`,
    });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr.trim().split('\n').at(-1)).toMatch(
      /^desk: pg_dump \(PostgreSQL\) 14\.11 cannot dump PostgreSQL 15/,
    );
    expect(
      (await fs.readdir(scratch)).filter((f) => f.startsWith('never') || f.startsWith('.never')),
    ).toEqual([]);
  }, 120_000);
});
