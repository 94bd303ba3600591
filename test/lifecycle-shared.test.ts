import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrailAt } from './support/audit.js';
import {
  type DeskProcess,
  freePort,
  postgresPid,
  runDeskCommand,
  spawnDesk,
  spawnNpmStart,
  waitForReady,
  waitUntil,
} from './support/process.js';

/**
 * Desk processes that overlap on one data folder, and signals at awkward moments: whoever started the
 * embedded PostgreSQL, it stops only when the last desk process using it is done, and an interrupted
 * start-up or command leaves none behind.
 */
describe('desk processes sharing one embedded PostgreSQL', () => {
  let dataDir: string;
  let scratch: string;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-shared-'));
    await fs.chmod(dataDir, 0o755);
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-scratch-'));
    const port = await freePort();
    env = { DESK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', TELEGRAM_MODE: 'off' };
    base = `http://127.0.0.1:${port}`;
  });
  // A failed test must not leave its processes holding the folder for the next one.
  const started: DeskProcess[] = [];
  const run = (proc: DeskProcess) => (started.push(proc), proc);
  afterAll(async () => {
    for (const proc of started) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    const pid = postgresPid(dataDir);
    if (pid) process.kill(pid, 'SIGINT');
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(scratch, { recursive: true, force: true });
  });

  const leases = async () => fs.readdir(path.join(dataDir, 'leases')).catch(() => [] as string[]);
  const pgUrl = async () => {
    const pid = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
    const password = await fs.readFile(path.join(dataDir, 'pg-password'), 'utf8');
    return `postgres://desk:${password}@127.0.0.1:${pid.split('\n')[3]}/postgres`;
  };

  it('a desk started while a `desk` command holds the database keeps it when that command, which started it, exits', async () => {
    // `desk audit export` into a FIFO holds the database until someone reads the FIFO.
    const fifo = path.join(scratch, 'export.fifo');
    execFileSync('mkfifo', [fifo]);
    const cli = run(spawnDesk(['src/cli/desk.ts', 'audit', 'export', '--out', fifo], env));
    await waitUntil(
      async () => postgresPid(dataDir) !== undefined && (await leases()).length === 1,
      `the command did not start PostgreSQL:\n${cli.output()}`,
    );
    const pid = postgresPid(dataDir);

    const desk = run(spawnDesk(['src/main/start.ts'], env));
    await waitForReady(`${base}/ready`, desk);
    expect(desk.output()).toContain('connected to the running embedded PostgreSQL');
    expect(await leases()).toHaveLength(2);

    // Let the command finish: it started PostgreSQL, but the desk still uses it, so it stays up.
    const exported = await fs.readFile(fifo, 'utf8');
    expect(exported.length).toBeGreaterThan(0);
    expect(await cli.exited).toBe(0);
    expect(postgresPid(dataDir)).toBe(pid);
    expect(await leases()).toHaveLength(1);

    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await auditTrailAt(await pgUrl(), { action: 'audit.exported' })).toHaveLength(1);
    expect(await fetch(`${base}/api/me`).then((r) => r.status)).toBe(401); // the desk answers requests that query

    // The desk is the last one out: it stops PostgreSQL.
    desk.child.kill('SIGTERM');
    expect(await desk.exited).toBe(0);
    expect(postgresPid(dataDir)).toBeUndefined();
    expect(await leases()).toEqual([]);
    expect(desk.output()).not.toMatch(/unexpected failure|not queryable/);
  }, 120_000);

  it('SIGTERM to a `desk` command in the middle of its work stops the PostgreSQL it started', async () => {
    const fifo = path.join(scratch, 'interrupted.fifo');
    execFileSync('mkfifo', [fifo]);
    const startedAt = new Date();
    const cli = run(spawnDesk(['src/cli/desk.ts', 'audit', 'export', '--out', fifo], env));
    await waitUntil(
      async () => postgresPid(dataDir) !== undefined && (await leases()).length === 1,
      `the command did not start PostgreSQL:\n${cli.output()}`,
    );
    // Once its audit.exported event exists, the command is stuck opening the FIFO nobody reads: a
    // libuv thread is blocked for good, so only dying by the signal (not process.exit) can end it.
    const exportRecorded = async () =>
      (await auditTrailAt(await pgUrl(), { action: 'audit.exported', from: startedAt }).catch(() => []))
        .length > 0;
    await waitUntil(exportRecorded, `the command did not start exporting:\n${cli.output()}`);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    expect(cli.stderr()).toContain('SIGTERM received: stopping');
    expect(postgresPid(dataDir)).toBeUndefined();
    expect(await leases()).toEqual([]);
  }, 60_000);

  it('SIGTERM to the npm process of `npm start` stops the desk and its PostgreSQL', async () => {
    const npm = run(spawnNpmStart(env));
    await waitForReady(`${base}/ready`, npm);
    expect(postgresPid(dataDir)).toBeDefined();
    npm.child.kill('SIGTERM'); // only npm's pid, as `docker stop` or systemd would
    await npm.exited;
    await waitUntil(
      () => postgresPid(dataDir) === undefined,
      `PostgreSQL still runs after npm exited:\n${npm.output()}`,
      30_000,
    );
    await waitUntil(
      async () =>
        !(await fetch(`${base}/health`).then(
          () => true,
          () => false,
        )),
      'the desk still serves after npm exited',
      30_000,
    );
    expect(npm.output()).toContain('SIGTERM received: shutting down');
    expect(await leases()).toEqual([]);
  }, 120_000);
});

describe('a signal during start-up', () => {
  it('SIGTERM while the desk is still starting (first start: initdb, migrations) leaves no PostgreSQL running', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-early-'));
    await fs.chmod(dataDir, 0o755);
    const port = await freePort();
    const env = { DESK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', TELEGRAM_MODE: 'off' };
    try {
      const desk = spawnDesk(['src/main/start.ts'], env);
      // The embedded cluster is being created: the desk is far from ready.
      await waitUntil(
        async () => (await fs.stat(path.join(dataDir, 'pg')).catch(() => null)) !== null,
        `no cluster was created:\n${desk.output()}`,
      );
      desk.child.kill('SIGTERM');
      expect(await desk.exited).toBe(0);
      expect(desk.output()).toContain('SIGTERM received: shutting down');
      expect(desk.output()).not.toContain('usdt-desk is serving');
      expect(desk.output()).not.toMatch(/unexpected failure/);
      expect(postgresPid(dataDir)).toBeUndefined();
      // What was left is usable: a later command opens it (and applies whatever migrations are pending).
      const status = await runDeskCommand(['migrate', 'up'], env);
      expect(status.code).toBe(0);
      expect(postgresPid(dataDir)).toBeUndefined();
    } finally {
      const pid = postgresPid(dataDir);
      if (pid) process.kill(pid, 'SIGINT');
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
