import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A failure of `desk db …` that is one line for a person (no stack trace). */
export class DbCommandError extends Error {}

/** libpq's environment for a connection URL, so the password never appears in a process listing. */
export function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {
    PGHOST: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || '127.0.0.1',
    PGPORT: u.port || '5432',
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const ssl = u.searchParams.get('sslmode');
  if (ssl) env.PGSSLMODE = ssl;
  return env;
}

/** Where a PostgreSQL client program is on PATH (Debian's postgresql-client puts them in /usr/bin). */
export function findTool(name: 'pg_dump' | 'pg_restore'): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new DbCommandError(
    `${name} not found on PATH: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)`,
  );
}

/** The tool's major version and its full version line, e.g. 15 and "pg_dump (PostgreSQL) 15.18 (Debian …)". */
export async function toolVersion(file: string): Promise<{ major: number; text: string }> {
  const { code, stdout, stderr } = await runTool(file, ['--version'], {});
  const text = stdout.trim();
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(text);
  if (code !== 0 || !m) throw new DbCommandError(`${file} --version failed: ${(stderr || stdout).trim()}`);
  return { major: Number(m[1]), text };
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client program; each stderr line also goes to `onLine` as it arrives (progress). */
export function runTool(
  file: string,
  args: string[],
  env: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C', LANG: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      if (!onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last meaningful line a tool wrote (its error), for a one-line failure. */
export function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^pg_(dump|restore): (dumping|processing|creating|reading|saving|identifying|finding|flagging|last built-in|executing|connecting|implied)/.test(
          l,
        ),
    );
  return lines.find((l) => /error|fatal|could not|no space/i.test(l)) ?? lines.at(-1) ?? 'failed';
}

export function progress(message: string): void {
  process.stderr.write(`desk: ${message}\n`);
}
