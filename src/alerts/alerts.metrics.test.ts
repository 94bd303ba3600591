import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTelegramServer, OPS_CHAT_ID, type TelegramTestServer } from '../../test/support/telegram.js';
import { withTransaction } from '../shared/db.js';
import { createLogger } from '../shared/logger.js';
import { defineTask, enqueue, handle } from '../shared/jobs.js';
import { startWorker } from '../worker/worker.js';

/** The metrics the product design lists, as exported (docs/alerts.md lists the renames). */
const DESIGN_METRICS = [
  'desk_approvals_pending',
  'desk_approval_decision_seconds',
  'desk_rfq_total',
  'desk_quote_latency_seconds',
  'desk_trades_total',
  'desk_auto_settlement_enabled',
  'desk_settlement_queue_depth',
  'desk_settlement_flagged_total',
  'desk_settlement_flagged_open',
  'desk_settlement_duration_seconds',
  'desk_wallet_balance_usdt', // DESIGN: desk_wallet_balance (the unit in the name)
  'desk_http_requests_total',
  'desk_errors_total',
  'desk_telegram_deliveries_total',
  'process_cpu_seconds_total',
  // desk_reconciliation_drift comes with reconciliation (the EVM chain).
];
const ALERT_METRICS = [
  'desk_alerts_firing',
  'desk_alert_transitions_total',
  'desk_approvals_oldest_pending_seconds',
  'desk_flag_review_oldest_open_seconds',
  'desk_audit_unsealed_seconds',
  'desk_worker_heartbeat_age_seconds',
  'desk_notifications_queued',
];

const ALWAYS_FAILS = defineTask('test_always_fails', {});

const boom: FastifyPluginAsync = async (app) => {
  app.get('/test/boom', { config: { access: 'public' } }, async () => {
    throw new Error('a fault on our side');
  });
};

describe('/metrics for the alerts', () => {
  let t: TelegramTestServer;
  const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    t = await buildTelegramServer();
    await t.desk.prepare();
  });
  afterAll(() => t.close());

  it('every metric the design lists is there, and those the rules read', async () => {
    const text = await scrape();
    for (const name of [...DESIGN_METRICS, ...ALERT_METRICS])
      expect(text, `${name} is missing`).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    expect(text).toContain('desk_alerts_firing{alert="worker_down",severity="critical"} 0');
    expect(text).toContain('desk_alert_transitions_total{alert="worker_down",to="firing"} 0');
  });

  it('desk_errors_total{source} counts HTTP 5xx, jobs failed for good and Telegram deliveries given up', async () => {
    const before = await scrape();
    expect(before).toContain('desk_errors_total{source="http"} 0');

    // Two 5xx from the HTTP layer (a 4xx never counts).
    const app = await t.desk.buildHttp([boom]);
    for (let i = 0; i < 2; i++)
      expect((await app.inject({ method: 'GET', url: '/test/boom' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/api/nothing-here' })).statusCode).toBe(404);
    await app.close();

    // A job that fails for good, run by the real job queue.
    const worker = await startWorker({
      pool: t.database.pool,
      modules: [{ tasks: handle(ALWAYS_FAILS, () => Promise.reject(new Error('cannot'))) }],
      concurrency: 1,
      logger: createLogger('silent'),
      onJobFailed: () => t.desk.metrics.errors.note('job'),
    });
    await withTransaction(t.database.db, (tx) => enqueue(tx, ALWAYS_FAILS, {}, { maxAttempts: 1 }));
    for (let i = 0; i < 100 && !(await scrape()).includes('desk_errors_total{source="job"} 1'); i++)
      await new Promise((r) => setTimeout(r, 100));
    await worker.stop();

    // A notification Telegram refuses for good (the bot was removed from the ops chat).
    t.tg.fail(
      'sendMessage',
      { error_code: 403, description: 'Forbidden: bot was kicked from the group chat' },
      { chatId: OPS_CHAT_ID },
    );
    await withTransaction(t.database.db, (tx) =>
      t.desk.services.notifications.enqueue(tx, [
        {
          recipientType: 'ops_chat',
          template: 'flag.emergency_disabled',
          data: { reason: 'test' },
          at: new Date(0),
        },
      ]),
    );
    expect(await t.deliver()).toMatchObject({ failed_permanent: 1 });
    await t.desk.metrics.errors.settled();

    const after = await scrape();
    expect(after).toContain('desk_errors_total{source="http"} 2');
    expect(after).toContain('desk_errors_total{source="job"} 1');
    expect(after).toContain('desk_errors_total{source="telegram"} 1');
  });
});
