import { expect } from 'vitest';
import pg from 'pg';
import { sleep } from './crash.js';

/**
 * Bounded load for the outage tests: a loop of idempotent writes (insert … on conflict do nothing,
 * one id at a time, retried until acknowledged) straight into the desk's database, and API calls that
 * touch the database. A write counts as acknowledged once its commit returned; every API answer must be
 * a 4xx, or a 503 problem+json DATABASE_UNAVAILABLE with Retry-After — never a 500.
 */
export function startLoad(url: () => Promise<string>, base: string, total: number) {
  const acknowledged = new Set<number>();
  const apiStatuses = new Map<number, number>();
  const bad: string[] = [];
  let stop = false;
  const writes = (async () => {
    for (let i = 0; i < total && !stop;) {
      let client: pg.Client | undefined;
      try {
        client = new pg.Client({ connectionString: await url(), connectionTimeoutMillis: 2000 });
        client.on('error', () => undefined);
        await client.connect();
        await client.query('create table if not exists outage_probe (id int primary key)');
        for (; i < total && !stop; i++) {
          await client.query('insert into outage_probe (id) values ($1) on conflict do nothing', [i]);
          acknowledged.add(i);
          await sleep(5);
        }
      } catch {
        await sleep(100); // the server is down: try the same id again on a new connection
      } finally {
        await client?.end().catch(() => undefined);
      }
    }
  })();
  const api = (async () => {
    while (!stop) {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@desk.test', password: 'not the password' }),
      }).catch(() => undefined);
      if (res) {
        apiStatuses.set(res.status, (apiStatuses.get(res.status) ?? 0) + 1);
        const body = (await res.json().catch(() => ({}))) as { code?: string };
        if (res.status >= 500) {
          const ok =
            res.status === 503 &&
            body.code === 'DATABASE_UNAVAILABLE' &&
            res.headers.get('content-type')?.startsWith('application/problem+json') &&
            Number(res.headers.get('retry-after')) > 0;
          if (!ok) bad.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
      }
      await sleep(50);
    }
  })();
  return {
    acknowledged,
    apiStatuses,
    bad,
    /** Stops the load and waits for its last calls. */
    finish: async () => {
      stop = true;
      await writes;
      await api;
    },
  };
}

/** Every acknowledged write is in the table. */
export async function expectNoneLost(url: string, acknowledged: Set<number>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number }>('select id from outage_probe');
    const present = new Set(rows.map((r) => r.id));
    expect([...acknowledged].filter((id) => !present.has(id))).toEqual([]);
  } finally {
    await client.end();
  }
}

/** /ready's answer now (undefined when nothing answers). */
export async function readyState(base: string) {
  const res = await fetch(`${base}/ready`).catch(() => undefined);
  if (!res) return undefined;
  return {
    status: res.status,
    body: (await res.json()) as {
      status: string;
      reason?: string;
      checks: Record<string, { ok: boolean; detail?: unknown }>;
    },
  };
}
