import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import {
  ARGON2_OPTIONS,
  createSecretBox,
  hashPassword,
  verifyPassword,
} from '../src/operators/operators.crypto.js';
import { totpStep } from '../src/operators/operators.rules.js';
import { newTotpSecret, totpCodeForStep } from '../src/operators/operators.totp.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool } from '../src/shared/db.js';
import { startEmbeddedPostgres } from '../src/shared/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { migrateUp } from '../src/shared/migrate.js';
import { testSecrets } from '../test/support/server.js';
import type { BenchRow } from './table.js';

const DURATION_SECONDS = 10;
const CONNECTIONS = 16;
// Each operator's code is good for one login per 30 s step (two steps are in the window), so the
// pool must hold more operators than the run can sign in.
const OPERATORS = 1500;
const PASSWORD = 'bench passphrase, long enough';

/**
 * Full sign-ins per second (password + TOTP → session row, audit event, JWT) over real HTTP with
 * autocannon against a listening server on its own embedded PostgreSQL. argon2id dominates: the
 * figure is roughly cores × 1 / (one verification's time).
 */
export async function benchLogin(): Promise<BenchRow[]> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-bench-login-'));
  await fs.chmod(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir, fast: true });
  const pool = createPool(pg.url('postgres'), 20);
  const db = createDb(pool);
  try {
    await migrateUp(db);
    const secrets = testSecrets();
    const config = loadConfig({
      NODE_ENV: 'test',
      DESK_DATA_DIR: dataDir,
      LOGIN_RATE_PER_MINUTE: '100000000',
      PORT: '0',
    });
    const desk = compose({ config, db, pool, logger: createLogger('silent'), clock: systemClock, secrets });

    // Seeded in bulk (one shared hash, each seed sealed to its operator like enrolment does): creating
    // 1500 operators through enrolment would cost 4500 argon2 runs before measuring anything.
    const passwordHash = await hashPassword(PASSWORD);
    const box = createSecretBox(secrets.dataEncryptionKey);
    const seeded = Array.from({ length: OPERATORS }, (_, i) => ({
      id: randomUUID(),
      email: `bench-${i}@desk.test`,
      secret: newTotpSecret(),
      lastStep: -Infinity,
    }));
    for (let i = 0; i < seeded.length; i += 500) {
      await db
        .insertInto('operators')
        .values(
          seeded.slice(i, i + 500).map((o) => ({
            id: o.id,
            email: o.email,
            name: o.email,
            password_hash: passwordHash,
            roles: ['ops_approver' as const],
            mfa_secret_enc: box.seal(o.secret, o.id),
            mfa_enrolled_at: new Date(),
            mfa_pending_secret_enc: null,
            locked_until: null,
            telegram_user_id: null,
          })),
        )
        .execute();
    }

    let t0 = performance.now();
    const singleRuns = 10;
    for (let i = 0; i < singleRuns; i++) await verifyPassword(passwordHash, PASSWORD);
    const verifyMs = (performance.now() - t0) / singleRuns;
    // The ceiling for logins: argon2 alone, as many at once as the thread pool takes.
    t0 = performance.now();
    const parallelRuns = 60;
    await Promise.all(Array.from({ length: parallelRuns }, () => verifyPassword(passwordHash, PASSWORD)));
    const verifiesPerSecond = parallelRuns / ((performance.now() - t0) / 1000);

    const app = await desk.buildHttp();
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    let next = 0;
    let exhausted = 0;
    try {
      const result = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: DURATION_SECONDS,
        requests: [
          {
            method: 'POST',
            path: '/api/auth/login',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => {
              const current = totpStep(new Date());
              for (let tries = 0; tries < seeded.length; tries++) {
                const op = seeded[next++ % seeded.length]!;
                const step = Math.max(op.lastStep + 1, current);
                if (step > current + 1) continue;
                op.lastStep = step;
                return {
                  ...req,
                  body: JSON.stringify({
                    email: op.email,
                    password: PASSWORD,
                    totp: totpCodeForStep(op.secret, step),
                  }),
                };
              }
              exhausted++;
              return { ...req, body: JSON.stringify({ email: 'none@desk.test', password: PASSWORD }) };
            },
          },
        ],
      });
      const ok = result['2xx'];
      const rows: BenchRow[] = [
        {
          name: `login (password + TOTP), HTTP via autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s, ${os.cpus().length} CPUs`,
          value: `${(ok / DURATION_SECONDS).toFixed(1)} logins/s (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}${exhausted ? `, pool exhausted ${exhausted}` : ''})`,
        },
        {
          name: `argon2id verify (m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}), one at a time`,
          value: `${verifyMs.toFixed(1)} ms`,
        },
        {
          name: 'argon2id verify, all at once (the ceiling for logins)',
          value: `${verifiesPerSecond.toFixed(0)} verifies/s`,
        },
      ];
      return rows;
    } finally {
      await app.close();
    }
  } finally {
    await db.destroy();
    await pg.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
