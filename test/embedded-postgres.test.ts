import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { postgresPid, waitUntil } from './support/process.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (!pid) throw new Error('no pid');
  return pid;
}

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ one: number }>('select 1 as one')).rows[0]?.one === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Several desk processes share one embedded PostgreSQL (npm start, any `desk …` command): each holds a
 * lease, and only the last one out stops the server — never one that another process still uses.
 */
describe('embedded PostgreSQL shared through leases', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-lease-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    const pid = postgresPid(dataDir);
    if (pid) process.kill(pid, 'SIGINT');
    await waitUntil(() => postgresPid(dataDir) === undefined, 'postgres did not stop', 30_000);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const leases = async () =>
    (await fs.readdir(path.join(dataDir, 'leases')).catch(() => [] as string[])).sort();

  it('the one that started it stops first: the server keeps running for the other, which stops it last', async () => {
    // A dead process's lease must not keep the server up, nor its lock block anyone.
    const dead = deadPid();
    await fs.mkdir(path.join(dataDir, 'leases'), { recursive: true });
    await fs.writeFile(path.join(dataDir, 'leases', `${dead}.deadbeef`), String(dead));
    await fs.writeFile(path.join(dataDir, 'embedded-pg.lock'), `${dead} 1 cafe`);

    // Two at once: the lock makes exactly one of them start it, and the other join it.
    const both = await Promise.all([startEmbeddedPostgres({ dataDir }), startEmbeddedPostgres({ dataDir })]);
    const first = both.find((p) => p.started) as EmbeddedPostgres;
    const second = both.find((p) => !p.started) as EmbeddedPostgres;
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second.url()).toBe(first.url());
    expect(await leases()).toHaveLength(2); // the dead one was cleared
    expect(await fs.stat(path.join(dataDir, 'embedded-pg.lock')).catch(() => null)).toBeNull();
    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();

    await first.stop();
    expect(postgresPid(dataDir)).toBe(pid);
    expect(await canQuery(second.url())).toBe(true);
    expect(await leases()).toHaveLength(1);

    await second.stop();
    expect(postgresPid(dataDir)).toBeUndefined();
    expect(await leases()).toEqual([]);
    await second.stop(); // idempotent
  });

  it('another process that joined keeps it when the starter exits; a holder killed outright does not keep it forever', async () => {
    // Process A starts it (this test process), B (a child) joins it; A stops: B still queries.
    const a = await startEmbeddedPostgres({ dataDir });
    expect(a.started).toBe(true);
    // One process (no tsx wrapper), so that SIGKILL below kills the holder itself.
    const b = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-embedded.ts', dataDir], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve) =>
      b.stdout.once('data', (d: Buffer) => resolve(d.toString())),
    );
    const joined = JSON.parse(line) as { started: boolean; url: string };
    expect(joined).toEqual({ started: false, url: a.url() });
    const pid = postgresPid(dataDir);
    await a.stop();
    expect(postgresPid(dataDir)).toBe(pid);
    expect(await canQuery(joined.url)).toBe(true);

    // B dies without stopping anything: its lease names a dead process, so the next start restarts the
    // server it left behind, and stopping that one stops it.
    const bExit = new Promise((resolve) => b.once('exit', resolve));
    b.kill('SIGKILL');
    await bExit;
    expect(postgresPid(dataDir)).toBe(pid);
    const c = await startEmbeddedPostgres({ dataDir });
    expect(c.started).toBe(true);
    expect(postgresPid(dataDir)).not.toBe(pid);
    expect(await canQuery(c.url())).toBe(true);
    await c.stop();
    expect(postgresPid(dataDir)).toBeUndefined();
    expect(await leases()).toEqual([]);
  });
});
