import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, freePort, postgresPid, waitForReady, type DeskProcess } from './support/process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
/**
 * 3 in the default suite (each trial is a whole desk start-up under load, ~20 s, and CI has a time budget);
 * `npm run test:stop` runs the full 20 (LIFECYCLE_STOP_TRIALS sets any count).
 */
const TRIALS = Number(process.env.LIFECYCLE_STOP_TRIALS ?? 3);

/**
 * Issue 14, item 3: `kill -TERM` to the process group (systemd, `docker stop`) under load. `tsx`
 * forwards the signal again, so the desk gets two; it must still stop its embedded PostgreSQL and
 * give up its lease, every time, leaving a data folder the next start accepts (each trial starts on
 * the folder the previous one left).
 */
describe('a clean stop under load, signalled to the whole process group', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-stop-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    const pid = postgresPid(dataDir);
    if (pid) process.kill(pid, 'SIGINT');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(`${TRIALS} trials: no postgres left, no lease, and the next start accepts the folder`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      // Its own process group, like a service: the signal goes to tsx and to the node process it runs.
      const child = spawn(TSX, ['src/main/start.ts'], {
        cwd: ROOT,
        detached: true,
        env: childEnv({ DESK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const desk: DeskProcess = { child, output: () => out, stderr: () => out, exited };
      await waitForReady(`${base}/ready`, desk);

      // Load: a bounded number of concurrent calls that use the database, in flight at the signal.
      const load = Array.from({ length: 20 }, () => fetch(`${base}/ready`).catch(() => undefined));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.all(load);
      expect(await exited, out).toBe(0);
      expect(postgresPid(dataDir), `trial ${trial}: postgres still runs\n${out}`).toBeUndefined();
      const leases = await fs.readdir(path.join(dataDir, 'leases')).catch(() => []);
      expect(leases, `trial ${trial}`).toEqual([]);
      await expect(fs.stat(path.join(dataDir, 'embedded-pg.lock'))).rejects.toThrow();
      expect(out).not.toMatch(/unexpected failure/);
    }
  }, 1_200_000); // a trial is dominated by the desk's start-up: 7–30 s each on a loaded 2-core machine
});
