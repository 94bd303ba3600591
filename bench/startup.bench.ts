import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnDesk, waitForReady } from '../test/support/process.js';
import type { BenchRow } from './table.js';

/** Cold start to /ready: the first start (initdb + migrations) and a restart on the same data. */
export async function benchStartup(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-start-'));
  await fs.chmod(dataDir, 0o755);
  const port = await freePort();
  const env = { DESK_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
  const rows: BenchRow[] = [];
  try {
    for (const label of ['first start (initdb + migrations)', 'restart (existing data)']) {
      const t0 = performance.now();
      const desk = spawnDesk(['src/main/start.ts'], env);
      await waitForReady(`http://127.0.0.1:${port}/ready`, desk);
      rows.push({
        name: `cold start to /ready, ${label}`,
        value: `${Math.round(performance.now() - t0)} ms`,
      });
      desk.child.kill('SIGTERM');
      await desk.exited;
    }
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}
