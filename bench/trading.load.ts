import { randomUUID } from 'node:crypto';

/**
 * The load generator for `trading.bench.ts`, run in its own process (forked, one job per process) so
 * the desk's event loop serves requests only and open-loop pacing is not delayed by the server's
 * work. Reports raw samples back over IPC; the bench computes the figures.
 */

export interface ApiClient {
  id: string;
  key: string;
}

export type LoadJob =
  | { kind: 'rfq'; base: string; client: ApiClient; warmup: number; count: number }
  | { kind: 'paced'; base: string; clients: ApiClient[]; count: number; rate: number }
  | { kind: 'loop'; base: string; clients: ApiClient[]; seconds: number };

export type LoadResult =
  | { kind: 'rfq'; ms: number[] }
  | { kind: 'paced'; ms: number[]; sendRate: number; doneRate: number; maxLateMs: number }
  | { kind: 'loop'; booked: number; seconds: number; rfqMs: number[]; acceptMs: number[] };

const AMOUNT = '10';

/** One client API call over real HTTP; anything but the expected status stops the bench. */
async function post<T>(
  base: string,
  key: string,
  url: string,
  expected: number,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const rfq = (base: string, c: ApiClient) =>
  post<{ quote: { id: string } }>(
    base,
    c.key,
    '/api/client/v1/rfqs',
    201,
    {},
    { side: 'buy', amount: AMOUNT, network: 'tron' },
  );
const accept = (base: string, c: ApiClient, quoteId: string) =>
  post<{ id: string }>(base, c.key, `/api/client/v1/quotes/${quoteId}/accept`, 201, {
    'idempotency-key': randomUUID(),
  });
const sleepUntil = (t: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));

async function rfqs(job: Extract<LoadJob, { kind: 'rfq' }>): Promise<LoadResult> {
  for (let i = 0; i < job.warmup; i++) await rfq(job.base, job.client);
  const ms: number[] = [];
  for (let i = 0; i < job.count; i++) {
    const t0 = performance.now();
    await rfq(job.base, job.client);
    ms.push(performance.now() - t0);
  }
  return { kind: 'rfq', ms };
}

/**
 * Open loop: the quotes are asked for first (round-robin over the clients), then accept i is sent at
 * t0 + i / rate whatever happened to the earlier ones, and its latency counts from that scheduled
 * time (a late send is queueing delay too, not a free pause).
 */
async function paced(job: Extract<LoadJob, { kind: 'paced' }>): Promise<LoadResult> {
  const quotes: { client: ApiClient; quoteId: string }[] = [];
  for (let i = 0; i < job.count; i++) {
    const client = job.clients[i % job.clients.length] as ApiClient;
    quotes.push({ client, quoteId: (await rfq(job.base, client)).quote.id });
  }
  const interval = 1000 / job.rate;
  const ms: number[] = [];
  const inFlight: Promise<void>[] = [];
  let lastSent = 0;
  let lastDone = 0;
  let maxLateMs = 0;
  const t0 = performance.now() + 50;
  for (let i = 0; i < quotes.length; i++) {
    const scheduled = t0 + i * interval;
    await sleepUntil(scheduled);
    const { client, quoteId } = quotes[i] as (typeof quotes)[number];
    lastSent = performance.now();
    maxLateMs = Math.max(maxLateMs, lastSent - scheduled);
    inFlight.push(
      accept(job.base, client, quoteId).then(() => {
        lastDone = performance.now();
        ms.push(lastDone - scheduled);
      }),
    );
  }
  await Promise.all(inFlight);
  return {
    kind: 'paced',
    ms,
    sendRate: (quotes.length - 1) / ((lastSent - t0) / 1000),
    doneRate: quotes.length / ((lastDone - t0) / 1000),
    maxLateMs,
  };
}

async function loop(job: Extract<LoadJob, { kind: 'loop' }>): Promise<LoadResult> {
  const rfqMs: number[] = [];
  const acceptMs: number[] = [];
  const t0 = performance.now();
  const end = t0 + job.seconds * 1000;
  let booked = 0;
  await Promise.all(
    job.clients.map(async (client) => {
      while (performance.now() < end) {
        const a = performance.now();
        const { quote } = await rfq(job.base, client);
        const b = performance.now();
        await accept(job.base, client, quote.id);
        acceptMs.push(performance.now() - b);
        rfqMs.push(b - a);
        booked++;
      }
    }),
  );
  return { kind: 'loop', booked, seconds: (performance.now() - t0) / 1000, rfqMs, acceptMs };
}

process.once('message', (job: LoadJob) => {
  const run = job.kind === 'rfq' ? rfqs(job) : job.kind === 'paced' ? paced(job) : loop(job);
  run.then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(
        `load generator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
});
