import fsp from 'node:fs/promises';
import { sql } from 'kysely';
import { createDb, createPool, safeUrl, type Db } from '../shared/db.js';
import { startEmbeddedPostgres } from '../shared/embedded-postgres.js';
import { manifestPathOf, MANIFEST_FORMAT, sha256File, type BackupManifest } from './db.backup.js';
import { runChecks, type Check } from './db.checks.js';
import { DbCommandError, findTool, lastError, pgEnv, progress, runTool } from './db.tools.js';

export interface RestoreTarget {
  url: string;
  /** Where, for messages: the data folder or the URL without its password. */
  label: string;
  close: () => Promise<void>;
}

/** The server to restore into: a URL, an embedded server in a data folder (started for the restore), or the configured one. */
export async function openTarget(opts: { databaseUrl?: string; dataDir?: string }): Promise<RestoreTarget> {
  if (opts.databaseUrl)
    return { url: opts.databaseUrl, label: safeUrl(opts.databaseUrl), close: async () => {} };
  const dataDir = opts.dataDir ?? '';
  const server = await startEmbeddedPostgres({ dataDir });
  return { url: server.url('postgres'), label: `embedded PostgreSQL in ${dataDir}`, close: server.stop };
}

export async function readManifest(dumpFile: string): Promise<BackupManifest> {
  const file = manifestPathOf(dumpFile);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new DbCommandError(
      `cannot read the manifest ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): a backup is the dump and its manifest together`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw new DbCommandError(`${file} is not JSON: the manifest is damaged`);
  }
  if (manifest.format !== MANIFEST_FORMAT || typeof manifest.sha256 !== 'string')
    throw new DbCommandError(`${file} is not a usdt-desk backup manifest (${MANIFEST_FORMAT})`);
  return manifest;
}

async function userRelations(db: Db): Promise<number> {
  const r = await sql<{ n: string }>`
    select count(*)::text as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
      and n.nspname not like 'pg_temp%'`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function emptyTarget(db: Db): Promise<void> {
  const schemas = await sql<{ name: string }>`
    select nspname as name from pg_namespace
    where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg_toast%'
      and nspname not like 'pg_temp%'`.execute(db);
  for (const { name } of schemas.rows) {
    await sql`drop schema ${sql.id(name)} cascade`.execute(db);
  }
  await sql`create schema if not exists public`.execute(db);
}

/**
 * Restores a `desk db backup` into the target and proves it: the dump's checksum is checked before
 * anything else (a changed byte is refused), a target that holds any table is refused unless
 * `force`, pg_restore runs in one transaction, then the checks of `desk db verify` run against the
 * manifest (the audit chain ends at its head, the row counts match).
 */
export async function restoreDatabase(
  dumpFile: string,
  target: RestoreTarget,
  opts: { force?: boolean },
): Promise<{ manifest: BackupManifest; checks: Check[] }> {
  const manifest = await readManifest(dumpFile);
  const { sha256 } = await sha256File(dumpFile).catch((err: NodeJS.ErrnoException) => {
    throw new DbCommandError(`cannot read ${dumpFile} (${err.code ?? err.message})`);
  });
  if (sha256 !== manifest.sha256)
    throw new DbCommandError(
      `${dumpFile} does not match its manifest (sha256 ${sha256}, manifest ${manifest.sha256}): refusing to restore a changed dump`,
    );
  const pgRestore = findTool('pg_restore');
  const pool = createPool(target.url, 2);
  const db = createDb(pool);
  try {
    const existing = await userRelations(db);
    if (existing > 0 && !opts.force)
      throw new DbCommandError(
        `${target.label} is not empty (${existing} relations): restore into an empty database, or pass --force to replace its contents`,
      );
    if (existing > 0) {
      progress(`--force: dropping every schema in ${target.label}`);
      await emptyTarget(db);
    }
    progress(
      `restoring ${dumpFile} (${manifest.bytes} bytes, audit head seq ${manifest.audit.head.seq}) into ${target.label}`,
    );
    const result = await runTool(
      pgRestore,
      [
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-privileges',
        '--no-password',
        '--dbname',
        pgEnv(target.url).PGDATABASE ?? 'postgres',
        dumpFile,
      ],
      pgEnv(target.url),
    );
    if (result.code !== 0) throw new DbCommandError(`pg_restore failed: ${lastError(result.stderr)}`);
    progress('restored; verifying');
    return { manifest, checks: await runChecks(db, manifest) };
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
