import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrailAt } from './support/audit.js';
import {
  freePort,
  postgresPid,
  runDeskCommand,
  spawnDesk,
  stderrLines,
  waitForReady,
} from './support/process.js';

/** `npm start` as a user runs it: a real process, its own embedded PostgreSQL, real signals. */
describe('desk process lifecycle', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-life-'));
    await fs.chmod(dataDir, 0o755);
    const port = await freePort();
    env = { DESK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    const pid = postgresPid(dataDir);
    if (pid) process.kill(pid, 'SIGINT');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const pgUrl = async () => {
    const pid = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
    const password = await fs.readFile(path.join(dataDir, 'pg-password'), 'utf8');
    return `postgres://desk:${password}@127.0.0.1:${pid.split('\n')[3]}/postgres`;
  };

  it('starts with an embedded PostgreSQL, becomes ready, and shuts down cleanly on SIGTERM', async () => {
    const desk = spawnDesk(['src/main/start.ts'], env);
    await waitForReady(`${base}/ready`, desk);
    const ready = (await (await fetch(`${base}/ready`)).json()) as {
      checks: Record<string, { ok: boolean }>;
    };
    expect(ready.checks).toMatchObject({
      database: { ok: true },
      migrations: { ok: true },
      worker: { ok: true },
    });
    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();

    // First start with no operator: a one-time setup URL, usable from a script through POST /api/setup.
    const token = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(desk.output())?.[1];
    expect(token).toBeDefined();
    const setup = await fetch(`${base}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        email: 'first@desk.test',
        name: 'First Admin',
        password: 'a long enough password',
      }),
    });
    expect(setup.status).toBe(201);

    // A row written now must survive the restart below.
    const client = new pg.Client({ connectionString: await pgUrl() });
    await client.connect();
    await client.query(`insert into audit_events (actor_type, action) values ('system', 'test.marker')`);
    await client.end();

    // A desk subcommand while the desk runs connects to its PostgreSQL instead of starting another.
    const status = await runDeskCommand(['migrate', 'status', '--json'], env);
    expect(status.code).toBe(0);
    expect(postgresPid(dataDir)).toBe(pid);

    desk.child.kill('SIGTERM');
    expect(await desk.exited).toBe(0);
    expect(postgresPid(dataDir)).toBeUndefined();
    expect(desk.output()).not.toMatch(/unexpected failure/);
  });

  it('a second start reuses the data, and Ctrl-C (SIGINT) stops it cleanly', async () => {
    const desk = spawnDesk(['src/main/start.ts'], env);
    await waitForReady(`${base}/ready`, desk);
    expect(desk.output()).not.toContain('migrations applied');
    expect(desk.output()).not.toContain('/setup?token='); // an operator exists now
    expect(await auditTrailAt(await pgUrl(), { action: 'test.marker' })).toHaveLength(1);
    desk.child.kill('SIGINT');
    expect(await desk.exited).toBe(0);
    expect(postgresPid(dataDir)).toBeUndefined();
  });

  it('a desk subcommand with no desk running starts the database briefly and stops it', async () => {
    const res = await runDeskCommand(['migrate', 'status'], env);
    expect(res.code).toBe(0);
    expect(res.output).toContain('up to date');
    expect(postgresPid(dataDir)).toBeUndefined();
  });

  // Each refusal: a non-zero exit and exactly one line on stderr saying what to do (no stack trace).
  const expectOneLine = (proc: { stderr: () => string }, pattern: RegExp) => {
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(pattern)]);
  };

  it('refuses a port already in use with one line saying what to do', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    const desk = spawnDesk(['src/main/start.ts'], { ...env, PORT: String(port) });
    const code = await desk.exited;
    blocker.close();
    expect(code).not.toBe(0);
    expect(desk.output()).toMatch(/usdt-desk: port \d+ on 127\.0\.0\.1 is already in use: .*PORT/);
    expect(desk.output().trim().split('\n')).toHaveLength(1);
    expectOneLine(desk, /^usdt-desk: port \d+ on 127\.0\.0\.1 is already in use: .*PORT/);
  });

  it('refuses a data folder it cannot write, in one line', async () => {
    const desk = spawnDesk(['src/main/start.ts'], { ...env, DESK_DATA_DIR: '/etc/hostname/desk' });
    expect(await desk.exited).not.toBe(0);
    expectOneLine(
      desk,
      /^usdt-desk: cannot write to the data folder \/etc\/hostname\/desk.*: choose another with DESK_DATA_DIR/,
    );
    // A desk command says the same.
    const cli = spawnDesk(['src/cli/desk.ts', 'migrate', 'status'], {
      ...env,
      DESK_DATA_DIR: '/etc/hostname/desk',
    });
    expect(await cli.exited).not.toBe(0);
    expectOneLine(cli, /^usdt-desk: cannot write to the data folder \/etc\/hostname\/desk.*DESK_DATA_DIR/);
  });

  it('refuses an unreachable DATABASE_URL, in one line', async () => {
    const desk = spawnDesk(['src/main/start.ts'], {
      ...env,
      DATABASE_URL: 'postgres://desk:secret@127.0.0.1:1/desk',
    });
    expect(await desk.exited).not.toBe(0);
    expectOneLine(desk, /^usdt-desk: cannot reach PostgreSQL at .*check DATABASE_URL/);
    expect(desk.output()).not.toContain('secret');
  });

  it('refuses malformed development secrets in one line: JWT_SIGNING_KEYS, a damaged dev-secrets.json', async () => {
    const badKeys = spawnDesk(['src/main/start.ts'], { ...env, JWT_SIGNING_KEYS: 'no-kid-here' });
    expect(await badKeys.exited).not.toBe(0);
    expectOneLine(
      badKeys,
      /^usdt-desk: JWT_SIGNING_KEYS must be a comma-separated list of kid:secret entries/,
    );

    const damaged = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-damaged-'));
    try {
      await fs.writeFile(path.join(damaged, 'dev-secrets.json'), '{"jwt": "dev1:abc", "aud');
      const desk = spawnDesk(['src/main/start.ts'], { ...env, DESK_DATA_DIR: damaged });
      expect(await desk.exited).not.toBe(0);
      expectOneLine(desk, /^usdt-desk: .*dev-secrets\.json is damaged .*delete it to generate new ones/);
      expect(postgresPid(damaged)).toBeUndefined(); // refused before the database was opened
      await expect(fs.stat(path.join(damaged, 'pg'))).rejects.toThrow();
    } finally {
      await fs.rm(damaged, { recursive: true, force: true });
    }
  });

  it('refuses to start in production with missing secrets, naming them', async () => {
    const desk = spawnDesk(['src/main/start.ts'], { ...env, NODE_ENV: 'production' });
    expect(await desk.exited).not.toBe(0);
    expect(desk.output()).toMatch(
      /refusing to start in production: JWT_SIGNING_KEYS is missing; AUDIT_SIGNING_KEY is missing; DATA_ENCRYPTION_KEY is missing/,
    );
  });
});

describe('desk process with DATABASE_URL', () => {
  it('uses that server and starts no embedded PostgreSQL', async () => {
    const { createTestDatabase } = await import('./support/db.js');
    const database = await createTestDatabase();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-ext-'));
    const port = await freePort();
    const desk = spawnDesk(['src/main/start.ts'], {
      DATABASE_URL: database.url,
      DESK_DATA_DIR: dataDir,
      PORT: String(port),
    });
    try {
      await waitForReady(`http://127.0.0.1:${port}/ready`, desk);
      expect(desk.output()).toContain('using external PostgreSQL');
      expect(desk.output()).not.toContain(database.url.split('@')[0]?.split(':')[2] ?? 'no-password'); // password masked
      await expect(fs.stat(path.join(dataDir, 'pg'))).rejects.toThrow();
    } finally {
      desk.child.kill('SIGTERM');
      expect(await desk.exited).toBe(0);
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data folder it cannot write (where development secrets are kept) in one line', async () => {
    const { createTestDatabase } = await import('./support/db.js');
    const database = await createTestDatabase();
    try {
      const port = await freePort();
      const desk = spawnDesk(['src/main/start.ts'], {
        DATABASE_URL: database.url,
        DESK_DATA_DIR: '/etc/hostname/desk',
        PORT: String(port),
      });
      expect(await desk.exited).not.toBe(0);
      expect(stderrLines(desk)).toEqual([
        expect.stringMatching(
          /^usdt-desk: cannot write to the data folder \/etc\/hostname\/desk \(ENOTDIR\).*: choose another with DESK_DATA_DIR .*or set JWT_SIGNING_KEYS/,
        ),
      ]);
      const cli = spawnDesk(['src/cli/desk.ts', 'operators', 'list'], {
        DATABASE_URL: database.url,
        DESK_DATA_DIR: '/etc/hostname/desk',
      });
      expect(await cli.exited).not.toBe(0);
      expect(stderrLines(cli)).toEqual([
        expect.stringMatching(
          /^usdt-desk: cannot write to the data folder \/etc\/hostname\/desk .*DESK_DATA_DIR/,
        ),
      ]);
    } finally {
      await database.drop();
    }
  });
});
