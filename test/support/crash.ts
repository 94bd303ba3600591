import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Secrets } from '../../src/config.js';
import type { Db } from '../../src/shared/db.js';
import { childEnv } from './process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** mulberry32: small, seedable, good enough to pick delays and trades. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One set of secrets for the test process and every worker it starts (the audit chain signs with one key). */
export function sharedSecrets(): { secrets: Secrets; env: Record<string, string> } {
  const jwt = randomBytes(32).toString('base64url');
  const audit = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const data = randomBytes(32);
  return {
    secrets: {
      jwtKeys: [{ kid: 'crash1', secret: Buffer.from(jwt) }],
      auditSigningKeyPem: audit,
      dataEncryptionKey: data,
    },
    env: {
      JWT_SIGNING_KEYS: `crash1:${jwt}`,
      AUDIT_SIGNING_KEY: audit,
      DATA_ENCRYPTION_KEY: data.toString('base64'),
    },
  };
}

export interface CrashWorker {
  child: ChildProcess;
  /** Spawn to "looking for jobs", once started. */
  startMs?: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `desk worker` itself (node with tsx's loader, no wrapper process in between, so SIGKILL hits the
 * worker). Warnings and errors it logs are tallied in `complaints`.
 */
export function startDeskWorker(
  env: Record<string, string>,
  live: Set<ChildProcess>,
  complaints: Map<string, number>,
): CrashWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/desk.ts', 'worker'], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let partial = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (!level || Number(level) < 40) continue;
      const msg = (/"msg":"([^"]{0,120})/.exec(line)?.[1] ?? line.slice(0, 120)).replace(/\d+/g, 'N');
      complaints.set(msg, (complaints.get(msg) ?? 0) + 1);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => out, exited };
}

/** Until graphile-worker says it is looking for jobs; the start-up sweep (JobsModule.onStart) runs right after, as jobs run. */
export async function waitStarted(w: CrashWorker, timeoutMs = 30_000) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  while (!w.output().includes('looking for jobs')) {
    if (w.child.exitCode !== null) throw new Error(`the worker exited early:\n${w.output()}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start in ${timeoutMs} ms:\n${w.output()}`);
    await sleep(25);
  }
  w.startMs = Date.now() - t0;
}

/** How many settlements stand in each status. */
export async function settlementStatusCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('settlements')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
