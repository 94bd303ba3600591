import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RequestBody } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { sql } from 'kysely';
import {
  autoSettlementOn,
  bookTrade,
  clientDeposits,
  coSigned,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  walletsAgree,
  type Desk,
} from '../../test/support/settlement.js';
import { fixedClock } from '../shared/clock.js';
import { ledger } from '../wallets/ledger.js';

const clock = fixedClock(new Date('2026-11-24T09:00:00Z'));

describe('the AUTO_SETTLEMENT gate: nothing settles unless it is deliberately on, and every held-back fill is recorded', () => {
  let t: TestServer;
  let p: Desk;
  beforeAll(async () => {
    t = await buildTestServer({
      env: { ...SETTLEMENT_ENV, SETTLEMENT_LARGE_NOTIONAL_USDT: '50000' },
      clock,
      prepare: true,
    });
    p = await deskPeople(t);
  });
  afterAll(() => t.close());

  const db = () => t.database.db;
  const metric = async (name: string) =>
    (await t.desk.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name));

  it('flag off: N accepted trades give N flagged AUTO_SETTLEMENT_DISABLED events and no settlement; on by a co-signed request; requeue of all open settles every one', async () => {
    const N = 6;
    const trades = [];
    for (let i = 0; i < N; i++)
      trades.push(
        await bookTrade(t, {
          usdt: 1000n + BigInt(i),
          side: i % 3 === 2 ? 'sell' : 'buy',
          network: i % 2 ? 'ethereum' : 'tron',
        }),
      );
    const flagged = await db()
      .selectFrom('settlement_flagged_events')
      .selectAll()
      .orderBy('created_at')
      .execute();
    expect(flagged.map((e) => [e.trade_id, e.reason, e.status])).toEqual(
      trades.map((tr) => [tr.id, 'AUTO_SETTLEMENT_DISABLED', 'open']),
    );
    expect(flagged[0]?.trade_snapshot).toMatchObject({
      id: trades[0]?.id,
      amountUsdt: '1000',
      side: 'buy',
      network: 'tron',
      status: 'booked',
    });
    expect(await db().selectFrom('settlements').select('id').execute()).toEqual([]);
    expect(await metric('desk_settlement_flagged_total')).toContain(
      `desk_settlement_flagged_total{reason="AUTO_SETTLEMENT_DISABLED"} ${N}`,
    );
    expect(await metric('desk_settlement_flagged_open')).toContain(`desk_settlement_flagged_open ${N}`);
    expect(await metric('desk_settlement_queue_depth')).toContain(
      'desk_settlement_queue_depth{status="queued"} 0',
    );

    // A requeue while the flag is off is refused: it would be held again.
    const early = await call<RequestBody>(t, p.ops, 'POST', '/api/approvals', {
      kind: 'settlement.requeue',
      payload: { reason: 'AUTO_SETTLEMENT_DISABLED' },
    });
    expect(early.status).toBe(400);
    expect(early.body.code).toBe('VALIDATION_FAILED');

    await autoSettlementOn(t, p);
    const requeue = await coSigned(t, p, 'settlement.requeue', { reason: 'AUTO_SETTLEMENT_DISABLED' });
    expect(requeue.status).toBe('approved');
    const queued = await db().selectFrom('settlements').select(['trade_id', 'status']).execute();
    expect(queued).toHaveLength(N);
    expect(queued.every((s) => s.status === 'queued')).toBe(true);
    const first = await db()
      .selectFrom('settlements')
      .select('id')
      .where('trade_id', '=', trades[0]?.id ?? '')
      .executeTakeFirstOrThrow();
    const steps = await db()
      .selectFrom('settlement_steps')
      .select(['step', 'detail'])
      .where('settlement_id', '=', first.id)
      .orderBy('id')
      .execute();
    expect(steps.map((x) => x.step)).toEqual(['queued', 'requeued', 'reserved']);
    expect(steps[1]?.detail).toMatchObject({ approvalId: requeue.id, reason: 'AUTO_SETTLEMENT_DISABLED' });
    expect(
      await db()
        .selectFrom('settlement_flagged_events')
        .select('status')
        .where('status', '=', 'open')
        .execute(),
    ).toEqual([]);
    expect(await metric('desk_settlement_queue_depth')).toContain(
      `desk_settlement_queue_depth{status="queued"} ${N}`,
    );

    // The sells settle when the client's deposit arrives on the paper chain.
    await drainSettlements(t, { advance: (ms) => clock.advance(ms), rounds: 3 });
    for (const tr of trades.filter((x) => x.side === 'sell')) await clientDeposits(t, tr);
    await drainSettlements(t, { advance: (ms) => clock.advance(ms) });

    const done = await db().selectFrom('settlements').select(['status', 'tx_hash', 'trade_id']).execute();
    expect(done.map((s) => s.status)).toEqual(Array(N).fill('confirmed'));
    expect(new Set(done.map((s) => s.tx_hash)).size).toBe(N);
    const statuses = await db()
      .selectFrom('trades')
      .select('status')
      .where(
        'id',
        'in',
        trades.map((x) => x.id),
      )
      .execute();
    expect(statuses.every((s) => s.status === 'settled')).toBe(true);
    // one paper transfer per buy, paid to the client's address
    for (const tr of trades.filter((x) => x.side === 'buy')) {
      const sent = await db()
        .selectFrom('paper_transactions')
        .select(['to_address', 'amount'])
        .where('to_address', '=', tr.address)
        .execute();
      expect(sent).toEqual([{ to_address: tr.address, amount: tr.amount_units }]);
    }
    expect(await ledger.unbalancedEntries(db())).toEqual([]);
    for (const w of await walletsAgree(t)) {
      expect(w.chain, w.wallet).toBe(w.ledger);
      expect(w.reserved, w.wallet).toBe(0n);
    }
    const notices = await notificationsFor(t, { template: 'settlement.confirmed' });
    expect(notices).toHaveLength(N);
    expect(await metric('desk_settlement_queue_depth')).toContain(
      `desk_settlement_queue_depth{status="confirmed"} ${N}`,
    );
    expect(await metric('desk_settlement_flagged_open')).toContain('desk_settlement_flagged_open 0');
  });

  it('flag on: a large notional is held for review, anything else is queued with its job', async () => {
    const large = await bookTrade(t, { usdt: 60_000n });
    const fine = await bookTrade(t, { usdt: 10n });
    const reasons = await db()
      .selectFrom('settlement_flagged_events')
      .select(['trade_id', 'reason'])
      .where('trade_id', 'in', [large.id, fine.id])
      .execute();
    expect(reasons).toEqual([{ trade_id: large.id, reason: 'LARGE_NOTIONAL_REVIEW' }]);
    // the ops chat hears about a fill held by a risk rule (not about each one held while the flag is off)
    const told = await notificationsFor(t, { template: 'settlement.flagged' });
    expect(told.map((n) => n.recipientType)).toEqual(['ops_chat']);
    expect(told[0]?.data).toMatchObject({
      reason: 'LARGE_NOTIONAL_REVIEW',
      tradeId: large.id,
      amountUsdt: '60000',
    });
    const s = await db()
      .selectFrom('settlements')
      .select(['id', 'status'])
      .where('trade_id', '=', fine.id)
      .executeTakeFirstOrThrow();
    expect(s.status).toBe('queued');
    // reserved in the ledger by the booking transaction itself
    expect(
      await db()
        .selectFrom('ledger_entries')
        .select(['kind', 'key'])
        .where('settlement_id', '=', s.id)
        .execute(),
    ).toEqual([{ kind: 'reserve', key: `reserve:${s.id}:0` }]);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs where key = ${`settlement:${s.id}`} and task_identifier = 'settlement_process'`.execute(
      db(),
    );
    expect(rows[0]?.n).toBe(1);
    await drainSettlements(t, { advance: (ms) => clock.advance(ms) });
  });

  it('a requeued LARGE_NOTIONAL_REVIEW settles (people reviewed it); a dismissal needs a reason and cancels the trade', async () => {
    const big = await bookTrade(t, { usdt: 55_000n });
    const other = await bookTrade(t, { usdt: 70_000n });
    const [e1, e2] = await Promise.all(
      [big, other].map((tr) =>
        db()
          .selectFrom('settlement_flagged_events')
          .selectAll()
          .where('trade_id', '=', tr.id)
          .executeTakeFirstOrThrow(),
      ),
    );
    if (!e1 || !e2) throw new Error('no flagged events');
    await coSigned(t, p, 'settlement.requeue', { eventIds: [e1.id] });
    await drainSettlements(t, { advance: (ms) => clock.advance(ms) });
    expect(
      (
        await db()
          .selectFrom('settlements')
          .select('status')
          .where('trade_id', '=', big.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('confirmed');

    const noReason = await call(t, p.ops, 'POST', '/api/approvals', {
      kind: 'settlement.dismiss',
      payload: { eventIds: [e2.id], reason: '' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors?.map((e) => e.path)).toContain('payload.reason');
    const dismissed = await coSigned(t, p, 'settlement.dismiss', {
      eventIds: [e2.id],
      reason: 'Client withdrew the order by phone',
    });
    expect(dismissed.status).toBe('approved');
    const after = await db()
      .selectFrom('settlement_flagged_events')
      .selectAll()
      .where('id', '=', e2.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({
      status: 'dismissed',
      resolution_note: 'Client withdrew the order by phone',
      resolved_by_request: dismissed.id,
    });
    expect(
      (await db().selectFrom('trades').select('status').where('id', '=', other.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('cancelled');
    // a resolved event cannot be requeued or dismissed again
    const again = await call<RequestBody>(t, p.ops, 'POST', '/api/approvals', {
      kind: 'settlement.requeue',
      payload: { eventIds: [e2.id] },
    });
    expect(again.status).toBe(400);
  });

  it('flagged events are never deleted and move only once', async () => {
    const e = await db()
      .selectFrom('settlement_flagged_events')
      .select(['id', 'status'])
      .where('status', '<>', 'open')
      .executeTakeFirstOrThrow();
    await expect(
      db().deleteFrom('settlement_flagged_events').where('id', '=', e.id).execute(),
    ).rejects.toThrow(/never deleted/);
    await expect(
      db().updateTable('settlement_flagged_events').set({ status: 'open' }).where('id', '=', e.id).execute(),
    ).rejects.toThrow(/moves only once/);
  });

  it('a co-signed trade.cancel of a held-back trade dismisses its open event', async () => {
    const tr = await bookTrade(t, { usdt: 80_000n });
    await coSigned(t, p, 'trade.cancel', { tradeId: tr.id }, [p.risk, p.ops, p.risk2]);
    const e = await db()
      .selectFrom('settlement_flagged_events')
      .selectAll()
      .where('trade_id', '=', tr.id)
      .executeTakeFirstOrThrow();
    expect(e.status).toBe('dismissed');
    expect(e.resolution_note).toBe('the trade was cancelled');
  });
});

describe('a buy the hot wallet cannot pay is held back', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({ env: { ...SETTLEMENT_ENV, PAPER_FAUCET_USDT: '100' }, clock, prepare: true });
    await autoSettlementOn(t, await deskPeople(t));
  });
  afterAll(() => t.close());

  it('INSUFFICIENT_HOT_WALLET_BALANCE for a buy above what the wallet can promise; a sell needs nothing from it', async () => {
    const buy = await bookTrade(t, { usdt: 500n });
    const sell = await bookTrade(t, { usdt: 500n, side: 'sell' });
    const flagged = await t.database.db
      .selectFrom('settlement_flagged_events')
      .select(['trade_id', 'reason', 'detail'])
      .execute();
    expect(flagged).toEqual([
      {
        trade_id: buy.id,
        reason: 'INSUFFICIENT_HOT_WALLET_BALANCE',
        detail: 'The hot wallet can pay 100 USDT, the trade needs 500 USDT.',
      },
    ]);
    expect(
      (await t.database.db.selectFrom('settlements').select('trade_id').execute()).map((s) => s.trade_id),
    ).toEqual([sell.id]);
  });
});
