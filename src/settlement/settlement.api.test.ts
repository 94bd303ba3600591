import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
} from '../../test/support/settlement.js';
import { fixedClock } from '../shared/clock.js';

const clock = fixedClock(new Date('2026-11-24T09:00:00Z'));

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface SettlementBody {
  id: string;
  tradeId: string;
  status: string;
  amountUsdt: string;
  network: string;
  txHash: string | null;
  paper: boolean;
}

describe('settlements and wallets API', () => {
  let t: TestServer;
  let auditor: Person;
  let tradeIds: string[] = [];
  beforeAll(async () => {
    t = await buildTestServer({
      env: { ...SETTLEMENT_ENV, SETTLEMENT_LARGE_NOTIONAL_USDT: '5000' },
      clock,
      prepare: true,
    });
    auditor = await person(t, ['auditor']);
    await bookTrade(t, { usdt: 100n }); // flag off: held back
    clock.advance(1000);
    await autoSettlementOn(t, await deskPeople(t));
    await bookTrade(t, { usdt: 9000n }); // large notional
    tradeIds = [];
    for (let i = 0; i < 5; i++) {
      tradeIds.push((await bookTrade(t, { usdt: 10n + BigInt(i), network: i % 2 ? 'ethereum' : 'tron' })).id);
      clock.advance(1000);
    }
    await drainSettlements(t, { advance: (ms) => clock.advance(ms), rounds: 1 });
  });
  afterAll(() => t.close());

  it('lists settlements newest first, filtered by status and network, paged by cursor', async () => {
    const all = await call<Page<SettlementBody>>(t, auditor, 'GET', '/api/settlements?limit=2');
    expect(all.status).toBe(200);
    expect(all.body.items.map((s) => s.tradeId)).toEqual([tradeIds[4], tradeIds[3]]);
    expect(all.body.items[0]).toMatchObject({ paper: true, amountUsdt: '14', network: 'tron' });
    const next = await call<Page<SettlementBody>>(
      t,
      auditor,
      'GET',
      `/api/settlements?limit=2&cursor=${all.body.nextCursor ?? ''}`,
    );
    expect(next.body.items.map((s) => s.tradeId)).toEqual([tradeIds[2], tradeIds[1]]);
    const eth = await call<Page<SettlementBody>>(t, auditor, 'GET', '/api/settlements?network=ethereum');
    expect(eth.body.items.map((s) => s.tradeId).sort()).toEqual([tradeIds[1], tradeIds[3]].sort());
    const confirmed = await call<Page<SettlementBody>>(
      t,
      auditor,
      'GET',
      '/api/settlements?status=confirmed',
    );
    expect(confirmed.body.items).toEqual([]);
    const submitted = await call<Page<SettlementBody>>(
      t,
      auditor,
      'GET',
      '/api/settlements?status=submitted',
    );
    expect(submitted.body.items).toHaveLength(5);
    const bad = await call(t, auditor, 'GET', '/api/settlements?status=lost&cursor=zzz');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await call(t, auditor, 'GET', '/api/settlements?cursor=bm90LWEtY3Vyc29y')).body.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('shows a settlement with the timeline of every step and the flagged events of its trade', async () => {
    const list = await call<Page<SettlementBody>>(
      t,
      auditor,
      'GET',
      `/api/settlements?tradeId=${tradeIds[0] ?? ''}`,
    );
    const id = list.body.items[0]?.id ?? '';
    const detail = await call<{
      settlement: SettlementBody;
      timeline: { step: string; at: string; detail: Record<string, unknown> }[];
    }>(t, auditor, 'GET', `/api/settlements/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.settlement).toMatchObject({ id, status: 'submitted', paper: true });
    expect(detail.body.timeline.map((s) => s.step)).toEqual(['queued', 'reserved', 'prepared', 'broadcast']);
    expect(detail.body.timeline[2]?.detail).toEqual({ txHash: detail.body.settlement.txHash });
    expect(
      (await call(t, auditor, 'GET', '/api/settlements/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    expect((await call(t, auditor, 'GET', '/api/settlements/nope')).status).toBe(400);
  });

  it('lists flagged events by status and reason, and summarises the queue from counters', async () => {
    const open = await call<Page<{ reason: string; status: string; trade: { amountUsdt: string } }>>(
      t,
      auditor,
      'GET',
      '/api/settlements/flagged?status=open',
    );
    expect(open.body.items.map((e) => [e.reason, e.trade.amountUsdt])).toEqual([
      ['LARGE_NOTIONAL_REVIEW', '9000'],
      ['AUTO_SETTLEMENT_DISABLED', '100'],
    ]);
    const large = await call<Page<unknown>>(
      t,
      auditor,
      'GET',
      '/api/settlements/flagged?reason=LARGE_NOTIONAL_REVIEW',
    );
    expect(large.body.items).toHaveLength(1);
    expect((await call(t, auditor, 'GET', '/api/settlements/flagged?reason=BAD_LUCK')).status).toBe(400);

    clock.advance(5000);
    const summary = await call<{
      byStatus: Record<string, number>;
      openFlagged: number;
      openFlaggedByReason: Record<string, number>;
      oldestQueuedSeconds: number | null;
    }>(t, auditor, 'GET', '/api/settlements/summary');
    expect(summary.body).toMatchObject({
      byStatus: { queued: 0, submitted: 5, confirmed: 0 },
      openFlagged: 2,
      openFlaggedByReason: { LARGE_NOTIONAL_REVIEW: 1, AUTO_SETTLEMENT_DISABLED: 1 },
      oldestQueuedSeconds: null,
    });
  });

  it("shows each wallet labelled PAPER with chain, ledger and reserved balances, and a ledger account's entries", async () => {
    const wallets = await call<{
      items: {
        id: string;
        label: string;
        paper: boolean;
        chainBalance: { usdt: string };
        ledgerBalance: { usdt: string };
        reserved: { usdt: string };
        difference: { units: string };
        accounts: { main: string; reserved: string };
      }[];
    }>(t, auditor, 'GET', '/api/wallets');
    expect(wallets.status).toBe(200);
    const tron = wallets.body.items.find((w) => w.id === 'paper:tron:hot');
    // 10 + 12 + 14 USDT sent and still reserved until confirmed: the chain already paid them
    expect(tron).toMatchObject({
      label: 'PAPER',
      paper: true,
      chainBalance: { usdt: '999964' },
      ledgerBalance: { usdt: '1000000' },
      reserved: { usdt: '36' },
      difference: { units: '-36000000' },
    });
    await drainSettlements(t, { advance: (ms) => clock.advance(ms) });
    const after = await call<{
      items: {
        id: string;
        chainBalance: { usdt: string };
        ledgerBalance: { usdt: string };
        reserved: { usdt: string };
        difference: { units: string };
      }[];
    }>(t, auditor, 'GET', '/api/wallets');
    expect(after.body.items.find((w) => w.id === 'paper:tron:hot')).toMatchObject({
      chainBalance: { usdt: '999964' },
      ledgerBalance: { usdt: '999964' },
      reserved: { usdt: '0' },
      difference: { units: '0' },
    });

    const entries = await call<{
      account: { balance: { usdt: string } };
      items: { kind: string; amount: { usdt: string } }[];
    }>(
      t,
      auditor,
      'GET',
      `/api/ledger/accounts/${encodeURIComponent(tron?.accounts.reserved ?? '')}/entries?limit=50`,
    );
    expect(entries.status).toBe(200);
    expect(entries.body.account.balance.usdt).toBe('0');
    expect(entries.body.items.map((e) => `${e.kind} ${e.amount.usdt}`)).toEqual([
      'settle -14',
      'settle -12',
      'settle -10',
      'reserve 14',
      'reserve 12',
      'reserve 10',
    ]);
    expect((await call(t, auditor, 'GET', '/api/ledger/accounts/no-such-account/entries')).status).toBe(404);
  });

  it('every read needs a signed-in operator with the permission', async () => {
    for (const url of [
      '/api/settlements',
      '/api/settlements/summary',
      '/api/settlements/flagged',
      '/api/wallets',
      '/api/ledger/accounts/x/entries',
    ]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});
