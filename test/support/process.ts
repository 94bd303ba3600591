import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface DeskProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * The environment a desk child process starts with: a clean one (PATH and HOME), plus whatever
 * moves the machine's clock for the whole process tree when the suite runs under libfaketime
 * (`npm run test:time-shift`), so a child never runs on another clock than the test that started it.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const clock = Object.entries(process.env).filter(
    (e): e is [string, string] => /^(LD_PRELOAD|FAKETIME.*|TZ)$/.test(e[0]) && e[1] !== undefined,
  );
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...Object.fromEntries(clock),
    ...env,
  };
}

/** Runs a desk entry point (`src/main/start.ts`, `src/cli/desk.ts …`) as a real child process. */
export function spawnDesk(args: string[], env: Record<string, string>, stdin?: string): DeskProcess {
  const child = spawn(TSX, args, {
    cwd: ROOT,
    env: childEnv({ LOG_LEVEL: 'info', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return track(child, stdin);
}

/** `npm start` itself (the script in package.json), as a user or a container runs it. */
export function spawnNpmStart(env: Record<string, string>): DeskProcess {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: childEnv({ LOG_LEVEL: 'info', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return track(child);
}

function track(child: ChildProcess, stdin?: string): DeskProcess {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
    err += d.toString();
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  else child.stdin?.end();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, stderr: () => err, exited };
}

export async function runDeskCommand(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number | null; output: string }> {
  const p = spawnDesk(['src/cli/desk.ts', ...args], env, stdin);
  const code = await p.exited;
  return { code, output: p.output() };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Polls until `url` answers 200, or throws with what the process printed. */
export async function waitForReady(url: string, proc: DeskProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`desk exited early:\n${proc.output()}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

/** Waits until `check` holds (polling), or throws `message` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 60_000,
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(message);
}

/** The lines a process wrote to stderr (for "one line saying what to do" assertions). */
export function stderrLines(proc: DeskProcess): string[] {
  return proc
    .stderr()
    .trim()
    .split('\n')
    .filter((l) => l !== '');
}

/** The pid of the embedded PostgreSQL serving `dataDir`, if one is running. */
export function postgresPid(dataDir: string): number | undefined {
  let content: string;
  try {
    content = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  } catch {
    return undefined; // not there, or removed between a look and a read (initdb's backends come and go)
  }
  const pid = Number(content.split('\n')[0]);
  // initdb's standalone backends write their pid negated: that is not a server anyone can use.
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
