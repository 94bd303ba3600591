import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, fileFlagRequest, type Person } from '../../test/support/approvals.js';
import { alertNoticesOf, evaluate, linkedOwner, stateOf, transitionsOf } from '../../test/support/alerts.js';
import { sealAll } from '../../test/support/audit.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  autoSettlementOn,
  bookTrade,
  clientDeposits,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  type Desk,
} from '../../test/support/settlement.js';
import { buildTelegramServer, OPS_CHAT_ID, type TelegramTestServer } from '../../test/support/telegram.js';
import { fixedClock } from '../shared/clock.js';
import { withTransaction } from '../shared/db.js';
import { ChainError } from '../wallets/adapter.js';
import { settingNames } from './alerts.definitions.js';

/**
 * Every rule through the real services on one fixed clock, evaluated every 30 s as the worker would:
 * a condition held for less than `for` never fires; held longer it fires once (one alert_events row,
 * one notice per recipient: the ops chat and each linked operator holding the owner role); cleared
 * for `keepFiringFor` it resolves once. Thresholds and `for` come from ALERT_<NAME>_* (seeded on the
 * first start), small enough to reach in a test.
 */
const EVAL_MS = 30_000;
const BASE_ENV = {
  ...SETTLEMENT_ENV,
  ACCESS_TOKEN_MINUTES: '100000',
  STEP_UP_MINUTES: '100000',
  SESSION_HOURS: '10000',
  ALERTS_EVAL_SECONDS: '30',
};

type Clock = ReturnType<typeof fixedClock>;
interface Ctx {
  t: TestServer | TelegramTestServer;
  clock: Clock;
  p: Desk;
  data: Record<string, unknown>;
  /** Clock time of the last raise, for counter rules that re-raise while held. */
  lastRaise: number;
}

interface Scenario {
  rule: string;
  threshold?: string;
  forSeconds: number;
  telegram?: boolean;
  env?: Record<string, string>;
  extraRoutes?: FastifyPluginAsync[];
  setup?: (c: Ctx) => Promise<void>;
  /** Makes the condition true now. */
  raise: (c: Ctx) => Promise<void>;
  /** Before each step while it must keep holding (a counter rule raises again now and then). */
  keep?: (c: Ctx) => Promise<void>;
  /** Makes it false now (a counter rule: nothing; its window empties with time). */
  clear: (c: Ctx) => Promise<void>;
  /** Before each step while it must stay clear. */
  whileClear?: (c: Ctx) => Promise<void>;
}

const again = (everyMs: number) => async (c: Ctx, raise: (c: Ctx) => Promise<void>) => {
  if (c.clock.now().getTime() - c.lastRaise >= everyMs) await raise(c);
};
const nothing = async () => {};
/** An address outside the desk, on the paper chain. */
const OUTSIDER = 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8';
const advance = (ms: number) => (c: Ctx) => {
  c.clock.advance(ms);
  return Promise.resolve();
};
const boom: FastifyPluginAsync = async (app) => {
  app.get('/test/boom', { config: { access: 'public' } }, async () => {
    throw new Error('boom (a fault on our side)');
  });
};
const emergencyStop = async (c: Ctx) => {
  const res = await call(c.t, c.p.risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
    reason: 'pausing settlement for the test',
  });
  if (res.status !== 200) throw new Error(`emergency stop: ${res.status} ${JSON.stringify(res.body)}`);
  c.data.reviewId = res.body.reviewId;
};
const outbox = (n: number) => async (c: Ctx) => {
  await withTransaction(c.t.database.db, (tx) =>
    c.t.desk.services.notifications.enqueue(
      tx,
      Array.from({ length: n }, () => ({
        recipientType: 'ops_chat' as const,
        template: 'flag.emergency_disabled',
        data: { reason: 'a notice for the test' },
        at: c.clock.now(),
      })),
    ),
  );
};

const SCENARIOS: Scenario[] = [
  {
    rule: 'approvals_waiting_too_long',
    threshold: '60',
    forSeconds: 120,
    async raise(c) {
      c.data.request = (await fileFlagRequest(c.t, c.p.risk)).id;
      c.clock.advance(61_000);
    },
    async clear(c) {
      const res = await call(c.t, c.p.risk, 'POST', `/api/approvals/${String(c.data.request)}/cancel`, {});
      expect(res.status).toBe(200);
    },
  },
  {
    rule: 'settlement_queue_backlog',
    threshold: '1',
    forSeconds: 120,
    setup: (c) => autoSettlementOn(c.t, c.p),
    async raise(c) {
      for (let i = 0; i < 2; i++) await bookTrade(c.t, { usdt: 10n });
    },
    clear: (c) => drainSettlements(c.t, { advance: (ms) => c.clock.advance(ms) }),
  },
  {
    rule: 'settlement_flagged_spike',
    threshold: '1',
    forSeconds: 1020, // longer than its 15-minute window, so one burst is a blip
    env: { SETTLEMENT_LARGE_NOTIONAL_USDT: '50' },
    setup: (c) => autoSettlementOn(c.t, c.p),
    async raise(c) {
      c.lastRaise = c.clock.now().getTime();
      for (let i = 0; i < 2; i++) await bookTrade(c.t, { usdt: 100n }); // LARGE_NOTIONAL_REVIEW
    },
    keep: (c) => again(240_000)(c, SCENARIOS[2]!.raise),
    clear: nothing,
  },
  {
    rule: 'auto_settlement_disabled',
    forSeconds: 120,
    setup: (c) => autoSettlementOn(c.t, c.p),
    raise: emergencyStop,
    clear: (c) => autoSettlementOn(c.t, c.p),
  },
  {
    rule: 'settlement_failures',
    forSeconds: 1020,
    env: { SETTLEMENT_MAX_ATTEMPTS: '1' },
    async setup(c) {
      await autoSettlementOn(c.t, c.p);
      // The chain refuses every broadcast (the network's edge): each settlement fails its only attempt.
      vi.spyOn(c.t.desk.services.paper.adapter, 'broadcast').mockRejectedValue(
        new ChainError('node unavailable'),
      );
    },
    async raise(c) {
      c.lastRaise = c.clock.now().getTime();
      await bookTrade(c.t, { usdt: 10n });
      await drainSettlements(c.t);
    },
    keep: (c) => again(240_000)(c, SCENARIOS[4]!.raise),
    clear: nothing,
  },
  {
    rule: 'hot_wallet_low_balance',
    threshold: '999990',
    forSeconds: 120,
    setup: (c) => autoSettlementOn(c.t, c.p),
    async raise(c) {
      await bookTrade(c.t, { usdt: 20n, side: 'buy' }); // the desk pays 20 USDT out of its TRON hot wallet
      await drainSettlements(c.t, { advance: (ms) => c.clock.advance(ms) });
    },
    async clear(c) {
      const sell = await bookTrade(c.t, { usdt: 20n, side: 'sell' }); // a client pays 20 USDT in
      await clientDeposits(c.t, sell);
      await drainSettlements(c.t, { advance: (ms) => c.clock.advance(ms) });
    },
  },
  {
    rule: 'backend_error_rate',
    threshold: '2',
    forSeconds: 420, // longer than its 5-minute window
    extraRoutes: [boom],
    async raise(c) {
      c.lastRaise = c.clock.now().getTime();
      for (let i = 0; i < 3; i++)
        expect((await c.t.app.inject({ method: 'GET', url: '/test/boom' })).statusCode).toBe(500);
    },
    keep: (c) => again(120_000)(c, SCENARIOS[6]!.raise),
    clear: nothing,
  },
  {
    rule: 'telegram_delivery_failures',
    threshold: '0', // the ops chat's pace (one message per 3 s) may hold the second notice for the next run
    forSeconds: 1020,
    telegram: true,
    async raise(c) {
      c.lastRaise = c.clock.now().getTime();
      const t = c.t as TelegramTestServer;
      t.tg.fail(
        'sendMessage',
        { error_code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' },
        { chatId: OPS_CHAT_ID, times: 2 },
      );
      await outbox(2)(c);
      await t.deliver();
    },
    keep: (c) => again(240_000)(c, SCENARIOS[7]!.raise),
    clear: nothing,
  },
  {
    rule: 'flag_changed_outside_api',
    forSeconds: 600, // its default is 0 (fires at once, tested below); here one change is a blip
    async raise(c) {
      c.lastRaise = c.clock.now().getTime();
      await sql`update feature_flags set enabled = not enabled where key = 'AUTO_SETTLEMENT'`.execute(
        c.t.database.db,
      );
    },
    keep: (c) => again(120_000)(c, SCENARIOS[8]!.raise),
    clear: nothing,
  },
  {
    rule: 'flag_review_unacknowledged',
    threshold: '60',
    forSeconds: 120,
    async raise(c) {
      await emergencyStop(c);
      c.clock.advance(61_000);
    },
    async clear(c) {
      const res = await call(
        c.t,
        c.p.risk2,
        'POST',
        `/api/flags/reviews/${String(c.data.reviewId)}/acknowledge`,
        {
          comment: 'Reviewed the stop with the desk lead',
        },
      );
      expect(res.status).toBe(200);
    },
  },
  {
    rule: 'audit_chain_unsealed',
    threshold: '60',
    forSeconds: 120,
    setup: (c) => sealAll(c.t.database.db, c.t.desk.services.audit),
    async raise(c) {
      await fileFlagRequest(c.t, c.p.risk); // audited, and not sealed
      c.clock.advance(61_000);
    },
    clear: (c) => sealAll(c.t.database.db, c.t.desk.services.audit),
  },
  {
    rule: 'worker_down',
    threshold: '60',
    forSeconds: 120,
    setup: (c) => c.t.desk.services.alerts.service.heartbeat('test-worker'),
    raise: advance(61_000), // and no heartbeat from now on
    clear: (c) => c.t.desk.services.alerts.service.heartbeat('test-worker'),
    whileClear: (c) => c.t.desk.services.alerts.service.heartbeat('test-worker'),
  },
  {
    rule: 'notifications_backlog',
    threshold: '2',
    forSeconds: 120,
    telegram: true,
    raise: outbox(3),
    clear: async (c) => void (await (c.t as TelegramTestServer).deliver()),
    whileClear: async (c) => void (await (c.t as TelegramTestServer).deliver()),
  },
  {
    rule: 'wallet_reconciliation_drift',
    forSeconds: 120,
    async raise(c) {
      // 7 USDT leave the paper hot wallet without the desk knowing (as a stolen key would move them)
      const hot = await c.t.desk.services.wallets.hotWallet(c.t.database.db, 'tron');
      await c.t.desk.services.paper.send('tron', hot!.address, OUTSIDER, 7_000_000n);
      await c.t.desk.services.reconciliation.run({ trigger: 'schedule' });
    },
    keep: (c) => c.t.desk.services.reconciliation.run({ trigger: 'schedule' }).then(() => undefined),
    async clear(c) {
      const hot = await c.t.desk.services.wallets.hotWallet(c.t.database.db, 'tron');
      await c.t.desk.services.paper.send('tron', OUTSIDER, hot!.address, 7_000_000n);
      await c.t.desk.services.reconciliation.run({ trigger: 'schedule' });
    },
  },
];

async function stepFor(c: Ctx, ms: number, hook?: (c: Ctx) => Promise<void>) {
  for (let elapsed = 0; elapsed < ms; elapsed += EVAL_MS) {
    await hook?.(c);
    c.clock.advance(EVAL_MS);
    await evaluate(c.t);
  }
}

describe.each(SCENARIOS)('alert $rule', (s) => {
  const c = { data: {}, lastRaise: 0 } as Ctx;
  let owner: Person;
  let windowMs = 0;
  let keepMs = 0;
  const firings = async () => (await transitionsOf(c.t, s.rule)).filter((e) => e.to === 'firing');

  beforeAll(async () => {
    c.clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
    const names = settingNames(s.rule);
    const env = {
      ...BASE_ENV,
      ...s.env,
      [names.for]: String(s.forSeconds),
      ...(s.threshold ? { [names.threshold]: s.threshold } : {}),
    };
    c.t = s.telegram
      ? await buildTelegramServer({ clock: c.clock, env })
      : await buildTestServer({ clock: c.clock, env, extraRoutes: s.extraRoutes });
    await c.t.desk.prepare();
    const rule = c.t.desk.services.alerts.rules.get(s.rule);
    if (!rule) throw new Error(`no rule ${s.rule}`);
    windowMs = (rule.sample.increaseOverSeconds ?? 0) * 1000;
    keepMs = rule.keepFiringForSeconds * 1000;
    c.p = await deskPeople(c.t);
    owner = await linkedOwner(c.t, rule.owner);
    // Neither is told: the same role without Telegram, and a linked operator without the role.
    await deskPeople(c.t);
    await linkedOwner(c.t, rule.owner === 'platform_admin' ? 'ops_approver' : 'platform_admin');
    await s.setup?.(c);
    await evaluate(c.t);
    // The stored parameters are the configured ones (seeded on the first start).
    const stored = await c.t.desk.services.alerts.service.findRule(c.t.database.db, s.rule);
    expect(stored?.for_seconds).toBe(s.forSeconds);
    if (s.threshold) expect(Number(stored?.threshold)).toBe(Number(s.threshold));
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await c.t.close();
  });

  it('a condition held for less than `for` never fires', async () => {
    await s.raise(c);
    c.clock.advance(EVAL_MS);
    await evaluate(c.t);
    expect((await stateOf(c.t, s.rule)).state).toBe('pending');
    // A gauge holds until cleared; a counter's single burst holds for its window, shorter than `for`.
    await stepFor(c, windowMs > 0 ? 0 : s.forSeconds * 1000 - 2 * EVAL_MS, s.keep);
    await s.clear(c);
    await stepFor(c, s.forSeconds * 1000 + windowMs + 2 * EVAL_MS, s.whileClear);
    expect((await stateOf(c.t, s.rule)).state).toBe('inactive');
    expect(await firings()).toEqual([]);
    expect(await alertNoticesOf(c.t, s.rule, 'alert.firing')).toEqual([]);
    expect((await transitionsOf(c.t, s.rule)).map((e) => e.to)).toEqual(['pending', 'inactive']);
  }, 120_000);

  it('held for longer it fires once: one alert_events row, one notice per recipient', async () => {
    await s.raise(c);
    c.clock.advance(EVAL_MS);
    await evaluate(c.t);
    await stepFor(c, s.forSeconds * 1000 + 4 * EVAL_MS, s.keep);
    expect((await stateOf(c.t, s.rule)).state).toBe('firing');
    expect(await firings()).toHaveLength(1);
    const notices = await alertNoticesOf(c.t, s.rule, 'alert.firing');
    expect(notices.map((n) => [n.recipientType, n.recipientId])).toEqual([
      ['ops_chat', null],
      ['operator', owner.id],
    ]);
    expect(notices[0]?.data).toMatchObject({ alert: s.rule, runbook: `docs/runbooks/${s.rule}.md` });
  }, 120_000);

  it('cleared for keepFiringFor it resolves once', async () => {
    await s.clear(c);
    await stepFor(c, keepMs + windowMs + 4 * EVAL_MS, s.whileClear);
    expect((await stateOf(c.t, s.rule)).state).toBe('resolved');
    const resolved = (await transitionsOf(c.t, s.rule)).filter((e) => e.to === 'resolved');
    expect(resolved).toHaveLength(1);
    expect(await firings()).toHaveLength(1);
    expect((await alertNoticesOf(c.t, s.rule, 'alert.resolved')).map((n) => n.recipientType)).toEqual([
      'ops_chat',
      'operator',
    ]);
  }, 180_000);
});

describe('flag_changed_outside_api with its defaults', () => {
  it('a direct SQL update of feature_flags fires within one evaluation', async () => {
    const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
    const t = await buildTestServer({ clock });
    try {
      await t.desk.prepare(); // the first start: the counters' baseline is taken with the seed
      // As a database user would: no audit event first, so the trigger records it as a change in SQL.
      await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(t.database.db);
      clock.advance(15_000);
      const r = await evaluate(t);
      expect(r.transitions.filter((x) => x.rule === 'flag_changed_outside_api').map((x) => x.to)).toEqual([
        'pending',
        'firing',
      ]);
    } finally {
      await t.close();
    }
  });
});
