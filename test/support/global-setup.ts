import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb, createPool } from '../../src/shared/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/shared/embedded-postgres.js';
import { migrateUp } from '../../src/shared/migrate.js';
import { runMigrations } from 'graphile-worker';
import pg from 'pg';
import { execFileSync } from 'node:child_process';

export const TEMPLATE_DB = 'desk_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test cluster's maintenance database; test files clone TEMPLATE_DB from it. */
    pgAdminUrl: string;
    /** Why the ops console did not build ('' when it did): the console tests refuse to run on an old web/dist. */
    consoleBuildError: string;
  }
}

/**
 * One PostgreSQL per test run (embedded, fsync off; or TEST_DATABASE_URL), with migrations applied
 * once to a template database that every test file clones (see test/support/db.ts).
 */
export default async function setup(project: TestProject) {
  // The console tests drive the built console (web/dist); build it when missing or stale.
  const root = path.resolve(import.meta.dirname, '../..');
  let consoleBuildError = '';
  try {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/ensure-console.ts'], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch (err) {
    consoleBuildError =
      'the ops console does not build (npm run build): the console tests do not run against an old web/dist';
    // In CI nothing runs: a green run must mean the console that was tested is the one in the tree.
    if (process.env.CI) throw new Error(consoleBuildError, { cause: err });
    // Locally the server tests still run; every console test fails with this message (startConsoleDesk).
    process.stderr.write(`\n!! ${consoleBuildError}\n\n`);
  }
  project.provide('consoleBuildError', consoleBuildError);

  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-test-'));
    await fs.chmod(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir, fast: true });
    adminUrl = embedded.url('postgres');
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB}`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  const pool = createPool(templateUrl, 2);
  const db = createDb(pool);
  await migrateUp(db);
  await runMigrations({ pgPool: pool });
  await db.destroy();

  project.provide('pgAdminUrl', adminUrl);
  return async () => {
    await embedded?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
