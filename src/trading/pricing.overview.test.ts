import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { bookTrade, SETTLEMENT_ENV } from '../../test/support/settlement.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

interface Overview {
  reference: { mid: string; via: string; stale: boolean } | null;
  houseCanQuote: boolean;
  maxAgeSeconds: number;
  spreads: { tiers: { fromUsdt: string; bps: number }[] };
  sources: { name: string; lastHour: { answers: number; failed: number }; recent: { status: string }[] }[];
}

describe('GET /api/pricing/overview', () => {
  let t: TestServer;
  let bare: TestServer;
  let viewer: Person, bareViewer: Person;
  beforeAll(async () => {
    t = await buildTestServer({ env: SETTLEMENT_ENV });
    bare = await buildTestServer();
    viewer = await person(t, ['auditor']);
    bareViewer = await person(bare, ['auditor']);
  });
  afterAll(async () => {
    await t.close();
    await bare.close();
  });

  it('shows the reference, the tiers and each source’s recent answers', async () => {
    await bookTrade(t, { usdt: 100n });
    const res = await call<Overview>(t, viewer, 'GET', '/api/pricing/overview');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      reference: { mid: '1', via: 'config', stale: false },
      houseCanQuote: true,
      spreads: { tiers: [{ fromUsdt: '0', bps: 10 }] },
    });
    expect(res.body.sources.map((s) => [s.name, s.lastHour.answers, s.lastHour.failed])).toEqual([
      ['house', 1, 0],
    ]);
    expect(res.body.sources[0]?.recent.map((q) => q.status)).toEqual(['accepted']);
  });

  it('says the house pricer cannot quote when no reference is set', async () => {
    const res = await call<Overview>(bare, bareViewer, 'GET', '/api/pricing/overview');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.reference).toBeNull();
    expect(res.body.houseCanQuote).toBe(false);
  });
});
