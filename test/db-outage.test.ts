import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { auditTrailAt } from './support/audit.js';
import { expectNoneLost, readyState, startLoad } from './support/db-outage.js';
import {
  freePort,
  postgresPid,
  spawnDesk,
  waitForReady,
  waitUntil,
  type DeskProcess,
} from './support/process.js';

/**
 * Issue 14, items 1–2: PostgreSQL goes away under load and comes back, five times; the desk never
 * exits, answers 503 DATABASE_UNAVAILABLE (never 500) meanwhile, and is ready again within 10 s of the
 * database — by itself. Once with an external server the test runs (DATABASE_URL) and restarts, once
 * with the desk's own embedded server, SIGKILLed (the desk restarts it).
 */
const KILLS = 5;
/** The bound of the requirement: ready again within 10 s of the database being back. */
const RECOVERY_DEADLINE_MS = 10_000;
const WRITES = 50_000; // an upper bound; the load stops when the test ends

const folders: string[] = [];
const desks: DeskProcess[] = [];
afterAll(async () => {
  for (const d of desks) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  for (const dir of folders) {
    const pid = postgresPid(dir);
    if (pid) process.kill(pid, 'SIGINT');
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const dir of folders) await fs.rm(dir, { recursive: true, force: true });
});

async function folder(prefix: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  folders.push(dir);
  return dir;
}

const embeddedUrl = async (dataDir: string) => {
  const pid = await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  const password = await fs.readFile(path.join(dataDir, 'pg-password'), 'utf8');
  return `postgres://desk:${password}@127.0.0.1:${pid.split('\n')[3]}/postgres`;
};

async function expectReadyWithin(base: string, desk: DeskProcess) {
  await waitUntil(
    async () => (await readyState(base))?.status === 200,
    `/ready not back within ${RECOVERY_DEADLINE_MS} ms of the database:\n${desk.output().slice(-3000)}`,
    RECOVERY_DEADLINE_MS,
  );
}

describe('the database goes away and comes back', () => {
  it('an external PostgreSQL restarted 5 times under load: 503 meanwhile, ready again by itself, nothing lost', async () => {
    const serverDir = await folder('desk-ext-pg-');
    const deskDir = await folder('desk-ext-data-');
    const pgPort = await freePort();
    let server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: serverDir, port: pgPort });
    const url = server.url('postgres');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const desk = spawnDesk(['src/main/start.ts'], {
      DATABASE_URL: url,
      DESK_DATA_DIR: deskDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOGIN_RATE_PER_MINUTE: '1000000', // the load's sign-in attempts are not what is tested
    });
    desks.push(desk);
    await waitForReady(`${base}/ready`, desk);
    const load = startLoad(async () => url, base, WRITES);
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await waitUntil(() => load.acknowledged.size > (kill + 1) * 20, 'the load makes no progress');
        await server.stop(); // a fast shutdown: clients are disconnected (57P01), then refused
        // While it is down: /ready says why, the worker is not claimed to be fine, the API says 503.
        await waitUntil(
          async () => {
            const r = await readyState(base);
            return (
              r?.status === 503 &&
              r.body.checks.database?.ok === false &&
              r.body.checks.worker?.ok === false &&
              /database: PostgreSQL cannot be reached/.test(r.body.reason ?? '')
            );
          },
          `/ready does not report the outage:\n${JSON.stringify(await readyState(base))}`,
          15_000,
        );
        const res = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@desk.test', password: 'not the password' }),
        });
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');

        server = await startEmbeddedPostgres({ dataDir: serverDir, port: pgPort });
        await expectReadyWithin(base, desk);
      }
    } finally {
      await load.finish();
    }
    expect(desk.child.exitCode).toBeNull();
    expect(load.bad).toEqual([]);
    await expectNoneLost(url, load.acknowledged);
    expect(desk.output()).not.toMatch(/unexpected failure|unhandled rejection/);
    desk.child.kill('SIGTERM');
    expect(await desk.exited).toBe(0);
    await server.stop();
  }, 150_000);

  it('the embedded PostgreSQL SIGKILLed 5 times under load: the desk restarts it, audits it, nothing lost', async () => {
    const dataDir = await folder('desk-emb-kill-');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const desk = spawnDesk(['src/main/start.ts'], {
      DESK_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOGIN_RATE_PER_MINUTE: '1000000', // the load's sign-in attempts are not what is tested
    });
    desks.push(desk);
    await waitForReady(`${base}/ready`, desk);
    const load = startLoad(() => embeddedUrl(dataDir), base, WRITES);
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await waitUntil(() => load.acknowledged.size > (kill + 1) * 20, 'the load makes no progress');
        const pid = postgresPid(dataDir);
        expect(pid).toBeDefined();
        process.kill(pid!, 'SIGKILL');
        await waitUntil(() => postgresPid(dataDir) !== pid, 'the server did not die');
        // The desk notices and starts it again; ready within the deadline once it accepts connections.
        await waitUntil(
          async () => (postgresPid(dataDir) ?? pid) !== pid,
          `the desk did not restart its PostgreSQL:\n${desk.output().slice(-3000)}`,
          30_000,
        );
        await expectReadyWithin(base, desk);
      }
    } finally {
      await load.finish();
    }
    expect(desk.child.exitCode).toBeNull();
    expect(load.bad).toEqual([]);
    const url = await embeddedUrl(dataDir);
    await expectNoneLost(url, load.acknowledged);
    // The last restart's event may still be on its way (it is retried until it lands).
    const restarts = async () => (await auditTrailAt(url, { action: 'database.restarted' })).length;
    await waitUntil(async () => (await restarts()) >= KILLS, 'a restart was not audited', 15_000).catch(
      () => {},
    );
    expect(await restarts()).toBe(KILLS);
    expect(desk.output()).not.toMatch(/unexpected failure|unhandled rejection/);
    desk.child.kill('SIGTERM');
    expect(await desk.exited).toBe(0);
    expect(postgresPid(dataDir)).toBeUndefined();
  }, 150_000);
});
