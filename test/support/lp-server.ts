import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the test LP answers one call: a price (200 `{"price": …}`), or a status and a raw body; optionally after a delay. */
export interface LpBehaviour {
  price?: string;
  status?: number;
  /** Sent as is instead of `{"price": …}` (bad JSON, a missing price, a huge body). */
  body?: string;
  delayMs?: number;
  /** Stream the body in 8 KiB chunks without Content-Length (so only the reader's own bound can stop it). */
  chunked?: boolean;
}

export interface LpCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw request body, and parsed when it is JSON. */
  raw: string;
  json: unknown;
}

export interface TestLpServer {
  url: string;
  /** Every request received, in order. */
  calls: LpCall[];
  /** The behaviour for every next call (until changed). */
  set(behaviour: LpBehaviour | ((call: LpCall) => LpBehaviour)): void;
  /** Calls whose answer was abandoned by the client before it was sent (aborted at the deadline). */
  aborted: number;
  close(): Promise<void>;
}

/**
 * A tiny real liquidity provider over HTTP (node:http on 127.0.0.1, a free port) speaking the
 * protocol of docs/trading.md; a test sets its answer and reads the requests it received.
 */
export async function startTestLp(initial: LpBehaviour = { price: '1' }): Promise<TestLpServer> {
  let behaviour: LpBehaviour | ((call: LpCall) => LpBehaviour) = initial;
  const calls: LpCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = { aborted: 0 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const call: LpCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, json };
      calls.push(call);
      const b = typeof behaviour === 'function' ? behaviour(call) : behaviour;
      const answer = () => {
        if (res.destroyed || res.writableEnded) return;
        const body = b.body ?? JSON.stringify({ price: b.price });
        if (!b.chunked) {
          res.writeHead(b.status ?? 200, { 'content-type': 'application/json' }).end(body);
          return;
        }
        res.writeHead(b.status ?? 200, {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        });
        for (let i = 0; i < body.length; i += 8192) res.write(body.slice(i, i + 8192));
        res.end();
      };
      res.on('close', () => {
        if (!res.writableFinished) state.aborted += 1;
      });
      if (b.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, b.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/quote`,
    calls,
    set(next) {
      behaviour = next;
    },
    get aborted() {
      return state.aborted;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
