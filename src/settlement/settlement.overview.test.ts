import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  type Desk,
} from '../../test/support/settlement.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';
import { bucketsOf } from '../shared/windows.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('the overview’s aggregate endpoints', () => {
  let t: TestServer;
  let people: Desk;
  let viewer: Person;
  const clock = fixedClock(new Date());
  beforeAll(async () => {
    t = await buildTestServer({ env: SETTLEMENT_ENV, prepare: true, clock });
    people = await deskPeople(t);
    viewer = await person(t, ['ops_approver']);
  });
  afterAll(() => t.close());

  it('buckets are aligned, one value per bucket in every series', () => {
    const now = new Date('2026-12-02T10:07:31Z');
    const h = bucketsOf('1h', now);
    expect(h.starts).toHaveLength(60);
    expect(new Date(h.starts.at(-1) ?? 0).toISOString()).toBe('2026-12-02T10:07:00.000Z');
    expect(h.start.toISOString()).toBe('2026-12-02T09:08:00.000Z');
    expect(bucketsOf('24h', now).starts).toHaveLength(96);
    expect(new Date(bucketsOf('7d', now).starts.at(-1) ?? 0).toISOString()).toBe('2026-12-02T10:00:00.000Z');
  });

  it('counts what settled, what waits, the latency, the flagged events, the requests and the volume by network', async () => {
    // two held back while AUTO_SETTLEMENT is off (flagged), then on: three more queued, two drained
    await bookTrade(t, { usdt: 100n });
    await bookTrade(t, { usdt: 200n, network: 'ethereum' });
    await autoSettlementOn(t, people);
    const settled = [
      await bookTrade(t, { usdt: 300n }),
      await bookTrade(t, { usdt: 400n, network: 'ethereum' }),
    ];
    clock.advance(5_000);
    for (const s of settled) {
      const row = await t.database.db
        .selectFrom('settlements')
        .select('id')
        .where('trade_id', '=', s.id)
        .executeTakeFirstOrThrow();
      await t.desk.services.settlement.worker.process(row.id);
    }
    await drainSettlements(t, { advance: (ms) => clock.advance(ms) });
    await bookTrade(t, { usdt: 500n }); // queued, not drained

    const s = await call<{
      buckets: string[];
      outcomes: { confirmed: number[]; failed: number[] };
      latencySeconds: { p50: (number | null)[]; p95: (number | null)[] };
      queueDepth: number[];
      flagged: { opened: number[]; closed: number[] };
    }>(t, viewer, 'GET', '/api/settlements/overview?window=1h');
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.buckets).toHaveLength(60);
    expect(sum(s.body.outcomes.confirmed)).toBe(2);
    expect(sum(s.body.outcomes.failed)).toBe(0);
    expect(s.body.queueDepth.at(-1)).toBe(1);
    expect(s.body.queueDepth[0]).toBe(0);
    const p50 = s.body.latencySeconds.p50.filter((x): x is number => x !== null);
    expect(p50.length).toBeGreaterThan(0);
    expect(Math.min(...p50)).toBeGreaterThanOrEqual(5);
    expect(sum(s.body.flagged.opened)).toBe(2);
    expect(sum(s.body.flagged.closed)).toBe(0);

    const v = await call<{ volumeUsdt: { tron: string[]; ethereum: string[] }; trades: { tron: number[] } }>(
      t,
      viewer,
      'GET',
      '/api/trades/overview?window=24h',
    );
    expect(v.status).toBe(200);
    const usdt = (xs: string[]) => xs.reduce((a, b) => a + Number(b), 0);
    expect(usdt(v.body.volumeUsdt.tron)).toBe(900);
    expect(usdt(v.body.volumeUsdt.ethereum)).toBe(600);
    expect(sum(v.body.trades.tron)).toBe(3);

    const a = await call<{ filed: number[]; decided: number[]; waiting: number; awaitingMe: number }>(
      t,
      viewer,
      'GET',
      '/api/approvals/overview?window=7d',
    );
    expect(a.status).toBe(200);
    expect(sum(a.body.filed)).toBe(1); // the flag.set
    expect(sum(a.body.decided)).toBe(1);
    expect(a.body.waiting).toBe(0);
    expect(a.body.awaitingMe).toBe(0);

    expect((await call(t, viewer, 'GET', '/api/settlements/overview?window=2d')).status).toBe(400);
  });
});
