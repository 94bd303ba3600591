import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { runDeskCli } from './support/cli.js';
import { createEmptyDatabase } from './support/db.js';
import { childEnv, postgresPid } from './support/process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const NAMES = Object.keys(migrations);

/** `desk migrate status|up` and `npm run migrate:dev` as a person runs them: real processes, real exit codes. */
describe('desk migrate on a fresh data folder (embedded PostgreSQL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-migrate-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    const pid = postgresPid(dataDir);
    if (pid) process.kill(pid, 'SIGINT');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('status lists every migration pending, up applies them in order, then status says up to date', async () => {
    const env = { DESK_DATA_DIR: dataDir };
    const before = await runDeskCli(['migrate', 'status'], env);
    expect(before).toMatchObject({ code: 0, stderr: '' });
    const lines = before.stdout.trim().split('\n');
    expect(lines.slice(0, -1)).toEqual(NAMES.map((n) => `pending  ${n}`));
    expect(lines.at(-1)).toBe(`${NAMES.length} pending: run \`desk migrate up\``);

    const up = await runDeskCli(['migrate', 'up'], env);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    expect(up.stdout.trim()).toBe(`applied: ${NAMES.join(', ')}`);

    const after = await runDeskCli(['migrate', 'status', '--json'], env);
    expect(after.code).toBe(0);
    const status = JSON.parse(after.stdout) as { name: string; appliedAt: string | null }[];
    expect(status.map((m) => m.name)).toEqual(NAMES);
    expect(status.every((m) => m.appliedAt !== null)).toBe(true);
    expect((await runDeskCli(['migrate', 'status'], env)).stdout.trim().split('\n').at(-1)).toBe(
      'up to date',
    );
    expect((await runDeskCli(['migrate', 'up'], env)).stdout.trim()).toBe('already up to date');
    expect(postgresPid(dataDir)).toBeUndefined(); // each command stopped the server it started
  }, 180_000);
});

describe('desk migrate against DATABASE_URL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-migrate-ext-'));
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('`npm run migrate:dev` applies every migration to the configured database', async () => {
    const empty = await createEmptyDatabase();
    try {
      const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('npm', ['run', '--silent', 'migrate:dev'], {
          cwd: ROOT,
          env: childEnv({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            DATABASE_URL: empty.url,
            DESK_DATA_DIR: dataDir,
          }),
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
      expect(run.code).toBe(0);
      expect(run.out).toContain(`applied: ${NAMES.join(', ')}`);
      await expect(fs.stat(path.join(dataDir, 'pg'))).rejects.toThrow(); // no embedded server with DATABASE_URL
    } finally {
      await empty.drop();
    }
  }, 60_000);

  it('a failing migration exits non-zero with one line naming it; the ones before it stay applied', async () => {
    const empty = await createEmptyDatabase();
    try {
      // Something in the way of 0002_operators: 0001 applies, 0002 fails.
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      await client.query('create table operators (id int)');
      await client.end();

      const env = { DATABASE_URL: empty.url, DESK_DATA_DIR: dataDir };
      const up = await runDeskCli(['migrate', 'up'], env);
      expect(up.code).toBe(1);
      expect(up.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^usdt-desk: migration 0002_operators failed: relation "operators" already exists$/,
        ),
      ]);

      const status = await runDeskCli(['migrate', 'status'], env);
      const lines = status.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^applied {2}0001_audit {2}\d{4}-/); // committed in its own transaction
      expect(lines[1]).toBe('pending  0002_operators');
    } finally {
      await empty.drop();
    }
  }, 60_000);
});
