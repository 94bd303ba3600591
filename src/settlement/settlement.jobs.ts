import { z } from 'zod';
import { cron, defineTask, handle, type JobsModule } from '../shared/jobs.js';
import type { Logger } from '../shared/logger.js';
import type { SettlementWorker } from './settlement.worker.js';

/** Takes a queued settlement to the chain (reserve, sign and persist, broadcast). */
export const SETTLEMENT_PROCESS = defineTask('settlement_process', { id: z.string().min(1) });
/** Polls a submitted settlement's confirmations until final. */
export const SETTLEMENT_CONFIRM = defineTask('settlement_confirm', { id: z.string().min(1) });
/** Re-enqueues settlements whose job a crashed worker lost or holds. */
export const SETTLEMENT_SWEEP = defineTask('settlement_sweep', {});

/** The settlement worker's tasks; the sweep also runs when the worker starts (after a crash). */
export function settlementJobs(deps: { worker: SettlementWorker; logger: Logger }): JobsModule {
  const sweep = async () => {
    const n = await deps.worker.sweep();
    if (n > 0) deps.logger.info({ settlements: n }, 'stale settlements re-enqueued');
  };
  return {
    tasks: {
      ...handle(SETTLEMENT_PROCESS, async ({ id }) => deps.worker.process(id)),
      ...handle(SETTLEMENT_CONFIRM, async ({ id }) => deps.worker.confirm(id)),
      ...handle(SETTLEMENT_SWEEP, sweep),
    },
    crontab: [cron('* * * * *', SETTLEMENT_SWEEP)],
    onStart: sweep,
  };
}
