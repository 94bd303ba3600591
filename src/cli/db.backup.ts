import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../shared/db.js';
import { readFigures, type DatabaseFigures } from './db.checks.js';
import { DbCommandError, findTool, lastError, pgEnv, progress, runTool, toolVersion } from './db.tools.js';

export const MANIFEST_FORMAT = 'usdt-desk-backup/1';

export interface BackupManifest extends DatabaseFigures {
  format: typeof MANIFEST_FORMAT;
  /** The dump's file name (the manifest sits beside it as `<name>.manifest.json`). */
  file: string;
  sha256: string;
  bytes: number;
  createdAt: string;
  pgDump: string;
  /** The exported snapshot pg_dump read through. */
  snapshot: string;
}

export const manifestPathOf = (dumpFile: string) => `${dumpFile}.manifest.json`;

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `pg_dump -Fc` of the desk's database while the desk runs, consistent as of one snapshot: a
 * REPEATABLE READ transaction exports its snapshot, pg_dump reads through it (`--snapshot`), and the
 * manifest's figures are read in that same transaction, so they describe exactly what the dump holds.
 * Dump and manifest are written under temporary names and renamed into place only when complete; any
 * failure (no pg_dump, a version mismatch, a full disk) removes them and is one line.
 */
export async function backupDatabase(db: Db, url: string, out: string): Promise<BackupManifest> {
  const pgDump = findTool('pg_dump');
  const tool = await toolVersion(pgDump);
  const target = path.resolve(out);
  const dir = path.dirname(target);
  await fsp.access(dir, fs.constants.W_OK).catch((err: NodeJS.ErrnoException) => {
    throw new DbCommandError(`cannot write to ${dir} (${err.code ?? err.message})`);
  });
  const tmpDump = path.join(dir, `.${path.basename(target)}.${process.pid}.partial`);
  const tmpManifest = `${tmpDump}.manifest`;
  const cleanup = () => Promise.all([fsp.rm(tmpDump, { force: true }), fsp.rm(tmpManifest, { force: true })]);
  try {
    const { figures, snapshot } = await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        await sql`set transaction read only`.execute(tx);
        const exported = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(tx);
        const id = exported.rows[0]?.id ?? '';
        const figures = await readFigures(tx);
        if (figures.server.major > tool.major)
          throw new DbCommandError(
            `${tool.text} cannot dump PostgreSQL ${figures.server.version}: install the client of major ${figures.server.major} or newer (postgresql-client-${figures.server.major})`,
          );
        progress(
          `backing up PostgreSQL ${figures.server.version} as of snapshot ${id} (audit head seq ${figures.audit.head.seq})`,
        );
        // The transaction stays open until pg_dump is done: the exported snapshot lives as long as it.
        const result = await runTool(
          pgDump,
          ['--format=custom', '--verbose', `--snapshot=${id}`, '--no-password', `--file=${tmpDump}`],
          pgEnv(url),
          (line) => {
            const m = /dumping contents of table "(.+)"/.exec(line);
            if (m) progress(`dumping ${m[1]}`);
          },
        );
        if (result.code !== 0) throw new DbCommandError(`pg_dump failed: ${lastError(result.stderr)}`);
        return { figures, snapshot: id };
      });
    await fsp.chmod(tmpDump, 0o600); // a dump holds the whole database
    await fsyncFile(tmpDump);
    const { sha256, bytes } = await sha256File(tmpDump);
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      file: path.basename(target),
      sha256,
      bytes,
      createdAt: new Date().toISOString(),
      pgDump: tool.text,
      snapshot,
      ...figures,
    };
    await fsp.writeFile(tmpManifest, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await fsyncFile(tmpManifest);
    await fsp.rename(tmpDump, target);
    await fsp.rename(tmpManifest, manifestPathOf(target));
    return manifest;
  } catch (err) {
    await cleanup();
    if (err instanceof DbCommandError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new DbCommandError(`no space left on the device holding ${dir}`);
    throw err;
  }
}
