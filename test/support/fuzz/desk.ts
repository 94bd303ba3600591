import { request as httpRequest } from 'node:http';
import { ROLES } from '../../../src/shared/roles.js';
import { call, fileFlagRequest, person, type Person } from '../approvals.js';
import { newClient } from '../clients.js';
import { buildTestServer, type TestServer } from '../server.js';
import type { KnownIds } from './arbitraries.js';
import type { FuzzResponse } from './checks.js';
import type { OpenApiDocument } from './openapi.js';
import type { Caller, FuzzRequest } from './requests.js';

export interface FuzzDesk {
  t: TestServer;
  base: string;
  doc: OpenApiDocument;
  known: KnownIds;
  send(req: FuzzRequest): Promise<FuzzResponse>;
  /** How many times the throwaway operator had to be replaced (its session ended or it was deactivated). */
  replacements(): number;
  close(): Promise<void>;
}

/** Two quotes by the client API, one accepted: ids for the quote and trade routes to find. */
async function firstTrade(base: string, key: string): Promise<{ quoteId: string; tradeId: string }> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const rfq = async () => {
    const res = await fetch(`${base}/api/client/v1/rfqs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ side: 'buy', amount: '1000', network: 'tron' }),
    });
    const body = (await res.json()) as { quote?: { id: string } };
    if (!body.quote) throw new Error(`no quote for the fuzz client: ${JSON.stringify(body)}`);
    return body.quote.id;
  };
  const accepted = await rfq();
  const res = await fetch(`${base}/api/client/v1/quotes/${accepted}/accept`, {
    method: 'POST',
    headers: { authorization: headers.authorization, 'idempotency-key': 'fuzz-first-trade' },
  });
  const trade = (await res.json()) as { id?: string };
  if (!trade.id) throw new Error(`no trade for the fuzz client: ${JSON.stringify(trade)}`);
  return { quoteId: await rfq(), tradeId: trade.id };
}

/** The values of `key`, `kind` and `name` fields in these pages: the desk's own vocabulary. */
async function wordsOf(t: TestServer, who: Person, urls: string[]): Promise<string[]> {
  const words = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null)
      for (const [k, sub] of Object.entries(v)) {
        if (['key', 'kind', 'name'].includes(k) && typeof sub === 'string') words.add(sub);
        else walk(sub);
      }
  };
  for (const url of urls) walk((await call(t, who, 'GET', url)).body);
  return [...words];
}

/** A forged bearer: JWT-shaped, signed with nothing the desk knows. */
const FORGED =
  'eyJhbGciOiJIUzI1NiIsImtpZCI6InRlc3QxIn0.eyJzdWIiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * A real desk on 127.0.0.1 with an operator holding every role, a throwaway operator for the
 * caller's-own-account operations, an active client with an API key, and the OpenAPI document.
 */
export async function startFuzzDesk(): Promise<FuzzDesk> {
  const t = await buildTestServer({
    env: {
      CLIENT_API_RATE_PER_MINUTE: '100000',
      // A house price, so RFQs get quotes and the trade routes have trades to act on.
      PRICING_REFERENCE_MID: '1',
      PRICING_SPREAD_TIERS: '0:10',
      LIMIT_MAX_PER_TRADE_USDT: '50000',
      ACCESS_TOKEN_MINUTES: '240',
      STEP_UP_MINUTES: '240',
    },
  });
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const all: Person = await person(t, [...ROLES]);
  let self: Person = await person(t, [...ROLES]);
  let replaced = 0;
  const client = await newClient(t);
  await t.database.db
    .insertInto('client_addresses')
    .values({
      client_id: client.id,
      network: 'tron',
      address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      status: 'whitelisted',
      whitelisted_at: new Date(),
      removed_at: null,
    })
    .execute();
  const issued = await call<{ key: string }>(t, all, 'POST', `/api/clients/${client.id}/api-keys`, {
    label: 'fuzz',
  });
  if (issued.status !== 201)
    throw new Error(`could not issue the fuzz API key: ${JSON.stringify(issued.body)}`);
  const clientKey = issued.body.key;
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument;
  const filed = await fileFlagRequest(t, all);
  const { quoteId, tradeId } = await firstTrade(base, clientKey);
  const known: KnownIds = {
    uuids: [client.id, self.id, filed.id, quoteId, tradeId],
    words: await wordsOf(t, all, ['/api/flags', '/api/approvals/policies', '/api/alerts']),
  };

  const tokenFor = (caller: Caller): string | null => {
    switch (caller) {
      case 'operator':
        return all.session.token;
      case 'self':
        return self.session.token;
      case 'client':
        return clientKey;
      case 'forged':
        return FORGED;
      case 'anonymous':
        return null;
    }
  };

  /** A new throwaway operator when the current one can no longer use its session. */
  async function keepSelfAlive() {
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${self.session.token}` } });
    await me.arrayBuffer();
    if (me.status === 200) return;
    self = await person(t, [...ROLES]);
    known.uuids[1] = self.id;
    replaced++;
  }

  async function send(req: FuzzRequest): Promise<FuzzResponse> {
    const token = tokenFor(req.caller);
    const res = await rawRequest(base, req, token);
    if (req.caller === 'self' || req.url.startsWith('/api/operators/')) await keepSelfAlive();
    return res;
  }

  return {
    t,
    base,
    doc,
    known,
    send,
    replacements: () => replaced,
    close: () => t.close(),
  };
}

/**
 * One request over a real socket, the URL sent byte for byte (fetch would normalise `..` and escapes, and
 * refuses a GET with a body). The event stream stays open, so for it the headers are the answer.
 */
function rawRequest(base: string, req: FuzzRequest, token: string | null): Promise<FuzzResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: hostname,
        port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(req.body === undefined ? {} : { 'content-length': Buffer.byteLength(req.body) }),
        },
      },
      (res) => {
        const contentType = res.headers['content-type'] ?? '';
        if (contentType.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, contentType, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    // A reply that never comes is a failure too: name the request rather than hang the run.
    r.setTimeout(30_000, () =>
      r.destroy(new Error(`no reply in 30 s to ${req.method} ${req.url} (as ${req.caller})`)),
    );
    r.on('error', reject);
    r.end(req.body);
  });
}
