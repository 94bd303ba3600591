import { sql } from 'kysely';
import { makeWorkerUtils, parseCrontab } from 'graphile-worker';
import { describe, expect, it } from 'vitest';
import { buildTestServer } from '../../test/support/server.js';
import { withTransaction } from '../shared/db.js';
import { createLogger } from '../shared/logger.js';
import { startWorker } from './worker.js';

/**
 * The audit sealer is the worker's first cron job: the
 * composition root hands the worker a crontab line for `audit_seal` on AUDIT_SEAL_CRON, and the task of
 * that name, run by the real worker from its queue, chains what was recorded and signs a checkpoint.
 */
describe('the composed worker', () => {
  it('schedules the audit sealer every minute, and the job it schedules seals recorded events', async () => {
    const server = await buildTestServer();
    const { desk, database, config } = server;
    try {
      const lines = desk.jobs.flatMap((m) => m.crontab ?? []);
      expect(lines[0]).toBe(`${config.AUDIT_SEAL_CRON} audit_seal`); // its first cron job
      const items = parseCrontab(lines.join('\n'));
      const sealer = items.find((i) => i.task === 'audit_seal');
      expect(sealer).toBeDefined();
      if (!sealer) return;
      // Default AUDIT_SEAL_CRON: due at any minute of any hour.
      expect(sealer.match({ min: 0, hour: 0, date: 1, month: 1, dow: 1 })).toBe(true);
      expect(sealer.match({ min: 37, hour: 13, date: 17, month: 6, dow: 3 })).toBe(true);

      await withTransaction(database.db, (tx) =>
        desk.services.audit.record(tx, { actorType: 'system', action: 'test.cron_sealed' }),
      );
      const chained = async () =>
        (
          await sql<{
            n: number;
          }>`select count(*)::int as n from audit_chain c join audit_events e on e.id = c.event_id where e.action = 'test.cron_sealed'`.execute(
            database.db,
          )
        ).rows[0]?.n ?? 0;
      expect(await chained()).toBe(0);

      // The real worker with the composed jobs runs what its cron enqueues each minute: enqueue it now.
      const worker = await startWorker({
        pool: database.pool,
        modules: desk.jobs,
        concurrency: 1,
        logger: createLogger('silent'),
      });
      const utils = await makeWorkerUtils({ pgPool: database.pool });
      try {
        // The sealing horizon is cluster-wide (another test file's open transaction holds it back), so
        // the job may need to run more than once, as the minutely cron would.
        for (const deadline = Date.now() + 60_000; (await chained()) === 0;) {
          if (Date.now() > deadline) throw new Error('the audit_seal job did not seal the event');
          await utils.addJob(sealer.task, sealer.payload ?? {}, { jobKey: 'test-audit-seal' });
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await utils.release();
        await worker.stop();
      }
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_checkpoints`.execute(
        database.db,
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 90_000);
});
