import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertNoticesOf, evaluate, linkedOwner, stateOf, transitionsOf } from '../../test/support/alerts.js';
import { call, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { compose, type Composition } from '../main/compose.js';
import { createLogger } from '../shared/logger.js';
import { createDb, createPool } from '../shared/db.js';
import { fixedClock } from '../shared/clock.js';

/**
 * worker_down as the probe (its condition is the heartbeat's age, moved by the clock alone):
 * several evaluators on one database record and notify each transition once; a restart resumes from
 * the stored state; a silence mutes notices but not the history or the metric.
 */
const ENV = {
  ALERT_WORKER_DOWN_THRESHOLD: '60',
  ALERT_WORKER_DOWN_FOR: '60',
  ACCESS_TOKEN_MINUTES: '100000',
  STEP_UP_MINUTES: '100000',
  SESSION_HOURS: '10000',
};
const RULE = 'worker_down';

describe('the evaluator across processes and restarts', () => {
  const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
  let t: TestServer;
  let owner: Person;
  const others: { desk: Composition; close: () => Promise<void> }[] = [];

  /** Another desk process on the same database: its own pool, its own composition, the same clock. */
  async function anotherProcess(env: Record<string, string> = ENV) {
    const pool = createPool(t.database.url, 4);
    const db = createDb(pool);
    const config = { ...t.config, alertSettings: { ...t.config.alertSettings, ...pickAlertSettings(env) } };
    const desk = compose({ config, db, pool, logger: createLogger('silent'), clock, secrets: t.secrets });
    const p = { desk, close: () => db.destroy() };
    others.push(p);
    return p;
  }
  const pickAlertSettings = (env: Record<string, string>) =>
    Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ALERT_')));

  beforeAll(async () => {
    t = await buildTestServer({ clock, env: ENV });
    await t.desk.prepare();
    owner = await linkedOwner(t, 'platform_admin');
    await t.desk.services.alerts.service.heartbeat('w1');
  });
  afterAll(async () => {
    for (const o of others) await o.close();
    await t.close();
  });

  it('two evaluators on two pools, cycling at the same moments: each transition recorded and notified once', async () => {
    const a = await anotherProcess();
    const b = await anotherProcess();
    for (let i = 0; i < 12; i++) {
      clock.advance(15_000);
      await Promise.all([a.desk.services.alerts.evaluator.cycle(), b.desk.services.alerts.evaluator.cycle()]);
    }
    expect((await transitionsOf(t, RULE)).map((e) => e.to)).toEqual(['pending', 'firing']);
    expect((await alertNoticesOf(t, RULE, 'alert.firing')).map((n) => n.recipientId)).toEqual([
      null,
      owner.id,
    ]);

    await t.desk.services.alerts.service.heartbeat('w1');
    for (let i = 0; i < 4; i++) {
      clock.advance(5_000);
      await Promise.all([a.desk.services.alerts.evaluator.cycle(), b.desk.services.alerts.evaluator.cycle()]);
    }
    expect((await transitionsOf(t, RULE)).map((e) => e.to)).toEqual(['pending', 'firing', 'resolved']);
    expect(await alertNoticesOf(t, RULE, 'alert.resolved')).toHaveLength(2);
  });

  it('a restart while firing sends no second firing notice; a condition cleared during the downtime resolves', async () => {
    const before = (await transitionsOf(t, RULE)).length;
    const first = await anotherProcess();
    clock.advance(120_000);
    await first.desk.services.alerts.evaluator.cycle();
    clock.advance(61_000);
    await first.desk.services.alerts.evaluator.cycle();
    expect((await stateOf(t, RULE)).state).toBe('firing');
    await first.close(); // the process stops while firing

    const second = await anotherProcess(); // and starts again: still firing, nothing new
    for (let i = 0; i < 4; i++) {
      clock.advance(15_000);
      await second.desk.services.alerts.evaluator.cycle();
    }
    const firings = (await transitionsOf(t, RULE)).slice(before).map((e) => e.to);
    expect(firings).toEqual(['pending', 'firing']);
    expect(await alertNoticesOf(t, RULE, 'alert.firing')).toHaveLength(4); // two episodes × two recipients
    await second.close();

    await t.desk.services.alerts.service.heartbeat('w1'); // cleared while no desk ran
    clock.advance(10_000);
    const third = await anotherProcess();
    await third.desk.services.alerts.evaluator.cycle();
    expect((await transitionsOf(t, RULE)).slice(before).map((e) => e.to)).toEqual([
      'pending',
      'firing',
      'resolved',
    ]);
    expect(await alertNoticesOf(t, RULE, 'alert.resolved')).toHaveLength(4);
  });

  it('an env var never overrides the stored value later', async () => {
    const later = await anotherProcess({ ALERT_WORKER_DOWN_THRESHOLD: '999' });
    await later.desk.services.alerts.evaluator.prime();
    const stored = await t.desk.services.alerts.service.findRule(t.database.db, RULE);
    expect(stored?.threshold).toBe('60');
  });
});

describe('silences', () => {
  const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
  let t: TestServer;
  let admin: Person;
  let ops: Person;

  beforeAll(async () => {
    t = await buildTestServer({ clock, env: { ...ENV, ALERTS_SILENCE_MAX_CRITICAL_MINUTES: '60' } });
    await t.desk.prepare();
    admin = await linkedOwner(t, 'platform_admin');
    ops = await linkedOwner(t, 'ops_approver');
    await t.desk.services.alerts.service.heartbeat('w1');
  });
  afterAll(() => t.close());

  const silence = (who: Person, body: unknown, rule = RULE) =>
    call(t, who, 'POST', `/api/alerts/${rule}/silence`, body);

  it('a critical rule cannot be silenced past the maximum: problem+json with the code at the field', async () => {
    const res = await silence(admin, { minutes: 61, reason: 'maintenance of the worker hosts' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('SILENCE_TOO_LONG');
    expect(res.body.errors).toEqual([
      { path: 'minutes', message: 'must be at most 60 minutes for a critical rule' },
    ]);
  });

  it('only the owner role may silence, with a reason, and the route asks for a fresh step-up', async () => {
    expect((await silence(ops, { minutes: 30, reason: 'maintenance of the worker hosts' })).body.code).toBe(
      'FORBIDDEN',
    );
    const short = await silence(admin, { minutes: 30, reason: 'maint' });
    expect(short.body).toMatchObject({ code: 'REASON_REQUIRED', errors: [{ path: 'reason' }] });
    const routes = t.app.deskRoutes.filter((r) => r.url === '/api/alerts/:name/silence');
    expect(routes.map((r) => [r.method, r.access])).toEqual([
      ['POST', { permission: 'alerts:silence', stepUp: true }],
      ['DELETE', { permission: 'alerts:silence', stepUp: true }],
    ]);
  });

  it('a silence mutes the notices, never the recorded events or the metric; lifting it is audited', async () => {
    const res = await silence(admin, { minutes: 60, reason: 'maintenance of the worker hosts' });
    expect(res.status).toBe(200);
    for (let i = 0; i < 10; i++) {
      clock.advance(15_000);
      await evaluate(t);
    }
    expect((await transitionsOf(t, RULE)).map((e) => [e.to, e.silenced])).toEqual([
      ['pending', true],
      ['firing', true],
    ]);
    expect(await alertNoticesOf(t, RULE, 'alert.firing')).toEqual([]);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('desk_alerts_firing{alert="worker_down",severity="critical"} 1');
    const list = await call<{ items: { name: string; state: string; silence: unknown }[]; firing: number }>(
      t,
      admin,
      'GET',
      '/api/alerts',
    );
    expect(list.body.items.find((i) => i.name === RULE)).toMatchObject({
      state: 'firing',
      silence: { reason: 'maintenance of the worker hosts' },
    });

    const lifted = await t.app.inject({
      method: 'DELETE',
      url: `/api/alerts/${RULE}/silence`,
      headers: admin.session.bearer,
    });
    expect(lifted.json()).toEqual({ name: RULE, changed: true });
    const audited = await t.database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id'])
      .where('entity_type', '=', 'alert_rule')
      .orderBy('id')
      .execute();
    expect(audited).toEqual([
      { action: 'alert.silenced', actor_id: admin.id },
      { action: 'alert.unsilenced', actor_id: admin.id },
    ]);
    // Unsilenced while firing: the next reminder goes out at its time.
    clock.advance(3_600_000);
    await evaluate(t);
    expect(await alertNoticesOf(t, RULE, 'alert.repeat')).toHaveLength(2);
  });
});
