import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { assertNothingLeftOpen, openHandles, trackOpen, trackWhileOpen } from './support/open-handles.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

/** A child vitest on test/fixtures/leak-check (one file leaks a database, one closes its server). */
function runFixtures(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VITEST, 'run', '--config', 'test/fixtures/leak-check/vitest.config.ts'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/root',
          NO_COLOR: '1',
          LEAK_CHECK_PG_ADMIN_URL: inject('pgAdminUrl'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

describe('the check after each test file (test/support/leak-check.ts)', () => {
  it('fails a file that left its test database and pool open, naming it and where it was opened; passes a tidy one', async () => {
    const { code, output } = await runFixtures();
    const leaked = /createTestDatabase\(\): database (desk_test_[0-9a-f]{12}) and its pool/.exec(output)?.[1];
    try {
      expect(code, output).toBe(1);
      expect(output).toMatch(/FAIL\s+test\/fixtures\/leak-check\/leaky\.fixture\.ts/);
      expect(output).toContain('this test file left 1 thing(s) open');
      expect(leaked, output).toBeDefined();
      expect(output).toMatch(/\(opened at test\/fixtures\/leak-check\/leaky\.fixture\.ts:\d+\)/);
      expect(output).not.toMatch(/FAIL\s+test\/fixtures\/leak-check\/tidy\.fixture\.ts/);
      expect(output).toMatch(/Test Files\s+1 failed \| 1 passed \(2\)/);
      expect(output).toMatch(/Tests\s+2 passed \(2\)/); // the tests themselves pass: the file fails on the leak
    } finally {
      if (leaked) await dropDatabase(leaked);
    }
  }, 120_000);

  it('names what is still open, and forgets what was closed', () => {
    const pool = trackOpen('a pool for this test');
    let running = true;
    trackWhileOpen('a loop for this test', () => running);
    expect(openHandles()).toEqual([
      expect.stringMatching(/^a pool for this test \(opened at test\/leak-check\.test\.ts:\d+\)$/),
      expect.stringMatching(/^a loop for this test \(opened at test\/leak-check\.test\.ts:\d+\)$/),
    ]);
    expect(() => assertNothingLeftOpen()).toThrow(/left 2 thing\(s\) open/);
    pool.closed();
    running = false;
    expect(openHandles()).toEqual([]);
    expect(() => assertNothingLeftOpen()).not.toThrow();
  });
});
