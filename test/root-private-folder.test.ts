import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, postgresPid, spawnDesk, stderrLines } from './support/process.js';

/**
 * Issue 14, item 4: as root, the embedded PostgreSQL runs as `postgres`, which cannot pass through a
 * mode-700 folder (`/root`, any `mktemp -d`). The desk says so in one line, before starting anything,
 * instead of dying with `spawn …/initdb EACCES` and a stack trace. Only meaningful when run as root.
 */
describe.skipIf(process.getuid?.() !== 0)('started as root under a private (mode 700) folder', () => {
  let privateDir: string;
  beforeAll(async () => {
    privateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-private-'));
    await fs.chmod(privateDir, 0o700);
  });
  afterAll(() => fs.rm(privateDir, { recursive: true, force: true }));

  it('npm start and a desk command refuse in one line saying what to do', async () => {
    const dataDir = path.join(privateDir, 'checkout', '.desk');
    const env = { DESK_DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' };
    for (const args of [['src/main/start.ts'], ['src/cli/desk.ts', 'migrate', 'status']]) {
      const desk = spawnDesk(args, env);
      expect(await desk.exited).toBe(1);
      const lines = stderrLines(desk);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^usdt-desk: the embedded PostgreSQL runs as the "postgres" user/);
      expect(lines[0]).toContain(`cannot enter ${privateDir} (mode 700)`);
      expect(lines[0]).toMatch(/run the desk as a normal user.*chmod o\+x .*set DATABASE_URL/);
      expect(desk.output()).not.toMatch(/EACCES|unexpected failure|\n\s+at /);
      expect(postgresPid(dataDir)).toBeUndefined();
    }
  }, 120_000);

  it('once the folder is traversable, the same start gets past the check', async () => {
    await fs.chmod(privateDir, 0o711);
    const dataDir = path.join(privateDir, 'checkout', '.desk');
    const desk = spawnDesk(['src/cli/desk.ts', 'migrate', 'status'], { DESK_DATA_DIR: dataDir });
    expect(await desk.exited, desk.output()).toBe(0);
    expect(postgresPid(dataDir)).toBeUndefined();
  }, 180_000);
});
